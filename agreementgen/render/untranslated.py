"""Untranslated text in a Word part: tagged with its own language and highlighted.

A text shown in a language it was not written in reaches the rendered XML wrapped in
untranslated marks (:mod:`agreementgen.clauses.markers`), from a clause, a table cell or a
template's own ``{{ }}``. The marks may span runs, paragraphs and table cells, so this pass
reads the part's runs in document order: every run between a start and its end gets the
language tag of the text's real language (``w:lang``, which Word's proofing and screen readers
use) and a grey highlight (what the reader sees), and the marks themselves go.
"""

from __future__ import annotations

import copy
import itertools
import re

from lxml import etree

from agreementgen.clauses.markers import UNTRANSLATED, UNTRANSLATED_END, UNTRANSLATED_START

W = "http://schemas.openxmlformats.org/wordprocessingml/2006/main"
XML_SPACE = "{http://www.w3.org/XML/1998/namespace}space"
#: The highlight of untranslated text; open points have their own character style (yellow).
HIGHLIGHT = "lightGray"
#: The language tag Word gets for each language code.
LANGUAGE_TAGS = {"en": "en-GB", "nl": "nl-NL"}

# The children of w:rPr in the order the schema (CT_RPr) requires; w:highlight and w:lang
# go into their places among whatever a template's run already has.
_RPR_ORDER = ("rStyle", "rFonts", "b", "bCs", "i", "iCs", "caps", "smallCaps", "strike",
              "dstrike", "outline", "shadow", "emboss", "imprint", "noProof", "snapToGrid",
              "vanish", "webHidden", "color", "spacing", "w", "kern", "position", "sz", "szCs",
              "highlight", "u", "effect", "bdr", "shd", "fitText", "vertAlign", "rtl", "cs",
              "em", "lang", "eastAsianLayout", "specVanish", "oMath", "rPrChange")
_RANK = {f"{{{W}}}{name}": index for index, name in enumerate(_RPR_ORDER)}
_DECLARATION = re.compile(r"^\s*<\?xml[^>]*\?>\s*")


def language_tag(lang: str) -> str:
    """The tag Word uses for a language code (``nl`` -> ``nl-NL``)."""
    return LANGUAGE_TAGS.get(lang, lang)


def mark_untranslated(xml: str) -> str:
    """A rendered part with its untranslated marks turned into tagged, highlighted runs."""
    if UNTRANSLATED_START not in xml and UNTRANSLATED_END not in xml:
        return xml
    declaration = _DECLARATION.match(xml)
    root = etree.fromstring(xml.encode("utf-8"))
    state: str | None = None
    for run in list(root.iter(f"{{{W}}}r")):
        state = _split_run(run, state)
    body = etree.tostring(root, encoding="unicode")
    return (declaration.group(0) if declaration else "") + body


def _split_run(run: etree._Element, state: str | None) -> str | None:
    """Split one run where marks start or end untranslated text; returns the state after it."""
    properties = run.find(f"{{{W}}}rPr")
    content = [child for child in run if child is not properties]
    marked = any(child.tag == f"{{{W}}}t" and child.text and UNTRANSLATED.search(child.text)
                 for child in content)
    if not marked:
        if state is not None and content:
            tag(run, state)
        return state
    pieces: list[tuple[str | None, etree._Element]] = []
    for child in content:
        if child.tag != f"{{{W}}}t" or not child.text or not UNTRANSLATED.search(child.text):
            pieces.append((state, child))
            continue
        position = 0
        text = child.text
        for match in UNTRANSLATED.finditer(text):
            if match.start() > position:
                pieces.append((state, _text(text[position:match.start()])))
            state = match[1] or None
            position = match.end()
        if position < len(text):
            pieces.append((state, _text(text[position:])))
    parent = run.getparent()
    assert parent is not None
    index = parent.index(run)
    parent.remove(run)
    for offset, (lang, group) in enumerate(itertools.groupby(pieces, key=lambda p: p[0])):
        new = etree.Element(run.tag, dict(run.attrib))
        if properties is not None:
            new.append(copy.deepcopy(properties))
        for _, element in group:
            new.append(element)
        if lang is not None:
            tag(new, lang)
        parent.insert(index + offset, new)
    return state


def _text(value: str) -> etree._Element:
    element = etree.Element(f"{{{W}}}t")
    element.text = value
    element.set(XML_SPACE, "preserve")
    return element


def tag(run: etree._Element, lang: str) -> None:
    """Give a run the language tag of ``lang`` and the untranslated highlight."""
    properties = run.find(f"{{{W}}}rPr")
    if properties is None:
        properties = etree.Element(f"{{{W}}}rPr")
        run.insert(0, properties)
    _set(properties, "highlight", HIGHLIGHT)
    _set(properties, "lang", language_tag(lang))


def _set(properties: etree._Element, name: str, value: str) -> None:
    """Put ``<w:name w:val=value/>`` into a run's properties, at its place in CT_RPr."""
    qualified = f"{{{W}}}{name}"
    for old in properties.findall(qualified):
        properties.remove(old)
    element = etree.Element(qualified)
    element.set(f"{{{W}}}val", value)
    rank = _RANK[qualified]
    later = (i for i, child in enumerate(properties) if _RANK.get(child.tag, -1) > rank)
    properties.insert(next(later, len(properties)), element)


_DEFAULT_PROPERTIES = re.compile(rb"<w:rPrDefault>\s*<w:rPr>(.*?)</w:rPr>", re.S)
_DEFAULT_LANG = re.compile(rb'<w:lang\b[^>]*/>')


def with_document_language(styles: bytes, lang: str) -> bytes:
    """A styles part whose default language is ``lang``, so Word proofs the text in it.

    Only the default run properties change; a template without them is left as it is.
    """
    found = _DEFAULT_PROPERTIES.search(styles)
    if found is None:
        return styles
    value = language_tag(lang).encode("ascii")
    inner = found.group(1)
    if _DEFAULT_LANG.search(inner):
        inner = _DEFAULT_LANG.sub(
            lambda m: re.sub(rb'w:val="[^"]*"', b'w:val="' + value + b'"', m.group(0), count=1),
            inner, count=1)
    else:
        inner += b'<w:lang w:val="' + value + b'"/>'
    return styles[:found.start(1)] + inner + styles[found.end(1):]


_PLAIN_RUN = re.compile(r"<w:r>(?!<w:rPr>)")
_RUN_PROPERTIES = re.compile(r"<w:r><w:rPr>(.*?)</w:rPr>", re.S)


def in_language(wordml: str, lang: str) -> str:
    """Runs written by agreementgen's Word writer, tagged with the language they are in.

    For the second column of a bilingual agreement, whose language is not the document's.
    The writer's run properties hold only a style, fonts, bold and italic, all of which come
    before ``w:lang``.
    """
    tag_xml = f'<w:lang w:val="{language_tag(lang)}"/>'
    wordml = _RUN_PROPERTIES.sub(lambda m: f"<w:r><w:rPr>{m.group(1)}{tag_xml}</w:rPr>", wordml)
    return _PLAIN_RUN.sub(f"<w:r><w:rPr>{tag_xml}</w:rPr>", wordml)
