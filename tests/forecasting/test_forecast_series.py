"""Tests for cscanalysis.forecasting.timeline and .series: period columns, the tidy table as
a wide frame, each series cut to its last unbroken run, and bad input named."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from cscanalysis.core.errors import DataError, ParameterError
from cscanalysis.forecasting.forecast import forecast
from cscanalysis.forecasting.series import to_wide
from cscanalysis.forecasting.timeline import Calendar, calendar_of, label_ordinal


@settings(max_examples=60, deadline=None)
@given(st.integers(2000, 2040), st.integers(1, 12), st.integers(1, 4))
def test_property_period_labels_round_trip(year, month, quarter):
    for label, kind in (
        (str(year), "year"),
        (f"{year}-{(year + 1) % 100:02d}", "fy"),
        (f"{year}-{month:02d}", "month"),
        (f"{year}-{(year + 1) % 100:02d} Q{quarter}", "quarter"),
    ):
        o = label_ordinal(label, kind)
        assert o is not None and Calendar(kind, 1).label(o) == label
    months = [Calendar("month", 12).label(year * 12 + month - 1 + i) for i in range(3)]
    assert calendar_of(months)[0].kind == "month"


def test_financial_year_columns_are_recognised():
    w = pd.DataFrame(
        [[1.0, 2, 3, 4, 5]],
        index=["A"],
        columns=["2016-17", "2017-18", "2018-19", "2019-20", "2020-21"],
    )
    assert forecast(w, 2, "drift")["period"].tolist() == ["2021-22", "2022-23"]


def test_suppressed_year_uses_last_unbroken_run_and_says_so(wide):
    # 2017 suppressed: the last run is 2018-2022 = 120, 125, 130, 135, 140 (5 points),
    # drift (140 - 120) / 4 = 5 -> 145, 150.
    w = wide({"A": [100.0, 110, np.nan, 120, 125, 130, 135, 140]})
    fc = forecast(w, 2, "drift")
    assert fc["mean"].tolist() == pytest.approx([145.0, 150.0])
    assert "2018 to 2022" in fc.loc[0, "note"] and "2017" in fc.loc[0, "note"]
    # Interpolating instead fills 2017 with 115: drift over all 8 points is 40 / 7.
    fc2 = forecast(w, 1, "drift", gaps="interpolate")
    assert fc2.loc[0, "mean"] == pytest.approx(140 + 40 / 7)
    assert "interpolated 2017" in fc2.loc[0, "note"]


def test_missing_latest_year_forecasts_further_ahead(wide):
    # Last value 18 in 2019, 2020 missing: drift 2 a year gives 2021 = 22, 2022 = 24.
    w = wide({"A": [10.0, 12, 14, 16, 18, np.nan]})
    fc = forecast(w, 2, "drift")
    assert fc["period"].tolist() == ["2021", "2022"]
    assert fc["mean"].tolist() == pytest.approx([22.0, 24.0])
    assert "latest value 2019" in fc.loc[0, "note"]


def test_all_missing_row_is_no_data(wide):
    fc = forecast(wide({"A": [np.nan] * 5, "B": [1.0, 2, 3, 4, 5]}), 1, "naive")
    assert fc.set_index("council_code").loc["A", "status"] == "no data"


def test_to_wide_duplicate_rows_name_the_council_and_period():
    tidy = pd.DataFrame(
        {
            "council_code": ["E1", "E1"],
            "period": ["2019", "2019"],
            "measure": "m",
            "value": [1.0, 2.0],
        }
    )
    with pytest.raises(DataError) as err:
        to_wide(tidy, "m")
    assert err.value.column == "period" and err.value.value == "E1 2019"


def test_to_wide_non_number_names_value_and_column():
    tidy = pd.DataFrame(
        {
            "council_code": ["E1", "E1"],
            "period": ["2019", "2020"],
            "measure": "m",
            "value": ["1", "lots"],
        }
    )
    with pytest.raises(DataError) as err:
        to_wide(tidy, "m")
    assert err.value.column == "value" and err.value.value == "lots"
    assert "E1 2020" in str(err.value)


def test_to_wide_unknown_measure_lists_the_known_ones():
    tidy = pd.DataFrame(
        {"council_code": ["E1"], "period": ["2019"], "measure": "m", "value": [1.0]}
    )
    with pytest.raises(ParameterError, match=r"'cla'.*\['m'\]"):
        to_wide(tidy, "cla")


def test_wide_frame_with_text_names_column_and_value():
    w = pd.DataFrame({2019: [1.0, 2.0], 2020: ["3", "c"]}, index=["A", "B"], dtype=object)
    with pytest.raises(DataError) as err:
        forecast(w, 1, "naive")
    assert err.value.column == "2020" and err.value.value == "c"
    assert "B" in str(err.value)
