"""Published tables read straight from the raw files, for the disclosure tests."""

from __future__ import annotations

import csv
import io

import numpy as np
import pandas as pd

from tests.conftest import RAW

AGES = ["Under 1 year", "1 to 4 years", "5 to 9 years", "10 to 15 years", "16 years and over"]
STARTS_FILE = "cla/ees_ry2022/la_cla_who_started_to_be_looked_after.csv"
RATES_FILE = "cla/ees_ry2023/cla_number_and_rate_per_10k_children.csv"


def raw_rows(relative: str):
    text = (RAW / relative).read_bytes().decode("utf-8-sig")
    yield from csv.DictReader(io.StringIO(text, newline=""))


def starts_by_age(la_name: str) -> pd.DataFrame:
    """Starts to be looked after by age group (columns) and year (rows), as published."""
    cells: dict[str, dict[str, object]] = {}
    for row in raw_rows(STARTS_FILE):
        if row["la_name"] == la_name and row["cla_group"] == "Age group":
            number = row["number"]
            value = float(number) if number not in ("c", "x", "z") else np.nan
            cells.setdefault(row["time_period"], {})[row["characteristic"]] = value
    return pd.DataFrame.from_dict(cells, orient="index")[[*AGES, "Total"]].sort_index()
