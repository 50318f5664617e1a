"""Choosing a model by backtest, never by in-sample fit.

``rule="mean_mase"`` takes the lowest mean MASE; ``rule="recent_worst"`` (annual data by
default) uses a method only if it beat no change at each of the last ``RECENT_ORIGINS``
backtest origins of every horizon, else no change. Trend methods won the steady growth before
2019 and lost when numbers levelled off after 2023 (``benchmarks/bench_forecast_turning.py``).
"""

from __future__ import annotations

from dataclasses import dataclass, field

import pandas as pd

from cscanalysis.core.errors import ParameterError
from cscanalysis.forecasting.evaluation import accuracy, common_rows
from cscanalysis.forecasting.timeline import label_ordinals

__all__ = ["RECENT_ORIGINS", "Selection", "recent_ratios", "select_model"]

RECENT_ORIGINS = 3  # origins per horizon that select_model's "recent_worst" rule looks at


@dataclass
class Selection:
    """Model chosen by backtest: one ``default`` for the measure and one per council."""

    default: str
    per_series: dict[str, str]
    scores: pd.DataFrame  # MASE by model and horizon over all councils
    basis: dict[str, str] = field(default_factory=dict)  # council -> "series" | "measure"

    def model_for(self, code: str) -> str:
        return self.per_series.get(code, self.default)


def _origin_mae(backtest_df: pd.DataFrame) -> pd.DataFrame:
    """MAE by (origin ordinal, horizon) and model over rows every model forecast."""
    df = common_rows(backtest_df)
    if df.empty:
        return pd.DataFrame()
    work = pd.DataFrame(
        {
            "o": label_ordinals(df["origin"]),
            "horizon": df["horizon"].astype(int).to_numpy(),
            "model": df["model"].to_numpy(),
            "abs": (df["mean"] - df["actual"]).abs().to_numpy(),
        }
    )
    return work.groupby(["o", "horizon", "model"])["abs"].mean().unstack("model")


def recent_ratios(
    backtest_df: pd.DataFrame, *, recent: int = RECENT_ORIGINS, baseline: str = "naive"
) -> pd.DataFrame:
    """Each model's MAE over ``baseline``'s at the ``recent`` latest origins of each horizon
    (rows: origin ordinal and horizon; columns: models), on the rows every model forecast."""
    mae = _origin_mae(backtest_df)
    if mae.empty or baseline not in mae.columns:
        return pd.DataFrame()
    keep = [
        (o, h)
        for h in sorted(mae.index.get_level_values("horizon").unique())
        for o in sorted(mae.xs(h, level="horizon").index)[-recent:]
    ]
    return mae.loc[keep].div(mae.loc[keep, baseline], axis=0)


def select_model(
    backtest_df: pd.DataFrame,
    selection: str = "measure",
    *,
    min_records: int = 3,
    rule: str = "mean_mase",
    recent: int = RECENT_ORIGINS,
    baseline: str = "naive",
) -> Selection:
    """Choose a model by backtest (never by in-sample fit).

    ``rule="mean_mase"``: the lowest mean MASE over horizons. ``selection="measure"``: one
    model for every council; ``"series"``: each council's own best model when it has at least
    ``min_records`` backtest forecasts per model, else the measure's choice.

    ``rule="recent_worst"`` (one model for the measure): for each model, the ratio of its MAE
    to ``baseline``'s at each of the ``recent`` latest origins of each horizon; its score is
    the worst (largest) of these ratios. The model with the lowest score is chosen if that
    score is below 1, that is if it beat ``baseline`` at every recent origin and horizon;
    otherwise ``baseline`` is chosen. ``scores`` then holds the ratios and the scores.
    """
    if selection not in {"measure", "series"}:
        raise ParameterError(f"selection={selection!r}; expected 'measure' or 'series'")
    if rule not in {"mean_mase", "recent_worst"}:
        raise ParameterError(f"rule={rule!r}; expected 'mean_mase' or 'recent_worst'")
    codes = backtest_df["council_code"].unique().tolist()
    if rule == "recent_worst":
        ratios = recent_ratios(backtest_df, recent=recent, baseline=baseline)
        if ratios.empty:
            raise ParameterError(
                f"the backtest has no forecast every model and {baseline} made; cannot select"
            )
        worst = ratios.max(axis=0)
        default = str(worst.idxmin()) if worst.min() < 1 else baseline
        scores = pd.concat([ratios, worst.to_frame("worst").T])
        return Selection(
            default=default,
            per_series=dict.fromkeys(codes, default),
            scores=scores,
            basis=dict.fromkeys(codes, "measure"),
        )
    acc = accuracy(backtest_df)
    if acc.empty or acc["MASE"].isna().all():
        raise ParameterError("the backtest has no forecast every model made; cannot select")
    scores = acc.pivot(index="model", columns="horizon", values="MASE")
    default = str(scores.mean(axis=1).idxmin())
    per_series: dict[str, str] = {}
    basis: dict[str, str] = {}
    if selection == "series":
        per = accuracy(backtest_df, by=("council_code", "model", "horizon"))
        agg = per.groupby(["council_code", "model"]).agg(n=("n", "sum"), q=("MASE", "mean"))
        enough = agg.groupby(level=0)["n"].min() >= min_records
        scored = agg.dropna(subset=["q"])
        best = scored.loc[scored.groupby(level=0)["q"].idxmin()].index
        own = {c: str(mdl) for c, mdl in best if enough.get(c, False)}
        for code in codes:
            per_series[code] = own.get(code, default)
            basis[code] = "series" if code in own else "measure"
    else:
        per_series = dict.fromkeys(codes, default)
        basis = dict.fromkeys(codes, "measure")
    return Selection(default=default, per_series=per_series, scores=scores, basis=basis)
