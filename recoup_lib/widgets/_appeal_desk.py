"""The appeal desk's logic: a notice's deadline calendar, grading a choice, the outcome.

No widget code lives here (see :mod:`recoup_lib.widgets.appeal_desk`).
Deadlines come from :func:`recoup_lib.appeals.profile_dates` under the
payer's profile (:func:`recoup_lib.appeals.profile_for`). Over a folder the
kit's recommendations are those of :func:`recoup_lib.appeals.appeal_folder`,
the call behind ``recoup appeal``, so the desk can never disagree with it;
the notices of a generated practice are those of the payer simulation
(:func:`recoup_lib.synthetic.generate_practice`).

A trainee's choice (``appeal``, ``accept`` or ``partial``) is graded twice:

- against the kit's recommendation (docs/contract.md "Appeal decisions": accept
  where our audit supports the whole amount, partial where it supports
  less, appeal where it supports nothing or the notice is late);
- against the truth, when a table of notices with a boolean ``valid``
  column is given (the generator's answer key for its notices,
  ``recoupment_labels.csv``): a valid demand should be repaid, an invalid
  one appealed, and splitting it is right where the kit's audit supports
  part of the amount.

An office's folder often has no notices.csv, only its remittances. The
appeal step decides notices only (a take-back in an 835 has no notice date
to count the deadlines from), so the desk then decides nothing and says so,
and lists the money the remittances show taken back (``recoupments.csv``
of ``recoup remit``, else the 835s of ``remits/``) for the office to match
with the payers' letters.
"""

from __future__ import annotations

import json
import tempfile
from dataclasses import dataclass, field
from pathlib import Path

import pandas as pd

from ..appeals import DECISION_COLUMNS, AppealResult, appeal_folder, decide, load_profiles, profile_dates, \
    profile_for
from ..errors import InputError, InvalidParameterError, NothingUsableError
from ..filekind import present
from ..folder import existing_folder, read_csv_text
from ..money import dollars
from ..schema import BOOL_FALSE, BOOL_TRUE
from ..synthetic import FOLDER_FILES, generate_practice

__all__ = ["DESK_CHOICES", "CALENDAR_COLUMNS", "DeskOutcome", "AppealDesk", "deadline_calendar", "training_desk",
           "desk_from_practice", "grade_choice", "calendar_chart", "desk_from_folder"]

#: What the trainee may decide for a notice.
DESK_CHOICES: tuple[str, ...] = ("appeal", "accept", "partial")

#: Columns of :func:`deadline_calendar`.
CALENDAR_COLUMNS = ("step", "day", "date", "event", "what_to_do")

#: profile_dates column -> (event, what to do). "Interest starts" and
#: "Offset starts" name the phases :func:`recoup_lib.lessons.timeline_chart` shades.
_STEPS = (
    ("notice_date", "Notice dated", "Day 1. Put every date below on the calendar."),
    ("receipt_date", "Notice presumed received", "Deadlines counted from receipt start here."),
    ("rebuttal_by", "Rebuttal due", "A rebuttal explains why the money should not be taken; it does not stop "
                                    "collection."),
    ("immediate_recoupment_by", "Last day to ask for immediate recoupment",
     "Ask the payer to offset now instead of paying (no interest)."),
    ("stop_offset_by", "Appeal received by today stops the offset",
     "An appeal the payer has received by this day (not merely mailed) keeps the money from being taken "
     "while it is decided."),
    ("pay_without_interest_by", "Pay by today with no interest", "Paying in full by this day costs no interest."),
    ("interest_from", "Interest starts", "Interest is charged on what is still unpaid."),
    ("offset_starts", "Offset starts", "The payer may take the money out of new payments."),
    ("file_by", "Appeal due", "Last day to file the first appeal level."),
)


def _payer(payer_id: str, payers: pd.DataFrame) -> pd.Series:
    found = payers.loc[payers["payer_id"] == payer_id]
    if not len(found):
        raise InvalidParameterError(f"payer_id {payer_id!r} is not in payers (expected one of "
                         f"{', '.join(map(str, payers['payer_id']))})")
    return found.iloc[0]


def deadline_calendar(notice, payers: pd.DataFrame, profiles=None) -> pd.DataFrame:
    """Every dated step of one notice, in date order, under its payer's rules.

    Parameters
    ----------
    notice : mapping or pandas.Series
        One row of ``notices.csv`` as parsed: at least payer_id and
        notice_date.
    payers : pandas.DataFrame
        payer_id, payer_type, state (``payers.csv``).
    profiles : recoup_lib.appeals.Profiles, optional
        Default: the shipped rule tables.

    Returns
    -------
    pandas.DataFrame
        step (the :func:`recoup_lib.appeals.profile_dates` column), day (the
        notice's date is day 1), date (datetime64), event, what_to_do. Steps
        the payer's profile has no rule for are left out.

    Raises
    ------
    InvalidParameterError
        The notice's payer is not in ``payers``.

    Notes
    -----
    Medicare (docs/contract.md "Appeal decisions"; docs/sources.md §1-2): receipt notice + 5,
    stop_offset_by notice + 29 (day 30, Section 935), interest from day 31,
    offset from day 41, redetermination due notice + 125. Other payers use
    their state's or the default profile's rows (docs/sources.md §8; configurable).

    Examples
    --------
    >>> import pandas as pd
    >>> payers = pd.DataFrame({"payer_id": ["MCR"], "payer_type": ["medicare"], "state": [""]})
    >>> cal = deadline_calendar({"payer_id": "MCR", "notice_date": "2024-02-29"}, payers)
    >>> cal.set_index("step").loc["file_by", "date"].strftime("%Y-%m-%d")
    '2024-07-03'
    """
    payer = _payer(notice["payer_id"], payers)
    state = payer.get("state")
    state = None if state is None or pd.isna(state) or not str(state) else str(state)
    profile = profile_for(profiles or load_profiles(), str(payer["payer_type"]), state)
    dates = profile_dates([notice["notice_date"]], profile).iloc[0]
    day_one = dates["notice_date"]
    rows = [{"step": column, "day": int((dates[column] - day_one).days) + 1, "date": dates[column],
             "event": event, "what_to_do": todo}
            for column, event, todo in _STEPS if not pd.isna(dates[column])]
    table = pd.DataFrame(rows, columns=list(CALENDAR_COLUMNS))
    table["date"] = pd.to_datetime(table["date"]).astype("datetime64[us]")
    return table.sort_values(["day"], kind="stable").reset_index(drop=True)


#: Steps left off the chart: they fall on or next to a drawn day and would hide its label.
_NOT_DRAWN = ("receipt_date", "immediate_recoupment_by", "pay_without_interest_by")


def calendar_chart(calendar: pd.DataFrame, title: str | None = None):
    """The calendar as a strip of labelled days (a :class:`matplotlib.figure.Figure`).

    Uses :func:`recoup_lib.lessons.timeline_chart`: green until interest
    starts, yellow while interest runs, red once the payer may offset.
    """
    from ..report import timeline_chart

    shown = calendar.loc[~calendar["step"].isin(_NOT_DRAWN)]
    return timeline_chart(shown, title=title)


@dataclass(frozen=True)
class DeskOutcome:
    """What came of a trainee's choice for one notice."""

    notice_id: str
    choice: str
    recommendation: str
    agrees_with_kit: bool
    right_by_truth: bool | None
    text: str


def _day(value) -> str:
    return "" if value is None or pd.isna(value) else f"{pd.Timestamp(value):%Y-%m-%d}"


def _consequence(choice: str, d) -> str:
    amount = int(d["amount_cents"])
    offset = _day(d["offset_starts"])
    stop = _day(d["stop_offset_by"])
    file_by = _day(d["file_by"])
    level = d["appeal_level"] if isinstance(d["appeal_level"], str) and d["appeal_level"] else "the first level"
    appeal_text = f"File the appeal ({level}) by {file_by}. " if file_by else f"File the appeal ({level}). "
    if stop:
        appeal_text += (f"Received by {stop} (not merely mailed), it stops the offset while the appeal is "
                        f"decided; after that the payer may still offset from {offset}.")
    elif offset:
        appeal_text += f"No rule stops the offset while you appeal: the payer may recover from {offset}."
    if choice == "accept":
        pay_by = _day(d.get("pay_without_interest_by"))
        text = f"You accept: {dollars(amount)} goes back to the payer."
        if pay_by:
            text += f" Pay by {pay_by} to owe no interest"
            text += f"; otherwise the payer offsets it from new payments from {offset}." if offset else "."
        elif offset:
            text += f" Unless you pay first, the payer offsets it from new payments from {offset}."
        return text
    if choice == "appeal":
        return f"You appeal all {dollars(amount)}. " + appeal_text
    agreed = d["agreed_amount_cents"] if d["recommendation"] == "partial" else pd.NA
    if pd.isna(agreed):
        return (f"You pay part of {dollars(amount)} and appeal the rest, but our audit supports no particular "
                f"part of it. " + appeal_text)
    return (f"You repay {dollars(int(agreed))} (what our audit supports) and appeal the other "
            f"{dollars(amount - int(agreed))}. " + appeal_text)


def grade_choice(decision, choice: str, valid: bool | None = None) -> DeskOutcome:
    """Grade a choice for one notice against the kit's recommendation and, if known, the truth.

    Parameters
    ----------
    decision : pandas.Series or mapping
        One row of :func:`recoup_lib.appeals.decide`.
    choice : {"appeal", "accept", "partial"}
    valid : bool, optional
        Whether the payer's demand is right (from the notices' answer key).
        None when unknown.

    Returns
    -------
    DeskOutcome
        ``right_by_truth``: ``accept`` is right for a valid demand,
        ``appeal`` for an invalid one, and ``partial`` wherever the kit also
        says partial (its audit supports part of the amount: the demand as
        sent is wrong, part of it is owed). None when ``valid`` is None.

    Raises
    ------
    InvalidParameterError
        ``choice`` is not one of :data:`DESK_CHOICES`.

    Examples
    --------
    >>> d = {"notice_id": "N1", "recommendation": "appeal", "amount_cents": 5000, "agreed_amount_cents": 0,
    ...      "offset_starts": "2025-02-10", "stop_offset_by": "2025-01-30", "file_by": "2025-05-06",
    ...      "appeal_level": "Redetermination", "reasons": "Our audit does not find it."}
    >>> grade_choice(d, "appeal").agrees_with_kit
    True
    """
    if choice not in DESK_CHOICES:
        raise InvalidParameterError(f"choice: expected one of {', '.join(DESK_CHOICES)}; got {choice!r}")
    recommendation = str(decision["recommendation"])
    agrees = choice == recommendation
    right = None
    if valid is not None and not pd.isna(valid):
        right = choice == ("accept" if bool(valid) else "appeal") or choice == recommendation == "partial"
    verdict = ("You chose what the kit recommends." if agrees else
               f"The kit recommends {recommendation}, not {choice}.")
    parts = [_consequence(choice, decision), verdict, f"Why: {decision.get('reasons', '')}".strip()]
    if right is not None:
        parts.append(("The answer key says the payer's demand is valid" if bool(valid) else
                      "The answer key says the payer's demand is not valid")
                     + (": your choice was right." if right else ": your choice was wrong."))
    return DeskOutcome(str(decision["notice_id"]), choice, recommendation, agrees, right, " ".join(parts))


@dataclass
class AppealDesk:
    """Notices, the kit's decisions on them, and a trainee's running score.

    Parameters
    ----------
    notices, payers, findings, payments : pandas.DataFrame
        As :func:`recoup_lib.appeals.decide` takes them.
    documentation, claim_lines : pandas.DataFrame, optional
    truth : pandas.DataFrame, optional
        notice_id and a boolean ``valid`` (the demand is right).
    profiles : recoup_lib.appeals.Profiles, optional
    decisions : pandas.DataFrame, optional
        The decisions already made on these notices (an
        :class:`~recoup_lib.appeals.AppealResult`'s); otherwise they are
        made with :func:`recoup_lib.appeals.decide`.
    why_empty : str, optional
        Why no notice could be decided, when none could (set by
        :meth:`from_result` from the run's rows set aside, or by
        :func:`desk_from_folder` for a folder without notices.csv); see
        :meth:`empty_text`.
    recoupments : pandas.DataFrame, optional
        The money the folder's remittances show taken back, for a folder
        without notices (the contract's recoupments columns, in cents).
    audit : recoup_lib.rules.AuditResult, optional
        The audit the decisions rest on (set by :meth:`from_result`), for
        the other desks over the same folder to use rather than run again.

    Examples
    --------
    >>> desk = desk_from_folder("practice")  # doctest: +SKIP
    >>> desk.choose(desk.notice_ids[0], "appeal").text  # doctest: +SKIP
    """

    notices: pd.DataFrame
    payers: pd.DataFrame
    findings: pd.DataFrame | None
    payments: pd.DataFrame
    documentation: pd.DataFrame | None = None
    claim_lines: pd.DataFrame | None = None
    truth: pd.DataFrame | None = None
    profiles: object = None
    outcomes: dict[str, DeskOutcome] = field(default_factory=dict)
    decisions: pd.DataFrame | None = None
    why_empty: str = ""
    recoupments: pd.DataFrame | None = None
    audit: object = None

    def __post_init__(self):
        self.profiles = self.profiles or load_profiles()
        if self.decisions is None:
            self.decisions = decide(self.notices, self.payers, self.findings, self.payments,
                                    documentation=self.documentation, claim_lines=self.claim_lines,
                                    profiles=self.profiles)
        self.decisions = self.decisions.set_index("notice_id", drop=False).rename_axis(None)

    @classmethod
    def from_result(cls, result: AppealResult, truth: pd.DataFrame | None = None) -> "AppealDesk":
        """A desk over the decisions of :func:`recoup_lib.appeals.appeal_folder`."""
        a = result.inputs.audit
        why_empty = ""
        try:
            result.require_decided()
        except NothingUsableError as exc:
            first = result.rejected.loc[result.rejected["file"] == "notices.csv", "message"]
            why_empty = str(exc) + (f" The first: {first.iloc[0]}" if len(first) else "")
        return cls(result.inputs.notices, result.inputs.payers, result.audit.findings, a.payments,
                   documentation=a.documentation, claim_lines=a.claim_lines, truth=truth,
                   profiles=result.profiles, decisions=result.decisions, why_empty=why_empty, audit=result.audit)

    @property
    def notice_ids(self) -> list[str]:
        return [str(n) for n in self.decisions["notice_id"]]

    def empty_text(self) -> str:
        """Why the desk has no notice to decide (blank when it has one): what a trainee sees instead."""
        if self.notice_ids:
            return ""
        return self.why_empty or "There is no notice to decide: the notices given hold no row."

    def decision(self, notice_id: str) -> pd.Series:
        return self.decisions.loc[notice_id]

    def calendar(self, notice_id: str) -> pd.DataFrame:
        return deadline_calendar(self.decision(notice_id), self.payers, self.profiles)

    def valid(self, notice_id: str) -> bool | None:
        if self.truth is None or "valid" not in self.truth.columns:
            return None
        found = self.truth.loc[self.truth["notice_id"] == notice_id, "valid"]
        return None if not len(found) or pd.isna(found.iloc[0]) else bool(found.iloc[0])

    def choose(self, notice_id: str, choice: str) -> DeskOutcome:
        """Grade a choice; the first choice per notice counts towards the score."""
        outcome = grade_choice(self.decision(notice_id), choice, self.valid(notice_id))
        self.outcomes.setdefault(notice_id, outcome)
        return outcome

    def score_text(self) -> str:
        """The first choice per notice counted: how many agree with the kit (and the answer key, where it
        grades them); ``""`` for a desk with no notice to decide, which has nothing to score."""
        if not self.notice_ids:
            return ""
        done = list(self.outcomes.values())
        text = (f"Score: {sum(o.agrees_with_kit for o in done)} of {len(done)} decided as the kit recommends")
        judged = [o for o in done if o.right_by_truth is not None]
        if judged:
            text += f"; {sum(o.right_by_truth for o in judged)} of {len(judged)} right by the answer key"
        return text

    def summary(self, notice_id: str) -> str:
        """One paragraph on the notice: payer, claim line, amount, reason given."""
        d = self.decision(notice_id)
        reason = d.get("reason_code", "")
        reason = "" if reason is None or pd.isna(reason) or not str(reason) else f" (CARC {reason})"
        return (f"Notice {notice_id} from {d['payer_name']} ({d['payer_type']}), dated {_day(d['notice_date'])}: "
                f"{dollars(int(d['amount_cents']))} on claim {d['claim_id']} line {d['line_no']}, "
                f"for {str(d['error_type']).replace('_', ' ')}{reason}. What was paid on that line: "
                f"{'unknown' if pd.isna(d['paid_cents']) else dollars(int(d['paid_cents']))}.")


#: File names a generated folder may use for the notices' answer key (notice_id, valid).
TRUTH_FILES = ("recoupment_labels.csv",)
#: The contract's boolean spellings (docs/contract.md "Conventions", as schema reads them); anything else,
#: a blank included, is unknown (a notice the key does not grade).
_BOOLEAN_TEXT = {**dict.fromkeys(BOOL_TRUE, True), **dict.fromkeys(BOOL_FALSE, False)}


def _taken_back_in(folder: Path, remit=None) -> tuple[pd.DataFrame | None, str]:
    """The money a folder's remittances show taken back, and what they are, in a sentence.

    Read as ``recoup report`` reads them (:func:`recoup_lib.report.folder_remittance`):
    ``recoupments.csv`` first, else the 835 files of ``remits/``; None when the
    folder has neither, or what it has cannot be used. (The report is imported
    here, when a folder without notices needs it.) ``remit``: the 835s of
    ``remits/`` already read.
    """
    from ..remit import taken_back
    from ..report import folder_remittance

    found = folder_remittance(folder, remit)
    if found.recoupments is None:
        return None, found.reason or ("Nor does it hold remittances that show money taken back: put the "
                                      "recoupments.csv `recoup remit` writes in the folder, or the payers' 835 "
                                      "files in remits/.")
    table, notes = found.recoupments, "".join(f" {n}." for n in found.messages)
    if not len(table):
        return table, f"Its remittances, {found.source}, show no money taken back.{notes}"
    return table, (f"Its remittances, {found.source}, show {len(table)} take-back(s), "
                   f"{dollars(taken_back(table))} taken back in all, listed below: to decide one, add the payer's "
                   f"notice about it to notices.csv.{notes}")


def _desk_without_notices(folder: Path, remit=None) -> AppealDesk:
    """A desk with no notice to decide, saying why, and listing what the remittances took back."""
    recoupments, said = _taken_back_in(folder, remit)
    why = (f"{folder} has no notices.csv, so there is no notice to decide. The appeal desk decides the notices "
           "a payer sends (notices.csv, with payers.csv), as `recoup appeal` does; money taken back in a "
           "remittance is not a notice: it carries no notice date to count the deadlines from. " + said)
    empty = pd.DataFrame(columns=["notice_id"])
    return AppealDesk(empty, pd.DataFrame(columns=["payer_id", "payer_type", "state"]), None, pd.DataFrame(),
                      decisions=pd.DataFrame(columns=DECISION_COLUMNS), why_empty=why, recoupments=recoupments)


def desk_from_folder(folder, truth: pd.DataFrame | None = None, profiles=None, remit=None) -> AppealDesk:
    """An appeal desk over an appeal folder (an audit folder plus notices.csv and payers.csv).

    The decisions are :func:`recoup_lib.appeals.appeal_folder`'s (the folder's
    own audit supplies the findings; ``profiles`` as it takes them: default
    the folder's rule tables, then the shipped ones). The truth is read from
    the first of :data:`TRUTH_FILES` present with a ``valid`` column, unless
    given (a folder or a link to a file since moved under its name is named, not passed over).

    A folder without notices.csv (an office's, from ``recoup import``) gives
    a desk with no notice to decide: :meth:`AppealDesk.empty_text` says why,
    and ``recoupments`` holds the money its remittances show taken back
    (recoupments.csv, else remits/), if any.

    ``remit``, the 835s of ``folder/remits`` already read
    (:func:`recoup_lib.remit.read_835`), is used rather than read again.
    """
    folder = existing_folder(folder, "an appeal folder: an audit folder plus notices.csv and payers.csv")
    if not present(folder / "notices.csv"):
        return _desk_without_notices(folder, remit)
    result = appeal_folder(folder, profiles=profiles, remit=remit)
    if truth is None:
        for name in TRUTH_FILES:
            path = folder / name
            if present(path):
                table = read_csv_text(path)[0]
                if "valid" in table.columns:
                    text = table["valid"].str.strip().str.lower()
                    table["valid"] = pd.array(text.map(_BOOLEAN_TEXT), dtype="boolean")
                    truth = table
                    break
    return AppealDesk.from_result(result, truth)


def desk_from_practice(practice, profiles=None) -> AppealDesk:
    """An appeal desk over a generated practice (:func:`recoup_lib.synthetic.generate_practice`).

    The notices are the payer simulation's, graded by their answer key
    (recoupment_labels.csv, ``valid``): the practice is written to a scratch
    folder (without its 835s) and decided there as :func:`desk_from_folder`
    decides a folder.
    """
    with tempfile.TemporaryDirectory(prefix="recoup-desk-") as scratch:
        practice.write(scratch, remits=False)
        return desk_from_folder(scratch, profiles=profiles)


def training_desk(folder, profiles=None) -> AppealDesk:
    """An appeal desk over a generated practice's folder, with or without its notices.

    A folder with notices.csv is decided as it is (:func:`desk_from_folder`).
    A folder without (the committed demo practices are plain audit folders)
    is simulated again from its ``practice.json`` (profile, seed, size, error
    rate, period) to get the payer simulation's notices and their answer key;
    the files the generator writes must then be exactly the folder's, so the
    notices are about the claims the trainee sees.

    Raises
    ------
    InputError
        No notices.csv and no practice.json, a practice.json the generator
        cannot follow, or a folder whose files differ from what its
        practice.json generates (a changed folder: give it a notices.csv).
    """
    folder = Path(folder)
    if present(folder / "notices.csv"):
        return desk_from_folder(folder, profiles=profiles)
    settings_path = folder / "practice.json"
    if not settings_path.is_file():
        raise InputError(f"{folder}: no notices.csv and no practice.json to simulate the payers' notices "
                         "from (`recoup generate` writes both)")
    try:
        settings = json.loads(settings_path.read_text(encoding="utf-8"))
        practice = generate_practice(lines=settings["lines"], seed=settings["seed"],
                                     error_rate=settings["error_rate"], profile=settings["profile"],
                                     start=settings["period"]["start"], end=settings["period"]["end"])
    except (ValueError, KeyError, TypeError) as exc:
        raise InputError(f"{settings_path}: cannot simulate the practice again ({exc}); give the folder "
                         "a notices.csv (`recoup generate` writes one)") from None
    with tempfile.TemporaryDirectory(prefix="recoup-desk-") as scratch:
        scratch = Path(scratch)
        practice.write(scratch, remits=False)
        changed = [name for name in FOLDER_FILES[:-1] if (folder / name).is_file()
                   and (folder / name).read_bytes() != (scratch / name).read_bytes()]
        if changed:
            raise InputError(f"{folder}: no notices.csv, and {', '.join(changed)} differ from the practice "
                             f"{settings_path.name} describes, so its simulated notices would not fit; give "
                             "the folder a notices.csv")
        return desk_from_folder(scratch, profiles=folder if profiles is None else profiles)
