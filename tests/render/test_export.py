"""Chart files for bid authors: every chart's CSV agrees with the tidy table, symbols kept."""

from __future__ import annotations

import csv
import json

import pytest

from cscanalysis.cli import main
from cscanalysis.render.gallery import build_gallery

BRISTOL = "E06000023"


@pytest.fixture(scope="module")
def exported(tmp_path_factory):
    out = tmp_path_factory.mktemp("charts")
    assert main(["charts", "--council", "Bristol", "--period", "2023", "--out", str(out)]) == 0
    return out


def read_csv(path):
    with open(path, newline="", encoding="utf-8") as handle:
        return list(csv.DictReader(handle))


def tidy_value(tidy, code, measure, period):
    rows = tidy[(tidy.council_code == code) & (tidy.measure == measure) & (tidy.period == period)]
    return rows.iloc[0] if len(rows) else None


def test_every_chart_has_all_its_files(exported):
    stems = sorted(p.stem for p in exported.glob("*.json"))
    assert len(stems) == 16
    for stem in stems:
        for suffix in (".png", "-half.png", ".svg"):
            assert (exported / f"{stem}{suffix}").stat().st_size > 10_000
        assert len(read_csv(exported / f"{stem}.csv")) >= 3  # placement stability: 2021 on
        meta = json.loads((exported / f"{stem}.json").read_text())
        assert {"title", "subtitle", "alt", "caption", "source", "period", "council"} <= set(meta)
        assert meta["period"] == "2023" and meta["council"] == "Bristol"
        chart_type = meta["alt"].split(":")[0].split(" of ")[0]
        assert chart_type in {"Line chart", "Bar chart", "Fan chart", "Dot chart"}


def test_png_is_300_dpi_and_a4_width(exported):
    data = (exported / "01-cla-rate.png").read_bytes()
    width = int.from_bytes(data[16:20], "big")
    assert width == round(6.3 * 300)
    phys = data.index(b"pHYs")
    pixels_per_metre = int.from_bytes(data[phys + 4 : phys + 8], "big")
    assert round(pixels_per_metre * 0.0254) == 300


def test_rate_chart_csv_equals_the_tidy_table(exported, tidy, register):
    rows = read_csv(exported / "01-cla-rate.csv")
    england, region = "E92000001", register.region_of(BRISTOL)
    assert [r["period"] for r in rows] == [str(y) for y in range(2013, 2024)]
    for row in rows:
        own = tidy_value(tidy, BRISTOL, "cla_rate_per_10k", row["period"])
        assert float(row["Bristol (per 10,000 children)"]) == own.value
        assert (
            float(row["England (per 10,000 children)"])
            == tidy_value(tidy, england, "cla_rate_per_10k", row["period"]).value
        )
        assert (
            float(row["South West (per 10,000 children)"])
            == tidy_value(tidy, region, "cla_rate_per_10k", row["period"]).value
        )
    # 2023 by hand: Bristol 80 (RY2025), England 70 (RY2025 national row)
    assert rows[-1]["Bristol (per 10,000 children)"] == "80"


def test_neighbour_mean_in_csv_is_the_mean_of_the_neighbours(exported, tidy, register):
    rows = read_csv(exported / "01-cla-rate.csv")
    last = rows[-1]
    values = [
        tidy_value(tidy, code, "cla_rate_per_10k", "2023") for code in register.neighbours(BRISTOL)
    ]
    values = [v.value for v in values if v is not None and v.flag == ""]
    assert float(last["Statistical neighbours mean (per 10,000 children)"]) == round(
        sum(values) / len(values), 1
    )
    assert int(last["Neighbours with a value"]) == len(values)


def test_counts_csv_keeps_what_was_not_published(exported, tidy):
    rows = {r["period"]: r for r in read_csv(exported / "02-cla-numbers.csv")}
    assert rows["2023"]["Looked after at 31 March (children)"] == "732"
    # 2018 ceased from the RY2022 file la_children_who_ceased_during_year.csv: Bristol's
    # "Age on ceasing, Total" row reads 286
    assert tidy_value(tidy, BRISTOL, "cla_ceased", "2018").value == 286
    assert rows["2018"]["Ceased (children)"] == "286"


def test_gallery_lists_every_chart_with_escaped_text(exported, tmp_path):
    period_dir = tmp_path / "2023"
    (period_dir / BRISTOL).mkdir(parents=True)
    (period_dir / BRISTOL / "charts").symlink_to(exported, target_is_directory=True)
    page = build_gallery(period_dir).read_text()
    assert page.count("<li>") == 16
    assert f'src="{BRISTOL}/charts/01-cla-rate.png"' in page
    assert "<script" not in page
