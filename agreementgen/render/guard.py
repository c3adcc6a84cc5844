"""Defences against hostile templates: names refused before they run, and resource limits.

A template's parse tree is checked for underscore names (:func:`refuse_unsafe_names`), which
the Jinja sandbox would refuse anyway when they run.

The Jinja sandbox stops a template from reaching Python internals, but not from looping for
hours or building a text of many gigabytes. :func:`run_limited` runs a function in a forked
child process whose address space is capped with ``RLIMIT_AS``; the parent waits at most the
time limit and then kills the child. The child's result (or error) comes back through a pipe.
:func:`run_in_worker` does the same in one long-lived child per process, which keeps what it
compiled and cached from one call to the next: the time limit is per call, the memory limit
for the child, and a child that exceeds either is replaced.

Limits default to generous values for real agreements and can be set per run with the
environment variables :data:`SECONDS_VARIABLE` and :data:`MEMORY_VARIABLE`. Where ``fork`` or
``resource`` is missing (Windows), the function runs in-process without limits.

Call :func:`run_limited` and :func:`run_in_worker` from the main thread (or a process-pool
worker): forking a process that runs other threads copies their locks in whatever state they
are.
"""

from __future__ import annotations

import contextlib
import math
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
    "run_in_worker",
    "run_limited",
    "stop_worker",
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
    import multiprocessing  # here: a run with nothing to guard need not import it

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
    import multiprocessing

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
    return _result(kind, value, seconds, memory_bytes, label, child.exitcode)


def _result(kind: str, value: Any, seconds: float, memory_bytes: int, label: str,
            exitcode: int | None) -> Any:
    """What a guarded call gave: its value, its error raised again, or the limit it hit."""
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
        text = message("render_crashed", status=exitcode, megabytes=megabytes,
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
    try:
        try:
            _apply_limits(seconds, memory_bytes)
        except MemoryError:
            payload: tuple[str, Any] = ("memory", None)
        else:
            payload = _outcome(fn, args, kwargs)
        _send(send, payload)
    finally:
        send.close()


def _outcome(fn: Callable[..., Any], args: tuple[Any, ...],
             kwargs: dict[str, Any]) -> tuple[str, Any]:
    """Do the work; what came of it, as a picklable ``(kind, value)``."""
    try:
        return "ok", fn(*args, **kwargs)
    except MemoryError:
        return "memory", None
    except AgreementGenError as exc:
        # Exceptions pickle by their args; rebuild this one with its problems in the parent.
        return "error", (type(exc), exc.message, exc.problems)
    except BaseException as exc:
        return "raise", exc


def _send(connection: Any, payload: tuple[str, Any]) -> None:
    try:
        connection.send(payload)
    except MemoryError:
        connection.send(("memory", None))
    except OSError:
        raise
    except Exception as exc:  # an unpicklable result or exception
        connection.send(("raise", RuntimeError(f"{type(exc).__name__}: {exc}")))


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


class _Worker:
    """A long-lived child process with the memory limit, that runs one call at a time.

    It keeps what it compiles and caches (a user's template, clause texts) from one call to
    the next. The calls' functions must be picklable (module-level) and so must their
    arguments and results.
    """

    def __init__(self, memory_bytes: int) -> None:
        import multiprocessing

        context = multiprocessing.get_context("fork")
        self.memory_bytes = memory_bytes
        self.connection, child_end = context.Pipe(duplex=True)
        self.process = context.Process(target=_serve, args=(child_end, self.connection,
                                                           memory_bytes),
                                       daemon=True, name="agreementgen-render-worker")
        self.process.start()
        child_end.close()

    def call(self, fn: Callable[..., Any], args: tuple[Any, ...], kwargs: dict[str, Any],
             seconds: float) -> tuple[str, Any]:
        """Run one call; ``(kind, value)`` as :func:`_outcome` gives it, or ``("timeout",
        None)`` / ``("died", None)`` (the worker has then been stopped)."""
        try:
            self.connection.send((fn, args, kwargs, seconds))
            if not self.connection.poll(seconds):
                self.stop()
                return "timeout", None
            kind, value = self.connection.recv()
        except (EOFError, OSError):  # died: killed, or out of memory in C
            self.stop()
            return "died", None
        if kind == "memory":
            self.stop()  # it has left: what it holds may be half-built
        return kind, value

    def stop(self) -> None:
        """End the worker now."""
        if self.process.is_alive():
            self.process.kill()
        self.process.join()
        self.connection.close()


_worker: _Worker | None = None


def run_in_worker(fn: Callable[..., T], *args: Any, seconds: float | None = None,
                  memory_bytes: int | None = None, label: str = "", **kwargs: Any) -> T:
    """Call ``fn(*args, **kwargs)`` in this process's long-lived guarded worker.

    As :func:`run_limited`, with the time limit per call and the memory limit for the worker,
    which is started on first use and kept for the calls that follow, with its caches. A call
    that exceeds a limit stops the worker: that call fails with :class:`LimitExceeded`, and the
    next call starts a new one. ``fn``, its arguments and its result must be picklable.

    Raises:
        LimitExceeded: The call ran out of time or memory, or the worker died.
    """
    global _worker
    seconds = time_limit() if seconds is None else seconds
    memory_bytes = memory_limit() if memory_bytes is None else memory_bytes
    if not limits_supported() or _guarded:
        return _unlimited(fn, *args, **kwargs)
    if _worker is not None and (_worker.memory_bytes != memory_bytes
                                or not _worker.process.is_alive()):
        stop_worker()
    if _worker is None:
        _worker = _Worker(memory_bytes)
    worker = _worker
    kind, value = worker.call(fn, args, kwargs, seconds)
    if not worker.process.is_alive() or kind in ("timeout", "died", "memory"):
        exitcode = worker.process.exitcode
        if _worker is worker:
            _worker = None
        return _result(kind, value, seconds, memory_bytes, label, exitcode)
    return _result(kind, value, seconds, memory_bytes, label, None)


def stop_worker() -> None:
    """Stop this process's guarded worker, if one runs."""
    global _worker
    if _worker is not None:
        worker, _worker = _worker, None
        worker.stop()


def _serve(connection: Any, parent_end: Any, memory_bytes: int) -> None:
    """The worker's side: set the memory limit once, then answer calls until the input ends."""
    global _guarded
    _guarded = True
    parent_end.close()
    _die_with_parent()
    import resource

    try:
        _apply_limits(DEFAULT_SECONDS, memory_bytes)
    except MemoryError:
        return
    while True:
        try:
            fn, args, kwargs, seconds = connection.recv()
        except (EOFError, OSError):
            return
        # CPU time as a backstop, should the parent die before it can stop this call.
        used = resource.getrusage(resource.RUSAGE_SELF)
        _lower(resource, resource.RLIMIT_CPU,
               math.ceil(used.ru_utime + used.ru_stime + seconds) + 1)
        payload = _outcome(fn, args, kwargs)
        try:
            _send(connection, payload)
        except OSError:
            return
        if payload[0] == "memory":
            return


def _die_with_parent() -> None:
    """Ask Linux to kill this process when its parent dies (elsewhere, the pipe's end does)."""
    try:
        import ctypes

        libc = ctypes.CDLL(None, use_errno=True)
        pr_set_pdeathsig = 1
        libc.prctl(pr_set_pdeathsig, 9)
    except (OSError, AttributeError):
        pass


def _forget_worker_in_child() -> None:
    """In a forked child the parent's worker is the parent's: close this copy of its pipe."""
    global _worker
    if _worker is not None:
        worker, _worker = _worker, None
        with contextlib.suppress(OSError):
            worker.connection.close()


if hasattr(os, "register_at_fork"):
    os.register_at_fork(after_in_child=_forget_worker_in_child)


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
