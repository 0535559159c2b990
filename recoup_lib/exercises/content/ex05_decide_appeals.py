"""Exercise 05: decide appeals -- deadlines, offsets and the accept / partial / appeal recommendation.

Drills the appeal rules of lesson 00 section 3 and docs/sources.md §1-2 and 8: a
small notices table for a Medicare and a commercial (New York) payer, built
from ``SEED``; expected answers come from :func:`recoup_lib.appeals.decide`
when a check runs.
"""

from __future__ import annotations

import functools

import numpy as np
import pandas as pd

from ...appeals import decide
from .._registry import Exercise, register
from ._common import OFFSET_STARTS_RULE, STOP_OFFSET_RULE, letter_date


def build(SEED: int) -> dict:
    """notices, payers, findings (our audit's) and payments for four notices, drawn from SEED."""
    rng = np.random.default_rng(SEED)
    day = pd.Timestamp("2025-06-02") + pd.Timedelta(days=int(rng.integers(0, 120)))
    amounts = [int(rng.integers(40, 400)) * 100 + int(rng.integers(0, 100)) for _ in range(4)]
    share = int(rng.integers(25, 75))
    notices = pd.DataFrame({
        "notice_id": ["N1", "N2", "N3", "N4"],
        "payer_id": ["MCR01", "MCR01", "CMX-NY", "CMX-NY"],
        "claim_id": ["C101", "C102", "C103", "C104"],
        "line_no": [1, 1, 1, 1],
        "notice_date": pd.to_datetime([day, day + pd.Timedelta(days=3), day + pd.Timedelta(days=7),
                                       day + pd.Timedelta(days=7)]).astype("datetime64[us]"),
        "amount_cents": amounts,
        "error_type": ["upcoding", "duplicate_payment", "missing_documentation", "overpaid_rate"],
    })
    payers = pd.DataFrame({"payer_id": ["MCR01", "CMX-NY"],
                           "name": ["Medicare Part B (example contractor)", "Empire Example Health"],
                           "payer_type": ["medicare", "commercial"], "state": ["GA", "NY"]})
    findings = pd.DataFrame({"claim_id": ["C101", "C102"], "line_no": [1, 1],
                             "error_type": ["upcoding", "duplicate_payment"],
                             "at_risk_cents": [amounts[0] * share // 100, amounts[1]]})
    paid_on = [day - pd.Timedelta(days=90), day - pd.Timedelta(days=60), day - pd.Timedelta(days=200),
               day - pd.DateOffset(months=30)]
    payments = pd.DataFrame({"claim_id": ["C101", "C102", "C103", "C104"], "line_no": [1, 1, 1, 1],
                             "payment_date": pd.to_datetime(paid_on).astype("datetime64[us]"),
                             "paid_cents": [a + 2000 for a in amounts]})
    return {"notices": notices, "payers": payers, "findings": findings, "payments": payments, "seed": SEED}


EX = register(Exercise("ex05_decide_appeals", "Decide appeals", build, {"SEED": 5}))


@functools.lru_cache(maxsize=4)
def _decisions(seed: int) -> pd.DataFrame:
    m = build(seed)
    return decide(m["notices"], m["payers"], m["findings"], m["payments"]).set_index("notice_id")


def _decision(m, notice_id: str) -> pd.Series:
    return _decisions(int(m["seed"])).loc[notice_id]


@EX.question("q1", prompt="N1 (Medicare): the last day to file the redetermination (YYYY-MM-DD)?",
             rule="The redetermination is due 120 days after receipt of the demand letter, and receipt "
                  "is presumed 5 days after the letter's date: the letter's date + 125 days.",
             source="docs/sources.md §2; lesson 00 section 3", kind="date", year_from=letter_date("N1"))
def _n1_file_by(m):
    return _decision(m, "N1")["file_by"]


@EX.question("q2", prompt="N1: the redetermination must be received by which date to stop the offset (YYYY-MM-DD)?",
             rule=STOP_OFFSET_RULE,
             source="docs/sources.md §1.3", kind="date", year_from=letter_date("N1"))
def _n1_stop(m):
    return _decision(m, "N1")["stop_offset_by"]


@EX.question("q3", prompt="N1: if nobody pays or appeals, when does the offset start (YYYY-MM-DD)?",
             rule=OFFSET_STARTS_RULE,
             source="docs/sources.md §1.1, 1.4", kind="date", year_from=letter_date("N1"))
def _n1_offset(m):
    return _decision(m, "N1")["offset_starts"]


@EX.question("q4", prompt="N3 (commercial, New York): when may the payer start recovering "
                          "(YYYY-MM-DD)?",
             rule="New York requires 30 days' written notice before a plan recovers an overpayment "
                  "(duplicates excepted): recovery may start 30 days after the notice's date.",
             source="docs/sources.md §8", kind="date", year_from=letter_date("N3"))
def _n3_offset(m):
    return _decision(m, "N3")["offset_starts"]


_RECOMMEND = ("Accept when our own audit supports the whole amount; partial when it supports only "
              "part (agree to that part, dispute the rest); appeal when it supports none of it, or when "
              "the notice came after the payer's look-back window.")


@EX.question("q5", prompt="N1: \"accept\", \"partial\" or \"appeal\"?", rule=_RECOMMEND,
             source="docs/contract.md appeal decisions; lesson 00 section 6", kind="choice",
             choices=("accept", "partial", "appeal"))
def _n1_recommendation(m):
    return str(_decision(m, "N1")["recommendation"])


@EX.question("q6", prompt="N1: how much do you agree to repay (dollars)?", rule=_RECOMMEND,
             source="docs/contract.md appeal decisions; lesson 00 section 6", kind="money")
def _n1_agreed(m):
    return int(_decision(m, "N1")["agreed_amount_cents"])


@EX.question("q7", prompt="N2: \"accept\", \"partial\" or \"appeal\"?", rule=_RECOMMEND,
             source="docs/contract.md appeal decisions; lesson 00 section 6", kind="choice",
             choices=("accept", "partial", "appeal"))
def _n2_recommendation(m):
    return str(_decision(m, "N2")["recommendation"])


@EX.question("q8", prompt="N4 (New York, paid 30 months before the notice): \"accept\", \"partial\" or "
                          "\"appeal\"?",
             rule="New York bars recovery efforts that start more than 24 months after the original "
                  "payment: a notice outside the look-back is appealed in full, whatever the error.",
             source="docs/sources.md §8", kind="choice", choices=("accept", "partial", "appeal"))
def _n4_recommendation(m):
    return str(_decision(m, "N4")["recommendation"])
