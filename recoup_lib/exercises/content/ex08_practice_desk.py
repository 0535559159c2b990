"""Exercise 08: the practice desk in writing -- review two claims, decide two notices, explain a deposit.

Drills lesson 08 (the claim reviewer, the appeal desk and the remittance
explainer) on the family-practice demo and its payers' side: the notices,
answer key and 835s the generator writes for the same practice (the demo's
own seed), which lesson 08 shows in its desks. ``SEED`` chooses the claims,
the notices and the deposit. Expected answers come from the answer key
(``labels.csv``), :func:`recoup_lib.appeals.decide` and
:func:`recoup_lib.remit.reconcile.explain_deposits` when a check runs.
"""

from __future__ import annotations

import functools
import tempfile
from pathlib import Path

import numpy as np
import pandas as pd

from ...appeals import decide, read_appeal_folder
from ...remit import read_835
from ...remit.reconcile import deposit_detail, explain_deposits, link_recoupments
from ...rules import ERROR_TYPES, run_audit
from ...synthetic import generate
from ...synthetic.demo import DEMO_LINES, DEMO_SEED
from .._registry import Exercise, register
from ._common import OFFSET_STARTS_RULE, STOP_OFFSET_RULE, case_evidence, demo_tables, letter_date, pick

PROFILE = "family_practice"
#: Errors whose money at risk a reviewer can work out from the claim's evidence alone (upcoding needs
#: the fee of the documented code, which the reviewer's tables do not show).
READABLE_ERRORS = ("duplicate_claim", "duplicate_payment", "overpaid_rate", "unbundling", "units_over_mue",
                   "missing_documentation", "missing_signature", "coverage_lapsed", "policy_change")
VERDICTS = ("clean", *ERROR_TYPES)
_NOTICE_COLUMNS = ["notice_id", "payer_id", "claim_id", "line_no", "notice_date", "amount_cents",
                   "error_type", "reason_code"]


@functools.lru_cache(maxsize=1)
def payers_side() -> dict:
    """The demo practice's payers' side, generated again from its seed and read into memory.

    Returns
    -------
    dict
        ``notices``, ``payers`` (parsed), ``audit`` (the folder's
        :class:`~recoup_lib.folder.AuditInputs`), ``findings`` (the kit's
        audit), ``truth`` (recoupment_labels.csv: notice_id, valid),
        ``remit`` (its 835s, read) and ``links``.
    """
    with tempfile.TemporaryDirectory(prefix="recoup-ex08-") as tmp:
        folder = generate(Path(tmp) / PROFILE, lines=DEMO_LINES, seed=DEMO_SEED, profile=PROFILE)
        inputs = read_appeal_folder(folder)
        truth = pd.read_csv(folder / "recoupment_labels.csv", dtype="str", keep_default_na=False)
        remit = read_835(folder / "remits")
    return {"notices": inputs.notices.drop(columns="_row", errors="ignore"),
            "payers": inputs.payers.drop(columns="_row", errors="ignore"),
            "audit": inputs.audit, "findings": run_audit(inputs.audit).findings,
            "truth": truth[["notice_id", "valid"]], "remit": remit, "links": link_recoupments(remit, None)}


def _claims(rng: np.random.Generator) -> dict:
    """Two one-line claims, one clean and paid, one with exactly one readable error; order by SEED."""
    t = demo_tables(PROFILE)
    lines, labels = t["claim_lines"], t["labels"]
    sizes = lines.groupby("claim_id").size()
    one_line = sizes.index[sizes.eq(1)]
    paid = t["payments"].groupby("claim_id")["paid_cents"].sum()
    clean = pd.DataFrame({"claim_id": [c for c in one_line if c not in set(labels["claim_id"])
                                       and paid.get(c, 0) > 0]})
    kinds = labels.groupby("claim_id")["error_type"].agg(["nunique", "first"])
    flagged = kinds.loc[kinds.index.isin(one_line) & kinds["nunique"].eq(1)
                        & kinds["first"].isin(READABLE_ERRORS)].reset_index()
    chosen = [pick(clean, rng).iloc[0]["claim_id"], pick(flagged, rng).iloc[0]["claim_id"]]
    chosen = [chosen[i] for i in rng.permutation(2)]
    return {letter: claim for letter, claim in zip("AB", chosen)}


def _notices(rng: np.random.Generator) -> pd.DataFrame:
    """Two Medicare notices, N1 and N2 in SEED's order: one the kit's audit supports, one it does not."""
    side = payers_side()
    medicare = set(side["payers"].loc[side["payers"]["payer_type"] == "medicare", "payer_id"])
    notices = side["notices"].loc[side["notices"]["payer_id"].isin(medicare)].reset_index(drop=True)
    decisions = decide(notices, side["payers"], side["findings"], side["audit"].payments)
    supported = notices.loc[decisions["recommendation"].eq("accept").to_numpy()]
    disputed = notices.loc[decisions["recommendation"].eq("appeal").to_numpy()]
    two = pd.concat([pick(supported, rng), pick(disputed, rng)]).iloc[rng.permutation(2)]
    two = two[_NOTICE_COLUMNS].reset_index(drop=True)
    return two.assign(payer_notice=two["notice_id"], notice_id=["N1", "N2"])


def _deposit(rng: np.random.Generator) -> int:
    """A deposit with a PLB offset and nothing else but claim payments (the explainer's plainest case)."""
    side = payers_side()
    d = explain_deposits(side["remit"], side["links"])
    others = ["reversals_cents", "corrections_cents", "deferrals_taken_cents", "deferred_cents",
              "balance_forward_cents", "interest_cents", "other_plb_cents"]
    plain = d.loc[d["offsets_cents"].gt(0) & d[others].eq(0).all(axis=1) & d["balanced"]]
    return int(pick(plain, rng).iloc[0]["deposit"])


def build(SEED: int) -> dict:
    """The two claims' evidence, the two notices with what the audit found, one deposit's items."""
    rng = np.random.default_rng(SEED)
    t = demo_tables(PROFILE)
    claims = _claims(rng)
    notices = _notices(rng)
    deposit = _deposit(rng)
    side = payers_side()
    keys = notices[["claim_id", "line_no"]]
    a = side["audit"]

    def on_notice_lines(df: pd.DataFrame) -> pd.DataFrame:
        return df.merge(keys, on=["claim_id", "line_no"]).drop(columns="_row", errors="ignore")

    transaction = side["remit"].transactions.iloc[deposit]
    return {
        "claim_ids": claims,
        "claims": {letter: case_evidence(t, claim_id, 1) for letter, claim_id in claims.items()},
        "notices": notices,
        "payers": side["payers"].loc[side["payers"]["payer_id"].isin(notices["payer_id"])]
        .reset_index(drop=True),
        "findings": on_notice_lines(side["findings"])[["claim_id", "line_no", "error_type", "at_risk_cents",
                                                       "evidence"]],
        "payments": on_notice_lines(a.payments)[["claim_id", "line_no", "payment_id", "payment_date",
                                                 "allowed_cents", "paid_cents"]],
        "claim_lines": on_notice_lines(a.claim_lines),
        "documentation": on_notice_lines(a.documentation),
        "deposit": deposit,
        "deposit_payer": str(transaction["payer"]),
        "deposit_date": pd.Timestamp(transaction["payment_date"]),
        "deposit_items": deposit_detail(side["remit"], deposit, side["links"])
        .drop(columns=["notice", "note"], errors="ignore"),
    }


EX = register(Exercise("ex08_practice_desk", "The practice desk", build, {"SEED": 8}))


# --- the claim reviewer ---------------------------------------------------------------------------

_REVIEW_RULE = ("A claim is clean when every line was paid by the rules, is documented and was covered; "
                "otherwise name the error the evidence shows: the same service paid twice "
                "(duplicate_claim, duplicate_payment), paid above the fee schedule (overpaid_rate), a "
                "component code beside its comprehensive code (unbundling), more units than the MUE "
                "(units_over_mue), no note or an unsigned one (missing_documentation, "
                "missing_signature), no coverage that day (coverage_lapsed), a code the payer's policy "
                "no longer covers (policy_change).")


def _label(m, letter: str) -> pd.DataFrame:
    labels = demo_tables(PROFILE)["labels"]
    return labels.loc[labels["claim_id"] == m["claim_ids"][letter]]


def _verdict_question(qid: str, letter: str):
    @EX.question(qid, prompt=f"Claim {letter}: \"clean\", or which error type?", rule=_REVIEW_RULE,
                 source="lesson 08 section 1; lesson 01 section 7; docs/sources.md §7.1, 7.2",
                 kind="choice", choices=VERDICTS)
    def expected(m):
        hit = _label(m, letter)
        return "clean" if hit.empty else str(hit["error_type"].iloc[0])
    return expected


for _qid, _letter in (("q1", "A"), ("q2", "B")):
    _verdict_question(_qid, _letter)


@EX.question("q3", prompt="The claim with an error: how much money is at risk on it (dollars)?",
             rule="The money at risk is what the payer could take back for that error: all that was paid "
                  "for a duplicate claim, a missing or unsigned note, lapsed coverage, a policy change or "
                  "an unbundled code; the extra payments for a duplicate payment; the part above the fee "
                  "schedule x units for an overpaid rate; the share of the payment for the units above "
                  "the MUE.",
             source="docs/contract.md findings; lesson 02 section 2", kind="money")
def _at_risk(m):
    hit = next(_label(m, letter) for letter in "AB" if not _label(m, letter).empty)
    return int(hit["at_risk_cents"].sum())


# --- the appeal desk ----------------------------------------------------------------------------

def _decision(m, notice_id: str) -> pd.Series:
    decisions = decide(m["notices"], m["payers"], m["findings"], m["payments"],
                       documentation=m["documentation"], claim_lines=m["claim_lines"])
    return decisions.set_index("notice_id").loc[notice_id]


@EX.question("q4", prompt="N1 (Medicare): the last day for the redetermination to reach the contractor and "
                          "still stop the offset (YYYY-MM-DD)?",
             rule=STOP_OFFSET_RULE,
             source="lesson 08 section 2; docs/sources.md §1.1, 1.3", kind="date",
             year_from=letter_date("N1"))
def _n1_stop(m):
    return _decision(m, "N1")["stop_offset_by"]


@EX.question("q5", prompt="N1: if nobody pays or appeals, the first day Medicare keeps the money out of "
                          "new payments (YYYY-MM-DD)?",
             rule=OFFSET_STARTS_RULE,
             source="lesson 08 section 2; docs/sources.md §1.1, 1.4", kind="date",
             year_from=letter_date("N1"))
def _n1_offset(m):
    return _decision(m, "N1")["offset_starts"]


_RECOMMEND = ("Accept when your own audit finds the error the payer names on that line, for at least the "
              "amount asked; partial when it finds it for less; appeal when it does not find it, or when "
              "the notice came after the payer's look-back.")


def _recommend_question(qid: str, notice_id: str):
    @EX.question(qid, prompt=f"{notice_id}: \"accept\", \"partial\" or \"appeal\"?", rule=_RECOMMEND,
                 source="lesson 08 section 2; docs/contract.md appeal decisions", kind="choice",
                 choices=("accept", "partial", "appeal"))
    def expected(m):
        return str(_decision(m, notice_id)["recommendation"])
    return expected


for _qid, _notice in (("q6", "N1"), ("q7", "N2")):
    _recommend_question(_qid, _notice)


# --- the remittance explainer -------------------------------------------------------------------

def _explained(m) -> pd.Series:
    side = payers_side()
    return explain_deposits(side["remit"], side["links"]).set_index("deposit").loc[m["deposit"]]


@EX.question("q8", prompt="The deposit: how much did the payer send (dollars)?",
             rule="A deposit is what the payer paid for claims, less what it reversed or kept back by "
                  "offset (PLB WO) for other claims, plus corrections and interest: add every item's "
                  "effect.",
             source="lesson 08 section 3; lesson 04; docs/sources.md §5.2, 5.3", kind="money")
def _deposit_amount(m):
    return int(_explained(m)["bpr_amount_cents"])


@EX.question("q9", prompt="The deposit: for which claim(s) did the payer keep money back (claim ids)?",
             rule="An offset (PLB WO) takes back an earlier overpayment of another claim out of this "
                  "deposit; its reference names that claim's control number, and the explainer links it "
                  "to the original payment.",
             source="lesson 08 section 3; docs/sources.md §5.3", kind="keys")
def _offset_claims(m):
    links = payers_side()["links"]
    taken = links.loc[links["deposit"].eq(m["deposit"]) & links["mechanism"].eq("offset"), "claim_id"]
    return sorted(set(taken.astype(str)))
