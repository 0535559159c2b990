"""Widgets for trainees who do not write code: review claims, explain remittances, decide notices.

=============================  ==================================================
:func:`claim_reviewer`         one claim at a time: pick clean or a cause, get
                               feedback from the billing rule and a running score
:func:`appeal_desk`            pick a notice, see its deadlines on a calendar,
                               choose appeal / accept / repay part, see the outcome
                               (decisions from :func:`recoup_lib.appeals.appeal_folder`;
                               :func:`training_desk` for a generated practice)
:func:`remittance_explainer`   pick a deposit of an 835, see what was paid,
                               reversed and offset (``remittance.py``, over
                               :mod:`recoup_lib.remit.reconcile`)
:func:`office_desks`           the three desks over an office's own folder (no
                               answer key): claims reviewed against the audit,
                               notices decided or money taken back listed
=============================  ==================================================

The widgets are thin: their logic lives in ``_review.py`` and
``_appeal_desk.py`` (pure functions, tested in ``tests/test_widgets.py``).
Every widget carries stable CSS classes (``recoup-claim-reviewer``,
``recoup-appeal-desk``, ...) so a browser test can find it.
``remittance_explainer`` is imported on first use (it loads the 835 reader).
"""

from __future__ import annotations

from ._appeal_desk import AppealDesk, deadline_calendar, desk_from_folder, desk_from_practice, grade_choice, \
    training_desk
from ._review import CHOICES, ReviewSession, build_deck, grade, rule_explanation
from .appeal_desk import appeal_desk
from .claim_reviewer import claim_reviewer
from .mapping import MappingSession, mapping_widget  # noqa: F401 - the mapping widget (ingest)
from .office import office_desks

__all__ = ["claim_reviewer", "appeal_desk", "remittance_explainer", "AppealDesk", "ReviewSession",
           "CHOICES", "build_deck", "grade", "rule_explanation", "deadline_calendar", "desk_from_folder",
           "desk_from_practice", "training_desk", "grade_choice", "MappingSession", "mapping_widget",
           "office_desks"]


def __getattr__(name: str):
    if name == "remittance_explainer":
        from .remittance import remittance_explainer

        return remittance_explainer
    raise AttributeError(f"module {__name__!r} has no attribute {name!r}")
