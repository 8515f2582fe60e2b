"""The lecture notebooks: paired with their text sources, stored stripped, shaped as lectures, and runnable.

Execution (the English lectures and the Russian ones, ``notebooks/ru/``) uses nbclient with a fresh ``python3``
kernel per notebook (cwd its folder) and fails on any error output and on any stderr stream (a warning in a
lecture is a bug). The time of each run is printed (``pytest -s``) and reported, never asserted.
"""
import shutil
from pathlib import Path

import pytest
from _lectures import (
    LECTURES,
    NOTEBOOK_DIR,
    RU_LECTURES,
    RU_NOTEBOOKS,
    execute,
    parse_number,
    parse_ru_number,
    read,
    read_stored,
    run_problems,
    unprinted_claims,
)

from tools import lectures as lectures_tool
from tools.repoint import check as repoint_target  # noqa: E402 - where every notebook points (a fork may repoint)

_REPO, _BRANCH = repoint_target()
BADGE_URL = f"https://colab.research.google.com/github/{_REPO}/blob/{_BRANCH}/notebooks/{{}}"


# relative to notebooks/: "01_x.ipynb", and "ru/01_x.ipynb" for the Russian edition
PAIRED = [p.relative_to(NOTEBOOK_DIR).as_posix() for p in lectures_tool.paired_notebooks()]


def test_every_lecture_and_the_start_page_are_paired_with_a_text_source():
    assert len(LECTURES) >= 6, f"expected the six lectures as notebooks/NN_*.md, found {LECTURES}"
    assert "START_HERE.ipynb" in PAIRED
    unpaired = [n for n in PAIRED if not (NOTEBOOK_DIR / n).with_suffix(".md").exists()]
    orphans = [p.relative_to(NOTEBOOK_DIR).as_posix() for p in [*NOTEBOOK_DIR.glob("*.md"),
               *NOTEBOOK_DIR.glob("ru/*.md")] if not p.with_suffix(".ipynb").exists()]
    assert not unpaired and not orphans, f"notebooks without a .md source {unpaired}; sources without a notebook "\
        f"{orphans}; run `jupytext --set-formats ipynb,md:myst notebooks/NAME.ipynb` or `--sync`"
    config = (NOTEBOOK_DIR / "jupytext.toml").read_text()
    assert 'formats = "ipynb,md:myst"' in config, "notebooks/jupytext.toml should pair ipynb with md:myst"


@pytest.mark.parametrize("filename", PAIRED)
def test_committed_notebook_agrees_with_its_text_source(filename):
    problems = lectures_tool.disagreements(NOTEBOOK_DIR / filename)
    assert not problems, "\n".join(problems) + f"\nfix: {lectures_tool.fix_command(NOTEBOOK_DIR / filename)}"


@pytest.mark.parametrize("filename", PAIRED)
def test_cell_ids_are_unique_and_a_sync_keeps_them(filename, tmp_path):
    """Ids live in the .ipynb; a sync from an unchanged text source must rewrite nothing (stable ids, format)."""
    stored = read_stored(filename)
    ids = [c.get("id") for c in stored.cells]
    assert all(ids) and len(set(ids)) == len(ids), f"{filename}: cell ids missing or repeated: {ids}"
    (tmp_path / filename).parent.mkdir(parents=True, exist_ok=True)
    for suffix in (".ipynb", ".md"):
        shutil.copy((NOTEBOOK_DIR / filename).with_suffix(suffix), tmp_path / Path(filename).with_suffix(suffix))
    assert not lectures_tool.sync(tmp_path / filename), (
        f"{filename}: syncing it from its text source rewrites it; run `python -m tools.lectures --sync`")


@pytest.mark.parametrize("filename", LECTURES + RU_NOTEBOOKS)
def test_notebook_is_stored_with_outputs_stripped(filename):
    nb = read_stored(filename)
    dirty = [i for i, c in enumerate(nb.cells)
             if c.cell_type == "code" and (c.outputs or c.execution_count is not None)]
    assert not dirty, f"{filename}: code cells {dirty} carry outputs or execution counts; store it "\
        f"stripped: `jupyter nbconvert --clear-output --inplace notebooks/{filename}`"
    assert "widgets" not in nb.metadata, f"{filename}: widget state is stored in the metadata; strip it"


@pytest.mark.parametrize("filename", LECTURES)
def test_notebook_opens_with_the_colab_badge_and_setup_cells(filename):
    first, second = read(filename).cells[:2]
    assert first.cell_type == "markdown" and "colab-badge" in first.metadata.get("tags", []), (
        f"{filename}: cell 0 should be the markdown cell tagged colab-badge, got {first.cell_type} "
        f"with tags {first.metadata.get('tags')}")
    assert BADGE_URL.format(filename) in first.source, (
        f"{filename}: the badge should link to {BADGE_URL.format(filename)}, got {first.source[:200]!r}")
    assert second.cell_type == "code" and "colab-setup" in second.metadata.get("tags", []), (
        f"{filename}: cell 1 should be the code cell tagged colab-setup")
    assert 'if "google.colab" in sys.modules:' in second.source and "%pip install" in second.source, (
        f"{filename}: the setup cell must install only on Colab, got {second.source!r}")


@pytest.mark.parametrize("filename", LECTURES + RU_NOTEBOOKS)
def test_no_markdown_line_starts_with_a_claim_marker(filename):
    """A line starting with ``<!--`` opens an HTML block in Markdown and would split its paragraph in two."""
    for cell in read(filename).cells:
        if cell.cell_type == "markdown":
            bad = [ln for ln in cell.source.splitlines() if ln.lstrip().startswith("<!--claim:")]
            assert not bad, f"{filename}: these lines start with a claim marker and break their paragraph: {bad}"


@pytest.mark.parametrize("filename", LECTURES)
def test_notebook_reads_as_a_lecture(filename):
    cells = read(filename).cells
    assert "Learning goals" in cells[2].source, (
        f"{filename}: the cell after the setup should state the learning goals, got {cells[2].source[:80]!r}")
    assert cells[-1].cell_type == "markdown" and "## Summary" in cells[-1].source, (
        f"{filename}: the last cell should be the summary, got {cells[-1].source[:80]!r}")
    answers = [c for c in cells if "<details><summary>Answer</summary>" in c.source]
    exercises = [c for c in cells if c.source.startswith("**Exercise.**")]
    assert len(exercises) >= 2 and len(answers) == len(exercises), (
        f"{filename}: expected at least 2 exercises each with a collapsible answer, "
        f"got {len(exercises)} exercises and {len(answers)} answers")
    lonely = [i for i, c in enumerate(cells[:-1])
              if c.cell_type == "code" and "plt.show()" in c.source and cells[i + 1].cell_type != "markdown"]
    assert not lonely, (
        f"{filename}: the figures of cells {lonely} are not followed by a sentence on what to notice")


def test_errata_notes_name_the_three_slips_of_the_lecture_material():
    cells = read("03_activation_functions.ipynb").cells
    text = "\n".join(c.source for c in cells if c.cell_type == "markdown")
    errata = [line for line in text.splitlines() if "Errata" in line]
    assert errata, "03_activation_functions: no visible errata note"
    for slip in (r"1/(1 + e^{a})", "leading $x$", r"\alpha(x\,e^x - 1)"):
        assert slip in text, f"03_activation_functions: the errata note does not mention the slip {slip!r}"


def _executed(filename):
    nb, seconds, error = execute(filename)
    print(f"\n{filename}: executed in {seconds:.1f} s")
    return nb, seconds, error


@pytest.mark.slow
@pytest.mark.parametrize("filename", LECTURES + RU_LECTURES)
def test_notebook_executes_without_errors_or_stderr(filename):
    nb, _, error = _executed(filename)
    assert error is None, f"{filename}: {error}"
    problems = run_problems(nb)
    assert not problems, f"{filename} ran with problems:\n" + "\n".join(problems)


@pytest.mark.slow
@pytest.mark.parametrize("filename", LECTURES + RU_LECTURES)
def test_numbers_claimed_in_prose_are_what_the_notebook_prints(filename):
    nb, _, _ = _executed(filename)
    missing = unprinted_claims(nb, parse_ru_number if filename.startswith("ru/") else parse_number)
    assert not missing, (f"{filename}: the prose claims {missing} (name, written value), but no output of the "
                         "executed notebook prints those numbers (to the written precision)")


@pytest.mark.parametrize("filename", LECTURES)
def test_lecture_ends_with_a_reading_list_before_its_summary(filename):
    cells = read(filename).cells
    reading = cells[-2]
    assert reading.cell_type == "markdown" and reading.source.startswith("## Further reading"), (
        f"{filename}: the cell before the summary should be '## Further reading', got {reading.source[:60]!r}")
    items = [line for line in reading.source.splitlines() if line.startswith("* ")]
    assert len(items) >= 3, f"{filename}: the reading list has {len(items)} items; give at least three"


SOURCE_AUGMENTATIONS = ("RGBShift", "HueSaturationValue", "ChannelShuffle", "CLAHE", "RandomContrast",
                        "RandomGamma", "RandomBrightness", "Blur", "MedianBlur", "ToGray", "JpegCompression",
                        "rotation", "horizontal flip", "vertical flip", "scale", "crop", "noise")


def test_augmentation_gallery_maps_every_transform_the_source_names():
    """Lecture 5's gallery maps each named transform to a course_lib.augment class; those that exist are shown
    (the notebook prints the ones this version of the library lacks)."""
    import ast

    from course_lib import augment

    cell = next(c for c in read("05_regularisation.ipynb").cells
                if c.cell_type == "code" and "SOURCE_TRANSFORMS = {" in c.source)
    source = cell.source
    start = source.index("SOURCE_TRANSFORMS = {")
    mapping = ast.literal_eval(source[start + len("SOURCE_TRANSFORMS = "):source.index("\n}", start) + 2])
    assert set(mapping) == set(SOURCE_AUGMENTATIONS), (
        f"the gallery should show exactly the source's transforms; missing {set(SOURCE_AUGMENTATIONS) - set(mapping)}")
    for name, (class_name, _) in mapping.items():
        cls = getattr(augment, class_name, None)
        assert cls is None or issubclass(cls, augment.Transform), f"{name}: augment.{class_name} is not a Transform"
    available = [n for n, (c, _) in mapping.items() if hasattr(augment, c)]
    assert len(available) >= 13, f"only {available} of the source's transforms exist in course_lib.augment"


def test_the_figures_the_browser_test_photographs_are_tagged():
    """tests/browser saves every code cell tagged ``screenshot``: the initialisation plot (lecture 3), the
    learning-rate diagnosis (lecture 4) and the augmentation gallery (lecture 5) among them."""
    expected = {"03_activation_functions.ipynb": "output_stds", "04_optimisation.ipynb": "sgd_diagnosis",
                "05_regularisation.ipynb": "SOURCE_TRANSFORMS"}
    for filename, marker in expected.items():
        tagged = [c for c in read(filename).cells
                  if c.cell_type == "code" and "screenshot" in c.metadata.get("tags", [])]
        assert any(marker in c.source and "plt.show()" in c.source for c in tagged), (
            f"{filename}: the figure cell defining {marker} should be tagged screenshot")
