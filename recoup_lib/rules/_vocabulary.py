"""The contract's vocabulary: error types, their categories, and what to do next.

Source: ``docs/contract.md``, "Findings". The five categories are the recoupment
causes a billing office meets (overpayment, incorrect billing, documentation,
eligibility, policy change); each has one next action.
"""

from __future__ import annotations

__all__ = [
    "ERROR_TYPES",
    "CATEGORIES",
    "ACTIONS",
    "CATEGORY_LABELS",
    "REPEAT_MODIFIERS",
    "BYPASS_MODIFIERS",
    "EM_FAMILIES",
]

#: error_type -> category, in the order of the contract's table (also the
#: order in which a line's findings are counted against what was paid).
ERROR_TYPES: dict[str, str] = {
    "duplicate_claim": "overpayment",
    "duplicate_payment": "overpayment",
    "overpaid_rate": "overpayment",
    "upcoding": "incorrect_billing",
    "unbundling": "incorrect_billing",
    "units_over_mue": "incorrect_billing",
    "missing_documentation": "documentation",
    "missing_signature": "documentation",
    "coverage_lapsed": "eligibility",
    "policy_change": "policy_change",
}

CATEGORIES: tuple[str, ...] = (
    "overpayment",
    "incorrect_billing",
    "documentation",
    "eligibility",
    "policy_change",
)

#: category -> the office's next action (contract wording).
ACTIONS: dict[str, str] = {
    "overpayment": "refund or accept offset",
    "incorrect_billing": "correct the code and resubmit or refund",
    "documentation": "gather and submit documentation",
    "eligibility": "verify coverage, bill the right payer",
    "policy_change": "appeal or adjust",
}

CATEGORY_LABELS: dict[str, str] = {
    "overpayment": "Overpayment",
    "incorrect_billing": "Incorrect billing",
    "documentation": "Documentation error",
    "eligibility": "Eligibility issue",
    "policy_change": "Audit / policy change",
}

#: Modifiers that mark a deliberate repeat of a service (repeat procedure by
#: the same / another physician, repeat lab test): such lines are not duplicates.
REPEAT_MODIFIERS = frozenset({"76", "77", "91"})

#: Modifiers the contract accepts to bypass an NCCI PTP edit whose modifier
#: indicator is 1 (docs/sources.md §7.1: 59 and the X{EPSU} subset).
BYPASS_MODIFIERS = frozenset({"59", "XE", "XS", "XP", "XU"})

#: Office E/M families of the contract's upcoding rule (docs/sources.md §10.1).
EM_FAMILIES: dict[str, tuple[str, ...]] = {
    "new": ("99202", "99203", "99204", "99205"),
    "established": ("99211", "99212", "99213", "99214", "99215"),
}
