"""Measures derived from clean SSDA903 episodes, as tidy rows for the main table.

Pure functions on :class:`cscanalysis.sources.ssda903.SSDA903` data. Children are counted as
DfE counts them in "Children looked after in England": each child once per measure and year
(ending 31 March), so a child who starts twice in a year is one start (the first) and a child
who ceases twice is one cease (the last).

- ``cla_31_march``: children with an episode open on 31 March (started on or before, not ended
  by then). An episode left open in a return that later returns do not carry is open only to
  the 31 March of the last return holding it (see ``missing_from_next_return``).
- ``cla_starts``: children with an episode whose RNE is ``S`` (started to be looked after)
  commencing in the year; ``cla_starts_age_*``: their age in whole years on that date, in
  DfE's bands (under 1, 1 to 4, 5 to 9, 10 to 15, 16 and over) and ``cla_starts_age_10_plus``.
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

from collections.abc import Mapping

import numpy as np
import pandas as pd

from cscanalysis.sources.ssda903 import SSDA903, episodes_open_on, year_bounds

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


def year_measures(
    data: SSDA903,
    year: int,
    *,
    council_code: str = "",
    postcode_la: Mapping[str, str] | None = None,
) -> dict[str, float]:
    """Every measure for one reporting year (ending 31 March ``year``) as ``{id: value}``."""
    episodes, header = data.episodes, data.header
    _, end = year_bounds(year)
    out: dict[str, float] = {}

    at_31 = looked_after_on(episodes, end)
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

    starts = starts_in(episodes, year)
    out["cla_starts"] = float(len(starts))
    dob = starts["CHILD"].map(header.set_index("CHILD")["DOB"])
    ages = age_in_years(pd.to_datetime(dob), starts["DECOM"])
    for measure, low, high in AGE_BANDS:
        out[measure] = float(((ages >= low) & (ages < high)).sum())
    out["cla_starts_age_10_plus"] = float((ages >= 10).sum())
    if ages.isna().any():
        out["cla_starts_age_unknown"] = float(ages.isna().sum())

    out["cla_ceased"] = float(len(ceased_in(episodes, year)))

    start, _ = year_bounds(year)
    ended = episodes[episodes["DEC"].between(start, end)]
    days = (ended["DEC"] - ended["DECOM"]).dt.days
    out["episode_days_median"] = float(days.median()) if len(days) else np.nan
    out["episode_days_mean"] = float(days.mean()) if len(days) else np.nan

    if year - 1 in data.years.values():
        ceases = episodes[episodes["DEC"].notna() & (episodes["REC"] != "X1")]
        paired = starts[["CHILD", "DECOM"]].merge(ceases[["CHILD", "DEC"]], on="CHILD")
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


def ssda903_measures(
    data: SSDA903,
    *,
    council_code: str,
    source: str,
    council_name: str = "",
    postcode_la: Mapping[str, str] | None = None,
) -> pd.DataFrame:
    """Tidy rows of every measure for every year the returns cover.

    ``source`` names the data (say "SSDA903 returns 2017-18 to 2021-22, synthetic sample"):
    it is required so that a synthetic or partial extract is never mistaken for published
    figures. ``postcode_la`` maps postcodes or outward codes (``BS1``) to ONS council codes for
    out-of-area counts when the episodes have no ``PL_LOCATION``.
    """
    if not source.strip():
        raise ValueError("source must say where the SSDA903 data came from")
    rows = []
    for year in sorted(data.years.values()):
        for measure, value in year_measures(
            data, year, council_code=council_code, postcode_la=postcode_la
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
