"""docxtpl's two text rewrites, without importing python-docx.

:class:`~agreementgen.render.docx.CompiledTemplate` uses two methods of docxtpl's
``DocxTemplate``: ``patch_xml`` (rejoins tags Word split across runs, expands ``{%p %}`` and
the like) and ``resolve_listing`` (tabs and line breaks in values). Both rewrite text with
regular expressions and use nothing of the object or of python-docx, but importing docxtpl
imports python-docx, which costs more than compiling a template. This module compiles those
two methods from docxtpl's installed source, in a namespace that holds only ``re``, so they
are docxtpl's own code and give the same text. Where that source is not as expected (another
docxtpl), :data:`DocxTemplate` is docxtpl's class, imported as usual. Both happen on first use
of :data:`DocxTemplate`, not on import.
"""

from __future__ import annotations

import functools
import importlib.util
import re
from pathlib import Path
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    import ast

__all__ = ["DocxTemplate", "source_key"]

#: The methods taken, and the module globals they may use.
_METHODS = ("patch_xml", "resolve_listing")
_GLOBALS = {"re": re}
#: A method of the class (indented four spaces) and its body, up to the next line indented as
#: far or less (blank lines included).
_METHOD = re.compile(r"^    def (?:" + "|".join(_METHODS) + r")\(.*?(?=^ {0,4}\S)", re.M | re.S)


def _template_source() -> Path | None:
    """docxtpl's ``template.py``, where it is installed (None: no docxtpl is)."""
    spec = importlib.util.find_spec("docxtpl")
    if spec is None or spec.origin is None:
        return None
    return Path(spec.origin).with_name("template.py")


@functools.cache
def source_key() -> str:
    """What identifies the installed docxtpl's text rewrites: its ``template.py``'s path,
    size and modification time (a new docxtpl is a new key)."""
    path = _template_source()
    try:
        info = path.stat() if path is not None else None
    except OSError:
        info = None
    return f"{path}|{info.st_size}|{info.st_mtime_ns}" if info is not None else "-"


def _methods_from_source() -> dict[str, Any] | None:
    """The two methods compiled from docxtpl's ``template.py``; None when they cannot be
    taken as they are (not found, decorated, or using other globals than ``re``)."""
    import ast
    import textwrap

    path = _template_source()
    if path is None:
        return None
    found: dict[str, ast.FunctionDef] = {}
    try:
        source = path.read_text(encoding="utf-8")
        # Only the two methods are parsed (the whole file takes several times longer): each
        # runs from its "def" to the next line indented as far or less.
        for match in _METHOD.finditer(source):
            tree = ast.parse(textwrap.dedent(match.group(0)), str(path))
            function = tree.body[0] if len(tree.body) == 1 else None
            if isinstance(function, ast.FunctionDef) and function.name in _METHODS:
                found[function.name] = function
    except (OSError, SyntaxError, UnicodeDecodeError, ValueError):
        return None
    if set(found) != set(_METHODS) or "\nclass DocxTemplate(" not in source:
        return None
    for function in found.values():
        if function.decorator_list or not _free_names(function) <= set(_GLOBALS):
            return None
    module = ast.Module(body=[found[name] for name in _METHODS], type_ignores=[])
    namespace: dict[str, Any] = dict(_GLOBALS)
    exec(compile(module, str(path), "exec"), namespace)  # docxtpl's own code, as installed
    return {name: namespace[name] for name in _METHODS}


def _free_names(function: ast.FunctionDef) -> set[str]:
    """The names a function reads that it does not bind itself and that are not builtins."""
    import ast
    import builtins

    bound: set[str] = set()
    read: set[str] = set()
    for node in ast.walk(function):
        if isinstance(node, ast.Name):
            (read if isinstance(node.ctx, ast.Load) else bound).add(node.id)
        elif isinstance(node, ast.arg):
            bound.add(node.arg)
        elif isinstance(node, ast.FunctionDef | ast.AsyncFunctionDef | ast.ClassDef):
            bound.add(node.name)
        elif isinstance(node, ast.alias):
            bound.add((node.asname or node.name).split(".")[0])
        elif isinstance(node, ast.Global | ast.Nonlocal):
            read.update(node.names)
    return read - bound - set(dir(builtins))


def _docxtpl_class() -> Any:
    methods = _methods_from_source()
    if methods is None:
        from docxtpl import DocxTemplate as Imported

        return Imported
    return type("DocxTemplate", (), {"__doc__": "docxtpl's text rewrites.", **methods})


#: Has ``patch_xml(self, xml)`` and ``resolve_listing(self, xml)`` as docxtpl's class has,
#: called unbound (``DocxTemplate.patch_xml(None, xml)``); made on first use.
DocxTemplate: Any


def __getattr__(name: str) -> Any:
    if name == "DocxTemplate":
        made = globals()["DocxTemplate"] = _docxtpl_class()
        return made
    raise AttributeError(f"module {__name__!r} has no attribute {name!r}")
