"""Exercise 00: tell a recoupment from a denial; the five causes; Medicare's day numbers.

Drills lesson 00 (sections 1 to 3). Expected answers are computed from the
demo practice's payments, the kit's cause table and the Medicare profile.
"""

from __future__ import annotations

import numpy as np
import pandas as pd

from ...appeals import medicare_dates
from ...remit import taken_back
from ...report import denials, recoupments_from_payments
from ...rules import CATEGORY_LABELS, ERROR_TYPES
from .._registry import Exercise, register
from ._common import OFFSET_STARTS_RULE, STOP_OFFSET_RULE, demo_tables, line_history, pick

KINDS_OF_LINE = ("recoupment", "denial", "neither")
CAUSES = tuple(CATEGORY_LABELS)


def kind_of_line(history: pd.DataFrame) -> str:
    """``recoupment`` when money paid was taken back, ``denial`` when a payment is a denial as ``recoup
    report`` counts one (:func:`recoup_lib.report.denials`), else ``neither``."""
    paid = history["paid_cents"]
    if (paid < 0).any():
        return "recoupment"
    if denials(paid, history["allowed_cents"], history["denial_code"]).any():
        return "denial"
    return "neither"


def build(PROFILE: str, SEED: int, NOTICE_DATE: str) -> dict:
    """Three lines (one of each kind, shuffled by SEED) and the notice date."""
    t = demo_tables(PROFILE)
    pay, labels = t["payments"], t["labels"]
    rng = np.random.default_rng(SEED)
    flags = pay.assign(negative=pay["paid_cents"] < 0,
                       denied=denials(pay["paid_cents"], pay["allowed_cents"], pay["denial_code"]))
    per_line = flags.groupby(["claim_id", "line_no"], as_index=False).agg(
        paid=("paid_cents", "sum"), first=("paid_cents", "first"), payments=("paid_cents", "size"),
        negative=("negative", "any"), denied=("denied", "any"))
    labelled = per_line.merge(labels[["claim_id", "line_no"]].drop_duplicates(), how="left",
                              indicator=True)["_merge"].eq("both")
    pools = {
        "recoupment": per_line.loc[per_line["negative"] & (per_line["first"] - per_line["paid"]).ge(500)],
        "denial": per_line.loc[per_line["denied"] & per_line["paid"].eq(0) & ~per_line["negative"]],
        "neither": per_line.loc[~labelled.to_numpy() & per_line["payments"].eq(1) & per_line["paid"].gt(0)],
    }
    order = rng.permutation(len(KINDS_OF_LINE))
    lines = {}
    for letter, k in zip("ABC", order):
        row = pick(pools[KINDS_OF_LINE[k]], rng).iloc[0]
        lines[letter] = line_history(pay, row["claim_id"], int(row["line_no"]))
    return {"lines": lines, "notice_date": pd.Timestamp(NOTICE_DATE)}


EX = register(Exercise(
    "ex00_recoupment_or_denial", "Recoupment or denial?", build,
    {"PROFILE": "family_practice", "SEED": 0, "NOTICE_DATE": "2025-08-04"}))

_LINE_RULE = ("A denial is a 'no' before any money moves: a payment of 0 with a reason code that is no routine "
              "adjustment (CO-45, the contractual write-off on most lines paid, and the patient's PR-1/2/3 are "
              "none), or with 0 allowed; recoup report counts denials the same way. A recoupment is a 'yes' that "
              "became a 'no' after payment: a reversal (a negative payment, claim status 22 on an 835) or an "
              "offset takes money already paid. A line paid once and left alone is neither.")
_LINE_SOURCE = "lesson 00 section 1; docs/sources.md §5.1-5.3"


def _line_question(qid: str, letter: str):
    @EX.question(qid, prompt=f"Line {letter}: is it a recoupment, a denial, or neither?",
                 rule=_LINE_RULE, source=_LINE_SOURCE, kind="choice", choices=KINDS_OF_LINE)
    def expected(m):
        return kind_of_line(m["lines"][letter])
    return expected


for _qid, _letter in (("q1", "A"), ("q2", "B"), ("q3", "C")):
    _line_question(_qid, _letter)


@EX.question("q4", prompt="On the recouped line, how much money did the payer take back, in dollars?",
             rule="Taken back is what the payer really kept: the reversal takes the whole first payment, "
                  "the corrected payment that follows pays part of it again, so it is the first payment minus "
                  "what the practice kept in the end (the net of every payment, reversal and correction).",
             source="lesson 00 section 1; docs/sources.md §5.2", kind="money")
def _taken_back(m):
    for history in m["lines"].values():
        if kind_of_line(history) == "recoupment":
            return taken_back(recoupments_from_payments(history))
    raise AssertionError("no recouped line in the materials")


@EX.question("q5", prompt="A patient's plan ended in March; in June the payer back-dates the end and "
                          "takes back what it paid for an April visit. Which of the five causes is it?",
             rule="The five causes: overpayment, incorrect_billing, documentation, eligibility, "
                  "policy_change. A patient not covered by that payer on the day of service is an "
                  "eligibility issue (CARC 27: expenses incurred after coverage ended).",
             source="lesson 00 section 2; docs/sources.md §6.2", kind="choice", choices=CAUSES)
def _cause_coverage(m):
    return ERROR_TYPES["coverage_lapsed"]


@EX.question("q6", prompt="A level-4 visit (99214) was billed, but the note supports level 3 (99213). "
                          "Which of the five causes is it?",
             rule="A code, units or modifiers that the record does not support is incorrect billing "
                  "(upcoding): the level of an office visit rests on medical decision making or total "
                  "time.",
             source="lesson 00 section 2; docs/sources.md §10.1", kind="choice", choices=CAUSES)
def _cause_upcoding(m):
    return ERROR_TYPES["upcoding"]


#: Deadlines count from the demand letter's date, so a date written without its year falls after it.
_LETTER = ("the letter's date", lambda m: m["notice_date"])


@EX.question("q7", prompt="A Medicare demand letter is dated NOTICE_DATE. By which date must a "
                          "redetermination reach the contractor to stop the offset (YYYY-MM-DD)?",
             rule=STOP_OFFSET_RULE,
             source="lesson 00 section 3; docs/sources.md §1.1, 1.3", kind="date", year_from=_LETTER)
def _stop_offset_by(m):
    return medicare_dates([m["notice_date"]]).iloc[0]["stop_offset_by"]


@EX.question("q8", prompt="Nobody pays or appeals. On which date does Medicare start keeping the money "
                          "out of new payments (YYYY-MM-DD)?",
             rule=OFFSET_STARTS_RULE,
             source="lesson 00 section 3; docs/sources.md §1.1, 1.4", kind="date", year_from=_LETTER)
def _offset_starts(m):
    return medicare_dates([m["notice_date"]]).iloc[0]["offset_starts"]
