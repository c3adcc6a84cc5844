"""The pipeline's last steps: derive, build the context, render, and write the agreement."""

from __future__ import annotations

import functools
from dataclasses import dataclass, field
from pathlib import Path

from agreementgen.api import Loaded, load_description
from agreementgen.clauses import Clause, derive
from agreementgen.context import build_context, word_writer
from agreementgen.errors import HealthError, Problem
from agreementgen.health import Review, review
from agreementgen.i18n import DEFAULT_LANGUAGE, message
from agreementgen.templates import TemplateInfo, resolve
from agreementgen.writing import check_target, write_atomic


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


def render_docx(loaded: Loaded, info: TemplateInfo, lang: str) -> tuple[bytes, list[Clause]]:
    """Render a loaded description with a template into the bytes of a .docx."""
    from agreementgen.render.docx import NUMBERING, CompiledTemplate
    from agreementgen.render.wordml import NumberingAllocator

    template = compiled_template(info.path.resolve(), info.name, _mtime(info.path))
    assert isinstance(template, CompiledTemplate)
    numbering = NumberingAllocator(template.member(NUMBERING))
    clauses = derive(loaded.description, lang)
    context = build_context(loaded.description, lang, word_writer(numbering), clauses)

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


def generate(path: str | Path, output: str | Path | None = None, *, template: str | None = None,
             lang: str | None = None, force: bool = False,
             template_dirs: list[Path] | None = None, strict: bool = False) -> Generated:
    """Validate a description and write its agreement as a Word document.

    Args:
        path: The description file.
        output: The .docx to write (default: the input's name in the current folder).
        template: A built-in or user template name, or a .docx path.
        lang: Output language (default: the description's ``agreement.language``, else en).
        force: Overwrite an existing output.
        template_dirs: Extra folders with user templates.
        strict: Refuse (HealthError) while partnership health warnings remain.

    Raises:
        AgreementGenError: For any problem with the input, the template or the output; nothing
            is written then.
    """
    target = Path(output) if output else default_output(Path(path))
    check_target(target, force)
    loaded = load_description(path)
    language = language_of(loaded, lang)
    health = review(loaded, language)
    if strict and health.warnings:
        text = message("health_strict", count=len(health.warnings))
        problems = [Problem(loaded.source.name, f"{w.rule}: {w.message}", w.path, w.line, code=w.rule)
                    for w in health.warnings]
        raise HealthError(text, problems)
    info = resolve(template, str(loaded.description.agreement.kind), template_dirs)
    data, clauses = render_docx(loaded, info, language)
    write_atomic(target, data)
    return Generated(target, info, language, clauses, health)
