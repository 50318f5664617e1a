"""The ``cscanalysis`` command, run as a user runs it."""

from __future__ import annotations

import csv
import subprocess
import sys

import pytest

from cscanalysis.cli import main


def test_councils_lists_bristol_and_bcp(capsys):
    assert main(["councils", "--year", "2023"]) == 0
    out = capsys.readouterr().out
    assert "E06000023\t801\tBristol, City of\tSouth West" in out
    assert "E06000058\t839\tBournemouth, Christchurch and Poole" in out
    assert "E06000028" not in out  # Bournemouth was abolished in 2019
    # 152 councils existed in 2023 (CIN b1 file: 152 LA rows for 2023), plus the header
    assert len(out.strip().splitlines()) == 153


def test_data_export_writes_the_tidy_table(tmp_path, capsys):
    out = tmp_path / "tidy.csv"
    assert main(["data", "export", "--out", str(out)]) == 0
    with open(out, newline="", encoding="utf-8") as handle:
        rows = list(csv.DictReader(handle))
    assert list(rows[0]) == [
        "council_code",
        "council_name",
        "period",
        "measure",
        "value",
        "flag",
        "source",
    ]
    bristol = [
        r
        for r in rows
        if r["council_code"] == "E06000023"
        and r["measure"] == "cla_31_march"
        and r["period"] == "2023"
    ]
    assert len(bristol) == 1 and float(bristol[0]["value"]) == 732
    assert any(r["flag"] == "c" and r["value"] == "" for r in rows)


def test_unknown_council_exits_2_with_a_suggestion(tmp_path, capsys):
    assert main(["pack", "--council", "Bristoll", "--out", str(tmp_path)]) == 2
    err = capsys.readouterr().err
    assert "unknown council 'Bristoll'" in err and "Bristol" in err
    assert not any(tmp_path.iterdir())


def test_period_outside_the_data_exits_2(tmp_path, capsys):
    assert main(["pack", "--council", "801", "--period", "2030", "--out", str(tmp_path)]) == 2
    assert "outside the data" in capsys.readouterr().err


@pytest.mark.slow
def test_pack_from_the_console_script(tmp_path):
    done = subprocess.run(
        [
            sys.executable,
            "-m",
            "cscanalysis.cli",
            "pack",
            "--council",
            "E06000023",
            "--period",
            "2023",
            "--out",
            str(tmp_path),
        ],
        capture_output=True,
        text=True,
        check=True,
    )
    assert f"{tmp_path}/2023/E06000023/index.html" in done.stdout
    assert (tmp_path / "2023" / "E06000023" / "index.html").stat().st_size > 100_000


def test_os_error_names_the_path_and_whether_read_or_written(tmp_path):
    import errno

    from cscanalysis.core.errors import os_error_message

    out = tmp_path / "out"
    denied = PermissionError(errno.EACCES, "Permission denied", str(out / "2025"))
    assert (
        os_error_message(denied, outputs=[out]) == f"cannot write {out / '2025'}: permission denied"
    )
    gone = FileNotFoundError(errno.ENOENT, "No such file", str(tmp_path / "in.csv"))
    message = os_error_message(gone, inputs=[tmp_path / "in.csv"], outputs=[out])
    assert message == f"cannot read {tmp_path / 'in.csv'}: no such file or folder"
    # a temporary file renamed onto the output: the output is named, not the temporary file
    renamed = IsADirectoryError(errno.EISDIR, "Is a directory", str(tmp_path / ".f.csv.x.tmp"))
    renamed.filename2 = str(tmp_path / "f.csv")
    assert os_error_message(renamed, outputs=[tmp_path / "f.csv"]).startswith(
        f"cannot write {tmp_path / 'f.csv'}: it is a folder"
    )
    assert os_error_message(OSError(errno.EROFS, "Read-only file system"), outputs=["o"]) == (
        "cannot write o: the file system is read-only"
    )
    assert os_error_message(OSError(errno.ECONNREFUSED, "Connection refused")) == (
        "Connection refused"
    )


def test_one_line_escapes_breaks_and_terminal_codes():
    from cscanalysis.core.errors import one_line

    assert one_line("a\nb\r\tc\x1b[2Jd\u2028") == "a\\nb\\r\\tc\\x1b[2Jd\\u2028"
    assert one_line("£ café <script>") == "£ café <script>"


def test_help_still_shows_the_usage(capsys):
    with pytest.raises(SystemExit) as done:
        main(["pack", "--help"])
    assert done.value.code == 0
    assert "--target CHILDREN YEAR" in capsys.readouterr().out


def test_an_input_inside_the_output_folder_is_read_not_written(tmp_path):
    import errno

    from cscanalysis.core.errors import os_error_message

    case = tmp_path / "case.csv"
    denied = PermissionError(errno.EACCES, "Permission denied", str(case))
    assert os_error_message(denied, outputs=[tmp_path], inputs=[case]) == (
        f"cannot read {case}: permission denied"
    )


def test_a_closed_pipe_exits_as_a_shell_reports_sigpipe(monkeypatch, capsys):
    import cscanalysis.cli as cli

    def gone(_args):
        raise BrokenPipeError(32, "Broken pipe")

    monkeypatch.setattr(cli, "parser", lambda: _parser_running(gone))
    assert cli.main(["councils"]) == 141
    assert capsys.readouterr().err == ""


def _parser_running(run):
    import argparse

    parser = argparse.ArgumentParser()
    parser.add_argument("command")
    parser.set_defaults(run=run)
    return parser
