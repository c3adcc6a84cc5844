"""Clause packs: an organisation's own clause texts, read from YAML, over the built-in ones.

A pack is a file ``clauses.<lang>.yaml`` beside a user template (or one named with
``--clauses``) in the form of ``agreementgen/locales/<lang>/clauses.yaml``: texts keyed by
clause id, one text or a ``binding:`` and a ``non_binding:`` one. A clause the pack names takes
its text; conditions stay the library's. Under ``add:`` a pack lists clauses of its own, each an
always-present clause at the end of an existing article.

Pack texts are templates from elsewhere: they compile in the clause sandbox when the pack is
read (a syntax error or an unsafe name is refused there, with its file and line) and render
under the time and memory limits of user templates (:mod:`agreementgen.render.guard`).
"""

from __future__ import annotations

import contextvars
import difflib
import functools
import hashlib
import re
from collections.abc import Callable, Iterator, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any, TypeVar

from agreementgen.errors import Problem, TemplateError
from agreementgen.i18n import LANGUAGES, catalog, message

#: The key under which a pack lists the clauses it adds.
ADD_KEY = "add"
#: A pack beside a template: ``clauses.en.yaml``.
PACK_FILE = re.compile(r"clauses\.([a-z]{2,3})\.ya?ml")
#: A pack named on the command line: any name that ends in its language, ``acme.nl.yaml``.
_NAMED_FILE = re.compile(r".*\.([a-z]{2,3})\.ya?ml")
#: An added clause's id: dotted words, as the library's are ("org.code_of_conduct").
_ADDED_ID = re.compile(r"[a-z][a-z0-9_]*(?:\.[a-z][a-z0-9_]*)+")
#: A pack is a text file of clause texts; anything larger is not one.
MAX_PACK_BYTES = 1024 * 1024
_VOICES = ("binding", "non_binding")

T = TypeVar("T")


@dataclass(frozen=True)
class PackText:
    """One clause text of a pack, with the place it was written.

    Attributes:
        id: The clause id.
        binding: The text of a binding document (Markdown with Jinja).
        non_binding: The text of a non-binding one (the same when the pack gives one text).
        file: The pack file.
        line: The line of the clause id in the pack.
        binding_line: The line where the binding text starts.
        non_binding_line: The line where the non-binding text starts.
        article: For an added clause, the article it goes in; None for a library clause.
    """

    id: str
    binding: str
    non_binding: str
    file: Path
    line: int
    binding_line: int
    non_binding_line: int
    article: str | None = None

    def text(self, binding: bool) -> str:
        """The text in the voice of the document."""
        return self.binding if binding else self.non_binding

    def first_line(self, binding: bool) -> int:
        """The pack line where the text of that voice starts."""
        return self.binding_line if binding else self.non_binding_line

    @property
    def place(self) -> str:
        """``file:line``, as explain shows it."""
        return f"{self.file}:{self.line}"


@dataclass(frozen=True)
class ClausePack:
    """A pack file read and checked.

    Attributes:
        path: The file.
        lang: Its language.
        sha256: The SHA-256 of its contents.
        texts: The library clauses it gives texts for, by id.
        added: The clauses it adds, in the order written.
    """

    path: Path
    lang: str
    sha256: str
    texts: dict[str, PackText]
    added: tuple[PackText, ...]


@dataclass(frozen=True)
class ClauseTexts:
    """The clause texts of one language: the packs' over the built-in ones (later packs win).

    Attributes:
        lang: The language.
        packs: The packs of that language, in the order they apply.
    """

    lang: str
    packs: tuple[ClausePack, ...] = ()

    def entry(self, clause_id: str) -> PackText | None:
        """The pack text that a clause takes, or None for the built-in text."""
        for pack in reversed(self.packs):
            found = pack.texts.get(clause_id)
            if found is None:
                found = next((a for a in pack.added if a.id == clause_id), None)
            if found is not None:
                return found
        return None

    @property
    def added(self) -> tuple[PackText, ...]:
        """The clauses the packs add (one per id: the last pack's)."""
        found: dict[str, PackText] = {}
        for pack in self.packs:
            for entry in pack.added:
                found[entry.id] = entry
        return tuple(found.values())

    @property
    def files(self) -> str:
        """The pack files, as the guard names what it runs."""
        return ", ".join(str(p.path) for p in self.packs)


@dataclass(frozen=True)
class PackSet:
    """The packs a document is made with, in every language they are written in."""

    packs: tuple[ClausePack, ...] = ()

    def texts(self, lang: str) -> ClauseTexts:
        """The clause texts of one language."""
        return ClauseTexts(lang, tuple(p for p in self.packs if p.lang == lang))

    @property
    def label(self) -> str:
        """The pack files, as the render guard names what it runs."""
        return ", ".join(str(p.path) for p in self.packs)

    @property
    def digests(self) -> tuple[tuple[str, str], ...]:
        """(file, SHA-256) of every pack, in the order they apply: what a batch records."""
        return tuple((str(p.path), p.sha256) for p in self.packs)

    def check_languages(self, langs: Sequence[str]) -> None:
        """A bilingual agreement needs each pack text in both languages: the two versions
        would otherwise say different things.

        Raises:
            TemplateError: A clause has a pack text in one language and not in the other.
        """
        if len(langs) < 2:
            return
        from babel import Locale

        names = Locale.parse("en").languages
        texts = {lang: self.texts(lang) for lang in langs}
        problems = []
        for lang, own in texts.items():
            for pack in own.packs:
                for entry in (*pack.texts.values(), *pack.added):
                    for other in langs:
                        if other != lang and texts[other].entry(entry.id) is None:
                            text = message("pack_bilingual_missing", id=entry.id,
                                           language=names[lang], other=names[other],
                                           code=other)
                            problems.append(Problem(str(entry.file), text, entry.id, entry.line,
                                                    code="pack_bilingual_missing"))
        if problems:
            raise TemplateError(problems[0].message, problems)


EMPTY = PackSet()
_ACTIVE: contextvars.ContextVar[PackSet] = contextvars.ContextVar("clause_packs", default=EMPTY)


def active() -> PackSet:
    """The packs of the document being made (:func:`activate`); none outside one."""
    return _ACTIVE.get()


def activate(packs: PackSet) -> None:
    """Make ``packs`` the clause texts of the document being made, until :func:`scoped` ends.

    The derivation finds them this way wherever the document's texts are made (its open
    points for ``--strict``, the context of a Markdown or Word output) without every function
    between taking them; the render guard's worker is given them with each document and
    activates them there.
    """
    _ACTIVE.set(packs)


def scoped(fn: Callable[..., T]) -> Callable[..., T]:
    """Run ``fn`` with no packs active at its start, and none left active after it."""

    @functools.wraps(fn)
    def wrapper(*args: Any, **kwargs: Any) -> T:
        token = _ACTIVE.set(EMPTY)
        try:
            return fn(*args, **kwargs)
        finally:
            _ACTIVE.reset(token)

    return wrapper


def beside(template: Path) -> list[Path]:
    """The packs in a user template's folder (``clauses.<lang>.yaml``), sorted by name."""
    folder = template.parent
    if not folder.is_dir():
        return []
    return sorted(p for p in folder.iterdir() if PACK_FILE.fullmatch(p.name) and p.is_file())


def named(paths: Sequence[Path]) -> list[Path]:
    """The pack files that ``--clauses`` names: a file, or a folder of ``clauses.<lang>.yaml``.

    Raises:
        TemplateError: A path does not exist, or a folder holds no pack.
    """
    found: list[Path] = []
    for path in paths:
        if path.is_dir():
            inside = sorted(p for p in path.iterdir()
                            if PACK_FILE.fullmatch(p.name) and p.is_file())
            if not inside:
                _fail(path, None, None, "pack_folder_empty", folder=path)
            found += inside
        elif path.is_file():
            found.append(path)
        else:
            _fail(path, None, None, "pack_missing", path=path)
    return found


def pack_language(path: Path) -> str:
    """The language a pack file's name gives: ``clauses.nl.yaml``, ``acme.en.yaml``.

    Raises:
        TemplateError: The name gives no language agreementgen writes.
    """
    match = _NAMED_FILE.fullmatch(path.name)
    if match is None or match.group(1) not in LANGUAGES:
        _fail(path, None, None, "pack_name_language", name=path.name, stem=_stem(path),
              known=", ".join(LANGUAGES))
    assert match is not None
    return match.group(1)


def _stem(path: Path) -> str:
    return path.name.split(".")[0] or "clauses"


def load_packs(paths: Sequence[Path]) -> PackSet:
    """Read and check pack files, in the order they apply.

    Raises:
        TemplateError: A pack cannot be read, or a text in it is wrong; every problem of the
            packs is listed, each with its file, line and clause id.
    """
    packs, problems = read_packs(paths)
    if problems:
        raise TemplateError(problems[0].message, problems)
    return PackSet(tuple(packs))


def read_packs(paths: Sequence[Path]) -> tuple[list[ClausePack], list[Problem]]:
    """The packs that read well, in the order they apply, and every problem of the others."""
    packs: list[ClausePack] = []
    problems: list[Problem] = []
    for path in paths:
        try:
            packs.append(load_pack(path))
        except TemplateError as exc:
            problems += exc.problems
    return packs, problems


def load_pack(path: Path) -> ClausePack:
    """One pack file, read and checked (once per version of the file in a process).

    Raises:
        TemplateError: The file cannot be read, is not a pack, or a text in it is wrong;
            every problem is listed, each with its line and clause id.
    """
    try:
        status = path.stat()
    except OSError as exc:
        _fail(path, None, None, "pack_unreadable", reason=exc.strerror or exc)
    return _load(path, status.st_size, status.st_mtime_ns)


@functools.cache
def _load(path: Path, size: int, mtime: int) -> ClausePack:
    lang = pack_language(path)
    if size > MAX_PACK_BYTES:
        _fail(path, None, None, "pack_too_large", limit=MAX_PACK_BYTES)
    try:
        data = path.read_bytes()
        text = data.decode("utf-8")
    except OSError as exc:
        _fail(path, None, None, "pack_unreadable", reason=exc.strerror or exc)
    except UnicodeDecodeError as exc:
        _fail(path, None, None, "pack_not_utf8", byte=exc.start)
    reader = _Reader(path, lang)
    texts, added = reader.read(text)
    if reader.problems:
        raise TemplateError(reader.problems[0].message, reader.problems)
    return ClausePack(path, lang, hashlib.sha256(data).hexdigest(), texts, added)


def _fail(file: Path, clause_id: str | None, line: int | None, code: str,
          **values: Any) -> Any:
    text = message(code, **values)
    raise TemplateError(text, [Problem(str(file), text, clause_id or "", line, code=code)])


class _Reader:
    """Reads one pack's YAML node by node, so every problem has its line."""

    def __init__(self, path: Path, lang: str) -> None:
        self.path = path
        self.lang = lang
        self.problems: list[Problem] = []
        self.builtin = catalog(lang, "clauses")

    def add(self, code: str, clause_id: str | None, node: Any, **values: Any) -> None:
        text = message(code, **values)
        line = node.start_mark.line + 1 if node is not None else None
        self.problems.append(Problem(str(self.path), text, clause_id or "", line, code=code))

    def read(self, text: str) -> tuple[dict[str, PackText], tuple[PackText, ...]]:
        import yaml

        try:
            root = yaml.compose(text, Loader=getattr(yaml, "CSafeLoader", yaml.SafeLoader))
        except yaml.YAMLError as exc:
            mark = getattr(exc, "problem_mark", None)
            problem = getattr(exc, "problem", None) or str(exc)
            self.problems.append(Problem(
                str(self.path), message("pack_yaml", problem=problem), "",
                mark.line + 1 if mark else None, mark.column + 1 if mark else None,
                code="pack_yaml"))
            return {}, ()
        if root is None:
            return {}, ()
        if not isinstance(root, yaml.MappingNode):
            self.add("pack_not_mapping", None, root)
            return {}, ()
        texts: dict[str, PackText] = {}
        added: list[PackText] = []
        seen: set[str] = set()
        for key_node, value in root.value:
            key = key_node.value if isinstance(key_node, yaml.ScalarNode) else None
            if not isinstance(key, str) or not key:
                self.add("pack_key_not_text", None, key_node)
                continue
            if key in seen:
                self.add("pack_duplicate", key, key_node, id=key)
                continue
            seen.add(key)
            if key == ADD_KEY:
                added += self._added(value)
            elif key not in self.builtin:
                self._unknown(key, key_node)
            else:
                entry = self._text(key, key_node, value)
                if entry is not None:
                    texts[key] = entry
        return texts, tuple(added)

    def _unknown(self, key: str, node: Any) -> None:
        near = difflib.get_close_matches(key, list(self.builtin), n=1, cutoff=0.6)
        hint = message("check_did_you_mean", suggestion=near[0]) if near else ""
        self.add("pack_unknown_id", key, node, id=key, hint=hint, add=ADD_KEY)

    def _text(self, clause_id: str, key_node: Any, value: Any,
              article: str | None = None) -> PackText | None:
        """A clause's text: one string, or a ``binding:`` and a ``non_binding:`` one."""
        import yaml

        line = key_node.start_mark.line + 1
        if isinstance(value, yaml.ScalarNode):
            source, first = value.value, _first_line(value)
            if not source.strip():
                self.add("pack_text_empty", clause_id, key_node, id=clause_id)
                return None
            if not self._compiles(clause_id, source, first):
                return None
            return PackText(clause_id, source, source, self.path, line, first, first, article)
        if isinstance(value, yaml.MappingNode):
            voices: dict[str, tuple[str, int]] = {}
            for voice_key, voice in value.value:
                name = voice_key.value if isinstance(voice_key, yaml.ScalarNode) else None
                if name not in _VOICES or name in voices:
                    self.add("pack_voice_key", clause_id, voice_key, key=name)
                    return None
                if not isinstance(voice, yaml.ScalarNode) or not voice.value.strip():
                    self.add("pack_text_not_text", clause_id, voice, id=clause_id)
                    return None
                voices[name] = (voice.value, _first_line(voice))
            missing = [v for v in _VOICES if v not in voices]
            if missing:
                self.add("pack_voice_missing", clause_id, key_node, id=clause_id,
                         missing=missing[0])
                return None
            ok = all([self._compiles(clause_id, *voices[v]) for v in _VOICES])
            if not ok:
                return None
            return PackText(clause_id, voices["binding"][0], voices["non_binding"][0],
                            self.path, line, voices["binding"][1], voices["non_binding"][1],
                            article)
        self.add("pack_text_not_text", clause_id, value, id=clause_id)
        return None

    def _added(self, node: Any) -> Iterator[PackText]:
        """The clauses under ``add:``: each ``{id: ..., article: ..., text: ...}``."""
        import yaml

        from agreementgen.clauses import NUMBERED_ARTICLES
        from agreementgen.clauses.markers import bookmark_name

        if not isinstance(node, yaml.SequenceNode):
            self.add("pack_add_not_list", None, node, add=ADD_KEY)
            return
        ids: set[str] = set()
        marks = {bookmark_name(i) for i in self.builtin if not i.startswith("document.")}
        for item in node.value:
            if not isinstance(item, yaml.MappingNode):
                self.add("pack_add_item", None, item, add=ADD_KEY)
                continue
            fields = {k.value: (k, v) for k, v in item.value if isinstance(k, yaml.ScalarNode)}
            unknown = [k for k in fields if k not in ("id", "article", "text")]
            if unknown or len(fields) != len(item.value):
                self.add("pack_add_field", None, item, field=unknown[0] if unknown else "?")
                continue
            if "id" not in fields or not isinstance(fields["id"][1], yaml.ScalarNode):
                self.add("pack_add_item", None, item, add=ADD_KEY)
                continue
            id_node = fields["id"][1]
            clause_id = str(id_node.value)
            if not _ADDED_ID.fullmatch(clause_id):
                self.add("pack_added_id", clause_id, id_node, id=clause_id)
                continue
            try:
                mark = bookmark_name(clause_id)
            except ValueError:
                self.add("pack_added_id_long", clause_id, id_node, id=clause_id,
                         most=40 - len("_ag_"))
                continue
            if clause_id in ids:
                self.add("pack_duplicate", clause_id, id_node, id=clause_id)
                continue
            if clause_id in self.builtin:
                self.add("pack_added_exists", clause_id, id_node, id=clause_id)
                continue
            if mark in marks:
                self.add("pack_added_bookmark", clause_id, id_node, id=clause_id)
                continue
            ids.add(clause_id)
            marks.add(mark)
            article_node = fields.get("article", (None, None))[1]
            article = getattr(article_node, "value", None)
            if article not in NUMBERED_ARTICLES:
                self.add("pack_added_article", clause_id, article_node or item,
                         article=article or "", known=", ".join(NUMBERED_ARTICLES))
                continue
            if "text" not in fields:
                self.add("pack_added_no_text", clause_id, item, id=clause_id)
                continue
            entry = self._text(clause_id, id_node, fields["text"][1], article)
            if entry is not None:
                yield entry

    def _compiles(self, clause_id: str, source: str, first: int) -> bool:
        """Compile a text in the clause sandbox; a syntax error or unsafe name is a problem
        at its line in the pack."""
        from jinja2 import TemplateSyntaxError

        from agreementgen.clauses import compile_text

        try:
            compile_text(self.lang, source)
        except TemplateSyntaxError as exc:
            line = first + (exc.lineno or 1) - 1
            text = message("pack_syntax", id=clause_id, problem=exc.message or str(exc))
            self.problems.append(Problem(str(self.path), text, clause_id, line,
                                         code="pack_syntax"))
            return False
        except RecursionError:
            text = message("pack_syntax", id=clause_id, problem=message("pack_too_deep"))
            self.problems.append(Problem(str(self.path), text, clause_id, first,
                                         code="pack_syntax"))
            return False
        return True


def _first_line(node: Any) -> int:
    """The pack line where a scalar's text starts: the line after ``|`` for a block scalar."""
    return int(node.start_mark.line) + 1 + (1 if node.style in ("|", ">") else 0)


def packs_for(template: Path | None, builtin: bool, clauses: Sequence[Path]) -> list[Path]:
    """The pack files a document is made with: those beside a user template (a folder named
    by a template name, or a ``template.docx`` path), then those ``--clauses`` names."""
    from agreementgen.templates import TEMPLATE_FILE

    files = []
    if template is not None and not builtin and template.name == TEMPLATE_FILE:
        files += beside(template)
    return files + named(list(clauses))


def job_packs(template: str | None, template_dirs: Sequence[Path], kind: str,
              clauses: Sequence[Path], langs: Sequence[str]) -> PackSet:
    """The packs one document is made with, read and checked: those beside the template it
    uses (``template``, else the default for ``kind``), then those ``--clauses`` names.

    Raises:
        TemplateError: The template is not found, a pack is wrong, or a bilingual agreement
            has a pack text in one language only.
    """
    from agreementgen.templates import resolve

    info = resolve(template, kind, list(template_dirs))
    found = load_packs(packs_for(info.path, info.builtin, clauses))
    found.check_languages(langs)
    return found


def starter_pack(lang: str) -> str:
    """A pack to start from: every built-in clause text of a language, commented out.

    Removing the ``#`` of a clause's lines makes that clause the organisation's own; the
    texts are the built-in ones as they are in this version of agreementgen.
    """
    from agreementgen.resources import locale_dir

    lines = (locale_dir(lang) / "clauses.yaml").read_text(encoding="utf-8").splitlines()
    start = next(i for i, line in enumerate(lines) if line and not line.startswith("#"))
    guide = []
    for line in lines[1:start]:
        if "tests/" in line:
            break
        guide.append(line)
    head = [f"# {line}" if line else "#" for line in message(
        "pack_starter_header", lang=lang, language=_language_name(lang), code=lang,
        add=ADD_KEY).splitlines()]
    body = [f"# {line}" if line.strip() else "#" for line in lines[start:]]
    return "\n".join([*head, "#", *guide, "", *body]) + "\n"


def _language_name(lang: str) -> str:
    """The language's name in itself: English, Nederlands."""
    from babel import Locale

    return str(Locale.parse(lang).languages[lang])
