"""Where the claim reviewer's answers come from: a practice's answer key, or the audit's findings.

A generated practice has ``labels.csv``, the answer key its errors were
planted from: a deck over it is graded. An office's own folder (``recoup
import``) has none, so a deck over it shows the audit's findings instead,
those passed in (``recoup audit``'s findings.csv) or the audit run on the
folder, and is not scored: the audit is what is being reviewed, not the
truth.
"""

from __future__ import annotations

import tempfile
from pathlib import Path

import pandas as pd

from ..errors import InputError, InvalidParameterError
from ..filekind import not_a_file, present, shown
from ..folder import read_table
from ..rules import audit_folder

__all__ = ["ANSWER_KEY", "AUDIT_KEY", "audit_and_key"]

#: Where a card's answer comes from: the answer key of a generated practice (graded) ...
ANSWER_KEY = "labels.csv"
#: ... or the audit's findings on an office's own folder (shown, not scored).
AUDIT_KEY = "the audit"


def _read(folder: Path, findings=None, audit=None):
    """The folder read and typed by the audit step, its claims' key, and where the key comes from.

    The key is labels.csv when the folder has one (findings given as well
    are refused: the deck would be graded against labels.csv, not them);
    else the findings given, else the audit's findings on the folder (the
    audit is then run with every rule, as ``recoup audit`` runs it). An
    ``audit`` of the folder already run with every rule is used rather than
    run again.
    """
    labels_path = folder / "labels.csv"
    if findings is not None and present(labels_path):
        raise InvalidParameterError(f"findings: {labels_path} is the answer key of a generated practice, and a "
                                    "deck over it is graded against it, not against findings; give findings only "
                                    "for a folder without labels.csv (an office's own), or leave them out")
    keyed_by_audit = findings is None and not present(labels_path)
    if audit is None:
        audit = audit_folder(folder) if keyed_by_audit else audit_folder(folder, only=[])
    if keyed_by_audit:
        return audit, audit.findings, AUDIT_KEY
    if not present(labels_path):
        return audit, _given_findings(findings, audit.lines, folder), AUDIT_KEY
    labels = read_table(labels_path)
    if labels.problems:
        raise InputError(f"{labels.problems[0].message} A claim whose key row is set aside would be graded as "
                         f"clean, so the deck cannot be graded ({len(labels.problems)} problem(s) in labels.csv).")
    return audit, labels.data, ANSWER_KEY


def _given_findings(findings, lines: pd.DataFrame, folder: Path) -> pd.DataFrame:
    """Findings passed in (a table, a findings.csv, or the folder ``recoup audit`` wrote), checked against the
    folder's claim lines: a finding on a line the folder does not have is of another folder."""
    if isinstance(findings, pd.DataFrame):
        table, label = findings, "findings"
    else:
        path = Path(findings)
        path = path / "findings.csv" if path.is_dir() else path
        what = not_a_file(path)
        if what:
            raise InvalidParameterError(f"findings: {what} {shown(path)!r} (give the findings.csv "
                                        "`recoup audit` wrote, or its --out folder)")
        parsed = read_table(path, "findings.csv")
        if parsed.problems:
            raise InputError(f"{parsed.problems[0].message} A claim whose finding is set aside would be shown as "
                             f"clean ({len(parsed.problems)} problem(s) in {path}).")
        table, label = parsed.data, str(path)
    missing = [c for c in ("claim_id", "line_no", "error_type", "at_risk_cents") if c not in table.columns]
    if missing:
        raise InvalidParameterError(f"{label}: expected the audit's findings; missing column(s) {', '.join(missing)}")
    known = pd.MultiIndex.from_frame(lines[["claim_id", "line_no"]].astype({"line_no": "int64"}))
    where = pd.MultiIndex.from_frame(table[["claim_id", "line_no"]].astype({"line_no": "int64"}))
    stray = ~where.isin(known)
    if stray.any():
        first = table.loc[stray].iloc[0]
        row = f"row {int(first['_row'])}: " if "_row" in table.columns else ""
        raise InputError(f"{label}: {row}claim {first['claim_id']} line {first['line_no']} is not in "
                         f"{folder / 'claim_lines.csv'} ({int(stray.sum())} finding(s) are not): these findings "
                         "are of another folder or an older import; audit the folder again (recoup audit) or "
                         "leave the findings out to have it audited here")
    return table


def audit_and_key(source, findings=None, audit=None):
    """The audit, the key and its origin, of a folder or of a practice in memory (which has labels).

    ``audit``: the folder's audit already run with every rule, not run again (ignored with a practice).
    """
    if isinstance(source, (str, Path)):
        return _read(Path(source), findings, audit)
    if findings is not None:
        raise InvalidParameterError("findings: a practice in memory is graded against its own answer key "
                                    "(labels.csv), not against findings; give findings only with an office's "
                                    "folder, or leave them out")
    with tempfile.TemporaryDirectory(prefix="recoup-deck-") as scratch:
        source.write(scratch, payer=False)
        return _read(Path(scratch))
