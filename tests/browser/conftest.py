"""Fixtures of the browser test: one JupyterLab server and one headless Chromium for the whole module.

Chromium is Debian's (``/usr/bin/chromium``) driven by Playwright's Python package; Playwright's own browser
downloads are never used. Locally, a missing Chromium or Playwright skips the test with the reason; in CI
(``CI=true``) it fails, through the shared rule in ``tests/optional_tools.py``.
"""
from __future__ import annotations

import shutil
from pathlib import Path

import pytest
from _lab_server import REPO_ROOT, LabServer
from optional_tools import require, require_executable

CHROMIUM = "/usr/bin/chromium"
CHROMIUM_ARGS = [
    "--headless", "--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run",
    "--disable-background-networking", "--disable-component-update", "--disable-sync",
]
ARTIFACTS = REPO_ROOT / "test-artifacts" / "browser"


@pytest.fixture(scope="module")
def playwright(request):
    require("playwright", "the browser test")
    require_executable(CHROMIUM, "the browser test", "apt-get install chromium")
    from playwright.sync_api import sync_playwright

    with sync_playwright() as driver:
        yield driver


@pytest.fixture(scope="module")
def lab(tmp_path_factory, playwright):
    """A JupyterLab server on a throw-away copy of the course; stopped (with its kernels) at the end."""
    server = LabServer(tmp_path_factory.mktemp("jupyterlab"))
    with server:
        print(f"\nJupyterLab answered after {server.startup_seconds:.1f} s on {server.url}")
        yield server
    # Kept beside the screenshots: what the server said is the first thing to read when a run fails.
    ARTIFACTS.mkdir(parents=True, exist_ok=True)
    shutil.copy(server.log_path, ARTIFACTS / "jupyterlab.log")


@pytest.fixture(scope="module")
def browser_context(playwright, tmp_path_factory):
    """Headless Chromium with a fresh profile (user-data-dir)."""
    profile = tmp_path_factory.mktemp("chromium-profile")
    context = playwright.chromium.launch_persistent_context(
        str(profile), executable_path=CHROMIUM, args=CHROMIUM_ARGS, headless=True,
        viewport={"width": 1400, "height": 900})
    yield context
    context.close()


@pytest.fixture
def page(browser_context, lab):
    """A new tab per test; its kernels are shut down afterwards so they do not pile up in memory."""
    tab = browser_context.new_page()
    yield tab
    tab.close()
    lab.shutdown_kernels()


@pytest.fixture(scope="module")
def artifacts() -> Path:
    """test-artifacts/browser/ (git-ignored): screenshots of every notebook and of the formgrader."""
    ARTIFACTS.mkdir(parents=True, exist_ok=True)
    return ARTIFACTS
