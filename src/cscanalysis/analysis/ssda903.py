"""Measures derived from clean SSDA903 episodes, as tidy rows for the main table.

Pure functions on :class:`cscanalysis.sources.ssda903.SSDA903` data. Children are counted as
DfE counts them in "Children looked after in England": each child once per measure and year
(ending 31 March), so a child who starts twice in a year is one start (the first) and a child
who ceases twice is one cease (the last).

Two bases (``basis``), for every measure below:

- ``returned`` (the default): each year's figures from that year's own return alone (its
  episodes file and its header file), as DfE publishes them, so they compare with the
  published tables. Re-entries also look at the year before's own return for ceases.
- ``revised``: each year's figures from the episodes as the latest return holding them gives
  them (see :class:`~cscanalysis.sources.ssda903.SSDA903`), so later returns' corrections and
  late-recorded episodes count. A council's figures for a past year change as it is revised.

:func:`revisions` lists, child by child, every difference between the two (year, field, as
returned, revised); :func:`age_band_exclusions` lists the children starting in a year who are
left out of the age bands, with the reason.

- ``cla_31_march``: children with an episode open on 31 March (started on or before, not ended
  by then). An episode left open in a return that later returns do not carry is open only to
  the 31 March of the last return holding it (see ``missing_from_next_return``).
- ``cla_starts``: children with an episode whose RNE is ``S`` (started to be looked after)
  commencing in the year; ``cla_starts_age_*``: their age in whole years on that date, in
  DfE's bands (under 1, 1 to 4, 5 to 9, 10 to 15, 16 and over) and ``cla_starts_age_10_plus``.
  A child with no usable date of birth (no header row, blank or unreadable, or after the start
  of one of the child's episodes) is left out of the bands and counted in
  ``cla_starts_age_unknown``, so the bands and it add up to ``cla_starts``.
- ``cla_ceased``: children with an episode ending in the year with a reason (REC) other than
  ``X1`` (a new episode starting the same day).
- Placement mix on 31 March (``cla_31_march_<group>``), grouped as the Children's Services
  Demand Model groups PLACE codes (``csdmpy/ingress.py``, ``categorize_placement``, repository
  data-to-insight/cs-demand-model): fostering U1-U6; residential K2, R1; supported H5, P2; all
  other codes "other". K3 (registered supported accommodation, from 2025-26, after that model
  was written) is grouped as supported here. PLACE codes do not say who provides a foster
  placement (U1-U3 are relatives or friends, U4-U6 other carers), so in-house and agency
  fostering come from PLACE_PROVIDER: PR1 (own provision) in-house, PR4 (private) and PR5
  (voluntary) agency, PR0, PR2, PR3 "other provider". The demand model's own sub-groups call
  U4/U5 in-house and U6 agency, which its source marks "not confirmed"; it is not used here.
- ``episode_days_median``/``episode_days_mean``: length in days of episodes ending in the year.
- ``cla_starts_reentry_12m`` (and ``_pct`` of starts): children starting who had ceased to be
  looked after in the 12 months before; only for years with a return for the year before.
- ``cla_31_march_out_of_area``: placed outside the council on 31 March, from ``PL_LOCATION``
  (``IN``/``OUT``) when the episodes carry it, else from a postcode lookup given by the caller;
  without either there are no such rows.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from dataclasses import dataclass
from pathlib import Path

import numpy as np
import pandas as pd

from cscanalysis.sources.ssda903 import (
    REPORT_COLUMNS,
    SSDA903,
)
from cscanalysis.sources.ssda903_files import (
    episodes_open_on,
    year_bounds,
)

BASES = ("returned", "revised")
BASIS_LABELS = {
    "returned": "each year as returned",
    "revised": "revised by later returns",
}

TIDY_COLUMNS = ["council_code", "council_name", "period", "measure", "value", "flag", "source"]

PLACEMENT_GROUPS: dict[str, frozenset[str]] = {
    "fostering": frozenset({"U1", "U2", "U3", "U4", "U5", "U6"}),
    "residential": frozenset({"K2", "R1"}),
    "supported": frozenset({"H5", "P2", "K3"}),
}
KNOWN_PLACES = frozenset(
    {
        "A3",
        "A4",
        "A5",
        "A6",
        "H5",
        "K1",
        "K2",
        "K3",
        "P1",
        "P2",
        "P3",
        "R1",
        "R2",
        "R3",
        "R5",
        "S1",
        "T0",
        "T1",
        "T2",
        "T3",
        "T4",
        "U1",
        "U2",
        "U3",
        "U4",
        "U5",
        "U6",
        "Z1",
    }
)
RELATIVE_FRIEND_FOSTERING = frozenset({"U1", "U2", "U3"})
IN_HOUSE_PROVIDERS = frozenset({"PR1"})
AGENCY_PROVIDERS = frozenset({"PR4", "PR5"})
AGE_BANDS: tuple[tuple[str, int, int], ...] = (
    ("cla_starts_age_under_1", 0, 1),
    ("cla_starts_age_1_to_4", 1, 5),
    ("cla_starts_age_5_to_9", 5, 10),
    ("cla_starts_age_10_to_15", 10, 16),
    ("cla_starts_age_16_plus", 16, 200),
)


BAND_LABELS = {
    "cla_starts_age_under_1": "under 1",
    "cla_starts_age_1_to_4": "1 to 4",
    "cla_starts_age_5_to_9": "5 to 9",
    "cla_starts_age_10_to_15": "10 to 15",
    "cla_starts_age_16_plus": "16 and over",
}


def placement_group(place: str) -> str:
    """``fostering``, ``residential``, ``supported``, ``other`` or ``unknown`` for a PLACE code."""
    for group, codes in PLACEMENT_GROUPS.items():
        if place in codes:
            return group
    return "other" if place in KNOWN_PLACES else "unknown"


def age_in_years(born: pd.Series, on: pd.Series) -> pd.Series:
    """Whole years from ``born`` to ``on`` (birthday reached on the day); NaN when unknown."""
    years = on.dt.year - born.dt.year
    before_birthday = (on.dt.month < born.dt.month) | (
        (on.dt.month == born.dt.month) & (on.dt.day < born.dt.day)
    )
    return (years - before_birthday.astype(int)).where(born.notna() & on.notna())


def looked_after_on(episodes: pd.DataFrame, when: pd.Timestamp) -> pd.DataFrame:
    """One row per child looked after on ``when``: the open episode that started last."""
    open_now = episodes[episodes_open_on(episodes, when)]
    return open_now.sort_values(["CHILD", "DECOM"]).drop_duplicates("CHILD", keep="last")


def starts_in(episodes: pd.DataFrame, year: int) -> pd.DataFrame:
    """One row per child starting to be looked after in ``year``: their first RNE S episode."""
    start, end = year_bounds(year)
    rows = episodes[(episodes["RNE"] == "S") & episodes["DECOM"].between(start, end)]
    return rows.sort_values(["CHILD", "DECOM"]).drop_duplicates("CHILD", keep="first")


def ceased_in(episodes: pd.DataFrame, year: int) -> pd.DataFrame:
    """One row per child ceasing to be looked after in ``year``: their last ceasing episode."""
    start, end = year_bounds(year)
    rows = episodes[episodes["DEC"].between(start, end) & (episodes["REC"] != "X1")]
    return rows.sort_values(["CHILD", "DEC"]).drop_duplicates("CHILD", keep="last")


def _postcode_keys(postcode: str) -> list[str]:
    """Full postcode (no spaces) then outward code: ``BS1 5TR`` -> ``["BS15TR", "BS1"]``."""
    text = " ".join(str(postcode).upper().split())
    if not text:
        return []
    outward = text.split(" ")[0] if " " in text else text[:-3] if len(text) > 4 else text
    return [text.replace(" ", ""), outward]


def _out_of_area(
    at_31: pd.DataFrame, council_code: str, postcode_la: Mapping[str, str] | None
) -> dict[str, float] | None:
    if "PL_LOCATION" in at_31.columns:
        location = at_31["PL_LOCATION"].fillna("").str.upper()
        return {
            "cla_31_march_out_of_area": float((location == "OUT").sum()),
            "cla_31_march_location_unknown": float((~location.isin(["IN", "OUT"])).sum()),
        }
    if not postcode_la:
        return None
    lookup = {k.replace(" ", "").upper(): v for k, v in postcode_la.items()}

    def la_of(postcode: str) -> str | None:
        return next((lookup[k] for k in _postcode_keys(postcode) if k in lookup), None)

    placed = at_31["PL_POST"].fillna("").map(la_of)
    return {
        "cla_31_march_out_of_area": float((placed.notna() & (placed != council_code)).sum()),
        "cla_31_march_location_unknown": float(placed.isna().sum()),
    }


def _check_basis(basis: str) -> None:
    if basis not in BASES:
        raise ValueError(f"basis must be one of {', '.join(BASES)}, not {basis!r}")


def year_view(
    data: SSDA903, year: int, basis: str = "returned"
) -> tuple[pd.DataFrame, pd.DataFrame]:
    """(episodes, header) for the figures of the year ending 31 March ``year``.

    ``returned``: the episodes and header rows of that year's return alone (an open episode is
    open to that return's 31 March, as the return says); ``revised``: every return combined,
    the latest return's version of each episode and header row.
    """
    _check_basis(basis)
    if basis == "revised":
        return data.episodes, data.header
    episodes = data.returned[data.returned["year"] == year].assign(first_year=year, last_year=year)
    header = data.headers[data.headers["year"] == year]
    return episodes, header


@dataclass(frozen=True)
class YearChildren:
    """The children behind one year's counts, one row per child (indexed by CHILD).

    ``at_31``: the open episode on 31 March that started last; ``starts``: the first RNE S
    episode with ``band`` (a key of :data:`BAND_LABELS`, or ``""`` when left out) and
    ``left_out`` (why, or ``""``); ``ceased``: the last ceasing episode.
    """

    at_31: pd.DataFrame
    starts: pd.DataFrame
    ceased: pd.DataFrame


def _band(age: float) -> str:
    return next((m for m, low, high in AGE_BANDS if low <= age < high), "")


def _start_ages(starts: pd.DataFrame, episodes: pd.DataFrame, header: pd.DataFrame) -> pd.DataFrame:
    """``starts`` with ``DOB``, ``age``, ``band`` and ``left_out`` (the reason, or "")."""
    born = header.drop_duplicates("CHILD", keep="last").set_index("CHILD")["DOB"]
    out = starts.copy()
    out["DOB"] = pd.to_datetime(out["CHILD"].map(born))
    first_decom = episodes.groupby("CHILD")["DECOM"].min()
    earliest = out["CHILD"].map(first_decom)
    in_header = out["CHILD"].isin(born.index)
    reason = pd.Series("", index=out.index, dtype=object)
    after = out["DOB"].notna() & (out["DOB"] > earliest)
    reason[after] = (
        "date of birth "
        + out.loc[after, "DOB"].dt.strftime("%d/%m/%Y")
        + " is after the episode starting "
        + earliest[after].dt.strftime("%d/%m/%Y")
    )
    reason[in_header & out["DOB"].isna()] = "date of birth blank or not a date"
    reason[~in_header] = "no header row, so no date of birth"
    ages = age_in_years(out["DOB"], out["DECOM"]).where(reason.eq(""))
    out["age"] = ages
    out["band"] = ages.map(lambda a: "" if pd.isna(a) else _band(a))
    out["left_out"] = reason
    return out


def year_children(data: SSDA903, year: int, basis: str = "returned") -> YearChildren:
    """The children counted in ``year``'s looked after, starts and ceased, on ``basis``."""
    episodes, header = year_view(data, year, basis)
    _, end = year_bounds(year)
    starts = _start_ages(starts_in(episodes, year), episodes, header)
    return YearChildren(
        at_31=looked_after_on(episodes, end).set_index("CHILD"),
        starts=starts.set_index("CHILD"),
        ceased=ceased_in(episodes, year).set_index("CHILD"),
    )


def year_measures(
    data: SSDA903,
    year: int,
    *,
    basis: str = "returned",
    council_code: str = "",
    postcode_la: Mapping[str, str] | None = None,
) -> dict[str, float]:
    """Every measure for one reporting year (ending 31 March ``year``) as ``{id: value}``."""
    episodes, _ = year_view(data, year, basis)
    children = year_children(data, year, basis)
    start, end = year_bounds(year)
    out: dict[str, float] = {}

    at_31 = children.at_31
    out["cla_31_march"] = float(len(at_31))
    groups = at_31["PLACE"].map(placement_group)
    for group in ("fostering", "residential", "supported", "other"):
        out[f"cla_31_march_{group}"] = float((groups == group).sum())
    if (groups == "unknown").any():
        out["cla_31_march_placement_unknown"] = float((groups == "unknown").sum())
    fostered = at_31[groups == "fostering"]
    provider = fostered["PLACE_PROVIDER"]
    out["cla_31_march_fostering_in_house"] = float(provider.isin(IN_HOUSE_PROVIDERS).sum())
    out["cla_31_march_fostering_agency"] = float(provider.isin(AGENCY_PROVIDERS).sum())
    out["cla_31_march_fostering_other_provider"] = float(
        (~provider.isin(IN_HOUSE_PROVIDERS | AGENCY_PROVIDERS)).sum()
    )
    out["cla_31_march_fostering_relative_friend"] = float(
        fostered["PLACE"].isin(RELATIVE_FRIEND_FOSTERING).sum()
    )
    area = _out_of_area(at_31, council_code, postcode_la)
    if area:
        out.update(area)

    starts = children.starts
    out["cla_starts"] = float(len(starts))
    for measure, _, _ in AGE_BANDS:
        out[measure] = float((starts["band"] == measure).sum())
    out["cla_starts_age_10_plus"] = float(
        starts["band"].isin(["cla_starts_age_10_to_15", "cla_starts_age_16_plus"]).sum()
    )
    left_out = int(starts["left_out"].ne("").sum())
    if left_out:
        out["cla_starts_age_unknown"] = float(left_out)

    out["cla_ceased"] = float(len(children.ceased))

    ended = episodes[episodes["DEC"].between(start, end)]
    days = (ended["DEC"] - ended["DECOM"]).dt.days
    out["episode_days_median"] = float(days.median()) if len(days) else np.nan
    out["episode_days_mean"] = float(days.mean()) if len(days) else np.nan

    if year - 1 in data.years.values():
        if basis == "returned":  # ceases in this year's return and the year before's
            before, _ = year_view(data, year - 1, basis)
            history = pd.concat([before, episodes], ignore_index=True)
        else:
            history = episodes
        ceases = history[history["DEC"].notna() & (history["REC"] != "X1")]
        paired = starts.reset_index()[["CHILD", "DECOM"]].merge(
            ceases[["CHILD", "DEC"]], on="CHILD"
        )
        within = paired[
            (paired["DEC"] <= paired["DECOM"])
            & (paired["DEC"] >= paired["DECOM"] - pd.DateOffset(months=12))
        ]
        reentries = within["CHILD"].nunique()
        out["cla_starts_reentry_12m"] = float(reentries)
        out["cla_starts_reentry_12m_pct"] = (
            (100.0 * reentries / len(starts)) if len(starts) else np.nan
        )
    return out


def _report_rows(rows: list[dict[str, object]]) -> pd.DataFrame:
    frame = pd.DataFrame(rows, columns=REPORT_COLUMNS)
    frame["row"] = frame["row"].astype("Int64")
    frame["year"] = frame["year"].astype("Int64")
    return frame


def age_band_exclusions(data: SSDA903, basis: str = "returned") -> pd.DataFrame:
    """Report rows (rule ``left_out_of_age_bands``), one per child starting in a year who is in
    no age band, with the reason; for each year as many as ``cla_starts_age_unknown``."""
    rows: list[dict[str, object]] = []
    for year in sorted(data.years.values()):
        starts = year_children(data, year, basis).starts
        for child, start in starts[starts["left_out"].ne("")].iterrows():
            rows.append(
                {
                    "file": start["file"],
                    "row": int(start["row"]),
                    "child": child,
                    "rule": "left_out_of_age_bands",
                    "detail": f"started {start['DECOM']:%d/%m/%Y} but {start['left_out']}: "
                    f"counted in the year's starts, left out of its age bands",
                    "action": "left out of age bands",
                    "year": year,
                    "field": "",
                    "as_returned": "",
                    "revised": "",
                }
            )
    return _report_rows(rows)


def _where(record: pd.Series) -> str:
    """``episode 11/11/2017 to 01/04/2018, 2017-episodes.csv row 65``."""
    end = "open" if pd.isna(record["DEC"]) else f"{record['DEC']:%d/%m/%Y}"
    return f"episode {record['DECOM']:%d/%m/%Y} to {end}, {record['file']} row {int(record['row'])}"


def _get(frame: pd.DataFrame, child: str) -> pd.Series | None:
    return frame.loc[child] if child in frame.index else None


def _revision(
    year: int,
    child: str,
    name: str,
    values: tuple[str, str],
    records: tuple[pd.Series | None, pd.Series | None],
    what: str,
) -> dict[str, object]:
    """One report row: ``values`` and ``records`` are (as returned, revised)."""
    (old, new), (before, after) = values, records
    record = after if after is not None else before
    if record is None:
        raise ValueError(f"child {child}: no episode on either basis")
    period = f"{year - 1}-{year % 100:02d}"
    return {
        "file": record["file"],
        "row": int(record["row"]),
        "child": child,
        "rule": "revised_by_later_return",
        "detail": f"{period}, {what}: as returned {old}"
        + (
            f" ({_where(before)})"
            if before is not None
            else f" (not counted by the {period} return)"
        )
        + f"; revised {new}"
        + (f" ({_where(after)})" if after is not None else ""),
        "action": "listed",
        "year": year,
        "field": name,
        "as_returned": old,
        "revised": new,
    }


def _in_one(
    year: int, name: str, old: pd.DataFrame, new: pd.DataFrame, what: str
) -> list[dict[str, object]]:
    """Rows for children counted on one basis only (yes/no)."""
    rows = []
    for child in sorted(set(old.index) ^ set(new.index)):
        before, after = _get(old, child), _get(new, child)
        values = ("yes" if before is not None else "no", "yes" if after is not None else "no")
        rows.append(_revision(year, child, name, values, (before, after), what))
    return rows


def _changed(
    year: int,
    name: str,
    old: pd.DataFrame,
    new: pd.DataFrame,
    label: Callable[[pd.DataFrame], pd.Series],
    what: str,
) -> list[dict[str, object]]:
    """Rows for children counted on both bases whose ``label`` differs."""
    both = old.index.intersection(new.index)
    was, now = label(old.loc[both]), label(new.loc[both])
    return [
        _revision(
            year, child, name, (was[child], now[child]), (old.loc[child], new.loc[child]), what
        )
        for child in sorted(both[was.ne(now).to_numpy()])
    ]


def _placement(records: pd.DataFrame) -> pd.Series:
    return (records["PLACE"] + " " + records["PLACE_PROVIDER"]).str.strip()


def _band_label(records: pd.DataFrame) -> pd.Series:
    return records["band"].map(BAND_LABELS).fillna("left out")


def revisions(data: SSDA903) -> pd.DataFrame:
    """Report rows (rule ``revised_by_later_return``) for every child whose part in a year's
    figures differs between the year's own return and the revised episodes.

    Fields: ``looked_after_31_march`` (yes/no), ``placement_31_march`` (PLACE and
    PLACE_PROVIDER, when looked after on both bases), ``started`` (yes/no),
    ``start_age_band`` (when started on both bases), ``ceased`` (yes/no). ``file`` and ``row``
    point at the revised episode when there is one, else at the returned one.
    """
    rows: list[dict[str, object]] = []
    for year in sorted(data.years.values()):
        was, now = year_children(data, year, "returned"), year_children(data, year, "revised")
        on_31 = f"on 31/03/{year}"
        rows += _in_one(
            year, "looked_after_31_march", was.at_31, now.at_31, f"looked after {on_31}"
        )
        rows += _changed(
            year,
            "placement_31_march",
            was.at_31,
            now.at_31,
            _placement,
            f"placement (PLACE, PLACE_PROVIDER) {on_31}",
        )
        rows += _in_one(year, "started", was.starts, now.starts, "started to be looked after")
        rows += _changed(
            year, "start_age_band", was.starts, now.starts, _band_label, "age band at the start"
        )
        rows += _in_one(year, "ceased", was.ceased, now.ceased, "ceased to be looked after")
    return _report_rows(rows)


def measure_report(data: SSDA903, basis: str = "returned") -> pd.DataFrame:
    """The validation report with the measures' own rows: children left out of the age bands
    on ``basis``, then the child-by-child differences between the two bases."""
    _check_basis(basis)
    parts = [data.report, age_band_exclusions(data, basis), revisions(data)]
    parts = [p for p in parts if not p.empty]
    if not parts:
        return pd.DataFrame(columns=REPORT_COLUMNS)
    return pd.concat(parts, ignore_index=True)[REPORT_COLUMNS]


def ssda903_measures(
    data: SSDA903,
    *,
    council_code: str,
    source: str,
    basis: str = "returned",
    council_name: str = "",
    postcode_la: Mapping[str, str] | None = None,
) -> pd.DataFrame:
    """Tidy rows of every measure for every year the returns cover, on ``basis``.

    ``source`` names the data (say "SSDA903 returns 2017-18 to 2021-22, synthetic sample"):
    it is required so that a synthetic or partial extract is never mistaken for published
    figures. ``postcode_la`` maps postcodes or outward codes (``BS1``) to ONS council codes for
    out-of-area counts when the episodes have no ``PL_LOCATION``.
    """
    if not source.strip():
        raise ValueError("source must say where the SSDA903 data came from")
    _check_basis(basis)
    rows = []
    for year in sorted(data.years.values()):
        for measure, value in year_measures(
            data, year, basis=basis, council_code=council_code, postcode_la=postcode_la
        ).items():
            rows.append(
                {
                    "council_code": council_code,
                    "council_name": council_name,
                    "period": str(year),
                    "measure": measure,
                    "value": float(value),
                    "flag": "" if not np.isnan(value) else "z",
                    "source": source,
                }
            )
    return pd.DataFrame(rows, columns=TIDY_COLUMNS)


SYNTHETIC_NOTE = "synthetic data, no real child"


def source_line(
    directory: Path,
    years: list[int],
    given: str = "",
    *,
    synthetic: bool = False,
    basis: str = "returned",
) -> str:
    """The rows' source: ``given`` or the returns' years, folder and basis, saying when
    synthetic."""
    span = f"{years[0] - 1}-{years[0] % 100:02d}"
    if len(years) > 1:
        span += f" to {years[-1] - 1}-{years[-1] % 100:02d}"
    text = given.strip() or f"SSDA903 returns {span} ({directory.name}), {BASIS_LABELS[basis]}"
    if synthetic and "synthetic" not in text.lower():
        text += f", {SYNTHETIC_NOTE}"
    return text


def validation_path(out: Path) -> Path:
    """``tidy.csv`` -> ``tidy_validation.csv`` in the same folder."""
    return out.with_name(f"{out.stem}_validation{out.suffix or '.csv'}")
