"""Inject the contract's ten error types into a clean practice, and write the answer key.

Each injector changes the practice the way the error happens in real offices
and records, line by line, what it did and how much is at risk by the
contract's formula:

==========================  ===============================================================
duplicate_claim             a whole claim (or part of it) resubmitted days later and paid
                            again; some copies the payer caught and denied (OA-18: CARC 18
                            goes under group OA, as the generated 835s carry it)
duplicate_payment           the payer sent the same amount twice (sometimes reversing once
                            and then paying twice)
overpaid_rate               paid the billed charge, or paid above the contracted rate
upcoding                    an office visit billed one or two levels above the note
unbundling                  a component code billed beside its comprehensive code, on the
                            same claim or split onto another claim the same day
units_over_mue              one line with too many units (milligrams billed as units,
                            minutes as units), or a second line with 76/91 that pushes the
                            day over the limit
missing_documentation       the visit's note cannot be found
missing_signature           the visit's note was never signed
coverage_lapsed             the payer terminated coverage retroactively, or coverage had a
                            month's gap nobody noticed
policy_change               the payer stopped covering a code retroactively (or its system
                            kept paying after a policy it had announced)
==========================  ===============================================================

Injectors work on disjoint lines ("used" ones are skipped), so their errors
do not interfere; the two population-wide ones (coverage, policy,
:mod:`._inject_population`) run first and their labels are finally computed
over every paid line in scope. The claim- and visit-level ones are in
:mod:`._inject_lines`; their shared bookkeeping (the tables as they change,
the ledger of what was injected) is :class:`._inject_state.InjectionState`.
This module plans how many lines each error takes (:func:`plan_counts`), runs
the injectors in order and turns the ledger into the answer key
(:func:`inject_errors`).
"""

from __future__ import annotations

import numpy as np
import pandas as pd

from ..rules import ERROR_TYPES
from ._inject_lines import (
    inject_documentation_errors,
    inject_duplicate_claim,
    inject_duplicate_payment,
    inject_overpaid_rate,
    inject_unbundling,
    inject_units_over_mue,
    inject_upcoding,
)
from ._inject_population import (
    apply_policies,
    choose_policies,
    inject_coverage_lapsed,
    policy_view,
    record_population_labels,
)
from ._inject_state import InjectionState, all_policies
from ._payments import number_payments
from ._practice import Practice
from ._values import _mapped, lexsort_order

__all__ = ["plan_counts", "inject_errors", "inject_block_errors"]

#: Extra lines a duplicated claim adds, per duplicate line flagged (copies the payer
#: denied, and unpaid lines of duplicated claims, are not flagged).
DUPLICATE_BUDGET_FACTOR = 1.2
#: Share of units_over_mue cases done by adding a second line (two lines flagged).
SPLIT_SHARE = 0.2


def plan_counts(n_lines: int, error_rate: float, mix: dict) -> dict:
    """How many lines each error type should flag, and how many lines errors add.

    Largest-remainder split of ``error_rate x n_lines`` over the profile's
    error mix, with at least one line per type once there is room.

    Returns
    -------
    dict
        ``flag`` (error_type -> lines), ``duplicate_budget``, ``unbundling``,
        ``split`` (lines added by each mechanism) and ``added`` (their sum).
    """
    if not 0 <= error_rate <= 0.5:
        raise ValueError(f"error rate must be between 0 and 0.5; got {error_rate}")
    types = list(ERROR_TYPES)
    weights = np.array([float(mix.get(t, 0)) for t in types])
    if weights.sum() <= 0:
        raise ValueError("the profile's error_mix gives no weight to any error type")
    total = int(round(error_rate * n_lines))
    raw = weights / weights.sum() * total
    counts = np.floor(raw).astype(int)
    rest = total - counts.sum()
    counts[np.argsort(-(raw - counts), kind="stable")[:rest]] += 1
    if total >= len(types):
        counts = np.maximum(counts, (weights > 0).astype(int))
    flag = dict(zip(types, counts.tolist()))
    dup_budget = int(np.ceil(flag["duplicate_claim"] * DUPLICATE_BUDGET_FACTOR))
    split = int(round(flag["units_over_mue"] * SPLIT_SHARE / 2))
    added = dup_budget + flag["unbundling"] + split
    if added >= n_lines:
        raise ValueError(f"{n_lines} lines are too few for an error rate of {error_rate}")
    return {"flag": flag, "duplicate_budget": dup_budget, "unbundling": flag["unbundling"],
            "split": split, "added": added}


def inject_errors(practice: Practice, plan: dict) -> Practice:
    """Add the planned errors to a clean practice and attach its answer key.

    Parameters
    ----------
    practice : Practice
        From :func:`recoup_lib.synthetic._practice.build_clean`.
    plan : dict
        From :func:`plan_counts`.

    Returns
    -------
    Practice
        The same object, with errors injected; ``labels`` (claim, line_no,
        error_type, at_risk_cents, category, injected_as), ``policies`` (the
        payer policies the practice was edited with) and ``coverage_changes``
        set; payments numbered.
    """
    s = InjectionState(practice)
    choice = choose_policies(practice.seed, practice.start, practice.end, practice.refs, [policy_view(s)],
                             plan["flag"]["policy_change"])
    apply_policies(s, choice)
    return inject_block_errors(s, plan)


def inject_block_errors(s: InjectionState, plan: dict, payment_width: int = 8,
                        first_payment: int | None = 1) -> Practice:
    """Every error but policy_change (chosen across blocks, already applied to ``s``); the answer key.

    Payments are numbered from ``first_payment`` with ``payment_width`` digits
    (see :func:`recoup_lib.synthetic._payments.number_payments`); ``None``
    leaves them ordered but without ids (:func:`._blocks.place` makes them).
    """
    practice = s.p
    flag = plan["flag"]
    inject_coverage_lapsed(s, flag["coverage_lapsed"])
    inject_documentation_errors(s, flag["missing_documentation"], "missing_documentation")
    inject_documentation_errors(s, flag["missing_signature"], "missing_signature")
    before = len(s.lines)
    inject_unbundling(s, plan["unbundling"])
    inject_units_over_mue(s, flag["units_over_mue"], plan["split"])
    # Lines the other mechanisms could not place (too few candidates) are made up by duplicates,
    # so the practice has exactly the number of lines asked for.
    shortfall = plan["unbundling"] + plan["split"] - (len(s.lines) - before)
    inject_duplicate_claim(s, flag["duplicate_claim"], plan["duplicate_budget"] + max(shortfall, 0))
    inject_upcoding(s, flag["upcoding"])
    inject_overpaid_rate(s, flag["overpaid_rate"])
    inject_duplicate_payment(s, flag["duplicate_payment"])

    record_population_labels(s)
    ledger = s.ledger_columns()
    lines = s.lines
    at = ledger["_line"]
    kinds, recorded_types = pd.factorize(ledger["error_type"])
    labels = pd.DataFrame({
        "claim": lines["claim"].to_numpy()[at],
        "line_no": lines["line_no"].to_numpy(dtype=np.int64)[at],
        "error_type": ledger["error_type"],
        "at_risk_cents": ledger["at_risk_cents"],
        "category": _mapped(recorded_types, ERROR_TYPES).astype(object)[kinds],
        "injected_as": ledger["injected_as"],
        "_line": at,
        "_copied_from": ledger["_copied_from"],
        "_delay": ledger["_delay"],
    })
    order = {e: i for i, e in enumerate(ERROR_TYPES)}
    rank = _mapped(recorded_types, order)[kinds]
    labels = labels.iloc[lexsort_order((rank, labels["line_no"].to_numpy(), labels["claim"].to_numpy()))]
    practice.labels = labels.reset_index(drop=True)
    practice.payments = number_payments(s.payments.drop(columns=["payment_id"], errors="ignore"),
                                        width=payment_width, first=first_payment)
    practice.lines = lines
    practice.documentation = s.doc.sort_values("_line", kind="stable").reset_index(drop=True)
    spans = s.spans
    by_patient = lexsort_order((spans["effective_date"].to_numpy(), spans["patient"].to_numpy()))
    practice.spans = spans.iloc[by_patient].reset_index(drop=True)
    descriptions = pd.concat([practice.refs.payer_policies[["payer_id", "procedure_code", "description"]],
                              pd.DataFrame(s.policies, columns=["payer_id", "procedure_code", "description"])])
    practice.policies = all_policies(s).merge(descriptions.astype({"payer_id": object, "procedure_code": object}),
                                              on=["payer_id", "procedure_code"], how="left")
    practice.coverage_changes = s.coverage_changes
    return practice
