"""Children looked after (CLA): the SFR files (2010 to 2017) and the EES releases (from 2018).

Measures: ``cla_31_march`` (children looked after at 31 March), ``cla_starts`` and
``cla_ceased`` (during the year ending 31 March), starts by age group, and DfE's published rates
per 10,000 children (``cla_rate_per_10k``, ``cla_starts_rate_per_10k``,
``cla_ceased_rate_per_10k``).
"""

from __future__ import annotations

import re
from pathlib import Path

import pandas as pd

from cscanalysis.core.errors import DataError
from cscanalysis.sources.ees import read_ees
from cscanalysis.sources.published import (
    LINE,
    Release,
    area_codes,
    pick_column,
    read_csv,
    require_columns,
    tidy_rows,
)

# The SFR underlying-data files, one release a year: (stock, starts, ceased) under data/raw/cla/.
SFR_FILES: dict[int, tuple[str, str, str]] = {
    2010: (
        "sfr_2010/SFR27_2010_March.csv",
        "sfr_2010/SFR27_2010_Started.csv",
        "sfr_2010/SFR27_2010_Ceased.csv",
    ),
    2011: ("sfr_2011/SFR21_CLA.csv", "sfr_2011/SFE21_ADM.csv", "sfr_2011/SFR21_CEA.csv"),
    2012: ("sfr_2012/SFR20_CLA2012.csv", "sfr_2012/SFR20_ADM2012.csv", "sfr_2012/SFR_CEA2012.csv"),
    2013: (
        "sfr_2013/SFR36_CLA2013.csv",
        "sfr_2013/SFR36_ADM2013.csv",
        "sfr_2013/SFR36_CEA2013.csv",
    ),
    2014: (
        "sfr_2014/SFR36_CLA2014.csv",
        "sfr_2014/SFR36_ADM2014.csv",
        "sfr_2014/SFR36_CEA2014.csv",
    ),
    2015: (
        "sfr_2015/SFR34_CLA2015.csv",
        "sfr_2015/SFR34_ADM2015.csv",
        "sfr_2015/SFR34_CEA2015.csv",
    ),
    2016: (
        "sfr_2016/SFR41_CLA2016.csv",
        "sfr_2016/SFR41_ADM2016.csv",
        "sfr_2016/SFR41_CEA2016.csv",
    ),
    2017: (
        "sfr_2017/SFR50_CLA2017.csv",
        "sfr_2017/SFR50_ADM2017.csv",
        "sfr_2017/SFR50_CEA2017.csv",
    ),
}
# Column headers that carry the wrong year, as published (see data/raw/SOURCE_README.md).
SFR_ERRATA = {("cla/sfr_2015/SFR34_ADM2015.csv", "CLA_started2014")}

SFR_STARTS_BY_AGE = {
    "SCLA_U1": "cla_starts_age_under_1",
    "SCLA_1to4": "cla_starts_age_1_to_4",
    "SCLA_5to9": "cla_starts_age_5_to_9",
    "SCLA_10to15": "cla_starts_age_10_to_15",
    "SCLA_16over": "cla_starts_age_16_plus",
}
EES_STARTS_BY_AGE = {
    "Under 1 year": "cla_starts_age_under_1",
    "1 to 4 years": "cla_starts_age_1_to_4",
    "5 to 9 years": "cla_starts_age_5_to_9",
    "10 to 15 years": "cla_starts_age_10_to_15",
    "16 years and over": "cla_starts_age_16_plus",
}
# The EES "number and rate" file names each measure in a label column.
EES_LABELS = {
    "Children looked after at 31 March each year": "cla",
    "Children looked after on 31 March each year": "cla",
    "Children starting to be looked after each year": "cla_starts",
    "Children ceasing to be looked after each year": "cla_ceased",
}
SFR_LEVELS = {"national", "gor", "region", "la", ""}


def _year_column(frame: pd.DataFrame, prefixes: tuple[str, ...], year: int, *, file: str) -> str:
    """The column named ``<prefix><year>``; a column for another year is an error (errata aside)."""
    pattern = "(?:" + "|".join(map(re.escape, prefixes)) + r")\d{4}"
    matches = [c for c in frame.columns if re.fullmatch(pattern, c)]
    if not matches:
        require_columns(frame, [f"{prefixes[-1]}{year}"], file=file)
    column = matches[0]
    found = re.findall(r"\d{4}", column)
    if found and int(found[0]) != year and (file, column) not in SFR_ERRATA:
        raise DataError(
            "column is for a different year than its file",
            file=file,
            row=1,
            column=column,
            value=column,
            expected=f"a column for {year}",
        )
    return column


def _sfr_areas(frame: pd.DataFrame, *, file: str) -> pd.DataFrame:
    """Keep England, the 9 regions and councils of an SFR file, with canonical codes."""
    level = frame["geog_l"].str.strip().str.lower()
    name = frame["geog_n"].str.strip()
    # Inner and Outer London share London's code: keep London only.
    keep = level.isin(SFR_LEVELS) & ~name.str.upper().isin({"INNER LONDON", "OUTER LONDON"})
    # 2017 adds an Isles of Scilly row with an empty level; earlier files have no such row.
    keep &= ~((level == "") & (name == ""))
    unknown = ~level.isin(SFR_LEVELS)
    if unknown.any():
        i = unknown.to_numpy().nonzero()[0][0]
        raise DataError(
            "unexpected geographic level",
            file=file,
            row=int(frame[LINE].iloc[i]),
            column="geog_l",
            value=frame["geog_l"].iloc[i],
            expected="National, GOR/REGION or LA",
        )
    frame = frame[keep].reset_index(drop=True)
    level = level[keep].reset_index(drop=True)
    code_column = (
        frame["New_geog_code"]
        if "New_geog_code" in frame
        else pd.Series([""] * len(frame), dtype=object)
    )
    # Region rows: match on the region's name; council rows: code, then DfE number, then name.
    number = frame["geog_c"].where(level.isin({"la", ""}), "")
    frame = frame.assign(
        _code=code_column.where(~level.isin({"national"}), "E92000001"), _number=number
    )
    frame["code"] = area_codes(frame, file=file, code="_code", name="geog_n", number="_number")
    return frame


def _sfr_file(raw: Path, name: str) -> tuple[pd.DataFrame, str]:
    """One SFR file's England, region and council rows, and its label for errors."""
    label = f"cla/{name}"
    frame = read_csv(raw / "cla" / name, label=label, required=["geog_l", "geog_c", "geog_n"])
    return _sfr_areas(frame, file=label), label


def _sfr_measures(frame: pd.DataFrame, kind: str, year: int, label: str) -> dict[str, str]:
    """{published column: measure id} of an SFR stock, starts or ceased file."""
    if kind == "stock":
        measures = {_year_column(frame, ("MarTotal_", "CLA_Mar"), year, file=label): "cla_31_march"}
        if year == 2010:
            measures[pick_column(frame, ["Mid2009Pop0-17"], file=label)] = "population_0_17"
    elif kind == "starts":
        column = _year_column(frame, ("StartTotal_", "CLA_started"), year, file=label)
        measures = {column: "cla_starts"}
        measures.update({c: m for c, m in SFR_STARTS_BY_AGE.items() if c in frame.columns})
    else:
        candidates = [f"CeasedTotal_{year}", f"CLA_cease{year}", "CLA_cease"]
        measures = {pick_column(frame, candidates, file=label): "cla_ceased"}
    return measures


def read_sfr_year(raw: Path, year: int) -> pd.DataFrame:
    """Tidy rows for one SFR release (stock, starts, ceased, starts by age, 2010 population)."""
    release = Release(f"DfE SFR children looked after {year}", year)
    parts = []
    for kind, name in zip(("stock", "starts", "ceased"), SFR_FILES[year], strict=True):
        frame, label = _sfr_file(raw, name)
        parts.append(
            tidy_rows(
                frame,
                file=label,
                codes=frame["code"],
                periods=str(year),
                measures=_sfr_measures(frame, kind, year, label),
                release=release,
            )
        )
    return pd.concat(parts, ignore_index=True)


def read_ees_number_and_rate(raw: Path, release_year: int) -> pd.DataFrame:
    """Tidy rows from an EES ``cla_number_and_rate_per_10k_children.csv`` release.

    RY2025 renamed ``population_count`` to ``population_type`` and ``number`` to
    ``children_count``; both layouts are read.
    """
    label = f"cla/ees_ry{release_year}/cla_number_and_rate_per_10k_children.csv"
    frame = read_ees(raw / label, label=label, required=["rate_per_10000"])
    label_col = pick_column(frame, ["population_count", "population_type"], file=label)
    number_col = pick_column(frame, ["number", "children_count"], file=label)
    kind = frame[label_col].str.strip().map(EES_LABELS)
    if kind.isna().any():
        i = kind.isna().to_numpy().nonzero()[0][0]
        raise DataError(
            "unknown measure label",
            file=label,
            row=int(frame[LINE].iloc[i]),
            column=label_col,
            value=frame[label_col].iloc[i],
            expected="one of " + "; ".join(EES_LABELS),
        )
    release = Release(f"DfE children looked after RY{release_year}", release_year)
    parts = []
    for stem, group in frame.groupby(kind, sort=False):
        measures = {
            number_col: "cla_31_march" if stem == "cla" else stem,
            "rate_per_10000": f"{stem}_rate_per_10k",
        }
        parts.append(
            tidy_rows(
                group,
                file=label,
                codes=group["code"],
                periods=group["year"],
                measures=measures,
                release=release,
            )
        )
    return pd.concat(parts, ignore_index=True)


def read_ees_2022(raw: Path) -> pd.DataFrame:
    """Tidy rows from the RY2022 release, 2018 to 2022: CLA at 31 March, starts by age, ceased."""
    release = Release("DfE children looked after RY2022", 2022)
    label = "cla/ees_ry2022/la_cla_at_31_march_placement_stability_indicator.csv"
    frame = read_ees(raw / label, label=label, required=["cla_group", "characteristic", "number"])
    stock = frame[
        (frame["cla_group"].str.strip() == "Children looked after at 31 March")
        & (frame["characteristic"].str.strip() == "Total children")
    ]
    parts = [
        tidy_rows(
            stock,
            file=label,
            codes=stock["code"],
            periods=stock["year"],
            measures={"number": "cla_31_march"},
            release=release,
        )
    ]

    label = "cla/ees_ry2022/la_cla_who_started_to_be_looked_after.csv"
    frame = read_ees(raw / label, label=label, required=["cla_group", "characteristic", "number"])
    ages = frame[frame["cla_group"].str.strip() == "Age group"]
    characteristic = ages["characteristic"].str.strip()
    total = ages[characteristic == "Total"]
    parts.append(
        tidy_rows(
            total,
            file=label,
            codes=total["code"],
            periods=total["year"],
            measures={"number": "cla_starts"},
            release=release,
        )
    )
    for name, measure in EES_STARTS_BY_AGE.items():
        group = ages[characteristic == name]
        parts.append(
            tidy_rows(
                group,
                file=label,
                codes=group["code"],
                periods=group["year"],
                measures={"number": measure},
                release=release,
            )
        )

    # Ceased during the year, 2018 to 2022: the only LA-level source here for 2018.
    label = "cla/ees_ry2022/la_children_who_ceased_during_year.csv"
    frame = read_ees(raw / label, label=label, required=["cla_group", "characteristic", "number"])
    total = frame[
        (frame["cla_group"].str.strip() == "Gender")
        & (frame["characteristic"].str.strip() == "Total")
    ]
    parts.append(
        tidy_rows(
            total,
            file=label,
            codes=total["code"],
            periods=total["year"],
            measures={"number": "cla_ceased"},
            release=release,
        )
    )
    return pd.concat(parts, ignore_index=True)


def read_cla(raw: Path) -> pd.DataFrame:
    """All children-looked-after releases in ``raw`` as tidy rows (every release kept)."""
    parts = [read_sfr_year(raw, year) for year in SFR_FILES]
    parts.append(read_ees_2022(raw))
    parts += [read_ees_number_and_rate(raw, year) for year in number_and_rate_years(raw)]
    return pd.concat(parts, ignore_index=True)


def number_and_rate_years(raw: Path) -> list[int]:
    """Release years with a ``cla/ees_ryNNNN/cla_number_and_rate_per_10k_children.csv`` (from
    2023; ``cscanalysis data update`` puts a new release in a new folder)."""
    years = []
    for folder in (raw / "cla").glob("ees_ry[0-9][0-9][0-9][0-9]"):
        year = int(folder.name[len("ees_ry") :])
        if year >= 2023 and (folder / "cla_number_and_rate_per_10k_children.csv").is_file():
            years.append(year)
    return sorted(years)
