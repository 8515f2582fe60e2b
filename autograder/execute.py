"""Running a notebook's code cells in a sandboxed kernel, with time and output bounds.

Each cell gets ``cell_timeout_s``; on expiry the kernel is interrupted (over the control channel) and, if it
answers within a grace period, execution goes on with the next cell, so one endless loop costs one cell. The
whole notebook gets ``timeout_s``. A kernel that exits (``os._exit``, a crash, a kill) ends the run: the cells
not reached keep no outputs, so their observations are missing and they fail closed.

Output is capped while it streams: at most ``output_bytes`` of ordinary output and, separately, at most
``output_bytes`` of observation records per notebook. Beyond that, outputs are dropped and the cell gets one
marker saying so; the run carries on.
"""
from __future__ import annotations

import json
import queue
import time
from dataclasses import dataclass, field

import nbformat

from autograder.harness import MIME
from autograder.sandbox import Kernel

INTERRUPT_GRACE_S = 3.0
MAX_OUTPUT_DEPTH = 100  # JSON nesting of one output; deeper ones break nbformat, nbgrader and json (recursion)


@dataclass
class RunReport:
    """How a notebook run ended: ``ok``, ``timed_out`` or ``kernel_died``, with the details in ``notes``."""

    ending: str = "ok"
    notes: list[str] = field(default_factory=list)
    truncated: bool = False
    cells_run: int = 0


class _Budget:
    def __init__(self, limit: int):
        self.limit = limit
        self.used = {"output": 0, "record": 0}
        self.deep = 0  # outputs dropped for their nesting depth

    def admit(self, out: dict) -> bool:
        kind = "record" if MIME in (out.get("data") or {}) else "output"
        size = len(out["text"]) if out.get("output_type") == "stream" else len(json.dumps(out, default=str))
        if self.used[kind] + size > self.limit:
            self.used[kind] = self.limit + 1  # once over, stay over: later outputs of this kind are dropped
            return False
        self.used[kind] += size
        return True


def run_notebook(kernel: Kernel, nb, *, timeout_s: float, cell_timeout_s: float,
                 output_bytes: int) -> RunReport:
    """Execute ``nb``'s code cells in order, in place (outputs and execution counts are filled in)."""
    report = RunReport()
    budget = _Budget(output_bytes)
    deadline = time.monotonic() + timeout_s
    for index, cell in enumerate(nb.cells):
        if cell.cell_type != "code":
            continue
        cell.outputs, cell.execution_count = [], None
        if not cell.source.strip():
            continue
        msg_id = kernel.client.execute(cell.source, store_history=True, allow_stdin=False, stop_on_error=False)
        ending = _collect(kernel, cell, msg_id, min(deadline, time.monotonic() + cell_timeout_s), budget)
        report.cells_run += 1
        if any(o.get("ename") == "MemoryError" for o in cell.outputs):
            report.notes.append(f"cell {index} hit the memory limit (MemoryError)")
        if ending == "timeout":
            report.ending = "timed_out"
            report.notes.append(f"cell {index} ran longer than {cell_timeout_s:g} s and was interrupted")
            kernel.interrupt()  # the KeyboardInterrupt's traceback still lands in this cell
            ending = _collect(kernel, cell, msg_id, time.monotonic() + INTERRUPT_GRACE_S, budget)
            if ending == "timeout":
                report.notes.append("the kernel did not respond to the interrupt and was stopped")
                break
        if ending == "died":
            report.ending = "kernel_died"
            report.notes.append(f"the kernel died while running cell {index} (exit code "
                                f"{kernel.proc.returncode if kernel.proc else '?'}); later cells did not run")
            break
        if time.monotonic() >= deadline:
            report.ending = "timed_out"
            report.notes.append(f"the notebook ran longer than {timeout_s:g} s; later cells did not run")
            break
    if budget.deep:
        report.notes.append(f"{budget.deep} output(s) nested deeper than {MAX_OUTPUT_DEPTH} levels were dropped")
    if budget.used["output"] > output_bytes or budget.used["record"] > output_bytes:
        report.truncated = True
        report.notes.append(f"output beyond {output_bytes} bytes was dropped")
    return report


def _collect(kernel: Kernel, cell, msg_id: str, deadline: float, budget: _Budget) -> str:
    """Gather the outputs of one execution until it is idle ("done"), the deadline passes or the kernel dies."""
    kc = kernel.client
    clear_pending = False
    while True:
        remaining = deadline - time.monotonic()
        if remaining <= 0:
            return "timeout"
        try:
            msg = kc.get_iopub_msg(timeout=min(0.25, remaining))
        except queue.Empty:
            if not kernel.alive():
                return "died"
            continue
        if msg.get("parent_header", {}).get("msg_id") != msg_id:
            continue
        kind, content = msg["msg_type"], msg["content"]
        if kind == "status" and content.get("execution_state") == "idle":
            return "done"
        if kind == "execute_input":
            cell.execution_count = content.get("execution_count")
        elif kind == "clear_output":
            if content.get("wait"):
                clear_pending = True
            else:
                cell.outputs = []
        elif kind in ("stream", "display_data", "execute_result", "error"):
            if clear_pending:
                cell.outputs, clear_pending = [], False
            if _depth(content) > MAX_OUTPUT_DEPTH:
                budget.deep += 1
                cell.outputs.append(nbformat.v4.new_output(
                    "stream", name="stdout", text=f"[grader] an output nested deeper than {MAX_OUTPUT_DEPTH} levels "
                                                  "was dropped\n"))
                continue
            out = nbformat.v4.output_from_msg(msg)
            if budget.admit(out):
                _append(cell.outputs, out)
            elif not any(o.get("name") == "stderr" and "[grader]" in o.get("text", "") for o in cell.outputs):
                cell.outputs.append(nbformat.v4.new_output(
                    "stream", name="stderr", text=f"[grader] output beyond {budget.limit} bytes was dropped\n"))


def _depth(value, limit: int = MAX_OUTPUT_DEPTH + 1) -> int:
    """How deeply dicts and lists nest in ``value``, counted without recursion and only up to ``limit``."""
    deepest, stack = 0, [(value, 1)]
    while stack:
        item, level = stack.pop()
        if isinstance(item, (dict, list)):
            deepest = max(deepest, level)
            if level >= limit:
                return level
            stack.extend((v, level + 1) for v in (item.values() if isinstance(item, dict) else item))
    return deepest


def _append(outputs: list, out) -> None:
    """Consecutive stream outputs of the same name merge, as Jupyter shows them."""
    if out.output_type == "stream" and outputs and outputs[-1].get("output_type") == "stream" \
            and outputs[-1].get("name") == out.name:
        outputs[-1]["text"] += out.text
    else:
        outputs.append(out)
