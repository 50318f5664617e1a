"""The evidence pack's Outlook: the forecast, its method and track record, the target and the
what-ifs, in plain words (see :mod:`cscanalysis.analysis.outlook`)."""

from __future__ import annotations

import numpy as np
import pandas as pd

from cscanalysis.analysis import outlook as outlook_words
from cscanalysis.analysis.outlook import Outlook, build_outlook, track_record
from cscanalysis.packs.evidence.content import PackContext
from cscanalysis.render.words import show


def outlook(
    ctx: PackContext, target_value: float | None = None, target_year: int | None = None
) -> Outlook:
    """The Outlook of children looked after at 31 March (see :mod:`cscanalysis.analysis.outlook`).

    A council abolished at the end of the pack's year gets no forecast past its abolition.
    """
    last = ctx.council.last_year
    if last is not None and last <= int(ctx.period):
        successors = " and ".join(ctx.register.name(c) for c in ctx.council.successors)
        return Outlook(
            measure="cla_31_march",
            history=pd.Series(dtype=float),
            forecast=pd.DataFrame(),
            model="",
            model_description="",
            status="ended",
            note=f"{ctx.council.name} was replaced"
            + (f" by {successors}" if successors else "")
            + f" after the year ending 31 March {last}, so nothing is forecast past {last}",
            calibrated=False,
            backtest_mape=np.nan,
            backtest_n=0,
            coverage80=np.nan,
        )
    return build_outlook(
        ctx.tidy,
        ctx.register,
        ctx.code,
        ctx.period,
        target_value=target_value,
        target_year=target_year,
    )


def outlook_facts(ctx: PackContext, found: Outlook) -> list[str]:
    """The forecast, its method and track record, and the target gap, in plain words."""
    if found.status == "suppressed":
        return ["No forecast is shown: the published series includes suppressed figures."]
    if found.status == "ended":
        return [f"No forecast: {found.note}."]
    if found.status != "ok" or found.forecast.empty:
        return [f"No forecast: {found.status} ({found.note})."]
    facts = [
        outlook_words.forecast_sentence(found, ctx.place),
        outlook_words.method_sentence(found) + " " + track_record(found),
    ]
    facts += successor_history(ctx, found)
    if found.calibrated:
        facts.append(
            "The intervals come from this method's errors in every year tested, across all "
            "councils, in proportion to each council's typical year-to-year change over its last "
            "four years: 80% of those errors fell inside the 80% interval."
        )
    flows = outlook_words.flows_sentence(found, ctx.place)
    if flows:
        facts.append(flows)
    if found.gap is not None and found.target is not None and len(found.gap):
        last = found.gap.iloc[-1]
        facts.append(
            f"The target path reaches {show(found.target.iloc[-1])} children in "
            f"{found.target.index[-1]}. By {last['period']} the forecast is "
            f"{show(abs(last['gap']))} children {'above' if last['gap'] > 0 else 'below'}"
            f" the path (80% range {show(last['gap_lo'])} to "
            f"{show(last['gap_hi'])})."
        )
    return facts


def successor_history(ctx: PackContext, found: Outlook) -> list[str]:
    """How a council formed by a reorganisation is forecast: from its own figures only."""
    council = ctx.council
    if not council.predecessors or council.first_year is None:
        return []
    history = found.history
    years = int(np.isfinite(history[history.index >= council.first_year]).sum())
    names = [ctx.register.name(c) for c in council.predecessors]
    before = names[0] if len(names) == 1 else ", ".join(names[:-1]) + " and " + names[-1]
    return [
        f"{ctx.place} has existed since the year ending 31 March {council.first_year}, when it "
        f"took over from {before}. The forecast uses {ctx.place}'s own {years} published "
        f"year{'s' if years != 1 else ''} only: the predecessor's figures cover a different "
        "area and DfE does not split them, so no share of them is assumed."
    ]


def what_if_table(found: Outlook) -> pd.DataFrame:
    """The what-ifs as people read them."""
    if found.what_ifs is None:
        return pd.DataFrame()
    return pd.DataFrame(
        {
            "What if": found.what_ifs["what_if"],
            "Assumption": found.what_ifs["assumption"],
            "Year": found.what_ifs["year"].astype(str),
            "Children in care "
            + (
                outlook_words.flows_held_name(int(found.flows["year"]))
                if found.flows
                else "if starts and ceasing stay at their latest level"
            ): [show(v) for v in found.what_ifs["baseline"]],
            "Children in care, what-if": [show(v) for v in found.what_ifs["scenario"]],
            "Difference": [
                f"{'+' if d > 0 else ''}{show(d)}" for d in found.what_ifs["difference"]
            ],
        }
    )
