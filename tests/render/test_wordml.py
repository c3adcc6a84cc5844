"""Tests for Markdown to WordprocessingML rendering."""

from __future__ import annotations

import re

import docx
import pytest
from docx.oxml import parse_xml
from hypothesis import assume, given, settings
from hypothesis import strategies as st
from lxml import etree

from agreementgen.render.numbering import NumberingAllocator
from agreementgen.render.wordml import markdown_to_runs, markdown_to_wordml, plain_to_runs

W_NS = "http://schemas.openxmlformats.org/wordprocessingml/2006/main"
NS = {"w": W_NS}
BODY = (
    f'<w:body xmlns:w="{W_NS}" '
    'xmlns:r="http://schemas.openxmlformats.org/officeDocument/2006/relationships">{}</w:body>'
)
EMPTY_NUMBERING = f'<w:numbering xmlns:w="{W_NS}"/>'.encode()


def parse(fragment: str) -> etree._Element:
    """Parses a generated fragment the way it will sit inside document.xml."""
    return etree.fromstring(BODY.format(fragment))


def text_of(node: etree._Element) -> str:
    """Text a reader sees: w:t, tabs, breaks; paragraphs on separate lines."""
    paragraphs = node.xpath("w:p", namespaces=NS) or [node]
    lines = []
    for p in paragraphs:
        parts = []
        for el in p.iter(f"{{{W_NS}}}t", f"{{{W_NS}}}tab", f"{{{W_NS}}}br"):
            name = etree.QName(el).localname
            parts.append((el.text or "") if name == "t" else "\t" if name == "tab" else "\n")
        lines.append("".join(parts))
    return "\n".join(lines)


def styles(body: etree._Element) -> list[str]:
    return body.xpath("w:p/w:pPr/w:pStyle/@w:val", namespaces=NS)


def runs_with(body: etree._Element, prop: str) -> list[str]:
    """Texts of the runs that carry the given run property, e.g. "b"."""
    return [
        "".join(r.xpath("w:t/text()", namespaces=NS))
        for r in body.xpath(f".//w:r[w:rPr/w:{prop}]", namespaces=NS)
    ]


def default_numbering() -> bytes:
    return docx.Document().part.numbering_part.blob


# --- inline formatting -------------------------------------------------------


def test_bold_word_becomes_bold_run_without_asterisks():
    body = parse(markdown_to_wordml("The **Lead Partner** signs."))

    assert runs_with(body, "b") == ["Lead Partner"]
    assert text_of(body) == "The Lead Partner signs."
    assert "*" not in text_of(body)


def test_italic_and_nested_bold_italic():
    body = parse(markdown_to_wordml("*soft* and ***both*** and **outer *inner* outer**"))

    assert runs_with(body, "i") == ["soft", "both", "inner"]
    assert runs_with(body, "b") == ["both", "outer ", "inner", " outer"]
    assert "*" not in text_of(body)


def test_inline_code_uses_consolas_and_keeps_its_text():
    body = parse(markdown_to_wordml("Run `a*b*c <x>` now"))

    (font,) = body.xpath(".//w:r[w:t='a*b*c <x>']/w:rPr/w:rFonts", namespaces=NS)
    assert font.get(f"{{{W_NS}}}ascii") == "Consolas"
    assert text_of(body) == "Run a*b*c <x> now"


@pytest.mark.parametrize(
    "text",
    ["snake_case_name", "2*3*4", "2 * 3 * 4", "a & b", "&copy; &#65;", "{{ 7*7 }}", "{% if x %}"],
)
def test_markdown_typography_does_not_eat_characters(text):
    body = parse(markdown_to_wordml(text))

    assert text_of(body) == text
    assert not body.xpath(".//w:rPr", namespaces=NS)


def test_jinja_expression_survives_literally_even_beside_emphasis():
    text = "{{ 7*7 }} and {{ a*b }} and **{% raw %}**"
    body = parse(markdown_to_wordml(text))

    assert text_of(body) == "{{ 7*7 }} and {{ a*b }} and {% raw %}"
    assert runs_with(body, "b") == ["{% raw %}"]
    assert "49" not in text_of(body)


# --- escaping and raw HTML ---------------------------------------------------


@pytest.mark.parametrize(
    "text",
    ["<b>bold?</b> no", "<script>alert(1)</script>", "<div>\nblock\n</div>", "x <!-- c --> y"],
)
def test_raw_html_shows_as_literal_text(text):
    body = parse(markdown_to_wordml(text))

    # A single newline is a soft wrap in Markdown, so compare words, not line breaks.
    assert " ".join(text_of(body).split()) == " ".join(text.split())
    assert not body.xpath(".//w:b", namespaces=NS)


def test_backslash_escapes_any_ascii_punctuation():
    body = parse(markdown_to_wordml(r"\<b\> a \| b \*not\* \_em\_ 1\. \\"))

    assert text_of(body) == "<b> a | b *not* _em_ 1. \\"
    assert not body.xpath(".//w:rPr", namespaces=NS)


def test_xml_special_characters_are_escaped_and_output_parses():
    text = "Fish & Chips <Ltd> say \"hi\" & 'bye'"
    xml = markdown_to_wordml(text)

    assert "&amp;" in xml and "&lt;Ltd&gt;" in xml
    assert text_of(parse(xml)) == text


def test_style_names_are_escaped_in_attributes():
    body = parse(markdown_to_wordml("x", paragraph_style='Odd"&<Style'))

    assert styles(body) == ['Odd"&<Style']


def test_character_xml_cannot_hold_is_refused():
    with pytest.raises(ValueError, match="U\\+0001"):
        markdown_to_wordml("bad \x01 char")
    with pytest.raises(ValueError, match="U\\+000B"):
        plain_to_runs("\x0b")


# --- breaks, tabs, blocks ----------------------------------------------------


def test_single_newline_wraps_and_a_hard_break_breaks():
    # YAML block scalars wrap long text over lines; that must not become line breaks.
    body = parse(markdown_to_wordml("Line one\nstill one  \nLine two\n\nNext paragraph"))

    first, _ = body.xpath("w:p", namespaces=NS)
    assert len(first.xpath(".//w:br", namespaces=NS)) == 1
    assert " ".join(text_of(body).split()) == "Line one still one Line two Next paragraph"
    assert styles(body) == ["BodyText", "BodyText"]


def test_a_list_may_follow_a_line_of_text_directly():
    body = parse(markdown_to_wordml("The causes:\n- first\n- second\n\nAfter."))

    assert styles(body) == ["BodyText", "ListBullet", "ListBullet", "BodyText"]


def test_tabs_inside_text_become_word_tabs():
    body = parse(markdown_to_wordml("Budget:\tEUR 100\tyearly"))

    assert len(body.xpath(".//w:tab", namespaces=NS)) == 2
    assert text_of(body) == "Budget:\tEUR 100\tyearly"


def test_heading_quote_rule_and_image_in_a_field():
    md = "# Scope\n\n> As agreed\n\n---\n\n![the logo](logo.png)"
    body = parse(markdown_to_wordml(md))

    assert styles(body) == ["BodyText"] * 3
    assert runs_with(body, "b") == ["Scope"]
    assert runs_with(body, "i") == ["As agreed"]
    assert text_of(body) == "Scope\nAs agreed\nthe logo"


def test_code_block_keeps_lines_and_spacing():
    body = parse(markdown_to_wordml("    x = 1\n      y = 2"))

    assert text_of(body) == "x = 1\n  y = 2"
    assert body.xpath("count(.//w:rFonts[@w:ascii='Consolas'])", namespaces=NS) == 1


@pytest.mark.parametrize("text", ["", "   ", "\n\n \t\n"])
def test_blank_text_renders_nothing(text):
    assert markdown_to_wordml(text) == ""
    assert markdown_to_runs(text) == ""


# --- lists -------------------------------------------------------------------


def test_bullet_list_gives_one_list_bullet_paragraph_per_item():
    body = parse(markdown_to_wordml("- data\n- staff\n- network"))

    assert styles(body) == ["ListBullet"] * 3
    assert text_of(body) == "data\nstaff\nnetwork"


def test_nested_bullets_use_level_two_style_and_custom_names():
    md = "Intro\n\n- a\n    - a1\n- b"
    body = parse(markdown_to_wordml(md, paragraph_style="Body", bullet_style="Dots"))

    assert styles(body) == ["Body", "Dots", "Dots2", "Dots"]


def test_two_numbered_lists_restart_with_their_own_num_ids():
    numbering = NumberingAllocator(default_numbering())
    body = parse(
        markdown_to_wordml("1. first\n2. second\n\nBetween.\n\n1. again", numbering=numbering)
    )

    num_ids = body.xpath("w:p/w:pPr/w:numPr/w:numId/@w:val", namespaces=NS)
    assert styles(body) == ["ListNumber", "ListNumber", "BodyText", "ListNumber"]
    assert num_ids[0] == num_ids[1] != num_ids[2]
    patched = etree.fromstring(numbering.patched_numbering_xml())
    for num_id in set(num_ids):
        (num,) = patched.xpath(f"w:num[@w:numId='{num_id}']", namespaces=NS)
        assert num.xpath("w:lvlOverride[@w:ilvl='0']/w:startOverride/@w:val", namespaces=NS) == [
            "1"
        ]
        # python-docx's default template links "ListNumber" to abstractNum 7 via w:pStyle.
        assert num.xpath("w:abstractNumId/@w:val", namespaces=NS) == ["7"]


def test_paragraphs_are_made_once_but_every_list_gets_its_own_numbering(
        monkeypatch: pytest.MonkeyPatch) -> None:
    """A text made before with the same arguments is taken as made; one whose lists were
    given their own numbering is made again, so each document numbers its lists anew."""
    from agreementgen.render import wordml

    walked: list[str] = []
    walk = wordml._Walker.walk

    def counting(self: wordml._Walker, text: str) -> list[wordml._Paragraph]:
        walked.append(text)
        return walk(self, text)

    monkeypatch.setattr(wordml._Walker, "walk", counting)
    monkeypatch.setattr(wordml, "_made", wordml.collections.OrderedDict())
    numbering = NumberingAllocator(default_numbering())
    plain = "A clause **without** a list, unique to this test."
    first = markdown_to_wordml(plain, numbering=numbering)
    assert markdown_to_wordml(plain, numbering=NumberingAllocator(default_numbering())) == first
    assert walked == [plain]
    assert markdown_to_wordml(plain, paragraph_style="Other", numbering=numbering) != first
    listed = "Steps, unique to this test:\n\n1. one\n2. two"
    ids = [parse(markdown_to_wordml(listed, numbering=numbering)).xpath(
        "w:p/w:pPr/w:numPr/w:numId/@w:val", namespaces=NS)[0] for _ in range(2)]
    assert walked.count(listed) == 2 and ids[0] != ids[1]


def test_nested_numbered_list_uses_level_one_of_the_same_num_id():
    numbering = NumberingAllocator(default_numbering())
    body = parse(markdown_to_wordml("1. a\n    1. a.1\n2. b", numbering=numbering))

    levels = body.xpath("w:p/w:pPr/w:numPr/w:ilvl/@w:val", namespaces=NS)
    num_ids = body.xpath("w:p/w:pPr/w:numPr/w:numId/@w:val", namespaces=NS)
    assert levels == ["0", "1", "0"]
    assert len(set(num_ids)) == 1
    assert styles(body) == ["ListNumber", "ListNumber2", "ListNumber"]


def test_numbered_list_starting_at_three_keeps_its_number():
    numbering = NumberingAllocator(default_numbering())
    markdown_to_wordml("3. third\n4. fourth", numbering=numbering)

    patched = etree.fromstring(numbering.patched_numbering_xml())
    assert patched.xpath("w:num[last()]//w:startOverride/@w:val", namespaces=NS) == ["3"]


def test_numbered_list_without_allocator_relies_on_the_style():
    body = parse(markdown_to_wordml("1. a\n2. b"))

    assert styles(body) == ["ListNumber", "ListNumber"]
    assert not body.xpath(".//w:numPr", namespaces=NS)


def test_loose_list_item_second_paragraph_is_indented_body_text():
    body = parse(markdown_to_wordml("- first\n\n    more about first\n\n- second"))

    assert styles(body) == ["ListBullet", "BodyText", "ListBullet"]
    assert body.xpath("w:p[2]/w:pPr/w:ind/@w:left", namespaces=NS) == ["360"]


# --- numbering allocator -----------------------------------------------------


def test_allocator_skips_existing_ids_and_reports_unchanged_part():
    xml = (
        f'<w:numbering xmlns:w="{W_NS}"><w:abstractNum w:abstractNumId="0"><w:lvl w:ilvl="0">'
        '<w:numFmt w:val="decimal"/></w:lvl></w:abstractNum>'
        '<w:num w:numId="1000"><w:abstractNumId w:val="0"/></w:num></w:numbering>'
    ).encode()
    numbering = NumberingAllocator(xml)

    assert numbering.patched_numbering_xml() is None
    assert [numbering.new_numbered_list(), numbering.new_numbered_list()] == ["1001", "1002"]
    patched = etree.fromstring(numbering.patched_numbering_xml())
    assert patched.xpath("w:num/@w:numId", namespaces=NS) == ["1000", "1001", "1002"]
    assert patched.xpath("w:num[@w:numId='1001']/w:abstractNumId/@w:val", namespaces=NS) == ["0"]


def test_allocator_falls_back_to_first_decimal_abstract_num():
    xml = (
        f'<w:numbering xmlns:w="{W_NS}">'
        '<w:abstractNum w:abstractNumId="3"><w:lvl w:ilvl="0"><w:numFmt w:val="bullet"/>'
        "</w:lvl></w:abstractNum>"
        '<w:abstractNum w:abstractNumId="4"><w:lvl w:ilvl="0"><w:numFmt w:val="decimal"/>'
        "</w:lvl></w:abstractNum></w:numbering>"
    ).encode()
    numbering = NumberingAllocator(xml)
    numbering.new_numbered_list()

    patched = etree.fromstring(numbering.patched_numbering_xml())
    assert patched.xpath("w:num/w:abstractNumId/@w:val", namespaces=NS) == ["4"]


def test_allocator_creates_a_decimal_abstract_num_when_none_exists():
    numbering = NumberingAllocator(EMPTY_NUMBERING)
    num_id = numbering.new_numbered_list()

    patched = etree.fromstring(numbering.patched_numbering_xml())
    children = [etree.QName(c).localname for c in patched]
    assert children == ["abstractNum", "num"]  # schema order: definitions before instances
    (lvl,) = patched.xpath("w:abstractNum/w:lvl[@w:ilvl='0']", namespaces=NS)
    assert lvl.xpath("w:numFmt/@w:val", namespaces=NS) == ["decimal"]
    assert lvl.xpath("w:lvlText/@w:val", namespaces=NS) == ["%1."]
    assert lvl.xpath("w:pPr/w:ind/@w:left", namespaces=NS) == ["720"]
    assert lvl.xpath("w:pPr/w:ind/@w:hanging", namespaces=NS) == ["360"]
    abstract_id = patched.xpath("w:abstractNum/@w:abstractNumId", namespaces=NS)
    assert patched.xpath(f"w:num[@w:numId='{num_id}']/w:abstractNumId/@w:val", namespaces=NS) == (
        abstract_id
    )


def test_allocator_with_explicit_abstract_id():
    numbering = NumberingAllocator(default_numbering(), list_number_abstract_id="1", first_id=50)
    assert numbering.new_numbered_list() == "50"
    patched = etree.fromstring(numbering.patched_numbering_xml())
    assert patched.xpath("w:num[@w:numId='50']/w:abstractNumId/@w:val", namespaces=NS) == ["1"]
    with pytest.raises(ValueError, match="'99'"):
        NumberingAllocator(default_numbering(), list_number_abstract_id="99")


def test_allocator_without_numbering_part_gives_no_ids():
    numbering = NumberingAllocator(None)
    body = parse(markdown_to_wordml("1. a", numbering=numbering))

    assert numbering.new_numbered_list() is None
    assert numbering.patched_numbering_xml() is None
    assert styles(body) == ["ListNumber"]
    assert not body.xpath(".//w:numPr", namespaces=NS)


# --- links -------------------------------------------------------------------


def instr_texts(body: etree._Element) -> list[str]:
    return body.xpath(".//w:instrText/text()", namespaces=NS)


def test_link_becomes_hyperlink_field_with_url_and_styled_text():
    body = parse(markdown_to_wordml("See [the guide](https://example.org/guide?a=1&b=2)."))

    assert instr_texts(body) == [' HYPERLINK "https://example.org/guide?a=1&b=2" ']
    kinds = body.xpath(".//w:fldChar/@w:fldCharType", namespaces=NS)
    assert kinds == ["begin", "separate", "end"]
    assert runs_with(body, "rStyle[@w:val='Hyperlink']") == ["the guide"]
    assert text_of(body) == "See the guide."


def test_autolink_and_mailto_are_fields():
    body = parse(markdown_to_wordml("<https://a.example> or [mail](mailto:x@example.org)"))

    assert instr_texts(body) == [
        ' HYPERLINK "https://a.example" ',
        ' HYPERLINK "mailto:x@example.org" ',
    ]
    assert text_of(body) == "https://a.example or mail"


def test_quotes_in_url_cannot_break_out_of_the_field_instruction():
    body = parse(markdown_to_wordml('[x](<https://e.org/a"b\\c d>)'))

    (instr,) = instr_texts(body)
    assert instr == ' HYPERLINK "https://e.org/a%22b%5Cc%20d" '


@pytest.mark.parametrize(
    "url", ["javascript:alert(1)", "JavaScript:alert(1)", "file:///etc/passwd", "relative/path"]
)
def test_unsafe_or_relative_link_is_plain_text(url):
    body = parse(markdown_to_wordml(f"Click [here]({url}) now"))

    assert not body.xpath(".//w:fldChar|.//w:instrText|.//w:rStyle", namespaces=NS)
    assert text_of(body) == "Click here now"


# --- runs only ---------------------------------------------------------------


def test_markdown_to_runs_gives_runs_only_and_flattens_blocks():
    body = parse(markdown_to_runs("Intro **bold**\n\n- one\n- two\n\n3. three\n4. four"))

    assert [etree.QName(c).localname for c in body] == ["r"] * len(body)
    assert runs_with(body, "b") == ["bold"]
    assert text_of(body) == "Intro bold\n\u2022 one\n\u2022 two\n3. three\n4. four"


def test_markdown_to_runs_indents_nested_items_with_tabs():
    body = parse(markdown_to_runs("1. a\n    - b"))

    assert text_of(body) == "1. a\n\t\u2022 b"


def test_plain_to_runs_interprets_only_tabs_and_newlines():
    body = parse(plain_to_runs("**not bold** & <x>\tnext\r\nline"))

    assert [etree.QName(c).localname for c in body] == ["r"]
    assert text_of(body) == "**not bold** & <x>\tnext\nline"
    assert not body.xpath(".//w:b", namespaces=NS)
    assert plain_to_runs("") == ""


# --- properties --------------------------------------------------------------

# Characters that are Markdown syntax are left out; everything else a user might type
# (letters, digits, punctuation, symbols, any script, spaces, tabs, newlines) stays in.
MARKDOWN_SPECIALS = "*_`[]()#>-+!\\"
plain_text = st.text(
    st.characters(
        categories=("L", "M", "N", "P", "S", "Zs"),
        exclude_characters=MARKDOWN_SPECIALS,
        include_characters="\n\t",
    )
)
# Block syntax built from otherwise ordinary characters: "1. " starts a numbered list
# (its number becomes Word numbering) and a line of "=" underlines a heading.
BLOCK_SYNTAX = re.compile(r"(?m)^\s*(\d+\.(\s|$)|=+\s*$)")


def normalise(text: str) -> str:
    return " ".join(text.split())


@given(plain_text)
def test_text_without_markdown_syntax_survives_unchanged(text):
    assume(not BLOCK_SYNTAX.search(text))

    body = parse(markdown_to_wordml(text))

    assert normalise(text_of(body)) == normalise(text)


@given(plain_text)
def test_plain_to_runs_keeps_any_text(text):
    assert text_of(parse(plain_to_runs(text))) == text


# Markdown syntax and the characters that need escaping, so that every construct and
# every malformed half of one gets tried.
markdown_heavy_text = st.lists(
    st.sampled_from(
        [
            *"*_`[]()#>-+!\\<&@\"'=:| \n\t1.aé",
            "http://x.org",
            "javascript:",
            "<b>",
            "&copy;",
            "    ",
            "1. ",
            "- ",
            "**",
            "![",
            "{{ ",
            "}}",
        ]
    )
).map("".join)


@given(st.one_of(markdown_heavy_text, st.text()))
def test_any_text_gives_well_formed_paragraphs_and_runs(text):
    assume(not re.search("[^\t\n\r\x20-\ud7ff\ue000-\ufffd\U00010000-\U0010ffff]", text))
    numbering = NumberingAllocator(EMPTY_NUMBERING)

    parse(markdown_to_wordml(text, numbering=numbering))
    parse(markdown_to_runs(text))
    patched = numbering.patched_numbering_xml()
    if patched is not None:
        etree.fromstring(patched)


@pytest.mark.parametrize("text", ["*_0_ a*0\\\\*0a*\nnext", "mail <0@\\.>\nnext"])
def test_markup_tangle_that_trips_python_markdown_keeps_its_text(text):
    # Python-Markdown 3.11 leaks an internal placeholder (STX) on these inputs.
    body = parse(markdown_to_wordml(text))

    assert styles(body) == ["BodyText"]
    assert re.sub(r"[^0a-z]", "", text_of(body)) == re.sub(r"[^0a-z]", "", text)


# --- end to end --------------------------------------------------------------


def test_generated_paragraphs_survive_a_docx_round_trip(tmp_path):
    document = docx.Document()
    numbering = NumberingAllocator(document.part.numbering_part.blob)
    md = (
        "Partners agree to **share data**.\n\n"
        "- quarterly *reviews*\n- joint reports\n\n"
        "1. plan\n2. act"
    )
    fragment = parse_xml(BODY.format(markdown_to_wordml(md, numbering=numbering)))
    body = document.element.body
    for paragraph in list(fragment):
        body.sectPr.addprevious(paragraph)
    # The patched part replaces the template's numbering part wholesale.
    document.part.numbering_part.element[:] = list(parse_xml(numbering.patched_numbering_xml()))
    path = tmp_path / "agreement.docx"
    document.save(path)

    reopened = docx.Document(path)
    paragraphs = reopened.paragraphs
    assert [p.style.name for p in paragraphs] == [
        "Body Text",
        "List Bullet",
        "List Bullet",
        "List Number",
        "List Number",
    ]
    assert [p.text for p in paragraphs] == [
        "Partners agree to share data.",
        "quarterly reviews",
        "joint reports",
        "plan",
        "act",
    ]
    assert [r.text for r in paragraphs[0].runs if r.bold] == ["share data"]
    assert [r.text for r in paragraphs[1].runs if r.italic] == ["reviews"]
    (num_id,) = set(reopened.element.body.xpath("./w:p/w:pPr/w:numPr/w:numId/@w:val"))
    num = reopened.part.numbering_part.element.xpath(f"w:num[@w:numId='{num_id}']")[0]
    assert num.xpath("w:lvlOverride/w:startOverride/@w:val") == ["1"]


_SYNTAX_ALPHABET = [*"ab *_`\\[]()<>!&:/@.\n\n  -1#|x", "http://", "**", "  \n", "![", "](u)"]


@settings(max_examples=600, deadline=None)
@given(st.lists(st.sampled_from(_SYNTAX_ALPHABET), max_size=20).map("".join))
def test_a_parser_without_the_patterns_a_text_cannot_use_parses_it_the_same(text: str) -> None:
    import markdown
    from markdown.extensions.sane_lists import SaneListExtension

    from agreementgen.render.markdown_parser import (
        _ListsInterruptExtension,
        _LiteralTextExtension,
        parser,
    )

    full = markdown.Markdown(extensions=[SaneListExtension(), _LiteralTextExtension(),
                                         _ListsInterruptExtension()], output_format="xhtml")
    assert parser(text).convert(text) == full.convert(text)
