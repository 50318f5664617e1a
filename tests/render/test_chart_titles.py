"""Active chart titles describe the whole range drawn (issue 16): hand-worked series."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest

from cscanalysis.core.measures import MEASURES
from cscanalysis.render import charts
from cscanalysis.render.words import range_clause

YEARS = [str(y) for y in range(2013, 2024)]


def test_peak_before_the_title_years_is_named():
    # The Bristol case: the rate rose from 66 (2019) to 80 (2023), but was 81 in 2013.
    values = [81, 79, 75, 72, 70, 68, 66, 70, 74, 77, 80]
    assert range_clause(YEARS, values, 66, 80) == " (highest: 81 in 2013)"


def test_trough_between_the_ends_is_named_with_its_decimals():
    # The child-protection case: 37.5 in 2019 to 37.1 in 2023 hides a drop to 23.0 in 2021.
    periods = ["2019", "2020", "2021", "2022", "2023"]
    values = [37.5, 30.2, 23.0, 31.4, 37.1]
    assert range_clause(periods, values, 37.5, 37.1, places=1) == " (lowest: 23.0 in 2021)"


def test_both_extremes_and_gaps():
    # NaN (not published) is skipped; highest 90 (2014), lowest 40 (2016), ends 60 and 70.
    values = [60, 90, np.nan, 40, 55, 70]
    assert range_clause(YEARS[:6], values, 60, 70) == " (highest: 90 in 2014; lowest: 40 in 2016)"


def test_no_clause_when_the_ends_are_the_extremes_or_look_the_same():
    assert range_clause(YEARS[:4], [10, 12, 14, 16], 10, 16) == ""
    # 80.4 is beyond 80.2 but both show as 80 at 0 places: nothing hidden at that precision
    assert range_clause(YEARS[:3], [60, 80.4, 80.2], 60, 80.2) == ""
    # a tie takes the latest year
    assert range_clause(YEARS[:4], [50, 90, 90, 70], 50, 70) == " (highest: 90 in 2015)"
    assert range_clause(YEARS[:2], [np.nan, np.nan], np.nan, np.nan) == ""


def test_trend_line_title_carries_the_range():
    # 2013-2023 drawn; the title's five years are 2019-2023 (66 to 80); 81 in 2013 is named.
    values = [81, 79, 75, 72, 70, 68, 66, 70, 74, 77, 80]
    frame = pd.DataFrame(
        {
            "period": YEARS,
            "council": values,
            "council_flag": "",
            "neighbours": 60.0,
            "neighbours_n": 10,
            "region": 65.0,
            "england": 70.0,
        }
    )
    chart = charts.trend_line(
        frame,
        slug="t",
        place="Bristol",
        measure=MEASURES["cla_rate_per_10k"],
        noun="rate of children looked after",
        source="test",
        region_name="South West",
    )
    assert chart.title.startswith("Bristol's rate of children looked after rose from 66 to 80")
    assert chart.title.endswith("between 2019 and 2023 (highest: 81 in 2013)")
    chart.close()


@pytest.mark.parametrize("shift", [0.0, 1000.0])
def test_clause_only_names_values_beyond_both_ends(shift):
    values = [shift + v for v in (5, 1, 9, 3, 5)]
    out = range_clause(YEARS[:5], values, shift + 5, shift + 5)
    assert "highest" in out and "lowest" in out


def test_range_clause_writes_money_as_money():
    from cscanalysis.core.measures import MEASURES

    # Isles of Scilly, spending per child aged 0 to 17: 1,124 (2018-19) ... 635 (2021-22) ...
    # 1,238 (2022-23): the low point lies below both ends
    clause = range_clause(
        ["2018-19", "2021-22", "2022-23"],
        [1124.0, 635.0, 1238.0],
        1124.0,
        1238.0,
        0,
        MEASURES["spend_children_services_per_child"],
    )
    assert clause == " (lowest: £635 in 2021-22)"


def test_one_published_year_is_stated_not_compared(tidy, register):
    from cscanalysis.packs.evidence import charts as evidence_charts
    from cscanalysis.packs.evidence import content as evidence

    # Cumberland's first financial year is 2024-25: LAIT has one spending figure for it
    ctx = evidence.prepare(tidy, register, "Cumberland", "2025")
    chart = evidence_charts.trend_chart(
        ctx,
        "spend_per_child_looked_after",
        "spending per child looked after",
        "spend-per-child-looked-after",
        "test",
        financial=True,
    )
    try:
        assert "unchanged" not in chart.title and " was £" in chart.title
        assert chart.title.endswith("in 2024-25")
    finally:
        chart.close()
