"""Packs for publication suppress small numbers; internal packs say they are not for publication."""

from __future__ import annotations

import json
import math

import pytest

from cscanalysis.analysis.disclosure_audit import DisclosureError, audit_pack, check_pack
from cscanalysis.core.errors import ParameterError
from cscanalysis.packs.evidence import charts as evidence_charts
from cscanalysis.packs.evidence import content as evidence
from cscanalysis.render import html as report

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
    chart = evidence_charts.cla_counts_chart(ctx)
    row = chart.data[chart.data["period"] == "2023"].iloc[0]
    assert row["Started (children)"] == "c"
    rates = evidence_charts.trend_chart(ctx, "cla_starts_rate_per_10k", "rate", "s", "DfE")
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


# --------------------------------------------------------------------------- the pack audit


def chart(folder, number, slug, rows, council="Bristol"):
    """A chart's data file and its JSON, as export.write_chart_files writes them."""
    charts = folder / "charts"
    charts.mkdir(parents=True, exist_ok=True)
    stem = f"{number:02d}-{slug}"
    text = "\n".join(",".join(f'"{c}"' if "," in c else c for c in row) for row in rows)
    (charts / f"{stem}.csv").write_text(text + "\n", encoding="utf-8")
    meta = {"slug": slug, "council": council, "council_code": BRISTOL}
    (charts / f"{stem}.json").write_text(json.dumps(meta), encoding="utf-8")


NUMBERS = ["period", "Looked after at 31 March (children)", "Started (children)"]
GROUPS = [
    "period",
    "Fostering (children)",
    "Residential (children)",
    "Supported accommodation (children)",
    "Other (children)",
]


def test_audit_finds_cells_the_bounds_give_away(tmp_path):
    # Issue 12: 688, c, 0, c beside 690 looked after: 690 - 688 - 0 = 2, each c at least 1.
    chart(tmp_path, 2, "cla-numbers", [NUMBERS, ["2021", "633", "194"], ["2022", "690", "253"]])
    chart(
        tmp_path,
        5,
        "cla-placements",
        [GROUPS, ["2021", "98", "c", "13", "c"], ["2022", "688", "c", "0", "c"]],
    )
    findings = audit_pack(tmp_path)
    assert {(f.measure, f.period, f.low, f.high) for f in findings} == {
        ("cla_31_march_residential", "2022", 1, 1),
        ("cla_31_march_other", "2022", 1, 1),
    }  # 2021: 633 - 98 - 13 = 522 shared by two cells, each 1 to 521: not narrowed
    assert (
        "cla_31_march_other 2022 (shown as c in 05-cla-placements.csv) is 1: from the totals"
        in ("; ".join(str(f) for f in findings))
    )
    with pytest.raises(DisclosureError, match="would disclose a suppressed figure"):
        check_pack(tmp_path)


def test_audit_passes_a_pair_that_keeps_its_range(tmp_path):
    # 685, c, 0, c of 690: the pair shares 5, each 1 to 4 -> not one number.
    chart(tmp_path, 2, "cla-numbers", [NUMBERS, ["2022", "690", "253"]])
    chart(tmp_path, 5, "cla-placements", [GROUPS, ["2022", "685", "c", "0", "c"]])
    assert audit_pack(tmp_path) == []
    check_pack(tmp_path)
    # with min_width=4 (at most four values possible), each 1 to 4 is reported
    assert len(audit_pack(tmp_path, min_width=4)) == 2


def test_audit_finds_a_rate_shown_beside_a_suppressed_count(tmp_path):
    chart(tmp_path, 2, "cla-numbers", [NUMBERS, ["2023", "732", "c"]])
    rate = ["period", "Bristol (per 10,000 children)", "England (per 10,000 children)"]
    chart(tmp_path, 3, "cla-starts-rate", [rate, ["2023", "0.3", "28"]])
    (finding,) = audit_pack(tmp_path)
    assert (finding.measure, finding.period) == ("cla_starts", "2023")
    assert "cla_starts_rate_per_10k is shown (0.3)" in str(finding)


def test_audit_finds_a_figure_shown_as_c_and_as_a_number(tmp_path):
    chart(tmp_path, 2, "cla-numbers", [NUMBERS, ["2023", "c", "270"]])
    (tmp_path / "index.html").write_text(
        "<table><caption>Headline figures for Bristol, 2023</caption><thead><tr>"
        "<th>Measure</th><th>Period</th><th>Bristol</th><th>Previous year</th></tr></thead>"
        "<tbody><tr><th>Children looked after at 31 March</th><td>2023</td><td>4</td>"
        "<td>suppressed</td></tr></tbody></table>",
        encoding="utf-8",
    )
    (finding,) = audit_pack(tmp_path)
    assert (finding.measure, finding.period, finding.low) == ("cla_31_march", "2023", 4)
    assert figures_of(tmp_path)[("cla_31_march", "2022")] == {
        "the page table 'Headline figures for Bristol, 2023'": "c"
    }


def figures_of(folder):
    from cscanalysis.analysis.disclosure_audit import pack_figures

    return pack_figures(folder)


def leaky_runner(source, executed, parameters, *, cwd, timeout=600):
    """Stands in for the kernel: writes issue 12's leaking chart files and an empty notebook."""
    import nbformat

    chart(cwd, 2, "cla-numbers", [NUMBERS, ["2022", "690", "253"]])
    chart(cwd, 5, "cla-placements", [GROUPS, ["2022", "688", "c", "0", "c"]])
    notebook = nbformat.v4.new_notebook()
    nbformat.write(notebook, executed)
    return notebook


def test_a_publication_pack_that_gives_a_figure_away_is_not_published(tmp_path):
    from cscanalysis.packs.framework import publish_notebook
    from cscanalysis.packs.notebook import NOTEBOOKS

    final = tmp_path / "2023" / BRISTOL
    source = NOTEBOOKS / "evidence_pack.py"
    with pytest.raises(DisclosureError, match=r"cla_31_march_.* 2022 .* is 1") as caught:
        publish_notebook(
            source,
            {"council": BRISTOL},
            final,
            title="t",
            manifest={},
            audited=True,
            runner=leaky_runner,
        )
    assert str(caught.value).startswith(f"the pack for {final} is not published")
    assert "\n" not in str(caught.value)
    assert not final.exists() and list((tmp_path / "2023").iterdir()) == []
    # an internal pack (stamped "Not for publication") is not held back
    publish_notebook(
        source,
        {"council": BRISTOL, "audience": "internal"},
        final,
        title="t",
        manifest={},
        audited=True,
        runner=leaky_runner,
    )
    assert (final / "index.html").exists()


def html_table(caption, rows):
    head = "".join(f"<th>{c}</th>" for c in rows[0])
    body = "".join("<tr>" + "".join(f"<td>{c}</td>" for c in row) + "</tr>" for row in rows[1:])
    return f"<table><caption>{caption}</caption><tr>{head}</tr>{body}</table>"


def test_audit_reads_the_pages_chart_tables_when_there_are_no_chart_files(tmp_path):
    # A pack built with -p chart_files=false has no charts/ folder: the same leak on the page.
    page = (
        html_table(
            "Headline figures", [["Measure", "Period", "Bristol"], ["Referrals", "2022", "9"]]
        )
        + '<figure class="chart" id="figure-cla-numbers">'
        + html_table("Numbers", [NUMBERS, ["2022", "690", "253"]])
        + '</figure><figure class="chart" id="figure-cla-placements">'
        + html_table("Placements", [GROUPS, ["2022", "688", "c", "0", "c"]])
        + "</figure>"
    )
    (tmp_path / "index.html").write_text(page, encoding="utf-8")
    findings = audit_pack(tmp_path)
    assert {(f.measure, f.low, f.high) for f in findings} == {
        ("cla_31_march_residential", 1, 1),
        ("cla_31_march_other", 1, 1),
    }
    assert all(f.where == "the page's table 'Placements'" for f in findings)


def test_an_audit_finding_reads_as_one_plain_line():
    from cscanalysis.analysis.disclosure_audit import Finding

    read_back = Finding(
        "cla_starts", "2025", float("nan"), float("nan"), "its rate is shown", "a.csv"
    )
    assert (
        str(read_back)
        == "cla_starts 2025 (shown as c in a.csv) can be read back: its rate is shown"
    )
    pinned = Finding("cla_31_march_other", "2022", 1, 1, "690 - 688 - 0 - 1", "placements.csv")
    assert str(pinned).startswith("cla_31_march_other 2022 (shown as c in placements.csv) is 1: ")
    ranged = Finding("x", "2022", 1, 2, "bounds", "b.csv")
    assert "is 1 to 2: bounds" in str(ranged)
