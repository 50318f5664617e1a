"""Spending on children's services: Section 251 outturn (DfE) and Revenue Outturn RO3 (MHCLG).

Periods are financial years (``2024-25``); values are gross expenditure in nominal pounds, as
returned by councils (no inflation adjustment). Three publications, each for the years it
covers:

* the S251 outturn files, 2008-09 to 2013-14 (``expenditure/s251_outturn/``), pounds (2009-10
  and 2010-11 carry pence);
* LAIT's S251 indicators, 2016-17 to 2024-25 outturn (``lait/bds_long_0.parquet``, the years
  marked ``(OT)``), whole pounds, ``-`` for missing or suppressed;
* RO3 2024-25 (``expenditure/revenue_outturn/``), in thousands of pounds, for the lines LAIT
  lacks: unaccompanied asylum-seeking children, all of children's social care, agency staff.

The S251 headings changed over the years, so a line is read only for the years whose
definition matches LAIT's: children looked after and family support from 2008-09, the total
children's and young people's budget from 2010-11 (when Sure Start centres joined it) and
safeguarding from 2011-12 (when social work moved into it). 2014-15 and 2015-16 are not in the
bundled data.
"""

from __future__ import annotations

import re
from pathlib import Path

import numpy as np
import pandas as pd

from cscanalysis.core.councils import load_register
from cscanalysis.core.errors import DataError
from cscanalysis.sources.published import (
    LINE,
    Release,
    area_codes,
    at_line,
    pick_column,
    read_csv,
    tidy_rows,
)

S251_FILES = {
    "2008-09": "expenditure/s251_outturn/outturn_0809.csv",
    "2009-10": "expenditure/s251_outturn/outturn_0910.csv",
    "2010-11": "expenditure/s251_outturn/outturn_1011.csv",
    "2011-12": "expenditure/s251_outturn/outturn_1112.csv",
    "2012-13": "expenditure/s251_outturn/outturn_1213.csv",
    "2013-14": "expenditure/s251_outturn/outturn_1314.csv",
}
# measure -> (first financial year read, pattern matching the S251 line's description)
S251_LINES = {
    "spend_cla": ("2008-09", r"total children looked after"),
    "spend_family_support": ("2008-09", r"total family support services"),
    "spend_children_services": (
        "2010-11",
        r"(total )?children and young people'?s services budget \(excluding cera\)",
    ),
    "spend_safeguarding": (
        "2011-12",
        r"total (children and young people'?s safety/children social care"
        r"|safeguarding children and young people'?s services)",
    ),
}
LAIT = "lait/bds_long_0.parquet"
LAIT_MEASURES = {
    "TotalLACFinance": "spend_cla",
    "SafeguardingFinance": "spend_safeguarding",
    "FamilySupportFinance": "spend_family_support",
    "C&YPExpenditure": "spend_children_services",
    "LACFinance": "spend_cla_weekly_unit_cost",
}
RO3 = "expenditure/revenue_outturn/RO3_LA_Data_2024-25_data_by_LA.ods"
RO3_SHEET = "RO3_LA_Data_202425"
RO3_YEAR = "2024-25"
RO3_COLUMNS = {
    "Children's social care - Asylum Seekers - Total Expenditure (C3 = C1 + C2)": "spend_uasc",
    "TOTAL CHILDREN SOCIAL CARE - Total Expenditure (C3 = C1 + C2)": "spend_csc_total",
    "TOTAL CHILDREN SOCIAL CARE - Children's Social Care - agency staff cost memorandum item": (
        "spend_csc_agency_staff"
    ),
}
# RO3 writes the published symbols in brackets ("[x]" not received, "[z]" not applicable).
RO3_SYMBOLS = {"[x]": "x", "[z]": "z", "[c]": "c", "[u]": "u", "[k]": "k"}
# Councils abolished in 2009 appear in the 2008-09 S251 file; their successors did not exist.
ABOLISHED_2009 = {"820": "Bedfordshire", "875": "Cheshire"}


def _line_text(description: pd.Series) -> pd.Series:
    """A line description without its leading number, stray tabs or case."""
    text = description.fillna("").astype(str).str.replace("\t", " ", regex=False)
    text = text.str.replace(r"^\s*\d+\s*", "", regex=True).str.replace(r"\s+", " ", regex=True)
    return text.str.strip().str.lower()


def read_s251_year(raw: Path, year: str) -> pd.DataFrame:
    """Tidy rows of one S251 outturn file (gross expenditure, whole pounds)."""
    label = S251_FILES[year]
    frame = read_csv(raw / label, label=label)
    number = pick_column(frame, ["LEA Number:", "LEA", "LA"], file=label)
    line = pick_column(
        frame, ["S52 Line Reference:", "S52 Line Reference", "CYPServiceDescription"], file=label
    )
    gross = pick_column(
        frame, ["TOTAL EXPENDITURE (k)", "Total Expenditure (k)", "TotalExpenditure"], file=label
    )
    frame = frame[~frame[number].str.strip().isin(ABOLISHED_2009)].reset_index(drop=True)
    text = _line_text(frame[line])
    release = Release(f"DfE Section 251 outturn {year}", 2000 + int(year[-2:]))
    parts = []
    for measure, (first, pattern) in S251_LINES.items():
        if year < first:
            continue
        rows = frame[text.str.fullmatch(pattern)].reset_index(drop=True)
        if rows.empty:
            raise DataError(
                f"no line for {measure}",
                file=label,
                column=line,
                expected=f"a line matching {pattern!r}",
            )
        codes = _codes(rows, number=number, file=label)
        parts.append(
            tidy_rows(
                rows,
                file=label,
                codes=codes,
                periods=year,
                measures={gross: measure},
                release=release,
            )
        )
    return pd.concat(parts, ignore_index=True)


def _codes(frame: pd.DataFrame, *, number: str, file: str) -> pd.Series:
    """Canonical codes from the DfE numbers (the S251 files have no ONS codes)."""
    return area_codes(frame, file=file, code=pd.Series([""] * len(frame)), name=None, number=number)


def read_lait_spending(raw: Path) -> pd.DataFrame:
    """S251 outturn indicators from LAIT (years ``YYYY-YY (OT)``), whole pounds."""
    frame = pd.read_parquet(raw / LAIT, columns=["Short Desc", "Years", "Values", "LA Number"])
    # The parquet has no lines: a record is named by its position, counted as a CSV's would be.
    frame[LINE] = np.arange(2, len(frame) + 2)
    frame = frame[frame["Short Desc"].isin(LAIT_MEASURES)]
    years = frame["Years"].astype(str).str.strip()
    outturn = years.str.fullmatch(r"\d{4}-\d{2} \(OT\)")
    frame = frame[outturn].assign(period=years[outturn].str[:7]).reset_index(drop=True)
    number = frame["LA Number"].map(lambda n: "" if pd.isna(n) else str(int(n)))
    frame = frame.assign(number=number)
    register = load_register()
    try:
        codes = register.canonical_codes(
            pd.Series([""] * len(frame)), numbers=frame["number"], file=LAIT, first_row=0
        )
    except DataError as error:
        raise at_line(error, frame) from None
    release = Release("DfE LAIT, Section 251 outturn indicators", 2025.5)
    parts = []
    for short, measure in LAIT_MEASURES.items():
        rows = frame["Short Desc"] == short
        parts.append(
            tidy_rows(
                frame[rows],
                file=LAIT,
                codes=codes[rows],
                periods=frame.loc[rows, "period"],
                measures={"Values": measure},
                release=release,
            )
        )
    return pd.concat(parts, ignore_index=True)


def read_ro3(raw: Path) -> pd.DataFrame:
    """RO3 2024-25 lines LAIT lacks, converted from thousands to pounds."""
    path = raw / RO3
    try:
        sheet = pd.read_excel(
            path, engine="calamine", sheet_name=RO3_SHEET, header=None, dtype=object
        )
    except ValueError as error:
        raise DataError(f"cannot read the sheet {RO3_SHEET!r}: {error}", file=RO3) from None
    header_row = _header_row(sheet)
    header = [str(v).strip() for v in sheet.iloc[header_row]]
    frame = sheet.iloc[header_row + 1 :].copy()
    frame.columns = header
    frame[LINE] = np.arange(header_row + 2, header_row + 2 + len(frame))
    frame = frame[frame["ONS Code"].astype(str).str.fullmatch(r"E0[689]\d{6}|E10\d{6}")]
    missing = [c for c in RO3_COLUMNS if c not in frame.columns]
    if missing:
        raise DataError(
            "required column is missing",
            file=RO3,
            row=header_row + 1,
            column=missing[0],
            expected="the RO3 2024-25 layout",
        )
    frame = frame.reset_index(drop=True)
    for column in RO3_COLUMNS:
        frame[column] = frame[column].map(lambda v: _thousands(v))
    codes = load_register().canonical_codes(
        frame["ONS Code"].astype(str), names=frame["Local authority"], file=RO3
    )
    return tidy_rows(
        frame,
        file=RO3,
        codes=codes,
        periods=RO3_YEAR,
        measures=RO3_COLUMNS,
        release=Release("MHCLG Revenue Outturn RO3 2024-25", 2025),
    )


def _header_row(sheet: pd.DataFrame) -> int:
    first = sheet.iloc[:, 1].astype(str).str.strip()
    hits = np.flatnonzero(first == "ONS Code")
    if not len(hits):
        raise DataError(
            "no header row", file=RO3, column="B", expected="a row whose second cell is 'ONS Code'"
        )
    return int(hits[0])


def _thousands(value: object) -> object:
    """A cell in thousands of pounds as whole pounds (text kept for symbols and errors)."""
    if isinstance(value, str):
        text = value.strip()
        if text in RO3_SYMBOLS:
            return RO3_SYMBOLS[text]
        if re.fullmatch(r"-?\d+(\.\d+)?", text):
            return str(round(float(text) * 1000))
        return value
    if value is None or (isinstance(value, float) and np.isnan(value)):
        return value
    if isinstance(value, int | float):
        return str(round(float(value) * 1000))
    return value


def read_spending(raw: Path) -> pd.DataFrame:
    """Every spending publication in ``raw`` as tidy rows (financial-year periods)."""
    parts = [read_s251_year(raw, year) for year in S251_FILES]
    parts.append(read_lait_spending(raw))
    parts.append(read_ro3(raw))
    return pd.concat(parts, ignore_index=True)
