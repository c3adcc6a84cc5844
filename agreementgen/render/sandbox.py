"""The one Jinja environment every template and clause text renders in: sandboxed and strict."""

from __future__ import annotations

from typing import Any

from jinja2 import StrictUndefined
from jinja2.sandbox import ImmutableSandboxedEnvironment


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
    return ImmutableSandboxedEnvironment(**options)
