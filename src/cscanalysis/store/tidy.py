"""The tidy long table: one row per council, period and measure, validated and cached.

``council_code, council_name, period, measure, value, flag, source``. When releases overlap
(every EES release restates five years) the latest release wins, and ``source`` names it.
The table is cached as parquet under ``data/cache`` keyed by a checksum of every raw and
reference file and the package version, so it is rebuilt when any input changes.
"""

from __future__ import annotations

import hashlib
import io
import re
import time
from functools import cache
from pathlib import Path
from typing import TYPE_CHECKING

import numpy as np
import pandas as pd

from cscanalysis import __version__
from cscanalysis.core.councils import load_register
from cscanalysis.core.errors import DataError
from cscanalysis.core.measures import COUNT_MEASURES, MEASURES
from cscanalysis.core.metrics import derived_rates, derived_spending
from cscanalysis.core.paths import cache_dir, data_dir
from cscanalysis.core.safe_files import atomic_write_bytes
from cscanalysis.sources import READERS

if TYPE_CHECKING:
    import pandera.pandas as pa

COLUMNS = ["council_code", "council_name", "period", "measure", "value", "flag", "source"]
SYMBOL_FLAGS = ["", "c", "x", "z", "k", "u", "low", ":", "..", "-"]
PERIOD_PATTERN = r"^\d{4}(-\d{2})?( Q[1-4])?$"
CACHE_FORMAT = 1  # bump when the table's layout or the readers' rules change


@cache
def schema() -> pa.DataFrameSchema:
    """The tidy table's schema (also ``store.SCHEMA``). pandera is imported here, when a table is
    built or a local file read, not when the cached table is loaded: it takes 0.18 s of every
    process's start (a cold pack's CLI and its kernel)."""
    import pandera.pandas as pa

    return pa.DataFrameSchema(
        {
            "council_code": pa.Column(str, pa.Check.str_matches(r"^E\d{8}$")),
            "council_name": pa.Column(str, pa.Check.str_length(min_value=1)),
            "period": pa.Column(str, pa.Check.str_matches(PERIOD_PATTERN)),
            "measure": pa.Column(str, pa.Check.str_matches(r"^[a-z][a-z0-9_]*$")),
            "value": pa.Column(float, nullable=True),
            "flag": pa.Column(str, pa.Check.isin(SYMBOL_FLAGS)),
            "source": pa.Column(str, pa.Check.str_length(min_value=1)),
        },
        checks=[
            pa.Check(
                lambda df: ~(df["value"].notna() & (df["flag"] != "")),
                name="no_value_with_a_flag",
                error="a row with a value must not carry a flag",
            ),
        ],
        unique=["council_code", "period", "measure"],
        strict=True,
        ordered=True,
    )


def __getattr__(name: str) -> object:
    if name == "SCHEMA":
        return schema()
    raise AttributeError(f"module {__name__!r} has no attribute {name!r}")


def read_releases(raw: Path, timings: dict[str, float] | None = None) -> pd.DataFrame:
    """Every release's rows from every reader (before choosing the latest)."""
    parts = []
    for name, reader in READERS.items():
        start = time.perf_counter()
        parts.append(reader(raw))
        if timings is not None:
            timings[f"read {name}"] = time.perf_counter() - start
    return pd.concat(parts, ignore_index=True)


def latest_release(rows: pd.DataFrame) -> pd.DataFrame:
    """Keep, for each council, period and measure, the row from the latest release.

    Two rows from the same release that disagree are an error: the publisher said two things.
    """
    key = ["council_code", "period", "measure"]
    rows = rows.sort_values("release", kind="stable")
    same = rows.duplicated([*key, "release"], keep=False)
    if same.any():
        clash = rows[same].groupby([*key, "release"])
        conflicting = clash.filter(
            lambda g: g["value"].nunique(dropna=False) > 1 or g["flag"].nunique() > 1
        )
        if not conflicting.empty:
            first = conflicting.iloc[0]
            raise DataError(
                "one release gives two different figures for the same council, period and measure",
                file=first["source"],
                column=first["measure"],
                value=f"{first['council_code']} {first['period']}",
                expected="one figure per council, period and measure in a release",
            )
    return rows.drop_duplicates(key, keep="last")


def build_tidy(raw: Path | None = None, timings: dict[str, float] | None = None) -> pd.DataFrame:
    """Read every raw file and return the validated tidy table (no cache)."""
    raw = raw or data_dir() / "raw"
    rows = read_releases(raw, timings)
    start = time.perf_counter()
    rows = latest_release(rows)
    rows = pd.concat([rows, derived_rates(rows), derived_spending(rows)], ignore_index=True)
    register = load_register()
    names = {code: register.name(code) for code in rows["council_code"].unique()}
    tidy = rows.assign(council_name=rows["council_code"].map(names))[COLUMNS]
    tidy = tidy.sort_values(["council_code", "measure", "period"], ignore_index=True)
    tidy = tidy.astype({c: str for c in COLUMNS if c != "value"} | {"value": float})
    if timings is not None:
        timings["choose latest release and derive rates"] = time.perf_counter() - start
    start = time.perf_counter()
    tidy = schema().validate(tidy)
    if timings is not None:
        timings["validate schema"] = time.perf_counter() - start
    return tidy


def inputs_key(data: Path | None = None) -> str:
    """Checksum of every raw and reference file and of the code that reads them.

    The readers, cleaning, register and derivations are part of the key, so a change to how a
    file is read rebuilds the cache just as a change to the file does.
    """
    data = data or data_dir()
    package = Path(__file__).parents[1]
    code = [package / "store" / "tidy.py", *sorted((package / "core").glob("*.py"))]
    code += sorted((package / "sources").glob("*.py"))
    digest = hashlib.sha256(f"{__version__}|{CACHE_FORMAT}".encode())
    files = [(p, p.relative_to(package).as_posix()) for p in code]
    for folder in ("raw", "reference"):
        files += [
            (p, p.relative_to(data).as_posix())
            for p in sorted((data / folder).rglob("*"))
            if p.is_file()
        ]
    for path, name in files:
        digest.update(name.encode())
        digest.update(hashlib.sha256(path.read_bytes()).digest())
    return digest.hexdigest()[:16]


def load_tidy(
    *,
    rebuild: bool = False,
    timings: dict[str, float] | None = None,
    local: str | Path | None = None,
) -> pd.DataFrame:
    """The tidy table, from the parquet cache when no input changed since it was built.

    ``local``: a CSV of the council's own tidy rows to add where nothing is published
    (:func:`add_local`).
    """
    if local:
        return add_local(load_tidy(rebuild=rebuild, timings=timings), read_local(Path(local)))
    start = time.perf_counter()
    key = inputs_key()
    if timings is not None:
        timings["checksum inputs"] = time.perf_counter() - start
    cached = cache_dir() / f"tidy-{key}.parquet"
    if cached.exists() and not rebuild:
        return pd.read_parquet(cached).astype({"value": float})
    tidy = build_tidy(timings=timings)
    start = time.perf_counter()
    write_parquet_atomic(tidy, cached)
    for old in cached.parent.glob("tidy-*.parquet"):
        if old != cached:
            old.unlink(missing_ok=True)
    if timings is not None:
        timings["write parquet cache"] = time.perf_counter() - start
    return tidy


def write_parquet_atomic(frame: pd.DataFrame, path: Path) -> None:
    """Write ``frame`` as parquet to a temporary file beside ``path`` and rename it into place."""
    data = io.BytesIO()
    frame.to_parquet(data, index=False)
    path.parent.mkdir(parents=True, exist_ok=True)
    atomic_write_bytes(path, data.getvalue())


def series(tidy: pd.DataFrame, code: str, measure: str) -> pd.DataFrame:
    """One council's rows for one measure, in period order."""
    rows = tidy[(tidy["council_code"] == code) & (tidy["measure"] == measure)]
    return rows.sort_values("period", kind="stable").reset_index(drop=True)


def reporting_years(tidy: pd.DataFrame, measure: str = "cla_31_march") -> list[int]:
    """Reporting years in which ``measure`` has at least one published council value."""
    rows = tidy[(tidy["measure"] == measure) & tidy["value"].notna()]
    years = rows["period"][rows["period"].str.fullmatch(r"\d{4}")].astype(int)
    return sorted(np.unique(years).tolist())


def read_local(path: Path) -> pd.DataFrame:
    """Tidy rows a council produced itself (``cscanalysis ssda903`` or ``frontdoor`` output).

    The file must have the tidy columns; rows are validated by the same schema as the
    published table, so a bad code, period, measure id or flag is an error naming the column.
    Then each row is checked, with its line in the file: the council code must be in the
    register (as its current code), a value must not be negative, and a count of children
    (:func:`is_count_measure`) must be a whole number. Each row's ``source`` is marked as the
    council's own data (:data:`LOCAL_SOURCE`), so a page never credits it to DfE.
    """
    from cscanalysis.sources.published import LINE, read_csv, require_columns

    label = Path(path).name
    frame = read_csv(Path(path), label=label)
    twice = [c for c in COLUMNS if f"{c}.1" in frame.columns]  # read_csv numbers repeats
    if twice:
        raise DataError(
            "a column appears twice",
            file=label,
            row=1,
            column=twice[0],
            expected="each column once, as `cscanalysis data export` writes them",
        )
    require_columns(frame, COLUMNS, file=label)
    lines = frame[LINE].to_numpy()
    rows = frame[COLUMNS].copy()
    try:
        rows["value"] = pd.to_numeric(rows["value"].replace("", np.nan))
    except ValueError as error:
        raise DataError(
            "a value is not a number",
            file=label,
            column="value",
            expected="a number, or empty with a flag",
        ) from error
    rows = rows.astype({c: str for c in COLUMNS if c != "value"} | {"value": float})
    import pandera.errors

    try:
        rows = schema().validate(rows, lazy=False)
    except pandera.errors.SchemaError as error:
        raise DataError(
            f"does not match the tidy table: {error.args[0].splitlines()[0]}",
            file=label,
            column=getattr(getattr(error, "schema", None), "name", None),
            expected="the columns and values of `cscanalysis data export`",
        ) from None
    _check_local_rows(rows, lines, label)
    return rows.assign(source=[local_source(s) for s in rows["source"]])


LOCAL_SOURCE = "council's own data: "
"""How the ``source`` of a council's own row starts (:func:`read_local`)."""


def local_source(source: str) -> str:
    """``source`` marked as the council's own data (once)."""
    return source if is_local_source(source) else LOCAL_SOURCE + source


def is_local_source(source: str) -> bool:
    """True for the ``source`` of a row from the council's own data (:func:`read_local`)."""
    return str(source).startswith(LOCAL_SOURCE)


def is_count_measure(measure: str) -> bool:
    """True when ``measure`` counts children (so its values are whole numbers)."""
    known = MEASURES.get(measure)
    return (
        (known is not None and known.kind == "count")
        or measure in COUNT_MEASURES
        or re.fullmatch(r"cla_31_march_\w+|cla_starts_age_\w+|cla_starts_reentry_12m", measure)
        is not None
    )


def _check_local_rows(rows: pd.DataFrame, lines, label: str) -> None:
    """One-line errors for a council's own rows: unknown council, negative or part counts."""
    register = load_register()
    for k, row in enumerate(rows.itertuples(index=False)):
        code = row.council_code
        area = register.area(code)
        if area is None or area != code:
            raise DataError(
                "unknown council code" if area is None else f"an old code of {register.name(area)}",
                file=label,
                row=int(lines[k]),
                column="council_code",
                value=code,
                expected="the current ONS code of a council in the register "
                + ("(`cscanalysis councils`)" if area is None else f"({area})"),
            )
        value = row.value
        if np.isfinite(value) and value < 0:
            raise DataError(
                "a negative value",
                file=label,
                row=int(lines[k]),
                column="value",
                value=value,
                expected=f"0 or more for {row.measure}",
            )
        if np.isfinite(value) and is_count_measure(row.measure) and value != round(value):
            raise DataError(
                "a count of children that is not a whole number",
                file=label,
                row=int(lines[k]),
                column="value",
                value=value,
                expected=f"a whole number of children for {row.measure}",
            )
        if not np.isfinite(value) and not np.isnan(value):
            raise DataError(
                "a value that is not finite",
                file=label,
                row=int(lines[k]),
                column="value",
                value=value,
                expected="a number, or empty with a flag",
            )


def add_local(tidy: pd.DataFrame, local: pd.DataFrame) -> pd.DataFrame:
    """The published table plus a council's own figures where DfE has published none.

    A published figure always wins, and so does a published symbol (``c``, ``x``, ``z``,
    ``k``, ``u``, ``low``, ...): local rows only fill council, period and measure combinations
    that are absent or published empty without a symbol, so local data never undoes DfE's
    suppression. Local rows keep their own ``source`` (marked as the council's own data by
    :func:`read_local`), so the pack says where each figure came from.
    """
    key = ["council_code", "period", "measure"]
    published = tidy.set_index(key)
    local = local.set_index(key)
    stated = published["value"].notna() | (published["flag"].astype(str) != "")
    fill = local[~local.index.isin(published.index[stated])]
    merged = pd.concat([published[~published.index.isin(fill.index)], fill])
    return merged.reset_index()[COLUMNS].sort_values(
        ["council_code", "measure", "period"], ignore_index=True
    )
