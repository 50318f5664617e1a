"""Errors a person can act on: each names where the problem is and what was expected."""

from __future__ import annotations

import errno
import os
import re
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path


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


# Reasons an operating-system error gives, in the words of someone choosing another path.
_REASONS = {
    errno.EACCES: "permission denied",
    errno.EPERM: "the operating system does not allow it",
    errno.EROFS: "the file system is read-only",
    errno.ENOSPC: "no space is left on the device",
    errno.EDQUOT: "the disk quota is used up",
    errno.EISDIR: "it is a folder, not a file",
    errno.ENOTDIR: "part of the path is a file, not a folder",
    errno.EEXIST: "a file is in the way where a folder is needed",
    errno.ENOENT: "no such file or folder",
    errno.ENAMETOOLONG: "the name is too long",
    errno.ELOOP: "the path loops through symbolic links",
}
# Errors that only writing can cause.
_WRITE_ONLY = {errno.EROFS, errno.ENOSPC, errno.EDQUOT, errno.EEXIST}


def _within(path: Path, other: Path) -> bool:
    """True when ``path`` is ``other``, inside it, or a folder ``other`` would be made in."""
    return path == other or other in path.parents or path in other.parents


def _text(path: object) -> str:
    """A path given as ``str``, ``bytes`` or ``os.PathLike`` (or anything else) as text."""
    if isinstance(path, str | bytes | os.PathLike):
        return os.fsdecode(path)
    return str(path)


def _absolute(path: object) -> Path:
    return Path(os.path.abspath(_text(path)))


def os_error_message(
    error: OSError, *, outputs: Sequence[object] = (), inputs: Sequence[object] = ()
) -> str:
    """One line for an operating-system error: ``cannot write <path>: <reason>``.

    ``outputs`` and ``inputs`` are the paths the command was given to write and to read: a
    failing path at, inside or above an output is written (``write``), one at or inside an input
    is read (``read``); otherwise the kind of error decides (a read-only file system or a full
    disk can only be a write).
    """
    reason = _REASONS.get(error.errno or -1) or error.strerror or str(error) or type(error).__name__
    names = [n for n in (error.filename2, error.filename) if n is not None]  # rename: target
    if not names:
        if outputs and error.errno in _WRITE_ONLY:
            return f"cannot write {outputs[0]}: {reason}"
        return reason
    for out in outputs:  # a temporary file written beside an output and renamed into place
        target = _absolute(out)
        if any(
            _absolute(n).parent == target.parent
            and os.path.basename(_text(n)).startswith(f".{target.stem}")
            for n in names
        ):
            names.insert(0, _text(out))
    given = [_absolute(p) for p in inputs if p]
    named = [n for n in names if _absolute(n) in given]  # an input named exactly is read
    written = [n for n in names if any(_within(_absolute(n), _absolute(p)) for p in outputs if p)]
    read = [n for n in names if any(p in _absolute(n).parents for p in given)]
    if named:
        verb, name = "read", named[0]
    elif written:
        verb, name = "write", written[0]
    elif read:
        verb, name = "read", read[0]
    else:
        name = error.filename if error.filename is not None else names[0]
        verb = "write" if error.errno in _WRITE_ONLY else "use"
    if verb == "write" and error.errno == errno.ENOENT:
        reason = "no such folder, and one cannot be made there"
    return f"cannot {verb} {os.fsdecode(name)}: {reason}"


_CONTROL = re.compile(r"[\x00-\x1f\x7f-\x9f\u2028\u2029]")


def one_line(text: str) -> str:
    """``text`` with line breaks, tabs and terminal control characters shown as escapes."""
    return _CONTROL.sub(lambda m: m.group().encode("unicode_escape").decode("ascii"), text)
