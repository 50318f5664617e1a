"""Each way a raw file or a parameter can be wrong gives an error naming where and what."""

from __future__ import annotations

import pytest

from cscanalysis.core.councils import load_register
from cscanalysis.core.errors import DataError, ParameterError, UnknownCouncilError
from cscanalysis.packs.evidence.content import prepare
from cscanalysis.sources import read_cin, read_cla

C1 = "cin/c1_children_in_need_referrals_and_rereferrals_2013_to_2025.csv"
BRISTOL_2023 = '2023,Reporting year,Local authority,E92000001,England,E12000009,South West,801,E06000023,"Bristol, City of",Referrals and Re-referrals,4035,'  # noqa: E501


def line_of(path, needle: str) -> int:
    for number, line in enumerate(path.read_text(encoding="utf-8-sig").splitlines(), start=1):
        if line.startswith(needle):
            return number
    raise LookupError(needle)


def test_unknown_council_suggests_the_closest(tidy, register):
    with pytest.raises(UnknownCouncilError) as caught:
        prepare(tidy, register, "Bristoll", 2023)
    assert "Bristol" in str(caught.value)


def test_period_outside_the_data(tidy, register):
    with pytest.raises(ParameterError, match=r"2031.*2010 to 2025"):
        prepare(tidy, register, "Bristol", 2031)


def test_council_that_did_not_exist_that_year(tidy, register):
    with pytest.raises(ParameterError, match="did not exist"):
        prepare(tidy, register, "Bournemouth, Christchurch and Poole", 2017)


def test_missing_column(raw_copy):
    path = raw_copy / "cla/ees_ry2023/cla_number_and_rate_per_10k_children.csv"
    lines = path.read_bytes().decode("utf-8-sig").splitlines()
    path.write_text("\n".join(",".join(line.split(",")[:-1]) for line in lines) + "\n")
    with pytest.raises(DataError) as caught:
        read_cla(raw_copy)
    error = caught.value
    assert error.file == "cla/ees_ry2023/cla_number_and_rate_per_10k_children.csv"
    assert error.column == "rate_per_10000" and error.row == 1


def test_renamed_column_suggests_the_new_name(raw_copy):
    path = raw_copy / C1
    text = path.read_text()
    path.write_text(
        text.replace("referral_count,rereferral_count", "referrals_count,rereferral_count", 1)
    )
    with pytest.raises(DataError) as caught:
        read_cin(raw_copy)
    assert caught.value.column == "referral_count"
    assert "referrals_count" in str(caught.value) and "renamed" in str(caught.value)


def test_symbol_not_in_the_list(raw_copy):
    path = raw_copy / C1
    text = path.read_text()
    assert text.count(BRISTOL_2023) == 1
    path.write_text(text.replace(BRISTOL_2023, BRISTOL_2023.replace(",4035,", ",n/a,")))
    with pytest.raises(DataError) as caught:
        read_cin(raw_copy)
    error = caught.value
    assert (error.file, error.column, error.value) == (C1, "referral_count", "n/a")
    assert error.row == line_of(path, BRISTOL_2023.replace(",4035,", ",n/a,"))
    assert "c, x, z" in str(error)


def test_excel_error_in_a_used_column(raw_copy):
    path = raw_copy / C1
    text = path.read_text()
    path.write_text(text.replace(BRISTOL_2023, BRISTOL_2023.replace(",4035,", ",#VALUE!,")))
    with pytest.raises(DataError, match="#VALUE!"):
        read_cin(raw_copy)


def test_unknown_council_code_in_a_file(raw_copy):
    path = raw_copy / C1
    text = path.read_text()
    bad = BRISTOL_2023.replace('801,E06000023,"Bristol, City of"', "999,E06999999,Atlantis")
    path.write_text(text.replace(BRISTOL_2023, bad))
    with pytest.raises(DataError) as caught:
        read_cin(raw_copy)
    assert caught.value.row == line_of(path, bad)
    assert caught.value.file == C1


def test_windows_1252_file_is_read_not_garbled(raw_copy):
    """A council's file saved from Excel in Windows-1252 reads the same as the UTF-8 original."""
    path = raw_copy / C1
    original = read_cin(raw_copy)
    text = path.read_text().replace(
        "Referrals and Re-referrals", "Referrals and Re‑referrals – all"
    )
    path.write_bytes(text.replace("‑", "-").encode("cp1252"))
    assert b"\x96" in path.read_bytes()  # the en dash in Windows-1252
    again = read_cin(raw_copy)
    assert again["value"].equals(original["value"])


def test_crlf_and_bom_do_not_change_values(raw_copy):
    path = raw_copy / C1
    original = read_cin(raw_copy)
    path.write_bytes(b"\xef\xbb\xbf" + path.read_bytes().replace(b"\n", b"\r\n"))
    assert read_cin(raw_copy)["value"].equals(original["value"])


def test_unexpected_geographic_level(raw_copy):
    path = raw_copy / C1
    text = path.read_text()
    path.write_text(text.replace(BRISTOL_2023, BRISTOL_2023.replace("Local authority", "Ward")))
    with pytest.raises(DataError) as caught:
        read_cin(raw_copy)
    assert (caught.value.column, caught.value.value) == ("geographic_level", "Ward")


def test_register_is_the_one_the_readers_use():
    assert load_register().resolve("801").code == "E06000023"


@pytest.mark.parametrize(
    ("target", "words"),
    [
        ((float("inf"), 2027), "target value inf"),
        ((float("nan"), 2027), "target value nan"),
        ((-5.0, 2027), "target value -5"),
        ((519.5, 2027), "target value 519.5"),
        (("many", 2027), "target value 'many'"),
        ((True, 2027), "target value True"),
        ((519, float("inf")), "target year inf"),
        ((519, float("nan")), "target year nan"),
        ((519, 2027.5), "target year 2027.5"),
        ((519, 2023), "target year 2023"),
        ((519, 2044), "target year 2044"),
        ((519, "2027x"), "target year '2027x'"),
    ],
)
def test_target_is_a_whole_number_of_children_in_a_later_year(target, words):
    """A target reaches the kernel only when finite, whole, 0 or more, and 1 to 20 years on."""
    from cscanalysis.packs.evidence.pack import check_target

    with pytest.raises(ParameterError, match=words.replace("(", r"\(")):
        check_target(target, 2023)


def test_target_accepted_as_given():
    from cscanalysis.packs.evidence.pack import check_target

    assert check_target((519, 2027), 2023) == (519.0, 2027)
    assert check_target((0.0, 2043.0), 2023) == (0.0, 2043)


def test_batch_parameters_are_checked_before_kernels(tmp_path):
    from cscanalysis.packs.evidence.pack import check_pack_parameters

    with pytest.raises(ParameterError, match="target value inf"):
        check_pack_parameters({"target_value": float("inf"), "target_year": 2027}, 2023)
    with pytest.raises(ParameterError, match="both target_value and target_year"):
        check_pack_parameters({"target_value": 519}, 2023)
    with pytest.raises(ParameterError, match="does not exist"):
        check_pack_parameters({"local_data": str(tmp_path / "none.csv")}, 2023)
    check_pack_parameters({"target_value": 519, "target_year": 2027, "audience": "x"}, 2023)
