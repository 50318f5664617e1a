"""SSDA903 files: the code lists in force each year, the collection year calendar, and reading one
return's header and episodes files exactly as written (one-line errors naming file, row and
column). Checks and the cleaned tables are in :mod:`cscanalysis.sources.ssda903`."""

from __future__ import annotations

import csv
import io
from collections.abc import Iterable
from dataclasses import dataclass
from pathlib import Path
from typing import cast

import pandas as pd

from cscanalysis.core.clean import decode_text
from cscanalysis.core.errors import DataError
from cscanalysis.core.paths import raw_dir

ROW = "row"  # line number of a record in its file (header is line 1)


EPISODE_COLUMNS = ["CHILD", "DECOM", "RNE", "LS", "CIN", "PLACE", "PLACE_PROVIDER", "DEC", "REC"]


EPISODE_OPTIONAL = ["REASON_PLACE_CHANGE", "HOME_POST", "PL_POST", "URN"]


HEADER_COLUMNS = ["CHILD", "SEX", "DOB"]


HEADER_OPTIONAL = ["ETHNIC", "UPN", "MOTHER", "MC_DOB"]


DATE_FORMAT = "%d/%m/%Y"


# Code lists with the reporting years (ending 31 March) each code is in force:
# code -> (first year, last year), None meaning "no limit". Source: the DfE SSDA903 guidance as
# summarised in data/raw/ssda903/README.md: SEX 1/2 until the 2023-24 return then M/F/U from
# 2024-25; PLACE K3 (registered supported accommodation) added and H5, P2, Z1 removed from
# 2025-26.
_Span = tuple[int | None, int | None]


def _always(
    codes: str | Iterable[str], first: int | None = None, last: int | None = None
) -> dict[str, _Span]:
    """``{code: (first, last)}`` for codes given as a list or a space-separated string."""
    if isinstance(codes, str):
        codes = codes.split()
    return {code: (first, last) for code in codes}


CODE_LISTS: dict[str, dict[str, _Span]] = {
    "SEX": {**_always("1 2", last=2024), **_always("M F U", first=2025)},
    "RNE": _always("S P L T U B"),
    "LS": _always("C1 C2 D1 E1 V2 V3 V4 J1 J2 J3 L1 L2 L3"),
    "CIN": _always(f"N{i}" for i in range(1, 9)),
    "PLACE": {
        **_always("A3 A4 A5 A6 K1 K2 P1 P3 R1 R2 R3 R5 S1 T0 T1 T2 T3 T4 U1 U2 U3 U4 U5 U6"),
        **_always("H5 P2 Z1", last=2025),
        "K3": (2026, None),
    },
    "PLACE_PROVIDER": _always("PR0 PR1 PR2 PR3 PR4 PR5"),
    "REC": _always(
        "X1 E11 E12 E13 E14 E15 E16 E17 E2 E3 E4A E4B E41 E45 E46 E47 E48 E5 E6 E7 E8 E9"
    ),
}


EPISODE_CODED = ["RNE", "LS", "CIN", "PLACE", "PLACE_PROVIDER", "REC"]


SEX_STANDARD = {"1": "M", "2": "F", "M": "M", "F": "F", "U": "U"}


def codes_in_force(field_name: str, year: int) -> frozenset[str]:
    """The codes of ``field_name`` valid in the return for the year ending 31 March ``year``."""
    try:
        codes = CODE_LISTS[field_name]
    except KeyError:
        raise KeyError(f"no code list for {field_name!r}; known: {sorted(CODE_LISTS)}") from None
    return frozenset(
        code
        for code, (first, last) in codes.items()
        if (first is None or year >= first) and (last is None or year <= last)
    )


def collection_year(dates: pd.Series | pd.Timestamp) -> pd.Series | int:
    """The reporting year (ending 31 March) holding each date: 15/08/2016 -> 2017."""
    if isinstance(dates, pd.Series):
        return dates.dt.year + (dates.dt.month >= 4).astype(int)
    return int(dates.year + (dates.month >= 4))


def year_bounds(year: int) -> tuple[pd.Timestamp, pd.Timestamp]:
    """1 April and 31 March of the reporting year ending 31 March ``year``."""
    return pd.Timestamp(year - 1, 4, 1), pd.Timestamp(year, 3, 31)


def return_year(decom: pd.Series, dec: pd.Series) -> int | None:
    """The year (ending 31 March) an episodes file covers, from its dates.

    Every end date (DEC) in a return falls in its year, so the year is the one holding most
    DECs (a stray date such as 01/04/2018 in the 2017-18 return cannot move it, as taking the
    latest date would). With no DEC at all, the year holding the latest DECOM. None when there
    are no dates.
    """
    ends = dec.dropna()
    if len(ends):
        counts = cast(pd.Series, collection_year(ends)).value_counts()  # a Series in, a Series out
        return int(counts[counts == counts.max()].index.max())
    starts = decom.dropna()
    return collection_year(starts.max()) if len(starts) else None


def parse_dates(values: pd.Series) -> tuple[pd.Series, pd.Series]:
    """(dates, unreadable): ``dd/mm/YYYY`` (or ISO ``YYYY-MM-DD``) text to Timestamps.

    Blank is NaT and readable; ``unreadable`` marks non-blank text that is not a real date.
    """
    text = values.fillna("").astype(str).str.strip()
    dates = pd.to_datetime(text, format=DATE_FORMAT, errors="coerce")
    iso = dates.isna() & text.str.fullmatch(r"\d{4}-\d{2}-\d{2}")
    if iso.any():
        dates = dates.mask(iso, pd.to_datetime(text.where(iso), format="%Y-%m-%d", errors="coerce"))
    unreadable = dates.isna() & text.ne("")
    return dates, unreadable


def read_return_csv(path: str | Path, *, label: str | None = None) -> pd.DataFrame:
    """One SSDA903 CSV as strings (stripped, blanks ``""``) with its line numbers in ``row``.

    Headers are stripped and upper-cased; blank lines are skipped without shifting numbers.
    """
    path = Path(path)
    label = label or path.name
    try:
        data = path.read_bytes()
    except OSError as error:
        raise DataError(
            f"cannot read the file: {error.strerror or error}",
            file=label,
            expected="a readable CSV file",
        ) from None
    text, _ = decode_text(data, file=label)
    reader = csv.reader(io.StringIO(text, newline=""))
    records, rows = [], []
    try:
        try:
            names = next(reader)
        except StopIteration:
            raise DataError("the file is empty", file=label, expected="a header row") from None
        header = _header_names(names, label)
        start = reader.line_num + 1
        for record in reader:
            if any(cell.strip() for cell in record):
                cells = [cell.strip() for cell in record[: len(header)]]
                records.append(cells + [""] * (len(header) - len(cells)))
                rows.append(start)
            start = reader.line_num + 1
    except csv.Error as error:
        raise DataError(
            f"not a readable CSV file: {error}",
            file=label,
            row=reader.line_num,
            expected="comma-separated values, one record a line",
        ) from None
    frame = pd.DataFrame(records, columns=header, dtype=object)
    unnamed = [position for position, name in enumerate(header) if not name]
    if unnamed:  # a column without a name (a trailing comma) cannot be used: drop it
        frame = frame.iloc[:, [i for i in range(len(header)) if i not in unnamed]]
    frame[ROW] = rows
    return frame


def _header_names(names: list[str], file: str) -> list[str]:
    """Column names stripped and upper-cased; a name given twice is a :class:`DataError`."""
    header = [name.strip().upper() for name in names]
    seen: dict[str, int] = {}
    for position, name in enumerate(header, start=1):
        if not name:
            continue
        if name in seen:
            raise DataError(
                f"a column appears twice (columns {seen[name]} and {position})",
                file=file,
                row=1,
                column=name,
                value=names[position - 1].strip(),
                expected="each column once in the header row, so that its values are not ambiguous",
            )
        seen[name] = position
    return header


@dataclass(frozen=True)
class RawReturn:
    """One year's files as read: names (for the report) and their rows as strings."""

    episodes_file: str
    episodes: pd.DataFrame
    header_file: str
    header: pd.DataFrame


def find_returns(directory: str | Path) -> list[tuple[Path, Path]]:
    """(header, episodes) file pairs in ``directory``: ``*episodes*.csv`` with the file of the
    same name but ``header`` for ``episodes``. Other files (UASC, ...) are ignored."""
    directory = Path(directory)
    if not directory.is_dir():
        raise DataError(
            "not a folder",
            file=str(directory),
            expected="a folder of SSDA903 header and episodes CSV files",
        )
    pairs = []
    for episodes in sorted(directory.iterdir()):
        name = episodes.name
        if episodes.suffix.lower() != ".csv" or "episodes" not in name.lower():
            continue
        at = name.lower().index("episodes")
        header_name = name[:at] + "header" + name[at + len("episodes") :]
        matches = [p for p in directory.iterdir() if p.name.lower() == header_name.lower()]
        if not matches:
            raise DataError(
                "an episodes file has no header file",
                file=name,
                expected=f"{header_name} beside it",
            )
        pairs.append((matches[0], episodes))
    if not pairs:
        raise DataError(
            "no SSDA903 episodes files",
            file=str(directory),
            expected="files such as 2017-header.csv and 2017-episodes.csv",
        )
    return pairs


def episodes_open_on(episodes: pd.DataFrame, when: pd.Timestamp) -> pd.Series:
    """True for episodes open on ``when`` (started on or before it, ended after it).

    An episode with no end date counts as open only up to 31 March of the last return that
    holds it: a child missing from later returns is not assumed to be still looked after.
    """
    started = episodes["DECOM"] <= when
    ended_after = episodes["DEC"] > when
    still_known = episodes["DEC"].isna() & (episodes["last_year"] >= collection_year(when))
    return started & (ended_after | still_known)


def is_sample(directory: Path) -> bool:
    """True for the synthetic sample returns shipped in ``data/raw/ssda903``."""
    sample = (raw_dir() / "ssda903").resolve()
    directory = directory.resolve()
    return directory == sample or sample in directory.parents
