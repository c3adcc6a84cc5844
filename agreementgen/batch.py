"""Many agreements in one run: one Job per description, spread over processes, with a manifest.

Each description becomes a :class:`~agreementgen.generate.Job` that goes through the same
:func:`~agreementgen.generate.run_job` as ``generate``. Every worker process compiles the template
once and reuses it; a description that fails is recorded with its problems and the others are
still made.

The manifest is kept as the batch goes, so a batch that stops half-way can be run again: an
agreement whose description, template and tool are what the manifest recorded, and whose file is
still the one the batch wrote, is up to date and is not made again.
"""

from __future__ import annotations

import concurrent.futures
import contextlib
import functools
import gc
import hashlib
import json
import multiprocessing
import os
import re
import stat
import time
import unicodedata
from collections.abc import Callable, Iterable, Mapping, Sequence
from concurrent.futures.process import BrokenProcessPool
from dataclasses import dataclass, field, replace
from enum import StrEnum
from pathlib import Path
from typing import Any

from agreementgen._version import __version__
from agreementgen.errors import AgreementGenError, InputError, OutputError, Problem
from agreementgen.generate import (
    TEXT_FORMATS,
    Job,
    layout_info,
    load_template,
    modified_time,
    run_job,
)
from agreementgen.i18n import message
from agreementgen.loading import SUFFIXES
from agreementgen.templates import DEFAULT_FOR_KIND, TemplateInfo, resolve
from agreementgen.translations import Untranslated
from agreementgen.writing import write_atomic

MANIFEST_FILE = "manifest.json"
#: Longest output name in UTF-8 bytes before its suffix, well under the usual 255-byte limit.
MAX_NAME_BYTES = 200
DEFAULT_NAME = "agreement"
#: JSON Schema files (``init`` writes agreementgen.schema.json beside a description): not inputs.
SCHEMA_SUFFIX = ".schema.json"
#: The manifest is written again once this many times the last write's cost has passed, so
#: keeping it current costs the batch at most about 1/20 of its time.
MANIFEST_QUIET_FACTOR = 20

_UNSAFE = re.compile(r'[/\\:*?"<>|]+')
_DOTS = re.compile(r"\.{2,}")
# Names Windows reserves for devices, with or without an extension.
_RESERVED = re.compile(r"^(con|prn|aux|nul|com[0-9]|lpt[0-9])(\..*)?$", re.IGNORECASE)


class Status(StrEnum):
    """What became of one description, as the manifest says it."""

    #: The agreement was written by this run.
    MADE = "made"
    #: The agreement an earlier run wrote is still what this run would write: it was kept.
    UP_TO_DATE = "up_to_date"
    #: The agreement was not made; ``error`` says why.
    FAILED = "failed"
    #: Not made yet: the batch is making it, or stopped before it did.
    PENDING = "pending"


@dataclass(frozen=True)
class Options:
    """The choices of a batch that shape every agreement it makes (recorded per agreement)."""

    template: str | None = None
    lang: str | None = None
    format: str = "docx"
    health_annex: bool = False
    prevailing: str | None = None

    @classmethod
    def of(cls, job: Job) -> Options:
        """The options a job was made with."""
        return cls(job.template, job.lang, job.format, job.health_annex, job.prevailing)

    def as_dict(self) -> dict[str, Any]:
        """The options as the manifest records them."""
        return {"template": self.template, "lang": self.lang, "format": self.format,
                "health_annex": self.health_annex, "prevailing": self.prevailing}


@dataclass(frozen=True)
class Made:
    """An agreement a batch wrote earlier, as its manifest records it.

    Attributes:
        input: The description file it was made from, as then named.
        output: The file written.
        output_sha256: The SHA-256 of the file as written: a file that differs is not the batch's.
        input_sha256: The SHA-256 of the description it was made from.
        template: The name of the template used.
        template_sha256: The SHA-256 of the template file used.
        tool_version: The agreementgen that made it.
        schema_version: The description format version it was read with.
        options: The batch's options (:meth:`Options.as_dict`).
        language: The language of the agreement.
        warnings: The rule ids of the partnership health warnings.
        packs: (file, SHA-256) of each clause pack it was made with.
    """

    input: str
    output: str
    output_sha256: str
    input_sha256: str | None = None
    template: str | None = None
    template_sha256: str | None = None
    tool_version: str | None = None
    schema_version: int | None = None
    options: Mapping[str, Any] | None = None
    language: str | None = None
    warnings: tuple[str, ...] = ()
    packs: tuple[tuple[str, str], ...] = ()

    @classmethod
    def from_entry(cls, entry: Any) -> Made | None:
        """The record of a manifest entry, or None when it does not record a written file."""
        if not isinstance(entry, dict):
            return None
        fields = {"input": str, "output": str, "output_sha256": str, "input_sha256": str,
                  "template": str, "template_sha256": str, "tool_version": str,
                  "schema_version": int, "options": dict, "language": str}
        if not all(entry.get(name) is None or isinstance(entry[name], kind)
                   for name, kind in fields.items()):
            return None
        rules = entry.get("health_rules") or []
        if not isinstance(rules, list) or not all(isinstance(r, str) for r in rules):
            return None
        if not (entry.get("input") and entry.get("output") and entry.get("output_sha256")):
            return None
        packs = _read_packs(entry.get("clause_packs"))
        if packs is None:
            return None
        return cls(entry["input"], entry["output"], entry["output_sha256"],
                   entry.get("input_sha256"), entry.get("template"),
                   entry.get("template_sha256"), entry.get("tool_version"),
                   entry.get("schema_version"), entry.get("options"), entry.get("language"),
                   tuple(rules), packs)

    @property
    def name(self) -> str:
        """The output's file name, by which a later run finds the record."""
        return Path(self.output).name

    def as_dict(self) -> dict[str, Any]:
        """The record as a manifest entry (status ``made``)."""
        return {
            "input": self.input,
            "input_sha256": self.input_sha256,
            "output": self.output,
            "output_sha256": self.output_sha256,
            "status": str(Status.MADE),
            "template": self.template,
            "template_sha256": self.template_sha256,
            "schema_version": self.schema_version,
            "tool_version": self.tool_version,
            "options": dict(self.options) if self.options is not None else None,
            "language": self.language,
            "health_warnings": len(self.warnings),
            "health_rules": list(self.warnings),
            "clause_packs": _packs_json(self.packs),
        }


def _packs_json(packs: Sequence[tuple[str, str]]) -> list[dict[str, str]]:
    """The clause packs of an agreement as its manifest entry lists them."""
    return [{"file": file, "sha256": digest} for file, digest in packs]


def _read_packs(entries: Any) -> tuple[tuple[str, str], ...] | None:
    """The clause packs a manifest entry lists (none when it lists none); None when the
    entry is not agreementgen's."""
    if entries is None:
        return ()
    if not isinstance(entries, list) or not all(
            isinstance(e, dict) and isinstance(e.get("file"), str)
            and isinstance(e.get("sha256"), str) for e in entries):
        return None
    return tuple((e["file"], e["sha256"]) for e in entries)


@dataclass(frozen=True)
class Outcome:
    """What became of one description in a batch.

    Attributes:
        input: The description file, as the user named it (or as found in a folder).
        output: The file written, or that would have been written.
        status: Made, up to date, failed, or (while the batch runs) pending.
        input_sha256: The SHA-256 of the description file, when it could be read.
        template: The name of the template used, when the agreement was made.
        template_sha256: The SHA-256 of the template file, when the agreement was made.
        language: The language of the agreement, when it was made.
        warnings: The rule ids of the partnership health warnings, in rule order.
        error: What went wrong, when the agreement was not made.
        problems: The individual problems, each with its place.
        output_sha256: The SHA-256 of the file written, when the agreement was made.
        options: The options it was made with.
        previous: An agreement of an earlier run still at ``output``, when this one is not made
            (yet): what the folder holds there meanwhile.
        notices: For an agreement made now: the warnings about its description (a placeholder
            left in, a list item split at a comma).
        untranslated: For an agreement made now: its texts with no version in an output
            language, shown in another.
        packs: (file, SHA-256) of each clause pack the agreement was made with.
    """

    input: Path
    output: Path
    status: Status
    input_sha256: str | None = None
    template: str | None = None
    template_sha256: str | None = None
    language: str | None = None
    warnings: tuple[str, ...] = ()
    error: str | None = None
    problems: tuple[Problem, ...] = ()
    output_sha256: str | None = None
    options: Options = Options()
    previous: Made | None = None
    notices: tuple[Problem, ...] = ()
    untranslated: tuple[Untranslated, ...] = ()
    packs: tuple[tuple[str, str], ...] = ()

    @property
    def made(self) -> bool:
        """Whether this run wrote the agreement."""
        return self.status is Status.MADE

    @property
    def up_to_date(self) -> bool:
        """Whether the agreement an earlier run wrote was kept, as still current."""
        return self.status is Status.UP_TO_DATE

    @property
    def exists(self) -> bool:
        """Whether the agreement is in the output folder (made now or kept)."""
        return self.status in (Status.MADE, Status.UP_TO_DATE)

    def as_dict(self) -> dict[str, Any]:
        """The outcome as a manifest entry, with stable keys."""
        failed = self.status is Status.FAILED
        return {
            "input": str(self.input),
            "input_sha256": self.input_sha256,
            # A pending entry names the file being made, so a run after a crash knows it.
            "output": None if failed else str(self.output),
            "output_sha256": self.output_sha256,
            "status": str(self.status),
            "template": self.template,
            "template_sha256": self.template_sha256,
            "schema_version": _schema_version(),
            "tool_version": __version__,
            "options": self.options.as_dict(),
            "language": self.language,
            "health_warnings": len(self.warnings),
            "health_rules": list(self.warnings),
            "untranslated": [{"path": u.path, "line": u.line, "lang": u.lang,
                              "shown_in": u.shown_in} for u in self.untranslated],
            "error": {
                "message": self.error,
                "problems": [p.as_dict() for p in self.problems],
            } if failed else None,
            "previous": self.previous.as_dict() if self.previous else None,
            "clause_packs": _packs_json(self.packs),
        }


@dataclass(frozen=True)
class Pending:
    """A manifest entry of an agreement a batch was making when it stopped."""

    input: str
    previous: Made | None


@dataclass(frozen=True)
class BatchResult:
    """What a batch made, in the order of its inputs.

    Attributes:
        outcomes: One outcome per description, in input order.
        manifest: The manifest file written into the output folder.
        earlier: Agreements of earlier runs in the output folder that this run did not touch.
    """

    outcomes: list[Outcome] = field(default_factory=list)
    manifest: Path | None = None
    earlier: list[Made] = field(default_factory=list)

    @property
    def made(self) -> int:
        """How many agreements were written."""
        return sum(o.made for o in self.outcomes)

    @property
    def up_to_date(self) -> int:
        """How many agreements of an earlier run were kept, as still current."""
        return sum(o.up_to_date for o in self.outcomes)

    @property
    def failed(self) -> list[Outcome]:
        """The descriptions whose agreement was not made."""
        return [o for o in self.outcomes if not o.exists]

    @property
    def warnings(self) -> int:
        """The partnership health warnings over the agreements made or kept."""
        return sum(len(o.warnings) for o in self.outcomes if o.exists)


def find_inputs(paths: Iterable[str | Path], exclude: Iterable[Path] = ()) -> list[Path]:
    """The description files named, with folders replaced by the descriptions in them.

    A folder gives its ``.yaml``, ``.yml``, ``.json`` and ``.toml`` files (not those of its
    subfolders, nor hidden ones, nor JSON Schema files ``*.schema.json`` such as the one
    ``init`` writes beside a description), sorted by name. A file named twice counts once, at
    its first place. A file that does not exist is kept, so the batch reports it as failed.

    Args:
        paths: Files and folders, in the order the user gave them.
        exclude: Files never taken from a folder (the batch's own manifest).
    """
    skipped = {_identity(p) for p in exclude}
    found: list[Path] = []
    seen: set[Path] = set()
    for raw in paths:
        path = Path(raw)
        if path.is_dir():
            candidates = [c for c in sorted(path.iterdir(), key=lambda c: c.name)
                          if _is_description(c) and _identity(c) not in skipped]
        else:
            candidates = [path]
        for candidate in candidates:
            key = _identity(candidate)
            if key not in seen:
                seen.add(key)
                found.append(candidate)
    return found


def _is_description(path: Path) -> bool:
    """Whether a file found in a folder is taken as a description (as the pre-commit hook does)."""
    name = path.name.lower()
    return (path.is_file() and path.suffix.lower() in SUFFIXES and not name.startswith(".")
            and not name.endswith(SCHEMA_SUFFIX))


def _identity(path: Path) -> Path:
    try:
        return path.resolve()
    except OSError:
        return path.absolute()


def safe_name(stem: str) -> str:
    """A file name (without suffix) made from ``stem`` that stays inside its folder on any system.

    Control and invisible formatting characters are dropped; path separators and characters
    Windows forbids become ``-``; runs of dots become one dot; leading and trailing dots and
    spaces go; device names such as ``CON`` get a ``_``; long names are cut.
    """
    text = unicodedata.normalize("NFC", stem)
    text = "".join(c for c in text if unicodedata.category(c) not in ("Cc", "Cf", "Cs", "Co"))
    text = _UNSAFE.sub("-", text)
    text = _DOTS.sub(".", text).strip(". ")
    if _RESERVED.match(text):
        text += "_"
    while len(text.encode("utf-8")) > MAX_NAME_BYTES:
        text = text[:-1]
    return text.rstrip(". ") or DEFAULT_NAME


def output_names(inputs: Sequence[Path], suffix: str) -> list[str]:
    """One safe, distinct output file name per input, in input order.

    Names are compared without regard to case, as Windows and macOS do. A name already taken
    gets ``-2``, ``-3``, ... in input order, so the same inputs always get the same names.
    """
    taken: set[str] = set()
    names = []
    for path in inputs:
        base = safe_name(path.stem)
        name, number = base, 1
        while f"{name}{suffix}".casefold() in taken:
            number += 1
            name = f"{base}-{number}"
        taken.add(f"{name}{suffix}".casefold())
        names.append(f"{name}{suffix}")
    return names


def plan(inputs: Sequence[Path], out_dir: Path, *, template: str | None = None,
         lang: str | None = None, format: str = "docx", force: bool = False,
         template_dirs: Sequence[Path] = (), health_annex: bool = False,
         prevailing: str | None = None, clauses: Sequence[Path] = ()) -> list[Job]:
    """The jobs of a batch: one per input, each writing a safely named file into ``out_dir``."""
    names = output_names(inputs, f".{format}")
    return [Job(path, out_dir / name, template, lang, format, force, tuple(template_dirs),
                health_annex=health_annex, prevailing=prevailing, clauses=tuple(clauses))
            for path, name in zip(inputs, names, strict=True)]


def warm(template: str | None, template_dirs: Sequence[Path] = (),
         format: str = "docx") -> list[TemplateInfo]:
    """Find every Word template the batch may use, and compile the one it names.

    With a built-in ``template``, that template is compiled here, once, before any worker
    starts (forked workers inherit it). A user's template is compiled only inside the render
    guard: once here, in this process's guarded worker, so that a broken one stops the batch
    before any document, and then once in each worker's own guarded worker, which keeps it
    for every document it renders. Without ``template``, each agreement kind's default is only
    found: a worker compiles the ones its documents need when it first meets them. The text
    formats (Markdown, HTML) use no Word template.

    Returns:
        The built-in templates compiled here.

    Raises:
        TemplateError: A template cannot be found, opened or compiled.
        LimitExceeded: Compiling a user's template ran out of time or memory.
    """
    if format in TEXT_FORMATS:
        return []
    kinds = [""] if template is not None else sorted(DEFAULT_FOR_KIND)
    infos: dict[Path, TemplateInfo] = {}
    for kind in kinds:
        info = resolve(template, kind, list(template_dirs))
        infos.setdefault(info.path, info)
    if template is None:
        return []
    for info in infos.values():
        if info.builtin:
            load_template(info)
        else:
            from agreementgen.render.guard import run_in_worker

            run_in_worker(_compile, info, label=str(info.path))
    return [info for info in infos.values() if info.builtin]


def _compile(info: TemplateInfo) -> None:
    """Compile a template (in the guarded worker, which keeps it)."""
    load_template(info)


def _settle() -> None:
    """Keep what is loaded so far (modules, compiled templates, texts) out of the garbage
    collector's way: a long batch would otherwise scan it again and again."""
    gc.collect()
    gc.freeze()


def _init_worker(templates: Sequence[TemplateInfo]) -> None:
    """Runs once in each worker process: compile the templates before the first document."""
    for info in templates:
        # A job that needs a broken template reports the error itself.
        with contextlib.suppress(AgreementGenError):
            load_template(info)
    _settle()


def make_one(job: Job) -> Outcome:
    """Make one agreement of a batch; a failure becomes an outcome, never an exception.

    A Word agreement from a user's template, or with clause packs (``--clauses``), is made
    whole in this process's guarded worker (:func:`~agreementgen.render.guard.run_in_worker`),
    which keeps the compiled template and the clause texts from one document to the next: a
    document that runs out of time or memory fails, its worker is replaced, and the next
    document goes on in a new one. (Made here, its rendering would go to the worker anyway,
    with the whole loaded description sent along.)
    """
    label = None
    if job.format == "docx":
        label = _user_template(job.template, job.template_dirs) or \
            (", ".join(str(c) for c in job.clauses) if job.clauses else None)
    if label is None:
        return _make_here(job)
    from agreementgen.render.guard import run_in_worker

    try:
        return run_in_worker(_make_here, job, guarded=True, label=label)
    except AgreementGenError as exc:
        return Outcome(job.input, job.output, Status.FAILED, _file_sha256(job.input),
                       error=exc.message, problems=exc.problems, options=Options.of(job))


@functools.cache
def _user_template(template: str | None, template_dirs: tuple[Path, ...]) -> str | None:
    """The file of the user's template a job names (as named), or None for a built-in one or
    one that cannot be found (the job reports that itself)."""
    if template is None:
        return None
    try:
        info = resolve(template, "", list(template_dirs))
    except AgreementGenError:
        return None
    return None if info.builtin else str(info.path)


def _make_here(job: Job, *, guarded: bool = False) -> Outcome:
    """Make one agreement in this process (see :func:`make_one`); ``guarded``: in the guarded
    worker, where running out of memory is the guard's to report (it replaces the worker)."""
    digest = _file_sha256(job.input)
    try:
        made = run_job(job)
    except AgreementGenError as exc:
        return Outcome(job.input, job.output, Status.FAILED, digest, error=exc.message,
                       problems=exc.problems, options=Options.of(job))
    except MemoryError as exc:
        if guarded:
            raise
        return _failure(job, digest, "batch_internal_error", error=f"{type(exc).__name__}: {exc}")
    except Exception as exc:  # one broken document must not stop the others
        return _failure(job, digest, "batch_internal_error", error=f"{type(exc).__name__}: {exc}")
    warnings = tuple(w.rule for w in made.review.warnings) if made.review else ()
    path = made.template.path
    template_digest = _template_sha256(path, modified_time(path))
    return Outcome(job.input, job.output, Status.MADE, digest, made.template.name,
                   template_digest, made.language, warnings,
                   output_sha256=_file_sha256(job.output), options=Options.of(job),
                   notices=made.warnings, untranslated=made.untranslated, packs=made.packs)


def _file_sha256(path: Path) -> str | None:
    """The SHA-256 of a file, read in chunks; None when it cannot be read."""
    try:
        with path.open("rb") as handle:
            return hashlib.file_digest(handle, "sha256").hexdigest()
    except OSError:
        return None


@functools.cache
def _template_sha256(path: Path, mtime: float) -> str | None:
    """The SHA-256 of a template or layout file, read once per version of the file.

    Hashing the file itself, not a compiled template: a user's template is compiled only
    inside the render guard, and must not be compiled again out here.
    """
    return _file_sha256(path)


def _failure(job: Job, digest: str | None, code: str, place: Path | None = None,
             **values: Any) -> Outcome:
    text = message(code, **values)
    return Outcome(job.input, job.output, Status.FAILED, digest, error=text,
                   problems=(Problem(str(place or job.input), text, code=code),),
                   options=Options.of(job))


def run_batch(paths: Iterable[str | Path], out_dir: str | Path, *, template: str | None = None,
              jobs: int | None = None, lang: str | None = None, format: str = "docx",
              force: bool = False, template_dirs: Sequence[Path] = (),
              health_annex: bool = False, prevailing: str | None = None,
              clauses: Sequence[Path] = (),
              on_start: Callable[[int], None] | None = None,
              on_done: Callable[[Outcome], None] | None = None) -> BatchResult:
    """Make the agreement of every description, keeping ``manifest.json`` in ``out_dir``.

    The manifest is written before the first agreement is made and again as outcomes come in,
    always whole (atomically) and true: an agreement it calls made or up to date is in the
    folder as it was written. When the batch stops early, the agreements not yet made are
    ``pending`` in it.

    Without ``force``, an agreement the manifest records is not made again while its file is
    unchanged and it was made from the same description file, with the same contents, options,
    template contents and tool version: it is up to date. When any of those changed, the
    batch replaces its own file. A file the manifest does not record, or one changed since the
    batch wrote it, is never replaced without ``force``: that description fails. With ``force``,
    every agreement is made again.

    Args:
        paths: Description files and folders of them.
        out_dir: The folder the agreements go to; created when missing.
        template: A built-in or user template name, or a .docx path (default: by the kind).
        jobs: Worker processes (default: the number of CPUs); 1 works in this process.
        lang: Output language (default: each description's own).
        format: Output format.
        force: Make every agreement again and overwrite existing outputs.
        template_dirs: Extra folders with user templates.
        health_annex: Add the partnership health checklist as an annex.
        prevailing: In bilingual agreements, the language whose version prevails.
        clauses: Clause packs over those beside the template (files or folders of them);
            every pack the batch may use is checked before anything is made.
        on_start: Called once with the number of descriptions, before the first is made.
        on_done: Called with each outcome (up to date ones first, then in completion order).

    Returns:
        The outcomes in input order, and the manifest's path.

    Raises:
        InputError: No description files were found.
        OutputError: ``out_dir`` cannot be created or is a file, or the manifest cannot be
            written.
        TemplateError: The template cannot be found, opened or compiled, or a clause pack is
            wrong.
    """
    out = Path(out_dir)
    manifest = out / MANIFEST_FILE
    names = [Path(p) for p in paths]
    inputs = find_inputs(names, exclude=[manifest])
    if not inputs:
        text = message("batch_no_inputs", paths=", ".join(str(p) for p in names) or "-")
        raise InputError(text, [Problem(str(names[0]) if names else "-", text, code="no_inputs")])
    _make_folder(out)
    digests = template_digests(template, template_dirs, format)
    packs = pack_digests(template, template_dirs, format, clauses, lang)
    work = plan(inputs, out, template=template, lang=lang, format=format, force=force,
                template_dirs=template_dirs, health_annex=health_annex, prevailing=prevailing,
                clauses=clauses)
    known = read_manifest(manifest)
    outcomes: list[Outcome] = []
    todo: list[tuple[int, Job]] = []
    for index, job in enumerate(work):
        verdict = _triage(job, known.pop(job.output.name, None), digests, packs)
        outcomes.append(verdict if isinstance(verdict, Outcome) else _pending(*verdict))
        if not isinstance(verdict, Outcome):
            todo.append((index, verdict[0]))
    keeper = _ManifestKeeper(manifest, outcomes, _still_there(known.values()))
    templates = warm(template, template_dirs, format) if todo else []
    keeper.write()
    if on_start is not None:
        on_start(len(work))
    if on_done is not None:
        for outcome in outcomes:
            if outcome.status is not Status.PENDING:
                on_done(outcome)

    def done(index: int, outcome: Outcome) -> None:
        keeper.record(index, outcome)
        if on_done is not None:
            on_done(outcome)

    from agreementgen.render import guard, office

    try:
        workers = min(jobs or default_jobs(), len(todo))
        if workers <= 1:
            _settle()
            for index, job in todo:
                done(index, make_one(job))
        else:
            # Each worker has a guarded worker and a LibreOffice of its own.
            guard.stop_worker()
            _in_pool(todo, workers, templates, done, keeper.record)
    finally:
        keeper.write()
        guard.stop_worker()
        office.stop()
    return BatchResult(keeper.outcomes, manifest, keeper.earlier)


def template_digests(template: str | None, template_dirs: Sequence[Path] = (),
                     format: str = "docx") -> dict[str, str | None]:
    """The SHA-256 of every template file the batch may use, by template name.

    Raises:
        TemplateError: The template named cannot be found.
    """
    if format in TEXT_FORMATS:
        infos = [layout_info(format)]
    else:
        kinds = [""] if template is not None else sorted(DEFAULT_FOR_KIND)
        infos = [resolve(template, kind, list(template_dirs)) for kind in kinds]
    return {info.name: _template_sha256(info.path, modified_time(info.path)) for info in infos}


def pack_digests(template: str | None, template_dirs: Sequence[Path] = (),
                 format: str = "docx", clauses: Sequence[Path] = (),
                 lang: str | None = None) -> dict[str, set[tuple[tuple[str, str], ...]]]:
    """The clause packs each template the batch may use brings (with ``--clauses``), read and
    checked once: by template name (for Markdown and HTML, the layout's), the (file, SHA-256)
    of its packs.

    Raises:
        TemplateError: A template cannot be found, or a clause pack is wrong.
    """
    from agreementgen.clauses.packs import load_packs, packs_for

    named = template is not None and format not in TEXT_FORMATS
    kinds = [""] if named else sorted(DEFAULT_FOR_KIND)
    found: dict[str, set[tuple[tuple[str, str], ...]]] = {}
    for kind in kinds:
        info = resolve(None if format in TEXT_FORMATS else template, kind, list(template_dirs))
        loaded = load_packs(packs_for(info.path, info.builtin, clauses))
        loaded.check_languages((lang or "").split(","))
        name = layout_info(format).name if format in TEXT_FORMATS else info.name
        found.setdefault(name, set()).add(loaded.digests)
    return found


def _triage(job: Job, known: Made | Pending | None, digests: Mapping[str, str | None],
            packs: Mapping[str, set[tuple[tuple[str, str], ...]]] | None = None,
            ) -> Outcome | tuple[Job, Made | None]:
    """Whether one agreement is up to date, refused, or to be made (and what it replaces).

    Args:
        job: The agreement as planned.
        known: What the manifest of an earlier run records about its output file.
        digests: The current template hashes (:func:`template_digests`).
        packs: The current clause packs by template (:func:`pack_digests`); None: none.

    Returns:
        The outcome when nothing is to be made; else the job to run, with the earlier
        agreement of the batch that it replaces (the job may then overwrite it).
    """
    current = _regular_file_sha256(job.output)
    if known is None or current is None:
        return job, None  # a new file, or one the job itself refuses without --force
    if isinstance(known, Pending):
        if known.previous is not None and known.previous.output_sha256 == current:
            known = known.previous
        elif _identity(Path(known.input)) == _identity(job.input):
            # The batch stopped while making this very agreement and wrote it: make it again.
            return replace(job, force=True), Made(str(job.input), str(job.output), current)
        else:
            known = Made(known.input, str(job.output), "")
    if job.force:
        return job, (known if known.output_sha256 == current else None)
    input_sha256 = _file_sha256(job.input)
    if _identity(Path(known.input)) != _identity(job.input):
        return _failure(job, input_sha256, "batch_output_other_input", job.output,
                        path=job.output, other=known.input)
    if known.output_sha256 != current:
        return _failure(job, input_sha256, "batch_output_changed", job.output, path=job.output)
    if _made_alike(known, job, input_sha256, digests) and \
            known.packs in (packs or {}).get(known.template or "", {()}):
        return Outcome(job.input, job.output, Status.UP_TO_DATE, input_sha256, known.template,
                       known.template_sha256, known.language, known.warnings,
                       output_sha256=current, options=Options.of(job), packs=known.packs)
    return replace(job, force=True), known


def _made_alike(known: Made, job: Job, input_sha256: str | None,
                digests: Mapping[str, str | None]) -> bool:
    """Whether the job would make what ``known`` records: the same description contents,
    options, template contents, tool and description format versions."""
    return (input_sha256 is not None and known.input_sha256 == input_sha256
            and known.options == Options.of(job).as_dict()
            and known.tool_version == __version__ and known.schema_version == _schema_version()
            and known.template is not None and known.template_sha256 is not None
            and digests.get(known.template) == known.template_sha256)


def _pending(job: Job, previous: Made | None) -> Outcome:
    return Outcome(job.input, job.output, Status.PENDING, options=Options.of(job),
                   previous=previous)


def _regular_file_sha256(path: Path) -> str | None:
    """The SHA-256 of a regular file (a link to one counts); None for anything else, or none."""
    try:
        if not stat.S_ISREG(path.stat().st_mode):
            return None
    except OSError:
        return None
    return _file_sha256(path)


def _still_there(known: Iterable[Made | Pending]) -> list[Made]:
    """The agreements of earlier runs that are still in the folder as they were written."""
    kept = []
    for record in known:
        made = record.previous if isinstance(record, Pending) else record
        if made is not None and _regular_file_sha256(Path(made.output)) == made.output_sha256:
            kept.append(made)
    return kept


def read_manifest(path: Path) -> dict[str, Made | Pending]:
    """What the manifest of an earlier run records, by output file name.

    Only the file name of a recorded output counts: it is looked for in the manifest's own
    folder, wherever the manifest says it was. A manifest that cannot be read or is not
    agreementgen's records nothing: every file in the folder is then the user's, replaced only
    with ``--force``.
    """
    try:
        data = json.loads(path.read_bytes())
    except (OSError, ValueError):
        return {}
    if not isinstance(data, dict) or data.get("tool") != "agreementgen":
        return {}
    entries = [e for key in ("documents", "earlier") if isinstance(data.get(key), list)
               for e in data[key] if isinstance(e, dict)]

    def here(entry: Any) -> Made | None:
        made = Made.from_entry(entry)
        if made is None or made.name in ("", ".", ".."):
            return None
        return replace(made, output=str(path.parent / made.name))

    known: dict[str, Made | Pending] = {}
    for entry in entries:
        status = entry.get("status")
        if status in (Status.MADE, Status.UP_TO_DATE):
            made = here(entry)
            if made is not None:
                known[made.name] = made
        elif status == Status.PENDING:
            output, source = entry.get("output"), entry.get("input")
            name = Path(output).name if isinstance(output, str) else ""
            if name not in ("", ".", "..") and isinstance(source, str):
                known[name] = Pending(source, here(entry.get("previous")))
        elif status == Status.FAILED:
            previous = here(entry.get("previous"))
            if previous is not None:
                known[previous.name] = previous
    return known


class _ManifestKeeper:
    """The manifest of a running batch, rewritten atomically as outcomes come in.

    Each entry's JSON is made once, when its outcome is known, so a rewrite costs little more
    than the write; rewrites that come sooner than :data:`MANIFEST_QUIET_FACTOR` times the last
    one's cost wait for the next outcome, or for the final write.
    """

    def __init__(self, path: Path, outcomes: list[Outcome], earlier: list[Made]) -> None:
        self.path = path
        self.outcomes = list(outcomes)
        self.earlier = earlier
        self._entries = [_entry_json(o.as_dict()) for o in self.outcomes]
        self._earlier = [_entry_json(m.as_dict()) for m in earlier]
        self._written = 0.0
        self._cost = 0.0
        self._dirty = True

    def record(self, index: int, outcome: Outcome) -> None:
        """Put one outcome in its place, and write the manifest unless it was written just now."""
        current = self.outcomes[index]
        if outcome == current:
            return
        if not outcome.made and current.previous is not None:
            # Not made: the earlier agreement is still there, as long as its file is unchanged.
            still = _regular_file_sha256(outcome.output) == current.previous.output_sha256
            outcome = replace(outcome, previous=current.previous if still else None)
        self.outcomes[index] = outcome
        self._entries[index] = _entry_json(outcome.as_dict())
        self._dirty = True
        if time.perf_counter() - self._written >= MANIFEST_QUIET_FACTOR * self._cost:
            self.write()

    def write(self) -> None:
        """Write the manifest now (when anything changed since the last write)."""
        if not self._dirty:
            return
        start = time.perf_counter()
        write_atomic(self.path, self.text().encode("utf-8"))
        self._written = time.perf_counter()
        self._cost = self._written - start
        self._dirty = False

    def text(self) -> str:
        """The manifest as JSON, laid out as ``json.dumps(..., indent=2)`` would."""
        return _manifest_text(self.outcomes, self._entries, self._earlier)


def _entry_json(entry: dict[str, Any]) -> str:
    """One entry as it stands in the manifest's lists (indented by two levels)."""
    return "    " + json.dumps(entry, indent=2, ensure_ascii=False).replace("\n", "\n    ")


def _manifest_text(outcomes: Sequence[Outcome], entries: Sequence[str],
                   earlier: Sequence[str]) -> str:
    def listed(items: Sequence[str]) -> str:
        return "[\n" + ",\n".join(items) + "\n  ]" if items else "[]"

    counts = {status: 0 for status in Status}
    for outcome in outcomes:
        counts[outcome.status] += 1
    head = {
        "tool": "agreementgen",
        "tool_version": __version__,
        "schema_version": _schema_version(),
        "summary": {"documents": len(outcomes), "made": counts[Status.MADE],
                    "up_to_date": counts[Status.UP_TO_DATE], "failed": counts[Status.FAILED],
                    "pending": counts[Status.PENDING],
                    "health_warnings": sum(len(o.warnings) for o in outcomes if o.exists)},
    }
    text = json.dumps(head, indent=2, ensure_ascii=False)
    return (f'{text[:-2]},\n  "documents": {listed(entries)},\n'
            f'  "earlier": {listed(earlier)}\n}}\n')


def default_jobs() -> int:
    """The number of CPUs this process may use."""
    try:
        return max(len(os.sched_getaffinity(0)), 1)
    except AttributeError:  # not on Linux
        return os.cpu_count() or 1


def _in_pool(todo: list[tuple[int, Job]], workers: int, templates: list[TemplateInfo],
             done: Callable[[int, Outcome], None],
             keep: Callable[[int, Outcome], None]) -> None:
    """Run the jobs in worker processes, passing each outcome to ``done`` as it comes in.

    When the batch is stopped (Ctrl-C, or ``done`` fails), the jobs not started are dropped
    and the outcomes of those the workers finish meanwhile go to ``keep``, so that the
    manifest records every agreement written.
    """
    # 'fork' lets workers inherit the template this process compiled in warm(); elsewhere
    # (macOS, Windows) the initializer compiles it once per worker.
    methods = multiprocessing.get_all_start_methods()
    context = multiprocessing.get_context("fork" if "fork" in methods else None)
    jobs = dict(todo)
    pool = concurrent.futures.ProcessPoolExecutor(workers, mp_context=context,
                                                  initializer=_init_worker,
                                                  initargs=(templates,))
    futures: dict[concurrent.futures.Future[Outcome], int] = {}
    try:
        for index, job in todo:
            futures[pool.submit(make_one, job)] = index
        for future in concurrent.futures.as_completed(futures):
            index = futures[future]
            done(index, _result(future, jobs[index]))
    except BaseException:
        # The few documents in the workers' hands finish (each is written whole or not at all)
        # and are recorded, then the error goes on. Waiting matters: once the pool object is
        # gone its manager no longer cancels anything.
        pool.shutdown(wait=True, cancel_futures=True)
        for future, index in futures.items():
            if future.done() and not future.cancelled():
                keep(index, _result(future, jobs[index]))
        raise
    pool.shutdown()


def _result(future: concurrent.futures.Future[Outcome], job: Job) -> Outcome:
    try:
        return future.result()
    except BrokenProcessPool as exc:
        return _failure(job, None, "batch_worker_died", error=str(exc))


def _make_folder(out: Path) -> None:
    if out.exists() and not out.is_dir():
        text = message("batch_output_not_folder", path=out)
        raise OutputError(text, [Problem(str(out), text, code="output_not_folder")])
    try:
        out.mkdir(parents=True, exist_ok=True)
    except OSError as exc:
        text = message("output_unwritable", reason=exc.strerror or exc)
        raise OutputError(text, [Problem(str(out), text, code="output_unwritable")]) from None


def manifest_json(result: BatchResult) -> str:
    """The manifest: what was made from what, for every description, in input order.

    It holds no time stamps, so the same batch gives the same manifest.
    """
    entries = [_entry_json(o.as_dict()) for o in result.outcomes]
    return _manifest_text(result.outcomes, entries,
                          [_entry_json(m.as_dict()) for m in result.earlier])


def _schema_version() -> int:
    from agreementgen.validation.schema import schema_version

    return schema_version()
