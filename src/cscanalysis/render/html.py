"""HTML fragments for evidence packs. Every piece of text is escaped here, once, so a council
name or note holding ``<script>`` shows as text and the page carries no script from the data.
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Mapping

import pandas as pd

from cscanalysis.core.safe_files import escape as esc
from cscanalysis.render.chart import Chart

TEXT = ' class="text"'
NUMBER = re.compile(r"^[-+]?£?[-+]?[\d,.]+(%|m|k)?$|^$")


def table(frame: pd.DataFrame, *, caption: str | None = None, index_header: bool = True) -> str:
    """An accessible table: caption, column headers with scope, first column as row header.

    Columns holding words (not figures) are marked ``class="text"``: left-aligned and wrapped,
    so a long list reads within the page instead of running off it. A table with such a column
    is ``class="data stack"``: on a phone each row is shown as a card, every cell under its
    column's name (``data-label``), rather than a table wider than the screen.
    """
    rows = []
    for row in frame.itertuples(index=False):
        cells = []
        for value in row:
            text = "" if (isinstance(value, float) and pd.isna(value)) else value
            if isinstance(text, float):
                text = f"{text:,.10g}"
            cells.append(str(text))
        rows.append(cells)
    wordy = [
        any(len(r[i]) > 24 and not NUMBER.match(r[i]) for r in rows)
        for i in range(len(frame.columns))
    ]
    head = "".join(
        f'<th scope="col"{TEXT if wordy[i] else ""}>{esc(c)}</th>'
        for i, c in enumerate(frame.columns)
    )
    stack = any(wordy)
    names = [esc(c) for c in frame.columns]
    body = []
    for cells in rows:
        body.append(
            "<tr>"
            + "".join(
                f'<th scope="row"{TEXT if wordy[i] else ""}>{esc(text)}</th>'
                if i == 0 and index_header
                else f"<td{TEXT if wordy[i] else ''}"
                + (f' data-label="{names[i]}"' if stack else "")
                + f">{esc(text)}</td>"
                for i, text in enumerate(cells)
            )
            + "</tr>"
        )
    cap = f"<caption>{esc(caption)}</caption>" if caption else ""
    css = "data stack" if stack else "data"
    return (
        f'<div class="table-wrap"><table class="{css}">{cap}<thead><tr>{head}</tr></thead>'
        f"<tbody>{''.join(body)}</tbody></table></div>"
    )


def figure(
    chart: Chart, *, number: int | None = None, links: Mapping[str, str] | None = None
) -> str:
    """A chart with its active title, alt text, caption, source and data table."""
    label = f"Figure {number}: " if number else ""
    downloads = ""
    if links:
        downloads = (
            '<p class="downloads">Download: '
            + " · ".join(f'<a href="{esc(href)}">{esc(name)}</a>' for name, href in links.items())
            + "</p>"
        )
    return (
        f'<figure class="chart" id="figure-{esc(chart.slug)}">'
        f'<h3 class="chart-title">{esc(label + chart.title)}</h3>'
        + (
            f'<p class="in-words">{esc(chart.meta["in_words"])}</p>'
            if chart.meta.get("in_words")
            else "<picture>"
            f'<source media="(max-width: 40rem)" '
            f'srcset="data:image/svg+xml;base64,{chart.svg_base64(narrow=True)}">'
            f'<img src="data:image/svg+xml;base64,{chart.svg_base64()}" '
            f'alt="{esc(chart.alt)}"></picture>'
        )
        + f'<figcaption>{esc(chart.caption)} <span class="source">Source: {esc(chart.source)}.'
        f"</span></figcaption>{downloads}"
        f"<details><summary>Data table for this chart</summary>"
        f"{table(chart.data, caption=chart.subtitle)}</details></figure>"
    )


def download(href: str, text: str) -> str:
    """A paragraph linking a file beside the page."""
    return f'<p class="downloads"><a href="{esc(href)}">{esc(text)}</a></p>'


def section(anchor: str, title: str, intro: str = "") -> str:
    """A numbered-section heading with an anchor the contents list links to."""
    text = f'<h2 id="{esc(anchor)}">{esc(title)}</h2>'
    return text + (f"<p>{esc(intro)}</p>" if intro else "")


def bullet_list(items: Iterable[str], css: str = "facts") -> str:
    return f'<ul class="{esc(css)}">' + "".join(f"<li>{esc(i)}</li>" for i in items) + "</ul>"


def header(title: str, subtitle: str, contents: Mapping[str, str], banner: str = "") -> str:
    """Title block and table of contents (anchor -> section title)."""
    toc = "".join(f'<li><a href="#{esc(a)}">{esc(t)}</a></li>' for a, t in contents.items())
    flag = f'<p class="banner" role="note">{esc(banner)}</p>' if banner else ""
    return (
        f'<header class="pack-header">{flag}<h1>{esc(title)}</h1>'
        f'<p class="lede">{esc(subtitle)}</p>'
        f'<nav aria-label="Contents"><h2 class="toc-title">Contents</h2><ol>{toc}</ol></nav>'
        "</header>"
    )


def footer(parameters: Mapping[str, object], details: Mapping[str, str]) -> str:
    """Parameters, package version, data releases and build time."""
    params = "; ".join(f"{esc(k)} = {esc(v)}" for k, v in parameters.items())
    rows = "".join(f"<dt>{esc(k)}</dt><dd>{esc(v)}</dd>" for k, v in details.items())
    return (
        f'<footer class="pack-footer"><h2 id="about">About this pack</h2><dl>'
        f"<dt>Parameters</dt><dd>{params}</dd>{rows}</dl></footer>"
    )
