"""The appeal folder end to end: read, decide, list, draft, write (I/O at the edges)."""

from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path

import pandas as pd

from ..errors import InputError, Problem
from ..folder import AuditInputs, problems_frame, read_audit_folder, read_table, to_text_frame, write_csv
from ._decide import decide, usable_notices
from ._ladder import appeal_path
from ._letters import Letter, letters, write_letters
from ._profiles import Profiles, load_profiles
from ._worklist import worklist

__all__ = ["APPEAL_FILES", "AppealInputs", "AppealResult", "read_appeal_folder", "run_appeals",
           "write_appeal_outputs"]

#: What an appeal folder holds beyond an audit folder (docs/contract.md "Appeal decisions").
APPEAL_FILES = ("notices.csv", "payers.csv")


@dataclass
class AppealInputs:
    """An audit folder plus its notices and payers, typed and checked.

    Attributes
    ----------
    audit : AuditInputs
    notices, payers : pandas.DataFrame
        Usable rows (with ``_row``, the spreadsheet row number).
    notices_set_aside : pandas.DataFrame
        Notices that parsed but cannot be decided, with ``_reason``.
    problems : list of Problem
        Every problem of notices.csv and payers.csv (the audit's are in
        ``audit.problems``).
    counts : pandas.DataFrame
        file, rows_read, rows_used, rows_set_aside for the two files.
    """

    audit: AuditInputs
    notices: pd.DataFrame
    payers: pd.DataFrame
    notices_set_aside: pd.DataFrame
    problems: list[Problem] = field(default_factory=list)
    counts: pd.DataFrame = field(default_factory=pd.DataFrame)


def read_appeal_folder(folder: str | Path) -> AppealInputs:
    """Read an appeal folder: an audit folder plus notices.csv and payers.csv.

    Raises
    ------
    InputError
        The folder, notices.csv, payers.csv, a required audit file, or a
        required column is missing.
    """
    folder = Path(folder)
    if not folder.is_dir():
        raise InputError(f"{folder}: no such folder (expected an audit folder with notices.csv and payers.csv)")
    for name in APPEAL_FILES:
        if not (folder / name).is_file():
            raise InputError(f"{name}: required file not found in {folder} (an appeal folder is an audit "
                             "folder plus notices.csv and payers.csv)")
    notices = read_table(folder / "notices.csv")
    payers = read_table(folder / "payers.csv")
    audit = read_audit_folder(folder)
    usable, aside = usable_notices(notices.data, payers.data, audit.claim_lines)
    problems = sorted(notices.problems + [
        Problem("notices.csv", int(r), *_split_reason(reason))
        for r, reason in zip(aside["_row"], aside["_reason"])
    ], key=lambda p: p.row) + payers.problems
    counts = pd.DataFrame([
        ("notices.csv", notices.rows_read, len(usable), notices.rows_set_aside + len(aside)),
        ("payers.csv", payers.rows_read, payers.rows_used, payers.rows_set_aside),
    ], columns=["file", "rows_read", "rows_used", "rows_set_aside"])
    return AppealInputs(audit=audit, notices=usable, payers=payers.data, notices_set_aside=aside,
                        problems=problems, counts=counts)


def _split_reason(reason: str) -> tuple[str, str, str]:
    """``"column 'x': expected y; got 'v'"`` -> (column, value, expected)."""
    head, _, rest = reason.partition(": expected ")
    column = head.removeprefix("column ").removeprefix("columns ").strip("'").replace("', '", ",")
    expected, _, got = rest.partition("; got ")
    return column, got.strip("'"), expected


@dataclass
class AppealResult:
    """Everything an appeal run produces."""

    decisions: pd.DataFrame
    worklist: pd.DataFrame
    path: pd.DataFrame
    letters: list[Letter]
    rejected: pd.DataFrame
    counts: pd.DataFrame
    profiles: Profiles


def run_appeals(inputs: AppealInputs, findings: pd.DataFrame | None, as_of,
                profiles: Profiles | None = None) -> AppealResult:
    """Decide every usable notice, build the worklist, the appeal path and the letters.

    Parameters
    ----------
    inputs : AppealInputs
    findings : pandas.DataFrame or None
        The audit's findings (``run_audit(inputs.audit).findings``).
    as_of : date-like
    profiles : Profiles, optional

    Returns
    -------
    AppealResult
    """
    profiles = profiles or load_profiles()
    audit = inputs.audit
    decisions = decide(inputs.notices, inputs.payers, findings, audit.payments,
                       documentation=audit.documentation, claim_lines=audit.claim_lines, profiles=profiles)
    rejected = problems_frame(audit.problems + inputs.problems)
    counts = pd.concat([audit.counts.drop(columns=["source"], errors="ignore"), inputs.counts],
                       ignore_index=True)
    return AppealResult(
        decisions=decisions,
        worklist=worklist(decisions, as_of, profiles),
        path=appeal_path(decisions.loc[decisions["recommendation"] != "accept"], profiles),
        letters=letters(decisions, as_of, profiles),
        rejected=rejected,
        counts=counts,
        profiles=profiles,
    )


def write_appeal_outputs(result: AppealResult, out: str | Path) -> dict[str, Path]:
    """Write decisions.csv, worklist.csv, appeal_path.csv, rejected.csv and letters/.

    decisions.csv starts with the contract's columns; money is written in
    dollars under the name without ``_cents``; the private ``_reason_list``
    is left out. Returns the paths written, by name.
    """
    out = Path(out)
    out.mkdir(parents=True, exist_ok=True)
    paths = {
        "decisions": write_csv(result.decisions, out / "decisions.csv"),
        "worklist": write_csv(result.worklist, out / "worklist.csv"),
        "appeal_path": write_csv(result.path, out / "appeal_path.csv"),
        "rejected": write_csv(to_text_frame(result.rejected), out / "rejected.csv", text=True),
    }
    letters_dir = out / "letters"
    write_letters(result.letters, letters_dir)
    paths["letters"] = letters_dir
    return paths
