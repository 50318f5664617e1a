"""The council register: every English local authority with children's services, 2010 to 2025.

One place knows each council's ONS code (canonical: the code DfE's latest CLA/CIN files use),
DfE 3-digit number, names as published, region, the reporting years it exists in,
reorganisations (predecessors and successors) and statistical neighbours.

The register is read from the CSVs in ``data/reference`` (:func:`load_register`). Those CSVs are
built from the raw DfE/ONS files by :func:`build_reference` and written by
``python -m cscanalysis.sources.register`` (see ``data/reference/README.md``).
"""

from __future__ import annotations

import difflib
import re
import unicodedata
from collections.abc import Iterable
from dataclasses import dataclass
from functools import lru_cache
from numbers import Integral, Real
from pathlib import Path

import numpy as np
import pandas as pd

from cscanalysis.core.errors import DataError, UnknownCouncilError
from cscanalysis.core.paths import data_dir

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


# Words that say what kind of council it is, not which one (for council_words).
_TYPE_WORDS = frozenset(
    {"council", "county", "city", "borough", "metropolitan", "district", "of", "the", "royal"}
    | {"london", "unitary"}
)


def council_words(name: object) -> tuple[str, ...]:
    """The words naming a council, without council-type words: ``'Devon county Council'`` ->
    ``('devon',)``, ``'Bristol, City of'`` -> ``('bristol',)``, ``'Glouceste rshire'`` ->
    ``('glouceste', 'rshire')`` (a split word stays split: compare with :func:`same_council`)."""
    text = unicodedata.normalize("NFKD", str(name))
    text = "".join(ch for ch in text if not unicodedata.combining(ch)).casefold()
    text = re.sub(r"[’'`]", "", text.replace("&", " and "))
    return tuple(w for w in re.split(r"[^a-z0-9]+", text) if w and w not in _TYPE_WORDS)


def same_council(a: object, b: object) -> bool:
    """True when two names name the same council word for word (``'Bristol City Council'``
    and ``'Bristol'``)."""
    words = council_words(a)
    return bool(words) and words == council_words(b)


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
        number = float(value)
        return int(number) if number.is_integer() else None
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
        :class:`~cscanalysis.core.errors.UnknownCouncilError` with up to 3 close names.
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
    return data_dir() / "reference"


def default_raw_dir() -> Path:
    """``$CSCANALYSIS_DATA_DIR/raw`` if set, else the repository's ``data/raw``."""
    return data_dir() / "raw"


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
                expected="run `python -m cscanalysis.sources.register` to build data/reference",
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
