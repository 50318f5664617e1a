"""One model run over prepared series, and the forecast table it gives.

:func:`raw_forecast` aligns a model's mean and sd with the frame's future periods (refitting
on logarithms a positive count that would fall to zero); :func:`assemble` lays them out as
one row per council and future period with normal intervals at each level.
"""

from __future__ import annotations

from collections.abc import Sequence
from statistics import NormalDist

import numpy as np
import pandas as pd

from cscanalysis.core.errors import ParameterError
from cscanalysis.forecasting.models import model_spec
from cscanalysis.forecasting.series import Prepared

__all__ = [
    "STATUS_NO_DATA",
    "STATUS_OK",
    "STATUS_TOO_SHORT",
    "assemble",
    "check_levels",
    "level_name",
    "raw_forecast",
    "status_notes",
    "z_value",
]

STATUS_OK = "ok"
STATUS_TOO_SHORT = "too short to forecast"
STATUS_NO_DATA = "no data"


def z_value(level: float) -> float:
    """The standard normal quantile for a two-sided interval of ``level`` per cent."""
    if not 0 < level < 100:
        raise ParameterError(f"interval level {level} must be between 0 and 100")
    return NormalDist().inv_cdf(0.5 + level / 200)


def level_name(level: float) -> str:
    """``80`` -> ``"80"``, ``99.5`` -> ``"99_5"`` (as in the columns ``lo80``, ``hi99_5``)."""
    return f"{level:g}".replace(".", "_")


def check_levels(levels: Sequence[float]) -> tuple[float, ...]:
    """The interval levels, each checked to be between 0 and 100."""
    levels = tuple(levels)
    for lv in levels:
        z_value(lv)
    return levels


def raw_forecast(
    prep: Prepared,
    horizon: int,
    model: str,
    min_points: int | None,
    nonnegative: bool = True,
    extra: dict[str, np.ndarray] | None = None,
) -> tuple[np.ndarray, np.ndarray, np.ndarray, dict[int, str]]:
    """Mean and sd (n, horizon) aligned to the frame's future periods, a 'fits' mask and
    notes by row. ``extra``: companion series aligned with ``prep.Y``
    (:func:`~cscanalysis.forecasting.series.align_companions`), for a model that needs them.

    With ``nonnegative``, a row whose values are all positive and whose forecast would fall
    to 0 or below (a straight-line decline run past zero) is forecast by the same model on
    the logarithms of its values (a constant rate of decline), and the note says so: a
    positive count never gets a forecast of 0 without a reason given.
    """
    spec = model_spec(model)
    m = prep.cal.m
    if spec.seasonal and m == 1:
        raise ParameterError(f"model {model!r} needs monthly or quarterly periods")
    need = spec.minimum(m, min_points)
    missing = [k for k in spec.needs if k not in (extra or {})]
    if missing:
        raise ParameterError(
            f"model {model!r} needs the companion series {missing} (auto_forecast's companions)"
        )
    n = len(prep.codes)
    mean = np.full((n, horizon), np.nan)
    sd = np.full((n, horizon), np.nan)
    notes: dict[int, str] = {}
    fits = prep.length >= need
    rows = np.flatnonzero(fits)
    if rows.size:
        steps = horizon + int(prep.lag[rows].max())
        Ysub = prep.Y[rows]
        keep = int(prep.length[rows].max())
        Ysub = Ysub[:, Ysub.shape[1] - keep :]
        comp = None
        if spec.needs and extra is not None:
            comp = {k: extra[k][rows][:, extra[k].shape[1] - keep :] for k in spec.needs}
        kw = {} if comp is None else {"extra": comp}
        mu, s = spec.fn(Ysub, prep.length[rows], steps, m, **kw)
        take = prep.lag[rows][:, None] + np.arange(horizon)[None, :]
        mu, s = np.take_along_axis(mu, take, axis=1), np.take_along_axis(s, take, axis=1)
        if nonnegative:
            positive = np.all(np.isnan(Ysub) | (Ysub > 0), axis=1)
            bad = np.flatnonzero(positive & np.any(mu <= 0, axis=1))
            if bad.size:
                with np.errstate(divide="ignore"):
                    bkw = {} if comp is None else {"extra": {k: a[bad] for k, a in comp.items()}}
                    lmu, ls = spec.fn(np.log(Ysub[bad]), prep.length[rows][bad], steps, m, **bkw)
                lmu = np.take_along_axis(lmu, take[bad], axis=1)
                ls = np.take_along_axis(ls, take[bad], axis=1)
                first = np.argmax(mu[bad] <= 0, axis=1)
                mu[bad], s[bad] = np.exp(lmu), np.exp(lmu) * ls
                for j, i in enumerate(rows[bad]):
                    when = prep.cal.label(prep.last_ordinal + int(first[j]) + 1)
                    notes[int(i)] = (
                        f"the {model} forecast of this positive series falls to 0 or below "
                        f"by {when}; the model was fitted to the logarithms of the values "
                        "instead (a constant rate of decline)"
                    )
        mean[rows], sd[rows] = mu, s
    return mean, sd, fits, notes


def assemble(
    prep: Prepared,
    horizon: int,
    mean: np.ndarray,
    sd: np.ndarray,
    models: Sequence[str],
    status: Sequence[str],
    notes: Sequence[str],
    levels: Sequence[float],
    nonnegative: bool,
    factors: np.ndarray | None = None,
    calibrated: np.ndarray | None = None,
) -> pd.DataFrame:
    """The forecast table: one row per council and future period, intervals at ``levels``
    (scaled by ``factors`` where given), clipped at zero when ``nonnegative``."""
    n = len(prep.codes)
    periods = [prep.cal.label(prep.last_ordinal + h) for h in range(1, horizon + 1)]
    mu = mean.ravel()
    s = sd.ravel()
    cols: dict[str, object] = {
        "council_code": np.repeat(prep.codes, horizon),
        "period": np.tile(periods, n),
        "horizon": np.tile(np.arange(1, horizon + 1), n),
        "model": np.repeat(list(models), horizon),
        "mean": np.maximum(mu, 0) if nonnegative else mu,
    }
    for j, lv in enumerate(levels):
        k = 1.0 if factors is None else factors[:, :, j].ravel()
        half = k * z_value(lv) * s
        lo, hi = mu - half, mu + half
        if nonnegative:
            lo, hi = np.maximum(lo, 0), np.maximum(hi, 0)
        cols[f"lo{level_name(lv)}"] = lo
        cols[f"hi{level_name(lv)}"] = hi
    cols["sd"] = s
    cols["status"] = np.repeat(list(status), horizon)
    cols["calibrated"] = (
        np.zeros(n * horizon, bool) if calibrated is None else np.asarray(calibrated).ravel()
    )
    cols["note"] = np.repeat(list(notes), horizon)
    return pd.DataFrame(cols)


def status_notes(prep: Prepared, fits: np.ndarray, model: str) -> tuple[list[str], list[str]]:
    """Each row's status (ok, too short, no data) and note for ``model``."""
    status, notes = [], []
    for i, ok in enumerate(fits):
        if prep.length[i] == 0:
            status.append(STATUS_NO_DATA)
            notes.append(prep.notes[i])
        elif ok:
            status.append(STATUS_OK)
            notes.append(prep.notes[i])
        else:
            status.append(STATUS_TOO_SHORT)
            extra = f"{prep.length[i]} point(s) is too few for {model}"
            notes.append("; ".join(x for x in (extra, prep.notes[i]) if x))
    return status, notes
