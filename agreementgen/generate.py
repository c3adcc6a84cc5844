"""The pipeline's last steps: derive, build the context, render, and write the agreement."""

from __future__ import annotations

import functools
from dataclasses import dataclass, field
from pathlib import Path

from agreementgen.api import Loaded, load_description
from agreementgen.clauses import Clause, derive, facts
from agreementgen.context import build_context, word_writer
from agreementgen.errors import HealthError, Problem
from agreementgen.health import Review, review
from agreementgen.i18n import DEFAULT_LANGUAGE, message
from agreementgen.templates import TemplateInfo, resolve
from agreementgen.writing import check_target, write_atomic

FORMATS = ("docx",)


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


@dataclass(frozen=True)
class Generated:
    """What ``generate`` made.

    Attributes:
        output: The file written.
        template: The template used.
        language: The language of the agreement.
        clauses: The clauses derived, in document order.
    """

    output: Path
    template: TemplateInfo
    language: str
    clauses: list[Clause] = field(default_factory=list)
    review: Review | None = None


@functools.cache
def compiled_template(path: Path, name: str, mtime: float) -> object:
    """A template compiled once per process (``mtime`` makes an edited template recompile)."""
    from agreementgen.render.docx import CompiledTemplate

    return CompiledTemplate(path, name)


def language_of(loaded: Loaded, lang: str | None) -> str:
    """The output language: the one asked for, else the description's, else English."""
    return lang or loaded.description.agreement.language or DEFAULT_LANGUAGE


def render_docx(loaded: Loaded, info: TemplateInfo, lang: str, health: Review | None = None,
                health_annex: bool = False,
                prevailing: str | None = None) -> tuple[bytes, list[Clause]]:
    """Render a loaded description with a template into the bytes of a .docx.

    ``lang`` is one language, or two separated by a comma for a bilingual agreement whose
    ``prevailing`` language (default: the first) prevails.
    """
    from agreementgen.render.docx import NUMBERING, CompiledTemplate
    from agreementgen.render.wordml import NumberingAllocator

    template = compiled_template(info.path.resolve(), info.name, _mtime(info.path))
    assert isinstance(template, CompiledTemplate)
    numbering = NumberingAllocator(template.member(NUMBERING))
    writer = word_writer(numbering)
    langs = lang.split(",")
    if len(langs) > 1:
        from agreementgen.render.bilingual import bilingual_context

        context, clauses = bilingual_context(loaded.description, langs, writer, health,
                                             health_annex, prevailing)
    else:
        shared = facts(loaded.description, lang)
        clauses = derive(loaded.description, lang, shared)
        context = build_context(loaded.description, lang, writer, clauses, shared,
                                review=health, health_annex=health_annex)

    def patched(original: bytes) -> bytes:
        return numbering.patched_numbering_xml() or original

    return template.render(context, {NUMBERING: patched}), clauses


def _mtime(path: Path) -> float:
    try:
        return path.stat().st_mtime
    except OSError:
        return 0.0


def default_output(source: Path, suffix: str = ".docx") -> Path:
    """Where the agreement goes when no -o is given: the input's name, in the current folder."""
    return Path(source.stem + suffix)


def run_job(job: Job) -> Generated:
    """Make one agreement: load, validate, review, derive, render, and write it atomically.

    Raises:
        AgreementGenError: For any problem with the input, the template or the output; nothing
            is written then.
    """
    check_target(job.output, job.force)
    loaded = load_description(job.input)
    language = language_of(loaded, job.lang)
    health = review(loaded, language.split(",")[0])
    if job.strict and health.warnings:
        text = message("health_strict", count=len(health.warnings))
        problems = [Problem(loaded.source.name, f"{w.rule}: {w.message}", w.path, w.line, code=w.rule)
                    for w in health.warnings]
        raise HealthError(text, problems)
    info = resolve(job.template, str(loaded.description.agreement.kind), list(job.template_dirs))
    data, clauses = render_docx(loaded, info, language, health, job.health_annex,
                                job.prevailing)
    write_atomic(job.output, data)
    return Generated(job.output, info, language, clauses, health)


def generate(path: str | Path, output: str | Path | None = None, *, template: str | None = None,
             lang: str | None = None, format: str | None = None, force: bool = False,
             template_dirs: list[Path] | None = None, strict: bool = False,
             health_annex: bool = False, prevailing: str | None = None) -> Generated:
    """Validate a description and write its agreement.

    Args:
        path: The description file.
        output: The file to write (default: the input's name in the current folder).
        template: A built-in or user template name, or a .docx path.
        lang: Output language (default: the description's ``agreement.language``, else en).
        format: Output format (default: from the output's suffix, else docx).
        force: Overwrite an existing output.
        template_dirs: Extra folders with user templates.
        strict: Refuse (HealthError) while partnership health warnings remain.
        health_annex: Add the partnership health checklist as an annex.
        prevailing: In a bilingual agreement (``lang="en,nl"``), the language that prevails.

    Raises:
        AgreementGenError: For any problem with the input, the template or the output; nothing
            is written then.
    """
    fmt = format or output_format(output)
    target = Path(output) if output else default_output(Path(path), f".{fmt}")
    return run_job(Job(Path(path), target, template, lang, fmt, force, tuple(template_dirs or ()),
                       strict, health_annex, prevailing))


def output_format(output: str | Path | None) -> str:
    """The format an output name asks for by its suffix; docx when it names none we know."""
    suffix = Path(output).suffix.lower().lstrip(".") if output else ""
    return suffix if suffix in FORMATS else "docx"
