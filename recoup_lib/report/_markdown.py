"""report.md: the dashboard as one readable Markdown page, figures linked by relative path.

Every value that comes from a user's file (provider names, notice ids,
codes) goes through :func:`recoup_lib.appeals.markdown_escape`, so it shows
as text and can neither start a table, a link nor raw HTML.
"""

from __future__ import annotations

import pandas as pd

from ..appeals import markdown_escape
from ..money import dollars
from ..rules import CATEGORY_LABELS, summarise
from ._metrics import off_reasons

__all__ = ["BENCHMARKS", "HEADLINE", "format_metric", "report_markdown"]

#: Published benchmarks shown beside the headline metrics (docs/sources.md §9.1-9.2; sources there).
BENCHMARKS = {
    "clean_claim_rate": "95% or more (HFMA MAP Keys, via secondary sources)",
    "denial_rate_claims": "5-10% typical, under 5% good (MGMA, secondary)",
    "denial_rate_lines": "5-10% typical, under 5% good (MGMA, secondary)",
    "denial_rate_dollars": "5-10% typical (MGMA, secondary)",
    "recoupment_rate": "no public benchmark (kit-defined)",
    "exposure_rate": "no public benchmark (kit-defined)",
    "appeal_overturn_rate": "Medicare: about 11% at redetermination for RAC appeals (2012); 18-56% at ALJ",
    "days_notice_to_response": "Medicare: file by day 30 to stop the offset",
}
#: Metrics in the headline table, in order.
HEADLINE = ("clean_claim_rate", "denial_rate_claims", "denial_rate_lines", "denial_rate_dollars",
            "recoupment_dollars", "recoupment_gross_dollars", "recoupment_rate", "reversals_posted_dollars",
            "money_at_risk", "exposure_rate", "notices_received", "notices_open", "open_notice_dollars",
            "disputed_dollars", "appeal_overturn_rate", "days_notice_to_response",
            "worklist_days_left_median", "notices_past_deadline")
_BASIS_WORDS = {"claims": "claims", "lines": "lines", "notices": "notices", "appeals": "appeals",
                "recoupments": "recoupments"}


def _count(v) -> str:
    return f"{int(v):,}"


def format_metric(row) -> tuple[str, str]:
    """(value, basis) of one metrics row as text for people.

    >>> import pandas as pd
    >>> row = pd.Series({"unit": "percent", "value": 91.0241, "numerator": 1439, "denominator": 1581,
    ...                  "basis": "claims", "available": True})
    >>> format_metric(row)
    ('91.02%', '1,439 of 1,581 claims')
    >>> format_metric({**row, "available": False})[0]
    'off'
    """
    if not row["available"]:
        return "off", "switched off (see the end of the page)"
    unit, basis = row["unit"], row["basis"]
    num, den, value = row["numerator"], row["denominator"], row["value"]
    money = basis == "cents"

    def part(v):
        return dollars(int(v)) if money else _count(v)

    if unit == "dollars":
        return dollars(int(num)), ""
    if unit == "count":
        text = _count(num)
        return text, (f"of {_count(den)} {_BASIS_WORDS.get(basis, basis)}" if pd.notna(den) else "")
    if unit == "days":
        text = "n/a" if pd.isna(value) else f"{float(value):.1f} days"
        return text, (f"{_count(den)} {_BASIS_WORDS.get(basis, basis)}" if pd.notna(den) else "")
    text = "n/a" if pd.isna(value) else f"{float(value):.2f}%"
    words = "" if money else f" {_BASIS_WORDS.get(basis, basis)}"
    return text, (f"{part(num)} of {part(den)}{words}" if pd.notna(num) and pd.notna(den) else "")


def _table(header: list[str], rows: list[list[str]], align: str) -> list[str]:
    out = ["| " + " | ".join(header) + " |", "|" + "|".join("---:" if a == "r" else "---" for a in align) + "|"]
    out += ["| " + " | ".join(r) + " |" for r in rows]
    return out


def _headline(metrics: pd.DataFrame) -> list[str]:
    by = metrics.set_index("metric")
    rows = []
    for name in HEADLINE:
        if name not in by.index:
            continue
        row = by.loc[name]
        if name.startswith(("worklist_", "notices_past")) and not row["available"]:
            continue
        value, basis = format_metric(row)
        rows.append([markdown_escape(row["label"]), value, basis, BENCHMARKS.get(name, "")])
    return _table(["Metric", "Value", "Basis", "Benchmark"], rows, "lrll")


def _at_risk(findings: pd.DataFrame) -> list[str]:
    s = summarise(findings, "category")
    rows = [[CATEGORY_LABELS.get(r.category, r.category), _count(r.lines), _count(r.findings),
             dollars(int(r.at_risk_capped_cents))] for r in s.itertuples(index=False)]
    rows.append(["**Total**", _count(s["lines"].sum()), _count(s["findings"].sum()),
                 f"**{dollars(int(s['at_risk_capped_cents'].sum()))}**"])
    return _table(["Cause", "Lines", "Findings", "At risk (capped)"], rows, "lrrr")


def _top(findings: pd.DataFrame, by: str, names: dict, n: int = 5) -> list[str]:
    s = summarise(findings, by)
    s = s.loc[s["at_risk_capped_cents"] > 0].head(n)
    if not len(s):
        return ["Nothing at risk."]
    rows = []
    for r in s.itertuples(index=False):
        key = str(getattr(r, by))
        label = f"{names[key]} ({key})" if names and key in names else key
        rows.append([markdown_escape(label), _count(r.lines), dollars(int(r.at_risk_capped_cents))])
    return _table([by.capitalize(), "Lines", "At risk (capped)"], rows, "lrr")


def _worklist(worklist: pd.DataFrame, n: int = 5) -> list[str]:
    if not len(worklist):
        return ["No open notices."]
    rows = []
    for r in worklist.head(n).itertuples(index=False):
        deadline = "" if pd.isna(r.next_deadline) else f"{pd.Timestamp(r.next_deadline):%Y-%m-%d}"
        left = "" if pd.isna(r.days_left) else str(int(r.days_left))
        rows.append([markdown_escape(r.notice_id), markdown_escape(r.payer_name), markdown_escape(r.recommendation),
                     deadline, left, markdown_escape(r.next_action), dollars(int(r.disputed_amount_cents))])
    return _table(["Notice", "Payer", "Decision", "Next deadline", "Days left", "Next action", "Disputed"],
                  rows, "lllrrlr")


#: What "taken back" means, in plain words, wherever the report shows it.
TAKEN_BACK_WORDS = ("\"Taken back\" is the money the payer actually kept: a reversal takes back a whole payment, "
                    "but the corrected payment that usually follows it pays most of it again, so only the "
                    "difference counts; an offset counts for what was withheld from a deposit, less any part the "
                    "payer deferred and collected later. Each dollar counts once, so the figure is the same in "
                    "every view of the kit.")


def _gross_words(recoupments: pd.DataFrame) -> str:
    net = int(recoupments["net_amount_cents"].astype("int64").sum())
    gross = int(recoupments["amount_cents"].astype("int64").sum())
    if gross == net:
        return ""
    return (f" Here: {dollars(net)} taken back; the take-backs' gross total, {dollars(gross)}, counts every "
            "reversal in full and is not money lost.")


def _as_of_words(report) -> str:
    note = getattr(report, "as_of_note", "")
    return f" ({markdown_escape(note)})" if note else ""


def _figure(figures: dict, name: str, caption: str) -> list[str]:
    return [f"![{caption}]({figures[name]})", ""] if name in figures else []


def report_markdown(report, figures: dict[str, str]) -> str:
    """The dashboard page.

    Parameters
    ----------
    report : recoup_lib.report.Report
    figures : dict of str to str
        Figure stem -> path relative to report.md (figures absent from it
        are not shown).

    Returns
    -------
    str
        Markdown: headline metrics with benchmarks, money at risk by cause,
        the monthly picture, open notices, top providers and codes, what
        was switched off and why.
    """
    from ._result import FIGURE_TITLES

    audit = report.audit
    lines = audit.lines
    title = f" -- {markdown_escape(report.title)}" if report.title else ""
    parts = [f"# Recoupment prevention dashboard{title}", "",
             f"As of {report.as_of:%Y-%m-%d}{_as_of_words(report)}: {len(lines):,} claim lines on "
             f"{lines['claim_id'].nunique():,} "
             f"claims; {dollars(audit.total_at_risk_cents)} at risk of recoupment (each line capped at what "
             "was paid on it). Every metric, its formula and its source are in `metrics.csv`; month by month "
             "in `trend.csv`.", "", "## Headline", ""]
    parts += _headline(report.metrics)
    parts += ["", "## Where the money at risk is", ""]
    parts += _figure(figures, "at_risk_pareto", FIGURE_TITLES["at_risk_pareto"])
    parts += _at_risk(audit.findings)
    parts += ["", "## Month by month", ""]
    if report.recoupments is not None:
        parts += [f"Money taken back, from {markdown_escape(report.recoupment_source)}:", ""]
        parts += _figure(figures, "recoupments_by_month", FIGURE_TITLES["recoupments_by_month"])
        parts += [TAKEN_BACK_WORDS + _gross_words(report.recoupments), ""]
    else:
        parts += ["No remittance data was given, so the audit's exposure (what payers could take back) "
                  "stands in for recoupments:", ""]
    parts += _figure(figures, "exposure_by_month", FIGURE_TITLES["exposure_by_month"])
    if report.appeals is not None:
        parts += ["## Open recoupment notices", ""]
        parts += _figure(figures, "notice_aging", FIGURE_TITLES["notice_aging"])
        parts += [f"Aged as of {report.as_of:%Y-%m-%d}, for what each notice still asks after the money the "
                  "payer already took back against it (the open ledger `recoup reconcile` writes for the same "
                  "date); notices taken in full are not open.", ""]
        parts += ["Most urgent first:", ""] + _worklist(report.worklist) + [""]
    parts += ["## Top providers and codes", ""]
    parts += _figure(figures, "top_providers", FIGURE_TITLES["top_providers"])
    parts += _top(audit.findings, "provider", report.names.get("provider") or {}) + [""]
    parts += _figure(figures, "top_codes", FIGURE_TITLES["top_codes"])
    parts += _top(audit.findings, "code", {}) + [""]
    off = off_reasons(report.metrics)
    if off or report.messages:
        parts += ["## Switched off and set aside", ""]
        parts += [f"- {markdown_escape(labels)}: {markdown_escape(note)}" for labels, note in off]
        parts += [f"- {markdown_escape(m)}" for m in report.messages]
        parts.append("")
    return "\n".join(parts).rstrip("\n") + "\n"
