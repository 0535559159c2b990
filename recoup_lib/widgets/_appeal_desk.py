"""The appeal desk's logic: a notice's deadline calendar, grading a choice, the outcome.

No widget code lives here (see :mod:`recoup_lib.widgets.appeal_desk`).
Deadlines come from :func:`recoup_lib.appeals.profile_dates` under the
payer's profile (:func:`recoup_lib.appeals.profile_for`), and the kit's
recommendation from :func:`recoup_lib.appeals.decide`, so the desk can never
disagree with ``recoup appeal``.

A trainee's choice (``appeal``, ``accept`` or ``partial``) is graded twice:

- against the kit's recommendation (docs/contract.md "Appeal decisions": accept
  where our audit supports the whole amount, partial where it supports
  less, appeal where it supports nothing or the notice is late);
- against the truth, when a table of notices with a boolean ``valid``
  column is given (the generator's answer key for its notices,
  ``recoupment_labels.csv``): a valid demand should be repaid, an invalid
  one appealed, and splitting it is right where the kit's audit supports
  part of the amount.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path

import pandas as pd

from ..appeals import decide, load_profiles, profile_dates, profile_for
from ..money import dollars
from ..schema import BOOL_FALSE, BOOL_TRUE

__all__ = ["DESK_CHOICES", "CALENDAR_COLUMNS", "DeskOutcome", "AppealDesk", "deadline_calendar", "training_desk", "training_notices", "desk_from_practice",
           "grade_choice", "calendar_chart", "desk_from_folder"]

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
    ("stop_offset_by", "Appeal by today to stop the offset",
     "An appeal filed by this day keeps the money from being taken while it is decided."),
    ("pay_without_interest_by", "Pay by today with no interest", "Paying in full by this day costs no interest."),
    ("interest_from", "Interest starts", "Interest is charged on what is still unpaid."),
    ("offset_starts", "Offset starts", "The payer may take the money out of new payments."),
    ("file_by", "Appeal due", "Last day to file the first appeal level."),
)


def _payer(payer_id: str, payers: pd.DataFrame) -> pd.Series:
    found = payers.loc[payers["payer_id"] == payer_id]
    if not len(found):
        raise ValueError(f"payer_id {payer_id!r} is not in payers (expected one of "
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
    ValueError
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
        appeal_text += f"Filed by {stop}, it stops the offset while the appeal is decided; after that the payer " \
                       f"may still offset from {offset}."
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
    ValueError
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
        raise ValueError(f"choice: expected one of {', '.join(DESK_CHOICES)}; got {choice!r}")
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

    Examples
    --------
    >>> desk = desk_from_folder("synthetic/demo/family_practice")  # doctest: +SKIP
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

    def __post_init__(self):
        self.profiles = self.profiles or load_profiles()
        self.decisions = decide(self.notices, self.payers, self.findings, self.payments,
                                documentation=self.documentation, claim_lines=self.claim_lines,
                                profiles=self.profiles).set_index("notice_id", drop=False).rename_axis(None)

    @property
    def notice_ids(self) -> list[str]:
        return [str(n) for n in self.decisions["notice_id"]]

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


def desk_from_folder(folder, truth: pd.DataFrame | None = None, profiles=None) -> AppealDesk:
    """An appeal desk over an appeal folder (an audit folder plus notices.csv and payers.csv).

    The kit's own audit of the folder supplies the findings. The truth is
    read from the first of :data:`TRUTH_FILES` present with a ``valid``
    column, unless given.
    """
    from ..appeals import read_appeal_folder
    from ..rules import run_audit

    folder = Path(folder)
    inputs = read_appeal_folder(folder)
    findings = run_audit(inputs.audit).findings
    if truth is None:
        for name in TRUTH_FILES:
            path = folder / name
            if path.is_file():
                table = pd.read_csv(path, dtype="str", keep_default_na=False)
                if "valid" in table.columns:
                    text = table["valid"].str.strip().str.lower()
                    table["valid"] = pd.array(text.map(_BOOLEAN_TEXT), dtype="boolean")
                    truth = table
                    break
    a = inputs.audit
    return AppealDesk(inputs.notices, inputs.payers, findings, a.payments, documentation=a.documentation,
                      claim_lines=a.claim_lines, truth=truth, profiles=profiles)


def training_notices(claim_lines: pd.DataFrame, payments: pd.DataFrame, labels: pd.DataFrame,
                     payers: pd.DataFrame, notice_date="2026-03-02") -> tuple[pd.DataFrame, pd.DataFrame]:
    """Three practice notices per payer type, made from a generated practice's answer key.

    For the first payer of each type in ``payers`` that has labelled lines:
    a notice asking exactly a labelled line's at_risk for its error type
    (the kit will say accept; valid), one asking twice a labelled line's
    at_risk (partial; not graded by truth), and one citing
    missing_documentation on a paid line the key says is clean (appeal;
    not valid). For a practice that has no ``notices.csv`` of its own.

    Parameters
    ----------
    claim_lines, payments : pandas.DataFrame
        As :func:`recoup_lib.folder.read_audit_folder` returns them.
    labels : pandas.DataFrame
        The answer key (claim_id, line_no, error_type, at_risk_cents).
    payers : pandas.DataFrame
        payer_id, name, payer_type, state.
    notice_date : date-like, default "2026-03-02"

    Returns
    -------
    notices : pandas.DataFrame
        notice_id, payer_id, claim_id, line_no, notice_date, amount_cents,
        error_type, reason_code (blank): ``notices.csv`` as parsed.
    truth : pandas.DataFrame
        notice_id, valid (True, False, or NA where the demand is partly right).
    """
    paid = payments.groupby(["claim_id", "line_no"], as_index=False)["paid_cents"].sum()
    lines = claim_lines[["claim_id", "line_no", "payer_id"]].merge(paid, on=["claim_id", "line_no"], how="left")
    keyed = labels.merge(lines, on=["claim_id", "line_no"]).loc[lambda f: f["at_risk_cents"] > 0]
    keyed = keyed.sort_values(["claim_id", "line_no", "error_type"], kind="stable")
    clean = lines.loc[(lines["paid_cents"] > 0)
                      & ~lines.set_index(["claim_id", "line_no"]).index.isin(
                          labels.set_index(["claim_id", "line_no"]).index)]
    rows, valid = [], []
    for payer_type in ("medicare", "medicaid", "commercial"):
        for payer_id in payers.loc[payers["payer_type"] == payer_type, "payer_id"]:
            mine = keyed.loc[keyed["payer_id"] == payer_id].drop_duplicates(["claim_id", "line_no"])
            ok = clean.loc[clean["payer_id"] == payer_id]
            if len(mine) < 2 or not len(ok):
                continue
            a, b, c = mine.iloc[0], mine.iloc[1], ok.iloc[0]
            rows += [(payer_id, a["claim_id"], a["line_no"], int(a["at_risk_cents"]), a["error_type"]),
                     (payer_id, b["claim_id"], b["line_no"], 2 * int(b["at_risk_cents"]), b["error_type"]),
                     (payer_id, c["claim_id"], c["line_no"], int(c["paid_cents"]), "missing_documentation")]
            valid += [True, pd.NA, False]
            break
    notices = pd.DataFrame(rows, columns=["payer_id", "claim_id", "line_no", "amount_cents", "error_type"])
    notices.insert(0, "notice_id", [f"N{i + 1:03d}" for i in range(len(notices))])
    notices.insert(4, "notice_date", pd.Series(pd.to_datetime([notice_date] * len(notices))).astype("datetime64[us]"))
    notices["line_no"] = notices["line_no"].astype("int64")
    notices["amount_cents"] = notices["amount_cents"].astype("int64")
    notices["reason_code"] = ""
    truth = pd.DataFrame({"notice_id": notices["notice_id"], "valid": pd.array(valid, dtype="boolean")})
    return notices, truth


def training_desk(folder, notice_date="2026-03-02", profiles=None) -> AppealDesk:
    """An appeal desk over a generated practice folder, with :func:`training_notices` as its notices.

    Uses the folder's own notices.csv instead when it has one.
    """
    folder = Path(folder)
    if (folder / "notices.csv").is_file():
        return desk_from_folder(folder, profiles=profiles)
    from ..folder import read_audit_folder, read_table
    from ..rules import run_audit

    inputs = read_audit_folder(folder)
    payers = read_table(folder / "payers.csv").data
    labels = read_table(folder / "labels.csv").data
    notices, truth = training_notices(inputs.claim_lines, inputs.payments, labels, payers, notice_date)
    return AppealDesk(notices, payers, run_audit(inputs).findings, inputs.payments,
                      documentation=inputs.documentation, claim_lines=inputs.claim_lines, truth=truth,
                      profiles=profiles)


def desk_from_practice(practice, notice_date="2026-03-02", profiles=None) -> AppealDesk:
    """An appeal desk over a practice in memory (:func:`recoup_lib.synthetic.generate_practice`).

    Uses the practice's own notices and their answer key (``valid``) when
    the generator simulated the payers' side; otherwise
    :func:`training_notices`.
    """
    from ..rules import audit_tables
    from ..synthetic import contract_tables

    t = contract_tables(practice)
    notices = getattr(t, "notices", None)
    truth = getattr(t, "recoupment_labels", None)
    if notices is None:
        notices, truth = training_notices(t.claim_lines, t.payments, t.labels, t.payers, notice_date)
    findings = audit_tables(t.claim_lines, t.payments, coverage=t.coverage, documentation=t.documentation,
                            fee_schedule=t.fee_schedule, ncci_ptp=t.ncci_ptp, mue=t.mue,
                            payer_policies=t.payer_policies).findings
    return AppealDesk(notices, t.payers, findings, t.payments, documentation=t.documentation,
                      claim_lines=t.claim_lines, truth=truth, profiles=profiles)
