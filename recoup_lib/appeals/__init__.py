"""Appeal decisions: for each recoupment notice, accept, pay part or appeal -- and by when.

The rules are data (``recoup_lib/appeals/data/*.csv``, each row with its
source and a confirmed / secondary / unconfirmed status); the functions are
pure over DataFrames and take those tables as :class:`Profiles`.

==========================  =====================================================
:func:`decide`              one decision per notice (docs/contract.md "Appeal decisions")
:func:`worklist`            open notices by the next deadline, with interest
:func:`appeal_path`         every level a notice could climb, projected, with AIC
:func:`letters`             Markdown and HTML letters for appealed notices
:func:`next_level`          after an unfavourable decision: the next level, by when
:func:`medicare_dates`      the demand-letter timeline (days 30 / 31 / 41 / 125)
:func:`medicare_timeline`   the same as a table of days, events and what to do
:func:`interest_due`        interest per started 30-day period (42 CFR 405.378)
:func:`read_rate_notices`   CMS's quarterly interest-rate notices, from a user's CSV
:func:`with_rate_notices`   the rule tables with those rates in place of the placeholders
:func:`load_profiles`       the rule tables (a folder's copy replaces a shipped one)
:func:`appeal_folder`       the appeal step: read a folder, audit it, decide every notice (``recoup appeal``)
:func:`read_appeal_folder`  an audit folder plus notices.csv and payers.csv
:func:`run_appeals`         all of the above for a folder already read and the audit's findings
:func:`score_recommendations`  decisions against a generated practice's recoupment_labels.csv
:func:`audit_calendar`      a contractor review's dates (ADR, TPE, RAC, UPIC, CERT, OIG)
:func:`review_claims`       the claims a review asks records for (a seeded sample)
:func:`request_letter`      a sample ADR; :func:`results_letter` the review results
:func:`sixty_day_clock`     the 60-day report-and-return deadline (180-day investigation since 2025)
:func:`overpayment_workup`  the practice's own findings as overpayments owed, by payer and law
:func:`return_route`        refund, OIG self-disclosure, CMS SRDP, state Medicaid or contract
:func:`plan_deadlines`      a notice's deadlines under its plan type (Medicare, MA, Medicaid, ERISA)
:func:`cross_plan_offsets`  offsets that recover one plan's overpayment from another plan's payment
==========================  =====================================================

Example
-------
>>> from recoup_lib.appeals import medicare_dates
>>> row = medicare_dates(["2024-10-31"]).iloc[0]
>>> f"{row['stop_offset_by']:%Y-%m-%d} {row['offset_starts']:%Y-%m-%d} {row['file_by']:%Y-%m-%d}"
'2024-11-29 2024-12-10 2025-03-05'
"""

from ..schema import RULE_STATUSES as STATUSES
from ._audit_letters import (AUDIT_FILES, PROGRAMS, AuditLetter, AuditRules, ProbeRates, ReviewSample,
                             audit_calendar, load_audit_rules, probe_rates, probe_results, rac_adr_limit,
                             request_letter, results_letter, review_claims)
from ._dates import TIMELINE_COLUMNS, NextStep, add_months, aic_threshold, level_deadlines, medicare_dates, \
    medicare_timeline, next_level, per_calendar_day, profile_dates, shift, to_days
from ..notices import usable_notices
from ..remit import FOLDER_AS_OF, folder_as_of, remittance_dates  # the data's own as-of, shared with reconcile
from ._decide import DECISION_COLUMNS, ERROR_TYPES, decide
from ._interest import InterestDue, RateRow, interest_due, interest_periods, interest_table, \
    period_interest, rate_on
from ._ladder import PATH_COLUMNS, appeal_path
from ._letters import Letter, letter_stem, letters, markdown_escape, write_letters
from ._merits import WinChance, evidence_checklist, expected_value, win_probability
from ._plans import FUNDING, PLAN_TYPES, cross_plan_offsets, load_plan_types, plan_deadlines, plan_rules, \
    plan_type_of
from ._profiles import DATA_DIR, PROFILE_FILES, PayerProfile, Profiles, Rule, load_profiles, \
    profile_for, rule_keys
from ._rate_notices import RATE_COLUMNS, RATES_WRITTEN_BY, RateNotices, merge_rate_notices, read_rate_notices, \
    with_rate_notices
from ._score import (OUTCOME_COLUMNS, SCORE_APPEALS_WRITTEN_BY, SCORE_COLUMNS, appeal_outcomes,
                     read_recoupment_labels, read_score_inputs, score_recommendations)
from ._run import APPEAL_FILES, AppealInputs, AppealResult, appeal_folder, read_appeal_folder, run_appeals, \
    write_appeal_outputs
from ._tables import SOURCED_COLUMNS, choice_column, load_rule_table, text_column
from ._sixty_day import (ROUTES, SIXTY_DAY_FILES, SixtyDayClock, SixtyDayRules, load_sixty_day_rules,
                         lookback_start, overpayment_workup, return_route, sixty_day_clock, workup_summary)
from ._worklist import CLOSED_STATUSES, WORKLIST_COLUMNS, worklist

__all__ = [
    "APPEAL_FILES", "CLOSED_STATUSES", "DATA_DIR", "DECISION_COLUMNS", "ERROR_TYPES", "PATH_COLUMNS",
    "PROFILE_FILES", "STATUSES", "TIMELINE_COLUMNS", "WORKLIST_COLUMNS",
    "AppealInputs", "AppealResult", "InterestDue", "Letter", "NextStep", "PayerProfile", "Profiles",
    "RateRow", "Rule", "WinChance",
    "add_months", "aic_threshold", "appeal_folder", "appeal_path", "decide", "evidence_checklist", "expected_value",
    "interest_due", "interest_periods", "interest_table", "letter_stem", "letters", "level_deadlines",
    "load_profiles", "markdown_escape", "medicare_dates", "medicare_timeline", "next_level", "per_calendar_day",
    "period_interest", "profile_dates", "profile_for", "rate_on", "read_appeal_folder", "run_appeals", "shift",
    "to_days", "usable_notices", "win_probability", "worklist", "write_appeal_outputs", "write_letters",
    "SCORE_APPEALS_WRITTEN_BY", "SCORE_COLUMNS", "read_score_inputs", "score_recommendations",
    "OUTCOME_COLUMNS", "appeal_outcomes", "read_recoupment_labels",
    "RATE_COLUMNS", "RATES_WRITTEN_BY", "RateNotices", "merge_rate_notices", "read_rate_notices", "rule_keys",
    "with_rate_notices",
    "FOLDER_AS_OF", "folder_as_of", "remittance_dates",
    "AUDIT_FILES", "PROGRAMS", "AuditLetter", "AuditRules", "ProbeRates", "ReviewSample", "audit_calendar",
    "load_audit_rules", "probe_rates", "probe_results", "rac_adr_limit", "request_letter", "results_letter",
    "review_claims",
    "ROUTES", "SIXTY_DAY_FILES", "SixtyDayClock", "SixtyDayRules", "load_sixty_day_rules", "lookback_start",
    "overpayment_workup", "return_route", "sixty_day_clock", "workup_summary",
    "FUNDING", "PLAN_TYPES", "cross_plan_offsets", "load_plan_types", "plan_deadlines", "plan_rules",
    "plan_type_of", "SOURCED_COLUMNS", "choice_column", "load_rule_table", "text_column",
]
