"""Shared helpers of the exercises: demo tables, seeded picks, case evidence."""

from __future__ import annotations

import functools

import numpy as np
import pandas as pd

from ...folder import read_table
from ...synthetic.demo import demo_path

__all__ = ["demo_tables", "pick", "line_history", "case_evidence", "PAYMENT_COLUMNS", "STOP_OFFSET_RULE",
           "OFFSET_STARTS_RULE", "letter_date"]

#: Medicare's offset calendar as every exercise on demand letters explains it (docs/sources.md §1.1-1.4).
STOP_OFFSET_RULE = ("Medicare counts the demand letter's date as day 1; a valid redetermination the "
                    "contractor receives by day 30 stops the offset while it is decided (Section 935 of "
                    "the Medicare Modernization Act; 42 CFR 405.379): one mailed on day 30 arrives too late.")
OFFSET_STARTS_RULE = ("Unless the debt is paid, a timely appeal is on file or an extended repayment "
                      "schedule was asked for, Medicare keeps the money out of new payments from day 41 "
                      "of the letter's count.")

PAYMENT_COLUMNS = ["claim_id", "line_no", "payment_date", "allowed_cents", "paid_cents", "denial_code"]
_TABLES = ("claim_lines", "payments", "labels", "documentation", "coverage", "payers",
           "payer_policies", "fee_schedule", "mue", "ncci_ptp")


@functools.lru_cache(maxsize=4)
def demo_tables(profile: str) -> dict[str, pd.DataFrame]:
    """The demo practice's contract tables, typed (``_row`` dropped); cached per profile."""
    folder = demo_path(profile)
    return {name: read_table(folder / f"{name}.csv").data.drop(columns="_row", errors="ignore")
            for name in _TABLES}


def pick(candidates: pd.DataFrame, rng: np.random.Generator, n: int = 1) -> pd.DataFrame:
    """``n`` rows drawn without replacement, in a seeded order."""
    if len(candidates) < n:
        raise ValueError(f"only {len(candidates)} candidates, {n} needed")
    return candidates.iloc[np.sort(rng.choice(len(candidates), size=n, replace=False))]


def line_history(payments: pd.DataFrame, claim_id: str, line_no: int) -> pd.DataFrame:
    """Every payment posted to one line, oldest first, with the running net paid."""
    rows = payments.loc[(payments["claim_id"] == claim_id) & (payments["line_no"] == int(line_no)),
                        PAYMENT_COLUMNS].sort_values("payment_date", kind="stable")
    return rows.assign(net_paid_so_far_cents=rows["paid_cents"].cumsum()).reset_index(drop=True)


def case_evidence(tables: dict[str, pd.DataFrame], claim_id: str, line_no: int) -> dict[str, pd.DataFrame]:
    """What a reviewer looks at for one claim line, without any finding or label.

    Returns
    -------
    dict of str -> DataFrame
        ``claim`` (every line of the claim), ``payments`` (this line's
        history), ``documentation`` (this line's note, empty when none is on
        file), ``coverage`` (the patient's spans with this payer),
        ``same_day`` (the patient's other claims that day), ``fee_schedule``,
        ``policy``, ``mue`` and ``ncci`` (reference rows for the code).
    """
    lines = tables["claim_lines"]
    claim = lines.loc[lines["claim_id"] == claim_id].reset_index(drop=True)
    line = claim.loc[claim["line_no"] == int(line_no)].iloc[0]
    code, payer, day = line["procedure_code"], line["payer_id"], line["service_date"]
    docs = tables["documentation"]
    cov = tables["coverage"]
    fee = tables["fee_schedule"]
    pol = tables["payer_policies"]
    ncci = tables["ncci_ptp"]
    same_day = lines.loc[(lines["patient_id"] == line["patient_id"]) & (lines["service_date"] == day)
                         & (lines["claim_id"] != claim_id)]
    in_force = (fee["effective_date"] <= day) & (fee["end_date"].isna() | (fee["end_date"] >= day))
    return {
        "claim": claim[["claim_id", "line_no", "patient_id", "payer_id", "rendering_npi", "service_date",
                        "procedure_code", "modifiers", "units", "charge_cents"]],
        "payments": line_history(tables["payments"], claim_id, line_no),
        "documentation": docs.loc[(docs["claim_id"] == claim_id) & (docs["line_no"] == int(line_no))]
        .reset_index(drop=True),
        "coverage": cov.loc[(cov["patient_id"] == line["patient_id"]) & (cov["payer_id"] == payer)]
        .reset_index(drop=True),
        "same_day": same_day[["claim_id", "line_no", "payer_id", "rendering_npi", "procedure_code",
                              "modifiers", "units", "charge_cents"]].reset_index(drop=True),
        "fee_schedule": fee.loc[(fee["payer_id"] == payer) & (fee["procedure_code"] == code) & in_force]
        .reset_index(drop=True),
        "policy": pol.loc[(pol["payer_id"] == payer) & (pol["procedure_code"] == code)].reset_index(drop=True),
        "mue": tables["mue"].loc[tables["mue"]["procedure_code"] == code].reset_index(drop=True),
        "ncci": ncci.loc[(ncci["column_1"] == code) | (ncci["column_2"] == code)].reset_index(drop=True),
    }


def letter_date(notice_id: str) -> tuple:
    """``year_from`` for a date question about notice ``notice_id`` of the materials' ``notices`` table.

    Deadlines count from a notice's date, so a date written without its year
    is read as the first such day after it.
    """
    return (f"{notice_id}'s date",
            lambda m: m["notices"].set_index("notice_id").loc[notice_id, "notice_date"])
