"""The dashboard as a result: what :class:`Report` holds, says and draws, and the files it writes.

A :class:`Report` (what :func:`recoup_lib.report.build_report` and
:func:`recoup_lib.report.report_from_audit` return) carries the metrics, the
trend, the notices' aging and ledger and what was set aside; ``summary()``
gives its headline (:data:`HEADLINE_METRICS`), ``figures()`` its charts
(:data:`FIGURE_TITLES`), and ``write(out)`` (:func:`write_report`) writes
metrics.csv, trend.csv, summary.json, the PNG figures, report.md,
rejected.csv and, on request, report.xlsx, whole or not at all
(:func:`recoup_lib.outputs.writes_folder`).
"""

from __future__ import annotations

import datetime as dt
import json
from dataclasses import dataclass, field
from pathlib import Path

import pandas as pd

from ..folder import problems_frame, write_csv
from ..money import dollars
from ..notices import NoNoticeUsed
from ..outputs import writes_folder
from ..remit import taken_back
from ..results import StepResult
from ._markdown import format_metric
from ._metrics import metrics_text
from ._plots import (
    plot_at_risk_pareto,
    plot_exposure_by_month,
    plot_notice_aging,
    plot_recoupments_by_month,
    plot_top_at_risk,
    save_figures,
)

__all__ = ["Report", "write_report", "FIGURE_TITLES", "HEADLINE_METRICS"]

#: The metrics :meth:`Report.summary` lists, in order.
HEADLINE_METRICS = ("clean_claim_rate", "denial_rate_claims", "recoupment_dollars", "recoupment_rate",
                    "exposure_rate", "notices_open", "appeal_overturn_rate", "days_notice_to_response")

#: Figure file stems and their captions, in the order report.md shows them.
FIGURE_TITLES = {
    "at_risk_pareto": "Money at risk by cause (Pareto)",
    "recoupments_by_month": "Money taken back by month",
    "exposure_by_month": "Exposure: money at risk by month of service",
    "notice_aging": "Open recoupment notices by age",
    "top_providers": "Top providers by money at risk",
    "top_codes": "Top procedure codes by money at risk",
}


@dataclass
class Report(StepResult):
    """Everything the dashboard shows: the result of :func:`build_report`.

    Attributes
    ----------
    as_of : datetime.date
        The day notices are aged and deadlines counted from: given, or the
        folder's own (its latest payment, remittance or notice date), never
        the wall clock.
    as_of_note : str
        Where ``as_of`` came from when it was not given; blank when given.
    audit : recoup_lib.rules.AuditResult
    metrics : pandas.DataFrame
        :data:`recoup_lib.report.METRIC_COLUMNS`, one row per metric,
        switched-off ones included with their reason.
    trend : pandas.DataFrame
        :func:`recoup_lib.report.trend_by_month`.
    aging : pandas.DataFrame or None
        Open notices by age, what is still open after the money already
        taken back (None without notices).
    ledger : pandas.DataFrame or None
        Per notice: taken, still open, days open (the open ledger
        ``recoup reconcile`` writes, for the same as-of).
    remit : recoup_lib.remit.Remit or None
        The 835s read from ``remits/`` (what links take-backs to notices),
        so :func:`report_from_audit` can compute the same report again.
    recoupments : pandas.DataFrame or None
        The contract's recoupments columns, when remittance data was given.
    recoupment_source : str
    appeals : recoup_lib.appeals.AppealResult or None
    outcomes : pandas.DataFrame or None
    messages : list of str
        What was switched off or set aside, and why.
    problems : list of recoup_lib.errors.Problem
        Every input value set aside (the audit's, the notices' and payers',
        recoupments.csv's and appeal_outcomes.csv's), written to rejected.csv.
    names : dict
        Display names: ``names["provider"][npi]``, ``names["payer"][payer_id]``.
    title : str
        The folder's name (never a full path, so outputs do not depend on
        the machine).
    notices_unused : recoup_lib.notices.NoNoticeUsed or None
        That no notice could be used, when notices were given and none could
        be (:func:`recoup_lib.notices.notices_unused`), so the notice metrics
        are switched off: said in the metrics' note (naming ``notices.csv``
        and ``rejected.csv``) and in ``recoup report``'s warning (naming the
        folder's notices.csv and OUT/rejected.csv); None otherwise.
    """

    written_by = "recoup report"

    as_of: dt.date
    audit: object
    metrics: pd.DataFrame
    trend: pd.DataFrame
    aging: pd.DataFrame | None = None
    ledger: pd.DataFrame | None = None
    remit: object | None = None
    recoupments: pd.DataFrame | None = None
    recoupment_source: str = ""
    appeals: object | None = None
    outcomes: pd.DataFrame | None = None
    messages: list[str] = field(default_factory=list)
    problems: list = field(default_factory=list)
    names: dict = field(default_factory=dict)
    title: str = ""
    as_of_note: str = ""
    notices_unused: NoNoticeUsed | None = None

    @property
    def input_paths(self) -> list[Path]:
        """The folder the report read: :meth:`write` never writes into it."""
        return list(getattr(self.audit, "input_paths", []))

    @property
    def decisions(self) -> pd.DataFrame | None:
        return None if self.appeals is None else self.appeals.decisions

    @property
    def worklist(self) -> pd.DataFrame | None:
        """The appeal worklist, of the notices still open after the money already taken back."""
        if self.appeals is None:
            return None
        work = self.appeals.worklist
        if self.ledger is None:
            return work
        still = set(self.ledger.loc[self.ledger["open_cents"] > 0, "notice_id"])
        return work.loc[work["notice_id"].isin(still).to_numpy()].reset_index(drop=True)

    def totals(self) -> dict:
        """The figures written to ``summary.json``: the as-of, the claim lines, money taken back (net and gross),
        notices open.

        ``lines`` and ``claims`` are every claim line audited (those
        ``at_risk_cents`` counts); ``lines_submitted`` and
        ``claims_submitted`` are the metrics' (metrics.csv): with an as-of
        given, only the lines submitted by then.
        """
        by = self.metrics.set_index("metric")

        def count(name):
            return int(by.loc[name, "numerator"]) if name in by.index and by.loc[name, "available"] else None

        lines = self.audit.lines
        out = {"as_of": self.as_of.isoformat(), "as_of_from": self.as_of_note or "given",
               "lines": len(lines), "claims": int(lines["claim_id"].nunique()),
               "lines_submitted": count("lines_submitted"), "claims_submitted": count("claims_submitted"),
               "at_risk_cents": int(self.audit.total_at_risk_cents)}
        if self.recoupments is not None:
            net = taken_back(self.recoupments)
            out.update({"taken_back": net / 100, "taken_back_cents": net,
                        "taken_back_gross_cents": int(self.recoupments["amount_cents"].astype("int64").sum()),
                        "recoupments": len(self.recoupments), "recoupment_source": self.recoupment_source})
        if self.ledger is not None:
            out.update({"notices": len(self.ledger), "notices_open": count("notices_open"),
                        "open_cents": count("open_notice_dollars")})
        return out

    @property
    def switched_off(self) -> pd.DataFrame:
        """The metrics that could not be computed, with the reason."""
        return self.metrics.loc[~self.metrics["available"], ["metric", "label", "note"]].reset_index(drop=True)

    @writes_folder
    def write(self, out, *, xlsx: bool = False) -> list[Path]:
        """Write metrics.csv, trend.csv, the figures, report.md, rejected.csv and (``xlsx``) report.xlsx;
        see :func:`write_report`."""
        return list(write_report(self, out, xlsx=xlsx).values())

    def summary(self) -> str:
        """The size of the practice, the money at risk, the headline metrics and what was switched off."""
        lines = self.audit.lines
        when = f"as of {self.as_of:%Y-%m-%d}" + (f" ({self.as_of_note})" if self.as_of_note else "")
        out = [f"{when}; {len(lines):,} lines on {lines['claim_id'].nunique():,} claims; "
               f"{dollars(self.audit.total_at_risk_cents)} at risk (capped per line)"]
        by = self.metrics.set_index("metric")
        for name in HEADLINE_METRICS:
            row = by.loc[name]
            if not row["available"]:
                out.append(f"  {row['label']}: off -- {row['note']}")
                continue
            value, basis = format_metric(row)
            out.append(f"  {row['label']}: {value}" + (f" ({basis})" if basis else ""))
        out += [f"  {message}" for message in self.messages]
        return "\n".join(out)

    def figures(self) -> dict:
        """The dashboard's figures by file stem (see :data:`FIGURE_TITLES`)."""
        findings = self.audit.findings
        figs = {"at_risk_pareto": plot_at_risk_pareto(findings, "error_type")}
        if self.recoupments is not None:
            figs["recoupments_by_month"] = plot_recoupments_by_month(self.recoupments)
        figs["exposure_by_month"] = plot_exposure_by_month(findings)
        if self.aging is not None:
            figs["notice_aging"] = plot_notice_aging(self.aging)
        figs["top_providers"] = plot_top_at_risk(findings, "provider", names=self.names.get("provider"))
        figs["top_codes"] = plot_top_at_risk(findings, "code")
        return figs


def write_report(report: Report, out, xlsx: bool = False) -> dict[str, Path]:
    """Write the dashboard: metrics.csv, trend.csv, the figures as PNG, report.md, rejected.csv and report.xlsx.

    Parameters
    ----------
    report : Report
    out : path-like
        Created if needed. The PNGs sit next to report.md, which links them
        by relative path.
    xlsx : bool, default False
        Also write report.xlsx (:func:`recoup_lib.report.write_report_workbook`).

    Returns
    -------
    dict of str to Path
        Paths written, by name (``metrics``, ``trend``, ``report``,
        ``rejected`` (every input value set aside, with its file, row,
        column and reason; only a header when none was), ``xlsx`` and one
        per figure).
    """
    from ._excel import write_report_workbook
    from ._markdown import report_markdown

    out = Path(out)
    out.mkdir(parents=True, exist_ok=True)
    paths = {"metrics": write_csv(metrics_text(report.metrics), out / "metrics.csv", text=True),
             "trend": write_csv(report.trend, out / "trend.csv")}
    summary = out / "summary.json"
    summary.write_text(json.dumps(report.totals(), indent=2) + "\n", encoding="utf-8")
    paths["summary"] = summary
    figures = save_figures(report.figures(), out)
    paths.update(figures)
    markdown = report_markdown(report, {name: path.name for name, path in figures.items()})
    (out / "report.md").write_text(markdown, encoding="utf-8")
    paths["report"] = out / "report.md"
    paths["rejected"] = write_csv(problems_frame(report.problems), out / "rejected.csv", text=True)
    if xlsx:
        paths["xlsx"] = write_report_workbook(report, out / "report.xlsx")
    return paths
