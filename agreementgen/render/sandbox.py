"""The one Jinja environment every template and clause text renders in: sandboxed and strict."""

from __future__ import annotations

from typing import Any

from jinja2 import StrictUndefined, nodes
from jinja2.compiler import CodeGenerator
from jinja2.sandbox import ImmutableSandboxedEnvironment


class _RuntimeOnly(CodeGenerator):
    """Compiles ``{{ 'x' * 10**10 }}`` to code that computes it, rather than computing it."""

    def _output_child_to_const(self, node: nodes.Expr, frame: Any, finalize: Any) -> str:
        if not isinstance(node, nodes.TemplateData):
            raise nodes.Impossible()
        return super()._output_child_to_const(node, frame, finalize)


# What ``getattr`` finds on a plain mapping itself, so ``row.items`` stays the method.
_DICT_ATTRIBUTES = frozenset(dir(dict))


class _Sandbox(ImmutableSandboxedEnvironment):
    """The sandbox, refusing a template that names an underscore attribute before it runs.

    Nothing of a template runs while it compiles (no constant folding), so the time and memory
    limits of rendering cover all of it.
    """

    code_generator_class = _RuntimeOnly

    def __init__(self, **options: Any) -> None:
        super().__init__(**options)
        self._safe: dict[tuple[type, str], bool] = {}

    def is_safe_attribute(self, obj: Any, attr: str, value: Any) -> bool:
        """The sandbox's verdict, kept per type and name: it depends on nothing else."""
        key = (type(obj), attr)
        safe = self._safe.get(key)
        if safe is None:
            safe = self._safe[key] = super().is_safe_attribute(obj, attr, value)
        return safe

    def getattr(self, obj: Any, attribute: str) -> Any:
        """``mapping.key`` looks the key up directly, as the sandbox ends up doing anyway
        after Python's own attribute lookup has failed."""
        if type(obj) is dict and attribute not in _DICT_ATTRIBUTES:
            try:
                return obj[attribute]
            except KeyError:
                return self.undefined(obj=obj, name=attribute)
        return super().getattr(obj, attribute)

    def compile(self, source: Any, name: str | None = None, filename: str | None = None,
                raw: bool = False, defer_init: bool = False) -> Any:
        """Jinja's compile, with the code kept between runs (:mod:`code_cache`) for a text
        compiled as usual. A text the sandbox refuses raises here and is never kept."""
        if raw or defer_init or not isinstance(source, str):
            compile_as_usual: Any = super().compile
            return compile_as_usual(source, name, filename, raw, defer_init)
        from agreementgen.render import code_cache

        entry = code_cache.key(self._settings(), source, name, filename)
        code = code_cache.load(entry)
        if code is None:
            code = super().compile(source, name, filename)
            code_cache.store(entry, code)
        return code

    def _settings(self) -> str:
        """What of this environment shapes the code compiling makes."""
        autoescape = self.autoescape if isinstance(self.autoescape, bool) else id(self)
        return repr((type(self).__qualname__, self.code_generator_class.__qualname__,
                     autoescape, self.undefined.__qualname__, self.optimized,
                     self.keep_trailing_newline, self.trim_blocks, self.lstrip_blocks,
                     self.newline_sequence, self.block_start_string, self.block_end_string,
                     self.variable_start_string, self.variable_end_string,
                     self.comment_start_string, self.comment_end_string,
                     self.line_statement_prefix, self.line_comment_prefix,
                     sorted(self.extensions)))

    def _parse(self, source: str, name: str | None, filename: str | None) -> nodes.Template:
        from agreementgen.render.guard import refuse_unsafe_names

        tree = super()._parse(source, name, filename)
        refuse_unsafe_names(tree)
        return tree


def template_environment(**options: Any) -> ImmutableSandboxedEnvironment:
    """A sandboxed environment with autoescape and undefined variables as errors.

    The sandbox refuses attribute access to internals (``__globals__``, ``__class__``, ...),
    so a template shared between organisations cannot run code; autoescape keeps ``& < >``
    in a value from breaking the document's XML; StrictUndefined turns a missing value into an
    error instead of a silently empty place in the agreement.
    """
    options.setdefault("autoescape", True)
    options.setdefault("undefined", StrictUndefined)
    options.setdefault("keep_trailing_newline", True)
    # The optimizer folds constants too: it would run a template's filters and operators
    # while compiling it, outside any time or memory limit ({{ 'x'|center(10**10) }}).
    options.setdefault("optimized", False)
    return _Sandbox(**options)
