"""The evidence-pack notebook executed for real (papermill, a Python kernel, nbconvert)."""

from __future__ import annotations

import html
import json
import re
from pathlib import Path

import pytest

from cscanalysis.core.errors import ParameterError
from cscanalysis.packs.evidence.pack import build_pack
from tests.conftest import raw_record

pytestmark = pytest.mark.slow
RY2025 = "cla/ees_ry2025/cla_number_and_rate_per_10k_children.csv"


def text_of(page: str) -> str:
    page = re.sub(r"<style.*?</style>", "", page, flags=re.S)
    page = re.sub(r"<[^>]+>", " ", page)
    return re.sub(r"\s+", " ", html.unescape(page))


@pytest.fixture(scope="module")
def packs(tmp_path_factory):
    out = tmp_path_factory.mktemp("packs")
    bristol = build_pack("Bristol", "latest", out)
    bcp = build_pack("Bournemouth, Christchurch and Poole", "latest", out)
    return out, bristol, bcp


def test_pack_lands_where_documented(packs):
    out, bristol, bcp = packs
    # "latest" is 2025, the newest reporting year in the bundled releases
    assert bristol.path == str(out / "2025" / "E06000023" / "index.html")
    assert bcp.path == str(out / "2025" / "E06000058" / "index.html")
    manifest = json.loads((out / "2025" / "E06000023" / "manifest.json").read_text())
    assert manifest["parameters"] == {"council": "E06000023", "period": "2025"}
    assert not list(out.glob("2025/.*"))  # no staging folders left behind


def test_pack_files_are_readable_by_others_as_the_umask_allows(packs):
    import os
    import stat

    out, _, _ = packs
    mask = os.umask(0)
    os.umask(mask)
    folder = out / "2025" / "E06000023"
    assert stat.S_IMODE(folder.stat().st_mode) == 0o777 & ~mask
    for name in ("index.html", "manifest.json", "pack.ipynb"):
        assert stat.S_IMODE((folder / name).stat().st_mode) & 0o044 == 0o644 & ~mask & 0o044


def test_bristol_headline_matches_the_raw_file(packs):
    _, bristol, _ = packs
    text = text_of(Path(bristol.path).read_text(encoding="utf-8"))
    record = raw_record(
        RY2025,
        time_period="2025",
        new_la_code="E06000023",
        population_type="Children looked after on 31 March each year",
    )
    assert record["children_count"] == "753" and record["rate_per_10000"] == "81"
    assert "At 31 March 2025, Bristol looked after 753 children, 81 per 10,000 children" in text
    # referrals from c1 (2025 Bristol row: 4264 referrals, 23.2% re-referrals)
    assert "there were 4,264 referrals" in text
    assert "re-referrals within 12 months: 23.2%" in text
    # spending from LAIT: TotalLACFinance 2024-25 (OT) 96680079 -> £96.7m
    assert "In 2024-25 Bristol spent £96.7m on children looked after" in text


def test_bcp_history_starts_in_2020_and_earlier_years_are_not_zero(packs):
    _, _, bcp = packs
    page = Path(bcp.path).read_text(encoding="utf-8")
    text = text_of(page)
    record = raw_record(
        RY2025,
        time_period="2025",
        new_la_code="E06000058",
        population_type="Children looked after on 31 March each year",
    )
    assert f"looked after {record['children_count']} children" in text
    # counts chart data table: 2019 is 'z' (not applicable), 2017 has no row at all
    table = re.search(r'id="figure-cla-numbers".*?</figure>', page, flags=re.S).group(0)
    assert re.search(r"<th scope=\"row\">2019</th><td>z</td>", table)
    assert re.search(r"<th scope=\"row\">2017</th><td>not published</td>", table)
    assert "<td>0</td>" not in table


def test_html_is_self_contained_with_alt_text_everywhere(packs):
    _, bristol, _ = packs
    page = Path(bristol.path).read_text(encoding="utf-8")
    assert "<script" not in page
    assert not re.search(r"""(src|href)=["']?https?://(?!www\.nationalarchives)""", page)
    images = re.findall(r"<img [^>]*>", page)
    assert len(images) == 16
    assert all(re.search(r'alt="[^"]{40,}"', img) for img in images)
    assert page.count("<details>") == len(images)  # a data table for every chart
    assert '<html lang="en-GB">' in page
    assert "evidence.prepare" not in page  # code hidden
    assert "Built by" not in page  # the analysts' note is not published


def test_footer_records_parameters_version_and_sources(packs):
    _, bristol, _ = packs
    text = text_of(Path(bristol.path).read_text(encoding="utf-8"))
    assert "council = E06000023; period = 2025" in text
    assert "cscanalysis 0.2.0" in text  # pyproject.toml's version
    assert "DfE children looked after RY2025" in text


def test_bad_parameters_fail_before_any_kernel(tmp_path):
    with pytest.raises(ParameterError):
        build_pack("Bristol", 2009, tmp_path)
    assert not any(tmp_path.iterdir())


def test_a_failing_notebook_does_not_replace_a_good_pack(packs, tmp_path):
    out, bristol, _ = packs
    good = Path(bristol.path).read_text(encoding="utf-8")
    broken = tmp_path / "broken.py"
    broken.write_text(
        '# %% tags=["parameters"]\ncouncil = "x"\nperiod = "2025"\n\n'
        '# %%\nraise RuntimeError("cell failed on purpose")\n'
    )
    with pytest.raises(Exception, match="cell failed on purpose"):
        build_pack("Bristol", 2025, out, notebook=broken)
    assert Path(bristol.path).read_text(encoding="utf-8") == good
    assert not list((out / "2025").glob(".*"))


def test_chart_files_sit_beside_the_pack_and_links_resolve(packs):
    out, _, _ = packs
    folder = out / "2025" / "E06000023"
    page = (folder / "index.html").read_text(encoding="utf-8")
    links = re.findall(r'<a href="(charts/[^"]+)"', page)
    assert len(links) == 64  # 16 charts x PNG, SVG, CSV, JSON
    assert all((folder / link).is_file() for link in links)
    # the page embeds exactly the SVG it offers for download (vector, sharp at any zoom)
    first_svg = (folder / "charts" / "01-cla-rate.svg").read_bytes()
    import base64

    assert f'src="data:image/svg+xml;base64,{base64.b64encode(first_svg).decode()}"' in page
    assert '<img src="data:image/png' not in page
