"""The appeal folder end to end: read, audit, decide, list, draft, write (I/O at the edges).

:func:`appeal_folder` is the pipeline's appeal step: the one place where a
folder is read, audited and its notices decided (``recoup appeal``, the
report and the appeal desk all call it).
"""

from __future__ import annotations

import datetime as dt
import json
from dataclasses import dataclass, field, replace
from pathlib import Path

import pandas as pd

from ..errors import InputError, InvalidParameterError, NothingUsableError, Problem
from ..filekind import present
from ..folder import (COUNT_COLUMNS, AuditInputs, counts_said, existing_folder, file_counts, problems_frame,
                      read_audit_folder, read_table, to_text_frame, write_csv)
from ..notices import read_payers, set_aside_notices
from ..outputs import writes_folder
from ..remit import folder_as_of
from ..results import StepResult
from ..schema import ParsedTable, as_of_day
from ._decide import checked_table, decide
from ._ladder import appeal_path
from ._letters import Letter, letters, write_letters
from ._profiles import Profiles, load_profiles
from ._worklist import worklist

__all__ = ["APPEAL_FILES", "AppealInputs", "AppealResult", "appeal_folder", "read_appeal_folder", "run_appeals",
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
        :data:`~recoup_lib.folder.COUNT_COLUMNS` for the two files (rows of commas skipped: blank_rows_skipped).
    notices_read, payers_read : ParsedTable or None
        The two files as read and checked (None when built by hand).
    rejected_rows : dict of str to pandas.DataFrame
        The rows of notices.csv and payers.csv set aside, as read, with
        ``_file``, ``_row`` and ``_reason`` in front (files with none left out).
    """

    audit: AuditInputs
    notices: pd.DataFrame
    payers: pd.DataFrame
    notices_set_aside: pd.DataFrame
    problems: list[Problem] = field(default_factory=list)
    counts: pd.DataFrame = field(default_factory=pd.DataFrame)
    notices_read: ParsedTable | None = None
    payers_read: ParsedTable | None = None
    rejected_rows: dict[str, pd.DataFrame] = field(default_factory=dict)

    @property
    def notices_table(self) -> ParsedTable:
        """notices.csv as read and checked (rows read, used, set aside); for inputs built by hand, their
        usable notices, every one read and used."""
        if self.notices_read is not None:
            return self.notices_read
        return ParsedTable(data=self.notices, rows_read=len(self.notices))


def read_appeal_folder(folder: str | Path) -> AppealInputs:
    """Read an appeal folder: an audit folder plus notices.csv and payers.csv.

    Notices are checked as :func:`recoup_lib.notices.usable_notices` says
    (payer listed, amount above zero, not dated before the payment it takes
    back, line present in claim_lines.csv): the same checks ``recoup
    reconcile`` applies to the same file.

    Raises
    ------
    InputError
        The folder, notices.csv, payers.csv, a required audit file, or a
        required column is missing.
    """
    folder = existing_folder(folder, "an audit folder with notices.csv and payers.csv")
    for name in APPEAL_FILES:
        if not present(folder / name):
            raise InputError(f"{name}: required file not found in {folder} (an appeal folder is an audit "
                             "folder plus notices.csv and payers.csv)")
    notices = read_table(folder / "notices.csv", skip_blank_rows=True)
    payers = read_payers(folder / "payers.csv")
    audit = read_audit_folder(folder)
    notices, aside = set_aside_notices(notices, payers=payers.data, claim_lines=audit.claim_lines,
                                       payments=audit.payments)
    return _with_notices(AppealInputs(audit=audit, notices=notices.data, payers=payers.data,
                                      notices_set_aside=aside, payers_read=payers), notices)


def _with_notices(inputs: AppealInputs, notices: ParsedTable) -> AppealInputs:
    """``inputs`` with its notices, problems, counts and rows set aside taken from ``notices``."""
    payers = inputs.payers_read or ParsedTable(data=inputs.payers, rows_read=len(inputs.payers))
    counts = pd.DataFrame([file_counts(name, parsed, parsed.rows_used)
                           for name, parsed in (("notices.csv", notices), ("payers.csv", payers))],
                          columns=COUNT_COLUMNS)
    rows = {name: t.rejected for name, t in (("notices.csv", notices), ("payers.csv", payers))
            if len(t.rejected)}
    return replace(inputs, notices=notices.data, notices_read=notices, problems=notices.problems + payers.problems,
                   counts=counts, rejected_rows=rows)


@dataclass
class AppealResult(StepResult):
    """Everything an appeal run produces: the result of :func:`appeal_folder`.

    Attributes
    ----------
    decisions : pandas.DataFrame
        One row per usable notice (:func:`recoup_lib.appeals.decide`).
    worklist : pandas.DataFrame
        Open notices by the next deadline, with the interest of waiting.
    path : pandas.DataFrame
        Every level a disputed notice could climb (:func:`recoup_lib.appeals.appeal_path`).
    letters : list of Letter
        One per appealed notice.
    rejected : pandas.DataFrame
        Every problem of the folder's files (file, row, column, value, reason).
    counts : pandas.DataFrame
        :data:`~recoup_lib.folder.COUNT_COLUMNS` for every file read.
    profiles : Profiles
        The rule tables used.
    as_of : datetime.date or None
        The day deadlines were counted from; notices dated after it are set
        aside (in ``rejected``), not decided.
    as_of_note : str
        Where ``as_of`` came from when it was not given (:data:`recoup_lib.remit.FOLDER_AS_OF`);
        blank when given.
    inputs : AppealInputs or None
        What was read (set by :func:`appeal_folder`).
    audit : recoup_lib.rules.AuditResult or None
        The folder's audit, whose findings the decisions rest on (set by
        :func:`appeal_folder`).
    """

    written_by = "recoup appeal"

    decisions: pd.DataFrame
    worklist: pd.DataFrame
    path: pd.DataFrame
    letters: list[Letter]
    rejected: pd.DataFrame
    counts: pd.DataFrame
    profiles: Profiles
    as_of: dt.date | None = None
    as_of_note: str = ""
    inputs: AppealInputs | None = None
    audit: object | None = None

    @property
    def input_paths(self) -> list[Path]:
        """The folder the notices were read from: :meth:`write` never writes into it."""
        folder = None if self.inputs is None else self.inputs.audit.folder
        return [] if folder is None else [Path(folder)]

    @writes_folder
    def write(self, out: str | Path) -> list[Path]:
        """Write decisions.csv, worklist.csv, appeal_path.csv, rejected.csv and letters/ into ``out``.

        decisions.csv starts with the contract's columns; money is written in
        dollars under the name without ``_cents``; the private ``_reason_list``
        is left out. Returns the paths written: the four tables, then each
        letter (Markdown, then HTML).
        """
        out = Path(out)
        out.mkdir(parents=True, exist_ok=True)
        return [
            write_csv(self.decisions, out / "decisions.csv"),
            write_csv(self.worklist, out / "worklist.csv"),
            write_csv(self.path, out / "appeal_path.csv"),
            write_csv(to_text_frame(self.rejected), out / "rejected.csv", text=True),
            *write_letters(self.letters, out / "letters"),
        ]

    @property
    def notices_read(self) -> ParsedTable:
        """notices.csv as read and checked (rows read, used, set aside: :attr:`AppealInputs.notices_table`);
        the decisions alone when the result was built without its inputs."""
        if self.inputs is not None:
            return self.inputs.notices_table
        return ParsedTable(data=self.decisions, rows_read=len(self.decisions))

    def require_decided(self) -> "AppealResult":
        """Return self, or raise :class:`~recoup_lib.errors.NothingUsableError` when no notice was decided.

        A run that decided nothing (notices.csv has no rows, or every row was
        set aside) has no result to show: the error carries this result, so
        :meth:`write_set_aside` can still write the rows set aside and why.
        """
        if len(self.decisions):
            return self
        read = self.inputs.counts.set_index("file").loc["notices.csv"] if self.inputs is not None else None
        if read is None or not read["rows_read"]:
            reason = "notices.csv: no notice to decide (the file holds a header and no rows)."
        else:
            reason = (f"notices.csv: all {int(read['rows_read'])} notice(s) were set aside, so none could be "
                      "decided.")
        raise NothingUsableError(reason, set_aside=self)

    @writes_folder
    def write_set_aside(self, out: str | Path, reason: str) -> list[Path]:
        """What a run that decided nothing still owes its user: the rows set aside, and why it stopped.

        Writes ``rejected.csv`` (one row per problem), ``rejected_rows/FILE``
        (each file's rows set aside, as read, with ``_file``, ``_row`` and
        ``_reason`` in front) and a ``run.json`` whose ``status`` is ``no
        decisions produced`` (with ``reason``, the as-of and each file's rows
        read, used and set aside). No decisions, worklist or letter is
        written, so the folder never reads as "nothing to do". Returns the
        paths written.
        """
        out = Path(out)
        out.mkdir(parents=True, exist_ok=True)
        rows = {**(self.inputs.audit.rejected_rows if self.inputs is not None else {}),
                **(self.inputs.rejected_rows if self.inputs is not None else {})}
        written = [write_csv(to_text_frame(self.rejected), out / "rejected.csv", text=True)]
        written += [write_csv(frame.astype("str").fillna(""), out / "rejected_rows" / name, text=True)
                    for name, frame in rows.items()]
        run = {"status": "no decisions produced", "reason": reason,
               "as_of": None if self.as_of is None else f"{self.as_of:%Y-%m-%d}",
               "files": self.counts.to_dict(orient="records")}
        (out / "run.json").write_text(json.dumps(run, indent=2, default=str) + "\n", encoding="utf-8")
        return [*written, out / "run.json"]

    def summary(self) -> str:
        """The decisions by recommendation, and rows read = used + set aside for every file."""
        counts = self.decisions["recommendation"].value_counts()
        when = "" if self.as_of is None else f"as of {self.as_of:%Y-%m-%d}" + (
            f" ({self.as_of_note})" if self.as_of_note else "") + "; "
        out = [f"{when}{len(self.decisions)} notice(s) decided: "
               f"{int(counts.get('appeal', 0))} appeal, {int(counts.get('partial', 0))} partial, "
               f"{int(counts.get('accept', 0))} accept"]
        out += ["  " + counts_said(row, read="read")
                for row in self.counts.itertuples(index=False)]
        unchecked = self.decisions.get("_audit_unchecked", pd.Series(dtype="str")).astype("str")
        for why, count in unchecked[unchecked != ""].value_counts(sort=False).items():
            out.append(f"  {count} notice(s) not checked by the audit ({why}): appealed for want of a finding; "
                       "review the record before filing")
        return "\n".join(out)


def run_appeals(inputs: AppealInputs, findings: pd.DataFrame | None, as_of,
                profiles: Profiles | None = None, switched_off: pd.DataFrame | None = None) -> AppealResult:
    """Decide every usable notice, build the worklist, the appeal path and the letters.

    Parameters
    ----------
    inputs : AppealInputs
    findings : pandas.DataFrame or None
        The audit's findings (``run_audit(inputs.audit).findings``).
    as_of : date-like
        The day the decisions are made for. A notice dated after it had not
        arrived yet: it is set aside with that reason (docs/contract.md,
        "Appeal decisions"), counted in ``counts`` and listed in
        ``rejected``.
    profiles : Profiles, optional
    switched_off : pandas.DataFrame, optional
        The audit's rules that did not run (``AuditResult.switched_off``:
        error_type, message): a notice of such a type that the audit did not
        flag is said to be unchecked, not unfounded.

    Returns
    -------
    AppealResult

    Raises
    ------
    InputError
        ``findings`` holds a value its file could not (checked as
        :func:`decide` checks it).
    """
    as_of = as_of_day(as_of)
    findings = checked_table("findings", findings)
    return _run_appeals(inputs, findings, as_of, profiles, switched_off)


def _run_appeals(inputs: AppealInputs, findings: pd.DataFrame | None, as_of: pd.Timestamp,
                 profiles: Profiles | None, switched_off: pd.DataFrame | None) -> AppealResult:
    """:func:`run_appeals` for ``findings`` the kit's audit typed, not checked again."""
    profiles = profiles or load_profiles()
    unchecked = {} if switched_off is None else dict(zip(switched_off["error_type"], switched_off["message"]))
    inputs = _set_aside_after(inputs, as_of)
    audit = inputs.audit
    decisions = decide(inputs.notices, inputs.payers, findings, audit.payments,
                       documentation=audit.documentation, claim_lines=audit.claim_lines,
                       payer_policies=audit.payer_policies, profiles=profiles, unchecked=unchecked, check=False)
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
        as_of=as_of.date(),
        inputs=inputs,
    )


def _set_aside_after(inputs: AppealInputs, as_of) -> AppealInputs:
    """The same inputs with the notices dated after ``as_of`` moved to the set-aside ones."""
    notices, later = set_aside_notices(inputs.notices_table, as_of=as_of)
    if not len(later):
        return inputs
    return _with_notices(replace(inputs, notices_set_aside=pd.concat([inputs.notices_set_aside, later])), notices)


def appeal_folder(folder: str | Path, as_of=None, *, profiles: Profiles | str | Path | None = None,
                  inputs: AppealInputs | None = None, remit=None) -> AppealResult:
    """Read an appeal folder, audit it and decide every notice: the pipeline's appeal step.

    The Python call behind ``recoup appeal``; the report and the appeal desk
    use it too, so a folder's decisions are the same wherever they are shown.

    Parameters
    ----------
    folder : path-like
        An audit folder plus notices.csv and payers.csv (docs/contract.md,
        "Appeal decisions").
    as_of : date-like, optional
        The day deadlines and interest are counted from; notices dated
        after it are set aside. Default: the folder's own date, its latest
        payment, remittance or notice date (:func:`recoup_lib.remit.folder_as_of`).
    profiles : Profiles or path-like, optional
        The appeal rule tables, or a folder of edited copies (a file there
        replaces the shipped one). Default: the copies in ``folder``, then
        the shipped tables.
    inputs : AppealInputs, optional
        The folder as :func:`read_appeal_folder` already read it (so the
        report, which needs the dates first, does not read it twice).
    remit : recoup_lib.remit.Remit, optional
        The 835s of ``folder/remits`` already read, for the folder's own
        as-of (:func:`recoup_lib.remit.remittance_dates`), so they are not read again.

    Returns
    -------
    AppealResult
        ``decisions``, ``worklist``, ``path``, ``letters``, ``rejected``,
        ``counts``, the ``audit`` the decisions rest on, ``write(out)`` and
        ``summary()``.

    Raises
    ------
    InputError
        The folder, notices.csv, payers.csv, a required audit file or column
        is missing, or a rule table in the folder cannot be read.
    InvalidParameterError
        ``profiles`` names a folder that does not exist, or ``as_of`` names
        no day (checked before the folder is read).

    Examples
    --------
    >>> result = appeal_folder("practice", "2026-03-01")  # doctest: +SKIP
    >>> print(result.summary())  # doctest: +SKIP
    """
    if isinstance(profiles, (str, Path)) and not Path(profiles).is_dir():
        raise InvalidParameterError(f"profiles: no such folder {str(profiles)!r}")
    as_of = None if as_of is None else as_of_day(as_of)
    inputs = inputs if inputs is not None else read_appeal_folder(folder)
    if not isinstance(profiles, Profiles):
        profiles = load_profiles(Path(folder) if profiles is None else Path(profiles))
    from ..rules import run_audit

    audit = run_audit(inputs.audit)
    note = ""
    if as_of is None:
        as_of, note = folder_as_of(folder, notices=inputs.notices["notice_date"],
                                   payments=inputs.audit.payments["payment_date"], remit=remit)
        as_of = as_of_day(as_of)
    result = _run_appeals(inputs, audit.findings, as_of, profiles, audit.switched_off)
    result.audit = audit
    result.as_of_note = note
    return result


def write_appeal_outputs(result: AppealResult, out: str | Path) -> dict[str, Path]:
    """Write a result's files (:meth:`AppealResult.write`); return the paths by name.

    Names: ``decisions``, ``worklist``, ``appeal_path``, ``rejected`` and
    ``letters`` (the folder).
    """
    written = result.write(out)
    return dict(zip(("decisions", "worklist", "appeal_path", "rejected"), written[:4]),
                letters=Path(out) / "letters")
