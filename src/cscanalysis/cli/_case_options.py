"""Options of an invest-to-save case, shared by ``business-case`` and ``finance`` (a module
whose name starts with ``_`` is not a command)."""

from __future__ import annotations

import argparse

from cscanalysis.analysis.finance import GREEN_BOOK_RATE
from cscanalysis.core.investment_case import SAVINGS_BASES


def add_case_options(parser: argparse.ArgumentParser) -> None:
    """``--savings-basis``, ``--discount-rate`` and ``--years``."""
    parser.add_argument(
        "--savings-basis",
        choices=SAVINGS_BASES,
        default="annual",
        help="annual (default): each year's saving; incremental: increases on the year before",
    )
    parser.add_argument(
        "--discount-rate",
        default=str(GREEN_BOOK_RATE),
        help="as a fraction (default 0.035, the HM Treasury Green Book rate)",
    )
    parser.add_argument(
        "--years",
        default="",
        metavar="{5,10}",
        help="extend the case to 5 or 10 years of savings: later years hold the last given "
        "year's ongoing costs and savings flat, in nominal pounds",
    )
