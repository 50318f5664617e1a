"""The council register's build step: read the raw lookups and every CLA/CIN file that names a
council (codes, DfE numbers, names, regions, statistical neighbours, reorganisations) and write
``data/reference/``, which :func:`cscanalysis.core.councils.load_register` reads at run time.

``python -m cscanalysis.sources.register [--raw DIR] [--out DIR] [--check]``.
"""

from __future__ import annotations

import argparse
import csv
import io
import re
import sys
from collections.abc import Iterable, Sequence
from pathlib import Path

import pandas as pd

from cscanalysis.core.councils import (
    COUNCIL_COLUMNS,
    ENGLAND_CODE,
    INNER_OUTER_LONDON,
    LONDON_CODE,
    REGION_COLUMNS,
    REORGANISATIONS,
    SEP,
    default_raw_dir,
    default_reference_dir,
    name_key,
    short_name_of,
)
from cscanalysis.core.errors import DataError


class _BuildError(DataError):
    """The raw files disagree with what the register assumes."""


EES_GEO_COLUMNS = (
    "time_period",
    "geographic_level",
    "country_code",
    "country_name",
    "region_code",
    "region_name",
    "old_la_code",
    "new_la_code",
    "la_name",
)
# (folder pattern, role): role "cla"/"cin" files decide canonical codes; "cin" decides years.
EES_SOURCES = (
    ("cla/ees_ry*/*.csv", "cla"),
    ("cin/*.csv", "cin"),
    ("population/*.csv", "population"),
    ("workforce/*.csv", "workforce"),
)
SN_FILE = "lookups/New_Statistical_Neighbour_Groupings_April_2021.csv"
UTLA_FILE = "lookups/LTLA-UTLA_Apr23_Lookup_England-Wales.csv"
LAIT_LIST = "lait/la_code_list.xlsx"


def _read_ees_geography(path: Path) -> pd.DataFrame | None:
    """Geography columns of an EES file, or None when it has no LA columns."""
    frame = pd.read_csv(
        path,
        dtype=str,
        keep_default_na=False,
        encoding="utf-8-sig",
        usecols=lambda c: c in EES_GEO_COLUMNS,
    )
    if "new_la_code" not in frame.columns:
        return None
    for column in frame.columns:
        frame[column] = frame[column].str.strip()
    return frame.drop_duplicates()


def _release_of(path: Path, frame: pd.DataFrame) -> int:
    """Release year: ``ees_ry2025`` -> 2025, else the file's latest time_period."""
    match = re.search(r"ees_ry(\d{4})", str(path))
    return int(match.group(1)) if match else int(frame["time_period"].str[:4].astype(int).max())


def _la_sightings(raw_dir: Path) -> tuple[pd.DataFrame, pd.DataFrame]:
    """(LA rows, national/regional rows) of every EES-layout file, one row per distinct value."""
    las, areas = [], []
    for pattern, role in EES_SOURCES:
        for path in sorted(raw_dir.glob(pattern)):
            frame = _read_ees_geography(path)
            if frame is None:
                continue
            label = str(path.relative_to(raw_dir))
            release = _release_of(path, frame)
            la = frame[frame["geographic_level"] == "Local authority"]
            # Workforce's shared services ("E09000021 / E09000027") are not one council.
            la = la[~la["new_la_code"].str.contains("/", regex=False)]
            bad = la[~la["old_la_code"].str.fullmatch(r"\d{3}")]
            if len(bad):
                raise _BuildError(
                    "DfE number is not 3 digits",
                    file=label,
                    column="old_la_code",
                    value=bad["old_la_code"].iloc[0],
                )
            las.append(
                pd.DataFrame(
                    {
                        "code": la["new_la_code"],
                        "number": la["old_la_code"].astype(int),
                        "name": la["la_name"],
                        "region_code": la["region_code"],
                        "year": la["time_period"].str[:4].astype(int),
                        "role": role,
                        "release": release,
                        "file": label,
                    }
                )
            )
            other = frame[frame["geographic_level"].isin(["National", "Regional"])]
            code = other["region_code"].where(
                other["geographic_level"] == "Regional", other["country_code"]
            )
            name = other["region_name"].where(
                other["geographic_level"] == "Regional", other["country_name"]
            )
            areas.append(pd.DataFrame({"code": code, "name": name, "file": label}))
    la = pd.concat(las, ignore_index=True).drop_duplicates(ignore_index=True)
    return la, pd.concat(areas, ignore_index=True).drop_duplicates(ignore_index=True)


def _sfr_sightings(raw_dir: Path) -> tuple[pd.DataFrame, list[str]]:
    """(LA rows as code/number/name, region and England names) of the SFR CSVs 2010-2017."""
    las, area_names = [], []
    for path in sorted(raw_dir.glob("cla/sfr_*/*.csv")):
        frame = pd.read_csv(
            path,
            dtype=str,
            keep_default_na=False,
            encoding="utf-8-sig",
            usecols=lambda c: c.strip() in ("New_geog_code", "geog_l", "geog_c", "geog_n"),
        )
        frame = frame.apply(lambda s: s.str.strip())
        level = frame["geog_l"].str.upper()
        number = frame["geog_c"]
        # 2017 has an Isles of Scilly row with an empty level: a council row by its number.
        is_la = (level == "LA") | ((level == "") & number.str.fullmatch(r"\d{3}"))
        la = frame[is_la]
        code = la["New_geog_code"] if "New_geog_code" in la else pd.Series("", index=la.index)
        las.append(
            pd.DataFrame({"code": code, "number": la["geog_c"].astype(int), "name": la["geog_n"]})
        )
        area_names.extend(frame.loc[level.isin(["NATIONAL", "GOR", "REGION"]), "geog_n"])
    return pd.concat(las, ignore_index=True).drop_duplicates(ignore_index=True), area_names


def read_statistical_neighbours(path: Path) -> pd.DataFrame:
    """DfE's April 2021 statistical neighbour groupings, robust to the file's quirks.

    The header repeats ``SNP`` after each ``SN1``..``SN10``, ends with an empty column, and the
    body has blank lines and an ``Old SNs:`` heading before the abolished councils. Returns one
    row per council and rank: ``number, name, region_name, rank, neighbour_number, closeness``.
    """
    label = path.name
    with path.open(encoding="utf-8-sig", newline="") as handle:
        records = list(csv.reader(handle))
    header = [h.strip() for h in records[0]]
    try:
        num_col, name_col, region_col = (header.index(h) for h in ("LA num", "LA Name", "GOReg"))
        sn_cols = [header.index(f"SN{k}") for k in range(1, 11)]
    except ValueError as error:
        raise DataError("missing column", file=label, row=1, value=str(error)) from None
    for k, col in enumerate(sn_cols, start=1):
        if col + 1 >= len(header) or header[col + 1] != "SNP":
            raise DataError(
                f"SN{k} is not followed by its SNP column", file=label, row=1, column=f"SN{k}"
            )
    rows = []
    for line, record in enumerate(records[1:], start=2):
        first = record[num_col].strip() if record else ""
        if not first.isdigit():
            if any(field.strip() for field in record) and first:
                raise DataError(
                    "LA num is not a number", file=label, row=line, column="LA num", value=first
                )
            continue  # blank lines and the "Old SNs:" heading (its number cell is empty)
        for rank, col in enumerate(sn_cols, start=1):
            neighbour, closeness = record[col].strip(), record[col + 1].strip()
            if not neighbour.isdigit():
                raise DataError(
                    "neighbour is not a DfE number",
                    file=label,
                    row=line,
                    column=f"SN{rank}",
                    value=neighbour,
                )
            rows.append(
                {
                    "number": int(first),
                    "name": record[name_col].strip(),
                    "region_name": record[region_col].strip(),
                    "rank": rank,
                    "neighbour_number": int(neighbour),
                    "closeness": closeness,
                }
            )
    return pd.DataFrame(rows)


def _swap_parenthesis(name: str) -> str:
    """LAIT's ``London (Inner)`` -> ``Inner London``."""
    match = re.fullmatch(r"(.+?)\s*\((.+)\)", name.strip())
    return f"{match.group(2)} {match.group(1)}" if match else name


def _build_regions(
    areas: pd.DataFrame, extra_names: Iterable[str], lait: pd.DataFrame
) -> pd.DataFrame:
    """England, 9 regions and Inner/Outer London from EES rows, with variants seen elsewhere."""
    names = areas.drop_duplicates(["code", "name"])
    clash = names[names.duplicated("code", keep=False)]
    if len(clash):
        raise _BuildError(
            "area code with two names",
            file=clash["file"].iloc[0],
            column="region_code",
            value=clash["code"].iloc[0],
        )
    official = dict(zip(names["code"], names["name"], strict=True))
    by_key = {name_key(n): c for c, n in official.items()}
    variants: dict[str, set[str]] = {c: set() for c in official}

    def match(name: str) -> str | None:
        return by_key.get(name_key(name)) or by_key.get(name_key(_swap_parenthesis(name)))

    for name in extra_names:
        code = match(name)
        if code is None:
            raise _BuildError("region name not in the EES files", value=name)
        variants[code].add(name.strip())
    lait_numbers: dict[str, int] = {}
    for number, name in zip(lait["LA Number"], lait["LA Name"], strict=True):
        if name.strip() == "England (discontinued)":
            continue  # a retired LAIT series, not an area
        code = match(name)
        if code is None:
            raise _BuildError("LAIT area not in the EES files", file=LAIT_LIST, value=name)
        lait_numbers[code] = int(number)
        variants[code].add(name.strip())
    rows = []
    for code in sorted(official):
        if code == ENGLAND_CODE:
            level, parent = "country", ""
        elif code.startswith("E12"):
            level, parent = "region", ENGLAND_CODE
        elif code in INNER_OUTER_LONDON:
            level, parent = "sub-region", LONDON_CODE
        else:
            raise _BuildError("unexpected area code", value=code)
        rows.append(
            {
                "code": code,
                "name": official[code],
                "level": level,
                "parent_code": parent,
                "lait_number": lait_numbers.get(code, ""),
                "name_variants": SEP.join(sorted(variants[code] - {official[code]})),
            }
        )
    return pd.DataFrame(rows, columns=REGION_COLUMNS)


def build_reference(raw_dir: Path) -> dict[str, pd.DataFrame]:
    """Build ``councils``, ``statistical_neighbours`` and ``regions`` tables from the raw files.

    * Canonical code, name and region of a DfE number: those of its row with the latest
      (year, release) in the EES CLA and CIN files.
    * first_year/last_year: the first/last CIN year with a row for the council; open-ended
      (empty) when it is the first (2013) or last (2025) CIN year.
    * Old codes and name variants: every other code and name seen for the number in the EES
      CLA, CIN, population and workforce files, the SFR files, LAIT's LA list, the statistical
      neighbour file and the ONS UTLA lookup.
    """
    raw_dir = Path(raw_dir)
    la, areas = _la_sightings(raw_dir)
    sfr, sfr_area_names = _sfr_sightings(raw_dir)
    lait = pd.read_excel(raw_dir / LAIT_LIST, dtype={"LA Name": str, "Region": str})
    lait["LA Name"] = lait["LA Name"].str.strip()
    lait_las = lait[lait["Type"].notna()]
    lait_areas = lait[lait["Type"].isna()]
    sn = read_statistical_neighbours(raw_dir / SN_FILE)
    utla = pd.read_csv(raw_dir / UTLA_FILE, dtype=str, keep_default_na=False, encoding="utf-8-sig")
    utla = utla.loc[utla["UTLA23CD"].str.startswith("E"), ["UTLA23CD", "UTLA23NM"]]
    utla = utla.drop_duplicates().apply(lambda s: s.str.strip())

    # Every code belongs to one DfE number.
    all_codes = pd.concat([la[["code", "number"]], sfr.loc[sfr["code"] != "", ["code", "number"]]])
    all_codes = all_codes.drop_duplicates()
    shared = all_codes[all_codes.duplicated("code", keep=False)]
    if len(shared):
        raise _BuildError(
            "ONS code used for two DfE numbers", column="new_la_code", value=shared["code"].iloc[0]
        )
    number_of_code = dict(zip(all_codes["code"], all_codes["number"], strict=True))
    unknown_utla = utla[~utla["UTLA23CD"].isin(number_of_code)]
    if len(unknown_utla):
        raise _BuildError(
            "UTLA code not in the DfE files",
            file=UTLA_FILE,
            column="UTLA23CD",
            value=unknown_utla["UTLA23CD"].iloc[0],
        )

    # Canonical code, name, region: latest (year, release) row of the CLA and CIN files.
    main = la[la["role"].isin(["cla", "cin"])].sort_values(["number", "year", "release"])
    top = main.groupby("number").tail(1)
    latest = main.merge(top[["number", "year", "release"]], on=["number", "year", "release"])
    clash = latest.drop_duplicates(["number", "code"])
    clash = clash[clash.duplicated("number", keep=False)]
    if len(clash):
        raise _BuildError(
            "latest CLA/CIN files disagree on a council's code",
            file=clash["file"].iloc[0],
            value=clash["code"].iloc[0],
        )
    top = top.set_index("number")
    region_names = dict(zip(areas["code"], areas["name"], strict=False))

    # Reporting years from the CIN files.
    cin = la[la["role"] == "cin"]
    cin_first, cin_last = int(cin["year"].min()), int(cin["year"].max())
    years = cin.groupby("number")["year"].agg(["min", "max", "nunique"])

    councils = []
    for number, row in top.iterrows():
        if number not in years.index:
            raise _BuildError("council missing from the CIN files", value=row["code"])
        first, last, count = years.loc[number]
        if count != last - first + 1:
            raise _BuildError("council has gaps in the CIN years", value=row["code"])
        region = LONDON_CODE if row["region_code"] in INNER_OUTER_LONDON else row["region_code"]
        codes = set(la.loc[la["number"] == number, "code"]) | set(
            sfr.loc[(sfr["number"] == number) & (sfr["code"] != ""), "code"]
        )
        names = (
            set(la.loc[la["number"] == number, "name"])
            | set(sfr.loc[sfr["number"] == number, "name"])
            | set(lait_las.loc[lait_las["LA Number"] == number, "LA Name"])
            | set(sn.loc[sn["number"] == number, "name"])
            | set(utla.loc[utla["UTLA23CD"].map(number_of_code) == number, "UTLA23NM"])
        )
        councils.append(
            {
                "code": row["code"],
                "dfe_number": int(number),
                "name": row["name"],
                "region_code": region,
                "region_name": region_names[region],
                "first_year": int(first) if first > cin_first else None,
                "last_year": int(last) if last < cin_last else None,
                "old_codes": sorted(codes - {row["code"]}),
                "names": names,
            }
        )
    councils = _name_councils(councils, lait_las)
    by_number = {c["dfe_number"]: c for c in councils}
    for before, after in REORGANISATIONS:
        if before not in by_number or after not in by_number:
            raise _BuildError("reorganised council not in the DfE files", value=(before, after))
        old, new = by_number[before], by_number[after]
        if old["last_year"] is None or new["first_year"] != old["last_year"] + 1:
            raise _BuildError(
                "reorganisation years do not meet", value=f"{old['name']} -> {new['name']}"
            )
        old.setdefault("successors", []).append(new["code"])
        new.setdefault("predecessors", []).append(old["code"])

    table = pd.DataFrame(
        [
            {
                "code": c["code"],
                "dfe_number": c["dfe_number"],
                "name": c["name"],
                "short_name": c["short_name"],
                "region_code": c["region_code"],
                "region_name": c["region_name"],
                "first_year": "" if c["first_year"] is None else c["first_year"],
                "last_year": "" if c["last_year"] is None else c["last_year"],
                "predecessors": SEP.join(sorted(c.get("predecessors", []))),
                "successors": SEP.join(sorted(c.get("successors", []))),
                "old_codes": SEP.join(c["old_codes"]),
                "name_variants": SEP.join(sorted(c["variants"])),
            }
            for c in councils
        ],
        columns=COUNCIL_COLUMNS,
    ).sort_values("code", ignore_index=True)

    code_of_number = {c["dfe_number"]: c["code"] for c in councils}
    unknown = sn[~sn["number"].isin(code_of_number) | ~sn["neighbour_number"].isin(code_of_number)]
    if len(unknown):
        raise _BuildError(
            "statistical neighbour number not a council",
            file=SN_FILE,
            value=int(unknown["neighbour_number"].iloc[0]),
        )
    if sn.duplicated(["number", "rank"]).any():
        raise _BuildError(
            "council listed twice",
            file=SN_FILE,
            value=int(sn.loc[sn.duplicated(["number", "rank"]), "number"].iloc[0]),
        )
    neighbours = pd.DataFrame(
        {
            "council_code": sn["number"].map(code_of_number),
            "rank": sn["rank"],
            "neighbour_code": sn["neighbour_number"].map(code_of_number),
            "closeness": sn["closeness"],
        }
    ).sort_values(["council_code", "rank"], ignore_index=True)

    extra_region_names = (
        list(sfr_area_names) + [n for n in lait_las["Region"].dropna()] + list(sn["region_name"])
    )
    regions = _build_regions(areas, extra_region_names, lait_areas)
    return {"councils": table, "statistical_neighbours": neighbours, "regions": regions}


def _name_councils(councils: list[dict], lait_las: pd.DataFrame) -> list[dict]:
    """Unique canonical and short names, and the other names seen for each council.

    A canonical name shared with a current council (old Dorset's EES name ``Dorset``) is
    replaced by LAIT's name for the abolished one (``Dorset (Pre LG)``); a short name shared
    the same way gets ``(to <last year>)``. Variants may be shared (old Dorset keeps
    ``Dorset``): the register resolves them by year (:meth:`CouncilRegister.resolve`).
    """
    lait_name = dict(zip(lait_las["LA Number"], lait_las["LA Name"], strict=True))
    latest_first = sorted(councils, key=lambda c: (-(c["last_year"] or 10_000), c["dfe_number"]))
    taken: set[str] = set()
    short_taken: set[str] = set()
    for c in latest_first:
        if name_key(c["name"]) in taken:
            c["name"] = lait_name.get(c["dfe_number"], "")
            if not c["name"] or name_key(c["name"]) in taken:
                raise _BuildError("two councils with one name", value=c["code"])
        taken.add(name_key(c["name"]))
        short = short_name_of(c["name"].replace(" (Pre LG)", ""))
        if name_key(short) in short_taken | taken - {name_key(c["name"])}:
            short = f"{short} (to {c['last_year']})"
        c["short_name"] = short
        short_taken.add(name_key(short))
    owner: dict[str, dict] = {}
    for c in latest_first:
        for key in (name_key(c["name"]), name_key(c["short_name"])):
            if owner.setdefault(key, c) is not c:
                raise _BuildError("name clash", value=c["name"])
    for c in latest_first:
        c["variants"] = set(c["names"]) - {c["name"], c["short_name"]}
    return councils


# --------------------------------------------------------------------------- writing


def format_reference_csv(table: pd.DataFrame) -> str:
    """The CSV text written for a reference table (UTF-8, LF, minimal quoting)."""
    buffer = io.StringIO()
    table.to_csv(buffer, index=False, lineterminator="\n")
    return buffer.getvalue()


def write_reference(tables: dict[str, pd.DataFrame], out_dir: Path) -> list[Path]:
    """Write each table to ``out_dir/<name>.csv`` (via a temporary file, then rename)."""
    out_dir = Path(out_dir)
    out_dir.mkdir(parents=True, exist_ok=True)
    written = []
    for name, table in tables.items():
        path = out_dir / f"{name}.csv"
        tmp = path.with_suffix(".csv.tmp")
        tmp.write_text(format_reference_csv(table), encoding="utf-8")
        tmp.replace(path)
        written.append(path)
    return written


def main(argv: Sequence[str] | None = None) -> int:
    """``python -m cscanalysis.sources.register [--raw DIR] [--out DIR] [--check]``."""
    parser = argparse.ArgumentParser(
        prog="python -m cscanalysis.sources.register",
        description="Build the council reference CSVs (data/reference) from the raw files.",
    )
    parser.add_argument("--raw", type=Path, default=None, help="raw data folder (data/raw)")
    parser.add_argument("--out", type=Path, default=None, help="output folder (data/reference)")
    parser.add_argument(
        "--check",
        action="store_true",
        help="only check that the committed CSVs equal a fresh build",
    )
    args = parser.parse_args(argv)
    tables = build_reference(args.raw or default_raw_dir())
    out = args.out or default_reference_dir()
    if args.check:
        stale = [
            name
            for name, table in tables.items()
            if not (out / f"{name}.csv").is_file()
            or (out / f"{name}.csv").read_text(encoding="utf-8") != format_reference_csv(table)
        ]
        for name in stale:
            print(f"{out / name}.csv is out of date", file=sys.stderr)
        return 1 if stale else 0
    for path in write_reference(tables, out):
        print(f"wrote {path}")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
