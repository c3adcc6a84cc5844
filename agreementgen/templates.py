"""Find templates: built-in ones by name, an organisation's own by folder, or a .docx path."""

from __future__ import annotations

import os
import re
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from agreementgen.errors import OutputError, Problem, TemplateError
from agreementgen.i18n import message
from agreementgen.resources import data_dir, load_yaml

TEMPLATE_FILE = "template.docx"
MANIFEST_FILE = "manifest.yaml"
PATH_VARIABLE = "AGREEMENTGEN_TEMPLATE_PATH"
_NAME = re.compile(r"[A-Za-z0-9][A-Za-z0-9_-]{0,63}")
_NAME_LINE = re.compile(r"^name:.*$", re.MULTILINE)
DEFAULT_FOR_KIND = {"partnership_agreement": "partnership_agreement",
                    "mou": "memorandum_of_understanding",
                    "letter_of_intent": "memorandum_of_understanding"}


@dataclass(frozen=True)
class TemplateInfo:
    """A template and what its manifest says about it."""

    name: str
    path: Path
    builtin: bool
    manifest: dict[str, Any]


def search_path(extra: list[Path] | None = None) -> list[Path]:
    """Folders searched for user templates: --template-dir first, then the environment variable."""
    folders = list(extra or [])
    folders += [Path(p) for p in os.environ.get(PATH_VARIABLE, "").split(os.pathsep) if p]
    return folders


def available(extra: list[Path] | None = None) -> list[TemplateInfo]:
    """Every template that can be named: user templates first (they shadow built-ins)."""
    found: dict[str, TemplateInfo] = {}
    for folder in search_path(extra):
        for info in _in_folder(folder, builtin=False):
            found.setdefault(info.name, info)
    for info in _in_folder(data_dir("templates"), builtin=True):
        found.setdefault(info.name, info)
    return list(found.values())


def _in_folder(folder: Path, builtin: bool) -> list[TemplateInfo]:
    if not folder.is_dir():
        return []
    infos = []
    for child in sorted(folder.iterdir()):
        template = child / TEMPLATE_FILE
        if template.is_file():
            manifest_path = child / MANIFEST_FILE
            manifest = read_manifest(manifest_path) if manifest_path.is_file() else {}
            infos.append(TemplateInfo(child.name, template, builtin, manifest))
    return infos


def manifest_of(info: TemplateInfo) -> dict[str, Any]:
    """The manifest of a template, also when it was named by the path of its .docx."""
    beside = info.path.parent / MANIFEST_FILE
    if info.manifest or info.path.name != TEMPLATE_FILE or not beside.is_file():
        return info.manifest
    return read_manifest(beside)


def read_manifest(path: Path) -> dict[str, Any]:
    """A template's manifest (an organisation writes its own, so it is checked).

    Raises:
        TemplateError: The manifest is not YAML, or not a mapping.
    """
    import yaml

    try:
        data = load_yaml(path)
    except (OSError, UnicodeDecodeError, yaml.YAMLError) as exc:
        reason = str(exc).replace("\n", " ")
        text = message("manifest_unreadable", path=path, reason=reason)
        raise TemplateError(text, [Problem(str(path), text, code="manifest_unreadable")]) from None
    if data is None:
        return {}
    if not isinstance(data, dict):
        text = message("manifest_unreadable", path=path,
                       reason=f"it holds a {type(data).__name__}, not name:, kind:, ... fields")
        raise TemplateError(text, [Problem(str(path), text, code="manifest_unreadable")])
    return data


@dataclass(frozen=True)
class Listed:
    """A template as ``templates list`` shows it.

    Attributes:
        info: The template that the name finds.
        shadows: Templates of the same name further down the search path, which it hides.
    """

    info: TemplateInfo
    shadows: tuple[TemplateInfo, ...] = ()


def listing(extra: list[Path] | None = None) -> list[Listed]:
    """Every template by name, in search order, with the same-named ones each one hides."""
    order: dict[str, list[TemplateInfo]] = {}
    for folder in search_path(extra):
        for info in _in_folder(folder, builtin=False):
            order.setdefault(info.name, []).append(info)
    for info in _in_folder(data_dir("templates"), builtin=True):
        order.setdefault(info.name, []).append(info)
    return [Listed(infos[0], tuple(infos[1:])) for infos in order.values()]


def builtin(name: str) -> TemplateInfo:
    """The built-in template of that name.

    Raises:
        TemplateError: There is no built-in template of that name.
    """
    templates = _in_folder(data_dir("templates"), builtin=True)
    for info in templates:
        if info.name == name:
            return info
    known = ", ".join(i.name for i in templates)
    text = message("template_not_builtin", name=name, known=known)
    raise TemplateError(text, [Problem(name, text, code="template_not_found")])


def create(name: str, source: str, folder: Path, packs: Sequence[str] = ()) -> Path:
    """Copy a built-in template (its folder with the manifest) as the start of a new one.

    The copy goes to ``folder/name``; its manifest's ``name`` is set to ``name``. The copy is
    made beside the target and then renamed, so a failure leaves nothing half-copied.

    Args:
        name: The new template's name (letters, digits, ``-`` and ``_``).
        source: The built-in template to copy.
        folder: The folder to create it in (an existing one).
        packs: Languages to write a clause pack for (``clauses.<lang>.yaml``), with the
            built-in clause texts commented out, as the start of the organisation's own.

    Returns:
        The new template's folder.

    Raises:
        TemplateError: The name is not usable or the built-in does not exist.
        OutputError: The target exists, or the folder does not.
    """
    import shutil
    import tempfile

    if not _NAME.fullmatch(name):
        text = message("template_name_invalid", name=name)
        raise TemplateError(text, [Problem(name, text, code="template_name_invalid")])
    original = builtin(source)
    target = folder / name
    if not folder.is_dir():
        text = message("output_folder_missing", folder=folder)
        raise OutputError(text, [Problem(str(target), text, code="output_folder_missing")])
    if target.exists():
        text = message("template_exists")
        raise OutputError(text, [Problem(str(target), text, code="output_exists")])
    staging = Path(tempfile.mkdtemp(prefix=f".{name}.", dir=folder))
    try:
        copy = staging / name
        shutil.copytree(original.path.parent, copy)
        manifest = copy / MANIFEST_FILE
        text = manifest.read_text(encoding="utf-8") if manifest.is_file() else ""
        renamed, count = _NAME_LINE.subn(f"name: {name}", text, count=1)
        manifest.write_text(renamed if count else f"name: {name}\n{text}", encoding="utf-8")
        if packs:
            from agreementgen.clauses.packs import starter_pack

            for lang in packs:
                (copy / f"clauses.{lang}.yaml").write_text(starter_pack(lang), encoding="utf-8")
        copy.rename(target)
    finally:
        shutil.rmtree(staging, ignore_errors=True)
    return target


def resolve(name_or_path: str | None, kind: str, extra: list[Path] | None = None) -> TemplateInfo:
    """The template a user asked for, or the default for the agreement's kind.

    Raises:
        TemplateError: No such template.
    """
    if name_or_path and (name_or_path.endswith((".docx", ".dotx")) or os.sep in name_or_path):
        path = Path(name_or_path)
        return TemplateInfo(path.stem, path, False, {})
    wanted = name_or_path or DEFAULT_FOR_KIND.get(kind, "partnership_agreement")
    templates = available(extra)
    for info in templates:
        if info.name == wanted:
            return info
    known = ", ".join(sorted(i.name for i in templates))
    text = message("template_not_found", name=wanted, known=known)
    raise TemplateError(text, [Problem(wanted, text, code="template_not_found")])
