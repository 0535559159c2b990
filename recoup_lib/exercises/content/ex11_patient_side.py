"""Exercise 11: the patient's side of a take-back, credit balance reporting, a refund on an 835.

Drills lesson 11. Four lines of the demo practice are taken back for four
reasons (chosen by ``SEED`` from the answer key); expected answers come from
:func:`recoup_lib.report.takeback_patient_effects`,
:func:`recoup_lib.report.credit_balance_report_rule` and the 835 balancing rule.
"""

from __future__ import annotations

import numpy as np
import pandas as pd

from ...report import credit_balance_report_rule, takeback_patient_effects
from ...rules import capped_findings
from .._registry import Exercise, register
from ._common import demo_tables, pick

CASES = {"A": "upcoding", "B": "missing_documentation", "C": "duplicate_payment", "D": "coverage_lapsed"}
LINE_COLUMNS = ["claim_id", "line_no", "payment_date", "allowed_cents", "paid_cents", "deductible_cents",
                "coinsurance_cents", "copay_cents"]
DECISIONS = ("refund the patient", "bill the patient", "nothing changes for the patient", "bill the right payer")


def build(PROFILE: str, SEED: int) -> dict:
    """Four take-backs with their lines' payments, a quarter end, and a refund-acknowledging deposit."""
    rng = np.random.default_rng(SEED)
    t = demo_tables(PROFILE)
    pay = t["payments"]
    per_line = pay.groupby(["claim_id", "line_no"], as_index=False)["paid_cents"].sum()
    labels = capped_findings(t["labels"].merge(per_line, on=["claim_id", "line_no"]))
    share = pay[["deductible_cents", "coinsurance_cents", "copay_cents"]].fillna(0).sum(axis=1)
    with_share = set(zip(pay.loc[share > 0, "claim_id"], pay.loc[share > 0, "line_no"]))
    rows = []
    for letter, error_type in CASES.items():
        pool = labels.loc[(labels["error_type"] == error_type) & (labels["at_risk_capped_cents"] > 0)]
        preferred = pool.loc[[k in with_share for k in zip(pool["claim_id"], pool["line_no"])]]
        row = pick(preferred if len(preferred) else pool, rng).iloc[0]
        rows.append({"case": letter, "claim_id": row["claim_id"], "line_no": int(row["line_no"]),
                     "error_type": error_type, "taken_cents": int(row["at_risk_capped_cents"])})
    takebacks = pd.DataFrame(rows)
    keys = takebacks[["claim_id", "line_no"]].drop_duplicates()
    quarters = pd.date_range("2023-03-31", "2024-09-30", freq="QE")
    claims_paid = int(rng.integers(50_000, 400_000))
    refund = int(rng.integers(2_000, 30_000))
    return {"takebacks": takebacks, "payments": pay.merge(keys)[LINE_COLUMNS].reset_index(drop=True),
            "quarter_end": quarters[int(rng.integers(0, len(quarters)))],
            "deposit": {"claims_paid_cents": claims_paid, "plb": [("WO", refund), ("72", -refund)]}}


EX = register(Exercise("ex11_patient_side", "The patient's side", build, {"PROFILE": "family_practice", "SEED": 11}))


def _effect(m, case: str) -> pd.Series:
    effects = takeback_patient_effects(m["takebacks"], m["payments"])
    return effects.set_index("case").loc[case]


def _decision(row: pd.Series) -> str:
    """What the office does for the patient after one take-back, in the words of :data:`DECISIONS`."""
    if row["effect"] == "rebill":
        return DECISIONS[3]
    if row["refund_cents"] > 0:
        return DECISIONS[0]
    return DECISIONS[1] if row["bill_cents"] > 0 else DECISIONS[2]


_SHARE_RULE = ("When the payer re-prices or denies a line after paying it, the patient's share falls with what "
               "the payer still pays (in proportion): share after = share before x (paid - taken back) / paid, "
               "half-up to the cent. The patient paid the share the first remittance gave them.")


@EX.question("q1", prompt="Case A (upcoding): the patient's share after the take-back, in dollars?", rule=_SHARE_RULE,
             source="lesson 11 section 3; recoup_lib/report/data/patient_effects.csv", kind="money")
def _a_share(m):
    return int(_effect(m, "A")["share_after_cents"])


@EX.question("q2", prompt="Case A: how much does the office owe the patient back, in dollars?", rule=_SHARE_RULE,
             source="lesson 11 section 3", kind="money")
def _a_refund(m):
    return int(_effect(m, "A")["refund_cents"])


@EX.question("q3", prompt="Case B (no note; the whole payment was taken back): the refund owed to the patient, "
                          "in dollars?",
             rule="No note, no payment: the provider is liable and may not bill the patient for it, so the "
                  "patient's whole share on that line is refunded.",
             source="lesson 11 section 3; CMS Claims Processing Manual ch. 30 [secondary]", kind="money")
def _b_refund(m):
    return int(_effect(m, "B")["refund_cents"])


@EX.question("q4", prompt="Case C (the payer paid the line twice and took the second payment back): what changes "
                          "for the patient?",
             rule="A duplicate payment is the payer's own mistake: only its extra payment goes back, and the "
                  "patient's share, set by the allowed amount, does not change.",
             source="lesson 11 section 3", kind="choice", choices=DECISIONS)
def _c_decision(m):
    return _decision(_effect(m, "C"))


@EX.question("q5", prompt="Case D (the patient was not covered by this payer on the day of service): what does the "
                          "office do first?",
             rule="Coverage lapsed: bill the right payer (or the patient as self-pay), and hold what the patient "
                  "paid against that bill; refund only what is left afterwards.",
             source="lesson 11 section 3; docs/sources.md §6.2 (CARC 26, 27)", kind="choice", choices=DECISIONS)
def _d_decision(m):
    return _decision(_effect(m, "D"))


@EX.question("q6", prompt="A Medicare credit balance on quarter_end: by which date was the quarterly credit balance "
                          "report (CMS-838) due (YYYY-MM-DD)?",
             rule="Until November 30, 2024 the Medicare Credit Balance Report was due within 30 days after the end "
                  "of each calendar quarter (April 30, July 30, October 30, January 30).",
             source="lesson 11 section 4; CGS Credit Balance Report "
                    "(https://cgsmedicare.com/hhh/financial/CMS-588.html)",
             kind="date")
def _cms838_due(m):
    return credit_balance_report_rule(m["quarter_end"])["due"]


@EX.question("q7", prompt="Is a quarterly CMS-838 still due for the quarter ending 2025-03-31? \"yes\" or \"no\"",
             rule="Since December 1, 2024 the quarterly report and the zero-balance certifications are no longer "
                  "required: self-identified overpayments are reported and returned when they occur.",
             source="lesson 11 section 4; NGS notice of 2025-01-10 "
                    "(https://ngsmedicare.com/web/ngs/news-article-details?selectedArticleId=12485970)",
             kind="choice", choices=("yes", "no"))
def _cms838_now(m):
    return "no" if pd.isna(credit_balance_report_rule("2025-03-31")["due"]) else "yes"


@EX.question("q8", prompt="A remittance pays claims for claims_paid and carries the PLB pairs in deposit['plb']. "
                          "How much is deposited, in dollars?",
             rule="The payment is the claims paid minus the PLB amounts (BPR02 = sum of CLP04 - sum of PLB). A "
                  "voluntary refund shows as WO +X and 72 -X, which cancel: the money already went back by check.",
             source="lesson 11 section 6; docs/sources.md §5.3-5.4", kind="money")
def _deposit(m):
    return m["deposit"]["claims_paid_cents"] - sum(amount for _, amount in m["deposit"]["plb"])
