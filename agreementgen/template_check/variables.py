"""The variables a template reads, each looked up in a real context: misses and suggestions."""

from __future__ import annotations

import difflib
from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

from jinja2 import nodes


class _Any:
    """A value the checker cannot know (a loop over an empty list, a ``set`` variable...)."""


_ANY = _Any()


class Variables:
    """Walks a template's syntax tree and looks every variable path up in a real context."""

    def __init__(self, context: Mapping[str, Any], ignored: set[str]) -> None:
        self.context = context
        self.ignored = ignored
        self.used: set[str] = set()
        self.misses: list[Miss] = []

    def visit(self, node: nodes.Node, scope: dict[str, tuple[str, Any]]) -> None:
        """Check the variables in ``node``; ``scope`` maps loop variables to (path, value)."""
        if isinstance(node, nodes.For):
            self._for(node, scope)
        elif isinstance(node, nodes.Name | nodes.Getattr | nodes.Getitem):
            path, _, _ = self.resolve(node, scope)
            if path:
                self.used.add(path)
        else:
            for child in node.iter_child_nodes():
                self.visit(child, scope)

    def _for(self, node: nodes.For, scope: dict[str, tuple[str, Any]]) -> None:
        path, _, value = self.resolve(node.iter, scope)
        if path:
            self.used.add(path)
        inner = dict(scope)
        inner["loop"] = ("", _ANY)
        item: Any = value[0] if isinstance(value, list) and value else _ANY
        if isinstance(node.target, nodes.Name):
            inner[node.target.name] = (f"{path}[]" if path else "", item)
        else:
            for target in node.target.find_all(nodes.Name):
                inner[target.name] = ("", _ANY)
        for child in [*node.body, *([node.test] if node.test else [])]:
            self.visit(child, inner)
        for child in node.else_:
            self.visit(child, scope)

    def resolve(self, node: nodes.Node,
                scope: dict[str, tuple[str, Any]]) -> tuple[str, str, Any]:
        """The (context path, path as written, probe value) of an expression.

        An empty path means the checker cannot follow the expression (it still checks the
        variables inside it); a miss is recorded once, at the outermost part that is wrong.
        """
        if isinstance(node, nodes.Name):
            return self._name(node, scope)
        if isinstance(node, nodes.Getattr):
            return self._member(node.node, node.attr, scope, node.lineno)
        if isinstance(node, nodes.Getitem):
            arg = node.arg
            if isinstance(arg, nodes.Const) and isinstance(arg.value, str):
                return self._member(node.node, arg.value, scope, node.lineno)
            base, written, value = self.resolve(node.node, scope)
            self.visit(arg, scope)
            if (isinstance(arg, nodes.Const) and isinstance(arg.value, int)
                    and isinstance(value, list) and base):
                item = value[0] if value else _ANY
                return f"{base}[]", f"{written}[{arg.value}]", item
            return "", "", _ANY
        self.visit(node, scope)
        return "", "", _ANY

    def _name(self, node: nodes.Name, scope: dict[str, tuple[str, Any]]) -> tuple[str, str, Any]:
        if node.ctx != "load":
            return "", "", _ANY
        if node.name in scope:
            path, value = scope[node.name]
            return path, node.name, value
        if node.name in self.context:
            return node.name, node.name, self.context[node.name]
        if node.name not in self.ignored:
            known = sorted({*self.context, *(n for n in scope if n != "loop")})
            self._miss(node.name, node.name, known, node.lineno, "")
        return "", "", _ANY

    def _member(self, base_node: nodes.Node, key: str, scope: dict[str, tuple[str, Any]],
                lineno: int) -> tuple[str, str, Any]:
        base, written, value = self.resolve(base_node, scope)
        if not base and not written:
            return "", "", _ANY
        if isinstance(value, Mapping):
            if key in value:
                return f"{base}.{key}", f"{written}.{key}", value[key]
            if hasattr(dict, key):  # .items(), .get() ... work on a mapping
                return "", "", _ANY
            self._miss(key, f"{written}.{key}", sorted(value), lineno, f"{written}.")
        elif isinstance(value, list) and not hasattr(list, key):
            self.misses.append(Miss(f"{written}.{key}", None, None, lineno))
        return "", "", _ANY

    def _miss(self, key: str, written: str, known: list[str], lineno: int, prefix: str) -> None:
        close = difflib.get_close_matches(key, known, n=1, cutoff=0.6)
        suggestion = f"{prefix}{close[0]}" if close else None
        self.misses.append(Miss(written, suggestion, known, lineno))


@dataclass(frozen=True)
class Miss:
    """A variable path the context does not have.

    Attributes:
        written: The path as the template writes it (``p.nme``).
        suggestion: The nearest known path, if one is close.
        known: The names known at that level; None when the path reads a field of a list.
        lineno: The line of the patched part, so the paragraph can be named.
    """

    written: str
    suggestion: str | None
    known: list[str] | None
    lineno: int


def assigned(ast: nodes.Template) -> set[str]:
    """Names a template defines itself (``set``, ``with``, macros and their arguments)."""
    names: set[str] = set()
    targets: list[nodes.Node] = []
    for node in ast.find_all(nodes.Stmt):
        if isinstance(node, nodes.Assign | nodes.AssignBlock):
            targets.append(node.target)
        elif isinstance(node, nodes.With):
            targets += node.targets
        elif isinstance(node, nodes.Macro | nodes.CallBlock):
            targets += node.args
            if isinstance(node, nodes.Macro):
                names.add(node.name)
        elif isinstance(node, nodes.Import):
            names.add(node.target)
        elif isinstance(node, nodes.FromImport):
            names |= {n if isinstance(n, str) else n[1] for n in node.names}
    for target in targets:
        found = [target] if isinstance(target, nodes.Name) else []
        names |= {n.name for n in [*found, *target.find_all(nodes.Name)]}
    return names


def leaves(paths: set[str]) -> list[str]:
    """The paths that are not the start of a longer one (``agreement`` of ``agreement.title``)."""
    return sorted(p for p in paths
                  if not any(o.startswith((p + ".", p + "[")) for o in paths if o != p))
