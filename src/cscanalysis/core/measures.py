"""What each measure id means: its label, unit, how it is rounded and where it comes from."""

from __future__ import annotations

from dataclasses import dataclass


@dataclass(frozen=True)
class Measure:
    id: str
    label: str  # sentence case, for titles and tables
    unit: str  # "children", "per 10,000 children", "%", "cases per social worker", "FTE", "£"
    places: int  # decimal places as published
    kind: str  # "count", "rate", "percent", "ratio", "money" (nominal pounds)
    publication: str
    numerator: str | None = None  # for rates and percentages: the count they are derived from


CLA = "DfE, Children looked after in England including adoptions"
CIN = "DfE, Children in need"
CSWW = "DfE, Children's social work workforce"
ONS = "ONS, mid-year population estimates"
S251 = "DfE, Section 251 outturn (LAIT indicators from 2016-17)"
RO3 = "MHCLG, Revenue Outturn social care (RO3)"

MEASURES: dict[str, Measure] = {
    m.id: m
    for m in [
        Measure("cla_31_march", "Children looked after at 31 March", "children", 0, "count", CLA),
        Measure(
            "cla_rate_per_10k",
            "Children looked after at 31 March, rate",
            "per 10,000 children",
            0,
            "rate",
            CLA,
            "cla_31_march",
        ),
        Measure("cla_starts", "Children starting to be looked after", "children", 0, "count", CLA),
        Measure(
            "cla_starts_rate_per_10k",
            "Children starting to be looked after, rate",
            "per 10,000 children",
            0,
            "rate",
            CLA,
            "cla_starts",
        ),
        Measure("cla_ceased", "Children ceasing to be looked after", "children", 0, "count", CLA),
        Measure(
            "cla_ceased_rate_per_10k",
            "Children ceasing to be looked after, rate",
            "per 10,000 children",
            0,
            "rate",
            CLA,
            "cla_ceased",
        ),
        Measure("cla_starts_age_under_1", "Starts aged under 1", "children", 0, "count", CLA),
        Measure("cla_starts_age_1_to_4", "Starts aged 1 to 4", "children", 0, "count", CLA),
        Measure("cla_starts_age_5_to_9", "Starts aged 5 to 9", "children", 0, "count", CLA),
        Measure("cla_starts_age_10_to_15", "Starts aged 10 to 15", "children", 0, "count", CLA),
        Measure("cla_starts_age_16_plus", "Starts aged 16 and over", "children", 0, "count", CLA),
        Measure(
            "population_0_17",
            "Children aged 0 to 17 (ONS mid-year estimate)",
            "children",
            0,
            "count",
            ONS,
        ),
        Measure("cin_31_march", "Children in need at 31 March", "children", 0, "count", CIN),
        Measure(
            "cin_rate_per_10k",
            "Children in need at 31 March, rate",
            "per 10,000 children",
            1,
            "rate",
            CIN,
            "cin_31_march",
        ),
        Measure("cin_starts", "Children in need episodes starting", "episodes", 0, "count", CIN),
        Measure("referrals", "Referrals", "referrals", 0, "count", CIN),
        Measure(
            "referrals_rate_per_10k",
            "Referrals, rate",
            "per 10,000 children",
            1,
            "rate",
            CIN,
            "referrals",
        ),
        Measure("rereferrals", "Re-referrals within 12 months", "referrals", 0, "count", CIN),
        Measure(
            "rereferral_pct", "Re-referrals within 12 months", "%", 1, "percent", CIN, "rereferrals"
        ),
        Measure("referral_nfa_pct", "Referrals with no further action", "%", 1, "percent", CIN),
        Measure("s47", "Section 47 enquiries", "enquiries", 0, "count", CIN),
        Measure(
            "s47_rate_per_10k",
            "Section 47 enquiries, rate",
            "per 10,000 children",
            1,
            "rate",
            CIN,
            "s47",
        ),
        Measure("icpc", "Initial child protection conferences", "conferences", 0, "count", CIN),
        Measure(
            "icpc_rate_per_10k",
            "Initial child protection conferences, rate",
            "per 10,000 children",
            1,
            "rate",
            CIN,
            "icpc",
        ),
        Measure(
            "cpp_31_march",
            "Children on a child protection plan at 31 March",
            "children",
            0,
            "count",
            CIN,
        ),
        Measure(
            "cpp_rate_per_10k",
            "Children on a child protection plan at 31 March, rate",
            "per 10,000 children",
            1,
            "rate",
            CIN,
            "cpp_31_march",
        ),
        Measure("cpp_starts", "Child protection plans starting", "plans", 0, "count", CIN),
        Measure(
            "cpp_starts_rate_per_10k",
            "Child protection plans starting, rate",
            "per 10,000 children",
            1,
            "rate",
            CIN,
            "cpp_starts",
        ),
        Measure(
            "cpp_subsequent_pct",
            "Child protection plans that are a second or subsequent plan",
            "%",
            1,
            "percent",
            CIN,
        ),
        Measure(
            "contacts",
            "Contacts to children's social care",
            "contacts",
            0,
            "count",
            "Council case-management extract",
        ),
        Measure(
            "nfa",
            "Contacts with no further action",
            "contacts",
            0,
            "count",
            "Council case-management extract",
        ),
        Measure(
            "contact_to_referral_pct",
            "Contacts leading to a referral",
            "%",
            1,
            "percent",
            "Council case-management extract",
            "referrals",
        ),
        Measure(
            "referral_to_s47_pct",
            "Referrals leading to a section 47 enquiry",
            "%",
            1,
            "percent",
            "Council case-management extract",
            "s47",
        ),
        Measure(
            "s47_to_icpc_pct",
            "Section 47 enquiries leading to an ICPC",
            "%",
            1,
            "percent",
            "Council case-management extract",
            "icpc",
        ),
        Measure(
            "icpc_to_cpp_pct",
            "ICPCs leading to a child protection plan",
            "%",
            1,
            "percent",
            "Council case-management extract",
            "cpp_starts",
        ),
        Measure(
            "cpp_to_cla_pct",
            "Children entering care per child protection plan starting",
            "%",
            1,
            "percent",
            "Council case-management extract",
            "cla_starts",
        ),
        Measure(
            "contact_nfa_pct",
            "Contacts with no further action",
            "%",
            1,
            "percent",
            "Council case-management extract",
            "nfa",
        ),
        Measure("sw_fte", "Social workers (FTE) at 30 September", "FTE", 1, "count", CSWW),
        Measure("sw_caseload", "Average caseload", "cases per social worker", 1, "ratio", CSWW),
        Measure("sw_vacancy_rate", "Social worker vacancy rate", "%", 1, "percent", CSWW),
        Measure("sw_turnover_rate", "Social worker turnover rate", "%", 1, "percent", CSWW),
        Measure("sw_agency_rate", "Agency social worker rate", "%", 1, "percent", CSWW),
        Measure("sw_absence_rate", "Social worker absence rate", "%", 1, "percent", CSWW),
        Measure(
            "cla_3_plus_placements",
            "Children looked after with 3 or more placements during the year",
            "children",
            0,
            "count",
            CLA,
        ),
        Measure(
            "cla_3_plus_placements_pct",
            "Children looked after with 3 or more placements during the year",
            "%",
            0,
            "percent",
            CLA,
            "cla_3_plus_placements",
        ),
        Measure(
            "cla_long_term_group",
            "Children looked after for 2.5 years or more, aged under 16",
            "children",
            0,
            "count",
            CLA,
        ),
        Measure(
            "cla_long_term_stable",
            "Children looked after for 2.5 years or more living with the same carer for 2 years",
            "children",
            0,
            "count",
            CLA,
        ),
        Measure(
            "cla_long_term_stable_pct",
            "Children looked after for 2.5 years or more living with the same carer for 2 years",
            "%",
            0,
            "percent",
            CLA,
            "cla_long_term_stable",
        ),
        Measure("new_placements", "New placements during the year", "placements", 0, "count", CLA),
        Measure(
            "new_placements_in_near",
            "New placements inside the council's area, under 20 miles from home",
            "placements",
            0,
            "count",
            CLA,
        ),
        Measure(
            "new_placements_in_far",
            "New placements inside the council's area, over 20 miles from home",
            "placements",
            0,
            "count",
            CLA,
        ),
        Measure(
            "new_placements_out_near",
            "New placements outside the council's area, under 20 miles from home",
            "placements",
            0,
            "count",
            CLA,
        ),
        Measure(
            "new_placements_out_far",
            "New placements outside the council's area, over 20 miles from home",
            "placements",
            0,
            "count",
            CLA,
        ),
        Measure(
            "new_placements_out_far_pct",
            "New placements outside the council's area and over 20 miles from home",
            "%",
            0,
            "percent",
            CLA,
            "new_placements_out_far",
        ),
        Measure(
            "new_placements_distance_unknown",
            "New placements with the distance not known",
            "placements",
            0,
            "count",
            CLA,
        ),
        Measure("spend_cla", "Spending on children looked after", "£", 0, "money", S251),
        Measure("spend_safeguarding", "Spending on safeguarding", "£", 0, "money", S251),
        Measure("spend_family_support", "Spending on family support", "£", 0, "money", S251),
        Measure(
            "spend_children_services",
            "Spending on children's and young people's services",
            "£",
            0,
            "money",
            S251,
        ),
        Measure(
            "spend_cla_weekly_unit_cost",
            "Weekly cost per child looked after (DfE unit cost)",
            "£ a week",
            0,
            "money",
            S251,
        ),
        Measure(
            "spend_per_child_looked_after",
            "Spending per child looked after",
            "£ per child looked after",
            0,
            "money",
            S251,
        ),
        Measure(
            "spend_children_services_per_child",
            "Spending on children's and young people's services per child aged 0 to 17",
            "£ per child",
            0,
            "money",
            f"{S251}; {ONS}",
        ),
        Measure(
            "spend_uasc",
            "Spending on unaccompanied asylum-seeking children",
            "£",
            0,
            "money",
            RO3,
        ),
        Measure("spend_csc_total", "Spending on children's social care", "£", 0, "money", RO3),
        Measure(
            "spend_csc_agency_staff",
            "Children's social care spending on agency staff",
            "£",
            0,
            "money",
            RO3,
        ),
    ]
}


def measure(measure_id: str) -> Measure:
    """Metadata for ``measure_id``; unknown ids raise KeyError listing the known ones."""
    try:
        return MEASURES[measure_id]
    except KeyError:
        raise KeyError(f"unknown measure {measure_id!r}; known: {', '.join(MEASURES)}") from None


START_AGE_BANDS: tuple[str, ...] = (
    "cla_starts_age_under_1",
    "cla_starts_age_1_to_4",
    "cla_starts_age_5_to_9",
    "cla_starts_age_10_to_15",
    "cla_starts_age_16_plus",
)
"""The age bands of children starting to be looked after, youngest first (they add up to the
starts)."""

COUNT_MEASURES: tuple[str, ...] = (
    "cla_31_march",
    "cla_starts",
    "cla_ceased",
    *START_AGE_BANDS,
    "cin_31_march",
    "cin_starts",
    "contacts",
    "referrals",
    "rereferrals",
    "s47",
    "icpc",
    "cpp_starts",
    "cpp_31_march",
    "nfa",
    "cla_3_plus_placements",
    "cla_long_term_group",
    "cla_long_term_stable",
    "new_placements",
    "new_placements_in_near",
    "new_placements_in_far",
    "new_placements_out_near",
    "new_placements_out_far",
    "new_placements_distance_unknown",
)
"""Measures of the tidy table that count children (or episodes) and are suppressed when small.

Populations are counts too but are published by ONS and are not suppressed."""
