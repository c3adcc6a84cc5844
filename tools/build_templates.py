"""Build the built-in Word templates from code, so their structure is reviewed like code.

Run ``python tools/build_templates.py``; it rewrites ``templates/*/template.docx``. The templates
hold no words of their own: every heading and label comes from the context (``t.*``), so one
template serves every language.
"""

from __future__ import annotations

from collections.abc import Sequence
from pathlib import Path

from docx import Document
from docx.enum.table import WD_TABLE_ALIGNMENT
from docx.enum.text import WD_ALIGN_PARAGRAPH, WD_BREAK
from docx.oxml import parse_xml
from docx.oxml.ns import nsdecls, qn
from docx.shared import Cm, Pt, RGBColor

ROOT = Path(__file__).resolve().parent.parent
ACCENT = RGBColor(0x1F, 0x3A, 0x5F)
HEADING_NUM_ID = "90"


class Builder:
    """A python-docx document with helpers for template paragraphs, tags and tables."""

    def __init__(self) -> None:
        self.doc = Document()
        self._styles()
        self._page()
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
        for name, size in (("Title", 24), ("Subtitle", 14), ("Heading 1", 13), ("Heading 2", 11.5)):
            style = styles[name]
            style.font.name = "Calibri"
            style.font.size = Pt(size)
            style.font.color.rgb = ACCENT
        styles["Heading 1"].paragraph_format.space_before = Pt(16)
        styles["Heading 1"].paragraph_format.space_after = Pt(6)
        styles["Heading 1"].paragraph_format.keep_with_next = True
        styles["Heading 2"].paragraph_format.keep_with_next = True
        for name in ("List Bullet", "List Number", "List Bullet 2", "List Number 2"):
            styles[name].paragraph_format.space_after = Pt(3)
        # The contents heading is not an article: keep it out of the heading numbering.
        styles["TOC Heading"].element.get_or_add_pPr().insert(0, parse_xml(
            f'<w:numPr {nsdecls("w")}><w:ilvl w:val="0"/><w:numId w:val="0"/></w:numPr>'))
        toc = styles.add_style("toc 1", 1)
        toc.base_style = normal
        toc.paragraph_format.space_after = Pt(2)
        label = styles.add_style("Table Text", 1)
        label.base_style = normal
        label.font.size = Pt(9)
        label.paragraph_format.space_after = Pt(0)

    def _page(self) -> None:
        section = self.doc.sections[0]
        section.page_height, section.page_width = Cm(29.7), Cm(21.0)
        section.left_margin = section.right_margin = Cm(2.3)
        section.top_margin, section.bottom_margin = Cm(2.2), Cm(2.0)
        section.different_first_page_header_footer = True

    def _heading_numbering(self) -> None:
        """Number article headings 1., 1.1. through a list linked to the Heading styles."""
        numbering = self.doc.part.numbering_part.element
        levels = "".join(
            f'<w:lvl w:ilvl="{i}"><w:start w:val="1"/><w:numFmt w:val="decimal"/>'
            f'<w:pStyle w:val="Heading{i + 1}"/><w:lvlText w:val="{text}"/><w:lvlJc w:val="left"/>'
            f'<w:pPr><w:ind w:left="{567 + 284 * i}" w:hanging="{567 + 284 * i}"/></w:pPr></w:lvl>'
            for i, text in enumerate(("%1.", "%1.%2."))
        )
        abstract = parse_xml(f'<w:abstractNum {nsdecls("w")} w:abstractNumId="{HEADING_NUM_ID}">'
                             f'<w:multiLevelType w:val="multilevel"/>{levels}</w:abstractNum>')
        first_num = numbering.find(qn("w:num"))
        if first_num is not None:
            first_num.addprevious(abstract)
        else:
            numbering.append(abstract)
        numbering.append(parse_xml(f'<w:num {nsdecls("w")} w:numId="{HEADING_NUM_ID}">'
                                   f'<w:abstractNumId w:val="{HEADING_NUM_ID}"/></w:num>'))
        for level, name in enumerate(("Heading 1", "Heading 2")):
            ppr = self.doc.styles[name].element.get_or_add_pPr()
            ppr.insert(0, parse_xml(f'<w:numPr {nsdecls("w")}><w:ilvl w:val="{level}"/>'
                                    f'<w:numId w:val="{HEADING_NUM_ID}"/></w:numPr>'))

    # -- content ------------------------------------------------------------------------
    def para(self, text: str = "", style: str = "Body Text", bold: bool = False,
             align: WD_ALIGN_PARAGRAPH | None = None) -> None:
        paragraph = self.doc.add_paragraph(style=style)
        if text:
            paragraph.add_run(text).bold = bold or None
        if align is not None:
            paragraph.alignment = align

    def tag(self, text: str) -> None:
        """A paragraph that holds only a {%p ... %} tag; docxtpl removes it when rendering."""
        self.doc.add_paragraph(text, style="Normal")

    def heading(self, text: str, level: int = 1) -> None:
        self.doc.add_paragraph(text, style=f"Heading {level}")

    def raw(self, xml: str) -> None:
        body = self.doc.element.body
        body.insert(len(body) - 1, parse_xml(xml))

    def page_break(self) -> None:
        self.doc.add_paragraph().add_run().add_break(WD_BREAK.PAGE)

    def table(self, headers: Sequence[str], loop: str, cells: Sequence[str],
              widths: Sequence[float]) -> None:
        """A table with a repeated header row and one row per item of ``loop``."""
        table = self.doc.add_table(rows=4, cols=len(headers))
        table.style = self.doc.styles["Table Grid"]
        table.alignment = WD_TABLE_ALIGNMENT.CENTER
        rows = table.rows
        for cell, text in zip(rows[0].cells, headers, strict=True):
            self._cell(cell, text, bold=True, shade=True)
        self._cell(rows[1].cells[0], f"{{%tr for row in {loop} %}}")
        for cell, text in zip(rows[2].cells, cells, strict=True):
            self._cell(cell, text)
        self._cell(rows[3].cells[0], "{%tr endfor %}")
        header_pr = rows[0]._tr.get_or_add_trPr()
        header_pr.append(parse_xml(f'<w:tblHeader {nsdecls("w")}/>'))
        _set_widths(table, widths)

    def _cell(self, cell: object, text: str, bold: bool = False, shade: bool = False) -> None:
        paragraph = cell.paragraphs[0]  # type: ignore[attr-defined]
        paragraph.style = self.doc.styles["Table Text"]
        paragraph.add_run(text).bold = bold or None
        if shade:
            cell._tc.get_or_add_tcPr().append(  # type: ignore[attr-defined]
                parse_xml(f'<w:shd {nsdecls("w")} w:val="clear" w:color="auto" w:fill="DCE3EC"/>'))

    # -- header, footer, properties --------------------------------------------------------
    def header_footer(self) -> None:
        section = self.doc.sections[0]
        header = section.header.paragraphs[0]
        header.text = "{{ agreement.title }}{% if agreement.version %} \u00b7 {{ t.cover.version }} {{ agreement.version }}{% endif %}"
        header.alignment = WD_ALIGN_PARAGRAPH.RIGHT
        header.runs[0].font.size = Pt(8)
        header.runs[0].font.color.rgb = RGBColor(0x59, 0x59, 0x59)
        for footer in (section.footer, section.first_page_footer):
            paragraph = footer.paragraphs[0]
            paragraph.alignment = WD_ALIGN_PARAGRAPH.CENTER
            paragraph.add_run("{{ t.page.page }} ")
            paragraph._p.append(_field("PAGE"))
            paragraph.add_run(" {{ t.page.of }} ")
            paragraph._p.append(_field("NUMPAGES"))
            for run in paragraph.runs:
                run.font.size = Pt(8)

    def properties(self, subject: str) -> None:
        props = self.doc.core_properties
        props.title = "{{ agreement.title }}"
        props.subject = subject
        props.author = "agreementgen"
        props.comments = ""
        props.keywords = ""

    def update_fields_on_open(self) -> None:
        """Ask Word to refresh the table of contents and page numbers when the file opens."""
        settings = self.doc.settings.element
        settings.append(parse_xml(f'<w:updateFields {nsdecls("w")} w:val="true"/>'))

    def save(self, path: Path) -> None:
        path.parent.mkdir(parents=True, exist_ok=True)
        self.doc.save(str(path))


def _set_widths(table: object, widths: Sequence[float]) -> None:
    """Fixed column widths, in the grid (LibreOffice reads) and in every cell (Word reads)."""
    table.autofit = False  # type: ignore[attr-defined]
    grid = table._tbl.tblGrid  # type: ignore[attr-defined]
    for col, width in zip(grid.findall(qn("w:gridCol")), widths, strict=True):
        col.set(qn("w:w"), str(int(Cm(width).twips)))
    for row in table.rows:  # type: ignore[attr-defined]
        for cell, width in zip(row.cells, widths, strict=True):
            cell.width = Cm(width)


def _field(instruction: str) -> object:
    return parse_xml(f'<w:fldSimple {nsdecls("w")} w:instr=" {instruction} \\* MERGEFORMAT ">'
                     f'<w:r><w:t>1</w:t></w:r></w:fldSimple>')


def _toc(b: Builder) -> None:
    b.para("{{ t.cover.contents }}", style="TOC Heading")
    b.raw(f'<w:p {nsdecls("w")}><w:pPr><w:pStyle w:val="toc1"/></w:pPr>'
          '<w:r><w:fldChar w:fldCharType="begin"/></w:r>'
          '<w:r><w:instrText xml:space="preserve"> TOC \\o "1-1" \\h \\z \\u </w:instrText></w:r>'
          '<w:r><w:fldChar w:fldCharType="separate"/></w:r></w:p>')
    b.tag("{%p for entry in toc %}")
    b.para("{{ loop.index }}.\t{{ entry }}", style="toc 1")
    b.tag("{%p endfor %}")
    b.raw(f'<w:p {nsdecls("w")}><w:pPr><w:pStyle w:val="toc1"/></w:pPr>'
          '<w:r><w:fldChar w:fldCharType="end"/></w:r></w:p>')


def _cover(b: Builder) -> None:
    b.para("{{ agreement.kind_label }}", style="Subtitle")
    b.para("{{ agreement.title }}", style="Title")
    b.para("{{ t.cover.between }}", style="Body Text")
    b.tag("{%p for p in partners %}")
    b.para("{{ p.name }}", style="Body Text", bold=True)
    b.tag("{%p endfor %}")
    b.para("{% if agreement.version %}{{ t.cover.version }}: {{ agreement.version }}{% endif %}"
           "{% if agreement.version and agreement.date %} \u00b7 {% endif %}"
           "{% if agreement.date %}{{ t.cover.date }}: {{ agreement.date }}{% endif %}", style="Body Text")
    b.para("{{ agreement.binding_label }}", style="Body Text")


def _article(b: Builder, name: str) -> None:
    b.tag(f"{{%p if articles.{name} %}}")
    b.heading(f"{{{{ t.articles.{name} }}}}")
    b.para(f"{{{{p articles.{name} }}}}")
    b.tag("{%p endif %}")


Table = tuple[str, Sequence[str], Sequence[str], Sequence[float]]


def _article_with_tables(b: Builder, name: str, *tables: Table) -> None:
    """An article whose clauses are followed by tables, each shown only when it has rows."""
    b.tag(f"{{%p if articles.{name} %}}")
    b.heading(f"{{{{ t.articles.{name} }}}}")
    b.para(f"{{{{p articles.{name} }}}}")
    for rows, headers, cells, widths in tables:
        b.tag(f"{{%p if {rows} %}}")
        b.table(headers, rows, cells, widths)
        b.para()
        b.tag("{%p endif %}")
    b.tag("{%p endif %}")


def _parties(b: Builder) -> None:
    b.heading("{{ t.articles.parties }}")
    b.para("{{ t.parties.intro }}")
    b.tag("{%p for p in partners %}")
    b.para("{{ p.name }}, {{ p.identification }};", style="List Number")
    b.tag("{%p endfor %}")
    b.para("{{ t.parties.together }}")


def _signatures(b: Builder) -> None:
    b.heading("{{ t.articles.signatures }}")
    b.tag("{%p for p in partners %}")
    b.para("{{ t.signature.for }} {{ p.name }}", style="Heading 2")
    table = b.doc.add_table(rows=5, cols=2)
    table.style = b.doc.styles["Table Grid"]
    labels = [("name", "{{ p.representative.name }}"), ("title", "{{ p.representative.title }}"),
              ("place", "{{ agreement.place }}"), ("date", ""), ("signature", "")]
    for row, (key, value) in zip(table.rows, labels, strict=True):
        b._cell(row.cells[0], f"{{{{ t.signature.{key} }}}}", bold=True)
        b._cell(row.cells[1], value)
        if key == "signature":
            row.height = Cm(1.6)
    _set_widths(table, [4.0, 12.4])
    b.para()
    b.tag("{%p endfor %}")


def build_partnership_agreement(path: Path) -> None:
    """The full partnership agreement: every article of the description."""
    b = Builder()
    b.header_footer()
    b.properties("{{ agreement.kind_label }}")
    b.update_fields_on_open()
    _cover(b)
    _toc(b)
    b.page_break()
    _parties(b)
    _article(b, "purpose")
    _article_with_tables(b, "theory_of_change", (
        "tables.interventions",
        ["{{ t.table.intervention }}", "{{ t.table.lead }}", "{{ t.table.outcomes }}",
         "{{ t.table.start }}", "{{ t.table.end }}"],
        ["{{r row.activity }}", "{{ row.lead }}", "{{ row.outcomes }}", "{{ row.start }}", "{{ row.end }}"],
        [7.4, 2.6, 2.6, 1.9, 1.9]))
    _article(b, "identity")
    _article_with_tables(b, "contributions", (
        "tables.contributions",
        ["{{ t.table.partner }}", "{{ t.table.type }}", "{{ t.table.description }}",
         "{{ t.table.value }}", "{{ t.table.schedule }}"],
        ["{{ row.partner }}", "{{ row.type }}", "{{r row.description }}", "{{ row.value }}",
         "{{ row.schedule }}"],
        [2.6, 1.8, 6.0, 2.4, 3.6]))
    _article(b, "governance")
    _article_with_tables(b, "monitoring", (
        "tables.indicators",
        ["{{ t.table.indicator }}", "{{ t.table.result }}", "{{ t.table.baseline }}",
         "{{ t.table.target }}", "{{ t.table.verification }}", "{{ t.table.frequency }}",
         "{{ t.table.responsible }}"],
        ["{{r row.indicator }}", "{{ row.result }}", "{{ row.baseline }}",
         "{{ row.target }}{% if row.target_date %} ({{ row.target_date }}){% endif %}",
         "{{ row.verification }}", "{{ row.frequency }}", "{{ row.responsible }}"],
        [4.2, 1.8, 1.9, 2.4, 2.4, 1.7, 2.0]), (
        "tables.phases",
        ["{{ t.table.phase }}", "{{ t.table.start }}", "{{ t.table.end }}", "{{ t.table.milestone }}"],
        ["{{ row.name }}", "{{ row.start }}", "{{ row.end }}", "{{r row.milestone }}"],
        [3.6, 2.4, 2.4, 8.0]))
    _article_with_tables(b, "risks", (
        "tables.risks",
        ["{{ t.table.risk }}", "{{ t.table.likelihood }}", "{{ t.table.impact }}",
         "{{ t.table.mitigation }}", "{{ t.table.owner }}"],
        ["{{r row.risk }}", "{{ row.likelihood }}", "{{ row.impact }}", "{{r row.mitigation }}",
         "{{ row.owner }}"],
        [4.6, 1.8, 1.6, 5.8, 2.6]))
    for name in ("communication", "duration", "legal", "final"):
        _article(b, name)
    _signatures(b)
    b.tag("{%p if annexes %}")
    b.page_break()
    b.heading("{{ t.articles.annexes }}")
    b.tag("{%p for annex in annexes %}")
    b.heading("{{ t.annex.title }} {{ loop.index }}", level=2)
    b.para("{{p annex }}")
    b.tag("{%p endfor %}")
    b.tag("{%p endif %}")
    b.save(path)


def main() -> None:
    build_partnership_agreement(ROOT / "templates" / "partnership_agreement" / "template.docx")


if __name__ == "__main__":
    main()
