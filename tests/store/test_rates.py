"""Rates per 10,000 children recomputed from counts and population match DfE's published rates."""

from __future__ import annotations

import csv
import io

import numpy as np
import pytest

from cscanalysis.core.metrics import rate_per_10k, round_half_up
from tests.conftest import RAW

RELEASES = {
    2023: ("number", "population_count"),
    2024: ("number", "population_count"),
    2025: ("children_count", "population_type"),
}


def published_rows(release: int):
    path = RAW / f"cla/ees_ry{release}/cla_number_and_rate_per_10k_children.csv"
    yield from csv.DictReader(io.StringIO(path.read_bytes().decode("utf-8-sig"), newline=""))


@pytest.mark.parametrize("release", sorted(RELEASES))
def test_recomputed_rate_matches_published_for_every_council_and_year(release):
    count_col, _ = RELEASES[release]
    checked = mismatches = 0
    for row in published_rows(release):
        if row["geographic_level"] != "Local authority":
            continue
        try:
            count, population = float(row[count_col]), float(row["population_estimate"])
            published = float(row["rate_per_10000"])
        except ValueError:  # a published symbol in one of them: nothing to compare
            continue
        checked += 1
        if rate_per_10k(count, population) != published:
            mismatches += 1
    # every release has about 450 council rows per measure with all three figures
    assert checked > 1000
    assert mismatches == 0


def test_rate_per_10k_by_hand():
    # Bristol 2023 (RY2025): 732 children, population 91,973 -> 79.59 -> 80 published
    assert rate_per_10k(732, 91973) == 80
    # Bristol's 2018 target from the seed: 684 children = 72.5 per 10,000 -> population ~94,345
    assert rate_per_10k(684, 94345, 1) == 72.5


def test_round_half_up_not_bankers():
    assert round_half_up(np.array([0.5, 1.5, 2.5, -2.5])).tolist() == [1, 2, 3, -3]
    assert round_half_up(0.285, 2) == 0.29  # 0.285 is 0.28499999... in binary
