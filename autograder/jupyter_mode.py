"""Student or instructor set-up of Jupyter: who sees nbgrader's instructor tools.

Students keep the assignment list and validation but lose the formgrader, the create-assignment toolbar and the
course list (Binder runs ``student`` from ``postBuild``); the instructor set-up keeps everything::

    python -m autograder.jupyter_mode student
    python -m autograder.jupyter_mode instructor
    python -m autograder.jupyter_mode status

It configures the environment it runs in (``sys.prefix``), where nbgrader itself enables its extensions; a
user-level setting could not override that, since Jupyter lets the environment's configuration win.

It writes the same files Jupyter's own ``jupyter labextension disable/lock --level=…`` and
``jupyter server extension disable`` write (``labconfig/page_config.json`` and ``jupyter_server_config.json``),
through Jupyter's Python API, so ``jupyter labextension list`` shows the result.
"""
from __future__ import annotations

import argparse
import sys

# nbgrader's JupyterLab plugins and server extension that only an instructor needs.
INSTRUCTOR_PLUGINS = (
    "@jupyter/nbgrader:formgrader",
    "@jupyter/nbgrader:create-assignment",
    "@jupyter/nbgrader:course-list",
)
INSTRUCTOR_SERVER_EXTENSIONS = ("nbgrader.server_extensions.formgrader",)
MODES = ("student", "instructor")


def apply(mode: str) -> None:
    """Put ``mode`` into this environment's Jupyter configuration."""
    if mode not in MODES:
        raise ValueError(f"unknown set-up {mode!r}: choose 'student' or 'instructor'")
    from jupyter_server.extension.serverextension import toggle_server_extension_python
    from jupyterlab_server.config import get_static_page_config, write_page_config

    student = mode == "student"
    page = get_static_page_config(level="sys_prefix")
    for key in ("disabledExtensions", "lockedExtensions"):
        # Locked, the tools cannot be switched back on from JupyterLab's extension manager.
        page.setdefault(key, {}).update({plugin: student for plugin in INSTRUCTOR_PLUGINS})
    write_page_config(page, level="sys_prefix")
    for ext in INSTRUCTOR_SERVER_EXTENSIONS:
        toggle_server_extension_python(ext, enabled=not student, sys_prefix=True)


def status() -> dict[str, bool]:
    """Which instructor tools Jupyter will load, all configuration levels merged."""
    from jupyter_core.paths import jupyter_config_path
    from jupyter_server.extension.config import ExtensionConfigManager
    from jupyterlab_server.config import get_static_page_config

    disabled = get_static_page_config(level="all").get("disabledExtensions", {})
    if isinstance(disabled, list):  # older JupyterLab wrote a list
        disabled = dict.fromkeys(disabled, True)
    state = {plugin: not disabled.get(plugin, False) for plugin in INSTRUCTOR_PLUGINS}
    manager = ExtensionConfigManager(read_config_path=jupyter_config_path())
    state.update({ext: manager.enabled(ext) for ext in INSTRUCTOR_SERVER_EXTENSIONS})
    return state


def main(argv=None) -> int:
    ap = argparse.ArgumentParser(prog="python -m autograder.jupyter_mode", description=__doc__.split("\n\n")[0])
    ap.add_argument("mode", choices=(*MODES, "status"))
    args = ap.parse_args(argv)
    if args.mode != "status":
        apply(args.mode)
    for name, enabled in status().items():
        print(f"{'enabled ' if enabled else 'disabled'}  {name}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
