"""``cscanalysis forecast``: one measure forecast for every council, with intervals."""

from __future__ import annotations

import argparse
import os
from pathlib import Path

# statsmodels fits tiny matrices per council: BLAS threads only slow them down.
for _name in ("OPENBLAS_NUM_THREADS", "OMP_NUM_THREADS", "MKL_NUM_THREADS"):
    os.environ.setdefault(_name, "1")

HEADLINE = [
    "cla_31_march",
    "cla_starts",
    "cla_ceased",
    "cla_rate_per_10k",
    "referrals",
    "cpp_31_march",
    "cin_31_march",
    "s47",
    "icpc",
    "cpp_starts",
]
COLUMNS = [
    "council_code",
    "period",
    "measure",
    "model",
    "mean",
    "lo80",
    "hi80",
    "lo95",
    "hi95",
    "status",
    "note",
]


def add(commands: argparse._SubParsersAction) -> None:
    parser = commands.add_parser(
        "forecast", help="forecast a measure for every council (model chosen by backtest)"
    )
    parser.add_argument("--measure", required=True, choices=HEADLINE)
    parser.add_argument(
        "--until", type=int, required=True, help="use data up to and including this reporting year"
    )
    parser.add_argument("--horizon", type=int, default=2, help="years ahead, 1 to 10 (default 2)")
    parser.add_argument("--council", help="only this council (name, code or DfE number)")
    parser.add_argument("--out", required=True, help="CSV file to write")
    parser.add_argument(
        "--audience",
        choices=["publication", "internal"],
        default="publication",
        help="publication (default) withholds forecasts of suppressed series",
    )
    parser.set_defaults(run=run)


def run(args: argparse.Namespace) -> int:
    from cscanalysis.analysis.forecast_table import forecast_table
    from cscanalysis.core.councils import load_register
    from cscanalysis.core.errors import ParameterError
    from cscanalysis.core.safe_files import write_csv
    from cscanalysis.store.tidy import load_tidy

    if not 1 <= args.horizon <= 10:
        raise ParameterError(
            f"--horizon must be 1 to 10 years: backtests cover at most a few years ahead, "
            f"not {args.horizon}"
        )
    register = load_register()
    table = forecast_table(
        load_tidy(), register, args.measure, args.until, args.horizon, audience=args.audience
    )
    if args.council:
        table = table[table["council_code"] == register.resolve(args.council).code]
    write_csv(table[COLUMNS], Path(args.out))
    ok = (table["status"] == "ok").sum()
    print(
        f"{args.out}: {len(table):,} rows, {table['council_code'].nunique()} councils "
        f"({ok:,} rows forecast; others say why not)"
    )
    return 0
