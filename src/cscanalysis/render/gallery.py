"""A gallery page listing every chart across the packs of a run, for bid authors to browse."""

from __future__ import annotations

import json
from pathlib import Path

from cscanalysis.core.safe_files import atomic_write_text
from cscanalysis.core.safe_files import escape as esc

STYLE = """body{font-family:Arial,Helvetica,sans-serif;color:#0b0c0c;max-width:75rem;margin:0 auto;
padding:1rem}h1{color:#12436d}ul.gallery{list-style:none;padding:0;display:grid;gap:1.5rem;
grid-template-columns:repeat(auto-fill,minmax(18rem,1fr))}li{border-top:3px solid #12436d;
padding-top:.5rem}img{max-width:100%;height:auto}a{color:#1d70b8}p{margin:.25rem 0}"""


def chart_records(period_dir: Path) -> list[dict]:
    """Every chart's JSON metadata under ``period_dir/<council>/charts/``."""
    records = []
    for path in sorted(Path(period_dir).glob("*/charts/*.json")):
        meta = json.loads(path.read_text(encoding="utf-8"))
        meta["folder"] = path.parent.relative_to(period_dir).as_posix()
        records.append(meta)
    return records


def gallery_html(records: list[dict], period: str) -> str:
    items = []
    for r in records:
        files = r.get("files", {})
        links = " · ".join(
            f'<a href="{esc(r["folder"])}/{esc(name)}">{esc(label)}</a>'
            for label, name in files.items()
        )
        png = files.get("PNG", "")
        picture = (
            f'<img loading="lazy" src="{esc(r["folder"])}/{esc(png)}" alt="{esc(r["alt"])}">'
            if png
            else f"<p>{esc(r.get('in_words', r['alt']))}</p>"
        )
        items.append(
            f"<li>{picture}"
            f"<p><strong>{esc(r['title'])}</strong></p><p>{esc(r['council'])}, {esc(r['period'])}"
            f"</p><p>{links}</p></li>"
        )
    return (
        f'<!DOCTYPE html><html lang="en-GB"><head><meta charset="utf-8"><meta name="viewport"'
        f' content="width=device-width, initial-scale=1"><title>Chart gallery, {esc(period)}'
        f"</title><style>{STYLE}</style></head><body><main><h1>Chart gallery, {esc(period)}"
        f"</h1><p>{len(records)} charts. Each links to its PNG, SVG, data (CSV) and caption "
        f'and alt text (JSON).</p><ul class="gallery">{"".join(items)}</ul></main></body>'
        "</html>"
    )


def build_gallery(period_dir: Path) -> Path:
    """Write ``period_dir/gallery.html`` and return its path."""
    period_dir = Path(period_dir)
    target = period_dir / "gallery.html"
    atomic_write_text(target, gallery_html(chart_records(period_dir), period_dir.name))
    return target
