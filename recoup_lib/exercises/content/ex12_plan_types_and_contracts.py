"""Exercise 12: whose rules apply -- notices under each plan type, state law's reach, cross-plan offsets.

Drills lesson 12. A notice date and a small table of offsets come from
``SEED``; deadlines come from :func:`recoup_lib.appeals.plan_deadlines` and the
offsets' verdicts from :func:`recoup_lib.appeals.cross_plan_offsets`.
"""

from __future__ import annotations

import numpy as np
import pandas as pd

from ...appeals import cross_plan_offsets, load_plan_types, plan_deadlines
from .._registry import Exercise, register

YES_NO = ("yes", "no")
WHERE = ("the state", "the plan", "the MAC")


def build(SEED: int) -> dict:
    """One notice date read under several plan types, and six offsets by an administrator of several plans."""
    rng = np.random.default_rng(SEED)
    day = pd.Timestamp("2025-03-03") + pd.Timedelta(days=int(rng.integers(0, 200)))
    notices = pd.DataFrame({
        "notice_id": ["N1", "N2", "N3", "N4", "N5"],
        "plan_type": ["medicare_ffs", "medicare_advantage", "commercial_self_funded", "commercial_fully_insured",
                      "commercial_fully_insured"],
        "state": ["GA", "GA", "TX", "NY", "TX"], "notice_date": [day] * 5})
    plans = [f"G{n}" for n in range(1, 5)]
    claims = pd.DataFrame({"claim_id": [f"C{n:03d}" for n in range(1, 7)],
                           "plan_id": [plans[int(i)] for i in rng.integers(0, len(plans), 6)]})
    paying = [claims["plan_id"].iloc[i] if rng.random() < 0.5 else plans[int(rng.integers(0, len(plans)))]
              for i in range(6)]
    offsets = pd.DataFrame({"offset_id": [f"O{n}" for n in range(1, 7)], "claim_id": claims["claim_id"],
                            "paying_plan": paying, "amount_cents": rng.integers(1_000, 40_000, 6)})
    return {"notices": notices, "claims": claims, "offsets": offsets}


EX = register(Exercise("ex12_plan_types_and_contracts", "Plan types and contracts", build, {"SEED": 12}))


def _deadline(m, notice_id: str, column: str) -> pd.Timestamp:
    return plan_deadlines(m["notices"]).set_index("notice_id").loc[notice_id, column]


def _plan(plan_type: str) -> pd.Series:
    return load_plan_types().set_index("plan_type").loc[plan_type]


@EX.question("q1", prompt="N2 comes from a Medicare Advantage plan. Does an appeal received by day 30 stop the plan's "
                          "offset under Section 935? \"yes\" or \"no\"",
             rule="Section 935's stay of the offset (appeal by day 30) is an Original Medicare rule. A Medicare "
                  "Advantage plan takes money back under its provider contract (or Part C rules for a provider "
                  "outside its network).",
             source="lesson 12 section 1; recoup_lib/appeals/data/plan_types.csv", kind="choice", choices=YES_NO)
def _ma_935(m):
    return _plan("medicare_advantage")["section_935"]


@EX.question("q2", prompt="N1 is an Original Medicare demand letter. The redetermination must be received by which "
                          "date to keep the offset from starting (YYYY-MM-DD)?",
             rule="The demand letter's date is day 1; a redetermination received by day 30 stops the offset "
                  "(Section 935).",
             source="lesson 00 section 3; docs/sources.md §1.3", kind="date")
def _ffs_stop(m):
    day = m["notices"].set_index("notice_id").loc["N1", "notice_date"]
    return day + pd.Timedelta(days=29)


@EX.question("q3", prompt="N3 comes from an employer's self-funded plan. The last day to appeal, counting the "
                          "ERISA window from the notice's own date (YYYY-MM-DD)?",
             rule="ERISA's claims procedure gives at least 180 days after the adverse benefit determination to "
                  "appeal; counting from the notice's date (not its receipt) is the safe side.",
             source="lesson 12 section 1; 29 CFR 2560.503-1", kind="date")
def _erisa(m):
    return _deadline(m, "N3", "file_by")


@EX.question("q4", prompt="N4 comes from a fully insured New York plan. From which date may the plan recover "
                          "(YYYY-MM-DD)?",
             rule="New York requires 30 days' written notice before a plan recovers an overpayment (duplicates "
                  "excepted).",
             source="lesson 12 section 1; docs/sources.md §8", kind="date")
def _ny(m):
    return _deadline(m, "N4", "offset_starts")


@EX.question("q5", prompt="N5 comes from a fully insured Texas plan. From which date may the plan recover "
                          "(YYYY-MM-DD)?",
             rule="Texas lets the provider appeal within 45 days of the notice, and no recovery is made before "
                  "that window has passed: the kit reads it as the day after day 45.",
             source="lesson 12 section 1; 28 TAC §21.2818 (docs/sources.md §8)", kind="date")
def _tx(m):
    return _deadline(m, "N5", "offset_starts")


@EX.question("q6", prompt="Does Texas's overpayment law reach N3, the self-funded plan? \"yes\" or \"no\"",
             rule="State recoupment laws cover state-regulated, fully insured plans. Self-funded employer plans "
                  "are governed by ERISA and their plan documents; state law does not reach them.",
             source="lesson 12 section 3; docs/sources.md §8", kind="choice", choices=YES_NO)
def _state_law(m):
    return "yes" if _plan("commercial_self_funded")["state_recoupment_law"] == "yes" else "no"


@EX.question("q7", prompt="Which offsets recover one plan's overpayment out of another plan's payment? "
                          "(a list of offset ids, like [\"O1\", \"O4\"])",
             rule="A cross-plan offset recovers plan A's overpayment from a payment owed by plan B. Compare the "
                  "overpaid claim's plan with the paying plan.",
             source="lesson 12 section 5; Peterson v. UnitedHealth Group, 8th Cir. 2019 "
                    "(https://law.justia.com/cases/federal/appellate-courts/ca8/17-1744/17-1744-2019-01-15.html)",
             kind="keys")
def _cross(m):
    checked = cross_plan_offsets(m["offsets"], m["claims"])
    return set(checked.loc[checked["cross_plan"], "offset_id"])


@EX.question("q8", prompt="A Medicaid managed-care plan overpaid the practice. Where does the money go back: "
                          "\"the state\", \"the plan\" or \"the MAC\"?",
             rule="A Medicaid managed-care plan pays claims under its contracts with the state and the provider; "
                  "what it overpaid goes back to the plan, as those contracts say. Fee-for-service Medicaid goes "
                  "back to the state.",
             source="lesson 12 section 1; lesson 13 section 4", kind="choice", choices=WHERE)
def _mco(m):
    return _plan("medicaid_managed_care")["overpayments_go_back_to"]
