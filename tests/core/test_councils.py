"""The council register, checked against values read by hand from the raw files in data/raw."""

from __future__ import annotations

import shutil
import string
from pathlib import Path

import pandas as pd
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from cscanalysis.core.councils import ENGLAND_CODE, Council, load_register
from cscanalysis.core.errors import DataError, UnknownCouncilError
from cscanalysis.sources.register import (
    build_reference,
    format_reference_csv,
    main,
    read_statistical_neighbours,
)

ROOT = Path(__file__).resolve().parents[2]
RAW = ROOT / "data" / "raw"
REFERENCE = ROOT / "data" / "reference"
EES_FILES = sorted(
    path
    for path in [
        *RAW.glob("cla/ees_ry*/*.csv"),
        *RAW.glob("cin/*.csv"),
        *RAW.glob("population/*.csv"),
    ]
    if "time_series" not in path.name  # national figures only
)


@pytest.fixture(scope="module")
def register():
    return load_register(REFERENCE)


def _la_rows(path: Path) -> pd.DataFrame:
    frame = pd.read_csv(path, dtype=str, keep_default_na=False, encoding="utf-8-sig")
    return frame[frame["geographic_level"] == "Local authority"]


# --------------------------------------------------------------------------- single councils


def test_bristol(register):
    # cin/b1 2025 row: "...,E12000009,South West,801,E06000023,\"Bristol, City of\",..."
    bristol = register.resolve("Bristol")
    assert isinstance(bristol, Council)
    assert (bristol.code, bristol.dfe_number) == ("E06000023", 801)
    assert (bristol.name, bristol.short_name) == ("Bristol, City of", "Bristol")
    assert (bristol.region_code, bristol.region_name) == ("E12000009", "South West")
    assert bristol.first_year is None and bristol.last_year is None
    assert register.region_of("E06000023") == "E12000009"
    assert register.name("E06000023") == "Bristol, City of"


@pytest.mark.parametrize(
    ("query", "code"),
    [
        # Variants as they appear in the raw files (SOURCE_README sections 1a, 2, 6, 7).
        ("Bristol, City of", "E06000023"),
        ("Bristol City of", "E06000023"),  # S251 1314 spelling
        ("bristol", "E06000023"),
        ("BRISTOL CITY OF", "E06000023"),
        ("Bristol City Council", "E06000023"),
        ("Durham", "E06000047"),
        ("County Durham", "E06000047"),
        ("Herefordshire", "E06000019"),
        ("Herefordshire, County of", "E06000019"),
        ("Kingston Upon Hull, City of", "E06000010"),
        ("Kingston upon Hull", "E06000010"),
        ("St Helens", "E08000013"),
        ("St. Helens", "E08000013"),
        ("Cheshire East ", "E06000049"),  # 2010 SFR, trailing space
        ("Bournemouth, Christchurch & Poole", "E06000058"),  # statistical neighbour file
        ("Bournemouth, Christchurch and Poole", "E06000058"),
        ("Bournemouth (Pre LG)", "E06000028"),  # LAIT
        ("Poole (Pre LG)", "E06000029"),
        ("Dorset (Pre LG)", "E10000009"),
        ("Dorset", "E06000059"),  # the name of both Dorsets in EES: the current one wins
        ("Bedford Borough", "E06000055"),  # LAIT and SFR 2011-2016
        ("Barking & Dagenham", "E09000002"),
        ("Stockton-On-Tees", "E06000004"),
        ("Newcastle Upon Tyne", "E08000021"),
        ("London Borough of Camden", "E09000007"),
    ],
)
def test_name_variants_resolve(register, query, code):
    assert register.resolve(query).code == code


@pytest.mark.parametrize("query", [801, "801", "801.0", 801.0, " 801 ", "e06000023"])
def test_numbers_and_codes_resolve(register, query):
    assert register.resolve(query).code == "E06000023"


@pytest.mark.parametrize(
    ("old", "new"),
    [
        ("E08000020", "E08000037"),  # Gateshead, SFR 2011-2017 and cin/c4
        ("E06000048", "E06000057"),  # Northumberland, SFR 2011-2017 and cin/c4
        ("E10000002", "E06000060"),  # Buckinghamshire, CIN to 2020
        ("E10000023", "E06000065"),  # North Yorkshire, CIN to 2023 and EES CLA RY2023
        ("E10000027", "E06000066"),  # Somerset, same
        ("E08000038", "E08000016"),  # Barnsley, csww_indicators 2025 only
        ("E08000039", "E08000019"),  # Sheffield, same
    ],
)
def test_old_codes_resolve_to_canonical(register, old, new):
    council = register.resolve(old)
    assert council.code == new
    assert old in council.old_codes
    assert register.name(old) == council.name


def test_dorset_bcp_reorganisation(register):
    # CIN files: Bournemouth, Poole, old Dorset to 2019; BCP and new Dorset from 2020.
    bcp = register.resolve("E06000058")
    assert (bcp.dfe_number, bcp.first_year, bcp.last_year) == (839, 2020, None)
    assert set(bcp.predecessors) == {"E06000028", "E06000029", "E10000009"}
    dorset = register.resolve(838)
    assert (dorset.code, dorset.first_year, dorset.predecessors) == (
        "E06000059",
        2020,
        ("E10000009",),
    )
    for number, code in [(837, "E06000028"), (836, "E06000029"), (835, "E10000009")]:
        old = register.resolve(number)
        assert (old.code, old.first_year, old.last_year) == (code, None, 2019)
        assert "E06000058" in old.successors
    assert set(register.resolve("E10000009").successors) == {"E06000058", "E06000059"}
    assert not bcp.exists_in(2019) and bcp.exists_in(2020) and bcp.exists_in(2040)
    assert register.resolve(835).exists_in(2010) and not register.resolve(835).exists_in(2020)


def test_northamptonshire_and_cumbria(register):
    northants = register.resolve("Northamptonshire")
    assert (northants.code, northants.dfe_number, northants.last_year) == ("E10000021", 928, 2021)
    assert set(northants.successors) == {"E06000061", "E06000062"}
    for number, code in [(940, "E06000061"), (941, "E06000062")]:
        council = register.resolve(number)
        assert (council.code, council.first_year, council.predecessors) == (
            code,
            2022,
            ("E10000021",),
        )
    cumbria = register.resolve("Cumbria")
    assert (cumbria.code, cumbria.dfe_number, cumbria.last_year) == ("E10000006", 909, 2023)
    assert set(cumbria.successors) == {"E06000063", "E06000064"}
    for number, code in [(942, "E06000063"), (943, "E06000064")]:
        council = register.resolve(number)
        assert (council.code, council.first_year, council.predecessors) == (
            code,
            2024,
            ("E10000006",),
        )


def test_shared_name_resolves_by_year(register):
    # "Dorset" is old Dorset (835) in SFR 2010-2017 and EES CLA 2019, new Dorset (838) after.
    assert register.resolve("Dorset", year=2015).code == "E10000009"
    assert register.resolve("Dorset", year=2019).code == "E10000009"
    assert register.resolve("Dorset", year=2020).code == "E06000059"
    assert register.resolve("Dorset").code == "E06000059"
    names = pd.Series(["Dorset", "Poole"], name="geog_n")
    blank = pd.Series(["", ""], name="New_geog_code")
    out = register.canonical_codes(blank, names=names, year=2016)
    assert out.tolist() == ["E10000009", "E06000029"]


def test_canonical_names_are_unique_and_short_names_drop_city_of(register):
    names = [c.name for c in register.councils()]
    assert len(names) == len(set(names))
    assert register.resolve("Dorset (Pre LG)").short_name == "Dorset (to 2019)"
    assert register.resolve("E06000058").short_name == "Bournemouth, Christchurch and Poole"
    assert register.resolve("E06000047").short_name == "County Durham"


# --------------------------------------------------------------------------- unknowns


def test_unknown_name_suggests_closest(register):
    with pytest.raises(UnknownCouncilError) as info:
        register.resolve("Bristoll")
    assert info.value.suggestions[0] == "Bristol, City of"
    assert len(info.value.suggestions) <= 3
    assert "Bristoll" in str(info.value)


@pytest.mark.parametrize("query", ["E06999999", 999, "", "E12000001", ENGLAND_CODE])
def test_unknown_council_errors(register, query):
    with pytest.raises(UnknownCouncilError):
        register.resolve(query)


def test_name_of_unknown_code_errors(register):
    with pytest.raises(UnknownCouncilError):
        register.name("E06999999")
    with pytest.raises(UnknownCouncilError):
        register.region_of(ENGLAND_CODE)


# --------------------------------------------------------------------------- canonical_codes


def test_canonical_codes_fallbacks_and_pass_through(register):
    codes = pd.Series(
        ["E06000023", "", None, "", "E12000001", "E92000001", "E13000002", " e08000020 "],
        name="new_la_code",
    )
    numbers = pd.Series(["", "837", None, "", "", "", "", ""], name="old_la_code")
    names = pd.Series(["", "", "Durham", "NORTH EAST ", "", "", "", ""], name="la_name")
    out = register.canonical_codes(codes, names=names, numbers=numbers, file="f.csv")
    assert out.tolist() == [
        "E06000023",
        "E06000028",
        "E06000047",
        "E12000001",
        "E12000001",
        "E92000001",
        "E13000002",
        "E08000037",
    ]
    assert out.index.equals(codes.index)


def test_canonical_codes_region_names_and_lait_numbers(register):
    # LAIT's la_code_list.xlsx: England 970, London (Inner) 987; SFR 2011: "INNER LONDON".
    blank = pd.Series([""] * 4, name="code")
    names = pd.Series(["", "", "INNER LONDON", "Yorkshire and the Humber"], name="name")
    numbers = pd.Series([970.0, 987.0, None, None], name="LA Number")
    out = register.canonical_codes(blank, names=names, numbers=numbers)
    assert out.tolist() == ["E92000001", "E13000001", "E13000001", "E12000003"]


def test_canonical_codes_unknown_code_names_file_row_column_value(register):
    codes = pd.Series(["E06000023", "E06000023", "E06999999"], name="new_la_code")
    with pytest.raises(DataError) as info:
        register.canonical_codes(codes, file="cin/b1.csv")
    error = info.value
    # Third value: header is line 1, so the third record is line 4.
    assert (error.file, error.row, error.column, error.value) == (
        "cin/b1.csv",
        4,
        "new_la_code",
        "E06999999",
    )


def test_canonical_codes_unknown_number(register):
    codes = pd.Series(["", ""], name="new_la_code")
    numbers = pd.Series(["801", "314 / 318"], name="old_la_code")
    with pytest.raises(DataError) as info:
        register.canonical_codes(codes, numbers=numbers, file="w.csv", first_row=10)
    error = info.value
    assert (error.file, error.row, error.column, error.value) == (
        "w.csv",
        11,
        "old_la_code",
        "314 / 318",
    )


def test_canonical_codes_unknown_name_lists_closest(register):
    codes = pd.Series(["", ""], name="new_la_code")
    names = pd.Series(["Bristol", "Bristoll"], name="la_name")
    with pytest.raises(DataError) as info:
        register.canonical_codes(codes, names=names, file="x.csv")
    error = info.value
    assert (error.file, error.row, error.column, error.value) == ("x.csv", 3, "la_name", "Bristoll")
    assert "Bristol, City of" in error.expected


def test_canonical_codes_all_blank_row(register):
    codes = pd.Series(["E06000023", "  "], name="new_la_code")
    names = pd.Series(["Bristol", ""], name="la_name")
    with pytest.raises(DataError) as info:
        register.canonical_codes(codes, names=names, file="x.csv")
    assert (info.value.file, info.value.row, info.value.column) == ("x.csv", 3, "new_la_code")


def test_canonical_codes_combined_workforce_code_is_an_error(register):
    # csww_indicators: Kingston and Richmond share one row, "E09000021 / E09000027".
    codes = pd.Series(["E09000021 / E09000027"], name="new_la_code")
    with pytest.raises(DataError) as info:
        register.canonical_codes(codes, file="csww.csv")
    assert info.value.value == "E09000021 / E09000027"


# --------------------------------------------------------------------------- raw files


@pytest.mark.parametrize("path", EES_FILES, ids=lambda p: p.name)
def test_every_council_in_ees_files_resolves(register, path):
    rows = _la_rows(path)
    triples = rows[["new_la_code", "old_la_code", "la_name"]].drop_duplicates()
    for code, number, name in triples.itertuples(index=False):
        by_code = register.resolve(code)
        assert register.resolve(number) == by_code, (code, number)
        by_name = register.resolve(name)
        if (code, name) == ("E10000009", "Dorset"):
            # Old Dorset is also called "Dorset" in EES; the name means the current council.
            assert by_name.code == "E06000059"
        else:
            assert by_name == by_code, (code, name)
    out = register.canonical_codes(
        rows["new_la_code"], names=rows["la_name"], numbers=rows["old_la_code"], file=path.name
    )
    assert out.str.match(r"E0[689]|E10").all()


def test_every_council_in_sfr_files_resolves(register):
    for path in sorted(RAW.glob("cla/sfr_*/*.csv")):
        frame = pd.read_csv(path, dtype=str, keep_default_na=False)
        year = int(path.parent.name.removeprefix("sfr_"))
        la = frame[frame["geog_l"].str.strip() == "LA"]
        for number, name in la[["geog_c", "geog_n"]].drop_duplicates().itertuples(index=False):
            # Old Dorset is "Dorset" here: the year tells it from the current council.
            assert register.resolve(name, year=year) == register.resolve(number), (path, name)
        if "New_geog_code" in la:
            pairs = la[["New_geog_code", "geog_c"]].drop_duplicates()
            for code, number in pairs.itertuples(index=False):
                assert register.resolve(code) == register.resolve(number), (path.name, code)


def test_council_counts_per_year_match_cin_files(register):
    # SOURCE_README section 2: 152 LAs a year for 2013-2019, 151 for 2020 and 2021, 152 for
    # 2022 and 2023, 153 for 2024 and 2025. SFR 2010 has 152 LAs (Isles of Scilly included).
    expected = {year: 152 for year in range(2010, 2020)}
    expected.update({2020: 151, 2021: 151, 2022: 152, 2023: 152, 2024: 153, 2025: 153})
    for year, count in expected.items():
        assert len(register.councils(year)) == count, year
    # And the same set of councils as the CIN file, year by year.
    rows = _la_rows(RAW / "cin" / "b1_children_in_need_2013_to_2025.csv")
    for year, group in rows.groupby("time_period"):
        in_file = set(register.canonical_codes(group["new_la_code"]))
        assert in_file == {c.code for c in register.councils(int(year))}, year
    assert len(register.councils()) == 158  # 152 + BCP, Dorset, N/W Northants, Cumberland, W&F


def test_councils_sorted_by_name(register):
    names = [c.name for c in register.councils(2024)]
    assert names == sorted(names, key=str.casefold)


# --------------------------------------------------------------------------- neighbours, regions


def test_bristol_statistical_neighbours(register):
    # New_Statistical_Neighbour_Groupings_April_2021.csv line 73: 801 -> 851, 852, 870, 373,
    # 846, 831, 331, 879, 383, 874 = Portsmouth, Southampton, Reading, Sheffield, Brighton and
    # Hove, Derby, Coventry, Plymouth, Leeds, Peterborough (ONS codes from the EES files).
    assert register.neighbours("Bristol") == [
        "E06000044",
        "E06000045",
        "E06000038",
        "E08000019",
        "E06000043",
        "E06000015",
        "E08000026",
        "E06000026",
        "E08000035",
        "E06000031",
    ]
    table = pd.read_csv(REFERENCE / "statistical_neighbours.csv", dtype=str)
    bristol = table[table["council_code"] == "E06000023"]
    assert bristol["closeness"].tolist() == ["Very Close"] + ["Close"] * 9


def test_neighbours_of_councils_missing_from_2021_groupings_are_empty(register):
    assert register.neighbours("Cumberland") == []
    assert register.neighbours("E06000064") == []
    # Old Dorset is in the file's "Old SNs" block (line 157): first neighbour 893 Shropshire.
    assert register.neighbours("E10000009")[0] == "E06000051"
    # Somerset's first neighbour (line 146) is 878 Devon; its own code is the RY2025 one.
    assert register.neighbours("E10000027")[0] == "E10000008"


def test_regions(register):
    assert register.regions == {
        "E12000001": "North East",
        "E12000002": "North West",
        "E12000003": "Yorkshire and The Humber",
        "E12000004": "East Midlands",
        "E12000005": "West Midlands",
        "E12000006": "East of England",
        "E12000007": "London",
        "E12000008": "South East",
        "E12000009": "South West",
    }
    assert register.name(ENGLAND_CODE) == "England"
    assert register.name("E13000001") == "Inner London"
    assert register.region_of("E09000007") == "E12000007"  # Camden: Inner London in EES
    assert register.region_of("E13000002") == "E12000007"


def test_read_statistical_neighbours_real_file():
    sn = read_statistical_neighbours(
        RAW / "lookups" / "New_Statistical_Neighbour_Groupings_April_2021.csv"
    )
    # 152 councils in the 2021 groupings plus 4 under "Old SNs:" (835, 836, 837, 928).
    assert sn["number"].nunique() == 156
    assert len(sn) == 1560


def _write_sn(tmp_path: Path, body: str) -> Path:
    header = "LA num,LA Name,LA number,GOInd,GOReg," + ",".join(f"SN{k},SNP" for k in range(1, 11))
    path = tmp_path / "sn.csv"
    path.write_text("\ufeff" + header + ",\n" + body, encoding="utf-8")
    return path


def test_read_statistical_neighbours_bad_neighbour(tmp_path):
    pairs = ",".join(f"{n},Close" for n in [851, 852, 870, 373, "x9", 831, 331, 879, 383, 874])
    path = _write_sn(tmp_path, f",,,\n801,Bristol,801,7,South West,{pairs},\n")
    with pytest.raises(DataError) as info:
        read_statistical_neighbours(path)
    assert (info.value.file, info.value.row, info.value.column, info.value.value) == (
        "sn.csv",
        3,
        "SN5",
        "x9",
    )


def test_read_statistical_neighbours_missing_snp(tmp_path):
    path = tmp_path / "sn.csv"
    path.write_text("LA num,LA Name,LA number,GOInd,GOReg,SN1,SN2\n", encoding="utf-8")
    with pytest.raises(DataError) as info:
        read_statistical_neighbours(path)
    assert (info.value.file, info.value.row) == ("sn.csv", 1)


# --------------------------------------------------------------------------- reference files


def test_committed_reference_equals_fresh_build():
    tables = build_reference(RAW)
    for name, table in tables.items():
        committed = (REFERENCE / f"{name}.csv").read_text(encoding="utf-8")
        assert committed == format_reference_csv(table), f"{name}.csv is stale: rebuild it"


def test_main_check_passes_on_committed_reference():
    assert main(["--raw", str(RAW), "--out", str(REFERENCE), "--check"]) == 0


def test_load_register_from_env_var(tmp_path, monkeypatch):
    shutil.copytree(REFERENCE, tmp_path / "reference")
    monkeypatch.setenv("CSCANALYSIS_DATA_DIR", str(tmp_path))
    assert load_register().resolve("Bristol").code == "E06000023"


def test_load_register_missing_file(tmp_path):
    with pytest.raises(DataError) as info:
        load_register(tmp_path)
    assert info.value.file.endswith("councils.csv")


def test_load_register_bad_number(tmp_path):
    shutil.copytree(REFERENCE, tmp_path, dirs_exist_ok=True)
    path = tmp_path / "councils.csv"
    lines = path.read_text(encoding="utf-8").splitlines(keepends=True)
    lines[1] = lines[1].replace(",805,", ",80x,", 1)  # Hartlepool, line 2
    path.write_text("".join(lines), encoding="utf-8")
    with pytest.raises(DataError) as info:
        load_register(tmp_path)
    assert (info.value.row, info.value.column, info.value.value) == (2, "dfe_number", "80x")


# --------------------------------------------------------------------------- property


NOISE = st.sampled_from([" ", "  ", "\t", ".", ",", "'", "-", "(", ")", ":", ";", ""])


@st.composite
def mangled_names(draw):
    council = draw(st.sampled_from(load_register(REFERENCE).councils()))
    out = []
    for char in council.name:
        out.append(draw(NOISE))
        out.append(char.upper() if draw(st.booleans()) else char.lower())
    out.append(draw(NOISE))
    return council, "".join(out)


@settings(max_examples=200, deadline=None)
@given(mangled_names())
def test_resolve_ignores_case_whitespace_punctuation(pair):
    council, text = pair
    assert load_register(REFERENCE).resolve(text) == council


def test_every_canonical_name_resolves_in_upper_case_with_extra_spaces(register):
    table = str.maketrans({p: " " for p in string.punctuation if p != "&"})
    for council in register.councils():
        assert register.resolve(council.name) == council
        assert register.resolve(f"  {council.name.upper()}  ") == council
        assert register.resolve(council.name.translate(table)) == council
        assert register.resolve(council.short_name) == council
