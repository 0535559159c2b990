"""Writing an audit's results: findings.csv, findings_detail.csv, summary.csv, summary.md,
rejected.csv (with rejected_rows/) and run.json (see :func:`write_audit`)."""

from __future__ import annotations

import json
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

import pandas as pd

from ..csvout import write_csv_and_front, write_csvs
from ..folder import AuditInputs, write_csv
from ..money import dollars
from ._aside import problem_frames, row_batches
from ._engine import FINDING_COLUMNS, AuditResult
from ._summary import SUMMARY_DIMENSIONS

__all__ = ["write_audit", "write_audit_set_aside", "summary_markdown"]


def write_audit(result: AuditResult, out: str | Path) -> dict[str, Path]:
    """Write findings.csv, summary.csv, summary.md, rejected.csv and run.json to ``out``.

    Returns the paths written, by name.
    """
    out = Path(out)
    out.mkdir(parents=True, exist_ok=True)
    paths = {}
    runs = result._spilled()
    if runs is not None:
        detail = (batch.drop(columns=["_line", "_order"]) for batch in runs.batches())
        together = True
    else:
        findings = result.findings
        detail = result.capped.drop(columns=["_line"])
        together = (list(detail.columns[:len(FINDING_COLUMNS)]) == FINDING_COLUMNS
                    and detail.index.equals(findings.index))
    # The two findings files are Arrow's work (outside the interpreter lock): the summaries are
    # made here meanwhile. findings.csv is the detail's first columns, row for row (as the engine
    # makes them, and as the runs hold them): their text is made once for both files.
    with ThreadPoolExecutor(max_workers=1) as pool:
        if together:
            writing = pool.submit(write_csv_and_front, detail, out / "findings_detail.csv", len(FINDING_COLUMNS),
                                  out / "findings.csv")
        else:
            writing = pool.submit(lambda: tuple(write_csvs({out / "findings_detail.csv": detail,
                                                            out / "findings.csv": findings[FINDING_COLUMNS]}).values()))
        rest = _write_summaries(result, out)
        paths["findings_detail"], paths["findings"] = writing.result()
    return {"findings": paths["findings"], "findings_detail": paths["findings_detail"], **rest}


def _write_summaries(result: AuditResult, out: Path) -> dict[str, Path]:
    """summary.csv, summary.md, rejected.csv and run.json of :func:`write_audit`."""
    paths = {}
    summaries = {by: result.totals(by) for by in SUMMARY_DIMENSIONS}
    summary = pd.concat([pd.DataFrame({"dimension": by, "key": s[by].astype("str"), "lines": s["lines"],
                                       "findings": s["findings"], "at_risk_cents": s["at_risk_cents"],
                                       "at_risk_capped_cents": s["at_risk_capped_cents"]})
                         for by, s in summaries.items()], ignore_index=True)
    paths["summary"] = write_csv(summary, out / "summary.csv")
    (out / "summary.md").write_text(summary_markdown(result, summaries), encoding="utf-8")
    paths["summary_md"] = out / "summary.md"
    paths.update(_write_rejected(result.inputs, out))
    run = {
        "rules_run": [r.error_type for r in result.rules_run],
        "rules_switched_off": result.switched_off.to_dict(orient="records"),
        "files": (result.inputs.counts.to_dict(orient="records") if result.inputs is not None else []),
        "lines_audited": result.lines_audited, "lines_paid": result.lines_paid,
        "findings": result.finding_count,
        "lines_flagged": result.lines_flagged,
        "at_risk_capped": dollars(result.total_at_risk_cents),
    }
    (out / "run.json").write_text(json.dumps(run, indent=2, default=str) + "\n", encoding="utf-8")
    paths["run"] = out / "run.json"
    return paths


def _write_rejected(inputs: AuditInputs | None, out: Path) -> dict[str, Path]:
    """rejected.csv (one row per problem) and rejected_rows/FILE (each file's rows set aside, as read)."""
    paths = {"rejected": write_csv(problem_frames(inputs.problems if inputs is not None else []),
                                   out / "rejected.csv", text=True)}
    if inputs is not None:
        for name in inputs.rejected_rows:
            paths[f"rejected_rows/{name}"] = write_csv(
                (rows.astype("str").fillna("") for rows in row_batches(inputs.rejected_rows, name)),
                out / "rejected_rows" / name, text=True)
    return paths


def write_audit_set_aside(inputs: AuditInputs, out: str | Path, reason: str) -> dict[str, Path]:
    """What an audit that could not run still owes its user: the rows set aside, and why it stopped.

    Writes ``rejected.csv``, ``rejected_rows/`` and a ``run.json`` whose
    ``status`` says no findings were produced (with ``reason`` and each
    file's rows read, used and set aside). No findings or summary file is
    written, so the folder never looks like a clean result.

    Returns the paths written, by name.
    """
    out = Path(out)
    out.mkdir(parents=True, exist_ok=True)
    paths = _write_rejected(inputs, out)
    run = {"status": "no findings produced", "reason": reason,
           "files": inputs.counts.to_dict(orient="records")}
    (out / "run.json").write_text(json.dumps(run, indent=2, default=str) + "\n", encoding="utf-8")
    paths["run"] = out / "run.json"
    return paths


def summary_markdown(result: AuditResult, summaries: dict | None = None) -> str:
    """The summary as a short Markdown report (``summaries``: already computed tables by dimension)."""
    parts = ["# Audit summary", ""]
    parts.append(f"- Lines audited: {result.lines_audited:,}; paid lines: {result.lines_paid:,}")
    parts.append(f"- Lines flagged: {result.lines_flagged:,}; findings: {result.finding_count:,}")
    parts.append(f"- Money at risk (each line capped at what was paid): {dollars(result.total_at_risk_cents)}")
    for message in result.messages:
        parts.append(f"- {message}")
    for by in SUMMARY_DIMENSIONS:
        s = summaries[by] if summaries and by in summaries else result.totals(by)
        parts += ["", f"## By {by}", "", f"| {by} | lines | findings | at risk (capped) |",
                  "|---|---:|---:|---:|"]
        for row in s.itertuples(index=False):
            parts.append(f"| {row[0]} | {row.lines:,} | {row.findings:,} | {dollars(row.at_risk_capped_cents)} |")
    return "\n".join(parts) + "\n"
