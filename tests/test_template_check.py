"""`templates check` as a library: built-in templates pass, broken ones say what and where."""

from __future__ import annotations

import zipfile
from pathlib import Path

import pytest

from agreementgen.errors import TemplateError
from agreementgen.resources import data_dir
from agreementgen.template_check import check, check_template, merge_contexts
from tests.broken_templates import BROKEN, DOCUMENT, Broken, edited, split_runs

BUILTINS = sorted(p.parent.name for p in data_dir("templates").glob("*/template.docx"))


def messages(path: Path) -> list[str]:
    return [p.message for p in check_template(path).problems]


@pytest.mark.parametrize("name", BUILTINS)
def test_every_builtin_template_passes(name: str) -> None:
    report = check(name)
    assert report.problems == [], "\n".join(p.format() for p in report.problems)
    assert report.variables, "a built-in template reads the description"


def test_the_builtin_templates_are_all_checked() -> None:
    assert "partnership_agreement" in BUILTINS


@pytest.mark.parametrize("case", list(BROKEN), ids=list(BROKEN))
def test_broken_template_is_reported_with_its_place(case: str, tmp_path: Path) -> None:
    broken: Broken = BROKEN[case]
    path = broken.build(tmp_path)
    report = check_template(path)
    assert not report.ok
    found = "\n".join(p.message for p in report.problems)
    for text in broken.expected:
        assert text in found, f"{text!r} not in:\n{found}"
    for problem in report.problems:
        assert problem.file == str(path)
        assert problem.path == broken.part


def test_tag_split_across_runs_is_fine(tmp_path: Path) -> None:
    assert check_template(split_runs(tmp_path)).problems == []


def test_each_unknown_variable_is_reported_once(tmp_path: Path) -> None:
    found = messages(BROKEN["unknown variable"].build(tmp_path))
    assert len(found) == 4, found
    assert sum("unknown variable 'partner'" in m for m in found) == 1


def test_a_loop_variable_outside_its_loop_is_unknown(tmp_path: Path) -> None:
    path = edited(tmp_path / "t.docx", DOCUMENT, "{{ agreement.title }}", "{{ p.name }}")
    (found,) = messages(path)
    assert found.startswith("unknown variable 'p'; paragraph: '{{ p.name }}'; known here: ")


def test_names_the_template_sets_itself_are_known(tmp_path: Path) -> None:
    path = edited(tmp_path / "t.docx", DOCUMENT, "{{ agreement.title }}",
                  "{% set heading = agreement.title %}{{ heading }}"
                  "{% for k, v in agreement.items() %}{{ k }}{{ v }}{% endfor %}")
    assert messages(path) == []


def test_a_field_of_a_list_is_reported(tmp_path: Path) -> None:
    path = edited(tmp_path / "t.docx", DOCUMENT, "{{ agreement.title }}", "{{ partners.name }}")
    (found,) = messages(path)
    assert found.startswith("'partners.name' reads a field of a list; loop over it "
                            "({%p for item in partners %}) and use item.name")


def test_a_failure_while_rendering_names_the_example(tmp_path: Path) -> None:
    path = edited(tmp_path / "t.docx", DOCUMENT, "{{ agreement.title }}",
                  "{{ agreement.title / 2 }}")
    (found,) = messages(path)
    assert "rendering with the example '" in found
    assert "fails: TypeError: " in found
    assert "paragraph: '{{ agreement.title / 2 }}'" in found


def test_a_tag_never_closed_stops_the_part(tmp_path: Path) -> None:
    path = edited(tmp_path / "t.docx", DOCUMENT, "{{ agreement.title }}", "{{ agreement.title")
    (found,) = messages(path)
    assert found == ("the tag '{{ agreement.title' is never closed; add '}}' at its end, in the "
                     "same paragraph; paragraph: '{{ agreement.title'")


def test_a_row_tag_outside_a_table_gets_a_hint(tmp_path: Path) -> None:
    path = edited(tmp_path / "t.docx", DOCUMENT, "{%p for p in partners %}",
                  "{%tr for p in partners %}")
    (found,) = messages(path)
    assert "Jinja syntax error: Encountered unknown tag 'tr'" in found
    assert "works only inside the Word element it names" in found


def test_a_template_named_by_path_or_name(tmp_path: Path) -> None:
    assert check(str(split_runs(tmp_path))).ok
    with pytest.raises(TemplateError, match="no template named 'no-such-template'"):
        check("no-such-template")


def test_variables_are_the_paths_the_template_reads() -> None:
    variables = check("partnership_agreement").variables
    assert {"agreement.title", "partners[].name", "tables.risks[].mitigation"} <= set(variables)
    assert "agreement" not in variables  # only the full paths, not their beginnings


def test_an_installed_copy_checks_with_the_starters(monkeypatch: pytest.MonkeyPatch,
                                                    tmp_path: Path) -> None:
    """A wheel has no examples/ folder: the starter descriptions are the probes then."""
    import agreementgen.template_check.probes as probes

    def no_examples(kind: str) -> Path:
        if kind == "examples":
            raise FileNotFoundError(kind)
        return data_dir(kind)

    monkeypatch.setattr(probes, "data_dir", no_examples)
    probes._descriptions.cache_clear()
    probes._derived.cache_clear()
    try:
        labels = [probe.label for probe in probes.build_probes(None)]
        assert labels == ["starter-partnership_agreement", "starter-mou",
                          "starter-letter_of_intent"]
        assert check("partnership_agreement").ok
        assert "did you mean 'partners'?" in "\n".join(
            messages(BROKEN["unknown variable"].build(tmp_path)))
    finally:
        probes._descriptions.cache_clear()
        probes._derived.cache_clear()


def test_merge_contexts_keeps_every_key_and_list_item_field() -> None:
    merged = merge_contexts([
        {"a": {"x": 1}, "rows": [], "only_first": True},
        {"a": {"y": 2}, "rows": [{"k": 1}], "more": [1]},
        {"rows": [{"j": 2}]},
    ])
    assert merged == {"a": {"x": 1, "y": 2}, "rows": [{"k": 1, "j": 2}], "only_first": True,
                      "more": [1]}


def test_a_whole_agreement_that_leaves_out_an_article_is_reported(tmp_path: Path) -> None:
    """A copy of an older built-in template has no place for newer articles: their clauses
    would be lost without a word."""
    path = edited(tmp_path / "older.docx", DOCUMENT, "{{p articles.funding }}", "")
    report = check_template(path)
    assert [p.code for p in report.problems] == ["check_missing_article"]
    assert report.problems[0].path == DOCUMENT
    assert "shows no articles.funding" in report.problems[0].message


def test_articles_in_another_order_than_their_numbers_are_reported(tmp_path: Path) -> None:
    # the older built-in order: governing law before the general provisions
    path = edited(tmp_path / "swapped.docx", DOCUMENT,
                  "{{p articles.final }}", "{{p articles.legal }}")
    with zipfile.ZipFile(path) as source:
        members = {info.filename: source.read(info) for info in source.infolist()}
    xml = members[DOCUMENT].decode("utf-8")
    last = xml.rindex("{{p articles.legal }}")
    members[DOCUMENT] = (xml[:last] + "{{p articles.final }}"
                         + xml[last + len("{{p articles.legal }}"):]).encode("utf-8")
    with zipfile.ZipFile(path, "w", zipfile.ZIP_DEFLATED) as archive:
        for name, data in members.items():
            archive.writestr(name, data)
    report = check_template(path)
    assert [p.code for p in report.problems] == ["check_article_order"]
    assert "articles.legal comes before articles.final" in report.problems[0].message


def test_a_template_of_some_articles_only_is_not_a_whole_agreement(tmp_path: Path) -> None:
    assert check("me_annex").problems == []
