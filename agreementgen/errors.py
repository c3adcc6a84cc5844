"""One error tree for agreementgen; only the command line turns it into exit codes."""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass


@dataclass(frozen=True)
class Problem:
    """One thing wrong with an input, with the place it was found.

    Attributes:
        file: The file the problem is in, as the user named it.
        message: What is wrong and what to do, in one sentence.
        path: The dotted field path (``partners[1].orientation``), or "" for the file itself.
        line: 1-based line, when known.
        column: 1-based column, when known.
        code: A stable identifier of the kind of problem, for machines.
    """

    file: str
    message: str
    path: str = ""
    line: int | None = None
    column: int | None = None
    code: str = "error"

    def format(self) -> str:
        """Render as ``file:line:col: path: message`` (omitting the parts that are unknown)."""
        place = self.file
        if self.line is not None:
            place += f":{self.line}"
            if self.column is not None:
                place += f":{self.column}"
        parts = [place]
        if self.path:
            parts.append(self.path)
        parts.append(self.message)
        return ": ".join(parts)

    def as_dict(self) -> dict[str, object]:
        """The problem as a JSON-friendly mapping with stable keys."""
        return {
            "file": self.file,
            "line": self.line,
            "column": self.column,
            "path": self.path,
            "code": self.code,
            "message": self.message,
        }


class AgreementGenError(Exception):
    """Base of every error agreementgen reports to a user.

    Attributes:
        exit_code: The process exit code the command line uses for this error.
        problems: The individual problems, each with its place.
    """

    exit_code = 1

    def __init__(self, message: str, problems: Iterable[Problem] = ()) -> None:
        super().__init__(message)
        self.message = message
        self.problems: tuple[Problem, ...] = tuple(problems)

    def lines(self) -> list[str]:
        """The lines to show a user: each problem, or the message when there are none."""
        if self.problems:
            return [p.format() for p in self.problems]
        return [self.message]


class InputError(AgreementGenError):
    """A description file cannot be read or parsed."""


class ValidationError(AgreementGenError):
    """A description does not follow the schema or the cross-field rules."""


class TemplateError(AgreementGenError):
    """A template cannot be found, opened, or rendered safely."""


class RenderError(AgreementGenError):
    """Rendering produced something that cannot be written (e.g. broken XML)."""


class OutputError(AgreementGenError):
    """The output cannot be written (exists without --force, folder missing, ...)."""


class HealthError(AgreementGenError):
    """Health findings remain and the user asked for --strict."""

    def lines(self) -> list[str]:
        """Why the command refused (what remains, and --strict), then each thing that does."""
        return [self.message, *(p.format() for p in self.problems)]


class ConversionError(AgreementGenError):
    """An external converter (LibreOffice) is missing or failed."""

    exit_code = 3


@dataclass(frozen=True)
class Flaw:
    """A problem found in a description's data, before it is given a file and a line.

    Attributes:
        path: Field path as keys and list indexes.
        code: Stable identifier of the kind of problem.
        message: What is wrong and what to do.
        at_key: Point at the key rather than the value (unknown or duplicate keys).
    """

    path: tuple[str | int, ...]
    code: str
    message: str
    at_key: bool = False
