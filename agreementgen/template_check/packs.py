"""Check clause packs before use: what reading them refuses, and what only trying them shows.

Reading a pack (:func:`agreementgen.clauses.packs.load_pack`) finds unknown clause ids, YAML and
Jinja syntax errors and unsafe names. This module adds what needs the clause library and real
descriptions: variables a clause text cannot use (with "did you mean"), references to clauses
that do not exist or that a description does not have, texts that fail on a real description,
and languages a template is made for that its packs leave out.
"""

from __future__ import annotations

import dataclasses
import difflib
import functools
from collections.abc import Iterator, Sequence
from pathlib import Path
from typing import Any

from jinja2 import nodes

from agreementgen.clauses.packs import (
    ClausePack,
    ClauseTexts,
    PackSet,
    PackText,
    beside,
    named,
    read_packs,
)
from agreementgen.errors import AgreementGenError, Problem, TemplateError
from agreementgen.i18n import message
from agreementgen.template_check.variables import Variables, assigned

__all__ = ["check_packs", "pack_files"]

#: Names Jinja itself provides in a clause text.
_JINJA = {"range", "dict", "lipsum", "cycler", "joiner", "namespace", "loop", "caller"}


def pack_files(name_or_path: str, template_dirs: Sequence[Path] = (),
               clauses: Sequence[Path] = ()) -> tuple[list[Path], list[str]]:
    """The packs a template brings (beside it) and those named, and the languages the packs
    must cover: the template's (its manifest's), when it brings packs of its own.

    Raises:
        TemplateError: No template of that name, or a named pack does not exist.
    """
    from agreementgen.templates import TEMPLATE_FILE, manifest_of, resolve

    info = resolve(name_or_path, "", list(template_dirs))
    files = beside(info.path) if not info.builtin and info.path.name == TEMPLATE_FILE else []
    languages = manifest_of(info).get("languages")
    wanted = [str(x) for x in languages] if isinstance(languages, list) else []
    return files + named(list(clauses)), wanted if files else []


def check_packs(files: Sequence[Path], languages: Sequence[str] = (),
                template: str = "") -> list[Problem]:
    """Every problem of the packs, each with its file, line and clause id.

    Args:
        files: The pack files, in the order they apply.
        languages: The languages the template is made for (its manifest's ``languages``).
        template: The template as named in messages, for a language its packs leave out.
    """
    packs, problems = read_packs(files)
    if not packs:
        return problems
    problems += _languages(PackSet(tuple(packs)), files, languages, template)
    for pack in packs:
        problems += _static(pack)
    # A text with a problem found by reading it fails when tried as well: report it once.
    found = {(p.file, p.path) for p in problems}
    problems += [p for p in _tried(tuple(packs)) if (p.file, p.path) not in found]
    return _unique(problems)


def _languages(found: PackSet, files: Sequence[Path], languages: Sequence[str],
               template: str) -> list[Problem]:
    """A language the template is made for that no pack covers, or a clause one language's
    pack changes and another's leaves built in."""
    written = {p.lang for p in found.packs}
    problems = []
    for lang in languages:
        if lang not in written:
            text = message("check_pack_language_missing", template=template or "-", code=lang,
                           have=", ".join(sorted(written)))
            problems.append(Problem(str(files[0].parent / f"clauses.{lang}.yaml"), text,
                                    code="check_pack_language_missing"))
    langs = [lang for lang in languages if lang in written] or sorted(written)
    if len(langs) > 1:
        try:
            found.check_languages(langs)
        except TemplateError as exc:
            problems += exc.problems
    return problems


def _entries(pack: ClausePack) -> Iterator[PackText]:
    yield from pack.texts.values()
    yield from pack.added


def _static(pack: ClausePack) -> list[Problem]:
    """Names a text reads that no clause text has, and clause ids it names that do not exist."""
    from agreementgen.clauses import NUMBERED_ARTICLES, compile_text, library

    known_ids = {spec.id for spec in library()} | {e.id for e in pack.added}
    # clauses() and Clauses() also take an article's name, for all of its clauses.
    known = {"ref": known_ids, "has": known_ids,
             "clauses": known_ids | set(NUMBERED_ARTICLES),
             "Clauses": known_ids | set(NUMBERED_ARTICLES)}
    context = _context(pack.lang)
    problems = []
    for entry in _entries(pack):
        for binding in (True, False) if entry.binding != entry.non_binding else (True,):
            source = entry.text(binding)
            env = compile_text(pack.lang, source).environment
            ast = env.parse(source)
            scope = {**context, "p": context["d"]["partners"][0]} \
                if entry.id == "document.party" else context
            variables = Variables(scope, set(env.globals) | _JINJA | assigned(ast))
            variables.visit(ast, {})
            first = entry.first_line(binding)
            for miss in variables.misses:
                hint = message("check_did_you_mean", suggestion=miss.suggestion) \
                    if miss.suggestion else ""
                text = message("check_pack_variable", id=entry.id, name=miss.written, hint=hint)
                problems.append(Problem(str(entry.file), text, entry.id,
                                        first + miss.lineno - 1, code="check_pack_variable"))
            for call in ast.find_all(nodes.Call):
                if not (isinstance(call.node, nodes.Name) and call.node.name in known):
                    continue
                for arg in call.args:
                    if isinstance(arg, nodes.Const) and isinstance(arg.value, str) \
                            and arg.value not in known[call.node.name]:
                        near = difflib.get_close_matches(arg.value, sorted(known_ids), n=1,
                                                         cutoff=0.6)
                        hint = message("check_did_you_mean", suggestion=near[0]) if near else ""
                        text = message("check_pack_no_clause", id=entry.id, target=arg.value,
                                       hint=hint)
                        problems.append(Problem(str(entry.file), text, entry.id,
                                                first + call.lineno - 1,
                                                code="check_pack_no_clause"))
    return problems


@functools.cache
def _context(lang: str) -> dict[str, Any]:
    """Every value a clause text can read, merged over the probe descriptions."""
    from agreementgen.clauses import clause_values
    from agreementgen.template_check.probes import _descriptions, merge_contexts

    contexts = []
    for _, loaded, _ in _descriptions():
        d = loaded.description_in(lang, marked=True)
        values = clause_values(d, lang)
        contexts.append({**values, "d": _as_mapping(d)})
    return merge_contexts(contexts)


def _as_mapping(value: Any) -> Any:
    """A description's records as mappings (fields and properties), for the variable check."""
    if dataclasses.is_dataclass(value) and not isinstance(value, type):
        found = {f.name: _as_mapping(getattr(value, f.name)) for f in dataclasses.fields(value)}
        for name in dir(type(value)):
            if isinstance(getattr(type(value), name, None), property):
                found[name] = _as_mapping(getattr(value, name))
        return found
    if isinstance(value, list | tuple):
        return [_as_mapping(v) for v in value]
    return value


def _tried(packs: tuple[ClausePack, ...]) -> list[Problem]:
    """Render every pack text with each probe description, under the user-template limits."""
    from agreementgen.render.guard import run_limited

    label = ", ".join(str(p.path) for p in packs)
    try:
        found: list[Problem] = run_limited(_try_all, packs, label=label)
    except AgreementGenError as exc:
        return list(exc.problems)
    return found


def _try_all(packs: tuple[ClausePack, ...]) -> list[Problem]:
    from agreementgen.clauses import try_pack_texts
    from agreementgen.template_check.probes import _descriptions

    problems: list[Problem] = []
    for lang in dict.fromkeys(p.lang for p in packs):
        texts = ClauseTexts(lang, tuple(p for p in packs if p.lang == lang))
        for _, loaded, _ in _descriptions():
            problems += try_pack_texts(loaded.description_in(lang, marked=True), lang, texts)
    return problems


def _unique(problems: list[Problem]) -> list[Problem]:
    seen: set[tuple[str, int | None, str, str]] = set()
    found = []
    for problem in problems:
        key = (problem.file, problem.line, problem.path, problem.code)
        if key not in seen:
            seen.add(key)
            found.append(problem)
    return found
