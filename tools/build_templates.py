"""Build the built-in Word templates from code, so their structure is reviewed like code.

Run ``python tools/build_templates.py``; it rewrites ``templates/*/template.docx``. The templates
hold no words of their own: every heading and label comes from the context (``t.*``), so one
template serves every language. All looks live in named styles (paragraph, character and table
styles); the body only names them.
"""

from __future__ import annotations

import copy
import io
import zipfile
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from pathlib import Path

from docx import Document
from docx.enum.style import WD_STYLE_TYPE
from docx.enum.table import WD_TABLE_ALIGNMENT
from docx.enum.text import WD_ALIGN_PARAGRAPH, WD_BREAK
from docx.oxml import parse_xml
from docx.oxml.ns import nsdecls, qn
from docx.shared import Cm, Pt, RGBColor
from docx.table import Table as DocxTable
from docx.table import _Cell

from agreementgen.clauses import NUMBERED_ARTICLES
from agreementgen.render.numbering import (
    CLAUSE_INDENT,
    ENUMERATION_ABSTRACT_ID,
    ENUMERATION_LEVELS,
)

ROOT = Path(__file__).resolve().parent.parent
TEMPLATES = ROOT / "templates"
ACCENT = RGBColor(0x1F, 0x3A, 0x5F)
MUTED = RGBColor(0x59, 0x59, 0x59)
LINK = RGBColor(0x05, 0x63, 0xC1)
HEADER_FILL = "DCE3EC"
BORDER = "8EA1B8"
HEADING_NUM_ID = "90"
PARTY_NUM_ID = "91"
RECITAL_NUM_ID = "92"
# Twips from the margin to the text of an article heading and of a clause: room for "10.10".
NUMBER_INDENT = CLAUSE_INDENT
A4 = (Cm(21.0), Cm(29.7))
PORTRAIT_TEXT_WIDTH = 16.4
LANDSCAPE_TEXT_WIDTH = 25.1
# Static article list of the memorandum: its table of contents is computed in the template.
MOU_ARTICLES = ("parties", *NUMBERED_ARTICLES)


@dataclass(frozen=True)
class TableSpec:
    """A data table: header labels, the context list it loops over, cell contents, widths (cm)."""

    rows: str
    headers: Sequence[str]
    cells: Sequence[str]
    widths: Sequence[float]


class Builder:
    """A python-docx document with helpers for template paragraphs, tags, tables and sections."""

    def __init__(self, landscape: bool = False) -> None:
        self.doc = Document()
        self._styles()
        self._table_style()
        self._page(landscape)
        self._heading_numbering()

    # -- set-up -------------------------------------------------------------------------
    def _styles(self) -> None:
        styles = self.doc.styles
        normal = styles["Normal"]
        normal.font.name = "Calibri"
        normal.font.size = Pt(10.5)
        normal.paragraph_format.space_after = Pt(4)
        body = styles["Body Text"]
        body.paragraph_format.space_after = Pt(6)
        body.paragraph_format.line_spacing = 1.1
        for name, size in (("Title", 24), ("Subtitle", 14), ("Heading 1", 13),
                           ("Heading 2", 11.5), ("TOC Heading", 13)):
            style = styles[name]
            style.font.name = "Calibri"
            style.font.size = Pt(size)
            style.font.color.rgb = ACCENT
        styles["Subtitle"].font.italic = False
        styles["Title"].paragraph_format.space_after = Pt(18)
        styles["Heading 1"].paragraph_format.space_before = Pt(16)
        styles["Heading 1"].paragraph_format.space_after = Pt(6)
        styles["Heading 2"].paragraph_format.space_before = Pt(10)
        styles["Heading 2"].paragraph_format.space_after = Pt(4)
        heading3 = styles["Heading 3"]
        heading3.font.name = "Calibri"
        heading3.font.size = Pt(10.5)
        heading3.font.color.rgb = ACCENT
        heading3.paragraph_format.space_before = Pt(8)
        heading3.paragraph_format.space_after = Pt(3)
        for name in ("Heading 1", "Heading 2", "Heading 3"):
            styles[name].paragraph_format.keep_with_next = True
        for name in ("List Bullet", "List Number", "List Bullet 2", "List Number 2",
                     "List Bullet 3", "List Number 3"):
            styles[name].paragraph_format.space_after = Pt(3)
        # The contents heading is not an article: keep it out of the heading numbering.
        _no_numbering(styles["TOC Heading"])
        # Sub-headings (tables, signature blocks) take no clause numbers.
        styles["Heading 2"].paragraph_format.left_indent = Cm(0)
        # Parties, signatures and annexes: headings outside the numbered articles.
        _unnumbered_heading(styles, "Unnumbered Heading", "Heading 1")

        # A clause: its number hangs in the margin of the article's text (the numbering
        # level gives the indents); the paragraphs after it align with its text; its
        # enumerations (a), (b) take their indents from the enumeration numbering.
        clause = styles.add_style("Clause", WD_STYLE_TYPE.PARAGRAPH)
        clause.base_style = body
        clause.paragraph_format.left_indent = Pt(NUMBER_INDENT / 20)
        clause.paragraph_format.first_line_indent = Pt(-NUMBER_INDENT / 20)
        clause_text = styles.add_style("Clause Text", WD_STYLE_TYPE.PARAGRAPH)
        clause_text.base_style = body
        clause_text.paragraph_format.left_indent = Pt(NUMBER_INDENT / 20)
        clause_list = styles.add_style("Clause List", WD_STYLE_TYPE.PARAGRAPH)
        clause_list.base_style = body
        clause_list.paragraph_format.space_after = Pt(3)
        for name, num_id in (("Party", PARTY_NUM_ID), ("Recital", RECITAL_NUM_ID)):
            style = styles.add_style(name, WD_STYLE_TYPE.PARAGRAPH)
            style.base_style = body
            style.element.get_or_add_pPr().insert(0, parse_xml(
                f'<w:numPr {nsdecls("w")}><w:ilvl w:val="0"/><w:numId w:val="{num_id}"/>'
                '</w:numPr>'))
        styles["TOC Heading"].paragraph_format.space_before = Pt(24)
        styles["TOC Heading"].paragraph_format.space_after = Pt(6)

        toc = styles.add_style("toc 1", WD_STYLE_TYPE.PARAGRAPH)
        toc.base_style = normal
        toc.paragraph_format.space_after = Pt(2)
        toc.paragraph_format.tab_stops.add_tab_stop(Cm(0.9))

        _unnumbered_heading(styles, "Annex Heading", "Heading 2")

        cover = styles.add_style("Cover Text", WD_STYLE_TYPE.PARAGRAPH)
        cover.base_style = body
        cover.font.color.rgb = MUTED
        party = styles.add_style("Cover Party", WD_STYLE_TYPE.PARAGRAPH)
        party.base_style = body
        party.font.bold = True
        party.font.size = Pt(12)
        party.paragraph_format.space_after = Pt(2)

        cell = styles.add_style("Table Text", WD_STYLE_TYPE.PARAGRAPH)
        cell.base_style = normal
        cell.font.size = Pt(9)
        cell.paragraph_format.space_after = Pt(0)
        head = styles.add_style("Table Heading", WD_STYLE_TYPE.PARAGRAPH)
        head.base_style = cell
        head.font.bold = True
        head.font.color.rgb = ACCENT
        # A signature row keeps with the next, so one partner's block is never split.
        sign = styles.add_style("Signature Text", WD_STYLE_TYPE.PARAGRAPH)
        sign.base_style = cell
        sign.paragraph_format.keep_with_next = True
        sign_label = styles.add_style("Signature Label", WD_STYLE_TYPE.PARAGRAPH)
        sign_label.base_style = head
        sign_label.paragraph_format.keep_with_next = True
        # Holds a section break, a page break or a field mark: it should take no room.
        spacer = styles.add_style("Layout Mark", WD_STYLE_TYPE.PARAGRAPH)
        spacer.base_style = normal
        spacer.font.size = Pt(2)
        spacer.paragraph_format.space_after = Pt(0)

        for name in ("Header", "Footer"):
            styles[name].font.size = Pt(8)
            styles[name].font.color.rgb = MUTED
        styles["Header"].paragraph_format.alignment = WD_ALIGN_PARAGRAPH.RIGHT
        styles["Footer"].paragraph_format.alignment = WD_ALIGN_PARAGRAPH.CENTER

        # render/wordml.py writes Markdown links as HYPERLINK fields with this character style.
        link = styles.add_style("Hyperlink", WD_STYLE_TYPE.CHARACTER)
        link.base_style = styles["Default Paragraph Font"]
        link.font.color.rgb = LINK
        link.font.underline = True
        link.unhide_when_used = True
        # render/wordml.py marks open points ("[to be agreed: ...]") with this style.
        open_point = styles.add_style("Open Point", WD_STYLE_TYPE.CHARACTER)
        open_point.base_style = styles["Default Paragraph Font"]
        open_point.element.get_or_add_rPr().append(
            parse_xml(f'<w:highlight {nsdecls("w")} w:val="yellow"/>'))

    def _table_style(self) -> None:
        """"Agreement Table": thin borders, cell padding and a shaded, bold header row."""
        style = self.doc.styles.add_style("Agreement Table", WD_STYLE_TYPE.TABLE)
        style.base_style = self.doc.styles["Normal Table"]
        borders = "".join(f'<w:{side} w:val="single" w:sz="4" w:space="0" w:color="{BORDER}"/>'
                          for side in ("top", "left", "bottom", "right", "insideH", "insideV"))
        margins = ('<w:tblCellMar><w:top w:w="45" w:type="dxa"/><w:left w:w="85" w:type="dxa"/>'
                   '<w:bottom w:w="45" w:type="dxa"/><w:right w:w="85" w:type="dxa"/>'
                   '</w:tblCellMar>')
        element = style.element
        element.append(parse_xml(f'<w:pPr {nsdecls("w")}><w:spacing w:after="0"/></w:pPr>'))
        element.append(parse_xml(f'<w:tblPr {nsdecls("w")}><w:tblBorders>{borders}'
                                 f'</w:tblBorders>{margins}</w:tblPr>'))
        element.append(parse_xml(
            f'<w:tblStylePr {nsdecls("w")} w:type="firstRow"><w:rPr><w:b/></w:rPr>'
            f'<w:tcPr><w:shd w:val="clear" w:color="auto" w:fill="{HEADER_FILL}"/></w:tcPr>'
            '</w:tblStylePr>'))

    def _page(self, landscape: bool) -> None:
        section = self.doc.sections[0]
        _page_setup(section._sectPr, landscape)

    def _heading_numbering(self) -> None:
        """Number articles 1, 2 (Heading 1) and their clauses 1.1, 1.2 in one multi-level
        list; parties are numbered (1), (2) and recitals (A), (B) in lists of their own; the
        enumerations in a clause, (a) then (i), restart in every clause (render/numbering.py
        gives each its own w:num of the abstract numbering defined here)."""
        numbering = self.doc.part.numbering_part.element
        heading_levels = "".join(
            f'<w:lvl w:ilvl="{i}"><w:start w:val="1"/><w:numFmt w:val="decimal"/>{style}'
            f'<w:lvlText w:val="{text}"/><w:lvlJc w:val="left"/>'
            f'<w:pPr><w:ind w:left="{NUMBER_INDENT}" w:hanging="{NUMBER_INDENT}"/></w:pPr>'
            '</w:lvl>'
            for i, (style, text) in enumerate((('<w:pStyle w:val="Heading1"/>', "%1."),
                                               ("", "%1.%2")))
        )
        abstracts = [(HEADING_NUM_ID, heading_levels)]
        for num_id, fmt in ((PARTY_NUM_ID, "decimal"), (RECITAL_NUM_ID, "upperLetter")):
            abstracts.append((num_id, (
                f'<w:lvl w:ilvl="0"><w:start w:val="1"/><w:numFmt w:val="{fmt}"/>'
                '<w:lvlText w:val="(%1)"/><w:lvlJc w:val="left"/>'
                f'<w:pPr><w:ind w:left="{NUMBER_INDENT}" w:hanging="{NUMBER_INDENT}"/></w:pPr>'
                '</w:lvl>')))
        abstracts.append((ENUMERATION_ABSTRACT_ID, "".join(
            f'<w:lvl w:ilvl="{i}"><w:start w:val="1"/><w:numFmt w:val="{fmt}"/>'
            f'<w:lvlText w:val="{text}"/><w:lvlJc w:val="left"/>'
            f'<w:pPr><w:ind w:left="{left}" w:hanging="{hanging}"/></w:pPr></w:lvl>'
            for i, (fmt, text, left, hanging) in enumerate(ENUMERATION_LEVELS))))
        first_num = numbering.find(qn("w:num"))
        for abstract_id, levels in abstracts:
            abstract = parse_xml(f'<w:abstractNum {nsdecls("w")} w:abstractNumId="{abstract_id}">'
                                 f'<w:multiLevelType w:val="multilevel"/>{levels}</w:abstractNum>')
            if first_num is not None:
                first_num.addprevious(abstract)
            else:
                numbering.append(abstract)
        for num_id in (HEADING_NUM_ID, PARTY_NUM_ID, RECITAL_NUM_ID):
            numbering.append(parse_xml(f'<w:num {nsdecls("w")} w:numId="{num_id}">'
                                       f'<w:abstractNumId w:val="{num_id}"/></w:num>'))
        ppr = self.doc.styles["Heading 1"].element.get_or_add_pPr()
        ppr.insert(0, parse_xml(f'<w:numPr {nsdecls("w")}><w:ilvl w:val="0"/>'
                                f'<w:numId w:val="{HEADING_NUM_ID}"/></w:numPr>'))

    # -- content ------------------------------------------------------------------------
    def para(self, text: str = "", style: str = "Body Text") -> None:
        """A paragraph of one run in a named style."""
        paragraph = self.doc.add_paragraph(style=style)
        if text:
            paragraph.add_run(text)

    def runs(self, *texts: tuple[str, str | None], style: str = "Body Text") -> None:
        """A paragraph of several runs, each ``(text, character style or None)``.

        A ``{{r ...}}`` tag takes its whole run, so it must have a run of its own.
        """
        paragraph = self.doc.add_paragraph(style=style)
        for text, char_style in texts:
            paragraph.add_run(text, style=char_style)

    def tag(self, text: str) -> None:
        """A paragraph that holds only a {%p ... %} tag; docxtpl removes it when rendering."""
        self.doc.add_paragraph(text, style="Normal")

    def heading(self, text: str, level: int = 1, style: str | None = None) -> None:
        """A numbered article heading (Heading 1), an unnumbered sub-heading (Heading 2), or
        a heading in another style."""
        self.doc.add_paragraph(text, style=style or f"Heading {level}")

    def raw(self, xml: str) -> None:
        """A body element given as WordprocessingML, placed before the body's sectPr."""
        body = self.doc.element.body
        body.insert(len(body) - 1, parse_xml(xml))

    def page_break(self) -> None:
        """A page break in a paragraph of its own, part of a conditional block."""
        self.doc.add_paragraph(style="Layout Mark").add_run().add_break(WD_BREAK.PAGE)

    def section_break(self, landscape: bool = False, first_page: bool = False) -> None:
        """End the current section here; its pages are portrait or landscape.

        Every section names the same header and footer, so a conditional section (one that a
        tag may remove) never leaves another section without them.
        """
        sect_pr = copy.deepcopy(self.doc.sections[-1]._sectPr)
        _page_setup(sect_pr, landscape)
        if not first_page:
            _drop_first_page(sect_pr)
        paragraph = self.doc.add_paragraph(style="Layout Mark")
        paragraph._p.get_or_add_pPr().append(sect_pr)

    def table(self, spec: TableSpec) -> None:
        """A table with a repeated header row and one row per item of ``spec.rows``."""
        table = self.doc.add_table(rows=4, cols=len(spec.headers))
        table.style = self.doc.styles["Agreement Table"]
        table.alignment = WD_TABLE_ALIGNMENT.CENTER
        rows = table.rows
        for cell, text in zip(rows[0].cells, spec.headers, strict=True):
            self._cell(cell, text, "Table Heading")
        self._cell(rows[1].cells[0], f"{{%tr for row in {spec.rows} %}}")
        for cell, text in zip(rows[2].cells, spec.cells, strict=True):
            self._cell(cell, text)
        self._cell(rows[3].cells[0], "{%tr endfor %}")
        _row_props(rows[0], '<w:cantSplit/><w:tblHeader/>')
        _row_props(rows[2], '<w:cantSplit/>')
        _set_widths(table, spec.widths)

    def _cell(self, cell: _Cell, text: str, style: str = "Table Text") -> None:
        paragraph = cell.paragraphs[0]
        paragraph.style = self.doc.styles[style]
        if text:
            paragraph.add_run(text)

    # -- header, footer, properties -------------------------------------------------------
    def header_footer(self, header: str, first_page: bool = False) -> None:
        """Header with title and version; footer "Page X of Y" (also on a first page)."""
        section = self.doc.sections[0]
        section.different_first_page_header_footer = first_page
        section.header.paragraphs[0].text = header
        section.header.paragraphs[0].style = self.doc.styles["Header"]
        footers = [section.footer] + ([section.first_page_footer] if first_page else [])
        if first_page:
            section.first_page_header.paragraphs[0].style = self.doc.styles["Header"]
        for footer in footers:
            paragraph = footer.paragraphs[0]
            paragraph.style = self.doc.styles["Footer"]
            paragraph.add_run("{{ t.page.page }} ")
            paragraph._p.append(_field("PAGE"))
            paragraph.add_run(" {{ t.page.of }} ")
            paragraph._p.append(_field("NUMPAGES"))

    def properties(self, title: str, subject: str) -> None:
        """Document properties, filled from the context when rendering."""
        props = self.doc.core_properties
        props.title = title
        props.subject = subject
        props.author = "agreementgen"
        props.comments = ""
        props.keywords = ""

    def update_fields_on_open(self) -> None:
        """Ask Word to refresh the table of contents and page numbers when the file opens."""
        settings = self.doc.settings.element
        settings.append(parse_xml(f'<w:updateFields {nsdecls("w")} w:val="true"/>'))

    def save(self, path: Path) -> None:
        """Write the template, creating its folder; the same build gives the same bytes."""
        path.parent.mkdir(parents=True, exist_ok=True)
        saved = io.BytesIO()
        self.doc.save(saved)
        # python-docx stamps each member with the time of saving; a fixed time makes a
        # rebuild byte-identical, so only a real change shows as a changed file.
        with zipfile.ZipFile(saved) as source, zipfile.ZipFile(path, "w") as target:
            for info in source.infolist():
                member = zipfile.ZipInfo(info.filename, date_time=(1980, 1, 1, 0, 0, 0))
                member.compress_type = zipfile.ZIP_DEFLATED
                target.writestr(member, source.read(info))


def _unnumbered_heading(styles: object, name: str, base: str) -> None:
    """A heading style like ``base`` that takes no number, followed by body text."""
    style = styles.add_style(name, WD_STYLE_TYPE.PARAGRAPH)  # type: ignore[attr-defined]
    style.base_style = styles[base]  # type: ignore[index]
    style.next_paragraph_style = styles["Body Text"]  # type: ignore[index]
    _no_numbering(style)


def _no_numbering(style: object) -> None:
    ppr = style.element.get_or_add_pPr()  # type: ignore[attr-defined]
    ppr.insert(0, parse_xml(
        f'<w:numPr {nsdecls("w")}><w:ilvl w:val="0"/><w:numId w:val="0"/></w:numPr>'))


def _page_setup(sect_pr: object, landscape: bool) -> None:
    """A4 in either orientation, with the same margins."""
    width, height = A4
    size = sect_pr.find(qn("w:pgSz"))  # type: ignore[attr-defined]
    size.set(qn("w:w"), str(int((height if landscape else width).twips)))
    size.set(qn("w:h"), str(int((width if landscape else height).twips)))
    if landscape:
        size.set(qn("w:orient"), "landscape")
    elif qn("w:orient") in size.attrib:
        del size.attrib[qn("w:orient")]
    margins = sect_pr.find(qn("w:pgMar"))  # type: ignore[attr-defined]
    for side, cm in (("top", 2.2), ("bottom", 2.0), ("left", 2.3), ("right", 2.3),
                     ("header", 1.0), ("footer", 1.0)):
        margins.set(qn(f"w:{side}"), str(int(Cm(cm).twips)))


def _drop_first_page(sect_pr: object) -> None:
    """Remove a distinct first page: only the cover has one."""
    for child in list(sect_pr):  # type: ignore[call-overload]
        if child.tag == qn("w:titlePg") or (
            child.tag in (qn("w:headerReference"), qn("w:footerReference"))
            and child.get(qn("w:type")) == "first"
        ):
            sect_pr.remove(child)  # type: ignore[attr-defined]


def _row_props(row: object, xml: str) -> None:
    tr_pr = row._tr.get_or_add_trPr()  # type: ignore[attr-defined]
    for element in parse_xml(f'<w:trPr {nsdecls("w")}>{xml}</w:trPr>'):
        tr_pr.append(element)


def _set_widths(table: DocxTable, widths: Sequence[float]) -> None:
    """Fixed column widths, in the grid (LibreOffice reads) and in every cell (Word reads)."""
    table.autofit = False
    grid = table._tbl.tblGrid
    for col, width in zip(grid.findall(qn("w:gridCol")), widths, strict=True):
        col.set(qn("w:w"), str(int(Cm(width).twips)))
    for row in table.rows:
        for cell, width in zip(row.cells, widths, strict=True):
            cell.width = Cm(width)


def _field(instruction: str) -> object:
    return parse_xml(f'<w:fldSimple {nsdecls("w")} w:instr=" {instruction} \\* MERGEFORMAT ">'
                     f'<w:r><w:t>1</w:t></w:r></w:fldSimple>')


# -- building blocks ---------------------------------------------------------------------
VERSION_SUFFIX = ("{% if agreement.version %} \u00b7 {{ t.cover.version }} {{ agreement.version }}"
                  "{% endif %}")
DATE_LINE = ("{% if agreement.version %}{{ t.cover.version }}: {{ agreement.version }}{% endif %}"
             "{% if agreement.version and agreement.date %} \u00b7 {% endif %}"
             "{% if agreement.date %}{{ t.cover.date }}: {{ agreement.date }}{% endif %}")


def _toc(b: Builder, entries: Callable[[Builder], None]) -> None:
    """A TOC field whose cached result lists the article headings, as Word would."""
    b.para("{{ t.cover.contents }}", style="TOC Heading")
    b.raw(f'<w:p {nsdecls("w")}><w:pPr><w:pStyle w:val="LayoutMark"/></w:pPr>'
          '<w:r><w:fldChar w:fldCharType="begin"/></w:r>'
          '<w:r><w:instrText xml:space="preserve"> TOC \\o "1-1" \\h \\z \\u </w:instrText></w:r>'
          '<w:r><w:fldChar w:fldCharType="separate"/></w:r></w:p>')
    entries(b)
    b.raw(f'<w:p {nsdecls("w")}><w:pPr><w:pStyle w:val="LayoutMark"/></w:pPr>'
          '<w:r><w:fldChar w:fldCharType="end"/></w:r></w:p>')


def _toc_from_context(b: Builder) -> None:
    """The context's ``toc`` (parties to signatures), then the annexes when there are any."""
    b.tag("{%p for entry in toc %}")
    b.para("{% if entry.number %}{{ entry.number }}.\t{% endif %}{{ entry.title }}", style="toc 1")
    b.tag("{%p endfor %}")
    b.tag("{%p if annexes or options.health_annex %}")
    b.para("{{ t.articles.annexes }}", style="toc 1")
    b.tag("{%p endif %}")


def _toc_of(articles: Sequence[str]) -> Callable[[Builder], None]:
    """Contents computed in the template, for a template that shows only some articles."""
    # The parties come before the numbered articles, under a heading of their own.
    names = ", ".join(f'"{a}"' for a in articles if a != "parties")

    def entries(b: Builder) -> None:
        b.para("{{ t.articles.parties }}", style="toc 1")
        b.tag(f'{{%p for id in [{names}] if articles.get(id) %}}')
        b.para("{{ numbers[id] }}.\t{{ t.articles[id] }}", style="toc 1")
        b.tag("{%p endfor %}")
        b.para("{{ t.articles.signatures }}", style="toc 1")
        b.tag("{%p if annexes or options.health_annex %}")
        b.para("{{ t.articles.annexes }}", style="toc 1")
        b.tag("{%p endif %}")

    return entries


def _cover(b: Builder) -> None:
    b.para("{{ agreement.kind_label }}", style="Subtitle")
    b.para("{{ agreement.title }}", style="Title")
    b.para("{{ t.cover.between }}", style="Cover Text")
    b.tag("{%p for p in partners %}")
    b.para("{{ p.name }}", style="Cover Party")
    b.tag("{%p endfor %}")
    b.tag("{%p if agreement.version or agreement.date %}")
    b.para(DATE_LINE, style="Cover Text")
    b.tag("{%p endif %}")
    b.para("{{ agreement.binding_label }}", style="Cover Text")


def _annex_cover(b: Builder, title: str) -> None:
    """The first lines of a stand-alone annex: its title and the agreement it belongs to."""
    b.para(title, style="Title")
    b.para("{{ agreement.title }}", style="Subtitle")
    b.para("{{ t.cover.between }} {{ partners|map(attribute='name')|join(', ') }}",
           style="Cover Text")
    b.tag("{%p if agreement.version or agreement.date %}")
    b.para(DATE_LINE, style="Cover Text")
    b.tag("{%p endif %}")


def _article(b: Builder, name: str) -> None:
    """An article, heading and clauses, shown only when it has clauses."""
    b.tag(f"{{%p if articles.{name} %}}")
    b.heading(f"{{{{ t.articles.{name} }}}}")
    b.para(f"{{{{p articles.{name} }}}}")
    b.tag("{%p endif %}")


def _article_with_table(b: Builder, name: str, spec: TableSpec) -> None:
    """An article whose clauses are followed by a table, shown only when it has rows."""
    b.tag(f"{{%p if articles.{name} %}}")
    b.heading(f"{{{{ t.articles.{name} }}}}")
    b.para(f"{{{{p articles.{name} }}}}")
    b.tag(f"{{%p if {spec.rows} %}}")
    b.table(spec)
    b.tag("{%p endif %}")
    b.tag("{%p endif %}")


def _parties(b: Builder) -> None:
    """The parties, the recitals and the operative formula, before the numbered articles."""
    b.heading("{{ t.articles.parties }}", style="Unnumbered Heading")
    # A bilingual agreement gives the whole preamble in two columns as preamble.columns.
    b.tag("{%p if preamble.columns %}")
    b.para("{{p preamble.columns }}")
    b.tag("{%p else %}")
    b.para("{{r preamble.parties_intro }}")
    b.tag("{%p for p in partners %}")
    b.para("{{r p.party }}", style="Party")
    b.tag("{%p endfor %}")
    b.para("{{r preamble.parties_together }}")
    b.tag("{%p if recitals %}")
    b.para("{{r preamble.recitals_intro }}")
    b.para("{{p recitals }}")
    b.tag("{%p endif %}")
    b.para("{{r preamble.operative }}")
    b.tag("{%p endif %}")


def _signatures(b: Builder) -> None:
    b.heading("{{ t.articles.signatures }}", style="Unnumbered Heading")
    b.tag("{%p for p in partners %}")
    b.heading("{{ t.signature.for }} {{ p.name }}", level=2)
    table = b.doc.add_table(rows=5, cols=2)
    table.style = b.doc.styles["Agreement Table"]
    look = table._tbl.tblPr.find(qn("w:tblLook"))
    if look is not None:
        look.set(qn("w:firstRow"), "0")
        look.set(qn("w:val"), "0400")
    labels = [("name", "{{ p.representative.name }}"), ("title", "{{ p.representative.title }}"),
              ("place", "{{ p.signing_place }}"), ("date", ""), ("signature", "")]
    for index, (row, (key, value)) in enumerate(zip(table.rows, labels, strict=True)):
        last = index == len(labels) - 1
        b._cell(row.cells[0], f"{{{{ t.signature.{key} }}}}",
                "Table Heading" if last else "Signature Label")
        b._cell(row.cells[1], value, "Table Text" if last else "Signature Text")
        _row_props(row, "<w:cantSplit/>")
        if key == "signature":
            row.height = Cm(1.8)
    _set_widths(table, [3.6, 9.0])
    b.tag("{%p endfor %}")


def _indicators(width: float) -> TableSpec:
    """The M&E plan's indicators; every column for landscape pages."""
    share = [0.25, 0.10, 0.13, 0.14, 0.18, 0.10, 0.10]
    return TableSpec(
        "tables.indicators",
        ["{{ t.table.indicator }}", "{{ t.table.result }}", "{{ t.table.baseline }}",
         "{{ t.table.target }}", "{{ t.table.verification }}", "{{ t.table.frequency }}",
         "{{ t.table.responsible }}"],
        ["{{r row.indicator }}", "{{ row.result }}", "{{ row.baseline }}",
         "{{ row.target }}{% if row.target_date %} ({{ row.target_date }}){% endif %}",
         "{{ row.verification }}", "{{ row.frequency }}", "{{ row.responsible }}"],
        _split(width, share))


def _phases(width: float) -> TableSpec:
    return TableSpec(
        "tables.phases",
        ["{{ t.table.phase }}", "{{ t.table.start }}", "{{ t.table.end }}",
         "{{ t.table.milestone }}"],
        ["{{ row.name }}", "{{ row.start }}", "{{ row.end }}", "{{r row.milestone }}"],
        _split(width, [0.22, 0.17, 0.17, 0.44]))


def _split(width: float, shares: Sequence[float]) -> list[float]:
    widths = [round(width * s, 2) for s in shares]
    widths[0] = round(width - sum(widths[1:]), 2)
    return widths


INTERVENTIONS = TableSpec(
    "tables.interventions",
    ["{{ t.table.intervention }}", "{{ t.table.lead }}", "{{ t.table.outcomes }}",
     "{{ t.table.start }}", "{{ t.table.end }}"],
    ["{{r row.activity }}", "{{ row.lead }}", "{{ row.outcomes }}", "{{ row.start }}",
     "{{ row.end }}"],
    [6.6, 2.6, 3.0, 2.1, 2.1])
CONTRIBUTIONS = TableSpec(
    "tables.contributions",
    ["{{ t.table.partner }}", "{{ t.table.type }}", "{{ t.table.description }}",
     "{{ t.table.value }}", "{{ t.table.schedule }}"],
    ["{{ row.partner }}", "{{ row.type }}", "{{r row.description }}", "{{ row.value }}",
     "{{ row.schedule }}"],
    [2.6, 1.9, 5.2, 3.4, 3.3])
RISKS = TableSpec(
    "tables.risks",
    ["{{ t.table.risk }}", "{{ t.table.likelihood }}", "{{ t.table.impact }}",
     "{{ t.table.mitigation }}", "{{ t.table.owner }}"],
    ["{{r row.risk }}", "{{ row.likelihood }}", "{{ row.impact }}", "{{r row.mitigation }}",
     "{{ row.owner }}"],
    [4.3, 2.3, 1.9, 5.4, 2.5])
HEALTH_SUMMARY = TableSpec(
    "health.summary",
    ["{{ t.health_annex.insight }}", "{{ t.health_annex.rules_met }}"],
    ["{{ row.insight }}", "{{ row.met }} / {{ row.applicable }}"],
    [12.4, 4.0])
HEALTH_FINDINGS = TableSpec(
    "health.findings",
    ["{{ t.health_annex.rule }}", "{{ t.health_annex.insight }}", "{{ t.health_annex.status }}",
     "{{ t.health_annex.place }}", "{{ t.health_annex.finding }}"],
    ["{{ row.rule }}", "{{ row.insight }}", "{{ row.status }}", "{{ row.place }}",
     "{{r row.message }}"],
    [1.2, 1.8, 2.1, 4.3, 7.0])


def _health_checklist(b: Builder, level: int) -> None:
    """Intro, the score per insight and every finding.

    Args:
        b: The builder.
        level: 1 in a stand-alone checklist (numbered headings); 3 inside an annex, where
            the sub-headings are not numbered as articles.
    """

    def sub(text: str) -> None:
        b.para(text, style=f"Heading {level}")

    b.para("{{ t.health_annex.intro }}")
    b.tag("{%p if not health.open %}")
    b.para("{{ t.health_annex.none_open }}")
    b.tag("{%p endif %}")
    sub("{{ t.health_annex.summary }}")
    b.table(HEALTH_SUMMARY)
    sub("{{ t.health_annex.findings }}")
    b.table(HEALTH_FINDINGS)
    b.tag("{%p if health.sources %}")
    sub("{{ t.health_annex.sources }}")
    b.tag("{%p for source in health.sources %}")
    b.para("{{r source }}", style="List Bullet")
    b.tag("{%p endfor %}")
    b.tag("{%p endif %}")


def _monitoring_landscape(b: Builder) -> None:
    """The monitoring article; the indicators on landscape pages, where seven columns fit."""
    b.tag("{%p if articles.monitoring %}")
    b.heading("{{ t.articles.monitoring }}")
    b.para("{{p articles.monitoring }}")
    b.tag("{%p if tables.indicators %}")
    b.section_break()
    b.heading("{{ t.me_annex.indicators }}", level=2)
    b.table(_indicators(LANDSCAPE_TEXT_WIDTH))
    b.section_break(landscape=True)
    b.tag("{%p if tables.phases %}")
    b.heading("{{ t.me_annex.phases }}", level=2)
    b.table(_phases(PORTRAIT_TEXT_WIDTH))
    b.tag("{%p endif %}")
    b.tag("{%p elif tables.phases %}")
    b.table(_phases(PORTRAIT_TEXT_WIDTH))
    b.tag("{%p endif %}")
    b.tag("{%p endif %}")


def _monitoring_lists(b: Builder) -> None:
    """The monitoring article with its indicators and phases as short lists, not tables."""
    b.tag("{%p if articles.monitoring %}")
    b.heading("{{ t.articles.monitoring }}")
    b.para("{{p articles.monitoring }}")
    b.tag("{%p if tables.indicators %}")
    b.heading("{{ t.me_annex.indicators }}", level=2)
    b.tag("{%p for row in tables.indicators %}")
    b.runs(("{{r row.indicator }}", None),
           ("{% if row.target %} \u2014 {{ t.table.target }}: {{ row.target }}"
            "{% if row.target_date %} ({{ row.target_date }}){% endif %}{% endif %}"
            "{% if row.responsible %}; {{ t.table.responsible }}: {{ row.responsible }}"
            "{% endif %}", None), style="List Bullet")
    b.tag("{%p endfor %}")
    b.tag("{%p endif %}")
    b.tag("{%p if tables.phases %}")
    b.heading("{{ t.me_annex.phases }}", level=2)
    b.tag("{%p for row in tables.phases %}")
    b.runs(("{{ row.name }}", "Strong"),
           ("{% if row.start or row.end %} ({{ row.start }} \u2013 {{ row.end }}){% endif %}"
            "{% if row.milestone %}: {% endif %}", None),
           ("{{r row.milestone }}", None), style="List Bullet")
    b.tag("{%p endfor %}")
    b.tag("{%p endif %}")
    b.tag("{%p endif %}")


def _annexes(b: Builder, health: bool) -> None:
    """The description's annexes and, when asked for, the health checklist after them, which
    says in its first line that it is no part of the agreement."""
    condition = "annexes or options.health_annex" if health else "annexes"
    b.tag(f"{{%p if {condition} %}}")
    b.page_break()
    b.heading("{{ t.articles.annexes }}", style="Unnumbered Heading")
    b.tag("{%p for annex in annexes %}")
    b.para("{{ t.annex.title }} {{ loop.index }}", style="Annex Heading")
    b.para("{{p annex }}")
    b.tag("{%p endfor %}")
    if health:
        b.tag("{%p if options.health_annex %}")
        b.para("{{ t.health_annex.title }}", style="Annex Heading")
        b.para("{{ health.statement }}", style="Cover Text")
        _health_checklist(b, level=3)
        b.tag("{%p endif %}")
    b.tag("{%p endif %}")


def _agreement_start(b: Builder, articles: Sequence[str] | None) -> None:
    """Header, footer, properties, cover and contents, on a first section of their own."""
    b.header_footer("{{ agreement.title }}" + VERSION_SUFFIX, first_page=True)
    b.properties("{{ agreement.title }}", "{{ agreement.kind_label }}")
    b.update_fields_on_open()
    _cover(b)
    _toc(b, _toc_from_context if articles is None else _toc_of(articles))
    b.section_break(first_page=True)
    _drop_first_page(b.doc.sections[-1]._sectPr)


# -- the templates ------------------------------------------------------------------------
def _agreement(path: Path, articles: Sequence[str] | None,
               monitoring: Callable[[Builder], None]) -> None:
    """An agreement: cover and contents, the articles, signatures and annexes.

    Args:
        path: Where the template goes.
        articles: The articles its contents list may show (None: every article in the context).
        monitoring: How it lays out the monitoring article with its indicators and phases.
    """
    b = Builder()
    _agreement_start(b, articles)
    _parties(b)
    _article(b, "purpose")
    _article_with_table(b, "theory_of_change", INTERVENTIONS)
    _article(b, "identity")
    _article_with_table(b, "contributions", CONTRIBUTIONS)
    _article(b, "funding")
    _article(b, "governance")
    monitoring(b)
    _article_with_table(b, "risks", RISKS)
    for name in ("communication", "data_protection", "compliance", "duration", "liability",
                 "final", "legal"):
        _article(b, name)
    _signatures(b)
    _annexes(b, health=True)
    b.save(path)


def build_partnership_agreement(path: Path) -> None:
    """The full partnership agreement: every article, indicators on landscape pages."""
    _agreement(path, None, _monitoring_landscape)


def build_memorandum_of_understanding(path: Path) -> None:
    """A shorter memorandum: the M&E plan as lists instead of landscape tables."""
    _agreement(path, MOU_ARTICLES, _monitoring_lists)


def build_me_annex(path: Path) -> None:
    """The monitoring and evaluation plan as an annex: the article, then its tables."""
    b = Builder(landscape=True)
    b.header_footer("{{ agreement.title }} \u00b7 {{ t.me_annex.title }}" + VERSION_SUFFIX)
    b.properties("{{ agreement.title }}", "{{ t.me_annex.title }}")
    b.update_fields_on_open()
    _annex_cover(b, "{{ t.me_annex.title }}")
    b.para("{{ t.me_annex.intro }}")
    _article(b, "monitoring")
    b.tag("{%p if tables.indicators or tables.phases %}")
    b.section_break()
    b.tag("{%p endif %}")
    b.tag("{%p if tables.indicators %}")
    b.heading("{{ t.me_annex.indicators }}")
    b.table(_indicators(LANDSCAPE_TEXT_WIDTH))
    b.tag("{%p endif %}")
    b.tag("{%p if tables.phases %}")
    b.heading("{{ t.me_annex.phases }}")
    b.table(_phases(LANDSCAPE_TEXT_WIDTH))
    b.tag("{%p endif %}")
    b.save(path)


def build_health_annex(path: Path) -> None:
    """The partnership health checklist: the score per insight and every rule's finding."""
    b = Builder()
    b.header_footer("{{ agreement.title }} \u00b7 {{ t.health_annex.title }}" + VERSION_SUFFIX)
    b.properties("{{ agreement.title }}", "{{ t.health_annex.title }}")
    b.update_fields_on_open()
    _annex_cover(b, "{{ t.health_annex.title }}")
    b.para("{{ health.statement }}", style="Cover Text")
    _health_checklist(b, level=1)
    b.save(path)


BUILDERS: dict[str, Callable[[Path], None]] = {
    "partnership_agreement": build_partnership_agreement,
    "memorandum_of_understanding": build_memorandum_of_understanding,
    "me_annex": build_me_annex,
    "health_annex": build_health_annex,
}


def main() -> None:
    """Rebuild every built-in template."""
    for name, build in BUILDERS.items():
        build(TEMPLATES / name / "template.docx")


if __name__ == "__main__":
    main()
