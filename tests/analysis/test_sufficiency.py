"""Salary benchmarks and the foster-carer funnel: figures from the seed papers worked by hand,
and one test per bad-input failure mode of the two readers."""

from __future__ import annotations

import math
from pathlib import Path

import pandas as pd
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from cscanalysis.analysis.sufficiency import (
    ALL_GROUPS,
    approvals_terminations,
    conversion_by_year,
    funnel_by_year,
    funnel_stages,
    salary_benchmark,
    salary_table,
    stage_conversion,
)
from cscanalysis.core.councils import council_words, same_council
from cscanalysis.core.errors import DataError, ParameterError
from cscanalysis.sources.casefiles import csv_to_xlsx
from cscanalysis.sources.councilfiles import read_fostering_funnel, read_salaries

ROOT = Path(__file__).resolve().parents[2]
SALARIES = ROOT / "data" / "examples" / "salaries_example.csv"
FUNNEL = ROOT / "data" / "examples" / "fostering_funnel_example.csv"
TEMPLATES = ROOT / "data" / "templates"
SW, NAT = "South West region", "National sample"
NQSW, SWK = "Newly qualified social worker", "Social worker"
SALARY_HEADER = "group,council,region,grade,min_salary,max_salary,one_off_payment,market_supplement"


def write(tmp_path: Path, text: str, name: str = "file.csv") -> Path:
    path = tmp_path / name
    path.write_text(text, encoding="utf-8")
    return path


def salaries_file(tmp_path: Path, *rows: str, header: str = SALARY_HEADER) -> Path:
    return write(tmp_path, "\n".join([header, *rows]) + "\n", "salaries.csv")


def funnel_file(tmp_path: Path, *rows: str, header: str = "") -> Path:
    header = header or "period,enquiries,stage_1_complete,approvals,terminations"
    return write(tmp_path, "\n".join([header, *rows]) + "\n", "funnel.csv")


def assert_error(error: DataError, *, file: str, row: int, column: str, value: object) -> None:
    assert (error.file, error.row, error.column, error.value) == (file, row, column, value)
    text = str(error)
    assert file in text and f"row {row}" in text and column in text


# --------------------------------------------------------------------------- salaries: seed


@pytest.fixture(scope="module")
def salaries():
    return read_salaries(SALARIES)


@pytest.fixture(scope="module")
def bench(salaries):
    return salary_benchmark(salaries, "Bristol")


def row_of(bench: pd.DataFrame, group: str, grade: str) -> pd.Series:
    return bench[(bench["group"] == group) & (bench["grade"] == grade)].iloc[0]


def test_example_holds_every_column_of_tables_5_1_to_5_3(salaries):
    # Seed 000 lines 749-799: Table 5.1 has 11 council columns, 5.2 has 13, 5.3 has 15.
    counts = salaries.groupby(["group", "grade"], sort=False).size().to_dict()
    assert counts == {(SW, NQSW): 11, (SW, SWK): 13, (NAT, SWK): 15}
    bristol = salaries[salaries["council"] == "Bristol"]
    # Bristol: NQSW £26,822-£30,153 (lines 756, 758); SW £26,822-£32,486 (lines 774, 776, 792, 794)
    assert bristol[["min_salary", "max_salary"]].values.tolist() == [
        [26822, 30153],
        [26822, 32486],
        [26822, 32486],
    ]
    assert set(bristol["council_code"]) == {"E06000023"}
    # Line 774 prints Wiltshire's bottom of scale as '£30,15': corrected, with a note.
    wilts = salaries[(salaries["council"] == "Wiltshire Council") & (salaries["grade"] == SWK)]
    assert wilts["min_salary"].iloc[0] == 30153 and "£30,15 " in wilts["notes"].iloc[0]
    # Table 5.3 names regions only (line 790): five North West columns.
    north_west = salaries[(salaries["group"] == NAT) & (salaries["region"] == "North West")]
    assert list(north_west["council"]) == [f"Unnamed council {i} (North West)" for i in range(1, 6)]
    assert list(north_west["max_salary"]) == [31288, 32486, 29854, 32486, 35093]
    # Payments: Dorset's market supplement £1,684 (line 780), Glos CC one-off £3,000 (line 778)
    dorset = salaries[(salaries["council"] == "Dorset County Council") & (salaries["grade"] == SWK)]
    assert dorset[["one_off_payment", "market_supplement"]].values.tolist() == [[2000, 1684]]


def test_eleven_councils_pay_more_at_the_top_of_the_scale(bench):
    # Seed 000 line 233: "11 local authorities paying higher salaries at the top of the scale".
    # Social worker tops above Bristol's £32,486: Table 5.2 (line 776) South Glos £37,306,
    # Cornwall £34,538, Devon £39,177, Plymouth £35,444 = 4; Table 5.3 (line 794) £35,093,
    # £35,093, £37,546, £38,312, £39,591, £36,120, £41,025 = 7. 4 + 7 = 11.
    wide = row_of(bench, ALL_GROUPS, SWK)
    assert wide["higher_max"] == 11
    assert row_of(bench, SW, SWK)["higher_max"] == 4
    assert row_of(bench, NAT, SWK)["higher_max"] == 7
    # Bristol counted once: 13 + 15 - 1 = 27 councils, 26 comparators.
    assert (wide["councils"], wide["comparators"]) == (27, 26)


def test_south_west_social_worker_benchmark_by_hand(bench):
    row = row_of(bench, SW, SWK)
    assert (row["councils"], row["comparators"]) == (13, 12)
    assert (row["subject_min"], row["subject_max"]) == (26822, 32486)
    # Tops equal to £32,486: Wiltshire, Somerset, Poole, Torbay = 4; rank 4 + 1 = 5.
    assert (row["same_max"], row["rank_max"]) == (4, 5)
    # Bottoms above £26,822: every comparator but Dorset (£26,822) = 11.
    assert row["higher_min"] == 11
    # Comparators' tops sorted: 30,785 31,601 x3 32,486 x4 34,538 35,444 37,306 39,177;
    # median of 12 = (32,486 + 32,486) / 2. Bottoms: 6th and 7th of 12 are 29,323 and 30,153.
    assert row["comparator_median_max"] == 32486
    assert row["comparator_median_min"] == (29323 + 30153) / 2
    # One-off payments: Glos CC £3,000, Dorset £2,000, Torbay £2,000; supplement: Dorset.
    assert (row["with_one_off_payment"], row["with_market_supplement"]) == (3, 1)


def test_newly_qualified_benchmark_by_hand(bench):
    row = row_of(bench, SW, NQSW)
    # Table 5.1 (line 758): only Plymouth (£30,785) tops Bristol's £30,153; South Glos,
    # Wiltshire, Cornwall and Devon equal it. Bottoms above £26,822 (line 756): South Glos,
    # Wiltshire (£27,668), Plymouth (£28,485) = 3.
    assert (row["higher_max"], row["same_max"], row["higher_min"]) == (1, 4, 3)
    # Tops of the 10 comparators sorted: 27,668 27,668 28,485 29,323 29,778 | 30,153 x4 30,785
    assert row["comparator_median_max"] == (29778 + 30153) / 2
    # The NQSW grade is in one group only: no "All groups" row for it.
    assert not ((bench["grade"] == NQSW) & (bench["group"] == ALL_GROUPS)).any()


def test_salary_table_orders_by_top_of_scale(salaries):
    table = salary_table(salaries, "Bristol City Council", group=SW, grade=SWK)
    assert list(table["council"][:3]) == [
        "Devon County Council",
        "South Gloucestershire Council",
        "Plymouth City Council",
    ]
    devon = table.iloc[0]
    assert (devon["rank_max"], devon["max_vs_subject"]) == (1, 39177 - 32486)
    own = table[table["subject"]]
    assert len(own) == 1 and own["rank_max"].iloc[0] == 5
    with pytest.raises(ParameterError, match="no salaries"):
        salary_table(salaries, "Bristol", group=SW, grade="Team manager")


def test_subject_missing_gives_blank_subject_figures(salaries):
    row = salary_benchmark(salaries, "Leeds").iloc[0]
    assert math.isnan(row["subject_max"]) and math.isnan(row["higher_max"])
    assert row["comparators"] == row["councils"] == 11


def test_council_words_and_same_council():
    assert council_words("Devon county Council") == ("devon",)
    assert council_words("Bristol, City of") == ("bristol",)
    assert council_words("Glouceste rshire") == ("glouceste", "rshire")
    assert same_council("Bristol City Council", "Bristol")
    assert same_council("Brighton & Hove", "Brighton and Hove City Council")
    assert not same_council("Bristol", "South Gloucestershire Council")
    assert not same_council("", "")


def test_salary_xlsx_reads_the_same_as_the_csv(tmp_path, salaries):
    workbook = csv_to_xlsx(SALARIES, tmp_path / "salaries.xlsx", sheet_name="salaries")
    pd.testing.assert_frame_equal(read_salaries(workbook), salaries)


def test_salary_template_reads(tmp_path):
    table = read_salaries(TEMPLATES / "salaries.csv")
    assert list(table["council"]) == ["Bristol", "Torbay Council", "Unnamed council (North West)"]


COUNCILS = ["Bristol", "Torbay Council", "Devon County Council", "Borough of Poole", "Cornwall"]


@settings(max_examples=40, deadline=None)
@given(
    st.lists(
        st.tuples(st.integers(10_000, 200_000), st.integers(0, 50_000), st.booleans()),
        min_size=1,
        max_size=len(COUNCILS),
    )
)
def test_salary_round_trip_and_counts(tmp_path_factory, scales):
    folder = tmp_path_factory.mktemp("salaries")
    lines = []
    for council, (low, extra, pounds) in zip(COUNCILS, scales, strict=False):
        high = min(low + extra, 200_000)
        cells = [f'"£{low:,}"', f'"£{high:,}"'] if pounds else [str(low), str(high)]
        lines.append(f"{SW},{council},,{SWK},{cells[0]},{cells[1]},0,")
    table = read_salaries(salaries_file(folder, *lines))
    expected = [(low, min(low + extra, 200_000)) for low, extra, _ in scales]
    assert list(zip(table["min_salary"], table["max_salary"], strict=True)) == expected
    assert table["market_supplement"].isna().all()  # blank: not known, never 0
    row = salary_benchmark(table, "Bristol").iloc[0]
    top = expected[0][1]
    assert row["higher_max"] == sum(high > top for _, high in expected[1:])


# --------------------------------------------------------------------------- salaries: errors


def test_salary_typo_from_the_seed_is_refused(tmp_path):
    # Seed 000 line 774: Wiltshire's bottom of scale printed '£30,15'.
    path = salaries_file(tmp_path, f'{SW},Wiltshire Council,,{SWK},"£30,15",32486,0,0')
    with pytest.raises(DataError, match="not an amount") as caught:
        read_salaries(path)
    assert_error(caught.value, file="salaries.csv", row=2, column="min_salary", value="£30,15")


def test_implausible_salary_is_refused(tmp_path):
    path = salaries_file(tmp_path, f"{SW},Bristol,,{SWK},26822,3248,0,0")
    with pytest.raises(DataError, match="plausible") as caught:
        read_salaries(path)
    assert_error(caught.value, file="salaries.csv", row=2, column="max_salary", value="3248")


def test_blank_salary_is_refused(tmp_path):
    path = salaries_file(tmp_path, f"{SW},Bristol,,{SWK},,32486,0,0")
    with pytest.raises(DataError, match="blank") as caught:
        read_salaries(path)
    assert_error(caught.value, file="salaries.csv", row=2, column="min_salary", value="")


def test_bottom_above_top_is_refused(tmp_path):
    path = salaries_file(tmp_path, f"{SW},Bristol,,{SWK},32486,26822,0,0")
    with pytest.raises(DataError, match="above the top") as caught:
        read_salaries(path)
    assert_error(caught.value, file="salaries.csv", row=2, column="min_salary", value="32486")


@pytest.mark.parametrize(
    ("name", "whole"),
    [("Glouceste rshire", "Gloucestershire"), ("Southampt on", "Southampton"),
     ("Bournemou th Borough Council", "Bournemouth")],
)  # fmt: skip
def test_names_split_by_pdf_extraction_are_refused(tmp_path, name, whole):
    # Seed 000 lines 739, 752-753 and 772 print these names broken across words.
    path = salaries_file(
        tmp_path, f"{SW},Bristol,,{SWK},26822,32486,0,0", f"{SW},{name},,{SWK},27668,31601,0,0"
    )
    with pytest.raises(DataError, match="split or joined word") as caught:
        read_salaries(path)
    assert_error(caught.value, file="salaries.csv", row=3, column="council", value=name)
    assert whole in str(caught.value)


def test_unknown_council_is_refused_with_suggestions(tmp_path):
    # Seed 000 line 772: "North East Somerset Council" (Bath and North East Somerset).
    path = salaries_file(tmp_path, f"{SW},North East Somerset Council,,{SWK},29323,31601,0,0")
    with pytest.raises(DataError, match="unknown council") as caught:
        read_salaries(path)
    assert_error(
        caught.value,
        file="salaries.csv",
        row=2,
        column="council",
        value="North East Somerset Council",
    )
    assert "Bath and North East Somerset" in str(caught.value)


def test_unnamed_council_needs_a_region(tmp_path):
    path = salaries_file(tmp_path, f"{NAT},,,{SWK},31288,35093,0,0")
    with pytest.raises(DataError, match="no region") as caught:
        read_salaries(path)
    assert_error(caught.value, file="salaries.csv", row=2, column="council", value="")


def test_seed_region_abbreviation_is_refused(tmp_path):
    # Seed 000 line 790 abbreviates regions: "East Mids".
    path = salaries_file(tmp_path, f"{NAT},,East Mids,{SWK},31288,35093,0,0")
    with pytest.raises(DataError, match="unknown region") as caught:
        read_salaries(path)
    assert_error(caught.value, file="salaries.csv", row=2, column="region", value="East Mids")
    assert "East Midlands" in str(caught.value)


def test_region_must_be_the_councils(tmp_path):
    path = salaries_file(tmp_path, f"{SW},Bristol,North West,{SWK},26822,32486,0,0")
    with pytest.raises(DataError, match="not in this region") as caught:
        read_salaries(path)
    assert_error(caught.value, file="salaries.csv", row=2, column="region", value="North West")


def test_negative_payment_is_refused(tmp_path):
    path = salaries_file(tmp_path, f"{SW},Bristol,,{SWK},26822,32486,-2000,0")
    with pytest.raises(DataError, match="negative") as caught:
        read_salaries(path)
    assert_error(caught.value, file="salaries.csv", row=2, column="one_off_payment", value="-2000")


def test_council_twice_in_a_group_is_refused(tmp_path):
    path = salaries_file(
        tmp_path,
        f"{SW},Bristol,,{SWK},26822,32486,0,0",
        f"{SW},Bristol City Council,,{SWK},26822,32486,0,0",
    )
    with pytest.raises(DataError, match="appear twice") as caught:
        read_salaries(path)
    assert_error(
        caught.value, file="salaries.csv", row=3, column="council", value="Bristol City Council"
    )
    assert "row 2" in str(caught.value)


def test_scale_differing_between_groups_is_refused(tmp_path):
    path = salaries_file(
        tmp_path,
        f"{SW},Bristol,,{SWK},26822,32486,0,0",
        f"{NAT},Bristol,,{SWK},26822,32500,0,0",
    )
    with pytest.raises(DataError, match="differs") as caught:
        read_salaries(path)
    assert_error(caught.value, file="salaries.csv", row=3, column="max_salary", value="32500")


def test_unknown_column_is_refused(tmp_path):
    path = salaries_file(
        tmp_path,
        f"{SW},Bristol,,{SWK},26822,32486,0,0,1",
        header=SALARY_HEADER + ",Market suplement",
    )
    with pytest.raises(DataError, match="unknown column") as caught:
        read_salaries(path)
    assert_error(
        caught.value,
        file="salaries.csv",
        row=1,
        column="Market suplement",
        value="Market suplement",
    )


def test_missing_salary_column_is_refused(tmp_path):
    path = salaries_file(
        tmp_path, f"{SW},Bristol,,{SWK},26822", header="group,council,region,grade,min_salary"
    )
    with pytest.raises(DataError, match="missing column 'max_salary'") as caught:
        read_salaries(path)
    assert (caught.value.file, caught.value.row, caught.value.column) == (
        "salaries.csv",
        1,
        "max_salary",
    )


# --------------------------------------------------------------------------- funnel: seed


@pytest.fixture(scope="module")
def funnel():
    return read_fostering_funnel(FUNNEL)


def test_example_funnel_reads_sixteen_quarters(funnel):
    assert len(funnel) == 16
    assert (funnel["period"].iloc[0], funnel["period"].iloc[-1]) == ("2019-20 Q1", "2022-23 Q4")
    assert funnel_stages(funnel) == [
        "enquiries",
        "stage_1_complete",
        "stage_2_complete",
        "approvals",
    ]


def test_seventy_seven_percent_drop_out_at_stage_1(funnel):
    # Seed 002 line 71: "77% of enquirers between 2019 and 2023 dropped out at 'Stage 1
    # Complete'". Example totals (column sums of the 16 rows): 500 enquiries, 115 Stage 1.
    conversion = stage_conversion(funnel).set_index("stage")
    assert conversion.loc["enquiries", "count"] == 500
    assert conversion.loc["stage_1_complete", "count"] == 115
    assert conversion.loc["stage_1_complete", "dropout_pct"] == pytest.approx(77.0)
    assert conversion.loc["stage_1_complete", "lost"] == 385
    # Stage 2: 71 of 115 -> 61.7% conversion; approvals 64 of 500 enquiries = 12.8%.
    assert conversion.loc["stage_2_complete", "conversion_pct"] == pytest.approx(71 / 115 * 100)
    assert conversion.loc["approvals", "share_of_enquiries_pct"] == pytest.approx(12.8)
    assert math.isnan(conversion.loc["enquiries", "conversion_pct"])


def test_fifty_one_terminations_against_eleven_approvals(funnel):
    # Seed 002 line 75: "51 terminations of carers in the last financial year, compared to 11
    # approvals" (2022-23 rows: approvals 3+3+2+3, terminations 12+13+12+14).
    table = approvals_terminations(funnel).set_index("year")
    assert table.loc["2022-23", ["approvals", "terminations", "net_change"]].tolist() == [
        11,
        51,
        -40,
    ]
    assert table["complete"].all() and list(table["quarters"]) == [4, 4, 4, 4]


def test_year_totals_and_conversion_by_year(funnel):
    years = funnel_by_year(funnel).set_index("year")
    assert years.loc["2019-20", "enquiries"] == 38 + 35 + 31 + 36
    by_year = conversion_by_year(funnel).set_index("year")
    # 2022-23: Stage 1 28 of 120 enquiries (7+7+6+8 of 31+29+28+32)
    assert by_year.loc["2022-23", "stage_1_complete"] == pytest.approx(28 / 120 * 100)
    quarters = ["2022-23 Q1", "2022-23 Q2", "2022-23 Q3", "2022-23 Q4"]
    part = stage_conversion(funnel, quarters).set_index("stage")
    assert part.loc["stage_1_complete", "conversion_pct"] == pytest.approx(28 / 120 * 100)
    with pytest.raises(ParameterError, match="no period 2030-31 Q1"):
        stage_conversion(funnel, ["2030-31 Q1"])


def test_blank_counts_are_not_recorded_never_zero(tmp_path):
    path = funnel_file(tmp_path, "2023-24 Q1,10,4,2,1", "2023-24 Q2,12,,3,")
    table = read_fostering_funnel(path)
    conversion = stage_conversion(table).set_index("stage")
    assert conversion.loc["enquiries", "count"] == 22
    assert math.isnan(conversion.loc["stage_1_complete", "count"])
    assert math.isnan(conversion.loc["approvals", "conversion_pct"])
    years = approvals_terminations(table).iloc[0]
    assert years["approvals"] == 5 and math.isnan(years["terminations"])
    assert (years["quarters"], bool(years["complete"])) == (2, False)


def test_financial_year_rows_and_template(tmp_path):
    table = read_fostering_funnel(
        funnel_file(tmp_path, "2021/22,105,24,15,39", "2022-23,120,28,11,51")
    )
    assert list(table["period"]) == ["2021-22", "2022-23"]
    assert approvals_terminations(table)["net_change"].tolist() == [-24, -40]
    template = read_fostering_funnel(TEMPLATES / "fostering_funnel.csv")
    assert len(template) == 4 and template["enquiries"].isna().all()


@settings(max_examples=40, deadline=None)
@given(st.lists(st.tuples(*[st.integers(0, 500)] * 4), min_size=1, max_size=8))
def test_funnel_round_trip_and_totals(tmp_path_factory, counts):
    folder = tmp_path_factory.mktemp("funnel")
    quarters = [
        f"{2019 + i // 4}-{(20 + i // 4) % 100:02d} Q{i % 4 + 1}" for i in range(len(counts))
    ]
    lines = [f"{q},{','.join(map(str, c))}" for q, c in zip(quarters, counts, strict=True)]
    table = read_fostering_funnel(funnel_file(folder, *lines))
    assert table[
        ["enquiries", "stage_1_complete", "approvals", "terminations"]
    ].values.tolist() == [list(c) for c in counts]
    conversion = stage_conversion(table)
    assert conversion["count"].tolist() == [sum(c[i] for c in counts) for i in range(3)]


# --------------------------------------------------------------------------- funnel: errors


@pytest.mark.parametrize("cell", ["2.5", "-1", "5%", "c", "£5", "ten"])
def test_bad_count_is_refused(tmp_path, cell):
    path = funnel_file(tmp_path, "2023-24 Q1,10,4,2,1", f"2023-24 Q2,12,{cell},3,1")
    with pytest.raises(DataError, match=r"count|whole number") as caught:
        read_fostering_funnel(path)
    assert_error(caught.value, file="funnel.csv", row=3, column="stage_1_complete", value=cell)


def test_period_out_of_order_is_refused(tmp_path):
    path = funnel_file(tmp_path, "2023-24 Q2,10,4,2,1", "2023-24 Q1,12,5,3,1")
    with pytest.raises(DataError, match="out of order") as caught:
        read_fostering_funnel(path)
    assert_error(caught.value, file="funnel.csv", row=3, column="period", value="2023-24 Q1")


def test_missing_quarter_is_refused(tmp_path):
    path = funnel_file(tmp_path, "2023-24 Q1,10,4,2,1", "Q3 2023/24,12,5,3,1")
    with pytest.raises(DataError, match="missing") as caught:
        read_fostering_funnel(path)
    assert_error(caught.value, file="funnel.csv", row=3, column="period", value="Q3 2023/24")
    assert "2023-24 Q1 (row 2)" in str(caught.value)


def test_repeated_period_is_refused(tmp_path):
    path = funnel_file(tmp_path, "2023-24 Q1,10,4,2,1", "2023-24 Q1,12,5,3,1")
    with pytest.raises(DataError, match="appears twice") as caught:
        read_fostering_funnel(path)
    assert_error(caught.value, file="funnel.csv", row=3, column="period", value="2023-24 Q1")


def test_mixed_period_kinds_are_refused(tmp_path):
    path = funnel_file(tmp_path, "2022-23,10,4,2,1", "2023-24 Q1,12,5,3,1")
    with pytest.raises(DataError, match="mixes") as caught:
        read_fostering_funnel(path)
    assert_error(caught.value, file="funnel.csv", row=3, column="period", value="2023-24 Q1")


def test_month_is_not_a_funnel_period(tmp_path):
    path = funnel_file(tmp_path, "Aug-16,10,4,2,1")
    with pytest.raises(DataError, match="not a quarter") as caught:
        read_fostering_funnel(path)
    assert_error(caught.value, file="funnel.csv", row=2, column="period", value="Aug-16")


def test_stage_after_approvals_is_refused(tmp_path):
    path = funnel_file(
        tmp_path,
        "2023-24 Q1,10,2,4,1",
        header="period,enquiries,approvals,Stage 2 complete,terminations",
    )
    with pytest.raises(DataError, match="funnel order") as caught:
        read_fostering_funnel(path)
    assert_error(
        caught.value, file="funnel.csv", row=1, column="Stage 2 complete", value="Stage 2 complete"
    )


def test_missing_terminations_column_is_refused(tmp_path):
    path = funnel_file(tmp_path, "2023-24 Q1,10,4,2", header="period,enquiries,stage_1,approvals")
    with pytest.raises(DataError, match="missing column 'terminations'") as caught:
        read_fostering_funnel(path)
    assert (caught.value.file, caught.value.row, caught.value.column) == (
        "funnel.csv",
        1,
        "terminations",
    )
