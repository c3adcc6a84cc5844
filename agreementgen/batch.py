"""Many agreements in one run: one Job per description, spread over processes, with a manifest.

Each description becomes a :class:`~agreementgen.generate.Job` that goes through the same
:func:`~agreementgen.generate.run_job` as ``generate``. Every worker process compiles the template
once and reuses it; a description that fails is recorded with its problems and the others are
still made.
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
import unicodedata
from collections.abc import Callable, Iterable, Sequence
from concurrent.futures.process import BrokenProcessPool
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from agreementgen._version import __version__
from agreementgen.errors import AgreementGenError, InputError, OutputError, Problem
from agreementgen.generate import TEXT_FORMATS, Job, load_template, modified_time, run_job
from agreementgen.i18n import message
from agreementgen.loading import SUFFIXES
from agreementgen.templates import DEFAULT_FOR_KIND, TemplateInfo, resolve
from agreementgen.writing import write_atomic

MANIFEST_FILE = "manifest.json"
#: Longest output name in UTF-8 bytes before its suffix, well under the usual 255-byte limit.
MAX_NAME_BYTES = 200
DEFAULT_NAME = "agreement"
#: JSON Schema files (``init`` writes agreementgen.schema.json beside a description): not inputs.
SCHEMA_SUFFIX = ".schema.json"

_UNSAFE = re.compile(r'[/\\:*?"<>|]+')
_DOTS = re.compile(r"\.{2,}")
# Names Windows reserves for devices, with or without an extension.
_RESERVED = re.compile(r"^(con|prn|aux|nul|com[0-9]|lpt[0-9])(\..*)?$", re.IGNORECASE)


@dataclass(frozen=True)
class Outcome:
    """What became of one description in a batch.

    Attributes:
        input: The description file, as the user named it (or as found in a folder).
        output: The file written, or that would have been written.
        made: Whether the output was written.
        input_sha256: The SHA-256 of the description file, when it could be read.
        template: The name of the template used, when the agreement was made.
        template_sha256: The SHA-256 of the template file, when the agreement was made.
        language: The language of the agreement, when it was made.
        warnings: The rule ids of the partnership health warnings, in rule order.
        error: What went wrong, when the agreement was not made.
        problems: The individual problems, each with its place.
    """

    input: Path
    output: Path
    made: bool
    input_sha256: str | None = None
    template: str | None = None
    template_sha256: str | None = None
    language: str | None = None
    warnings: tuple[str, ...] = ()
    error: str | None = None
    problems: tuple[Problem, ...] = ()

    def as_dict(self) -> dict[str, Any]:
        """The outcome as a manifest entry, with stable keys."""
        return {
            "input": str(self.input),
            "input_sha256": self.input_sha256,
            "output": str(self.output) if self.made else None,
            "status": "made" if self.made else "failed",
            "template": self.template,
            "template_sha256": self.template_sha256,
            "schema_version": _schema_version(),
            "tool_version": __version__,
            "language": self.language,
            "health_warnings": len(self.warnings),
            "health_rules": list(self.warnings),
            "error": None if self.made else {
                "message": self.error,
                "problems": [p.as_dict() for p in self.problems],
            },
        }


@dataclass(frozen=True)
class BatchResult:
    """What a batch made, in the order of its inputs.

    Attributes:
        outcomes: One outcome per description, in input order.
        manifest: The manifest file written into the output folder.
    """

    outcomes: list[Outcome] = field(default_factory=list)
    manifest: Path | None = None

    @property
    def made(self) -> int:
        """How many agreements were written."""
        return sum(o.made for o in self.outcomes)

    @property
    def failed(self) -> list[Outcome]:
        """The descriptions whose agreement was not made."""
        return [o for o in self.outcomes if not o.made]

    @property
    def warnings(self) -> int:
        """The partnership health warnings over all agreements made."""
        return sum(len(o.warnings) for o in self.outcomes if o.made)


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
         prevailing: str | None = None) -> list[Job]:
    """The jobs of a batch: one per input, each writing a safely named file into ``out_dir``."""
    names = output_names(inputs, f".{format}")
    return [Job(path, out_dir / name, template, lang, format, force, tuple(template_dirs),
                health_annex=health_annex, prevailing=prevailing)
            for path, name in zip(inputs, names, strict=True)]


def warm(template: str | None, template_dirs: Sequence[Path] = (),
         format: str = "docx") -> list[TemplateInfo]:
    """Find every Word template the batch may use, and compile the one it names.

    With ``template``, that template is compiled here, once, before any worker starts (forked
    workers inherit it). Without, each agreement kind's default is only found: a worker
    compiles the ones its documents need when it first meets them. The text formats
    (Markdown, HTML) use no Word template.

    Returns:
        The templates compiled here.

    Raises:
        TemplateError: A template cannot be found, opened or compiled.
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
        load_template(info)
    return list(infos.values())


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
    """Make one agreement of a batch; a failure becomes an outcome, never an exception."""
    digest = _file_sha256(job.input)
    try:
        made = run_job(job)
    except AgreementGenError as exc:
        return Outcome(job.input, job.output, False, digest, error=exc.message,
                       problems=exc.problems)
    except Exception as exc:  # one broken document must not stop the others
        return _failure(job, digest, "batch_internal_error", f"{type(exc).__name__}: {exc}")
    warnings = tuple(w.rule for w in made.review.warnings) if made.review else ()
    path = made.template.path
    template_digest = _template_sha256(path, modified_time(path))
    return Outcome(job.input, job.output, True, digest, made.template.name, template_digest,
                   made.language, warnings)


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


def _failure(job: Job, digest: str | None, code: str, error: str) -> Outcome:
    text = message(code, error=error)
    return Outcome(job.input, job.output, False, digest, error=text,
                   problems=(Problem(str(job.input), text, code=code),))


def run_batch(paths: Iterable[str | Path], out_dir: str | Path, *, template: str | None = None,
              jobs: int | None = None, lang: str | None = None, format: str = "docx",
              force: bool = False, template_dirs: Sequence[Path] = (),
              health_annex: bool = False, prevailing: str | None = None,
              on_start: Callable[[int], None] | None = None,
              on_done: Callable[[Outcome], None] | None = None) -> BatchResult:
    """Make the agreement of every description, then write ``manifest.json`` into ``out_dir``.

    Args:
        paths: Description files and folders of them.
        out_dir: The folder the agreements go to; created when missing.
        template: A built-in or user template name, or a .docx path (default: by the kind).
        jobs: Worker processes (default: the number of CPUs); 1 works in this process.
        lang: Output language (default: each description's own).
        format: Output format.
        force: Overwrite existing outputs.
        template_dirs: Extra folders with user templates.
        health_annex: Add the partnership health checklist as an annex.
        prevailing: In bilingual agreements, the language whose version prevails.
        on_start: Called once with the number of descriptions, before the first is made.
        on_done: Called with each outcome as it comes in (in completion order).

    Returns:
        The outcomes in input order, and the manifest's path.

    Raises:
        InputError: No description files were found.
        OutputError: ``out_dir`` cannot be created or is a file.
        TemplateError: The template cannot be found, opened or compiled.
    """
    out = Path(out_dir)
    manifest = out / MANIFEST_FILE
    names = [Path(p) for p in paths]
    inputs = find_inputs(names, exclude=[manifest])
    if not inputs:
        text = message("batch_no_inputs", paths=", ".join(str(p) for p in names) or "-")
        raise InputError(text, [Problem(str(names[0]) if names else "-", text, code="no_inputs")])
    _make_folder(out)
    templates = warm(template, template_dirs, format)
    work = plan(inputs, out, template=template, lang=lang, format=format, force=force,
                template_dirs=template_dirs, health_annex=health_annex, prevailing=prevailing)
    if on_start is not None:
        on_start(len(work))
    workers = min(jobs or default_jobs(), len(work))
    if workers <= 1:
        _settle()
        outcomes = []
        for job in work:
            outcome = make_one(job)
            outcomes.append(outcome)
            if on_done is not None:
                on_done(outcome)
    else:
        outcomes = _in_pool(work, workers, templates, on_done)
    result = BatchResult(outcomes, manifest)
    write_atomic(manifest, manifest_json(result).encode("utf-8"))
    return result


def default_jobs() -> int:
    """The number of CPUs this process may use."""
    try:
        return max(len(os.sched_getaffinity(0)), 1)
    except AttributeError:  # not on Linux
        return os.cpu_count() or 1


def _in_pool(work: list[Job], workers: int, templates: list[TemplateInfo],
             on_done: Callable[[Outcome], None] | None) -> list[Outcome]:
    """Run the jobs in worker processes and return the outcomes in input order."""
    # 'fork' lets workers inherit the template this process compiled in warm(); elsewhere
    # (macOS, Windows) the initializer compiles it once per worker.
    methods = multiprocessing.get_all_start_methods()
    context = multiprocessing.get_context("fork" if "fork" in methods else None)
    outcomes: list[Outcome | None] = [None] * len(work)
    pool = concurrent.futures.ProcessPoolExecutor(workers, mp_context=context,
                                                  initializer=_init_worker,
                                                  initargs=(templates,))
    try:
        futures = {pool.submit(make_one, job): i for i, job in enumerate(work)}
        for future in concurrent.futures.as_completed(futures):
            index = futures[future]
            try:
                outcome = future.result()
            except BrokenProcessPool as exc:
                outcome = _failure(work[index], None, "batch_worker_died", str(exc))
            outcomes[index] = outcome
            if on_done is not None:
                on_done(outcome)
    except BaseException:
        # Ctrl-C or a failing callback: documents not started are dropped, the few in the
        # workers' hands finish (each is written whole or not at all), then the error goes on.
        # Waiting matters: once the pool object is gone its manager no longer cancels anything.
        pool.shutdown(wait=True, cancel_futures=True)
        raise
    pool.shutdown()
    return [o for o in outcomes if o is not None]


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
    data = {
        "tool": "agreementgen",
        "tool_version": __version__,
        "schema_version": _schema_version(),
        "summary": {"documents": len(result.outcomes), "made": result.made,
                    "failed": len(result.failed), "health_warnings": result.warnings},
        "documents": [o.as_dict() for o in result.outcomes],
    }
    return json.dumps(data, indent=2, ensure_ascii=False) + "\n"


def _schema_version() -> int:
    from agreementgen.validation.schema import schema_version

    return schema_version()
