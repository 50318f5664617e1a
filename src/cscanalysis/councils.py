"""The council register: every English local authority with children's services, 2010 to 2025.

One place knows each council's ONS code (canonical: the code DfE's latest CLA/CIN files use),
DfE 3-digit number, names as published, region, the reporting years it exists in,
reorganisations (predecessors and successors) and statistical neighbours.

The register is read from the CSVs in ``data/reference`` (:func:`load_register`). Those CSVs are
built from the raw DfE/ONS files by :func:`build_reference` and written by
``python -m cscanalysis.councils`` (see ``data/reference/README.md``).
"""

from __future__ import annotations

import argparse
import csv
import difflib
import io
import os
import re
import sys
import unicodedata
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from functools import lru_cache
from numbers import Integral, Real
from pathlib import Path

import numpy as np
import pandas as pd

from cscanalysis.errors import DataError, UnknownCouncilError

ENGLAND_CODE = "E92000001"
LONDON_CODE = "E12000007"
# EES puts London boroughs in Inner (E13000001) or Outer (E13000002) London; both are in London.
INNER_OUTER_LONDON = ("E13000001", "E13000002")

# Reorganisations, as (predecessor DfE number, successor DfE number). Christchurch moved from
# Dorset to BCP, so old Dorset (835) has two successors. Code-only changes (Buckinghamshire,
# North Yorkshire, Somerset, Gateshead, Northumberland, Barnsley, Sheffield) are not
# reorganisations: the council keeps its number and the old code is an alias.
REORGANISATIONS: tuple[tuple[int, int], ...] = (
    (837, 839),  # Bournemouth -> Bournemouth, Christchurch and Poole (1 April 2019)
    (836, 839),  # Poole -> BCP
    (835, 839),  # Dorset (county) -> BCP (Christchurch)
    (835, 838),  # Dorset (county) -> Dorset (unitary)
    (928, 940),  # Northamptonshire -> North Northamptonshire (1 April 2021)
    (928, 941),  # Northamptonshire -> West Northamptonshire
    (909, 942),  # Cumbria -> Cumberland (1 April 2023)
    (909, 943),  # Cumbria -> Westmorland and Furness
)

SEP = "|"  # separator of list-valued cells in the reference CSVs
REFERENCE_FILES = ("councils", "statistical_neighbours", "regions")
COUNCIL_COLUMNS = [
    "code",
    "dfe_number",
    "name",
    "short_name",
    "region_code",
    "region_name",
    "first_year",
    "last_year",
    "predecessors",
    "successors",
    "old_codes",
    "name_variants",
]
NEIGHBOUR_COLUMNS = ["council_code", "rank", "neighbour_code", "closeness"]
REGION_COLUMNS = ["code", "name", "level", "parent_code", "lait_number", "name_variants"]

_CODE_RE = re.compile(r"[A-Za-z]\d{8}")
_NUMBER_RE = re.compile(r"\d+(?:\.0*)?")
_NAME_SUFFIXES = (", city of", ", county of")


# --------------------------------------------------------------------------- names and keys


def name_key(text: str) -> str:
    """Matching key of a name: case, accents, whitespace and punctuation ignored, & = and."""
    text = unicodedata.normalize("NFKD", str(text))
    text = "".join(ch for ch in text if not unicodedata.combining(ch)).casefold()
    return re.sub(r"[^a-z0-9]", "", text.replace("&", "and"))


# Words people add to a council's name ("Bristol City Council", "London Borough of Camden").
_KEY_PREFIXES = (
    "londonboroughof",
    "royalboroughof",
    "metropolitanboroughof",
    "boroughof",
    "cityof",
    "countyof",
)
_KEY_SUFFIXES = (
    "metropolitanboroughcouncil",
    "boroughcouncil",
    "countycouncil",
    "citycouncil",
    "council",
)


def _loose_keys(key: str) -> list[str]:
    """Keys to try when ``key`` itself is unknown: without council-type words."""
    heads = [key] + [key[len(p) :] for p in _KEY_PREFIXES if key.startswith(p)]
    out = []
    for head in heads:
        out.append(head)
        out.extend(head[: -len(s)] for s in _KEY_SUFFIXES if head.endswith(s))
    return [k for k in dict.fromkeys(out) if k and k != key]


def short_name_of(name: str) -> str:
    """Display name: ``Bristol, City of`` -> ``Bristol``; other names unchanged."""
    for suffix in _NAME_SUFFIXES:
        if name.casefold().endswith(suffix):
            return name[: -len(suffix)].strip()
    return name


def _as_number(value: object) -> int | None:
    """A DfE number from ``801``, ``801.0``, ``'801'`` or ``' 801.0 '``; None otherwise."""
    if isinstance(value, bool):
        return None
    if isinstance(value, Integral):
        return int(value)
    if isinstance(value, Real):
        return int(value) if float(value).is_integer() else None
    text = str(value).strip()
    return int(float(text)) if _NUMBER_RE.fullmatch(text) else None


def _blank(value: object) -> bool:
    return (
        value is None
        or (isinstance(value, float) and value != value)
        or (isinstance(value, str) and not value.strip())
        or value is pd.NA
    )


# --------------------------------------------------------------------------- the register


@dataclass(frozen=True)
class Council:
    """One local authority with children's services (canonical ONS code and DfE number)."""

    code: str
    dfe_number: int
    name: str
    short_name: str
    region_code: str
    region_name: str
    first_year: int | None  # first reporting year (ending 31 March); None = before 2013 or open
    last_year: int | None  # last reporting year; None = still exists
    predecessors: tuple[str, ...]
    successors: tuple[str, ...]
    old_codes: tuple[str, ...]
    name_variants: tuple[str, ...] = ()

    def exists_in(self, year: int) -> bool:
        """True when the council reported CLA/CIN for the year ending 31 March ``year``."""
        return (self.first_year is None or year >= self.first_year) and (
            self.last_year is None or year <= self.last_year
        )


@dataclass(frozen=True)
class Region:
    """England (``country``), a region (``region``) or Inner/Outer London (``sub-region``)."""

    code: str
    name: str
    level: str
    parent_code: str
    lait_number: int | None
    name_variants: tuple[str, ...]


class CouncilRegister:
    """Look councils up by code, DfE number or name; map columns of codes to canonical codes."""

    def __init__(
        self,
        councils: Iterable[Council],
        neighbours: dict[str, list[str]] | None = None,
        regions: Iterable[Region] = (),
    ) -> None:
        self._councils = sorted(councils, key=lambda c: (c.name.casefold(), c.code))
        self._neighbours = dict(neighbours or {})
        self._regions = {r.code: r for r in regions}
        self._by_code: dict[str, Council] = {}
        self._by_number: dict[int, Council] = {}
        self._by_key: dict[str, list[Council]] = {}
        for council in self._councils:
            for code in (council.code, *council.old_codes):
                self._add(self._by_code, code.upper(), council, "code")
            self._add(self._by_number, council.dfe_number, council, "DfE number")
        # A name seen for two councils (``Dorset``) lists the one that exists latest first.
        latest_first = sorted(self._councils, key=lambda c: -(c.last_year or 10_000))
        for council in latest_first:
            for variant in (council.name, council.short_name, *council.name_variants):
                claimants = self._by_key.setdefault(name_key(variant), [])
                if council not in claimants:
                    claimants.append(council)
        self._area_by_code = {code.upper(): code for code in self._regions}
        self._area_by_key: dict[str, str] = {}
        self._area_by_number: dict[int, str] = {}
        for region in self._regions.values():
            for variant in (region.name, *region.name_variants):
                self._area_by_key.setdefault(name_key(variant), region.code)
            if region.lait_number is not None:
                self._area_by_number[region.lait_number] = region.code

    @staticmethod
    def _add(index: dict, key: object, council: Council, what: str) -> None:
        other = index.get(key)
        if other is not None and other is not council:
            raise DataError(
                f"{what} {key!r} belongs to two councils: {other.name} and {council.name}",
                file="councils.csv",
                column="code" if what == "code" else "dfe_number",
                value=key,
            )
        index[key] = council

    # ----------------------------------------------------------------- single look-ups

    def resolve(self, query: str | int, *, year: int | None = None) -> Council:
        """The council for a canonical or old ONS code, a DfE number or any name variant.

        Names are matched ignoring case, accents, whitespace and punctuation. A name shared by
        an abolished and a current council (``Dorset``) means the current one, unless ``year``
        is given and only the abolished one existed then. Unknown queries raise
        :class:`~cscanalysis.errors.UnknownCouncilError` with up to 3 close names.
        """
        council = self._find(query, year)
        if council is None:
            raise UnknownCouncilError(query, self._suggest(query))
        return council

    def _find(self, query: object, year: int | None = None) -> Council | None:
        if _blank(query):
            return None
        number = _as_number(query)
        if number is not None:
            return self._by_number.get(number)
        text = str(query).strip()
        if _CODE_RE.fullmatch(text):
            return self._by_code.get(text.upper())
        return self._find_name(name_key(text), year)

    def _find_name(self, key: str, year: int | None = None) -> Council | None:
        claimants = self._by_key.get(key)
        for loose in _loose_keys(key):
            if claimants:
                break
            claimants = self._by_key.get(loose)
        if not claimants:
            return None
        if year is not None:
            for council in claimants:
                if council.exists_in(year):
                    return council
        return claimants[0]

    def _suggest(self, query: object, n: int = 3) -> list[str]:
        """Up to ``n`` closest council names (or codes, for a code-like query)."""
        text = "" if _blank(query) else str(query).strip()
        if _CODE_RE.fullmatch(text):
            return difflib.get_close_matches(text.upper(), list(self._by_code), n=n, cutoff=0.5)
        key = name_key(text)
        if not key or _as_number(text) is not None:
            return []
        out: list[str] = []
        for match in difflib.get_close_matches(key, list(self._by_key), n=10, cutoff=0.6):
            name = self._by_key[match][0].name
            if name not in out:
                out.append(name)
        return out[:n]

    def area(self, code: str) -> str | None:
        """Canonical code of a council, region, Inner/Outer London or England code."""
        text = str(code).strip().upper()
        council = self._by_code.get(text)
        if council is not None:
            return council.code
        return self._area_by_code.get(text)

    def name(self, code: str) -> str:
        """Canonical name of a council (any code, number or name of it), a region or England."""
        area = self.area(code)
        if area in self._regions:
            return self._regions[area].name
        return self.resolve(code).name

    def region_of(self, code: str) -> str:
        """E12 code of the region of a council (or of a region, or of Inner/Outer London)."""
        area = self.area(code)
        if area == ENGLAND_CODE:
            raise UnknownCouncilError(code, [])
        if area in self._regions:
            region = self._regions[area]
            return region.code if region.level == "region" else region.parent_code
        return self.resolve(code).region_code

    def neighbours(self, code: str) -> list[str]:
        """Canonical codes of a council's statistical neighbours (DfE April 2021), in rank order.

        Empty for councils not in the 2021 groupings (Cumberland, Westmorland and Furness).
        """
        return list(self._neighbours.get(self.resolve(code).code, []))

    def councils(self, year: int | None = None) -> list[Council]:
        """All councils (sorted by name), or those existing in reporting year ``year``."""
        return [c for c in self._councils if year is None or c.exists_in(year)]

    @property
    def regions(self) -> dict[str, str]:
        """The 9 English regions: E12 code -> name as in EES."""
        return {c: r.name for c, r in sorted(self._regions.items()) if r.level == "region"}

    @property
    def areas(self) -> dict[str, str]:
        """England, the 9 regions and Inner/Outer London: code -> name."""
        return {c: r.name for c, r in sorted(self._regions.items())}

    # ----------------------------------------------------------------- columns

    def canonical_codes(
        self,
        codes: pd.Series,
        *,
        names: pd.Series | None = None,
        numbers: pd.Series | None = None,
        file: str = "",
        first_row: int = 2,
        year: int | None = None,
    ) -> pd.Series:
        """Map a column of codes (any alias) to canonical codes, row by row.

        Where a code is blank the DfE number is used, and where that is blank too, the name
        (a name shared by two councils means the one existing in ``year``, if given, else the
        current one; see :meth:`resolve`).
        Region (E12), Inner/Outer London (E13) and England (E92000001) codes pass through; region
        names and LAIT's region numbers (970 England, 980-990) map to them. A value that
        matches nothing raises :class:`DataError` naming ``file``, the row (``first_row`` +
        position), the column and the value, with the closest matches in ``expected``.
        """
        n = len(codes)
        for other, label in ((names, "names"), (numbers, "numbers")):
            if other is not None and len(other) != n:
                raise ValueError(f"{label} has {len(other)} values but codes has {n}")
        columns = [
            (codes, "code", self._code_lookup),
            (numbers, "number", self._number_lookup),
            (names, "name", lambda value: self._name_lookup(value, year)),
        ]
        result = np.full(n, None, dtype=object)
        undecided = np.ones(n, dtype=bool)
        for series, kind, lookup in columns:
            if series is None:
                continue
            # Look each distinct value up once.
            positions, uniques = pd.factorize(series.to_numpy(dtype=object))
            blank = np.array([_blank(u) for u in uniques] + [True], dtype=bool)
            found = np.array(
                [None if b else lookup(u) for u, b in zip(uniques, blank, strict=False)] + [None],
                dtype=object,
            )
            # positions is -1 for missing values: the extra last entry (blank) covers them.
            take = undecided & ~blank[positions]
            values = found[positions]
            unknown = take & pd.isna(values)
            if unknown.any():
                i = int(np.flatnonzero(unknown)[0])
                self._raise_unknown(series, kind, i, series.iloc[i], file, first_row)
            result[take] = values[take]
            undecided &= ~take
        if undecided.any():
            i = int(np.flatnonzero(undecided)[0])
            raise DataError(
                "no council code, DfE number or name",
                file=file or None,
                row=first_row + i,
                column=str(codes.name) if codes.name is not None else "code",
                value="" if _blank(codes.iloc[i]) else codes.iloc[i],
                expected="an ONS code, a DfE LA number or a council name",
            )
        return pd.Series(list(result), index=codes.index, name=codes.name)

    def _code_lookup(self, value: object) -> str | None:
        return self.area(str(value))

    def _number_lookup(self, value: object) -> str | None:
        number = _as_number(value)
        if number is None:
            return None
        council = self._by_number.get(number)
        return council.code if council is not None else self._area_by_number.get(number)

    def _name_lookup(self, value: object, year: int | None = None) -> str | None:
        key = name_key(str(value))
        if key in self._area_by_key:
            return self._area_by_key[key]
        council = self._find_name(key, year)
        return council.code if council is not None else None

    def _raise_unknown(
        self,
        series: pd.Series,
        kind: str,
        i: int,
        value: object,
        file: str,
        first_row: int,
    ) -> None:
        closest = self._suggest(value) if kind != "number" else []
        expected = {
            "code": "an ONS code in the council register (or E12/E13 region, E92000001 England)",
            "number": "a DfE LA number in the council register (e.g. 801)",
            "name": "a council, region or England name in the council register",
        }[kind]
        if closest:
            expected += "; closest: " + ", ".join(repr(c) for c in closest)
        raise DataError(
            f"unknown council {kind}",
            file=file or None,
            row=first_row + i,
            column=str(series.name) if series.name is not None else kind,
            value=value,
            expected=expected,
        )


# --------------------------------------------------------------------------- loading


def default_reference_dir() -> Path:
    """``$CSCANALYSIS_DATA_DIR/reference`` if set, else the repository's ``data/reference``."""
    env = os.environ.get("CSCANALYSIS_DATA_DIR")
    if env:
        return Path(env) / "reference"
    return Path(__file__).resolve().parents[2] / "data" / "reference"


def default_raw_dir() -> Path:
    """``$CSCANALYSIS_DATA_DIR/raw`` if set, else the repository's ``data/raw``."""
    env = os.environ.get("CSCANALYSIS_DATA_DIR")
    if env:
        return Path(env) / "raw"
    return Path(__file__).resolve().parents[2] / "data" / "raw"


def load_register(reference_dir: Path | None = None) -> CouncilRegister:
    """The council register read from ``reference_dir`` (default: :func:`default_reference_dir`).

    Cached per directory.
    """
    directory = Path(reference_dir) if reference_dir is not None else default_reference_dir()
    return _load_register_cached(str(directory.resolve()))


@lru_cache(maxsize=8)
def _load_register_cached(directory: str) -> CouncilRegister:
    tables = read_reference(Path(directory))
    return register_from_tables(tables)


def read_reference(directory: Path) -> dict[str, pd.DataFrame]:
    """Read the reference CSVs (all columns as strings, blanks as empty strings)."""
    tables = {}
    for name in REFERENCE_FILES:
        path = directory / f"{name}.csv"
        if not path.is_file():
            raise DataError(
                "council reference file not found",
                file=str(path),
                expected="run `python -m cscanalysis.councils` to build data/reference",
            )
        tables[name] = pd.read_csv(path, dtype=str, keep_default_na=False, encoding="utf-8")
    return tables


def _split(cell: str) -> tuple[str, ...]:
    return tuple(part for part in cell.split(SEP) if part)


def _int_cell(table: pd.DataFrame, i: int, column: str, file: str) -> int | None:
    text = table[column].iloc[i].strip()
    if not text:
        return None
    if not re.fullmatch(r"-?\d+", text):
        raise DataError("not a whole number", file=file, row=i + 2, column=column, value=text)
    return int(text)


def register_from_tables(tables: dict[str, pd.DataFrame]) -> CouncilRegister:
    """Build a :class:`CouncilRegister` from the three reference tables."""
    rows = tables["councils"]
    missing = [c for c in COUNCIL_COLUMNS if c not in rows.columns]
    if missing:
        raise DataError("missing columns", file="councils.csv", column=missing[0])
    councils = []
    for i in range(len(rows)):
        row = rows.iloc[i]
        number = _int_cell(rows, i, "dfe_number", "councils.csv")
        if number is None:
            raise DataError(
                "missing DfE number", file="councils.csv", row=i + 2, column="dfe_number", value=""
            )
        councils.append(
            Council(
                code=row["code"],
                dfe_number=number,
                name=row["name"],
                short_name=row["short_name"],
                region_code=row["region_code"],
                region_name=row["region_name"],
                first_year=_int_cell(rows, i, "first_year", "councils.csv"),
                last_year=_int_cell(rows, i, "last_year", "councils.csv"),
                predecessors=_split(row["predecessors"]),
                successors=_split(row["successors"]),
                old_codes=_split(row["old_codes"]),
                name_variants=_split(row["name_variants"]),
            )
        )
    sn = tables["statistical_neighbours"].copy()
    sn["_rank"] = sn["rank"].astype(int)
    neighbours = {
        code: group.sort_values("_rank")["neighbour_code"].tolist()
        for code, group in sn.groupby("council_code", sort=False)
    }
    reg = tables["regions"]
    regions = [
        Region(
            code=reg["code"].iloc[i],
            name=reg["name"].iloc[i],
            level=reg["level"].iloc[i],
            parent_code=reg["parent_code"].iloc[i],
            lait_number=_int_cell(reg, i, "lait_number", "regions.csv"),
            name_variants=_split(reg["name_variants"].iloc[i]),
        )
        for i in range(len(reg))
    ]
    return CouncilRegister(councils, neighbours, regions)


# --------------------------------------------------------------------------- building


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
    """``python -m cscanalysis.councils [--raw DIR] [--out DIR] [--check]``."""
    parser = argparse.ArgumentParser(
        prog="python -m cscanalysis.councils",
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
