"""Audit of a built publication pack: can any suppressed figure be worked out from what it shows?

The attacker reads every chart data file (``charts/*.csv``, with its ``.json`` for the chart's
slug and council) and the tables on the page (``index.html``: the headline and rank tables),
collects each figure of the council as ``(measure, period) -> number or "c"`` and then uses:

- the additive relations between the figures shown (:data:`RELATIONS`, e.g. the placement
  groups add up to the children looked after at 31 March, the age bands to the starts), when
  the figures shown are consistent with them, with every ``c`` at least 1 and a part the page
  does not show at all taken as 0 (the strongest reading);
- a rate or percentage shown as a number where its count is ``c`` (the rate times the
  published population gives the count back);
- the same figure shown as ``c`` in one place and as a number in another.

For each period it computes the smallest and largest whole number each ``c`` can be
(:func:`cscanalysis.analysis.disclosure_attack.integer_ranges`, exact integer programming). A
finding is a figure whose range is narrower than ``min_width`` (default 1: worked out exactly).
"""

from __future__ import annotations

import csv
import json
import math
import re
from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from html.parser import HTMLParser
from pathlib import Path

import numpy as np

from cscanalysis.analysis.disclosure import RATE_OF, SUPPRESSED
from cscanalysis.analysis.disclosure_attack import integer_ranges
from cscanalysis.core.errors import CSCAnalysisError
from cscanalysis.core.measures import MEASURES, START_AGE_BANDS

PLACEMENT_GROUPS = (
    "cla_31_march_fostering",
    "cla_31_march_residential",
    "cla_31_march_supported",
    "cla_31_march_other",
    "cla_31_march_placement_unknown",
)
RELATIONS: dict[str, tuple[str, ...]] = {
    "cla_31_march": PLACEMENT_GROUPS,
    "cla_starts": START_AGE_BANDS,
    "cla_starts_age_10_plus": ("cla_starts_age_10_to_15", "cla_starts_age_16_plus"),
    "cla_31_march_fostering": (
        "cla_31_march_fostering_in_house",
        "cla_31_march_fostering_agency",
        "cla_31_march_fostering_other_provider",
    ),
}
"""Total -> its parts, for one council and period (children are counted once in each)."""

COLUMN_MEASURES: dict[str, str] = {
    "Looked after at 31 March": "cla_31_march",
    "Started": "cla_starts",
    "Ceased": "cla_ceased",
    "Fostering": "cla_31_march_fostering",
    "Residential": "cla_31_march_residential",
    "Supported accommodation": "cla_31_march_supported",
    "Other": "cla_31_march_other",
    "Not known": "cla_31_march_placement_unknown",
    **{m.label: m.id for m in MEASURES.values()},
}
"""Chart data column labels (before `` (unit)``) -> measure."""

SLUG_MEASURES: dict[str, str] = {
    "cla-rate": "cla_rate_per_10k",
    "cla-starts-rate": "cla_starts_rate_per_10k",
    "referrals-rate": "referrals_rate_per_10k",
    "rereferrals": "rereferral_pct",
    "s47-rate": "s47_rate_per_10k",
    "cpp-rate": "cpp_rate_per_10k",
}
"""Trend charts (slug) -> the measure of the council's column."""

_SYMBOL_WORDS = {"c", "suppressed"}
_NUMBER = re.compile(r"^-?[\d,]*\.?\d+$")
_UNIT = re.compile(r"^(.*?) \(([^()]*)\)$")

Figures = dict[tuple[str, str], dict[str, float | str]]
"""``(measure, period) -> {where it is shown: number or "c"}``."""


@dataclass(frozen=True)
class Finding:
    """A suppressed figure that can be narrowed to ``low`` .. ``high`` (or read back)."""

    measure: str
    period: str
    low: float
    high: float
    how: str
    where: str

    def __str__(self) -> str:
        where = f"{self.measure} {self.period} (shown as c in {self.where})"
        if math.isnan(self.low) or math.isnan(self.high):  # read back, e.g. from a rate
            return f"{where} can be read back: {self.how}"
        span = f"{self.low:g}" if self.low == self.high else f"{self.low:g} to {self.high:g}"
        return f"{where} is {span}: {self.how}"


# --------------------------------------------------------------------------- reading a pack


def _cell(text: str) -> float | str | None:
    """A shown figure: a number, ``"c"`` for a suppressed one, ``None`` for anything else."""
    text = text.strip()
    if text.lower() in _SYMBOL_WORDS:
        return SUPPRESSED
    if _NUMBER.match(text):
        return float(text.replace(",", ""))
    return None


def _add(figures: Figures, measure: str, period: str, where: str, text: str) -> None:
    value = _cell(text)
    if value is not None:
        figures.setdefault((measure, str(period)), {})[where] = value


def _label(header: str) -> str:
    found = _UNIT.match(header.strip())
    return found.group(1) if found else header.strip()


def _period_rows(
    figures: Figures, rows: list[dict[str, str]], slug: str, council: str, where: str
) -> None:
    """A chart's data (a ``period`` column, then one column per series) into ``figures``."""
    if not rows or "period" not in rows[0]:
        return
    for header in rows[0]:
        if header == "period":
            continue
        label = _label(header)
        if label == council and slug in SLUG_MEASURES:
            measure = SLUG_MEASURES[slug]
        elif label in COLUMN_MEASURES and slug not in SLUG_MEASURES:
            measure = COLUMN_MEASURES[label]
        else:
            continue
        for row in rows:
            _add(figures, measure, row["period"], where, row.get(header) or "")


def chart_figures(folder: Path) -> Figures:
    """The council's figures in every chart data file of a pack's ``charts/`` folder."""
    figures: Figures = {}
    for data in sorted(Path(folder).glob("*.csv")):
        meta_path = data.with_suffix(".json")
        meta = json.loads(meta_path.read_text(encoding="utf-8")) if meta_path.exists() else {}
        with data.open(encoding="utf-8", newline="") as handle:
            rows = list(csv.DictReader(handle))
        _period_rows(figures, rows, meta.get("slug", ""), meta.get("council", ""), data.name)
    return figures


class _Tables(HTMLParser):
    """Every ``<table>`` of a page as its caption and rows of cell texts."""

    def __init__(self) -> None:
        super().__init__(convert_charrefs=True)
        self.tables: list[tuple[str, list[list[str]]]] = []
        self.slugs: list[str] = []  # the chart (figure id) each table is in, or ""
        self._figure = ""
        self._text: list[str] | None = None
        self._caption: list[str] | None = None

    def handle_starttag(self, tag: str, attrs) -> None:
        if tag == "figure":
            self._figure = (dict(attrs).get("id") or "").removeprefix("figure-")
        elif tag == "table":
            self.tables.append(("", []))
            self.slugs.append(self._figure)
        elif tag == "caption" and self.tables:
            self._caption = []
        elif tag == "tr" and self.tables:
            self.tables[-1][1].append([])
        elif tag in ("td", "th") and self.tables:
            self._text = []

    def handle_endtag(self, tag: str) -> None:
        if tag == "figure":
            self._figure = ""
        elif tag == "caption" and self._caption is not None:
            _, rows = self.tables[-1]
            self.tables[-1] = ("".join(self._caption).strip(), rows)
            self._caption = None
        elif tag in ("td", "th") and self._text is not None:
            if self.tables and self.tables[-1][1]:
                self.tables[-1][1][-1].append("".join(self._text).strip())
            self._text = None

    def handle_data(self, data: str) -> None:
        if self._caption is not None:
            self._caption.append(data)
        if self._text is not None:
            self._text.append(data)


def page_figures(page: Path, council: str) -> Figures:
    """The council's figures in the page's tables: the headline and rank tables (``council``:
    its column) and each chart's data table (as in its CSV, which a pack built without chart
    files does not have)."""
    parser = _Tables()
    parser.feed(Path(page).read_text(encoding="utf-8"))
    figures: Figures = {}
    for slug, (caption, rows) in zip(parser.slugs, parser.tables, strict=True):
        if slug and rows and rows[0] and rows[0][0] == "period":
            records = [dict(zip(rows[0], cells, strict=False)) for cells in rows[1:]]
            _period_rows(figures, records, slug, council, f"the page's table '{caption}'")
    labels = {
        f"{m.label} ({m.unit})" if m.unit != "children" else m.label: m.id
        for m in MEASURES.values()
    }
    for slug, (caption, rows) in zip(parser.slugs, parser.tables, strict=True):
        if slug or not rows or "Measure" not in rows[0] or council not in rows[0]:
            continue
        header = rows[0]
        for cells in rows[1:]:
            record = dict(zip(header, cells, strict=False))
            measure = labels.get(record.get("Measure", ""))
            if measure is None:
                continue
            period = record.get("Period", "")
            period = f"{period[-4:]}-09" if period.startswith("30 Sep") else period
            if not period:  # the rank table: the pack's own year, named in its caption
                period = caption[-4:]
            where = f"the page table '{caption}'"
            _add(figures, measure, period, where, record.get(council, ""))
            if "Previous year" in record and period[:4].isdigit():
                previous = f"{int(period[:4]) - 1}{period[4:]}"
                _add(figures, measure, previous, where, record["Previous year"])
    return figures


def pack_figures(pack: Path, council: str | None = None) -> Figures:
    """Every figure of the council a built pack shows (its folder: ``index.html``, ``charts/``).

    ``council``: the council's name as the page's columns give it (default: from the chart
    files, else the column after ``Period`` in the headline table).
    """
    pack = Path(pack)
    figures = chart_figures(pack / "charts")
    councils = [
        json.loads(p.read_text(encoding="utf-8")).get("council", "")
        for p in sorted((pack / "charts").glob("*.json"))
    ]
    council = council or next((c for c in councils if c), "")
    if not council and (pack / "index.html").exists():
        council = _headline_council(pack / "index.html")
    if (pack / "index.html").exists() and council:
        for key, shown in page_figures(pack / "index.html", council).items():
            figures.setdefault(key, {}).update(shown)
    return figures


def _headline_council(page: Path) -> str:
    """The council's column of the headline table (the one after ``Period``)."""
    parser = _Tables()
    parser.feed(Path(page).read_text(encoding="utf-8"))
    for slug, (_, rows) in zip(parser.slugs, parser.tables, strict=True):
        header = rows[0] if rows else []
        if not slug and header[:2] == ["Measure", "Period"] and len(header) > 2:
            return header[2]
    return ""


# --------------------------------------------------------------------------- the attacker


def audit_figures(
    figures: Figures,
    *,
    relations: Mapping[str, Iterable[str]] = RELATIONS,
    rate_of: Mapping[str, str] = RATE_OF,
    min_width: int = 1,
) -> list[Finding]:
    """Suppressed figures that can be narrowed to fewer than ``min_width + 1`` whole numbers."""
    findings: list[Finding] = []
    shown: dict[tuple[str, str], float | str] = {}
    where_c: dict[tuple[str, str], str] = {}
    for key, places in figures.items():
        numbers = {w: v for w, v in places.items() if v != SUPPRESSED}
        hidden = [w for w, v in places.items() if v == SUPPRESSED]
        if hidden:
            where_c[key] = hidden[0]
        if hidden and numbers:
            where, value = next(iter(numbers.items()))
            findings.append(
                Finding(
                    *key, float(value), float(value), f"shown as {value:g} in {where}", hidden[0]
                )
            )
        shown[key] = next(iter(numbers.values())) if numbers else SUPPRESSED
    for rate, count in rate_of.items():
        for (measure, period), value in shown.items():
            if measure == rate and value != SUPPRESSED and shown.get((count, period)) == SUPPRESSED:
                findings.append(
                    Finding(
                        count,
                        period,
                        np.nan,
                        np.nan,
                        f"its {rate} is shown ({value:g}); times the population it gives the "
                        "count back",
                        where_c[(count, period)],
                    )
                )
    periods = sorted({period for _, period in shown})
    for period in periods:
        findings += _relations_in(period, shown, where_c, relations, min_width)
    return findings


def _relations_in(
    period: str,
    shown: Mapping[tuple[str, str], float | str],
    where_c: Mapping[tuple[str, str], str],
    relations: Mapping[str, Iterable[str]],
    min_width: int,
) -> list[Finding]:
    """Findings from the additive relations of one period (each used when consistent)."""
    known: dict[str, float] = {}
    unknown: dict[str, tuple[float, float]] = {}
    equations: list[dict[str, float]] = []
    for total, parts in relations.items():
        parts = list(parts)
        if (total, period) not in shown or not any((p, period) in shown for p in parts):
            continue
        equation = {total: -1.0} | {p: 1.0 for p in parts if (p, period) in shown}
        trial_known, trial_unknown = dict(known), dict(unknown)
        for measure in equation:
            value = shown[(measure, period)]
            if value == SUPPRESSED:
                trial_unknown[measure] = (1.0, np.inf)
            else:
                trial_known[measure] = float(value)
        if integer_ranges(trial_known, trial_unknown, [*equations, equation]) is None:
            continue  # what is shown does not add up: the relation does not hold here
        known, unknown = trial_known, trial_unknown
        equations.append(equation)
    if not unknown:
        return []
    ranges = integer_ranges(known, unknown, equations) or {}
    return [
        Finding(
            measure, period, lo, hi, "from the totals and parts shown", where_c[(measure, period)]
        )
        for measure, (lo, hi) in sorted(ranges.items())
        if hi - lo < min_width
    ]


def audit_pack(pack: Path, *, min_width: int = 1) -> list[Finding]:
    """:func:`audit_figures` of everything a built pack (its folder) shows."""
    return audit_figures(pack_figures(Path(pack)), min_width=min_width)


class DisclosureError(CSCAnalysisError):
    """A publication pack would let a suppressed figure be worked out."""


def check_pack(pack: Path, *, name: str | Path | None = None) -> None:
    """Raise :class:`DisclosureError` naming the first figure a built pack gives away
    (``name``: how the pack is named in the message, default its folder)."""
    findings = audit_pack(pack)
    if findings:
        more = f" (and {len(findings) - 1} more)" if len(findings) > 1 else ""
        raise DisclosureError(
            f"the pack for {name or pack} is not published: it would disclose a suppressed "
            f"figure, {findings[0]}{more}"
        )
