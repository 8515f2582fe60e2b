"""Benchmarks of the course against what users would otherwise pick: PyTorch CPU (``training``),
micrograd (``autograd``) and serial nbgrader (``grading``). ``python -m bench.run_all --out
docs/benchmarks.md`` runs them all (``make bench``); ``timing`` holds the shared single-thread setup and
the alternating timer."""
