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
    "NCCI_ASSOCIATED_MODIFIERS_TEXT",
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

#: The NCCI-associated modifiers as the contract writes them (docs/contract.md, "unbundling";
#: docs/sources.md §7.1): the list the rule, the generator and the lessons' table share.
#: ``E1-E4`` stands for E1, E2, E3 and E4.
NCCI_ASSOCIATED_MODIFIERS_TEXT = ("59, XE, XS, XP, XU, 24, 25, 27, 57, 58, 78, 79, 91, RT, LT, E1-E4, FA, F1-F9, "
                                  "TA, T1-T9, LC, LD, LM, RC, RI")


def _expand(text: str) -> frozenset[str]:
    """``"59, E1-E4"`` -> {"59", "E1", "E2", "E3", "E4"}."""
    out = set()
    for item in (part.strip() for part in text.split(",")):
        if "-" in item:
            first, last = item.split("-")
            out.update(f"{first[0]}{n}" for n in range(int(first[1:]), int(last[1:]) + 1))
        else:
            out.add(item)
    return frozenset(out)


#: Modifiers that bypass an NCCI PTP edit whose modifier indicator is 1 when
#: either line of the pair carries one (indicator 0: never bypassed): the
#: NCCI-associated modifiers, 59 and X{EPSU}, the anatomic ones (RT/LT,
#: eyelids E1-E4, fingers FA/F1-F9, toes TA/T1-T9, coronary arteries
#: LC/LD/LM/RC/RI), the global-surgery ones (24, 25, 57, 58, 78, 79), 27 and
#: 91 (docs/sources.md §7.1).
BYPASS_MODIFIERS = _expand(NCCI_ASSOCIATED_MODIFIERS_TEXT)

#: Office E/M families of the contract's upcoding rule (docs/sources.md §10.1).
EM_FAMILIES: dict[str, tuple[str, ...]] = {
    "new": ("99202", "99203", "99204", "99205"),
    "established": ("99211", "99212", "99213", "99214", "99215"),
}
