"""Does the course work in a real browser? JupyterLab on loopback, driven in headless Chromium.

For every lecture notebook: open it, Run ▸ Run All Cells, and check what a student would see: no traceback
or stderr output, every widget app drawn with its controls, and a widget that answers a changed control with a
new picture. Then, as the instructor, the formgrader lists the course's assignments. A screenshot of each page
goes to test-artifacts/browser/ (git-ignored), and so does each figure tagged ``screenshot`` (the
initialisation plot, the learning-rate diagnosis, the augmentation gallery); how long each notebook took is
printed (``pytest -s``), never asserted.
"""
from __future__ import annotations

import re
import time

import pytest
from _lab_page import (
    cell_outputs,
    cells,
    choose_next_option,
    image_sources,
    nudge_first_slider,
    open_notebook,
    rendered_controls,
    run_all_cells,
    screenshot_cell_indices,
    stderr_outputs,
    wait_for_idle_kernel,
    wait_for_new_image,
    widget_cell_indices,
)
from _lab_server import REPO_ROOT

pytestmark = pytest.mark.browser

LECTURES = sorted(p.name for p in (REPO_ROOT / "notebooks").glob("[0-9][0-9]_*.ipynb"))
# Two lectures of the Russian edition with their widget apps: the stepper and the activation explorer must
# speak Russian in a real browser too (their screenshots are named ru_<lecture>.png).
RUSSIAN = ["ru/02_backpropagation.ipynb", "ru/03_activation_functions.ipynb"]
ASSIGNMENTS = sorted({p.parent.name for p in (REPO_ROOT / "solutions").glob("[0-9][0-9]_*/*.ipynb")})
# Generous: the machine that runs CI may be busy; a lecture is meant to run in about a minute.
OPEN_MS, RUN_MS, REDRAW_MS = 120_000, 240_000, 60_000


def test_the_course_has_lectures_and_assignments_to_check():
    assert len(LECTURES) >= 6, f"expected the six lecture notebooks in notebooks/, found {LECTURES}"
    assert len(ASSIGNMENTS) >= 5, f"expected the five assignments in solutions/, found {ASSIGNMENTS}"


@pytest.mark.parametrize("filename", LECTURES + RUSSIAN)
def test_lecture_runs_in_jupyterlab_and_its_widgets_answer_a_changed_control(filename, lab, page, artifacts):
    path = REPO_ROOT / "notebooks" / filename
    shot = filename.replace("/", "_").removesuffix(".ipynb")
    n_code = sum(c["cell_type"] == "code" for c in cells(path))
    started = time.monotonic()
    open_notebook(page, lab.url, lab.token, f"notebooks/{filename}", n_code, OPEN_MS)
    opened = time.monotonic()
    run_all_cells(page, RUN_MS)
    print(f"\n{filename}: opened in {opened - started:.1f} s, ran in {time.monotonic() - opened:.1f} s")
    try:
        errors = stderr_outputs(page)
        assert not errors, f"{filename}: expected no error or stderr output, got:\n" + "\n---\n".join(errors)

        for index in widget_cell_indices(path):
            outputs = cell_outputs(page, index)
            shown = rendered_controls(outputs)
            assert shown["views"] > 0 and shown["controls"] > 0 and shown["images"] > 0, (
                f"{filename}, cell {index}: expected the widget app drawn as ipywidgets views with controls "
                f"and a picture, got {shown}; output text: {outputs.all_inner_texts()!r}")
            # A dropdown (data set, activation, surface, graph) redraws every app that has one; otherwise the
            # first slider, moved one step with the keyboard.
            if filename.startswith("ru/"):
                words = " ".join(outputs.all_inner_texts())
                assert re.search("[а-яё]{4,}", words, re.IGNORECASE), (
                    f"{filename}, cell {index}: the widget app should speak Russian, it shows {words[:300]!r}")
            control = "dropdown" if shown["dropdowns"] else "slider"
            before = image_sources(outputs)
            old, new = (choose_next_option(outputs, REDRAW_MS) if shown["dropdowns"]
                        else nudge_first_slider(page, outputs, REDRAW_MS))
            assert old != new, f"{filename}, cell {index}: the {control} did not move from {old!r}"
            from playwright.sync_api import TimeoutError as PlaywrightTimeout

            try:
                wait_for_new_image(page, outputs, before, REDRAW_MS)
            except PlaywrightTimeout:
                pytest.fail(f"{filename}, cell {index}: changing the {control} from {old!r} to {new!r} "
                            f"should redraw the picture within {REDRAW_MS / 1000:.0f} s; it stayed {before}")
            wait_for_idle_kernel(page, REDRAW_MS)  # the redraw may take several steps: let it finish
            errors = stderr_outputs(page)
            assert not errors, (f"{filename}, cell {index}: changing the {control} to {new!r} raised:\n"
                                + "\n---\n".join(errors))
        for index in screenshot_cell_indices(path):
            figure = cell_outputs(page, index).locator("img").first
            figure.scroll_into_view_if_needed(timeout=OPEN_MS)
            assert figure.evaluate("img => img.complete && img.naturalWidth > 100"), (
                f"{filename}, cell {index}: the figure tagged screenshot did not render as an image")
            figure.screenshot(path=str(artifacts / f"{shot}-cell{index}.png"))
    finally:
        page.screenshot(path=str(artifacts / f"{shot}.png"))


def test_formgrader_lists_every_assignment_to_the_instructor(lab, page, artifacts):
    page.goto(f"{lab.url}/formgrader?token={lab.token}", timeout=OPEN_MS)
    try:
        names = page.locator("table tbody tr td.name")
        names.first.wait_for(timeout=OPEN_MS)
        page.wait_for_function("n => document.querySelectorAll('table tbody tr td.name').length >= n",
                               arg=len(ASSIGNMENTS), timeout=OPEN_MS)
        listed = sorted(t.strip() for t in names.all_inner_texts())
        assert listed == ASSIGNMENTS, (
            f"the formgrader should list the assignments in solutions/, {ASSIGNMENTS}; it lists {listed}")
    finally:
        page.screenshot(path=str(artifacts / "formgrader.png"), full_page=True)
