"""Does the large-class grading benchmark run, grade identically in every set-up and report its figures?"""
import pytest
from optional_tools import require

from bench.grading_scale import render, scale_run

pytestmark = [pytest.mark.cluster, pytest.mark.slow]


def test_a_tiny_class_is_graded_identically_locally_and_on_the_cluster():
    require("distributed", "the cluster set-ups of the grading benchmark")
    r = scale_run(students=3, setups=("local_1", "cluster_1"), log=lambda _: None)
    assert r["identical"], r["differences"]
    assert set(r["seconds"]) == {"local_1", "cluster_1"} and all(s > 0 for s in r["seconds"].values())
    assert 0 < r["own_cells_s"] < min(r["seconds"].values()), r
    page = "\n".join(render(r))
    assert "| `--cluster`, 1 worker(s) |" in page and "Scores identical in every set-up: yes" in page, page
