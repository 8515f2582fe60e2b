"""Is the bilingual glossary page what course_lib.glossary says, and do both editions link to it?"""
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]
sys.path.insert(0, str(ROOT))

from course_lib.glossary import glossary  # noqa: E402
from tools import glossary_page  # noqa: E402


def test_the_committed_page_is_rendered_from_the_library(capsys):
    assert glossary_page.main(["--check"]) == 0, capsys.readouterr().out


def test_every_term_appears_in_both_languages_under_a_heading_in_both():
    page = glossary_page.render()
    for t in glossary():
        assert f"| {t.en} | {t.ru} |" in page.replace("\\|", "|"), t
    headings = [line for line in page.splitlines() if line.startswith("## ")]
    assert len(headings) == len(glossary_page.TOPICS) and all(" · " in h for h in headings), headings


def test_a_stale_page_is_reported_with_the_command_that_fixes_it(tmp_path, monkeypatch, capsys):
    stale = tmp_path / "glossary.md"
    stale.write_text("old\n", encoding="utf-8")
    monkeypatch.setattr(glossary_page, "PAGE", stale)
    assert glossary_page.main(["--check"]) == 1
    assert "python -m tools.glossary_page" in capsys.readouterr().out


def test_both_start_pages_link_to_the_glossary():
    assert "(../docs/glossary.md)" in (ROOT / "notebooks" / "START_HERE.md").read_text(encoding="utf-8")
    assert "(../../docs/glossary.md)" in (ROOT / "notebooks" / "ru" / "START_HERE.md").read_text(encoding="utf-8")
