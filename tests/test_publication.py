"""Packs for publication suppress small numbers; internal packs say they are not for publication."""

from __future__ import annotations

import math

import pytest

from cscanalysis import evidence, report
from cscanalysis.errors import ParameterError

BRISTOL = "E06000023"


def with_value(tidy, code, measure, period, value):
    tidy = tidy.copy()
    hit = (tidy.council_code == code) & (tidy.measure == measure) & (tidy.period == period)
    assert hit.sum() == 1
    tidy.loc[hit, ["value", "flag"]] = [value, ""]
    return tidy


def headline(ctx, measure):
    table = evidence.headline_table(ctx).set_index("measure")
    return table.loc[measure]


def test_small_count_and_its_rate_are_suppressed_for_publication(tidy, register):
    small = with_value(tidy, BRISTOL, "cpp_31_march", "2023", 4.0)
    ctx = evidence.prepare(small, register, "Bristol", 2023)
    row = headline(ctx, "cpp_31_march")
    assert math.isnan(row.value) and row.flag == "c"
    rate = headline(ctx, "cpp_rate_per_10k")  # 341 -> 37.1 per 10,000 published: now derived
    assert math.isnan(rate.value) and rate.flag == "c"
    facts = " ".join(evidence.key_facts(ctx, evidence.headline_table(ctx)))
    assert "child protection plan" not in facts or "suppressed" in facts
    display = evidence.headline_display(evidence.headline_table(ctx), ctx.place)
    assert "suppressed" in display.to_string()


def test_zero_is_not_suppressed(tidy, register):
    zero = with_value(tidy, BRISTOL, "cpp_31_march", "2023", 0.0)
    ctx = evidence.prepare(zero, register, "Bristol", 2023)
    assert headline(ctx, "cpp_31_march").value == 0


def test_internal_pack_keeps_small_numbers_and_is_stamped(tidy, register):
    small = with_value(tidy, BRISTOL, "cpp_31_march", "2023", 4.0)
    ctx = evidence.prepare(small, register, "Bristol", 2023, audience="internal")
    assert headline(ctx, "cpp_31_march").value == 4
    html = report.header(*evidence.title(ctx), evidence.CONTENTS, banner=evidence.banner(ctx))
    assert "Not for publication" in html
    public = evidence.prepare(small, register, "Bristol", 2023)
    assert "Not for publication" not in report.header(
        *evidence.title(public), evidence.CONTENTS, banner=evidence.banner(public)
    )


def test_suppressed_value_cannot_be_read_back_from_the_chart_data(tidy, register):
    small = with_value(tidy, BRISTOL, "cla_starts", "2023", 3.0)
    ctx = evidence.prepare(small, register, "Bristol", 2023)
    chart = evidence.cla_counts_chart(ctx)
    row = chart.data[chart.data["period"] == "2023"].iloc[0]
    assert row["Started (children)"] == "c"
    rates = evidence.trend_chart(ctx, "cla_starts_rate_per_10k", "rate", "s", "DfE")
    last = rates.data[rates.data["period"] == "2023"].iloc[0]
    assert last["Bristol (per 10,000 children)"] == "c"
    chart.close()
    rates.close()


def test_unknown_audience(tidy, register):
    with pytest.raises(ParameterError, match="audience"):
        evidence.prepare(tidy, register, "Bristol", 2023, audience="everyone")


def test_the_suppressed_table_is_shared_by_packs_of_the_same_table(tidy, register):
    first = evidence.prepare(tidy, register, "Bristol", 2023)
    second = evidence.prepare(tidy, register, "Camden", 2023)
    assert second.tidy is first.tidy  # suppressed once, as in a warm kernel
    small = with_value(tidy, BRISTOL, "cpp_31_march", "2023", 4.0)
    changed = evidence.prepare(small, register, "Bristol", 2023)
    assert changed.tidy is not first.tidy
    assert headline(changed, "cpp_31_march").flag == "c"
    assert headline(evidence.prepare(tidy, register, "Bristol", 2023), "cpp_31_march").value == 341
