"""Run every benchmark, each in a fresh single-threaded process, and write the results as Markdown.

    python -m bench.run_all --out docs/benchmarks.md          # what ``make bench`` runs (~10 minutes)
    python -m bench.run_all --quick --only training autograd  # tiny sizes: checks the scripts, not the speed

The page records the machine and its load average before and after the run: the ratios come from
alternating samples in one process and stay meaningful on a busy machine; absolute times do not.
"""
from __future__ import annotations

import argparse
import json
import math
import sys
import time
from pathlib import Path

from bench.timing import load_average, machine_info, run_isolated

#: name -> (target, full-size arguments, tiny arguments for --quick and the smoke test)
BENCHMARKS = {
    "training_a": ("bench.training:train_case", dict(case="a", repeats=7), dict(case="a", repeats=1, n=40)),
    "training_b": ("bench.training:train_case", dict(case="b", repeats=7), dict(case="b", repeats=1, n=64)),
    "training_c": ("bench.training:train_case", dict(case="c", repeats=5), dict(case="c", repeats=1, n=256)),
    "blas_warm_up": ("bench.training:blas_warm_up_effect", dict(case="c", n=15000, processes=3, repeats=3),
                     dict(case="c", n=256, processes=1, repeats=1)),
    "autograd": ("bench.autograd:autograd_step", dict(repeats=5), dict(repeats=1, n=8, vector_steps=2)),
    "grading": ("bench.grading:grading_run", dict(students=30), dict(students=2)),
    "grading_scale": ("bench.grading_scale:scale_run", dict(students=1000),
                      dict(students=3, setups=("local_1", "cluster_1"))),
}


def run(names=None, quick: bool = False, log=print) -> dict:
    """Run the named benchmarks (default: all) in fresh processes; return name -> result (or
    ``{"error": ...}``)."""
    names = list(names or BENCHMARKS)
    unknown = [n for n in names if n not in BENCHMARKS]
    if unknown:
        raise ValueError(f"unknown benchmark(s) {unknown}; choose from {list(BENCHMARKS)}")
    results = {}
    for name in names:
        target, full, tiny = BENCHMARKS[name]
        log(f"running {name} ({target}) ...")
        start = time.perf_counter()
        try:
            results[name] = run_isolated(target, tiny if quick else full)
        except Exception as exc:  # noqa: BLE001 - one broken benchmark must not hide the others
            results[name] = {"error": f"{type(exc).__name__}: {exc}"}
        log(f"  done in {time.perf_counter() - start:.0f} s")
    return results


# ----------------------------------------------------------------------------------------------- Markdown
def _ms(seconds: float) -> str:
    return f"{seconds * 1e3:,.1f} ms" if seconds < 10 else f"{seconds:,.1f} s"


def _mark(ok: bool) -> str:
    return "met" if ok else "**not met**"


def _training(results: dict) -> list[str]:
    cases = [results[k] for k in ("training_a", "training_b", "training_c") if k in results]
    if not cases:
        return []
    lines = ["## Training: `course_lib` against PyTorch CPU", "",
             "One epoch per sample, Adam (lr 1e-3), float32, single-threaded BLAS for all, one warm-up "
             "epoch each, then samples alternating in one process; the same initial weights and batch order "
             "for all four. *fast* is `course_lib.fast` (flat-buffer fused Adam, BLAS-oriented Linear, no input "
             "gradient for the data), *reference* is `course_lib.layers` + `course_lib.optim.Adam`, the code "
             "the lectures show. Ratio = median fast epoch / median PyTorch epoch (below 1: faster), by wall "
             "clock and by CPU time; the goals are judged on CPU time, the steadier clock on a busy machine. "
             "The last column is the reference path's time over the fast path's.", "",
             "| case | n, batch | fast | reference | torch Adam | torch fused Adam | fast / Adam (wall / CPU) | "
             "fast / fused (wall / CPU) | goal (fast) | reference / fast (CPU) |",
             "|---|---|---|---|---|---|---|---|---|---|"]
    for r in cases:
        if "error" in r:
            lines.append(f"| — | — | error: {r['error'].splitlines()[0]} | | | | | | | |")
            continue
        m, q = r["median"], r["ratios"]
        goal_ok = q["torch"]["cpu"] <= r["goal"] and q["torch_fused"]["cpu"] < 1.0
        rr, rgoal = r["reference_ratio"]["cpu"], r.get("reference_goal")
        ref_cell = f"{rr:.2f}" + (f" (≤ {rgoal:.0f}: {_mark(rr <= rgoal)})" if rgoal else "")
        lines.append(
            f"| ({r['case']}) {r['name']} | {r['n']:,}, {r['batch']} | {_ms(m['fast']['wall'])} | "
            f"{_ms(m['reference']['wall'])} | {_ms(m['torch']['wall'])} | {_ms(m['torch_fused']['wall'])} | "
            f"{q['torch']['wall']:.2f} / {q['torch']['cpu']:.2f} | "
            f"{q['torch_fused']['wall']:.2f} / {q['torch_fused']['cpu']:.2f} | "
            f"≤ {r['goal']:.2f} and < 1 vs fused: {_mark(goal_ok)} | {ref_cell} |")
    lines += ["", "Weights after the warm-up epoch, largest relative difference of the fast model to the others: "
              + "; ".join(f"({r['case']}) reference {r['weight_gap']['reference']:.1e}, torch "
                          f"{r['weight_gap']['torch']:.1e}" for r in cases if "error" not in r)
              + ". (a) and (b) agree to float32 rounding; on (c)'s random labels the runs agree closely for "
              "the first steps and then drift apart: Adam's normalised steps amplify rounding differences "
              "where the gradient is noise.", ""]
    return lines


def _blas(r: dict) -> list[str]:
    lines = ["## The OpenBLAS warm-up (`course_lib/fast/blas.py`)", ""]
    if "error" in r:
        return lines + [f"error: {r['error']}", ""]
    return lines + [
        f"The fast path alone on case ({r['case']}) with {r['n']:,} samples, in {r['processes']} fresh "
        "process(es) per arm, alternating: one epoch without the warm-up and one with it (median over "
        "processes).", "",
        "| without warm-up | with warm-up | ratio without / with (wall / CPU) "
        "| `course_lib.fast` warms up by itself |",
        "|---|---|---|---|",
        f"| {_ms(r['without']['wall'])} | {_ms(r['with']['wall'])} | {r['ratio']['wall']:.2f} / "
        f"{r['ratio']['cpu']:.2f} | {'yes' if r['hooked'] else '**no** (fast/layers.py does not call it)'} |",
        "", "A ratio well above 1 means the warm-up matters on this machine; if it does and the last column "
        "says no, the fix has been lost.", ""]


def _autograd(r: dict) -> list[str]:
    lines = ["## Scalar autograd: `Value` against micrograd 0.1.0", ""]
    if "error" in r:
        return lines + [f"error: {r['error']}", ""]
    m, s = r["median"], r["speedup"]
    g = r["goal"]
    lines += [
        f"micrograd's demo step: MLP {'-'.join(map(str, r['sizes']))} of scalar Values, {r['n']} moons "
        "points, hinge loss + L2, forward, backward, SGD update and `gc.collect()`; the same network built "
        f"the same way for both engines. Medians of {r['repeats']} alternating samples; the vectorised step "
        f"(`course_lib.layers`) is timed over {r['vector_steps']} steps per sample.", "",
        "| contender | time per step (wall / CPU) | speed-up over micrograd (wall / CPU) | goal |",
        "|---|---|---|---|",
        f"| micrograd | {_ms(m['micrograd']['wall'])} / {_ms(m['micrograd']['cpu'])} | 1 | |"]
    for k, label in (("course_lib_value", "`course_lib.autograd.Value`"),
                     ("course_lib_vectorised", "`course_lib.layers`, vectorised")):
        lines.append(f"| {label} | {_ms(m[k]['wall'])} / {_ms(m[k]['cpu'])} | {s[k]['wall']:,.1f}× / "
                     f"{s[k]['cpu']:,.1f}× | ≥ {g[k]:,.0f}×: {_mark(s[k]['cpu'] >= g[k])} |")
    losses = r["first_loss"]
    lines += ["", "First-step losses (the same computation): "
              + ", ".join(f"{k} {v:.12g}" for k, v in losses.items()), ""]
    return lines


def _grading(r: dict) -> list[str]:
    lines = ["## Grading: plain `nbgrader autograde` against `course grade`", ""]
    if "error" in r:
        return lines + [f"error: {r['error'].splitlines()[0]}", ""]
    s, n = r["seconds"], r["students"]
    same = "yes" if r["identical"] else "**no**: " + json.dumps(r["differences"])
    return lines + [
        f"{n} generated submissions of `{r['assignment']}` (two in three complete, the rest half done), identical "
        "course folders, the same grading seed; each grader run as its command, timed end to end by the wall "
        "clock. `course grade` forks each kernel from a per-worker zygote that has imported ipykernel, numpy, "
        "matplotlib and `course_lib` once (`autograder/zygote.py`) and forks the next kernel while it records "
        "the last student; one worker shows that saving alone, without parallelism.", "",
        "| grader | wall time | per student | speed-up over nbgrader | scores identical to nbgrader's | goal |",
        "|---|---|---|---|---|---|",
        f"| `nbgrader autograde` (one student after another) | {_ms(s['nbgrader'])} | {_ms(s['nbgrader'] / n)} "
        "| 1 | | |",
        f"| `course grade --workers 1` | {_ms(s['course_grade_1'])} | {_ms(s['course_grade_1'] / n)} | "
        f"{r['speedup_1']:.2f}× | {same} | |",
        f"| `course grade --workers {r['workers']}` | {_ms(s['course_grade'])} | {_ms(s['course_grade'] / n)} | "
        f"{r['speedup']:.2f}× | {same} | ≥ {r['goal']:.0f}×: {_mark(r['speedup'] >= r['goal'] and r['identical'])} |",
        ""]


def render(results: dict, machine: dict, load_before, load_after, elapsed: float, quick: bool = False) -> str:
    """The Markdown page for ``results`` (as returned by :func:`run`)."""
    head = ["# Benchmarks", "",
            "Generated by `make bench` (`python -m bench.run_all --out docs/benchmarks.md`); do not edit by "
            "hand. Every benchmark runs in a fresh process with "
            "`OPENBLAS_NUM_THREADS=OMP_NUM_THREADS=MKL_NUM_THREADS=1` and `torch.set_num_threads(1)`.", ""]
    if quick:
        head += ["**Quick run (tiny sizes): these numbers check that the scripts work, "
                 "they measure nothing.**", ""]
    head += ["## Machine", "", "| | |", "|---|---|"]
    head += [f"| {k} | {v} |" for k, v in machine.items() if k != "load_average"]
    head += [f"| load average (1, 5, 15 min) before / after | {load_before} / {load_after} |",
             f"| run time | {elapsed / 60:.1f} min |", "",
             "The machine's 2 cores may be shared with other work while the benchmarks run: a load average above "
             "1 means another process competed for the cores. Every ratio compares contenders sampled "
             "alternately in one process, so load slows both sides; wall-clock ratios suffer most, CPU-time "
             "ratios (on which the goals are judged) least.", ""]
    body = _training(results)
    from bench.grading_scale import render as _grading_scale

    for key, fn in (("blas_warm_up", _blas), ("autograd", _autograd), ("grading", _grading),
                    ("grading_scale", _grading_scale)):
        if key in results:
            body += fn(results[key])
    return "\n".join(head + body).rstrip() + "\n"


def _finite_positive(x) -> bool:
    return isinstance(x, (int, float)) and math.isfinite(x) and x > 0


def main(argv=None) -> int:
    parser = argparse.ArgumentParser(prog="python -m bench.run_all", description=__doc__.split("\n\n")[0])
    parser.add_argument("--out", type=Path, help="write the Markdown here (default: print it)")
    parser.add_argument("--json", type=Path, help="also write the raw results as JSON")
    parser.add_argument("--quick", action="store_true", help="tiny sizes: check the scripts, not the speed")
    parser.add_argument("--only", nargs="+", choices=list(BENCHMARKS), help="run only these benchmarks")
    args = parser.parse_args(argv)
    machine, before, start = machine_info(), load_average(), time.perf_counter()
    results = run(args.only, args.quick, log=lambda msg: print(msg, file=sys.stderr))
    elapsed = time.perf_counter() - start
    page = render(results, machine, before, load_average(), elapsed, args.quick)
    if args.json:
        args.json.write_text(json.dumps({"machine": machine, "results": results, "load_before": before,
                                         "load_after": load_average(), "elapsed": elapsed}, indent=1))
    if args.out:
        args.out.write_text(page)
        print(f"wrote {args.out}", file=sys.stderr)
    else:
        print(page)
    return 1 if any("error" in r for r in results.values()) else 0


if __name__ == "__main__":
    sys.exit(main())
