"""SSDA903 returns (children looked after, child level): header and episodes files.

A council sends DfE one return a year (1 April to 31 March). Each return holds a header file
(one row per child: ``CHILD, SEX, DOB, ...``) and an episodes file (one row per episode:
``CHILD, DECOM, RNE, LS, CIN, PLACE, PLACE_PROVIDER, DEC, REC, ...``, dates ``dd/mm/YYYY``).
An episode open across 31 March is in both years' returns, so episodes are de-duplicated on
``(CHILD, DECOM)``, keeping the latest return's version.

Which year a return covers comes from its dates, not its file name (see :func:`return_year`).
Every problem goes into a validation report (``file, row, child, rule, detail, action, year``,
``year`` being the year ending 31 March that the file's return covers); a row that cannot be
used (no child, no or unreadable start date, an end before the start, ...) is ``excluded``,
every other problem is reported and the row ``kept``. Reading never stops at the first problem;
only a file that cannot be read at all (unreadable, a column missing or given twice, two
returns for one year, no dates) raises :class:`DataError`.

Each return is also kept as it was sent (:attr:`SSDA903.returned`, :attr:`SSDA903.headers`),
so that a year's figures can come from that year's own return, as DfE publishes them, or from
the episodes as later returns revised them (see :mod:`cscanalysis.analysis.ssda903`). The
report's last three columns (``field, as_returned, revised``) are for the child-by-child
differences between the two, which that module adds.

Rules in the report:

========================================  =========  ========================================
rule                                      action     meaning
========================================  =========  ========================================
``missing_child``                         excluded   CHILD is blank
``missing_date``                          excluded   DECOM is blank (kept when DOB is blank)
``invalid_date``                          excluded   DECOM or DEC is not a dd/mm/YYYY date
                                                     (kept, DOB unknown, for DOB)
``end_before_start``                      excluded   DEC is before DECOM
``duplicate_episode``                     excluded   CHILD and DECOM repeat a row of the file
``duplicate_child``                       excluded   CHILD repeats a row of the header file
``start_after_return_year``               excluded   DECOM after the 31 March the return ends
``end_after_return_year``                 kept       DEC after the 31 March the return ends
``ended_before_return_year``              kept       DEC before the 1 April the return starts
``unknown_code``                          kept       a code not in force (see CODE_LISTS)
``missing_code``                          kept       a blank code (REC only when DEC is given)
``child_not_in_header``                   kept       a child with episodes but no header row
``header_child_without_episodes``         kept       a header row with no episode that year
``header_conflict``                       kept       SEX or DOB differs between returns
``dob_after_start``                       kept       DOB (in the return's header file) is
                                                     after the episode's DECOM: the child's
                                                     age is unknown, so left out of age bands
``missing_from_next_return``              kept       open at the end of one return, the child
                                                     is not in the next (not counted as looked
                                                     after afterwards unless a later return
                                                     says so)
``open_episode_missing_from_next_return`` kept       the child is in the next return but not
                                                     this open episode
``missing_from_previous_return``          kept       an episode open on 31 March that the
                                                     return for that year lacks
``overlapping_episodes``                  kept       starts before the child's previous
                                                     episode ends
``x1_without_next_episode``               kept       REC X1 (a new episode the same day) but
                                                     no episode starts on DEC
``new_period_without_start``              kept       follows a gap in care but RNE is not S
========================================  =========  ========================================
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field
from pathlib import Path

import pandas as pd

from cscanalysis.core.errors import DataError
from cscanalysis.sources.ssda903_files import (
    CODE_LISTS,
    DATE_FORMAT,
    EPISODE_CODED,
    EPISODE_COLUMNS,
    EPISODE_OPTIONAL,
    HEADER_COLUMNS,
    HEADER_OPTIONAL,
    ROW,
    SEX_STANDARD,
    RawReturn,
    collection_year,
    find_returns,
    parse_dates,
    read_return_csv,
    return_year,
    year_bounds,
)

REPORT_COLUMNS = [
    "file",
    "row",
    "child",
    "rule",
    "detail",
    "action",
    "year",
    "field",
    "as_returned",
    "revised",
]


def _show(date: pd.Timestamp) -> str:
    return "blank" if pd.isna(date) else date.strftime(DATE_FORMAT)


# --- reading files (the only I/O) --------------------------------------------------------------


def read_ssda903(directory: str | Path) -> SSDA903:
    """Read, validate and combine every return in ``directory`` (see :func:`clean_returns`)."""
    raws = []
    for header, episodes in find_returns(directory):
        raws.append(
            RawReturn(
                episodes.name, read_return_csv(episodes), header.name, read_return_csv(header)
            )
        )
    return clean_returns(raws)


# --- validation and combination (pure) -------------------------------------------------------


@dataclass
class SSDA903:
    """Clean SSDA903 data.

    ``episodes``: one row per ``(CHILD, DECOM)`` (latest return's version) with the file's
    columns, ``DECOM``/``DEC`` as Timestamps, ``year`` (return it came from), ``first_year`` and
    ``last_year`` (first and last return holding it), ``file`` and ``row``.
    ``header``: one row per child (latest return), ``DOB`` a Timestamp, ``SEX_STANDARD`` M/F/U.
    ``report``: every problem found (:data:`REPORT_COLUMNS`).
    ``years``: episodes file name -> reporting year it covers, in year order.
    ``returned``: every usable episode of every return as that return gave it (one row per
    ``(year, CHILD, DECOM)``, ``year`` the return's), with ``file`` and ``row``.
    ``headers``: every usable header row of every return (one row per ``(year, CHILD)``).
    """

    episodes: pd.DataFrame
    header: pd.DataFrame
    report: pd.DataFrame
    years: dict[str, int] = field(default_factory=dict)
    returned: pd.DataFrame = field(default_factory=pd.DataFrame)
    headers: pd.DataFrame = field(default_factory=pd.DataFrame)

    @property
    def excluded(self) -> int:
        """How many rows were left out as unusable."""
        return int((self.report["action"] == "excluded").sum())

    def summary(self) -> pd.DataFrame:
        """Problems counted by rule and action."""
        if self.report.empty:
            return pd.DataFrame(columns=["rule", "action", "rows"])
        return (
            self.report.groupby(["rule", "action"])
            .size()
            .rename("rows")
            .reset_index()
            .sort_values("rows", ascending=False, kind="stable")
            .reset_index(drop=True)
        )


class _Report:
    def __init__(self) -> None:
        self.parts: list[pd.DataFrame] = []

    def add(
        self, file: str, rows: pd.DataFrame, rule: str, detail: pd.Series | str, action: str
    ) -> None:
        if rows.empty:
            return
        detail = detail if isinstance(detail, pd.Series) else pd.Series(detail, index=rows.index)
        self.parts.append(
            pd.DataFrame(
                {
                    "file": rows.get("file", file),
                    "row": rows[ROW].astype(int),
                    "child": rows["CHILD"].astype(str),
                    "rule": rule,
                    "detail": detail.loc[rows.index].astype(str),
                    "action": action,
                }
            )
        )

    def frame(self, years: dict[str, int] | None = None) -> pd.DataFrame:
        """Every row, in file and row order; ``years`` maps a file name to its return's year."""
        if not self.parts:
            return pd.DataFrame(columns=REPORT_COLUMNS)
        out = pd.concat(self.parts, ignore_index=True)
        out["year"] = out["file"].map(years or {}).astype("Int64")
        for name in ("field", "as_returned", "revised"):
            out[name] = ""
        out = out[REPORT_COLUMNS]
        return out.sort_values(["file", "row", "rule"], kind="stable").reset_index(drop=True)


def _require(frame: pd.DataFrame, columns: Sequence[str], *, file: str) -> None:
    missing = [c for c in columns if c not in frame.columns]
    if missing:
        raise DataError(
            "required columns are missing",
            file=file,
            row=1,
            column=", ".join(missing),
            value=", ".join(c for c in frame.columns if c != ROW),
            expected="the columns " + ", ".join(columns),
        )


def _valid_codes(field_name: str, codes: pd.Series, years: pd.Series) -> pd.Series:
    """True where a code is in force in the given year (per row)."""
    spans = CODE_LISTS[field_name]
    first = codes.map(lambda c: spans.get(c, (None, None))[0])
    last = codes.map(lambda c: spans.get(c, (None, None))[1])
    known = codes.isin(list(spans))
    after_first = first.isna() | (years >= first.fillna(0))
    before_last = last.isna() | (years <= last.fillna(9999))
    return known & after_first & before_last


def _clean_episodes(raw: pd.DataFrame, file: str, report: _Report) -> tuple[pd.DataFrame, int]:
    """Usable episodes of one file with their return year; problems go to ``report``."""
    _require(raw, EPISODE_COLUMNS, file=file)
    frame = raw.copy()
    frame["file"] = file
    decom_text, dec_text = frame["DECOM"], frame["DEC"]
    frame["DECOM"], bad_decom = parse_dates(decom_text)
    frame["DEC"], bad_dec = parse_dates(dec_text)
    usable = pd.Series(True, index=frame.index)

    def exclude(mask: pd.Series, rule: str, detail: pd.Series | str) -> None:
        nonlocal usable
        mask = mask & usable
        report.add(file, frame[mask], rule, detail, "excluded")
        usable &= ~mask

    exclude(frame["CHILD"].eq(""), "missing_child", "CHILD is blank")
    exclude(decom_text.eq(""), "missing_date", "DECOM (date episode commenced) is blank")
    exclude(
        bad_decom,
        "invalid_date",
        "DECOM " + decom_text.map(repr) + " is not a date (expected dd/mm/YYYY)",
    )
    exclude(
        bad_dec,
        "invalid_date",
        "DEC " + dec_text.map(repr) + " is not a date (expected dd/mm/YYYY)",
    )
    exclude(
        frame["DEC"] < frame["DECOM"],
        "end_before_start",
        "DEC " + dec_text + " is before DECOM " + decom_text,
    )
    first_row = frame[usable].groupby(["CHILD", "DECOM"])[ROW].transform("min")
    repeat = pd.Series(False, index=frame.index)
    repeat.loc[first_row.index] = frame.loc[first_row.index, ROW] != first_row
    exclude(
        repeat,
        "duplicate_episode",
        "the same CHILD and DECOM as row "
        + first_row.reindex(frame.index).astype("Int64").astype(str),
    )

    year = return_year(frame.loc[usable, "DECOM"], frame.loc[usable, "DEC"])
    if year is None:
        raise DataError(
            "no usable dates, so the year the return covers is unknown",
            file=file,
            column="DECOM",
            expected="episodes with dd/mm/YYYY dates",
        )
    start, end = year_bounds(year)
    period = f"{year - 1}-{year % 100:02d}"
    exclude(
        frame["DECOM"] > end,
        "start_after_return_year",
        "DECOM " + decom_text + f" is after 31/03/{year}, the end of the {period} return",
    )
    kept = frame[usable]
    report.add(
        file,
        kept[kept["DEC"] > end],
        "end_after_return_year",
        "DEC " + kept["DEC"].map(_show) + f" is after 31/03/{year}, the end of the {period} return",
        "kept",
    )
    report.add(
        file,
        kept[kept["DEC"] < start],
        "ended_before_return_year",
        "DEC " + kept["DEC"].map(_show) + f" is before 01/04/{year - 1}, the start of "
        f"the {period} return",
        "kept",
    )

    start_years = collection_year(kept["DECOM"])
    for name in EPISODE_CODED:
        codes = kept[name]
        blank = codes.eq("")
        if name == "REC":
            blank &= kept["DEC"].notna()
        report.add(file, kept[blank], "missing_code", f"{name} is blank", "kept")
        valid = _valid_codes(name, codes, pd.Series(year, index=kept.index)) | _valid_codes(
            name, codes, start_years
        )
        unknown = ~valid & codes.ne("")
        report.add(
            file,
            kept[unknown],
            "unknown_code",
            f"{name} " + codes.map(repr) + f" is not a {name} code in force in {period}",
            "kept",
        )
    kept = kept.copy()
    kept["year"] = year
    return kept, year


def _clean_header(raw: pd.DataFrame, file: str, year: int, report: _Report) -> pd.DataFrame:
    _require(raw, HEADER_COLUMNS, file=file)
    frame = raw.copy()
    frame["file"] = file
    usable = frame["CHILD"].ne("")
    report.add(file, frame[~usable], "missing_child", "CHILD is blank", "excluded")
    repeat = frame["CHILD"].duplicated() & usable
    first = frame[usable].groupby("CHILD")[ROW].transform("min")
    report.add(
        file,
        frame[repeat],
        "duplicate_child",
        "the same CHILD as row " + first.reindex(frame.index).astype("Int64").astype(str),
        "excluded",
    )
    frame = frame[usable & ~repeat].copy()
    dob_text = frame["DOB"]
    frame["DOB"], bad = parse_dates(dob_text)
    report.add(file, frame[dob_text.eq("")], "missing_date", "DOB is blank", "kept")
    report.add(
        file,
        frame[bad],
        "invalid_date",
        "DOB " + dob_text.map(repr) + " is not a date (expected dd/mm/YYYY)",
        "kept",
    )
    sex = frame["SEX"]
    period = f"{year - 1}-{year % 100:02d}"
    report.add(file, frame[sex.eq("")], "missing_code", "SEX is blank", "kept")
    unknown = ~_valid_codes("SEX", sex, pd.Series(year, index=frame.index)) & sex.ne("")
    report.add(
        file,
        frame[unknown],
        "unknown_code",
        "SEX " + sex.map(repr) + f" is not a SEX code in force in {period}",
        "kept",
    )
    frame["SEX_STANDARD"] = sex.map(SEX_STANDARD).fillna("")
    frame["year"] = year
    return frame


def _match_header(
    episodes: pd.DataFrame, header: pd.DataFrame, ep_file: str, head_file: str, report: _Report
) -> None:
    in_header = set(header["CHILD"])
    orphans = episodes[~episodes["CHILD"].isin(in_header)].drop_duplicates("CHILD")
    report.add(
        ep_file,
        orphans,
        "child_not_in_header",
        f"CHILD has episodes but no row in {head_file}",
        "kept",
    )
    in_episodes = set(episodes["CHILD"])
    idle = header[~header["CHILD"].isin(in_episodes)]
    report.add(
        head_file,
        idle,
        "header_child_without_episodes",
        f"CHILD has a header row but no usable episode in {ep_file}",
        "kept",
    )


def _dob_after_start(
    episodes: pd.DataFrame, header: pd.DataFrame, head_file: str, report: _Report
) -> None:
    """Episodes that start before the child's date of birth in the same return's header."""
    born = header.drop_duplicates("CHILD").set_index("CHILD")
    dob = episodes["CHILD"].map(born["DOB"])
    where = episodes["CHILD"].map(born[ROW]).astype("Int64").astype(str)
    early = episodes[dob.notna() & (dob > episodes["DECOM"])]
    report.add(
        "",
        early,
        "dob_after_start",
        "DOB "
        + dob.map(_show)
        + f" ({head_file} row "
        + where
        + ") is after DECOM "
        + episodes["DECOM"].map(_show)
        + ": the child's age is unknown, so the child is left out of the age bands",
        "kept",
    )


def _between_returns(
    all_eps: pd.DataFrame, years: list[int], files: dict[int, str], report: _Report
) -> None:
    """Open episodes missing from the next return, and episodes missing from the previous."""
    for year in years:
        if year + 1 not in files:
            continue
        this = all_eps[all_eps["year"] == year]
        nxt = all_eps[all_eps["year"] == year + 1]
        next_keys = set(zip(nxt["CHILD"], nxt["DECOM"], strict=True))
        next_children = set(nxt["CHILD"])
        open_eps = this[this["DEC"].isna()]
        gone = open_eps[~open_eps["CHILD"].isin(next_children)]
        report.add(
            files[year],
            gone,
            "missing_from_next_return",
            f"episode open at 31/03/{year} but the child is not in {files[year + 1]}",
            "kept",
        )
        present = open_eps[open_eps["CHILD"].isin(next_children)]
        lost = present[
            [
                (c, d) not in next_keys
                for c, d in zip(present["CHILD"], present["DECOM"], strict=True)
            ]
        ]
        report.add(
            files[year],
            lost,
            "open_episode_missing_from_next_return",
            f"episode open at 31/03/{year} is not in {files[year + 1]}",
            "kept",
        )
        this_keys = set(zip(this["CHILD"], this["DECOM"], strict=True))
        earlier = nxt[nxt["DECOM"] <= pd.Timestamp(year, 3, 31)]
        absent = earlier[
            [
                (c, d) not in this_keys
                for c, d in zip(earlier["CHILD"], earlier["DECOM"], strict=True)
            ]
        ]
        report.add(
            files[year + 1],
            absent,
            "missing_from_previous_return",
            f"episode open at 31/03/{year} is not in {files[year]}",
            "kept",
        )


def _sequence_checks(eps: pd.DataFrame, report: _Report) -> None:
    """Overlaps, X1 with nothing after, and new periods of care without RNE S."""
    eps = eps.sort_values(["CHILD", "DECOM"])
    same = eps["CHILD"].eq(eps["CHILD"].shift(1))
    prev_dec = eps["DEC"].shift(1)
    prev_decom = eps["DECOM"].shift(1)
    prev_where = (
        eps["file"].shift(1).astype(str) + " row " + eps[ROW].shift(1).astype("Int64").astype(str)
    )
    overlap = same & (prev_dec.isna() | (prev_dec > eps["DECOM"]))
    report.add(
        "",
        eps[overlap],
        "overlapping_episodes",
        "starts "
        + eps["DECOM"].map(_show)
        + " before the episode from "
        + prev_decom.map(_show)
        + " ("
        + prev_where
        + ") ends ("
        + prev_dec.map(lambda d: "still open" if pd.isna(d) else _show(d))
        + ")",
        "kept",
    )
    gap = same & prev_dec.notna() & (prev_dec < eps["DECOM"])
    report.add(
        "",
        eps[gap & eps["RNE"].ne("S")],
        "new_period_without_start",
        "starts " + eps["DECOM"].map(_show) + " after a gap in care (previous episode "
        "ended " + prev_dec.map(_show) + ") but RNE is " + eps["RNE"].map(repr) + ", not 'S'",
        "kept",
    )
    next_decom = eps["DECOM"].shift(-1).where(eps["CHILD"].eq(eps["CHILD"].shift(-1)))
    x1 = eps["REC"].eq("X1") & eps["DEC"].notna() & next_decom.ne(eps["DEC"])
    report.add(
        "",
        eps[x1],
        "x1_without_next_episode",
        "REC is X1 (a new episode the same day) but no episode starts on " + eps["DEC"].map(_show),
        "kept",
    )


def clean_returns(returns: Sequence[RawReturn]) -> SSDA903:
    """Validate each return, then combine them into one set of episodes (see the module doc)."""
    report = _Report()
    episodes: list[pd.DataFrame] = []
    headers: list[pd.DataFrame] = []
    files: dict[int, str] = {}
    header_files: dict[int, str] = {}
    for raw in returns:
        eps, year = _clean_episodes(raw.episodes, raw.episodes_file, report)
        if year in files:
            raise DataError(
                "two returns cover the same year",
                file=raw.episodes_file,
                value=f"{year - 1}-{year % 100:02d}",
                expected=f"one episodes file a year ({files[year]} covers it too)",
            )
        files[year] = raw.episodes_file
        header_files[year] = raw.header_file
        head = _clean_header(raw.header, raw.header_file, year, report)
        _match_header(eps, head, raw.episodes_file, raw.header_file, report)
        _dob_after_start(eps, head, raw.header_file, report)
        episodes.append(eps)
        headers.append(head)
    if not episodes:
        raise DataError("no SSDA903 returns given", expected="at least one episodes file")
    years = sorted(files)
    all_eps = pd.concat(episodes, ignore_index=True)
    _between_returns(all_eps, years, files, report)

    all_eps = all_eps.sort_values(["CHILD", "DECOM", "year"], kind="stable")
    span = all_eps.groupby(["CHILD", "DECOM"])["year"].agg(first_year="min", last_year="max")
    latest = all_eps.drop_duplicates(["CHILD", "DECOM"], keep="last")
    latest = latest.merge(span, left_on=["CHILD", "DECOM"], right_index=True, how="left")
    for name in EPISODE_OPTIONAL:
        if name not in latest:
            latest[name] = ""
    latest = latest.reset_index(drop=True)
    _sequence_checks(latest, report)

    all_head = pd.concat(headers, ignore_index=True).sort_values(["CHILD", "year"], kind="stable")
    varies = all_head.groupby("CHILD").agg(sex=("SEX_STANDARD", "nunique"), dob=("DOB", "nunique"))
    header = all_head.drop_duplicates("CHILD", keep="last").reset_index(drop=True)
    conflict = header[header["CHILD"].map((varies["sex"] > 1) | (varies["dob"] > 1)).fillna(False)]
    report.add(
        "",
        conflict,
        "header_conflict",
        "SEX or DOB differs between returns; the latest return's values are used",
        "kept",
    )
    for name in HEADER_OPTIONAL:
        if name not in header:
            header[name] = ""

    tail = ["year", "first_year", "last_year", "file", ROW]
    order = [*EPISODE_COLUMNS, *EPISODE_OPTIONAL]
    extra = [c for c in latest.columns if c not in order and c not in tail]
    episodes_out = latest[[*order, *extra, *tail]]
    head_tail = ["year", "file", ROW]
    head_order = [*HEADER_COLUMNS, *HEADER_OPTIONAL, "SEX_STANDARD"]
    head_extra = [c for c in header.columns if c not in head_order and c not in head_tail]
    header_out = header[[*head_order, *head_extra, *head_tail]]
    returned = pd.concat(episodes, ignore_index=True)
    for name in EPISODE_OPTIONAL:
        if name not in returned:
            returned[name] = ""
    file_years = {**{f: y for y, f in files.items()}, **{f: y for y, f in header_files.items()}}
    return SSDA903(
        episodes=episodes_out.sort_values(["CHILD", "DECOM"]).reset_index(drop=True),
        header=header_out.reset_index(drop=True),
        report=report.frame(file_years),
        years={files[y]: y for y in years},
        returned=returned[[*order, *extra, "year", "file", ROW]]
        .sort_values(["year", "CHILD", "DECOM"], kind="stable")
        .reset_index(drop=True),
        headers=all_head[[*HEADER_COLUMNS, "SEX_STANDARD", "year", "file", ROW]].reset_index(
            drop=True
        ),
    )
