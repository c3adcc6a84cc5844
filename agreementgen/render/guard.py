"""Defences against hostile templates: names refused before they run, and resource limits.

A template's parse tree is checked for underscore names (:func:`refuse_unsafe_names`), which
the Jinja sandbox would refuse anyway when they run.

The Jinja sandbox stops a template from reaching Python internals, but not from looping for
hours or building a text of many gigabytes. :func:`run_limited` runs a function in a forked
child process whose address space is capped with ``RLIMIT_AS``; the parent waits at most the
time limit and then kills the child. The child's result (or error) comes back through a pipe.

Limits default to generous values for real agreements and can be set per run with the
environment variables :data:`SECONDS_VARIABLE` and :data:`MEMORY_VARIABLE`. Where ``fork`` or
``resource`` is missing (Windows), the function runs in-process without limits.

Call :func:`run_limited` from the main thread (or a process-pool worker): forking a process
that runs other threads copies their locks in whatever state they are.
"""

from __future__ import annotations

import math
import multiprocessing
import os
from collections.abc import Callable
from typing import Any, TypeVar

from jinja2 import nodes
from jinja2.exceptions import SecurityError, TemplateSyntaxError

from agreementgen.errors import AgreementGenError, Problem, RenderError
from agreementgen.i18n import message

__all__ = [
    "DEFAULT_MEMORY_MB",
    "DEFAULT_SECONDS",
    "MEMORY_VARIABLE",
    "SECONDS_VARIABLE",
    "LimitExceeded",
    "UnsafeTemplate",
    "limits_supported",
    "memory_limit",
    "refuse_unsafe_names",
    "run_limited",
    "time_limit",
    "under_guard",
]

SECONDS_VARIABLE = "AGREEMENTGEN_RENDER_SECONDS"
MEMORY_VARIABLE = "AGREEMENTGEN_RENDER_MEMORY_MB"
#: A four-page agreement renders in well under a second; a 500-indicator one in a few.
DEFAULT_SECONDS = 20.0
#: Extra address space the child may take on top of what it inherits from the parent.
DEFAULT_MEMORY_MB = 1024

T = TypeVar("T")

# True while run_limited's work runs, so code that routes itself through the guard does not
# guard itself twice.
_guarded = False


class LimitExceeded(RenderError):
    """Rendering ran out of its time or memory budget and was stopped."""


def under_guard() -> bool:
    """Whether this code runs inside :func:`run_limited` (its limits apply already)."""
    return _guarded


def limits_supported() -> bool:
    """Whether this platform can run work in a limited child process (POSIX with fork)."""
    try:
        import resource  # noqa: F401
    except ImportError:
        return False
    return "fork" in multiprocessing.get_all_start_methods()


def time_limit() -> float:
    """The time limit in seconds: :data:`SECONDS_VARIABLE`, else :data:`DEFAULT_SECONDS`.

    Raises:
        RenderError: The environment variable is not a positive number.
    """
    return _setting(SECONDS_VARIABLE, DEFAULT_SECONDS, float)


def memory_limit() -> int:
    """The memory limit in bytes: :data:`MEMORY_VARIABLE` (in MB), else the default.

    Raises:
        RenderError: The environment variable is not a positive whole number.
    """
    return int(_setting(MEMORY_VARIABLE, DEFAULT_MEMORY_MB, int)) * 1024 * 1024


def _setting(name: str, default: float, kind: type[int] | type[float]) -> float:
    raw = os.environ.get(name, "").strip()
    if not raw:
        return default
    try:
        value = kind(raw)
    except ValueError:
        value = 0
    if not value > 0 or not math.isfinite(value):
        text = message("bad_limit_setting", name=name, value=raw)
        raise RenderError(text, [Problem(name, text, code="bad_limit_setting")])
    return value


def run_limited(fn: Callable[..., T], *args: Any, seconds: float | None = None,
                memory_bytes: int | None = None, label: str = "", **kwargs: Any) -> T:
    """Call ``fn(*args, **kwargs)`` in a child process with a time and a memory limit.

    ``fn`` need not be picklable (the child is forked), but its result must be. An
    :class:`~agreementgen.errors.AgreementGenError` raised in the child is raised again here
    with its problems; any other exception is raised again as it is.

    Args:
        fn: The work to do.
        *args: Positional arguments for ``fn``.
        seconds: Wall-clock time limit (default: :func:`time_limit`).
        memory_bytes: Address space the child may add to what it inherits (default:
            :func:`memory_limit`).
        label: What is being run, as users know it (a template file); names the problem.
        **kwargs: Keyword arguments for ``fn``.

    Returns:
        What ``fn`` returned.

    Raises:
        LimitExceeded: The child ran out of time or memory, or died; it has been stopped.
    """
    seconds = time_limit() if seconds is None else seconds
    memory_bytes = memory_limit() if memory_bytes is None else memory_bytes
    if not limits_supported():
        return _unlimited(fn, *args, **kwargs)

    context = multiprocessing.get_context("fork")
    receive, send = context.Pipe(duplex=False)
    child = context.Process(target=_child, args=(send, fn, args, kwargs, seconds, memory_bytes),
                            daemon=True, name="agreementgen-render")
    child.start()
    send.close()
    try:
        if receive.poll(seconds):
            try:
                kind, value = receive.recv()
            except EOFError:  # the child died without a word: killed, or out of memory in C
                kind, value = "died", None
        else:
            kind, value = "timeout", None
    finally:
        if child.is_alive():
            child.kill()
        child.join()
        receive.close()

    if kind == "ok":
        return value
    if kind == "error":
        cls, text, problems = value
        raise cls(text, problems)
    if kind == "raise":
        raise value
    megabytes = memory_bytes // (1024 * 1024)
    if kind == "timeout":
        text = message("render_time_limit", seconds=_number(seconds), variable=SECONDS_VARIABLE)
    elif kind == "memory":
        text = message("render_memory_limit", megabytes=megabytes, variable=MEMORY_VARIABLE)
    else:
        text = message("render_crashed", status=child.exitcode, megabytes=megabytes,
                       variable=MEMORY_VARIABLE)
    raise LimitExceeded(text, [Problem(label, text, code=f"render_{kind}")])


def _unlimited(fn: Callable[..., T], *args: Any, **kwargs: Any) -> T:
    global _guarded
    previous, _guarded = _guarded, True
    try:
        return fn(*args, **kwargs)
    finally:
        _guarded = previous


def _child(send: Any, fn: Callable[..., Any], args: tuple[Any, ...], kwargs: dict[str, Any],
           seconds: float, memory_bytes: int) -> None:
    """The child's side: set the limits, do the work, send back what came of it."""
    global _guarded
    _guarded = True
    payload: tuple[str, Any]
    try:
        _apply_limits(seconds, memory_bytes)
        payload = ("ok", fn(*args, **kwargs))
    except MemoryError:
        payload = ("memory", None)
    except AgreementGenError as exc:
        # Exceptions pickle by their args; rebuild this one with its problems in the parent.
        payload = ("error", (type(exc), exc.message, exc.problems))
    except BaseException as exc:
        payload = ("raise", exc)
    try:
        send.send(payload)
    except MemoryError:
        send.send(("memory", None))
    except Exception as exc:  # an unpicklable result or exception
        send.send(("raise", RuntimeError(f"{type(exc).__name__}: {exc}")))
    finally:
        send.close()


def _apply_limits(seconds: float, memory_bytes: int) -> None:
    import resource

    # CPU time as a backstop, should the parent die before it can kill this child.
    cpu = math.ceil(seconds) + 1
    _lower(resource, resource.RLIMIT_CPU, cpu)
    if hasattr(resource, "RLIMIT_AS"):
        _lower(resource, resource.RLIMIT_AS, _address_space() + memory_bytes)


def _lower(resource: Any, which: int, soft: int) -> None:
    _, hard = resource.getrlimit(which)
    if hard != resource.RLIM_INFINITY:
        soft = min(soft, hard)
    resource.setrlimit(which, (soft, hard))


def _address_space() -> int:
    """The address space this process uses now (the limit comes on top of it)."""
    try:
        with open("/proc/self/statm", encoding="ascii") as handle:
            pages = int(handle.read().split()[0])
        return pages * os.sysconf("SC_PAGE_SIZE")
    except (OSError, ValueError, IndexError):
        import resource

        # No /proc (macOS, where RLIMIT_AS is not enforced anyway): the peak resident size.
        return int(resource.getrusage(resource.RUSAGE_SELF).ru_maxrss) * 1024


class UnsafeTemplate(SecurityError, TemplateSyntaxError):
    """A template names an attribute the sandbox refuses; found before anything runs.

    It is a :class:`~jinja2.exceptions.SecurityError`, and also a syntax error (with a line),
    so code that checks a template's syntax reports it rather than crashing on it.

    Attributes:
        lineno: The template line of the offending expression.
    """

    def __init__(self, text: str, lineno: int) -> None:
        TemplateSyntaxError.__init__(self, text, lineno)


# Filters and tests whose arguments are attribute names (``map(attribute='__class__')``).
_ATTRIBUTE_FILTERS = frozenset({"attr", "map", "selectattr", "rejectattr", "sort", "groupby",
                                "sum", "unique", "min", "max"})


def refuse_unsafe_names(tree: nodes.Template) -> None:
    """Refuse a parsed template that names an underscore attribute anywhere, even unused.

    The sandbox refuses ``__globals__``, ``__class__``, ``_TemplateReference__context`` and
    every other underscore name when the expression runs; checking the parse tree as well
    refuses the template as a whole, naming the line, instead of only the branch that ran.

    Raises:
        UnsafeTemplate: With the first such name and its line.
    """
    for node in tree.find_all((nodes.Getattr, nodes.Getitem, nodes.Filter, nodes.Test)):
        names: list[object] = []
        if isinstance(node, nodes.Getattr):
            names.append(node.attr)
        elif isinstance(node, nodes.Getitem) and isinstance(node.arg, nodes.Const):
            names.append(node.arg.value)
        elif isinstance(node, nodes.Filter | nodes.Test) and node.name in _ATTRIBUTE_FILTERS:
            arguments = [*node.args, *(k.value for k in node.kwargs)]
            for argument in arguments:
                if isinstance(argument, nodes.Const) and isinstance(argument.value, str):
                    names.extend(argument.value.split("."))
        for name in names:
            if isinstance(name, str) and name.startswith("_"):
                raise UnsafeTemplate(message("unsafe_attribute", name=name), node.lineno)


def _number(value: float) -> str:
    return str(int(value)) if float(value).is_integer() else str(value)
