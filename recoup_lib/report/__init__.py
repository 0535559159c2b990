"""The prevention dashboard: metrics, figures, report.md and Excel workbooks.

Pure functions over DataFrames compute each metric a revenue-cycle manager
tracks (docs/sources.md §9.1) and return rows of one table; a metric whose input
is missing is switched off with its reason instead of failing. Figures are
matplotlib Figures of a fixed size; workbooks are typed, filtered and
guarded against formula injection.

==============================  =====================================================
:func:`build_report`            the report step: folder -> :class:`Report` (``recoup report``)
:func:`report_from_audit`       the same from an audit (and appeals, recoupments) in memory
:func:`write_report`            ``Report.write``: metrics.csv, trend.csv, PNGs, report.md, report.xlsx
:func:`clean_claim_rate`        clean claims / claims submitted (kit proxy for HFMA)
:func:`denial_rate`             denied claims, lines, charged dollars / submitted
:func:`denials`                 which payments are denials (0 paid, refused: no routine adjustment)
:func:`recoupment_rate`         money taken back on the folder's claims / money paid (835 or recoupments.csv)
:func:`other_claims_warning`    the warning when the remittances mostly concern claims the folder lacks
:func:`folder_remittance`       a folder's take-backs: recoupments.csv, else the 835s of remits/
:func:`money_at_risk`           the audit's exposure, capped per line, by cause
:func:`appeal_overturn_rate`    appeals won fully or partly / decided, per level
:func:`notice_response_days`    notice date to response (or days left on the worklist)
:func:`notice_aging`            open notices by age (reconcile's buckets), after money already taken back
:func:`open_notices`            notices still open after money taken back (the open ledger), and for how much
:func:`trend_by_month`          volume, denials, risk, take-backs, notices by month
:func:`weekly_cash`             a payer's payments by week, with an offset taken out
``plot_*``, :func:`save_figures`  Pareto of causes, money by month, aging, top providers/codes
:func:`pareto_table`            causes ranked by money, with their running share
``*_chart``                     the lessons' charts: timeline, cash flow, bars, samples, take-backs
:func:`write_audit_workbook`    ``recoup audit --xlsx``
:func:`write_appeal_workbook`   decisions and worklist as a workbook
:func:`write_report_workbook`   ``recoup report --xlsx``
:func:`patient_share_changes`   re-adjudicated lines: what the patient owes now (refund or bill)
:func:`takeback_patient_effects`  a payer take-back's effect on the patient (refund, bill, other payer)
:func:`patient_credit_balances`  credits owed to patients, their age, when they become unclaimed property
:func:`credit_balance_report_rule`  Medicare credit balance reporting (CMS-838 quarterly until 2024-11-30)
:func:`plain_table`             a table for people: dollars, dates, plain column names
==============================  =====================================================

Example
-------
>>> from recoup_lib.report import build_report, metric_value
>>> from recoup_lib.synthetic.demo import demo_path
>>> report = build_report(demo_path("family_practice"), as_of="2026-03-01")
>>> 0 < metric_value(report.metrics, "clean_claim_rate") < 100
True
"""

from ._appeal_metrics import (
    AGING_BUCKETS,  # noqa: F401 - the former name of NOTICE_AGE_BUCKETS, for existing imports
    DECIDED_OUTCOMES,
    NOTICE_AGE_BUCKETS,
    OUTCOMES,
    RESPONSE_DATE_COLUMNS,
    WON_OUTCOMES,
    appeal_overturn_rate,
    notice_aging,
    notice_amounts,
    notice_response_days,
    open_notices,
)
from ._build import REMIT_SUFFIXES, FolderRemittance, build_report, folder_remittance, report_from_audit
from ._charts import cash_flow_chart, money_bar_chart, recoupment_chart, sampling_chart, timeline_chart
from ._claim_metrics import clean_claim_rate, denial_rate, denials, line_status, volume
from ._excel import (
    DATE_FORMAT,
    FORMULA_TRIGGERS,
    MAX_ROWS,
    MONEY_FORMAT,
    MONTH_FORMAT,
    PERCENT_FORMAT,
    Money,
    Percent,
    safe_text,
    write_appeal_workbook,
    write_audit_workbook,
    write_report_workbook,
    write_tables_workbook,
)
from ._markdown import BENCHMARKS, HEADLINE, format_metric, report_markdown
from ._metrics import METRIC_COLUMNS, metric_value, metrics_text, off_reasons, switched_off
from ._money_metrics import money_at_risk, other_claims_warning, payment_reversals, recoupment_rate
from ._patient_side import (
    PATIENT_EFFECTS,
    SHARE_COLUMNS,
    PatientRules,
    credit_balance_report_rule,
    load_patient_rules,
    patient_credit_balances,
    patient_share_changes,
    takeback_patient_effects,
)
from ._plain import plain_table
from ._plots import (
    DPI,
    FIGSIZE,
    pareto_table,
    plot_at_risk_pareto,
    plot_exposure_by_month,
    plot_money_by_month,
    plot_notice_aging,
    plot_pareto,
    plot_recoupments_by_month,
    plot_top_at_risk,
    save_figures,
)
from ._result import FIGURE_TITLES, HEADLINE_METRICS, Report, write_report
from ._tables import (
    RECOUPMENT_COLUMNS,
    outcomes_frame,
    outcomes_from_decisions,
    outcomes_in_run,
    read_outcomes,
    read_recoupments,
    recoupments_frame,
    recoupments_from_payments,
    recoupments_from_remits,
)
from ._trend import trend_by_month, weekly_cash

__all__ = [
    "BENCHMARKS", "DATE_FORMAT", "DECIDED_OUTCOMES", "DPI", "FIGSIZE",
    "FIGURE_TITLES", "FORMULA_TRIGGERS", "HEADLINE", "HEADLINE_METRICS", "MAX_ROWS", "METRIC_COLUMNS", "MONEY_FORMAT",
    "MONTH_FORMAT", "NOTICE_AGE_BUCKETS", "OUTCOMES", "PERCENT_FORMAT", "RECOUPMENT_COLUMNS",
    "REMIT_SUFFIXES", "RESPONSE_DATE_COLUMNS", "WON_OUTCOMES",
    "FolderRemittance", "Money", "Percent", "Report",
    "appeal_overturn_rate", "build_report", "cash_flow_chart", "clean_claim_rate", "denial_rate", "denials",
    "folder_remittance", "format_metric", "line_status", "metric_value", "metrics_text", "money_at_risk",
    "money_bar_chart",
    "notice_aging", "notice_amounts", "notice_response_days", "off_reasons", "open_notices",
    "other_claims_warning", "outcomes_frame", "outcomes_from_decisions", "outcomes_in_run",
    "pareto_table", "payment_reversals",
    "plot_at_risk_pareto", "plot_exposure_by_month", "plot_money_by_month", "plot_notice_aging", "plot_pareto",
    "plot_recoupments_by_month", "plot_top_at_risk", "read_outcomes", "read_recoupments", "recoupment_chart",
    "recoupment_rate", "recoupments_frame", "recoupments_from_payments", "recoupments_from_remits",
    "report_from_audit", "report_markdown", "safe_text", "sampling_chart", "save_figures", "switched_off",
    "timeline_chart", "trend_by_month", "volume", "weekly_cash", "write_appeal_workbook",
    "write_audit_workbook", "write_report", "write_report_workbook", "write_tables_workbook",
    "PATIENT_EFFECTS", "SHARE_COLUMNS", "PatientRules", "credit_balance_report_rule", "load_patient_rules",
    "patient_credit_balances", "patient_share_changes", "takeback_patient_effects", "plain_table",
]
