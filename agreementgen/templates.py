"""Find templates: built-in ones by name, an organisation's own by folder, or a .docx path."""

from __future__ import annotations

import os
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from agreementgen.errors import Problem, TemplateError
from agreementgen.i18n import message
from agreementgen.resources import data_dir, load_yaml

TEMPLATE_FILE = "template.docx"
MANIFEST_FILE = "manifest.yaml"
PATH_VARIABLE = "AGREEMENTGEN_TEMPLATE_PATH"
DEFAULT_FOR_KIND = {"partnership_agreement": "partnership_agreement", "mou": "partnership_agreement",
                    "letter_of_intent": "partnership_agreement"}


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
            manifest = load_yaml(manifest_path) if manifest_path.is_file() else {}
            infos.append(TemplateInfo(child.name, template, builtin, manifest or {}))
    return infos


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
