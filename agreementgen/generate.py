"""The pipeline's last steps: derive, build the context, render, and write the agreement."""

from __future__ import annotations

import dataclasses
import functools
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING, Any

from agreementgen._version import __version__
from agreementgen.api import Loaded, load_description
from agreementgen.clauses import Clause, packs
from agreementgen.context import agreement_context, word_writer
from agreementgen.errors import AgreementGenError, HealthError, OutputError, Problem, TemplateError
from agreementgen.health import Review, review
from agreementgen.i18n import DEFAULT_LANGUAGE, message
from agreementgen.templates import TemplateInfo, resolve
from agreementgen.translations import Untranslated
from agreementgen.writing import check_target, folder_for, write_atomic

if TYPE_CHECKING:
    from agreementgen.negotiation.merge import Merged
    from agreementgen.render.docx import CompiledTemplate

FORMATS = ("docx", "pdf", "md", "html")
#: Formats rendered from the built-in Markdown and HTML layouts, not from a Word template.
TEXT_FORMATS = ("md", "html")
#: Output suffixes that name a format other than by its own name.
_SUFFIX_FORMATS = {"markdown": "md", "htm": "html"}


@dataclass(frozen=True)
class Job:
    """One agreement to make: the same unit for ``generate`` (one job) and ``batch`` (many).

    Attributes:
        input: The description file.
        output: The file to write.
        template: A built-in or user template name, or a .docx path (None: by the kind).
        lang: Output language (None: the description's, else English).
        format: Output format, one of :data:`FORMATS`.
        force: Overwrite an existing output.
        template_dirs: Extra folders with user templates.
        strict: Refuse (HealthError) while partnership health warnings remain.
        health_annex: Add the partnership health checklist as an annex.
        prevailing: In a bilingual agreement, the language whose version prevails.
        clauses: Clause packs (``--clauses``): files, or folders of ``clauses.<lang>.yaml``,
            over the packs beside the template.
        keep_edits: An edited earlier draft whose edits the new agreement keeps (docx, pdf).
    """

    input: Path
    output: Path
    template: str | None = None
    lang: str | None = None
    format: str = "docx"
    force: bool = False
    template_dirs: tuple[Path, ...] = ()
    strict: bool = False
    health_annex: bool = False
    prevailing: str | None = None
    clauses: tuple[Path, ...] = ()
    keep_edits: Path | None = None


@dataclass(frozen=True)
class Generated:
    """What ``generate`` made.

    Attributes:
        output: The file written.
        template: The template used.
        language: The language of the agreement.
        clauses: The clauses derived, in document order.
        review: The partnership health review.
        untranslated: The text fields with no text in an output language, shown in another.
        warnings: What the description probably does not say as meant (a starter's
            placeholder left in, a list item split at a comma); see ``validate``.
        packs: (file, SHA-256) of each clause pack the agreement was made with.
        merged: What ``--keep-edits`` kept, and the conflicts (None without it).
    """

    output: Path
    template: TemplateInfo
    language: str
    clauses: list[Clause] = field(default_factory=list)
    review: Review | None = None
    untranslated: tuple[Untranslated, ...] = ()
    warnings: tuple[Problem, ...] = ()
    packs: tuple[tuple[str, str], ...] = ()
    merged: Merged | None = None


class TemplateCache:
    """The templates this process compiled, each once per file version.

    The key is the template file's resolved path and its modification time, so an edited
    template compiles again. A template's name (the file its error messages name) is not part
    of the key: it is set for each use, since ``batch`` names a user's template by its file
    name and ``generate`` by the path as given.
    """

    def __init__(self) -> None:
        self._compiled: dict[tuple[Path, float], CompiledTemplate] = {}
        self.hits = 0
        self.misses = 0

    def __call__(self, path: Path, name: str, mtime: float) -> CompiledTemplate:
        """The template at ``path`` (resolved), compiled on first use, named ``name``.

        Raises:
            TemplateError: The template cannot be opened or has a syntax error.
        """
        from agreementgen.render.docx import CompiledTemplate

        template = self._compiled.get((path, mtime))
        if template is None:
            self.misses += 1
            template = self._compiled[(path, mtime)] = CompiledTemplate(path, name)
        else:
            self.hits += 1
        template.name = name
        return template

    def cache_info(self) -> functools._CacheInfo:
        """Hits, misses and size, as :func:`functools.lru_cache` reports them."""
        return functools._CacheInfo(self.hits, self.misses, None, len(self._compiled))

    def cache_clear(self) -> None:
        """Forget every compiled template."""
        self._compiled.clear()
        self.hits = self.misses = 0


#: The compiled templates of this process.
compiled_template = TemplateCache()


def load_template(info: TemplateInfo) -> CompiledTemplate:
    """The compiled template for ``info``: compiled on first use, then reused by this process.

    Raises:
        TemplateError: The template cannot be opened or has a syntax error.
    """
    return compiled_template(info.path.resolve(), info.name, modified_time(info.path))


def language_of(loaded: Loaded, lang: str | None) -> str:
    """The output language: the one asked for, else the description's, else English."""
    return lang or loaded.description.agreement.language or DEFAULT_LANGUAGE


def render_docx(loaded: Loaded, info: TemplateInfo, lang: str, health: Review | None = None,
                health_annex: bool = False, prevailing: str | None = None,
                clause_packs: packs.PackSet | None = None) -> tuple[bytes, list[Clause]]:
    """Render a loaded description with a template into the bytes of a .docx.

    ``lang`` is one language, or two separated by a comma for a bilingual agreement whose
    ``prevailing`` language (default: the first) prevails. ``clause_packs`` are the clause
    packs (default: those of the job being made), whose texts render in the guarded worker.
    """
    clause_packs = packs.active() if clause_packs is None else clause_packs
    from agreementgen.negotiation.wordtext import digest
    from agreementgen.render.docx import DOCUMENT, NUMBERING, STYLES
    from agreementgen.render.guard import run_in_worker, under_guard
    from agreementgen.render.numbering import NumberingAllocator

    if (not info.builtin or clause_packs.packs) and not under_guard():
        # A user's template is code from elsewhere: it opens, compiles and renders in this
        # process's guarded worker, with a time limit per document and a memory limit; the
        # worker keeps it compiled for the next document. Messages name its file.
        named = dataclasses.replace(info, name=str(info.path))
        return run_in_worker(render_docx, loaded, named, lang, health, health_annex,
                             prevailing, clause_packs, label=str(info.path) if not info.builtin
                             else clause_packs.label)
    packs.activate(clause_packs)
    from agreementgen.render.untranslated import with_document_language

    # Messages about a user's template name its file as given (batch's check before the first
    # document names it by its file name).
    template = load_template(info if info.builtin
                             else dataclasses.replace(info, name=str(info.path)))
    numbering = NumberingAllocator(template.member(NUMBERING))
    writer = word_writer(numbering)
    langs = lang.split(",")
    # Each language's text of every field; text with no translation carries a mark that the
    # Word part shows as highlighted text in its own language.
    descriptions = [loaded.description_in(one, marked=True) for one in langs]
    if len(langs) > 1:
        from agreementgen.render.bilingual import bilingual_context

        context, clauses = bilingual_context(descriptions, langs, writer, health,
                                             health_annex, prevailing)
    else:
        context, clauses = agreement_context(descriptions[0], lang, writer, health,
                                             health_annex)

    def patched(original: bytes) -> bytes:
        return numbering.patched_numbering_xml() or original

    def styles(original: bytes) -> bytes:
        return with_document_language(original, langs[0])

    def manifest(members: Mapping[str, bytes], rendered: Mapping[str, bytes],
                 trees: Mapping[str, Any]) -> Mapping[str, bytes]:
        from agreementgen.negotiation.manifest import Manifest, generated_clauses, with_manifest

        clauses, outside = generated_clauses(trees[DOCUMENT], tuple(langs))
        found = Manifest(__version__, digest(loaded.source.text), template.sha256, tuple(langs),
                         clauses, outside)
        return with_manifest(members, rendered, found)

    data = template.render(context, {NUMBERING: patched, STYLES: styles}, manifest)
    return data, clauses


def render_text(loaded: Loaded, fmt: str, lang: str, health: Review | None = None,
                health_annex: bool = False,
                sections: list[str] | None = None) -> tuple[bytes, list[Clause]]:
    """Render a loaded description as a Markdown or HTML review copy (UTF-8 bytes).

    The context is the one the Word output gets, built with a writer for ``fmt``; ``sections``
    (a template manifest's) limits the articles to those the Word template shows.
    """
    from agreementgen.context import html_writer, markdown_writer
    from agreementgen.render.text import render_page

    writer = markdown_writer() if fmt == "md" else html_writer()
    context, clauses = agreement_context(loaded.description_in(lang), lang, writer, health,
                                         health_annex)
    return render_page(fmt, context, sections).encode("utf-8"), clauses


def layout_info(fmt: str) -> TemplateInfo:
    """The built-in layout of a text format, described as a template for :class:`Generated`."""
    from agreementgen.render.text import LAYOUT_FILES, LAYOUTS

    path = LAYOUTS / LAYOUT_FILES[fmt]
    return TemplateInfo(path.name.removesuffix(".j2"), path, True, {})


def _format_error(code: str, place: str, fmt: str) -> AgreementGenError:
    text = message(code, format=fmt, known=", ".join(FORMATS))
    if code == "template_not_for_format":
        return TemplateError(text, [Problem(place, text, code=code)])
    return OutputError(text, [Problem(place, text, code=code)])


def modified_time(path: Path) -> float:
    """A file's modification time (0 when it cannot be read): a key that changes with it."""
    try:
        return path.stat().st_mtime
    except OSError:
        return 0.0


def default_output(source: Path, suffix: str = ".docx") -> Path:
    """Where the agreement goes when no -o is given: the input's name, in the current folder."""
    return Path(source.stem + suffix)


def refuse_unfinished(loaded: Loaded, health: Review, lang: str,
                      warnings: Sequence[Problem] = ()) -> None:
    """Refuse (``--strict``) a description with health warnings, open points, texts with no
    version in an output language (``lang`` may name two, "en,nl"), or warnings about the
    description itself (``warnings``, e.g. a placeholder left in); every one is listed.

    Raises:
        HealthError: Health warnings remain, the agreement would hold open points, or a
            text has no version in an output language.
    """
    from babel import Locale

    from agreementgen.clauses import derive, open_points

    first = lang.split(",")[0]
    name = loaded.source.name
    reasons: list[str] = []
    problems: list[Problem] = []
    if health.warnings:
        reasons.append(message("health_strict", count=len(health.warnings)))
        problems += [Problem(name, f"{w.rule}: {w.message}", w.path, w.line, code=w.rule)
                     for w in health.warnings]
    points = open_points(derive(loaded.description_in(first), first))
    if points:
        reasons.append(message("open_points_strict", count=len(points)))
        problems += [Problem(name, message("open_point", clause=p.number, id=p.clause,
                                           text=p.text), code="open_point") for p in points]
    for one in lang.split(","):
        missing = loaded.untranslated(one)
        if missing:
            names = Locale.parse("en").languages
            reasons.append(message("untranslated_strict", count=len(missing),
                                   language=names[one]))
            problems += [Problem(name, message("untranslated_field", language=names[one],
                                               shown=names[m.shown_in], code=one),
                                 m.path, m.line, code="untranslated") for m in missing]
    if warnings:
        reasons.append(message("warnings_strict", count=len(warnings)))
        problems += warnings
    if reasons:
        raise HealthError(message("strict_refused", reasons="; ".join(reasons)), problems)


@packs.scoped
def run_job(job: Job) -> Generated:
    """Make one agreement: load, validate, review, derive, render, and write it atomically.

    Raises:
        AgreementGenError: For any problem with the input, the template or the output; nothing
            is written then.
    """
    if job.format not in FORMATS:
        raise _format_error("format_unknown", str(job.output), job.format)
    check_target(job.output, job.force, make_folder=True)
    if job.format == "pdf":
        from agreementgen.render.pdf import prepare

        prepare()  # LibreOffice starts while the agreement is made
    edited = None
    if job.keep_edits is not None:
        if job.format in TEXT_FORMATS:
            text = message("keep_edits_format", format=job.format)
            raise OutputError(text, [Problem(str(job.output), text, code="keep_edits_format")])
        from agreementgen.negotiation.edits import read_agreement

        edited = read_agreement(job.keep_edits)
    merged = None
    loaded = load_description(job.input)
    language = language_of(loaded, job.lang)
    packs.activate(packs.job_packs(None if job.format in TEXT_FORMATS else job.template,
                                   job.template_dirs, str(loaded.description.agreement.kind),
                                   job.clauses, language.split(",")))
    health = review(loaded, language.split(",")[0])
    from agreementgen.validation import check_warnings

    warnings = tuple(check_warnings(loaded.source))
    if job.strict:
        refuse_unfinished(loaded, health, language, warnings)
    if job.format in TEXT_FORMATS:
        if job.template:
            raise _format_error("template_not_for_format", job.template, job.format)
        if "," in language:
            raise _format_error("bilingual_not_for_format", str(job.output), job.format)
        shape = resolve(None, str(loaded.description.agreement.kind), list(job.template_dirs))
        data, clauses = render_text(loaded, job.format, language, health, job.health_annex,
                                    shape.manifest.get("sections"))
        info = layout_info(job.format)
    else:
        info = resolve(job.template, str(loaded.description.agreement.kind),
                       list(job.template_dirs))
        data, clauses = render_docx(loaded, info, language, health, job.health_annex,
                                    job.prevailing)
        if edited is not None:
            from agreementgen.negotiation.merge import keep_edits

            merged = keep_edits(data, edited, language.split(",")[0])
            if job.strict and merged.conflicts:
                ids = ", ".join(k[0] for k in merged.conflicts)
                text = message("keep_edits_strict", ids=ids)
                raise HealthError(text, [Problem(str(job.keep_edits), text, code="conflict")])
            data = merged.data
        if job.format == "pdf":
            from agreementgen.render.pdf import docx_to_pdf

            data = docx_to_pdf(data, name=str(job.output))
    with folder_for(job.output):
        write_atomic(job.output, data, replace=job.force)
    untranslated = tuple(m for one in language.split(",") for m in loaded.untranslated(one))
    return Generated(job.output, info, language, clauses, health, untranslated, warnings,
                     packs.active().digests, merged)


def generate(path: str | Path, output: str | Path | None = None, *, template: str | None = None,
             lang: str | None = None, format: str | None = None, force: bool = False,
             template_dirs: list[Path] | None = None, strict: bool = False,
             health_annex: bool = False, prevailing: str | None = None,
             clauses: Sequence[Path] = (), keep_edits: str | Path | None = None) -> Generated:
    """Validate a description and write its agreement.

    Args:
        path: The description file.
        output: The file to write (default: the input's name in the current folder).
        template: A built-in or user template name, or a .docx path.
        lang: Output language (default: the description's ``agreement.language``, else en).
        format: Output format (default: from the output's suffix; docx for a name without
            one; a suffix that names no format is refused).
        force: Overwrite an existing output (a regular file; nothing else is replaced).
        template_dirs: Extra folders with user templates.
        strict: Refuse (HealthError) while partnership health warnings remain.
        health_annex: Add the partnership health checklist as an annex.
        prevailing: In a bilingual agreement (``lang="en,nl"``), the language that prevails.
        clauses: Clause packs: files (``acme.nl.yaml``) or folders of ``clauses.<lang>.yaml``,
            over the packs beside the template.
        keep_edits: An edited earlier draft (.docx from agreementgen): keep its lawyers'
            edits, clause by clause (see :mod:`agreementgen.negotiation.merge`).

    Raises:
        AgreementGenError: For any problem with the input, the template or the output; nothing
            is written then.
    """
    fmt = target_format(output, format)
    target = Path(output) if output else default_output(Path(path), f".{fmt}")
    return run_job(Job(Path(path), target, template, lang, fmt, force, tuple(template_dirs or ()),
                       strict, health_annex, prevailing, clauses=tuple(clauses),
                       keep_edits=Path(keep_edits) if keep_edits else None))


def target_format(output: str | Path | None, format: str | None = None) -> str:
    """The format to write: ``format`` when given, else the one the output's suffix names.

    A name without a suffix (or no name) gets docx.

    Raises:
        OutputError: The suffix names no format and no ``format`` says what to write.
    """
    if format:
        return format
    suffix = Path(output).suffix if output else ""
    if suffix and suffix.lower().lstrip(".") not in (*FORMATS, *_SUFFIX_FORMATS):
        known = [f".{name}" for fmt in FORMATS
                 for name in (fmt, *(s for s, f in _SUFFIX_FORMATS.items() if f == fmt))]
        text = message("output_suffix_unknown", suffix=suffix, known=", ".join(known))
        raise OutputError(text, [Problem(str(output), text, code="output_suffix_unknown")])
    return output_format(output)


def output_format(output: str | Path | None) -> str:
    """The format an output name asks for by its suffix; docx when it names none we know."""
    suffix = Path(output).suffix.lower().lstrip(".") if output else ""
    suffix = _SUFFIX_FORMATS.get(suffix, suffix)
    return suffix if suffix in FORMATS else "docx"
