"""The direct tree of everyday Markdown must be the very tree the Markdown parser builds."""

from __future__ import annotations

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from lxml import etree

from agreementgen.render.markdown_tree import _markdown_tree
from agreementgen.render.plain_markdown import plain_tree


def same_as_parser(text: str) -> bool:
    """True when ``text`` takes the direct path; fails when that path differs from the parser."""
    tree = plain_tree(text)
    if tree is None:
        return False
    assert etree.tostring(tree) == etree.tostring(_markdown_tree(text)), repr(text)
    return True


# Words, spans and punctuation as clause texts and descriptions hold them, and now and then
# some that come close to syntax: list markers, headings, rules, entities, odd spaces.
_COMMON = ["a", "Van", "farmer's", "é", "中", "2026", "3.5", "x-y", "c.", "e:", "€5", "100%",
           "R&D", "a\u00a0b", "(x)", "\ue000_ag_data_scope\ue00110.1\ue002"]
_RARE = ["1", "&copy;", "#3", "=", "|", "+1", "-2", "x \u2003 y", "5 * 3", "a*b",
         "\ue000_ag_x_\ue0011\ue002", "\ue000_ag_a\ue0012\ue002_b_"]
_WORD = st.one_of(st.sampled_from(_COMMON), st.sampled_from(_COMMON), st.sampled_from(_COMMON),
                  st.sampled_from(_RARE))
_PUNCTUATION = st.sampled_from(["", "", "", "", "(", ")", '"', "'", ".", ",", ":", "!", "-",
                                "\u00a0"])


@st.composite
def _span(draw: st.DrawFn) -> str:
    mark = draw(st.sampled_from(["*", "**", "*", "**", "***"]))
    inside = " ".join(draw(st.lists(_WORD, min_size=1, max_size=3)))
    inside = draw(st.sampled_from(["", "", "", " "])) + inside + draw(
        st.sampled_from(["", "", "", " "]))
    close = draw(st.sampled_from([mark, mark, mark, mark, "*", "**"]))
    return draw(_PUNCTUATION) + mark + inside + close + draw(_PUNCTUATION)


_INLINE = st.lists(st.one_of(_WORD, _WORD, _span()), min_size=1, max_size=5).flatmap(
    lambda parts: st.lists(st.sampled_from([" ", " ", " ", " ", "", "\n"]), min_size=len(parts),
                           max_size=len(parts)).map(
        lambda gaps: "".join(p + g for p, g in zip(parts, gaps, strict=True)).rstrip("\n")))
_MARKER = st.sampled_from(["1) ", "* ", "+ ", "-", "# ", "> ", "  ", "    ", "---", "***", "=",
                           "01. ", "- - "])


@st.composite
def _block(draw: st.DrawFn) -> str:
    kind = draw(st.sampled_from(["paragraph", "list", "list", "paragraph", "list", "other"]))
    if kind == "paragraph":
        return draw(_INLINE)
    if kind == "other":
        return draw(_MARKER) + draw(_INLINE)
    marker = draw(st.sampled_from(["- ", "1. ", "numbers"]))
    lines = []
    for number in range(draw(st.integers(1, 4))):
        item = draw(_INLINE).replace("\n", " ")
        # Now and then an item runs on to a line of its own.
        item += draw(st.sampled_from(["", "", "", "\n" + draw(_INLINE)]))
        lines.append((f"{number + draw(st.integers(0, 1))}. " if marker == "numbers"
                      else marker) + item)
    above = draw(st.sampled_from(["", "", draw(_INLINE).replace("\n", " ") + "\n"]))
    below = draw(st.sampled_from(["", "", "", "", "\n" + draw(_INLINE)]))
    return above + "\n".join(lines) + below


_TEXT = st.lists(_block(), min_size=1, max_size=3).flatmap(
    lambda blocks: st.lists(st.sampled_from(["\n\n", "\n\n", "\n", "\n\n\n", "\n \n"]),
                            min_size=len(blocks), max_size=len(blocks)).map(
        lambda gaps: "".join(b + g for b, g in zip(blocks, gaps, strict=True))))


@settings(max_examples=800, deadline=None)
@given(_TEXT, st.sampled_from(["", "", "\n", " ", "\u00a0 "]), st.sampled_from(["", "", "\n"]))
def test_the_direct_tree_is_the_parsers_tree(text: str, after: str, before: str) -> None:
    same_as_parser(before + text + after)


_PLAIN_ALPHABET = "aZ é.,;:'\"()/?%$@-+19)*\n\n  \u00a0\u2003\u2028€ß中"


@settings(max_examples=600, deadline=None)
@given(st.text(alphabet=st.sampled_from(_PLAIN_ALPHABET), max_size=40))
def test_the_direct_tree_is_the_parsers_tree_for_any_mix_of_characters(text: str) -> None:
    same_as_parser(text)


@pytest.mark.parametrize("text", [
    "The Partners agree.",
    "Intro:\n\n- **a**: x\n- b *c* d\n\nAfter.",
    "Causes:\n- one\n- two",
    "First line\nsecond line\n1. one\n1. two",
    "3. starts at three\n4. four",
    "- bullets\n\n1. then numbers",
    "**Van Rijswijk** (business) takes part as *buyer*.",
    "- *Mission:* To make **great-tasting** chocolate.",
    "Research & Development, M&E and €\u00a0240.000,00",
    "(*unvalued*) and \"**quoted**\" words.",
    "a \nb \n\n\nc",
    "- a\ncontinued",  # a lazy continuation line of the last item
    "Causes:\n- one\n- two that runs\non to a second line\nand a third",
    "1. a\ncontinued",
    "Under clause \ue000_ag_identity_independence\ue0013.2\ue002 and "
    "\ue000_ag_data_scope\ue00110.1\ue002.",
    "- see clause \ue000_ag_x\ue0011\ue002\n- **and** \ue000_ag_y_z\ue0012\ue002",
])
def test_everyday_markdown_takes_the_direct_path(text: str) -> None:
    assert same_as_parser(text)


@pytest.mark.parametrize("text", [
    "- a\n\n- b",  # a loose list: items become paragraphs
    "- a\ncontinued\n- b",  # after a continued item, the parser reads a loose list
    "x_y \ue000_ag_a\ue0011\ue002",  # an underscore outside a reference
    "\ue000_ag_a_\ue0011\ue002 \ue000_ag_b\ue0012\ue002",  # one that could close emphasis
    "- a\n    - nested",
    "- - nested",
    "- a\n1. b",  # a number after bullets starts a list of its own
    "1) not a list here",
    "* star bullet",
    "Title\n=====",
    "# Heading",
    "> quote",
    "---",
    "***bold italic***",
    "a*b*c",  # inside a word, asterisks are literal
    "** not bold**",
    "a (**\"x\"**) b",  # a run between punctuation may open or close
    "x_y",
    "[link](https://example.org)",
    "`code`",
    "<b>raw</b>",
    "a  \nhard break",
    "    code block",
    "\u00a0leading space",
    "a\tb",
    " \n- after a line of spaces",
])
def test_other_markdown_goes_to_the_parser(text: str) -> None:
    assert plain_tree(text) is None
