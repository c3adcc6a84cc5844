"""Block structure of Markdown fields: item paragraphs and nested lists, as people write them.

Each case is checked in Word (paragraph styles, list levels, numbering) and in the Markdown
review copy, which must mean what Word shows.
"""

from __future__ import annotations

import copy
import zipfile
from collections.abc import Callable
from pathlib import Path
from typing import Any

import docx
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from lxml import etree

from agreementgen.generate import generate
from agreementgen.render.markdown_tree import html_tree
from agreementgen.render.numbering import CLAUSE_INDENT, ENUMERATION_STEP, NumberingAllocator
from agreementgen.render.text import markdown_to_html, markdown_to_markdown
from agreementgen.render.wordml import markdown_to_runs, markdown_to_wordml

W = "http://schemas.openxmlformats.org/wordprocessingml/2006/main"
NS = {"w": W}
BULLET = "\u2022"

Paragraph = tuple[str, str | None, str]  # (style, list level, text)


def word(text: str) -> list[Paragraph]:
    """The paragraphs Word gets for a field: style, list level and text of each."""
    numbering = NumberingAllocator(docx.Document().part.numbering_part.blob)
    xml = markdown_to_wordml(text, numbering=numbering)
    return paragraphs(etree.fromstring(f'<w:body xmlns:w="{W}">{xml}</w:body>'))


def paragraphs(body: etree._Element) -> list[Paragraph]:
    out = []
    for p in body.iter(f"{{{W}}}p"):
        style = p.xpath("string(w:pPr/w:pStyle/@w:val)", namespaces=NS)
        level = p.xpath("w:pPr/w:numPr/w:ilvl/@w:val", namespaces=NS)
        text = "".join(t.text or "" if t.tag == f"{{{W}}}t" else "\n"
                       for t in p.iter(f"{{{W}}}t", f"{{{W}}}br"))
        out.append((style, level[0] if level else None, text))
    return out


def num_ids(text: str) -> list[str]:
    numbering = NumberingAllocator(docx.Document().part.numbering_part.blob)
    xml = markdown_to_wordml(text, numbering=numbering)
    body = etree.fromstring(f'<w:body xmlns:w="{W}">{xml}</w:body>')
    return body.xpath("w:p/w:pPr/w:numPr/w:numId/@w:val", namespaces=NS)


# --- nested lists: CommonMark's indentation and Python-Markdown's four spaces ----------------

BULLETS_UNDER_BULLET = [
    ("ListBullet", None, "a"), ("ListBullet2", None, "a1"), ("ListBullet2", None, "a2"),
    ("ListBullet", None, "b")]
NUMBERS_UNDER_NUMBER = [
    ("ListNumber", "0", "a"), ("ListNumber2", "1", "a1"), ("ListNumber2", "1", "a2"),
    ("ListNumber", "0", "b")]


@pytest.mark.parametrize("indent", [2, 3, 4])
def test_bullets_nest_under_a_bullet_indented_two_three_or_four_spaces(indent: int) -> None:
    pad = " " * indent
    text = f"- a\n{pad}- a1\n{pad}- a2\n- b"

    assert word(text) == BULLETS_UNDER_BULLET
    assert markdown_to_markdown(text) == "- a\n    - a1\n    - a2\n- b"
    assert markdown_to_html(text).replace("\n", "") == (
        "<ul><li>a<ul><li>a1</li><li>a2</li></ul></li><li>b</li></ul>")


@pytest.mark.parametrize("indent", [3, 4])
def test_numbers_nest_under_a_number_indented_three_or_four_spaces(indent: int) -> None:
    pad = " " * indent
    text = f"1. a\n{pad}1. a1\n{pad}2. a2\n2. b"

    assert word(text) == NUMBERS_UNDER_NUMBER
    assert len(set(num_ids(text))) == 1  # one list, numbered 1, 2 at level 0 and 1, 2 under a
    assert markdown_to_markdown(text) == "1. a\n    1. a1\n    2. a2\n2. b"


def test_two_spaces_under_a_number_do_not_reach_its_text_so_the_items_are_siblings() -> None:
    # CommonMark's rule, documented in the README: "1. " needs three spaces.
    text = "1. a\n  1. a1\n  2. a2\n2. b"

    assert [style for style, _, _ in word(text)] == ["ListNumber"] * 4
    assert markdown_to_markdown(text) == "1. a\n2. a1\n3. a2\n4. b"


@pytest.mark.parametrize("indent", [3, 4])
def test_bullets_nest_under_a_number_instead_of_being_glued_to_its_text(indent: int) -> None:
    pad = " " * indent
    text = f"1. a\n{pad}- a1\n{pad}- a2\n2. b"

    assert word(text) == [("ListNumber", "0", "a"), ("ListBullet2", None, "a1"),
                          ("ListBullet2", None, "a2"), ("ListNumber", "0", "b")]
    assert markdown_to_markdown(text) == "1. a\n    - a1\n    - a2\n2. b"


@pytest.mark.parametrize("indent", [2, 3, 4])
def test_numbers_nest_under_a_bullet_indented_two_three_or_four_spaces(indent: int) -> None:
    pad = " " * indent
    text = f"- a\n{pad}1. a1\n{pad}2. a2\n- b"

    assert word(text) == [("ListBullet", None, "a"), ("ListNumber2", "0", "a1"),
                          ("ListNumber2", "0", "a2"), ("ListBullet", None, "b")]
    assert markdown_to_markdown(text) == "- a\n    1. a1\n    2. a2\n- b"


@pytest.mark.parametrize(("text", "levels"), [
    ("- a\n  - b\n    - c\n- d", ["ListBullet", "ListBullet2", "ListBullet3", "ListBullet"]),
    ("- a\n    - b\n        - c\n- d", ["ListBullet", "ListBullet2", "ListBullet3", "ListBullet"]),
    ("1. a\n   1. b\n      1. c\n2. d", ["ListNumber", "ListNumber2", "ListNumber3", "ListNumber"]),
    ("10. a\n    - b\n11. c", ["ListNumber", "ListBullet2", "ListNumber"]),
])
def test_three_levels_and_wide_numbers_nest_by_the_column_of_the_text(
        text: str, levels: list[str]) -> None:
    assert [style for style, _, _ in word(text)] == levels
    # The review copy reads back to the same structure.
    again = markdown_to_markdown(text)
    assert etree.tostring(html_tree(again)) == etree.tostring(html_tree(text))


def test_nested_items_flattened_to_runs_keep_their_level() -> None:
    runs = markdown_to_runs("- a\n  - b\n1. c")
    texts = "".join(t.text or "" if t.tag == f"{{{W}}}t" else "\t" if t.tag == f"{{{W}}}tab"
                    else "\n" for t in etree.fromstring(f'<w:body xmlns:w="{W}">{runs}</w:body>')
                    .iter(f"{{{W}}}t", f"{{{W}}}tab", f"{{{W}}}br"))
    assert texts == f"{BULLET} a\n\t{BULLET} b\n1. c"


def test_a_number_after_bullets_starts_a_list_of_its_own_instead_of_joining_the_text() -> None:
    text = "- a\n- b\n1. c"

    assert word(text) == [("ListBullet", None, "a"), ("ListBullet", None, "b"),
                          ("ListNumber", "0", "c")]
    assert markdown_to_markdown(text) == "- a\n- b\n\n1. c"


# --- what indentation must not change -------------------------------------------------------


def test_a_code_block_in_an_item_keeps_its_lines_even_those_that_look_like_items() -> None:
    text = "- a\n\n      code\n      - not an item\n- b"

    assert word(text) == [("ListBullet", None, "a"), ("BodyText", None, "code\n- not an item"),
                          ("ListBullet", None, "b")]
    assert markdown_to_markdown(text) == "- a\n\n        code\n        - not an item\n\n- b"


def test_a_code_block_outside_a_list_is_not_read_as_a_nested_list() -> None:
    text = "Example:\n\n    - a\n      - b"

    assert word(text) == [("BodyText", None, "Example:"), ("BodyText", None, "- a\n  - b")]


def test_an_indented_dash_under_a_paragraph_continues_the_paragraph() -> None:
    assert word("Intro\n    - a") == [("BodyText", None, "Intro - a")]


def test_a_line_that_continues_an_item_lazily_stays_in_the_item() -> None:
    text = "- a\n  - b\nstill b\n- c"

    assert [p[2] for p in word(text)] == ["a", "b still b", "c"]


# --- a second paragraph in an item ----------------------------------------------------------


@pytest.mark.parametrize("text", [
    "- first\n\n  more about first\n- second\n- third",
    "- first\n\n    more about first\n- second\n- third",
    "- first\n    \n    more about first\n- second\n- third",  # as the clause texts write it
])
def test_a_second_paragraph_stays_in_its_item_and_the_next_items_stay_items(text: str) -> None:
    assert word(text) == [("ListBullet", None, "first"), ("BodyText", None, "more about first"),
                          ("ListBullet", None, "second"), ("ListBullet", None, "third")]
    assert markdown_to_markdown(text) == (
        "- first\n\n    more about first\n\n- second\n\n- third")


def test_a_second_paragraph_in_a_numbered_item_keeps_the_numbering_going() -> None:
    text = "1. first\n\n   more about first\n2. second"

    assert word(text) == [("ListNumber", "0", "first"), ("BodyText", None, "more about first"),
                          ("ListNumber", "0", "second")]
    assert len(set(num_ids(text))) == 1
    assert markdown_to_markdown(text) == "1. first\n\n    more about first\n\n2. second"


def test_a_nested_list_after_an_items_second_paragraph_stays_nested() -> None:
    text = "- a\n\n  more a\n  - a1\n- b"

    assert word(text) == [("ListBullet", None, "a"), ("BodyText", None, "more a"),
                          ("ListBullet2", None, "a1"), ("ListBullet", None, "b")]


# --- property: any nesting written either way reads as written ------------------------------


@st.composite
def _list_tree(draw: st.DrawFn, depth: int = 0) -> list[tuple[str, list[Any]]]:
    count = draw(st.integers(1, 3))
    return [(f"i{depth}{n}", draw(_list_tree(depth + 1)) if depth < 2 and draw(st.booleans())
             else []) for n in range(count)]


def _write(tree: list[tuple[str, list[Any]]], draw: st.DrawFn, column: int = 0) -> list[str]:
    """The Markdown of a tree of items, each list numbered or not, nested by two, three or
    four spaces (as far as the parent's text, or four past its marker)."""
    ordered = draw(st.booleans())
    lines = []
    for n, (text, children) in enumerate(tree, 1):
        marker = f"{n}. " if ordered else "- "
        lines.append(" " * column + marker + text)
        if children:
            step = draw(st.sampled_from([len(marker), 4]))
            lines += _write(children, draw, column + step)
    return lines


def _shape(el: etree._Element) -> list[Any]:
    return [((li.text or "").strip(), [_shape(sub) for sub in li if sub.tag in ("ul", "ol")])
            for li in el if li.tag == "li"]


def _tree_shape(tree: list[tuple[str, list[Any]]]) -> list[Any]:
    return [(text, [_tree_shape(children)] if children else []) for text, children in tree]


@settings(max_examples=300, deadline=None)
@given(st.data())
def test_any_nesting_by_text_column_or_four_spaces_reads_as_written(data: st.DataObject) -> None:
    tree = data.draw(_list_tree())
    text = "\n".join(_write(tree, data.draw))
    (top,) = [el for el in html_tree(text) if el.tag in ("ul", "ol")]

    assert _shape(top) == _tree_shape(tree), text
    again = markdown_to_markdown(text)
    assert etree.tostring(html_tree(again)) == etree.tostring(html_tree(text)), again


# --- end to end: a nested list in a field -------------------------------------------------


def test_a_nested_list_in_a_field_indented_by_two_spaces_is_nested_in_word_and_markdown(
        cocoa_data: dict[str, Any], write_yaml: Callable[..., Path], tmp_path: Path) -> None:
    data = copy.deepcopy(cocoa_data)
    data["purpose"]["problem"] = ("The causes:\n\n- low prices\n  - below cost\n"
                                  "  - paid late\n- low yields")
    source = write_yaml(data)

    word_out = generate(source, tmp_path / "agreement.docx")
    with zipfile.ZipFile(word_out.output) as archive:
        found = paragraphs(etree.fromstring(archive.read("word/document.xml")))
    start = next(i for i, p in enumerate(found) if p[2] == "low prices")
    assert found[start:start + 4] == [
        ("ClauseList", "0", "low prices"), ("ClauseList", "1", "below cost"),
        ("ClauseList", "1", "paid late"), ("ClauseList", "0", "low yields")]

    text = generate(source, tmp_path / "agreement.md").output.read_text(encoding="utf-8")
    assert "- low prices\n    - below cost\n    - paid late\n- low yields" in text


# --- end to end: a partner's fields in the identity clause ----------------------------------

MISSION = "To make chocolate from traceable cocoa.\n\nSecond paragraph of the mission."
OBJECTIVE = "Source 3,000 tonnes a year.\n\nSecond paragraph of the objective."


@pytest.fixture(params=["mission", "objective", "both"])
def two_paragraphs(request: pytest.FixtureRequest, cocoa_data: dict[str, Any],
                   write_yaml: Callable[..., Path]) -> tuple[Path, list[str]]:
    """A description whose first partner has a mission or an objective (or both) of two
    paragraphs, and the second paragraphs expected in that partner's item, in order."""
    data = copy.deepcopy(cocoa_data)
    first = data["partners"][0]
    seconds = []
    if request.param in ("objective", "both"):
        first["objectives"][0] = OBJECTIVE
        seconds.append("Second paragraph of the objective; Meet EU")
    if request.param in ("mission", "both"):
        first["mission"] = MISSION
        seconds.append("Second paragraph of the mission.")
    return write_yaml(data), seconds


def _identity_clause(path: Path) -> list[etree._Element]:
    """The w:p elements of the clause on the partners' identity and roles."""
    with zipfile.ZipFile(path) as archive:
        body = etree.fromstring(archive.read("word/document.xml"))
    found = list(body.iter(f"{{{W}}}p"))
    texts = [paragraphs(p)[0] for p in found]
    start = next(i for i, p in enumerate(texts) if "from its own identity" in p[2])
    end = next(i for i in range(start + 1, len(texts)) if texts[i][0] == "Clause")
    return found[start:end]


def test_a_second_paragraph_in_a_partners_fields_stays_with_that_partner_in_word(
        two_paragraphs: tuple[Path, list[str]], tmp_path: Path) -> None:
    source, seconds = two_paragraphs
    clause = _identity_clause(generate(source, tmp_path / "agreement.docx").output)
    found = [paragraphs(p)[0] for p in clause]

    assert [style for style, _, _ in found] == [
        "Clause", "ClauseList", *["ClauseText"] * len(seconds), "ClauseList", "ClauseList",
        "ClauseList", "ClauseList"]  # Fair Bean's mission ends in a list of two
    texts = [text for _, _, text in found]
    assert texts[1].startswith("Van Rijswijk,")
    for text, second in zip(texts[2:], seconds, strict=False):
        assert text.startswith(second)
    rest = texts[2 + len(seconds):]
    assert rest[0].startswith("Nkabom,") and rest[1].startswith("Fair Bean,")
    # One enumeration, (a) (b) (c); the second paragraphs indented as the items' text is.
    items = [p for p in clause if paragraphs(p)[0][1] == "0"]
    assert len({p.xpath("string(w:pPr/w:numPr/w:numId/@w:val)", namespaces=NS)
                for p in items}) == 1
    indents = {p.xpath("string(w:pPr/w:ind/@w:left)", namespaces=NS)
               for p in clause[2:2 + len(seconds)]}
    assert indents == {str(CLAUSE_INDENT + ENUMERATION_STEP)}
    assert not any(p.xpath(".//w:rFonts", namespaces=NS) for p in clause)  # no code block


def test_a_second_paragraph_in_a_partners_fields_stays_with_that_partner_in_markdown(
        two_paragraphs: tuple[Path, list[str]], tmp_path: Path) -> None:
    source, seconds = two_paragraphs
    text = generate(source, tmp_path / "agreement.md").output.read_text(encoding="utf-8")
    clause = text[text.index("from its own identity"):text.index("**3.2**")]

    lines = [line for line in clause.split("\n") if line]
    assert lines[1].startswith("- **Van Rijswijk**, ")
    for line, second in zip(lines[2:], seconds, strict=False):
        assert line.startswith(f"    {second}")
    rest = lines[2 + len(seconds):]
    assert rest[0].startswith("- **Nkabom**, ") and rest[1].startswith("- **Fair Bean**, ")
