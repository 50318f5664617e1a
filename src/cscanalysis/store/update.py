"""``cscanalysis data update``: fetch the newest release files from the publisher's API.

The publisher is DfE's Explore Education Statistics (EES) public API
(https://api.education.gov.uk/statistics/v1, or ``$CSCANALYSIS_EES_API`` / ``--api``):
``GET {api}/data-sets/{id}`` gives a data set's latest version (``latestVersion.version``,
``.published``, ``.timePeriods``) and ``GET {api}/data-sets/{id}/csv`` its whole CSV (gzip when
asked). :data:`REGISTRY` says which raw file each data set updates.

Nothing in ``data/raw`` changes until every download is complete and the whole tidy table has
been built from the new files (in a temporary tree beside the old ones): then each file is
written to a temporary file in its own folder and renamed into place, all or none, and the data
log gets a row per file. A failure at any step leaves ``data/raw`` as it was.
"""

from __future__ import annotations

import contextlib
import csv
import gzip
import hashlib
import http.client
import io
import json
import os
import re
import shutil
import socket
import tempfile
import urllib.error
import urllib.parse
import urllib.request
from dataclasses import dataclass, field
from datetime import date
from pathlib import Path

import pandas as pd

from cscanalysis import __version__
from cscanalysis.core.clean import decode_text
from cscanalysis.core.errors import CSCAnalysisError, DataError, ParameterError
from cscanalysis.core.safe_files import umask
from cscanalysis.store.datalog import (
    DATA_LOG,
    LICENCE,
    MANIFEST,
    LogEntry,
    log_with,
    manifest_with,
)
from cscanalysis.store.update_changes import Changes, compare, figure

DEFAULT_API = "https://api.education.gov.uk/statistics/v1"
API_VARIABLE = "CSCANALYSIS_EES_API"
DATASETS_VARIABLE = "CSCANALYSIS_EES_DATASETS"  # "file=id,file=id": ids for the registry
TIMEOUT = 60  # seconds without a byte from the server before giving up
NOTHING_CHANGED = "nothing was changed"


class UpdateError(CSCAnalysisError):
    """The update could not be completed; ``data/raw`` was left as it was."""


@dataclass(frozen=True)
class Dataset:
    """A raw file the publisher's API can refresh.

    ``path`` is the file under ``data/raw``; ``{year}`` in it is the latest reporting year in
    the downloaded file (a new release lands in a new folder, which the reader discovers).
    ``dataset_id`` is the EES API data set id, or ``""`` when it is not known (then the file is
    skipped and the report says so).
    """

    path: str
    dataset_id: str
    publication: str
    note: str = ""


CLA = "DfE, Children looked after in England including adoptions"
CIN = "DfE, Children in need"
# Ids as listed on the EES data catalogue (explore-education-statistics.service.gov.uk/
# data-catalogue); "" where the data set has no API id that we could confirm. Set the missing
# ones with ``--dataset FILE=ID`` or $CSCANALYSIS_EES_DATASETS once DfE publishes them.
# (The catalogue also lists 019a9c62-aca8-772e-b92b-8678622ec297, the national CLA time series
# 1994 to 2025; no reader uses that file, so it is not here.)
REGISTRY: tuple[Dataset, ...] = (
    Dataset(
        "cla/ees_ry{year}/cla_number_and_rate_per_10k_children.csv",
        "",
        CLA,
        "API id not known: the catalogue page of 'CLA numbers and rates per 10,000 children "
        "aged under 18 years - by local authority' lists none",
    ),
    Dataset("cin/b1_children_in_need_2013_to_2025.csv", "", CIN, "API id not known"),
    Dataset(
        "cin/c1_children_in_need_referrals_and_rereferrals_2013_to_2025.csv",
        "342f9a01-26f0-2a71-91a1-f8bc0bee8b11",
        CIN,
        "'C1 Referrals and re-referrals to children's social care services by local "
        "authority', reporting year 2025",
    ),
    Dataset(
        "cin/c4_children_in_need_section_47s_and_icpcs_2013_to_2025.csv",
        "",
        CIN,
        "API id not known",
    ),
    Dataset("cin/d3_cpps_subsequent_plan_2013_to_2025.csv", "", CIN, "API id not known"),
    Dataset("cin/d5_cpps_at31march_by_duration_2013_to_2025.csv", "", CIN, "API id not known"),
)


def registry(overrides: dict[str, str] | None = None) -> list[Dataset]:
    """:data:`REGISTRY` with ids from ``$CSCANALYSIS_EES_DATASETS`` and then ``overrides``."""
    ids = parse_ids(os.environ.get(DATASETS_VARIABLE, ""), origin=DATASETS_VARIABLE)
    ids |= overrides or {}
    known = {d.path for d in REGISTRY}
    for path in ids:
        if path not in known:
            raise ParameterError(
                f"no updatable raw file {path!r}; expected one of: " + ", ".join(sorted(known))
            )
    return [
        Dataset(d.path, ids[d.path], d.publication, "id given") if d.path in ids else d
        for d in REGISTRY
    ]


def parse_ids(text: str, *, origin: str) -> dict[str, str]:
    """``{file: id}`` from ``"file=id,file=id"`` (also one ``file=id`` per ``--dataset``)."""
    ids = {}
    for item in filter(None, (part.strip() for part in text.split(","))):
        path, sep, dataset_id = item.partition("=")
        if not sep or not path.strip() or not re.fullmatch(r"[0-9A-Za-z-]+", dataset_id.strip()):
            raise ParameterError(
                f"{origin}: {item!r} is not FILE=ID (a raw file and an EES data set id)"
            )
        ids[path.strip()] = dataset_id.strip()
    return ids


def api_base(option: str | None = None) -> str:
    """The API's base address: ``--api``, else ``$CSCANALYSIS_EES_API``, else DfE's."""
    base = (option or os.environ.get(API_VARIABLE) or DEFAULT_API).rstrip("/")
    if urllib.parse.urlsplit(base).scheme not in {"http", "https"}:
        raise ParameterError(f"API address {base!r} is not an http(s) address")
    return base


# --------------------------------------------------------------------------- HTTP


def fetch(url: str, *, timeout: float = TIMEOUT) -> bytes:
    """The whole body of ``url``, or an :class:`UpdateError` naming what went wrong.

    A body shorter than its ``Content-Length`` (the connection dropped) is an error, as is any
    HTTP status other than 200. A gzip body is decompressed.
    """
    request = urllib.request.Request(
        url,
        headers={"Accept-Encoding": "gzip", "User-Agent": f"cscanalysis/{__version__}"},
    )
    try:
        with urllib.request.urlopen(request, timeout=timeout) as response:
            expected = response.headers.get("Content-Length")
            body = _read_all(response)
            encoding = (response.headers.get("Content-Encoding") or "").lower()
    except urllib.error.HTTPError as error:
        raise UpdateError(
            f"the publisher answered {error.code} {error.reason} for {url}; {NOTHING_CHANGED}"
        ) from None
    except urllib.error.URLError as error:
        reason = getattr(error, "reason", error)
        raise UpdateError(
            f"cannot reach the publisher at {url} ({_describe(reason)}): no network? "
            f"{NOTHING_CHANGED}"
        ) from None
    except (http.client.HTTPException, OSError) as error:  # dropped, reset, timed out
        raise UpdateError(
            f"the download of {url} broke off ({_describe(error)}); {NOTHING_CHANGED}"
        ) from None
    if expected is not None and expected.isdigit() and len(body) != int(expected):
        raise UpdateError(
            f"the download of {url} broke off after {len(body):,} of {int(expected):,} bytes; "
            f"{NOTHING_CHANGED}"
        )
    if encoding == "gzip" or body[:2] == b"\x1f\x8b":
        try:
            body = gzip.decompress(body)
        except (OSError, EOFError) as error:
            raise UpdateError(
                f"the download of {url} is not a whole gzip file ({_describe(error)}); "
                f"{NOTHING_CHANGED}"
            ) from None
    return body


def _read_all(response: http.client.HTTPResponse) -> bytes:
    chunks = []
    while chunk := response.read(1 << 16):
        chunks.append(chunk)
    return b"".join(chunks)


def _describe(error: object) -> str:
    if isinstance(error, ConnectionRefusedError):
        return "connection refused"
    if isinstance(error, socket.timeout | TimeoutError):
        return "timed out"
    if isinstance(error, socket.gaierror):
        return "unknown host"
    if isinstance(error, http.client.IncompleteRead):
        return f"incomplete: {len(error.partial):,} bytes received"
    text = str(error).strip() or type(error).__name__
    return text.splitlines()[0]


@dataclass(frozen=True)
class Version:
    """The latest version of an EES data set, from ``GET /data-sets/{id}``."""

    dataset_id: str
    title: str
    version: str
    published: str  # YYYY-MM-DD
    periods: str  # e.g. "2013 to 2026"


def latest_version(api: str, dataset_id: str) -> Version:
    """The data set's latest version, or an :class:`UpdateError` if the answer is not one."""
    url = f"{api}/data-sets/{urllib.parse.quote(dataset_id)}"
    try:
        record = json.loads(fetch(url).decode("utf-8"))
        latest = record["latestVersion"]
        published = str(latest["published"])[:10]
        date.fromisoformat(published)
        periods = latest.get("timePeriods") or {}
        return Version(
            dataset_id,
            str(record.get("title", "")),
            str(latest["version"]),
            published,
            f"{periods.get('start', '?')} to {periods.get('end', '?')}",
        )
    except (ValueError, KeyError, TypeError, AttributeError) as error:
        raise UpdateError(
            f"the publisher's answer for {url} is not a data set summary with "
            f"latestVersion.version and .published ({_describe(error)}); {NOTHING_CHANGED}"
        ) from None


# --------------------------------------------------------------------------- plan


@dataclass
class Download:
    """One downloaded file and where it goes."""

    dataset: Dataset
    version: Version
    data: bytes
    path: str  # under data/raw
    latest_period: str
    status: str = ""  # "new file", "revised file" or "unchanged"

    @property
    def sha256(self) -> str:
        return hashlib.sha256(self.data).hexdigest()

    def entry(self, copied: str) -> LogEntry:
        v = self.version
        return LogEntry(
            file=self.path,
            bytes=len(self.data),
            sha256=self.sha256,
            publication=f"{self.dataset.publication}: {v.title} ({v.periods})",
            source=f"EES API data set {v.dataset_id} version {v.version}, released {v.published}",
            licence=LICENCE,
            copied=copied,
        )


def latest_period(data: bytes, *, label: str) -> str:
    """The latest ``time_period`` in a downloaded EES CSV (a reporting year such as 2026)."""
    text, _ = decode_text(data, file=label)
    reader = csv.reader(io.StringIO(text, newline=""))
    header = [name.strip() for name in next(reader, [])]
    if "time_period" not in header:
        raise DataError(
            "the downloaded file has no time_period column",
            file=label,
            row=1,
            expected="an EES data file (time_period, time_identifier, geographic_level, ...)",
        )
    column = header.index("time_period")
    periods = {r[column].strip() for r in reader if len(r) > column and r[column].strip()}
    years = sorted(p for p in periods if re.fullmatch(r"(19|20)\d\d", p))
    if not years:
        raise DataError(
            "the downloaded file has no reporting year",
            file=label,
            column="time_period",
            expected="four-digit years such as 2026",
        )
    return years[-1]


def download(api: str, dataset: Dataset, raw: Path) -> Download:
    """Fetch a data set's latest CSV and decide where it goes and whether it is news."""
    version = latest_version(api, dataset.dataset_id)
    query = urllib.parse.urlencode({"dataSetVersion": version.version})
    data = fetch(f"{api}/data-sets/{urllib.parse.quote(dataset.dataset_id)}/csv?{query}")
    label = f"{dataset.path} (EES data set {dataset.dataset_id})"
    try:
        year = latest_period(data, label=label)
    except DataError as error:
        raise UpdateError(f"{error}; {NOTHING_CHANGED}") from None
    path = dataset.path.format(year=year)
    item = Download(dataset, version, data, path, year)
    target = raw / path
    if not target.exists():
        item.status = "new file"
    elif hashlib.sha256(target.read_bytes()).hexdigest() == item.sha256:
        item.status = "unchanged"
    else:
        item.status = "revised file"
    return item


def overlay(raw: Path, downloads: list[Download], into: Path) -> Path:
    """A copy of ``raw`` in ``into`` (links to the old files) with the downloads in place."""
    tree = into / "raw"
    replaced = {d.path for d in downloads}
    for path in raw.rglob("*"):
        relative = path.relative_to(raw).as_posix()
        if path.is_file() and relative not in replaced:
            (tree / relative).parent.mkdir(parents=True, exist_ok=True)
            os.symlink(path.resolve(), tree / relative)
    for item in downloads:
        (tree / item.path).parent.mkdir(parents=True, exist_ok=True)
        (tree / item.path).write_bytes(item.data)
    return tree


# --------------------------------------------------------------------------- what changed


# --------------------------------------------------------------------------- report


@dataclass
class UpdateReport:
    api: str
    downloads: list[Download] = field(default_factory=list)
    skipped: list[Dataset] = field(default_factory=list)
    changes: Changes | None = None
    dry_run: bool = False
    written: list[str] = field(default_factory=list)
    cache_error: str = ""

    def lines(self, limit: int = 20) -> list[str]:
        """The report as text lines (``limit`` revised figures listed, then a count)."""
        out = [f"Publisher: {self.api}" + (" (dry run: nothing written)" if self.dry_run else "")]
        for d in self.downloads:
            v = d.version
            out.append(
                f"  {d.path}: {d.status} (data set {v.dataset_id} version {v.version}, "
                f"released {v.published}, {v.periods})"
            )
        for dataset in self.skipped:
            out.append(f"  {dataset.path}: skipped, no EES data set id ({dataset.note})")
        changes = self.changes
        if changes is None:
            out.append("No file changed: the tidy table is as it was.")
            return out
        if not changes.new_periods.empty:
            for row in changes.new_periods.itertuples():
                out.append(
                    f"New year {row.period}: {row.measures} measures for {row.councils} areas"
                )
        else:
            out.append("New years: none")
        published = changes.revised[~changes.revised["computed"]]
        computed = len(changes.revised) - len(published)
        out.append(
            f"Revised figures: {len(published):,} published"
            + (f" (and {computed:,} computed rate{'s' * (computed != 1)})" if computed else "")
        )
        for row in published.head(limit).itertuples():
            out.append(
                f"  {row.council_name} ({row.council_code}), {row.period}, {row.measure}: "
                f"{figure(row.value_old, row.flag_old)} -> {figure(row.value_new, row.flag_new)}"
            )
        if len(published) > limit:
            out.append(f"  ... and {len(published) - limit:,} more (--changes FILE lists all)")
        if changes.new_councils.empty:
            out.append("New councils: none")
        for row in changes.new_councils.itertuples():
            out.append(f"New council: {row.council_name} ({row.council_code})")
        if changes.removed:
            out.append(f"Figures no longer published: {changes.removed:,}")
        before, after = changes.rows
        rebuilt = " (would be rebuilt)" if self.dry_run else " (rebuilt)"
        out.append(f"Tidy table: {before:,} -> {after:,} rows{rebuilt}")
        if self.written:
            out.append(f"Written: {', '.join(self.written)}; logged in {MANIFEST} and {DATA_LOG}")
        if self.cache_error:
            out.append(
                f"The table's cache could not be written ({self.cache_error}): it is "
                "rebuilt when next used"
            )
        return out


# --------------------------------------------------------------------------- commit


def commit(raw: Path, files: dict[str, bytes]) -> None:
    """Write ``files`` (path under ``raw`` -> bytes) all or none.

    Each file is first written to a temporary file in its own folder (new folders are made
    with the umask's permissions); only when all are written are they renamed into place. If
    a rename fails, the files already renamed are put back from hard-link backups.
    """
    mode = 0o666 & ~umask()
    temps: dict[Path, Path] = {}
    made: list[Path] = []
    try:
        for relative, data in files.items():
            target = raw / relative
            for folder in reversed([target.parent, *target.parent.parents]):
                if folder.is_relative_to(raw) and not folder.exists():
                    folder.mkdir()
                    made.append(folder)
            handle, name = tempfile.mkstemp(
                dir=target.parent, prefix=f".{target.name}.", suffix=".tmp"
            )
            temps[target] = Path(name)
            with os.fdopen(handle, "wb") as out:
                out.write(data)
                out.flush()
                os.fsync(out.fileno())
            keep = target.stat().st_mode & 0o7777 if target.exists() else mode
            os.chmod(name, keep)
    except OSError as error:
        _discard(temps.values(), made)
        raise UpdateError(
            f"cannot write into {raw} ({_describe(error)}); {NOTHING_CHANGED}"
        ) from None
    backups: dict[Path, Path] = {}
    done: list[Path] = []
    try:
        for target in temps:
            if target.exists():
                backup = target.with_name(f".{target.name}.{os.getpid()}.old")
                try:
                    os.link(target, backup)
                except OSError:  # no hard links here: a copy will do
                    shutil.copy2(target, backup)
                backups[target] = backup
        for target, temp in temps.items():
            os.replace(temp, target)
            done.append(target)
    except OSError as error:
        for target in done:
            if target in backups:
                os.replace(backups.pop(target), target)
            else:
                target.unlink(missing_ok=True)
        _discard([*temps.values(), *backups.values()], made)
        raise UpdateError(
            f"cannot rename into {raw} ({_describe(error)}); {NOTHING_CHANGED}"
        ) from None
    for backup in backups.values():
        backup.unlink(missing_ok=True)


def _discard(paths, folders: list[Path]) -> None:
    for path in paths:
        with contextlib.suppress(OSError):
            Path(path).unlink()
    for folder in reversed(folders):
        with contextlib.suppress(OSError):
            folder.rmdir()


# --------------------------------------------------------------------------- the command


def _is_project_raw(raw: Path) -> bool:
    """True when ``raw`` is the project's own ``data/raw`` (the one the table cache is for)."""
    from cscanalysis.core.paths import raw_dir

    return raw.resolve() == raw_dir().resolve()


def current_tidy(raw: Path) -> pd.DataFrame:
    """The tidy table of the files in ``raw`` as they are (the project's from its cache if it is
    there); nothing is written."""
    from cscanalysis.core.paths import cache_dir
    from cscanalysis.store.tidy import build_tidy, inputs_key

    if _is_project_raw(raw):
        cached = cache_dir() / f"tidy-{inputs_key()}.parquet"
        if cached.exists():
            return pd.read_parquet(cached).astype({"value": float})
    return build_tidy(raw)


def update(
    *,
    api: str,
    raw: Path,
    datasets: list[Dataset],
    dry_run: bool = False,
    today: str | None = None,
) -> UpdateReport:
    """Fetch every data set with an id, rebuild the table from them, and (unless ``dry_run``)
    write the new files and log them. Returns the report; raises :class:`UpdateError` (nothing
    changed) on any failure."""
    from cscanalysis.store.tidy import build_tidy, load_tidy

    report = UpdateReport(api=api, dry_run=dry_run)
    wanted = [d for d in datasets if d.dataset_id]
    report.skipped = [d for d in datasets if not d.dataset_id]
    report.downloads = [download(api, d, raw) for d in wanted]
    changed = [d for d in report.downloads if d.status != "unchanged"]
    paths = [d.path for d in changed]
    if len(set(paths)) != len(paths):
        raise UpdateError(f"two data sets would write the same file; {NOTHING_CHANGED}")
    if not changed:
        return report
    old = current_tidy(raw)
    with tempfile.TemporaryDirectory(prefix="cscanalysis-update-") as work:
        tree = overlay(raw, changed, Path(work))
        try:
            new = build_tidy(tree)
        except DataError as error:
            raise UpdateError(
                f"the new files do not read as the existing readers expect: {error}; "
                f"{NOTHING_CHANGED}"
            ) from None
    report.changes = compare(old, new)
    if dry_run:
        return report
    copied = today or date.today().isoformat()
    entries = [d.entry(copied) for d in changed]
    heading = f"Update of {copied} from the EES API (`cscanalysis data update`)"
    note = (
        f"Fetched from {api}. Each file is the data set's CSV as downloaded; the release "
        "(data set version and date) is in the source column."
    )
    files = {d.path: d.data for d in changed}
    files[MANIFEST] = manifest_with(raw, entries).encode("utf-8")
    files[DATA_LOG] = log_with(raw, entries, heading, note).encode("utf-8")
    commit(raw, files)
    report.written = paths
    try:
        if _is_project_raw(raw):  # another folder has no cache to refresh
            load_tidy(rebuild=True)
    except OSError as error:  # the files are in and logged; only the cache could not be written
        report.cache_error = _describe(error)
    return report
