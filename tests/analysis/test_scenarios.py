"""Tests for cscanalysis.analysis.scenarios: seed figures, hand-worked answers, published CLA
flows."""

from __future__ import annotations

import math
from pathlib import Path

import numpy as np
import pandas as pd
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from cscanalysis.analysis import scenarios as S
from cscanalysis.core.errors import ParameterError

RAW = Path(__file__).resolve().parents[2] / "data" / "raw" / "cla"


def read_flows(folder: str) -> dict[str, pd.DataFrame]:
    """Wide frames (LA number rows, year columns) of stock at 31 March, starts and ceased
    from an EES 'cla_number_and_rate_per_10k_children.csv' (LA rows; c/x/z -> NaN)."""
    d = pd.read_csv(
        RAW / folder / "cla_number_and_rate_per_10k_children.csv", dtype=str, encoding="utf-8-sig"
    )
    d = d[d["geographic_level"] == "Local authority"]
    label = d["population_count"] if "population_count" in d else d["population_type"]
    value = pd.to_numeric(d["number"] if "number" in d else d["children_count"], errors="coerce")
    out = {}
    for key, word in (("stock", "31 March"), ("starts", "starting"), ("ceased", "ceasing")):
        rows = label.str.contains(word)
        out[key] = pd.DataFrame(
            {
                "la": d["old_la_code"][rows],
                "year": d["time_period"][rows].astype(int),
                "v": value[rows],
            }
        ).pivot(index="la", columns="year", values="v")
    return out


# ---------------------------------------------------------------- glide paths and rates


def test_linear_glide_path_bristol_seed():
    # Seed 000 line 175: reduce children in care from 684 to 519 over five years.
    # (684 - 519) / 5 = 33 a year: 684, 651, 618, 585, 552, 519.
    path = S.glide_path(2017, 684, 2022, 519)
    assert path.index.tolist() == [2017, 2018, 2019, 2020, 2021, 2022]
    assert path.tolist() == pytest.approx([684, 651, 618, 585, 552, 519])
    assert path.iloc[-1] == 519


def test_percent_glide_path_bristol_seed():
    # Constant ratio r = (519/684)^(1/5): 519/684 = 0.758772 = 0.75 x 1.011696,
    # ln = -0.287682 + 0.011628 = -0.276054, /5 = -0.0552108,
    # r = exp(-0.0552108) = 1 - 0.0552108 + 0.0015241 - 0.0000281 = 0.946285
    # (a 5.37% fall a year); 2018 = 684 * r = 647.26.
    path = S.glide_path(2017, 684, 2022, 519, method="percent")
    ratios = (path / path.shift()).dropna()
    assert ratios.tolist() == pytest.approx([0.946285] * 5, abs=2e-6)
    assert path[2018] == pytest.approx(647.26, abs=0.01)
    assert path.iloc[-1] == 519 and path.iloc[0] == 684


@settings(max_examples=60, deadline=None)
@given(
    st.integers(2000, 2030),
    st.integers(1, 10),
    st.floats(1, 1e5),
    st.floats(1, 1e5),
    st.sampled_from(["linear", "percent"]),
)
def test_property_glide_paths_hit_their_target_exactly(y0, years, v0, v1, method):
    path = S.glide_path(y0, v0, y0 + years, v1, method=method)
    assert path.iloc[0] == v0 and path.iloc[-1] == v1  # exact, not approximately
    assert len(path) == years + 1
    assert path.min() >= min(v0, v1) - 1e-9 and path.max() <= max(v0, v1) + 1e-9


def test_rates_and_counts_bristol_seed():
    # Seed 000 line 175: 684 children = 72.5 per 10,000 -> population 684 / 72.5 * 10,000
    # = 94,344.8. At that population the target rate 55.7 is 55.7 * 9.43448 = 525.5
    # children, not 519: the seed's 519 is 55.0 per 10,000 at that population
    # (519 / 9.43448 = 55.01), so its two targets imply different populations.
    pop = S.implied_population(684, 72.5)
    assert pop == pytest.approx(94_344.83, abs=0.01)
    assert S.rate_to_count(55.7, pop) == pytest.approx(525.50, abs=0.01)
    assert S.count_to_rate(519, pop) == pytest.approx(55.01, abs=0.01)
    # a rate glide path converted to children with the population
    rates = S.glide_path(2017, 72.5, 2022, 55.7)
    children = S.rate_to_count(rates, pop)
    assert children.iloc[0] == pytest.approx(684)
    assert children.iloc[-1] == pytest.approx(525.50, abs=0.01)


def test_glide_path_bad_input():
    with pytest.raises(ParameterError, match="after the start year"):
        S.glide_path(2022, 684, 2022, 519)
    with pytest.raises(ParameterError, match="above zero"):
        S.glide_path(2017, 684, 2022, 0, method="percent")
    with pytest.raises(ParameterError, match="method"):
        S.glide_path(2017, 684, 2022, 519, method="log")
    with pytest.raises(ParameterError, match="target_value"):
        S.glide_path(2017, 684, 2022, float("nan"))
    with pytest.raises(ParameterError, match="above zero"):
        S.implied_population(684, 0)


# ---------------------------------------------------------------- gap and money


def one_council_forecast() -> pd.DataFrame:
    return pd.DataFrame(
        {
            "council_code": "E06000023",
            "period": ["2024", "2025"],
            "mean": [760.0, 790.0],
            "lo80": [740.0, 750.0],
            "hi80": [780.0, 830.0],
            "lo95": [730.0, 720.0],
            "hi95": [790.0, 860.0],
        }
    )


def test_gap_against_a_glide_path_in_children_and_money():
    # Target 732 -> 682 over 2023-2025: 732, 707, 682. Gap 2024 = 760 - 707 = 53
    # (lo 740 - 707 = 33, hi 780 - 707 = 73); 2025 = 790 - 682 = 108.
    # Money at the ESA default, 1,755 x 52 = 91,260 a year: 53 x 91,260 = 4,836,780.
    target = S.glide_path(2023, 732, 2025, 682)
    g = S.gap(
        target,
        one_council_forecast(),
        unit_cost=S.DEFAULT_UNIT_COSTS["external_supported_accommodation"],
    )
    assert g["period"].tolist() == ["2024", "2025"]
    assert g["gap"].tolist() == pytest.approx([53, 108])
    assert g["gap_lo"].tolist() == pytest.approx([33, 68])
    assert g["gap_hi"].tolist() == pytest.approx([73, 148])
    assert g["cost_gap"].iloc[0] == pytest.approx(4_836_780)
    g95 = S.gap(target, one_council_forecast(), level=95)
    assert g95["gap_hi"].tolist() == pytest.approx([83, 178])


def test_gap_needs_one_council_and_overlapping_periods():
    fc = pd.concat([one_council_forecast(), one_council_forecast().assign(council_code="X")])
    with pytest.raises(ParameterError, match="council="):
        S.gap(S.glide_path(2023, 1, 2025, 2), fc)
    assert len(S.gap(S.glide_path(2023, 1, 2025, 2), fc, council="X")) == 2
    with pytest.raises(ParameterError, match="no overlap"):
        S.gap(S.glide_path(2030, 1, 2031, 2), one_council_forecast())
    with pytest.raises(ParameterError, match="90% interval"):
        S.gap(S.glide_path(2023, 1, 2025, 2), one_council_forecast(), level=90)


def test_unit_costs_and_seed_defaults():
    esa = S.DEFAULT_UNIT_COSTS["external_supported_accommodation"]
    # seed 002 line 91: "£1,755 per week or c£91,000 per year": 1,755 x 52 = 91,260
    assert esa.amount == 1755 and esa.per == "week" and esa.annual == 91_260
    # seed 000 line 209: "out of authority residential placement cost per year is £166k"
    assert S.DEFAULT_UNIT_COSTS["out_of_authority_residential"].annual == 166_000
    with pytest.raises(ParameterError, match="'month'"):
        S.UnitCost(100, "month")
    with pytest.raises(ParameterError, match=">= 0"):
        S.UnitCost(-5, "week")


def test_spend_by_placement_type():
    # 100 children: 10% ESA (10 x 91,260 = 912,600), 5% out-of-authority residential
    # (5 x 166,000 = 830,000); the other 85 are left uncosted.
    total = pd.Series([100.0, 80.0], index=[2024, 2025])
    kids = S.by_placement(
        total, {"external_supported_accommodation": 0.10, "out_of_authority_residential": 0.05}
    )
    assert kids["other"].tolist() == pytest.approx([85.0, 68.0])
    out = S.spend(kids, S.DEFAULT_UNIT_COSTS)
    assert out.loc[2024, "external_supported_accommodation"] == pytest.approx(912_600)
    assert out.loc[2024, "total"] == pytest.approx(912_600 + 830_000)
    assert out.loc[2025, "total"] == pytest.approx(0.8 * (912_600 + 830_000))
    single = S.spend(pd.Series([3.0]), S.UnitCost(1000, "week"))
    assert single["spend"].iloc[0] == 156_000  # 3 x 1,000 x 52
    with pytest.raises(ParameterError, match="no unit cost"):
        S.spend(kids, {"external_supported_accommodation": 1.0})
    with pytest.raises(ParameterError, match="more than 1"):
        S.by_placement(total, {"a": 0.7, "b": 0.4})


def test_spend_forecast_and_saving_against_a_scenario():
    # Forecast 760, 790 children (80%: 740-780, 750-830) at £100,000 a year:
    # spend 76.0m and 79.0m. Scenario 700, 650: saving (760 - 700) x 100k = 6.0m
    # (lo (740 - 700) x 100k = 4.0m, hi 8.0m); 2025 saving 14.0m (10.0m to 18.0m).
    scen = pd.Series([700.0, 650.0], index=[2024, 2025])
    out = S.spend_forecast(one_council_forecast(), 100_000, scenario=scen)
    assert out["spend"].tolist() == pytest.approx([76e6, 79e6])
    assert out["spend_hi"].tolist() == pytest.approx([78e6, 83e6])
    assert out["saving"].tolist() == pytest.approx([6e6, 14e6])
    assert out["saving_lo"].tolist() == pytest.approx([4e6, 10e6])
    assert out["saving_hi"].tolist() == pytest.approx([8e6, 18e6])


# ---------------------------------------------------------------- stock and flow


def test_stock_flow_identity_bristol_by_hand():
    # Bristol (801), published: stock 2019 617; starts 2020-23 210, 194, 253, 270; ceased
    # 211, 188, 197, 229 (RY2023 for 2020, RY2025 for 2021-23).
    # 617 + 210 - 211 = 616; 616 + 194 - 188 = 622; 622 + 253 - 197 = 678;
    # 678 + 270 - 229 = 719. Published: 622, 633, 690, 732.
    years = [2020, 2021, 2022, 2023]
    starts = pd.Series([210.0, 194, 253, 270], index=years)
    ceased = pd.Series([211.0, 188, 197, 229], index=years)
    stock = S.stock_flow(617, starts, ceased)
    assert stock.tolist() == [616.0, 622.0, 678.0, 719.0]
    # The yearly residuals 6, 5, 1, 1 (children leaving and returning within a year)
    # close the gap exactly when passed as the adjustment.
    adj = pd.Series([6.0, 5, 1, 1], index=years)
    assert S.stock_flow(617, starts, ceased, adj).tolist() == [622.0, 633.0, 690.0, 732.0]


def test_stock_flow_identity_holds_in_published_data_within_its_tolerance():
    """stock_t = stock_{t-1} + starts_t - ceased_t for every council, 2020 to 2023.

    Tolerance found in the published data (RY2023 for 2019-2020, RY2025 for 2021-2023):
    the residual stock_t - (stock_{t-1} + starts_t - ceased_t) runs from -4 to +20
    children, at most 3.8% of the stock, median +2. It is positive because DfE counts
    only a child's first start and last ceasing in a year (data guidance, RY2023, notes
    to the file), so a child who leaves and comes back within the year is in the stock
    but nets out of the flows. The test allows -5 to +(5 + 4% of the stock).
    """
    a, b = read_flows("ees_ry2023"), read_flows("ees_ry2025")
    flows = {k: pd.concat([a[k][[2019, 2020]], b[k][[2021, 2022, 2023]]], axis=1) for k in a}
    checked = 0
    residuals = []
    for la in flows["stock"].index:
        for year in (2020, 2021, 2022, 2023):
            prev = flows["stock"].at[la, year - 1]
            vals = [flows[k].at[la, year] for k in ("stock", "starts", "ceased")]
            if np.isnan(prev) or np.isnan(vals).any():
                continue  # suppressed or council did not exist (z)
            model = S.stock_flow(
                prev, pd.Series([vals[1]], index=[year]), pd.Series([vals[2]], index=[year])
            ).iloc[0]
            res = vals[0] - model
            residuals.append(res)
            assert -5 <= res <= 5 + 0.04 * vals[0], (la, year, res)
            checked += 1
    assert checked > 580  # about 150 councils x 4 years, less suppressed and new ones
    assert np.median(residuals) > 0


def test_what_if_teenage_entrants_fall_by_20_percent():
    # Seed 000 Table 2 (Aug-16 to Jul-17 entrants by age): under 1 48, 1-4 41, 5-9 44,
    # 10-15 96, 16-17 64; total 293, aged 10+ = 160, share 160/293 = 0.54608.
    # Starts fall by 0.2 x 0.54608 = 10.92%: 200 -> 178.157 a year. With ceasing fixed,
    # the stock is 21.843 lower after a year, 43.686 after two, 65.529 after three.
    share = (96 + 64) / (48 + 41 + 44 + 96 + 64)
    idx = [2024, 2025, 2026]
    starts = pd.Series([200.0] * 3, index=idx)
    ceased = pd.Series([200.0] * 3, index=idx)
    out = S.what_if(600, starts, ceased, starts_change=-0.2, share=share)
    assert out["baseline"].tolist() == [600.0, 600.0, 600.0]
    assert out["starts_scenario"].iloc[0] == pytest.approx(178.157, abs=1e-3)
    assert out["difference"].tolist() == pytest.approx([-21.843, -43.686, -65.529], abs=1e-3)


def test_what_if_extra_exits_and_start_year():
    # 10 more exits a year from 2025: stock 0, 10, 20 lower in 2024, 2025, 2026.
    idx = [2024, 2025, 2026]
    s = pd.Series([200.0] * 3, index=idx)
    out = S.what_if(600, s, s, extra_exits=10, from_period=2025)
    assert out["difference"].tolist() == [0.0, -10.0, -20.0]
    assert out["ceasing_scenario"].tolist() == [200.0, 210.0, 210.0]


def test_what_if_proportional_exits_by_hand():
    # Exit rate = 200 / (600 + 200) = 0.25. Starts down 25% to 150: ceasing
    # 0.25 x (600 + 150) = 187.5, stock 600 + 150 - 187.5 = 562.5 (fixed exits: 550).
    s = pd.Series([200.0], index=[2024])
    prop = S.what_if(600, s, s, starts_change=-0.25, exits="proportional")
    assert prop["scenario"].iloc[0] == pytest.approx(562.5)
    fixed = S.what_if(600, s, s, starts_change=-0.25)
    assert fixed["scenario"].iloc[0] == pytest.approx(550.0)


def test_what_if_stock_never_negative():
    s = pd.Series([0.0, 0.0], index=[2024, 2025])
    out = S.what_if(15, s, s, extra_exits=10)
    assert out["scenario"].tolist() == [5.0, 0.0]


def test_stock_flow_bad_input_names_the_periods():
    starts = pd.Series([1.0, np.nan], index=[2024, 2025])
    with pytest.raises(ParameterError, match=r"starts has no value for \[2025\]"):
        S.stock_flow(10, starts, pd.Series([1.0, 1.0], index=[2024, 2025]))
    with pytest.raises(ParameterError, match="cover"):
        S.stock_flow(10, pd.Series([1.0], index=[2024]), pd.Series([1.0], index=[2025]))
    s = pd.Series([1.0], index=[2024])
    with pytest.raises(ParameterError, match="share"):
        S.what_if(10, s, s, starts_change=-0.2, share=1.5)
    with pytest.raises(ParameterError, match="from_period"):
        S.what_if(10, s, s, from_period=2030)
    with pytest.raises(ParameterError, match="exits"):
        S.what_if(10, s, s, exits="rate")
    assert math.isfinite(S.stock_flow(10, s, s).iloc[0])
