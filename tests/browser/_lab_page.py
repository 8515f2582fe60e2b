"""Driving JupyterLab the way a student does: open a notebook, Run ▸ Run All Cells, read what came out.

Everything here waits on a condition with a timeout (the machine may be loaded); nothing sleeps for a fixed
time. Selectors are JupyterLab 4's and ipywidgets 8's own class names.
"""
from __future__ import annotations

import json
import re
from pathlib import Path
from typing import TYPE_CHECKING

if TYPE_CHECKING:  # playwright is optional locally: importing this module must not need it
    from playwright.sync_api import Locator, Page

# The notebook on screen: JupyterLab keeps other documents in the DOM, hidden.
PANEL = ".jp-NotebookPanel:not(.lm-mod-hidden)"
# stderr streams and tracebacks both render with this MIME type.
STDERR = '.jp-RenderedText[data-mime-type="application/vnd.jupyter.stderr"]'
# What an ipywidgets 8 view of a control renders as.
CONTROLS = ".widget-slider, .widget-dropdown, .widget-button, button, .widget-checkbox, .widget-play"
IDLE = re.compile(r"\|\s*Idle\b")
# A code cell that displays one of course_lib's widget apps: ``widgets.Playground()`` and the like.
WIDGET_APP = re.compile(r"^\s*(?:display\()?widgets\.[A-Z]\w*\(", re.MULTILINE)


def cells(path: Path) -> list[dict]:
    """The cells of a stored notebook, sources joined."""
    nb = json.loads(Path(path).read_text(encoding="utf-8"))
    return [{**c, "source": "".join(c["source"]) if isinstance(c["source"], list) else c["source"]}
            for c in nb["cells"]]


def widget_cell_indices(path: Path) -> list[int]:
    """Positions (among all cells) of the code cells that display a widget app."""
    return [i for i, c in enumerate(cells(path))
            if c["cell_type"] == "code" and WIDGET_APP.search(c["source"])]


def screenshot_cell_indices(path: Path) -> list[int]:
    """Positions of the code cells tagged ``screenshot``: figures the browser test saves as pictures."""
    return [i for i, c in enumerate(cells(path))
            if c["cell_type"] == "code" and "screenshot" in c.get("metadata", {}).get("tags", [])]


def wait_for_idle_kernel(page: Page, timeout_ms: float) -> None:
    """Until the status bar says the notebook's kernel is idle (it says "Initializing"/"Busy" before)."""
    page.locator(".jp-StatusBar-TextItem", has_text=IDLE).first.wait_for(timeout=timeout_ms)


def open_notebook(page: Page, base_url: str, token: str, relpath: str, n_code_cells: int,
                  timeout_ms: float) -> None:
    """Open ``relpath`` in a fresh JupyterLab workspace and wait until its cells and kernel are ready."""
    page.goto(f"{base_url}/lab/tree/{relpath}?token={token}&reset", timeout=timeout_ms)
    page.wait_for_function(
        "([sel, n]) => document.querySelectorAll(sel).length >= n",
        arg=[f"{PANEL} .jp-CodeCell", n_code_cells], timeout=timeout_ms, polling=250)
    wait_for_idle_kernel(page, timeout_ms)


def run_all_cells(page: Page, timeout_ms: float) -> None:
    """Run ▸ Run All Cells from the menu bar, then wait until the run is over and the kernel is idle.

    Over means: every code cell has an execution count (``[*]`` while queued or running), or a cell failed
    (JupyterLab then leaves the cells after it unrun) and nothing is queued any more."""
    page.get_by_role("menuitem", name="Run", exact=True).click()
    page.get_by_role("menuitem", name="Run All Cells", exact=True).click()
    page.wait_for_function(
        """([promptSel, errorSel]) => {
            const prompts = [...document.querySelectorAll(promptSel)].map(p => p.textContent);
            if (prompts.length === 0 || prompts.some(t => t.includes('*'))) return false;
            return prompts.every(t => /\\[\\d+\\]/.test(t)) || document.querySelector(errorSel) !== null;
        }""", arg=[f"{PANEL} .jp-CodeCell .jp-InputPrompt", f"{PANEL} {STDERR}"],
        timeout=timeout_ms, polling=500)
    wait_for_idle_kernel(page, timeout_ms)


def stderr_outputs(page: Page) -> list[str]:
    """The text of every error or stderr output of the notebook on screen (a traceback, a warning)."""
    return page.locator(f"{PANEL} {STDERR}").all_inner_texts()


def cell_outputs(page: Page, index: int) -> Locator:
    """The output area of the ``index``-th cell (all cells counted, as in the file)."""
    return page.locator(f"{PANEL} .jp-Notebook .jp-Cell").nth(index).locator(".jp-OutputArea-output")


def rendered_controls(outputs: Locator) -> dict[str, int]:
    """How many ipywidgets views of each kind a cell's output holds."""
    counts = outputs.evaluate_all(
        """(nodes, sel) => {
            const q = s => nodes.reduce((n, e) => n + e.querySelectorAll(s).length, 0);
            return {views: q('.jupyter-widgets'), controls: q(sel), images: q('img.widget-image'),
                    dropdowns: q('.widget-dropdown select')};
        }""", CONTROLS)
    return counts


def image_sources(outputs: Locator) -> list[str]:
    """The ``src`` of every image in a cell's output (a widget app puts a fresh PNG blob there on redraw)."""
    return outputs.evaluate_all("nodes => nodes.flatMap(e => [...e.querySelectorAll('img')].map(i => i.src))")


def choose_next_option(outputs: Locator, timeout_ms: float) -> tuple[str, str]:
    """Pick the next option of the first dropdown in a cell's output, as a user does; returns (old, new)."""
    select = outputs.locator(".widget-dropdown select").first
    select.scroll_into_view_if_needed(timeout=timeout_ms)
    options = select.locator("option").evaluate_all("os => os.map(o => o.value)")
    old = select.input_value()
    new = options[(options.index(old) + 1) % len(options)]
    select.select_option(new, timeout=timeout_ms)
    return old, new


def nudge_first_slider(page: Page, outputs: Locator, timeout_ms: float) -> tuple[str, str]:
    """Move the first slider in a cell's output one step with the keyboard; returns (old, new) readouts."""
    handle = outputs.locator(".widget-slider .noUi-handle").first
    handle.scroll_into_view_if_needed(timeout=timeout_ms)
    old = handle.get_attribute("aria-valuetext")
    at_max = handle.get_attribute("aria-valuenow") == handle.get_attribute("aria-valuemax")
    handle.focus()
    page.keyboard.press("ArrowLeft" if at_max else "ArrowRight")
    return old, handle.get_attribute("aria-valuetext")


def wait_for_new_image(page: Page, outputs: Locator, before: list[str], timeout_ms: float) -> list[str]:
    """Until the images of a cell's output differ from ``before`` (the kernel redrew); returns them."""
    handle = outputs.first.element_handle()
    page.wait_for_function(
        """([out, before]) => {
            const area = out.closest('.jp-OutputArea');
            const now = [...area.querySelectorAll('img')].map(i => i.src);
            return now.length > 0 && JSON.stringify(now) !== JSON.stringify(before);
        }""", arg=[handle, before], timeout=timeout_ms, polling=250)
    return image_sources(outputs)
