"""Starter descriptions for ``agreementgen init``: commented files that validate as written.

There is one starter per kind of agreement and language, in ``locales/<lang>/``. Each names the
JSON Schema in a ``# yaml-language-server: $schema=...`` line, so editors check the file while it
is being filled in. By default that schema is written beside the description as
``agreementgen.schema.json``: a relative path to this package or to a checkout breaks as soon as
the file moves or is shared, and the description format has no public address to point at.
"""

from __future__ import annotations

import datetime
import re
import textwrap
import unicodedata
from dataclasses import dataclass
from enum import Enum
from pathlib import Path
from typing import Any

from agreementgen.errors import OutputError, Problem, ValidationError
from agreementgen.i18n import DEFAULT_LANGUAGE, LANGUAGES, message
from agreementgen.resources import locale_dir
from agreementgen.writing import check_target, write_atomic

KINDS = ("partnership_agreement", "mou", "letter_of_intent")
DEFAULT_KIND = "partnership_agreement"
SECTORS = ("cso", "business", "public", "knowledge", "funder")
ORIENTATIONS = ("partnership_oriented", "activist", "mixed")
SCHEMA_FILE_NAME = "agreementgen.schema.json"
MIN_PARTNERS = 2

# The sections a starter shows commented out, for the partners to use where they apply.
OPTIONAL_SECTIONS = ("compliance", "data_protection", "funding", "publication", "liability",
                     "force_majeure")

_MODELINE = re.compile(r"^# yaml-language-server: \$schema=\S+$", re.M)
_COMMENTED_SECTION = re.compile(r"^# ([a-z_]+):")
_DATE = re.compile(r"^[0-9]{4}-[0-9]{2}-[0-9]{2}$")


class SchemaFile(Enum):
    """What ``init`` did with the JSON Schema beside the description."""

    WRITTEN = "written"
    UNCHANGED = "unchanged"
    OUTDATED = "outdated"
    NOT_USED = "not_used"


@dataclass(frozen=True)
class InitResult:
    """What ``init`` wrote.

    Attributes:
        description: The description file.
        schema: The JSON Schema file beside it, or None when the header names another schema.
        schema_file: Whether that schema file was written, already up to date, or left outdated.
    """

    description: Path
    schema: Path | None
    schema_file: SchemaFile


@dataclass(frozen=True)
class PartnerAnswers:
    """What ``init --interactive`` asked about one partner."""

    name: str
    sector: str
    role: str
    mission: str
    orientation: str | None = None


@dataclass(frozen=True)
class Answers:
    """The answers of ``init --interactive``: the essentials of a description that validates."""

    title: str
    partners: tuple[PartnerAnswers, ...]
    problem: str
    objective: str
    goal: str
    outcome: str
    start_date: str
    end_date: str
    personal_data: bool = False
    cash: bool = False
    vulnerable: bool = False


def starter_text(kind: str = DEFAULT_KIND, lang: str = DEFAULT_LANGUAGE) -> str:
    """The text of the starter description for one kind of agreement in one language.

    Raises:
        ValueError: An unknown kind or language.
    """
    if kind not in KINDS:
        raise ValueError(f"unknown kind {kind!r}; use one of: {', '.join(KINDS)}")
    if lang not in LANGUAGES:
        raise ValueError(f"unknown language {lang!r}; use one of: {', '.join(LANGUAGES)}")
    return (locale_dir(lang) / f"starter_{kind}.yaml").read_text(encoding="utf-8")


def commented_sections(text: str) -> dict[str, list[str]]:
    """The optional sections a starter shows commented out, each as its lines without the ``# ``.

    A section starts at ``# name:`` (``name`` one of :data:`OPTIONAL_SECTIONS`) and goes on while
    lines start with ``#`` and three spaces; removing the ``# `` from those lines gives YAML.
    """
    sections: dict[str, list[str]] = {}
    current: list[str] | None = None
    for line in text.splitlines():
        match = _COMMENTED_SECTION.match(line)
        if match and match[1] in OPTIONAL_SECTIONS:
            current = sections.setdefault(match[1], [])
            current.append(line[2:])
        elif current is not None and line.startswith("#   "):
            current.append(line[2:])
        else:
            current = None
    return sections


def uncommented(text: str) -> str:
    """A starter's text with its optional sections taken out of the comments."""
    lines = []
    inside = False
    for line in text.splitlines():
        match = _COMMENTED_SECTION.match(line)
        if match and match[1] in OPTIONAL_SECTIONS:
            inside = True
        elif not (inside and line.startswith("#   ")):
            inside = False
        lines.append(line[2:] if inside else line)
    return "\n".join(lines) + "\n"


def with_schema(text: str, schema_ref: str) -> str:
    """The description text with its editor line naming ``schema_ref``; added on top if absent."""
    line = f"# yaml-language-server: $schema={schema_ref}"
    if _MODELINE.search(text):
        return _MODELINE.sub(lambda _: line, text, count=1)
    return f"{line}\n{text}"


def check_init_target(path: Path, *, force: bool = False) -> None:
    """Refuse, before any question is asked, a target that ``init`` could not write.

    Raises:
        OutputError: Not a .yaml/.yml name, the file exists (without ``force``), or the folder
            does not exist.
    """
    if path.suffix.lower() not in (".yaml", ".yml"):
        text = message("init_yaml_only", suffix=path.suffix or "(none)")
        raise OutputError(text, [Problem(str(path), text, code="init_yaml_only")])
    check_target(path, force)


def write_starter(path: Path, *, kind: str = DEFAULT_KIND, lang: str = DEFAULT_LANGUAGE,
                  force: bool = False, schema_url: str | None = None) -> InitResult:
    """Write the commented starter description for ``kind`` and ``lang`` to ``path``.

    Args:
        path: The .yaml file to write.
        kind: partnership_agreement, mou or letter_of_intent.
        lang: The language of the comments and placeholders, and ``agreement.language``; two
            ("en,nl") give each free-text placeholder in both languages.
        force: Overwrite an existing description (and an outdated schema file beside it).
        schema_url: The schema the editor line names instead of ``agreementgen.schema.json``
            beside the file (a URL, or a path relative to the file); then no schema is written.

    Raises:
        OutputError: The file cannot be written (see ``check_init_target``).
    """
    check_init_target(path, force=force)
    langs = lang.split(",")
    text = starter_text(kind, langs[0])
    if len(langs) > 1:
        text = in_languages(text, {one: starter_text(kind, one) for one in langs})
        _check_valid(path, text)
    return _write(path, text, force=force, schema_url=schema_url)


def in_languages(text: str, starters: dict[str, str]) -> str:
    """A starter whose placeholders for free text are mappings with one placeholder per
    language, each taken from that language's starter at the same place.

    ``title: <Title>`` becomes ``title:`` with ``en: <Title>`` and ``nl: <Titel>`` below it; a
    placeholder inside a flow mapping becomes ``{en: "<Title>", nl: "<Titel>"}``. Names,
    addresses and ids stay as they are: they read the same in every language.

    Args:
        text: The starter to change (in the first language: its comments stay).
        starters: Each language's starter, the same fields in the same order.
    """
    import json

    import yaml

    from agreementgen.translations import is_text, rule_at

    data = {lang: yaml.safe_load(other) for lang, other in starters.items()}
    lines = text.split("\n")
    # Where each text is (line, start and end column), its texts, its path, whether it stands
    # in a flow mapping, and the column its language keys go in.
    edits: list[tuple[int, int, int, dict[str, str], tuple[str | int, ...], bool, int]] = []

    def visit(node: yaml.Node, path: tuple[str | int, ...], flow: bool, column: int) -> None:
        if isinstance(node, yaml.MappingNode):
            for key, value in node.value:
                visit(value, (*path, key.value), flow or bool(node.flow_style),
                      key.start_mark.column + 2)
        elif isinstance(node, yaml.SequenceNode):
            for index, item in enumerate(node.value):
                visit(item, (*path, index), flow or bool(node.flow_style),
                      item.start_mark.column)
        elif isinstance(node, yaml.ScalarNode):
            rule = rule_at(path)
            if rule is None or not is_text(rule) \
                    or rule.get("meta", {}).get("language_neutral"):
                return
            texts = {lang: _value_at(data[lang], path) for lang in starters}
            if len(set(texts.values())) > 1:
                edits.append((node.start_mark.line, node.start_mark.column,
                              node.end_mark.column, texts, path, flow, column))

    root = yaml.compose(text)
    if root is not None:
        visit(root, (), False, 0)
    for line, start, end, texts, path, flow, column in reversed(edits):
        row = lines[line]
        if flow:
            pairs = ", ".join(f"{lang}: {json.dumps(value, ensure_ascii=False)}"
                              for lang, value in texts.items())
            lines[line] = f"{row[:start]}{{{pairs}}}{row[end:]}"
            continue
        item = isinstance(path[-1], int)
        indent = " " * column
        # A placeholder stays as it reads; other text is quoted, so YAML keeps it text.
        values = [f"{lang}: " + (value if value.startswith("<")
                                 else json.dumps(value, ensure_ascii=False))
                  for lang, value in texts.items()]
        if item:  # "- <text>": the mapping starts on the item's own line
            lines[line] = row[:start] + values[0] + row[end:]
            lines[line + 1:line + 1] = [indent + v for v in values[1:]]
        else:
            lines[line] = (row[:start].rstrip() + row[end:]).rstrip()
            lines[line + 1:line + 1] = [indent + v for v in values]
    return "\n".join(lines)


def _value_at(data: Any, path: tuple[str | int, ...]) -> str:
    for step in path:
        data = data[step]
    return str(data)


def write_answers(path: Path, answers: Answers, *, kind: str = DEFAULT_KIND,
                  lang: str = DEFAULT_LANGUAGE, force: bool = False,
                  schema_url: str | None = None) -> InitResult:
    """Write the description made from the answers of ``init --interactive``.

    Raises:
        OutputError: The file cannot be written.
        ValidationError: The answers do not make a valid description (each answer is checked
            as it is given, so this means a check here is missing).
    """
    check_init_target(path, force=force)
    text = answers_text(answers, kind=kind, lang=lang)
    _check_valid(path, text)
    return _write(path, text, force=force, schema_url=schema_url)


def answers_text(answers: Answers, *, kind: str = DEFAULT_KIND,
                 lang: str = DEFAULT_LANGUAGE) -> str:
    """The description YAML for the answers, with a comment on what to add next."""
    import yaml

    ids: list[str] = []
    partners = []
    for partner in answers.partners:
        ident = unique_id(partner.name, ids)
        ids.append(ident)
        record: dict[str, Any] = {"id": ident, "name": partner.name, "sector": partner.sector}
        if partner.orientation:
            record["orientation"] = partner.orientation
        record.update(role=partner.role, mission=partner.mission)
        partners.append(record)
    sections: dict[str, Any] = {
        "agreement": {"title": answers.title, "kind": kind, "binding": "non_binding",
                      "language": lang},
        "partners": partners,
        "purpose": {"problem": answers.problem, "shared_objectives": [answers.objective]},
        "theory_of_change": {"long_term_goal": answers.goal,
                             "outcomes": [{"id": "outcome-1", "statement": answers.outcome}]},
        "duration": {"start_date": answers.start_date, "end_date": answers.end_date},
    }
    header = message("init_interactive_header", lang=lang, kind=kind)
    lines = [f"# {line}" for line in textwrap.wrap(header, width=96)]
    lines.append(f"# yaml-language-server: $schema={SCHEMA_FILE_NAME}")
    class Dumper(yaml.SafeDumper):
        """Indents list items under their key, as the starters and examples do."""

        def increase_indent(self, flow: bool = False, indentless: bool = False) -> None:
            super().increase_indent(flow, False)

    body = "\n".join(
        yaml.dump({name: value}, Dumper=Dumper, sort_keys=False, allow_unicode=True, width=96)
        for name, value in sections.items())
    extra = "".join(f"\n{chunk}" for chunk in _answered_sections(answers, ids, kind, lang))
    return "\n".join(lines) + "\n\n" + body + extra


def _answered_sections(answers: Answers, ids: list[str], kind: str, lang: str) -> list[str]:
    """What the yes/no questions add: a value where the answer settles one, and the starter's
    commented lines (with the partners' own ids) for what the partners still have to fill in."""
    import yaml

    text = starter_text(kind, lang)
    starter_ids = [partner["id"] for partner in yaml.safe_load(text)["partners"]]
    renames = dict(zip(starter_ids, ids, strict=False))

    def own_ids(line: str) -> str:
        return re.sub(r"(?<![\w-])[a-z][a-z0-9-]*(?![\w-])",
                      lambda m: renames.get(m[0], m[0]), line)

    # The interactive file has no header that explains the (md) marks; they go.
    starter = {name: [own_ids(line.replace("  # (md)", "").replace(" (md)", "")) for line in block]
               for name, block in commented_sections(text).items()}
    chunks = []
    # In the order of the schema (and of the examples), whatever the order of the questions.
    if answers.vulnerable:
        header, *rest = starter["compliance"]
        at = next(i for i, line in enumerate(rest) if line.lstrip().startswith("safeguarding:"))
        inner = []
        for line in rest[at + 1:]:
            if not line.startswith("    "):
                break
            inner.append(line)
        chunks.append([
            _aligned(header), _aligned(rest[at]), "    applies: true",
            *_note("init_note_safeguarding", lang, "    "),
            *_commented(inner, "    ", leave_out="applies:")])
    if answers.personal_data:
        header, *rest = starter["data_protection"]
        chunks.append([
            _aligned(header), "  personal_data: true",
            *_note("init_note_personal_data", lang, "  "),
            *_commented(rest, "  ", leave_out="personal_data:")])
    if answers.cash:
        funding = starter.get("funding")
        if funding:
            chunks.append([*_note("init_note_funding", lang, ""), *_commented(funding, "")])
        else:
            chunks.append(_note("init_note_funding_later", lang, ""))
    return ["\n".join(chunk) + "\n" for chunk in chunks]


def _aligned(line: str) -> str:
    """A line taken out of a starter's comments, its own comment back in the starter's column."""
    return re.sub(r"(?<=\S)( {2,})# ", r"\1  # ", line, count=1)


def _note(key: str, lang: str, indent: str) -> list[str]:
    """A message as comment lines at ``indent``."""
    return [f"{indent}# {line}"
            for line in textwrap.wrap(message(key, lang=lang), width=96 - len(indent))]


def _commented(lines: list[str], indent: str, *, leave_out: str | None = None) -> list[str]:
    """Lines of YAML at ``indent`` or deeper, commented out at ``indent``."""
    return [f"{indent}# {line[len(indent):]}" for line in lines
            if not (leave_out and line.lstrip().startswith(leave_out))]


def unique_id(name: str, taken: list[str]) -> str:
    """A partner id made from a name: lowercase ASCII letters, digits and hyphens, unused."""
    ascii_name = unicodedata.normalize("NFKD", name).encode("ascii", "ignore").decode()
    base = re.sub(r"[^a-z0-9]+", "-", ascii_name.lower()).strip("-")[:40].strip("-")
    if not base or not base[0].isalpha():
        base = f"partner-{base}" if base else "partner"
    ident, number = base, 2
    while ident in taken:
        ident, number = f"{base}-{number}", number + 1
    return ident


def check_text(value: str, *, markdown: bool = False, lang: str = DEFAULT_LANGUAGE) -> str:
    """An answer as text that the schema accepts: not empty, not too long.

    Raises:
        ValueError: With the message to show before asking again.
    """
    from agreementgen.validation.schema import MAX_MARKDOWN, MAX_TEXT

    text = value.strip()
    if not text:
        raise ValueError(message("empty", lang=lang))
    limit = MAX_MARKDOWN if markdown else MAX_TEXT
    if len(text) > limit:
        raise ValueError(message("max_length", lang=lang, actual=len(text), max=limit))
    return text


def check_date(value: str, *, after: str | None = None, lang: str = DEFAULT_LANGUAGE) -> str:
    """An answer that is a real date written YYYY-MM-DD, after ``after`` when given.

    Raises:
        ValueError: With the message to show before asking again.
    """
    text = value.strip()
    try:
        if not _DATE.match(text):
            raise ValueError(text)
        datetime.date.fromisoformat(text)
    except ValueError:
        raise ValueError(message("bad_date", lang=lang, value=text)) from None
    if after is not None and text <= after:
        raise ValueError(message("init_end_not_after_start", lang=lang, start=after))
    return text


def _write(path: Path, text: str, *, force: bool, schema_url: str | None) -> InitResult:
    """Write the schema beside the description (unless another is named), then the description."""
    if schema_url is not None:
        write_atomic(path, with_schema(text, schema_url).encode("utf-8"))
        return InitResult(path, None, SchemaFile.NOT_USED)
    from agreementgen.jsonschema import json_schema_text

    schema = path.parent / SCHEMA_FILE_NAME
    wanted = json_schema_text()
    if not schema.exists():
        state = SchemaFile.WRITTEN
    elif schema.is_file() and _read(schema) == wanted:
        state = SchemaFile.UNCHANGED
    else:
        state = SchemaFile.WRITTEN if force and schema.is_file() else SchemaFile.OUTDATED
    if state is SchemaFile.WRITTEN:
        write_atomic(schema, wanted.encode("utf-8"))
    write_atomic(path, with_schema(text, SCHEMA_FILE_NAME).encode("utf-8"))
    return InitResult(path, schema, state)


def _read(path: Path) -> str | None:
    try:
        return path.read_text(encoding="utf-8")
    except (OSError, UnicodeDecodeError):
        return None


def _check_valid(path: Path, text: str) -> None:
    """Validate a description's text before it is written, so init never writes an invalid file."""
    import yaml

    from agreementgen.loading import Source
    from agreementgen.validation import check
    from agreementgen.yaml_reader import DescriptionLoader

    data = yaml.load(text, Loader=DescriptionLoader)
    _, problems = check(Source(str(path), "yaml", text, data))
    if problems:
        raise ValidationError(f"{path}: {len(problems)} problem(s)", problems)
