"""The dashboard end to end: read a folder, audit it, decide its notices, measure.

:func:`build_report` is the pipeline's report step (``recoup report``): it
audits a folder (:func:`recoup_lib.rules.audit_folder`) or, when it holds
notices.csv + payers.csv, audits it and decides its notices
(:func:`recoup_lib.appeals.appeal_folder`); reads recoupments.csv or a
remits/ folder of 835 files (:func:`recoup_lib.remit.read_835`) and
appeal_outcomes.csv; and returns a :class:`~recoup_lib.report.Report`
(:mod:`._result`), whose ``write(out)`` writes metrics.csv, trend.csv, the
PNG figures, report.md and, on request, report.xlsx.
:func:`report_from_audit` does the same from results already in memory.
"""

from __future__ import annotations

from pathlib import Path
from typing import NamedTuple

import numpy as np
import pandas as pd

from ..appeals import appeal_folder, load_profiles, read_appeal_folder
from ..errors import InputError, InvalidParameterError
from ..filekind import present
from ..folder import counts_worth_saying, existing_folder, files_present, read_csv_text
from ..money import dollars
from ..notices import NOTICES, notices_unused
from ..remit import (FOLDER_AS_OF, REMIT_SUFFIXES, Remit, folder_as_of, paid_after, remits_in, remittance_dates,
                     taken_back)
from ..remit.reconcile import LINK_COLUMNS, link_recoupments, open_ledger
from ..rules import audit_folder
from ..schema import ParsedTable, as_of_day
from ..wording import rows_counted
from ._appeal_metrics import (appeal_overturn_rate, notice_aging, notice_amounts, notice_response_days,
                              open_notices)
from ._claim_metrics import clean_claim_rate, denial_rate, line_status, volume
from ._money_metrics import _on_other_claims, money_at_risk, other_claims_warning, payment_reversals, recoupment_rate
from ._result import Report
from ._tables import (
    outcomes_frame,
    outcomes_from_decisions,
    outcomes_in_run,
    read_outcomes,
    read_recoupments,
    read_remits,
    recoupments_frame,
    _recoupment_columns,
)
from ._trend import trend_by_month

__all__ = ["build_report", "report_from_audit", "folder_remittance", "FolderRemittance", "REMIT_SUFFIXES",
           "FOLDER_AS_OF"]


def _ledger(decisions: pd.DataFrame, remit, as_of) -> pd.DataFrame:
    """The open ledger of the decided notices: what each still leaves open after the money taken back."""
    notices = decisions[["notice_id", "payer_id", "claim_id", "line_no", "notice_date", "amount_cents",
                         "reason_code", "error_type"] + (["status"] if "status" in decisions.columns else [])]
    if isinstance(remit, Remit) and remit.loaded:
        links = link_recoupments(remit, notices)
    else:
        links = pd.DataFrame({c: pd.Series(dtype="str") for c in LINK_COLUMNS}).astype(
            {"net_taken_cents": "int64", "payment_date": "datetime64[us]"})
    return open_ledger(links, notices, as_of, check=False)


def _kept_by(frame: pd.DataFrame, as_of, column: str = "payment_date") -> tuple[pd.DataFrame, np.ndarray]:
    """(the rows of ``frame`` dated on or before ``as_of`` in ``column``, with its attrs; which rows were
    dated after it, :func:`recoup_lib.remit.paid_after`)."""
    later = paid_after(frame, as_of, column=column)
    if not later.any():
        return frame, later
    kept = frame.loc[~later].reset_index(drop=True)
    kept.attrs.update(frame.attrs)
    return kept, later


def _taken_by(recoupments: pd.DataFrame, as_of) -> tuple[pd.DataFrame, str]:
    """(the take-backs paid on or before ``as_of``, the message counting those paid after it; blank when none
    was)."""
    kept, later = _kept_by(recoupments, as_of)
    if not later.any():
        return kept, ""
    return kept, (f"{int(later.sum())} take-back(s) paid after {as_of:%Y-%m-%d} left out of the money taken "
                  f"back ({dollars(taken_back(recoupments.loc[later]))} net): not taken by the as-of date")


def _paid_by(payments: pd.DataFrame, as_of) -> tuple[pd.DataFrame, str]:
    """(the payments posted on or before ``as_of``, what :func:`_left_out` says of those posted after it;
    blank when none was).

    The money paid, the clean claim and denial rates, the reversals posted,
    the recoupment rate's denominator and the trend count only what had been
    posted by the as-of date, as the money taken back does: a line paid only
    later is not yet adjudicated. The audit's findings (money at risk,
    exposure) are the folder's and still count every payment.
    """
    kept, later = _kept_by(payments, as_of)
    if not later.any():
        return kept, ""
    left_out = int(payments.loc[later, "paid_cents"].astype("int64").sum())
    return kept, (
        f"{int(later.sum())} payment(s) posted after {as_of:%Y-%m-%d} left out of the money paid, the clean claim, "
        f"denial, recoupment and reversal rates and the trend ({dollars(left_out)} net): not posted by the as-of "
        "date")


def _submitted_by(lines: pd.DataFrame, as_of) -> tuple[pd.DataFrame, str]:
    """(the claim lines submitted on or before ``as_of``, what :func:`_left_out` says of those submitted after
    it; blank when none was).

    A line submitted after a given as-of date had not been sent by then: it
    is not a claim submitted, nor one waiting for adjudication, in the
    volume, the clean claim and denial rates and the trend. A line without
    a submitted_date is kept. The audit's findings still count every line.
    """
    if "submitted_date" not in lines.columns:
        return lines, ""
    kept, later = _kept_by(lines, as_of, column="submitted_date")
    if not later.any():
        return kept, ""
    return kept, (
        f"{int(later.sum())} claim line(s) submitted after {as_of:%Y-%m-%d} left out of the claims and lines "
        "submitted, the charges, the clean claim and denial rates and the trend: not submitted by the as-of date")


def _left_out(*parts: str) -> list[str]:
    """The one message counting what was left out as not yet happened by the as-of date (none when nothing was)."""
    said = [part for part in parts if part]
    return ["; ".join(said) + " (the audit's money at risk and exposure rate still count them)"] if said else []


def _remitted_on(recoupments: pd.DataFrame | None, remit) -> pd.Series | None:
    """The remittance dates the data's own as-of counts (:func:`recoup_lib.remit.folder_as_of`).

    Those of every transaction of ``remit`` (the 835s read), else the
    take-backs' payment dates as already read, their unusable rows set
    aside; None with neither (no remittance data, or a recoupments.csv that
    could not be read: the recoupment metrics say why, and it is not read
    again).
    """
    if isinstance(remit, Remit):
        return remittance_dates(None, remit)
    return None if recoupments is None else recoupments["payment_date"]


def report_from_audit(audit, as_of=None, *, recoupments: pd.DataFrame | None = None,
                      recoupment_source: str = "recoupments", recoupment_reason: str | None = None,
                      appeals=None, appeal_reason: str | None = None,
                      outcomes: pd.DataFrame | ParsedTable | None = None, outcome_reason: str | None = None,
                      outcome_file: str = "outcomes", messages=(), names: dict | None = None,
                      title: str = "", remit=None, as_of_from_data: bool = False, as_of_note: str = "",
                      problems=(), check: bool = True) -> Report:
    """Compute the dashboard from an audit (and optional appeals, recoupments, outcomes) in memory.

    Parameters
    ----------
    audit : recoup_lib.rules.AuditResult
    as_of : date-like, optional
        Default: the data's own as-of, the latest payment, remittance or
        notice date given (:func:`recoup_lib.remit.folder_as_of`; the
        remittance dates are those of every transaction of ``remit`` when
        given, as :func:`build_report` counts them, else the recoupments');
        never the wall clock. A date given also leaves out of the volume, the
        clean claim and denial rates and the trend the claim lines
        submitted after it (a message counts them), unless
        ``as_of_from_data`` says it is the data's own as-of.
    recoupments : pandas.DataFrame, optional
        The contract's recoupments columns (see
        :func:`recoup_lib.report.recoupments_frame`). Take-backs paid after
        ``as_of`` are left out of every figure (a message counts them), as
        are the audit's payments posted after it.
    recoupment_source : str
        Where they came from, said in the metrics.
    recoupment_reason, appeal_reason, outcome_reason : str, optional
        Why an input is missing, said where the metrics are switched off.
    appeals : recoup_lib.appeals.AppealResult, optional
        When none of its notices could be used (every row set aside), the
        notice metrics are switched off saying so
        (:func:`recoup_lib.notices.notices_unused`), not shown as 0 notices.
    outcomes : pandas.DataFrame or recoup_lib.schema.ParsedTable, optional
        notice_id, level, outcome (see :func:`recoup_lib.report.outcomes_frame`),
        or appeal_outcomes.csv as read (:func:`recoup_lib.report.read_outcomes`,
        so the rows it set aside are counted with these). Outcomes the report
        cannot count as of ``as_of`` are set aside
        (:func:`recoup_lib.report.outcomes_in_run`), into ``problems``.
    outcome_file : str
        What the outcomes came from, named in the problems and the message
        counting them.
    messages : iterable of str
    names : dict, optional
    title : str
    remit : recoup_lib.remit.Remit, optional
        The 835s the recoupments were read from: links each take-back to its
        notice, so the aging counts only what is still open (without it,
        every notice counts as open for its whole amount, and a message
        says so).
    as_of_from_data : bool, default False
        Whether the ``as_of`` given is the data's own as-of, worked out by
        the caller as the default is (:func:`recoup_lib.remit.folder_as_of`;
        ``recoup report`` without ``--as-of``): then every claim line counts,
        whatever its submitted_date, as the export holds it (a line
        submitted after the latest payment is not yet adjudicated). True
        whenever ``as_of`` is left out.
    as_of_note : str
        Where ``as_of`` came from, said in the report and in summary.json's
        ``as_of_from`` (blank: "given"). Words only: what is counted
        depends on ``as_of`` and ``as_of_from_data``, never on this text.
    problems : iterable of recoup_lib.errors.Problem
        Values set aside in inputs other than the audit's (which are taken
        from ``audit``).
    check : bool, default True
        Check ``recoupments`` and an ``outcomes`` DataFrame as their files
        would be (:func:`recoup_lib.report.recoupments_frame`,
        :func:`recoup_lib.report.outcomes_frame`); False for tables the kit
        has typed already, as :func:`build_report` passes them.

    Returns
    -------
    Report
    """
    lines, payments, findings = audit.lines, audit.context.payments, audit.findings
    if recoupments is not None and check:
        recoupments = recoupments_frame(recoupments)
    if outcomes is not None and check and not isinstance(outcomes, ParsedTable):
        outcomes = outcomes_frame(outcomes)
    if as_of is None:
        as_of, as_of_note = folder_as_of(
            notices=None if appeals is None else appeals.decisions["notice_date"],
            payments=payments["payment_date"], remittances=_remitted_on(recoupments, remit))
        as_of_from_data = True
    as_of = as_of_day(as_of).date()
    first = lines["service_date"].min() if len(lines) else None
    if first is not None and pd.notna(first) and first.date() > as_of:
        raise InvalidParameterError(
            f"--as-of {as_of:%Y-%m-%d} is before the folder's first date of service ({first:%Y-%m-%d}): nothing "
            "had happened by then, so nothing would be reported; give a later date, or leave --as-of out to use "
            "the folder's own date")
    payments, not_posted = _paid_by(payments, as_of)
    submitted, not_submitted = (lines, "") if as_of_from_data else _submitted_by(lines, as_of)
    recoupments, not_taken = (None, "") if recoupments is None else _taken_by(recoupments, as_of)
    later_note = _left_out(not_posted, not_submitted) + ([not_taken] if not_taken else [])
    problems = list(problems)
    outcome_note = []
    if outcomes is not None:
        parsed = outcomes_in_run(outcomes,
                                 None if appeals is None else appeals.decisions, as_of, label=outcome_file)
        outcome_note = _set_aside_message(outcome_file, parsed, problems)
        outcomes = parsed.data.drop(columns=["_row"])
    unused = None if appeals is None else notices_unused(appeals.notices_read)
    decisions = None if appeals is None or unused else appeals.decisions
    ledger = None if decisions is None else _ledger(decisions, remit, as_of)
    worklist = None
    if ledger is not None:
        still = set(ledger.loc[ledger["open_cents"] > 0, "notice_id"])
        worklist = appeals.worklist.loc[appeals.worklist["notice_id"].isin(still).to_numpy()]
    status = line_status(submitted, payments)
    claims = lines["claim_id"].unique()
    on_other_claims = None if recoupments is None else _on_other_claims(recoupments, claims)
    no_notices = (appeal_reason or (unused.said(NOTICES, "rejected.csv") if unused else "")
                  or "No notices: add notices.csv and payers.csv to the folder.")
    metrics = pd.concat([
        volume(submitted, payments),
        clean_claim_rate(submitted, payments, findings, status=status),
        denial_rate(submitted, payments, status=status),
        recoupment_rate(recoupments, payments, source=recoupment_source, reason=recoupment_reason,
                        claims=claims, on_other_claims=on_other_claims),
        payment_reversals(payments),
        money_at_risk(findings, lines),
        notice_amounts(decisions, reason=no_notices),
        open_notices(ledger, source="notices and " + (recoupment_source if isinstance(remit, Remit)
                                                       else "no linked remittances"), reason=no_notices),
        notice_response_days(decisions, outcomes, worklist, reason=no_notices),
        appeal_overturn_rate(outcomes, reason=outcome_reason),
    ], ignore_index=True)
    trend = trend_by_month(submitted, payments, findings, recoupments, decisions, status=status)
    aging = None if ledger is None else notice_aging(ledger, as_of, check=False)
    messages = list(messages) + outcome_note + later_note
    other_claims = other_claims_warning(recoupments, remit, claims, where=recoupment_source,
                                        on_other_claims=on_other_claims)
    messages += [other_claims] if other_claims else []
    if ledger is not None and not isinstance(remit, Remit):
        messages.append("notice aging: no 835 remittances to link take-backs to notices"
                        + (" (recoupments.csv holds no link to the notices)" if recoupments is not None else "")
                        + ", so every notice counts as open for its whole amount")
    if aging is not None and aging.attrs.get("future"):
        messages.append(f"{aging.attrs['future']} notice(s) dated after {as_of:%Y-%m-%d} left out of the aging")
    inputs = getattr(audit, "inputs", None)
    problems = list(inputs.problems if inputs is not None else []) + problems
    return Report(as_of=as_of, audit=audit, metrics=metrics, trend=trend, aging=aging, ledger=ledger,
                  recoupments=recoupments, recoupment_source=recoupment_source if recoupments is not None else "",
                  appeals=appeals, outcomes=outcomes, messages=messages, names=names or {}, title=title,
                  as_of_note=as_of_note, problems=problems, remit=remit if isinstance(remit, Remit) else None,
                  notices_unused=unused)


def _names(folder: Path, file: str, key: str) -> tuple[dict[str, str], str | None]:
    """The ``name`` the folder's ``file`` gives each ``key`` (a provider's NPI, a payer's id), shown in the
    report's tables, and why a file under that name cannot be read (a folder, a link to a file since moved:
    named, not passed over as absent), else None."""
    path = folder / file
    if not present(path):
        return {}, None
    try:
        raw, _rows, _broken = read_csv_text(path)
    except InputError as exc:
        return {}, str(exc)
    if key not in raw.columns or "name" not in raw.columns:
        return {}, None
    return dict(zip(raw[key].astype("str").str.strip(), raw["name"].astype("str").str.strip())), None


def _set_aside_message(name: str, parsed, problems: list) -> list[str]:
    """The line saying how many rows of an optional file were set aside, or skipped as blank rows
    (``parsed.blank_rows``); its problems go to ``problems``."""
    problems.extend(parsed.problems)
    if not parsed.rows_set_aside and not parsed.blank_rows:
        return []
    first = f" ({parsed.problems[0].message if parsed.problems else ''})" if parsed.rows_set_aside else ""
    counted = rows_counted(parsed.rows_in_file, parsed.rows_used, parsed.rows_set_aside, parsed.blank_rows)
    return [f"{name}: {counted}{first}"]


class FolderRemittance(NamedTuple):
    """What an audit folder's remittances show taken back (:func:`folder_remittance`).

    Attributes
    ----------
    recoupments : pandas.DataFrame or None
        :func:`recoupments_frame`'s columns; None when the folder holds no
        remittance, or none that can be used.
    source : str
        ``"recoupments.csv"`` or ``"remits/ (N files)"``; ``""`` with none.
    reason : str or None
        Why none could be used (``recoupments`` is None); None when one was, or
        when the folder holds neither recoupments.csv nor remits/.
    messages : list of str
        What a person should know: rows set aside, files or transactions not read.
    problems : list of recoup_lib.errors.Problem
        The rows of recoupments.csv set aside.
    remit : recoup_lib.remit.Remit or None
        The 835s as read, when they are the source (even when none of their
        transactions could be used).
    """

    recoupments: pd.DataFrame | None
    source: str
    reason: str | None
    messages: list
    problems: list
    remit: Remit | None


def folder_remittance(folder, remit: Remit | None = None) -> FolderRemittance:
    """The money an audit folder's remittances show taken back: ``recoupments.csv`` (``recoup remit``'s),
    else the 835 files of ``remits/`` (:func:`recoup_lib.remit.remits_in`).

    What ``recoup report`` reads as the folder's recoupments, and what the
    appeal desk lists for a folder without notices: one reading, in the same
    words, wherever it is shown. ``remit``: the 835s of ``remits/`` already
    read (:func:`recoup_lib.remit.read_835`), not read again.
    """
    folder = Path(folder)
    csv_path, remits = folder / "recoupments.csv", folder / "remits"
    if present(csv_path):
        messages = ["remits/ not read: recoupments.csv is used"] if remits.is_dir() else []
        try:
            parsed = read_recoupments(csv_path)
        except InputError as exc:
            return FolderRemittance(None, "", f"recoupments.csv could not be used: {exc}",
                                    messages + [f"recoupment metrics switched off: {exc}"], [], None)
        problems: list = []
        messages += _set_aside_message("recoupments.csv", parsed, problems)
        return FolderRemittance(parsed.data.drop(columns=["_row"]), "recoupments.csv", None, messages, problems,
                                None)
    if not remits.is_dir():
        return FolderRemittance(None, "", None, [], [], None)
    files = remits_in(folder)
    if not files:
        return FolderRemittance(None, "", ("No remittance data: remits/ holds no 835 file (named "
                                           + ", ".join(REMIT_SUFFIXES) + ", or X12 holding 835s)."), [], [], None)
    remit, messages = read_remits(files, remit)
    count = f"{len(files)} file{'s' if len(files) != 1 else ''}"
    if not remit.loaded:
        return FolderRemittance(None, "", (f"No remittance data: no transaction of remits/ ({count}) could be used; "
                                           "run `recoup remit` on the folder to see why."), messages, [], remit)
    return FolderRemittance(_recoupment_columns(remit.recoupments), f"remits/ ({count})", None, messages, [], remit)


def _remittance(folder: Path, recoupments, problems: list):
    """(recoupments, source, reason, messages, remit) from what was passed in or what the folder holds
    (:func:`folder_remittance`); values set aside are added to ``problems``."""
    if recoupments is not None:
        return recoupments_frame(recoupments), "recoupments passed in", None, [], None
    found = folder_remittance(folder)
    problems.extend(found.problems)
    return found.recoupments, found.source, found.reason, found.messages, found.remit


def _outcomes(folder: Path, outcomes, appeals):
    """(outcomes, the file they came from, reason, messages): as passed in, appeal_outcomes.csv as read,
    or those carried on notices.csv.

    :func:`report_from_audit` sets aside the ones it cannot count
    (:func:`recoup_lib.report.outcomes_in_run`) and counts them under that file's name."""
    if outcomes is not None:
        return outcomes_frame(outcomes), "outcomes passed in", None, []
    path = folder / "appeal_outcomes.csv"
    if present(path):
        try:
            parsed = read_outcomes(path)
            return parsed, path.name, None, parsed.data.attrs["reading"].sentences()
        except InputError as exc:
            return None, path.name, f"appeal_outcomes.csv could not be used: {exc}", [
                f"appeal overturn rate switched off: {exc}"]
    if appeals is not None:
        try:
            return outcomes_from_decisions(appeals.decisions), "outcomes", None, []
        except InputError as exc:
            return None, "outcomes", str(exc), [f"appeal overturn rate switched off: {exc}"]
    return None, "outcomes", None, []


def build_report(folder, as_of=None, *, recoupments: pd.DataFrame | None = None,
                 outcomes: pd.DataFrame | None = None, profiles=None) -> Report:
    """Read a folder, audit it, decide its notices, and compute the dashboard.

    Parameters
    ----------
    folder : path-like
        An audit folder (docs/contract.md). Optional extras it may hold:
        notices.csv + payers.csv (appeal decisions), recoupments.csv or a
        remits/ folder of 835 files (money taken back), appeal_outcomes.csv
        (overturn rates), providers.csv (names on the charts).
    as_of : date-like, optional
        The day notices are aged and deadlines counted from; notices dated
        after it are set aside, and payments posted, take-backs paid and
        claim lines submitted after it are not counted. Default: the
        folder's own as-of, its latest payment, remittance or notice date
        (never the wall clock), said in the report; every claim line counts
        then, whatever its submitted_date.
    recoupments : pandas.DataFrame, optional
        Recoupments with the contract's columns; replaces what the folder
        holds.
    outcomes : pandas.DataFrame, optional
        Appeal outcomes (notice_id, level, outcome); replaces
        appeal_outcomes.csv. Either way, an outcome of a notice the run did
        not use, filed before its notice, decided before it was filed, or
        filed or decided after the as-of is set aside and counted.
    profiles : recoup_lib.appeals.Profiles, optional
        Appeal rule tables (default: the folder's copies, then the shipped
        ones, as ``recoup appeal`` does).

    Returns
    -------
    Report

    Raises
    ------
    InputError
        The folder, claim_lines.csv, payments.csv or one of their required
        columns is missing. A problem with an optional extra never raises:
        the metrics that need it are switched off and the reason is said.
    InvalidParameterError
        ``as_of`` names no day (checked before the folder is read), or is
        before the folder's first date of service.

    Examples
    --------
    >>> from recoup_lib.synthetic.demo import demo_path
    >>> report = build_report(demo_path("family_practice"), as_of="2026-03-01")
    >>> bool(report.metrics.set_index("metric").loc["clean_claim_rate", "available"])
    True
    """
    as_of = None if as_of is None else as_of_day(as_of).date()
    folder = existing_folder(folder)
    as_of_from_data = as_of is None
    messages: list[str] = []
    problems: list = []
    found, source, reason, more, remit = _remittance(folder, recoupments, problems)
    remitted_on = _remitted_on(found, remit) if as_of is None else None
    remit = remit if remit is not None and remit.loaded else None
    as_of_note = ""
    appeals, appeal_reason, inputs = None, None, None
    names, unnamed = {}, {}
    for what, file, key in (("provider", "providers.csv", "rendering_npi"), ("payer", "payers.csv", "payer_id")):
        names[what], unnamed[what] = _names(folder, file, key)
    has = files_present(folder, ("notices.csv", "payers.csv"))
    if len(has) == 2:
        rules = profiles or load_profiles(folder)
        try:
            inputs = read_appeal_folder(folder)
            if as_of is None:
                as_of, as_of_note = folder_as_of(notices=inputs.notices["notice_date"],
                                                 payments=inputs.audit.payments["payment_date"],
                                                 remittances=remitted_on)
            appeals = appeal_folder(folder, as_of, profiles=rules, inputs=inputs)
        except InputError as exc:
            appeal_reason = f"notices could not be used: {exc}"
            also = " and payer names not shown" if unnamed["payer"] == str(exc) else ""  # one unreadable payers.csv
            unnamed["payer"] = None if also else unnamed["payer"]
            messages.append(f"appeal metrics switched off{also}: {exc}")
    elif has == ["notices.csv"]:
        appeal_reason = "notices.csv is present but payers.csv is not: the appeal rules depend on the payer."
        messages.append("appeal metrics switched off: " + appeal_reason)
    audit = appeals.audit if appeals is not None else audit_folder(folder)
    messages.extend(audit.messages)
    if as_of is None:
        as_of, as_of_note = folder_as_of(payments=audit.context.payments["payment_date"], notices=[],
                                         remittances=remitted_on)
    if appeals is not None:
        problems[:0] = appeals.inputs.problems
        messages.extend(counts_worth_saying(appeals.inputs.counts))
        later = int((appeals.rejected["reason"].str.startswith("expected a date on or before the as-of date")
                     ).sum()) if len(appeals.rejected) else 0
        if later:
            messages.append(f"{later} notice(s) dated after {as_of:%Y-%m-%d} set aside: they had "
                            "not arrived by the as-of date")
    messages.extend(more)
    found_outcomes, outcome_file, outcome_reason, more = _outcomes(folder, outcomes, appeals)
    messages.extend(more)
    messages.extend(f"{what} names not shown: {reason}" for what, reason in unnamed.items() if reason)
    return report_from_audit(audit, as_of, recoupments=found, recoupment_source=source or "recoupments",
                             recoupment_reason=reason, appeals=appeals, appeal_reason=appeal_reason,
                             outcomes=found_outcomes, outcome_reason=outcome_reason, outcome_file=outcome_file,
                             messages=messages,
                             names=names, title=folder.resolve().name, remit=remit,
                             as_of_from_data=as_of_from_data, as_of_note=as_of_note, problems=problems,
                             check=False)
