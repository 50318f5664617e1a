"""Errors a person can act on: each names where the problem is and what was expected."""

from __future__ import annotations

from dataclasses import dataclass


class CSCAnalysisError(Exception):
    """Base class for every error cscanalysis raises on purpose."""


@dataclass
class DataError(CSCAnalysisError, ValueError):
    """A value in an input file that cannot be used.

    ``row`` is the 1-based line number in the file as a person sees it in a text
    editor (the header is line 1), or ``None`` when the problem is not tied to a row.
    """

    message: str
    file: str | None = None
    row: int | None = None
    column: str | None = None
    value: object = None
    expected: str | None = None

    def __str__(self) -> str:
        where = []
        if self.file is not None:
            where.append(f"file {self.file}")
        if self.row is not None:
            where.append(f"row {self.row}")
        if self.column is not None:
            where.append(f"column {self.column!r}")
        if self.value is not None:
            where.append(f"value {self.value!r}")
        text = self.message
        if where:
            text += " (" + ", ".join(where) + ")"
        if self.expected:
            text += f"; expected {self.expected}"
        return text


class UnknownCouncilError(CSCAnalysisError, LookupError):
    """A council name, ONS code or DfE number that is not in the register."""

    def __init__(self, query: object, suggestions: list[str] | None = None):
        self.query = query
        self.suggestions = list(suggestions or [])
        super().__init__(query, self.suggestions)

    def __str__(self) -> str:
        text = f"unknown council {self.query!r}"
        if self.suggestions:
            text += "; did you mean " + ", ".join(repr(s) for s in self.suggestions) + "?"
        else:
            text += "; run `cscanalysis councils` to list them"
        return text


class ParameterError(CSCAnalysisError, ValueError):
    """A pack or command parameter that cannot be used (checked before any work starts)."""
