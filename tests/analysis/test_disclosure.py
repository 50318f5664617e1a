"""Suppression of the tidy table: small counts and the rates computed from them."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest

from cscanalysis.analysis.disclosure import suppress_tidy
from cscanalysis.core.errors import DataError
from tests.analysis.published_tables import RATES_FILE, raw_rows

# --------------------------------------------------------------------------- tidy table


def city_of_london_2023() -> pd.DataFrame:
    """Tidy rows for City of London 2023 from the EES RY2023 file (number and rate)."""
    stems = {
        "Children looked after at 31 March each year": "cla_31_march",
        "Children starting to be looked after each year": "cla_starts",
        "Children ceasing to be looked after each year": "cla_ceased",
    }
    rates = {
        "cla_31_march": "cla_rate_per_10k",
        "cla_starts": "cla_starts_rate_per_10k",
        "cla_ceased": "cla_ceased_rate_per_10k",
    }
    records = []
    for row in raw_rows(RATES_FILE):
        if row["la_name"] == "City of London" and row["time_period"] in ("2022", "2023"):
            # In this release the measure label sits under the header "population_count" and
            # the population under "population_estimate" (a quirk of the published file).
            stem = stems[row["population_count"]]
            for measure, value in ((stem, row["number"]), (rates[stem], row["rate_per_10000"])):
                records.append(
                    {
                        "council_code": row["new_la_code"],
                        "council_name": row["la_name"],
                        "period": row["time_period"],
                        "measure": measure,
                        "value": float(value),
                        "flag": "",
                        "source": RATES_FILE,
                    }
                )
    return pd.DataFrame(records)


def test_real_small_council_counts_and_their_rates_are_suppressed():
    # City of London 2023 (EES RY2023): looked after 9 (rate 152: 9 / 591 * 10,000 = 152.3,
    # so the rate and the published population give the 9 back), starts 10 (rate 169),
    # ceased 11 (rate 186); population 591. With a threshold of 10: 9 and 10 and their
    # rates become c; 11 and 186 stay. 2022 (10, 8, 18): 10 and 8 go with their rates,
    # 18 and 275 stay.
    tidy = city_of_london_2023()
    out = suppress_tidy(tidy, threshold=10).set_index(["period", "measure"])
    hidden = {k for k, r in out.iterrows() if np.isnan(r["value"]) and r["flag"] == "c"}
    assert hidden == {
        ("2023", "cla_31_march"),
        ("2023", "cla_rate_per_10k"),
        ("2023", "cla_starts"),
        ("2023", "cla_starts_rate_per_10k"),
        ("2022", "cla_31_march"),
        ("2022", "cla_rate_per_10k"),
        ("2022", "cla_starts"),
        ("2022", "cla_starts_rate_per_10k"),
    }
    assert out.loc[("2023", "cla_ceased"), "value"] == 11
    assert out.loc[("2023", "cla_ceased_rate_per_10k"), "value"] == 186
    assert out.loc[("2022", "cla_ceased_rate_per_10k"), "value"] == 275
    assert out.loc[("2023", "cla_ceased"), "flag"] == ""
    # The default threshold (5) leaves every one of these published.
    assert suppress_tidy(tidy)["value"].notna().all()


def test_tidy_zero_is_published_and_a_numerator_suppressed_as_published_hides_its_rate():
    # Isles of Scilly: 2023 looked after 0, rate 0 (published) -> stays 0, not "c".
    # 2021 ceased was published as c; its rate given a value here (invented) must go too.
    tidy = pd.DataFrame(
        {
            "council_code": ["E06000053"] * 4,
            "council_name": ["Isles of Scilly"] * 4,
            "period": ["2023", "2023", "2021", "2021"],
            "measure": [
                "cla_31_march",
                "cla_rate_per_10k",
                "cla_ceased",
                "cla_ceased_rate_per_10k",
            ],
            "value": [0.0, 0.0, np.nan, 33.0],
            "flag": ["", "", "c", ""],
            "source": ["test"] * 4,
        }
    )
    out = suppress_tidy(tidy)
    assert out["value"].iloc[:2].tolist() == [0.0, 0.0]
    assert out["flag"].tolist() == ["", "", "c", "c"]
    assert np.isnan(out["value"].iloc[3])
    assert tidy["value"].iloc[3] == 33.0  # the input is not modified


def test_tidy_with_categorical_flags_and_other_councils_untouched():
    tidy = pd.DataFrame(
        {
            "council_code": ["E06000017", "E06000017", "E06000023", "E06000023"],
            "council_name": ["Rutland", "Rutland", "Bristol, City of", "Bristol, City of"],
            "period": ["2021"] * 4,
            "measure": ["cla_starts", "cla_starts_rate_per_10k"] * 2,
            "value": [4.0, 5.0, 194.0, 20.0],
            "flag": pd.Categorical(["", "", "", ""]),
            "source": ["test"] * 4,
        }
    )
    out = suppress_tidy(tidy)
    assert out["flag"].astype(str).tolist() == ["c", "c", "", ""]
    assert out["value"].iloc[2:].tolist() == [194.0, 20.0]


def test_tidy_missing_columns_is_an_error():
    with pytest.raises(DataError) as info:
        suppress_tidy(pd.DataFrame({"council_code": [], "value": []}))
    assert "period" in info.value.column and "measure" in info.value.column
