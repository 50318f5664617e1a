"""Chart files for bid authors: ``NN-slug.png`` (300 dpi, A4 full width), ``NN-slug.svg``,
``NN-slug.csv`` (exactly the data plotted, symbols kept, formula-safe) and ``NN-slug.json``
(title, subtitle, alt text, caption, source, period, council).

The pack embeds the same SVG bytes it writes here, so the page and the download cannot differ.
A half-page-width PNG (``NN-slug-half.png``, re-laid out at 3.1 inches) is written when asked
for (``cscanalysis charts``), not in every pack, because it means drawing the chart again.
"""

from __future__ import annotations

import json
from pathlib import Path

from cscanalysis.core.safe_files import atomic_write_bytes, atomic_write_text, write_csv
from cscanalysis.render.chart import Chart, save


def chart_stem(number: int, chart: Chart) -> str:
    return f"{number:02d}-{chart.slug}"


def chart_metadata(
    chart: Chart, *, number: int, council: str, council_code: str, period: str
) -> dict[str, object]:
    return {
        "number": number,
        "slug": chart.slug,
        "title": chart.title,
        "subtitle": chart.subtitle,
        "alt": chart.alt,
        "caption": chart.caption,
        "source": chart.source,
        "period": period,
        "council": council,
        "council_code": council_code,
        "columns": list(map(str, chart.data.columns)),
    }


def write_chart_files(
    chart: Chart,
    folder: Path,
    *,
    number: int,
    council: str,
    council_code: str,
    period: str,
    half_width: bool = False,
    background: bool = False,
) -> dict[str, str]:
    """Write the chart's files into ``folder``; return ``{label: relative path}`` for links.

    ``background``: the PNG is compressed and written by a background thread while the caller
    goes on (:meth:`~cscanalysis.render.chart.Chart.write_png`); it is written once the chart
    is closed (:func:`~cscanalysis.render.chart.close_charts`), which raises its error.
    """
    folder = Path(folder)
    folder.mkdir(parents=True, exist_ok=True)
    stem = chart_stem(number, chart)
    drawn = not chart.meta.get("in_words")  # a series too small to chart is said in words
    files = {
        **({"PNG": f"{stem}.png", "SVG": f"{stem}.svg"} if drawn else {}),
        "data (CSV)": f"{stem}.csv",
        "caption and alt text (JSON)": f"{stem}.json",
    }
    if drawn:
        if background:
            chart.write_png(folder / files["PNG"], 300)
        else:
            atomic_write_bytes(folder / files["PNG"], chart.png(300))
        atomic_write_bytes(folder / files["SVG"], chart.svg())
    write_csv(chart.data, folder / files["data (CSV)"])
    meta = chart_metadata(
        chart, number=number, council=council, council_code=council_code, period=period
    )
    if not drawn:
        meta["in_words"] = chart.meta["in_words"]
    if half_width and drawn:
        files["PNG, half page width"] = f"{stem}-half.png"
        half = chart.narrow(lambda figure: save(figure, "png", dpi=300))
        atomic_write_bytes(folder / files["PNG, half page width"], half)
    meta["files"] = dict(files)
    atomic_write_text(
        folder / files["caption and alt text (JSON)"],
        json.dumps(meta, indent=2, ensure_ascii=False),
    )
    return {label: f"{folder.name}/{name}" for label, name in files.items()}


def figure_html(
    chart: Chart,
    number: int,
    *,
    folder: Path | None,
    council: str,
    council_code: str,
    period: str,
    background: bool = False,
) -> str:
    """The chart's HTML for a pack; with ``folder``, its files are written and linked too (the
    PNG by a background thread with ``background``: see :func:`write_chart_files`)."""
    from cscanalysis.render.html import figure

    links = None
    if folder is not None:
        links = write_chart_files(
            chart,
            folder,
            number=number,
            council=council,
            council_code=council_code,
            period=period,
            background=background,
        )
    return figure(chart, number=number, links=links)
