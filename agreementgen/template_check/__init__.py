"""Lint a .docx template before use: Jinja syntax, split tags, curly quotes, unknown variables.

Each part that agreementgen renders (``word/document.xml``, headers, footers, the document
properties) is checked the way :class:`~agreementgen.render.docx.CompiledTemplate` will read
it: patched by docxtpl, parsed by Jinja, and then rendered with contexts built from real
descriptions (the shipped examples and the starters), so every problem is one a user would
otherwise meet while generating.
"""

from __future__ import annotations

import re
from collections.abc import Iterator, Mapping, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from jinja2 import TemplateSyntaxError
from lxml import etree

from agreementgen.clauses import template_line
from agreementgen.errors import AgreementGenError, Problem, TemplateError
from agreementgen.i18n import message
from agreementgen.template_check.probes import Probe, build_probes, merge_contexts
from agreementgen.template_check.variables import Miss, Variables, assigned, leaves

__all__ = ["Probe", "Report", "build_probes", "check", "check_template", "merge_contexts",
           "undefined_problem"]

_W = "{http://schemas.openxmlformats.org/wordprocessingml/2006/main}"
_TAG = re.compile(r"\{\{.*?\}\}|\{%.*?%\}|\{#.*?#\}", re.DOTALL)
_DELIMITER = re.compile(r"\{\{|\{%|\{#|\}\}|%\}|#\}")
_CLOSER = {"{{": "}}", "{%": "%}", "{#": "#}"}
_CURLY = "\u201c\u201d\u2018\u2019\u201e\u201a"
# docxtpl's prefixed tags remove the whole element they sit in (paragraph, table row, cell).
_PREFIXED = {"p": "paragraph", "tr": "table_row", "tc": "table_cell"}
# Blocks that need an end tag; ``set`` only in its block form (``{% set x %}...{% endset %}``).
_BLOCKS = {"if", "for", "macro", "call", "filter", "with", "block", "autoescape", "trans"}
# Names Jinja provides by itself, inside macros and call blocks.
_SPECIAL = {"caller", "self", "varargs", "kwargs", "super"}
_CONTEXT_CHARS = 120
# Templates come from elsewhere: no entity expansion, no network.
_PARSER = etree.XMLParser(resolve_entities=False, no_network=True)
_KNOWN_SHOWN = 15
#: Where a template places an article's clauses (``{{p articles.x }}`` once patched).
_ARTICLE = re.compile(r"\{\{\s*articles\.([a-z_]+)\s*\}\}")
#: The name in Jinja's message for an undefined value: ``'x' is undefined``, ``'dict object'
#: has no attribute 'x'``, ``'list object' has no element 3``.
_UNDEFINED_NAME = re.compile(r"'([^']+)' is undefined|has no (?:attribute|element) '?([^']*?)'?$")


@dataclass
class Report:
    """What ``check_template`` found.

    Attributes:
        template: The template as named in messages.
        problems: Every problem, in part order.
        variables: The context paths the template reads (``partners[].name``), sorted.
        warnings: What the template does that it can still be used with: members left out
            of every document made with it (:func:`~agreementgen.render.docx.open_template`).
    """

    template: str
    problems: list[Problem] = field(default_factory=list)
    variables: list[str] = field(default_factory=list)
    warnings: list[Problem] = field(default_factory=list)

    @property
    def ok(self) -> bool:
        """True when the template has no problems."""
        return not self.problems


def check(name_or_path: str, template_dirs: Sequence[Path] = ()) -> Report:
    """Lint a template named as ``generate -t`` takes it: a name, or a .docx path.

    Args:
        name_or_path: A built-in or user template name, or a .docx (or .dotx) path.
        template_dirs: Extra folders with user templates.

    Raises:
        TemplateError: No template of that name.
    """
    from agreementgen.templates import manifest_of, resolve

    info = resolve(name_or_path, "", list(template_dirs))
    manifest = manifest_of(info)
    languages = manifest.get("languages")
    wanted = [str(x) for x in languages] if isinstance(languages, list) else []
    if info.builtin:
        return check_template(info.path, str(info.path), wanted)
    # Checking renders the template: a user's template gets the limits generate gives it.
    from agreementgen.render.guard import run_limited

    try:
        report: Report = run_limited(check_template, info.path, str(info.path), wanted,
                                     label=str(info.path))
    except AgreementGenError as exc:
        return Report(str(info.path), list(exc.problems))
    return report


def check_template(path: str | Path, name: str | None = None,
                   languages: Sequence[str] = ()) -> Report:
    """Lint a .docx template: everything that would fail or go wrong when it is used.

    Args:
        path: The template file.
        name: How the template is named in messages (default: the path).
        languages: The languages the template is made for (its manifest's ``languages``);
            examples in other languages are rendered in the first of these.

    Returns:
        The report; a template that cannot be opened at all (not a zip, a .dotx, a zip bomb,
        a damaged member) gives a report with that one problem. Members left out of every
        document because of their names are warnings.
    """
    from agreementgen.render.docx import NUMBERING, TEMPLATED_PART, open_template

    shown = name or str(path)
    report = Report(shown)
    try:
        found = open_template(Path(path), shown)
    except TemplateError as exc:
        report.problems.extend(exc.problems)
        return report
    members = found.members
    report.warnings = [
        Problem(shown, message("check_dropped_member", reason=message(f"member_reason_{reason}")),
                member, code="check_dropped_member")
        for member, reason in found.dropped]
    probes = build_probes(members.get(NUMBERING), languages)
    used: set[str] = set()
    order: list[str] = []
    for part, data in members.items():
        if TEMPLATED_PART.match(part):
            checker = _PartCheck(shown, part, probes)
            report.problems.extend(checker.run(data))
            used |= checker.used
            order += [a for a in checker.articles if a not in order]
    report.variables = leaves(used)
    report.problems.extend(_article_problems(shown, order))
    return report


#: Articles whose presence marks a template as a whole agreement, which must then show all.
_CLOSING_ARTICLES = ("final", "legal")


def _article_problems(template: str, order: list[str]) -> list[Problem]:
    """A whole agreement (it shows the closing articles) that leaves articles out, or shows
    them in another order than the one clauses are numbered in."""
    from agreementgen.clauses import NUMBERED_ARTICLES

    shown = [a for a in order if a in NUMBERED_ARTICLES]
    if not any(a in shown for a in _CLOSING_ARTICLES):
        return []
    part = "word/document.xml"
    problems = [Problem(template, message("check_missing_article", article=a), part,
                        code="check_missing_article")
                for a in NUMBERED_ARTICLES if a not in shown]
    numbered = sorted(shown, key=NUMBERED_ARTICLES.index)
    for earlier, later in zip(numbered, shown, strict=True):
        if earlier != later:
            problems.append(Problem(template, message(
                "check_article_order", later=later, earlier=earlier,
                order=", ".join(numbered)), part, code="check_article_order"))
            break
    return problems


class _PartCheck:
    """The checks of one part of a template, in the order they make sense to fix."""

    def __init__(self, template: str, part: str, probes: Sequence[Probe]) -> None:
        self.template = template
        self.part = part
        self.probes = probes
        self.problems: list[Problem] = []
        self.used: set[str] = set()
        self.articles: list[str] = []

    def add(self, code: str, **values: Any) -> None:
        text = message(code, **values)
        self.problems.append(Problem(self.template, text, self.part, code=code))

    def run(self, data: bytes) -> list[Problem]:
        """Run every check on the part's XML and return the problems found."""
        from docxtpl import DocxTemplate

        from agreementgen.render.docx import line_per_paragraph, template_part
        from agreementgen.render.sandbox import template_environment

        try:
            # What compiling the template checks first, in the same words.
            xml, root = template_part(self.template, self.part, data)
        except TemplateError as exc:
            self.problems.extend(exc.problems)
            return self.problems
        if not self._check_paragraphs(root):
            return self.problems
        self._check_prefixed(root)
        patched = DocxTemplate.patch_xml(None, xml)
        # One paragraph per line, as CompiledTemplate does, so a line number names a paragraph.
        patched = line_per_paragraph(patched)
        self.articles = list(dict.fromkeys(_ARTICLE.findall(patched)))
        lines = patched.splitlines()
        env = template_environment()
        try:
            ast = env.parse(patched)
            template = env.from_string(ast)
        except TemplateSyntaxError as exc:
            self._syntax_error(env, exc, patched, lines)
            return self.problems
        variables = Variables(merge_contexts([p.context for p in self.probes]),
                               set(env.globals) | _SPECIAL | assigned(ast))
        variables.visit(ast, {})
        self.used = variables.used
        for miss in variables.misses:
            code, text = _miss_message(miss, lines)
            self.problems.append(Problem(self.template, text, self.part, code=code))
        if not self.problems:
            self._render(template, lines)
        return self.problems

    def _check_paragraphs(self, root: Any) -> bool:
        """Tags split across paragraphs, tags never closed, curly quotes inside tags.

        Returns:
            False when a tag is never closed, so the Jinja checks cannot run.
        """
        texts = list(_paragraph_texts(root))
        usable = True
        for index, text in enumerate(texts):
            opened = _unclosed(text)
            if opened is not None:
                start = text[opened:]
                closer = _CLOSER[start[:2]]
                later = _continued(texts, index + 1, closer)
                if later is None:
                    usable = False
                    self.add("check_tag_not_closed", tag=_clip(start), close=closer,
                             near=_near([text], 1))
                else:
                    end = texts[later][: texts[later].index(closer) + 2]
                    self.add("check_tag_split", tag=_clip(f"{start} \u00b6 {end}"),
                             near=_near([text], 1), count=later - index + 1)
            for tag in _TAG.findall(text):
                quotes = "".join(sorted({c for c in tag if c in _CURLY}))
                if quotes:
                    self.add("check_curly_quotes", tag=_clip(tag), quotes=quotes)
        return usable

    def _check_prefixed(self, root: Any) -> None:
        """A ``{%p``/``{%tr``/``{%tc`` tag removes its whole element: nothing else may be in it."""
        for prefix, element in _PREFIXED.items():
            pattern = re.compile(r"(\{%|\{\{)" + prefix + r" ")
            for node in root.iter(f"{_W}{prefix}"):
                text = "".join(node.itertext())
                tag = next((t for t in _TAG.findall(text) if pattern.match(t)), None)
                if tag is None:
                    continue
                # Everything else in the element goes with it: text and other tags alike.
                rest = " ".join(part for part in _split_off(text, pattern) if part.strip())
                if rest:
                    self.add("check_prefixed_with_text", tag=_clip(tag), text=_clip(rest),
                             element=message(f"check_element_{element}"))

    def _syntax_error(self, env: Any, exc: TemplateSyntaxError, source: str,
                      lines: list[str]) -> None:
        problem = exc.message or str(exc)
        if problem.startswith("Unexpected end of template"):
            block = _innermost_open_block(env, source)
            if block is not None:
                name, tag, lineno = block
                self.add("check_block_not_closed", tag=tag, end=f"{{% end{name} %}}",
                         near=_near(lines, lineno))
                return
        hint = ""
        unknown = re.search(r"unknown tag '(p|tr|tc|r)'", problem)
        if unknown:
            hint = message("check_hint_prefixed", prefix=unknown.group(1))
        self.add("check_syntax", problem=problem, near=_near(lines, exc.lineno), hint=hint)

    def _render(self, template: Any, lines: list[str]) -> None:
        """Render with every probe; report the first failure or broken XML."""
        from agreementgen.render.docx import finish_xml, without_paragraph_lines

        for probe in self.probes:
            try:
                xml = template.render(probe.context)
            # A template's expressions can raise anything Python can (TypeError, ...).
            except Exception as exc:
                lineno = template_line(exc)
                self.add("check_render_failed", example=probe.label,
                         problem=f"{type(exc).__name__}: {exc}", near=_near(lines, lineno))
                return
            try:
                etree.fromstring(finish_xml(without_paragraph_lines(xml)).encode("utf-8"),
                                 _PARSER)
            except etree.XMLSyntaxError as exc:
                problem, context = _broken_at(xml, exc.msg)
                self.add("check_broken_xml", example=probe.label, problem=problem,
                         context=context)
                return


def undefined_problem(template: str, part: str, source: str, context: Mapping[str, Any],
                      error: str) -> Problem:
    """The problem to report when filling a part stops at a value the context lacks.

    It is the message ``templates check`` gives for the same mistake: the variable as the
    template writes it, the nearest name there is, and the paragraph it is in. The part's
    syntax tree is walked with the context that failed; the part is filled again one
    paragraph a line, so the line it stops at names the paragraph.

    Args:
        template: How the template is named in messages.
        part: The part that failed (``word/document.xml``).
        source: The part as compiled (patched by docxtpl).
        context: The values it was filled with.
        error: Jinja's message (``'dict object' has no attribute 'nmae'``).
    """
    from agreementgen.render.docx import line_per_paragraph
    from agreementgen.render.sandbox import template_environment

    env = template_environment()
    lined = line_per_paragraph(source)
    lines = lined.splitlines()
    ast = env.parse(lined)
    lineno = _failing_line(env.from_string(ast), context)
    variables = Variables(context, set(env.globals) | _SPECIAL | assigned(ast))
    variables.visit(ast, {})
    found = _UNDEFINED_NAME.search(error)
    name = next((g for g in found.groups() if g), None) if found else None
    misses = [m for m in variables.misses if m.written.rpartition(".")[2] == name]
    at_line = [m for m in misses if m.lineno == lineno] or misses
    if at_line:
        code, text = _miss_message(at_line[0], lines)
    else:
        code = "template_undefined"
        text = message(code, problem=error, near=_near(lines, lineno))
    return Problem(template, text, part, code=code)


def _failing_line(template: Any, context: Mapping[str, Any]) -> int | None:
    """The line of the template where filling it with ``context`` fails, or None."""
    try:
        template.render(context)
    # Whatever it is, only its place is wanted: the error reported is the one met before.
    except Exception as exc:
        return template_line(exc)
    return None


def _miss_message(miss: Miss, lines: Sequence[str]) -> tuple[str, str]:
    """(code, message) for a variable path the context does not have."""
    near = _near(lines, miss.lineno)
    if miss.known is None:
        base, _, key = miss.written.rpartition(".")
        code = "check_list_member"
        return code, message(code, name=miss.written, base=base, key=key, near=near)
    hint = message("check_did_you_mean", suggestion=miss.suggestion) if miss.suggestion else ""
    code = "check_unknown_variable"
    return code, message(code, name=miss.written, hint=hint, near=near,
                         known=_known(miss.known))


def _paragraph_texts(root: Any) -> Iterator[str]:
    """The text of every paragraph (for parts without paragraphs: of every element)."""
    paragraphs = list(root.iter(f"{_W}p"))
    if not paragraphs:
        yield from (el.text for el in root.iter() if isinstance(el.tag, str) and el.text)
        return
    for paragraph in paragraphs:
        # Text boxes hold paragraphs inside paragraphs: each text belongs to its nearest one.
        yield "".join(t.text or "" for t in paragraph.iter(f"{_W}t")
                      if next(t.iterancestors(f"{_W}p"), None) is paragraph)


def _continued(texts: Sequence[str], start: int, closer: str) -> int | None:
    """The paragraph from ``start`` on where a tag left open goes on to close, or None.

    The tag's end must come before any other delimiter: a later ``}}`` that closes another
    tag does not close this one.
    """
    for index in range(start, len(texts)):
        first = _DELIMITER.search(texts[index])
        if first is None:
            continue
        return index if first.group() == closer else None
    return None


def _split_off(text: str, pattern: re.Pattern[str]) -> list[str]:
    """The pieces of ``text`` between the tags that ``pattern`` matches."""
    pieces, start = [], 0
    for tag in _TAG.finditer(text):
        if pattern.match(tag.group()):
            pieces.append(text[start: tag.start()].strip())
            start = tag.end()
    return [*pieces, text[start:].strip()]


def _unclosed(text: str) -> int | None:
    """Where a tag opens in ``text`` without closing in it, or None."""
    opened: int | None = None
    for match in _DELIMITER.finditer(text):
        token = match.group()
        if opened is None and token in _CLOSER:
            opened = match.start()
        elif opened is not None and token == _CLOSER[text[opened: opened + 2]]:
            opened = None
    return opened


def _innermost_open_block(env: Any, source: str) -> tuple[str, str, int] | None:
    """The innermost block (``if``, ``for``...) left open at the end: (name, tag, line)."""
    stack: list[tuple[str, str, int]] = []
    tag: list[str] = []
    start = 0
    for lineno, kind, value in env.lex(source):
        if kind == "block_begin":
            tag, start = [value], lineno
            continue
        if not tag:
            continue
        tag.append(value)
        if kind != "block_end":
            continue
        words = [v for v in tag[1:-1] if v.strip()]
        name = words[0] if words else ""
        text = re.sub(r"\s+", " ", "".join(tag)).strip()
        tag = []
        if name in _BLOCKS or (name == "set" and "=" not in words):
            stack.append((name, text, start))
        elif name.startswith("end") and stack and stack[-1][0] == name[3:]:
            stack.pop()
    return stack[-1] if stack else None


def _near(lines: Sequence[str], lineno: int | None) -> str:
    """``; paragraph: '...'`` with the text at a line of the patched part (or the nearest
    line before it with text), or "" when there is none."""
    text = _text_at(lines, lineno)
    return message("check_near", context=text) if text else ""


def _text_at(lines: Sequence[str], lineno: int | None) -> str:
    if not lineno:
        return ""
    for index in range(min(lineno, len(lines)) - 1, max(lineno - 4, 0) - 1, -1):
        text = re.sub(r"\s+", " ", re.sub(r"<[^>]+>", "", lines[index])).strip()
        if text:
            return _clip(text)
    return ""


def _broken_at(rendered: str, problem: str) -> tuple[str, str]:
    """Where rendered XML breaks: (lxml's message, the rendered text there).

    The finished XML is one line, so the rendering before its paragraphs are joined (one
    paragraph a line) is parsed again; when an element is left open, the text is taken from
    the line it opened on, which is where the template's block starts.
    """
    try:
        etree.fromstring(rendered.encode("utf-8"), _PARSER)
    except etree.XMLSyntaxError as exc:
        problem = exc.msg
        opened = re.search(r"mismatch: \S+ line (\d+) and", problem)
        lineno = int(opened.group(1)) if opened else exc.lineno
        return problem, _text_at(rendered.splitlines(), lineno)
    return problem, ""


def _clip(text: str) -> str:
    text = re.sub(r"\s+", " ", text).strip()
    return text if len(text) <= _CONTEXT_CHARS else text[: _CONTEXT_CHARS - 1] + "\u2026"


def _known(names: list[str]) -> str:
    shown = ", ".join(names[:_KNOWN_SHOWN])
    return shown + (", \u2026" if len(names) > _KNOWN_SHOWN else "")
