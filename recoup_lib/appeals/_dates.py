"""Deadline arithmetic: windows counted in days, day numbers, months or business days.

Two counting conventions meet here, and the profile data says which applies:

- **day numbers** (``day_number``): day 1 is the starting date itself. The
  contract counts Medicare's demand-letter timeline this way (docs/sources.md §1.1):
  "by day 30" is ``notice_date + 29`` and "day 41" is ``notice_date + 40``.
- **windows** (``days``, ``months``, ``business_days``): the window starts
  the day after the starting date, so "120 days after receipt" ends on
  ``receipt + 120`` and "within 24 months of payment" ends on the same day of
  the month 24 months later (clipped to the month's last day: 2024-02-29 + 12
  months is 2025-02-28).

All functions are vectorised over numpy ``datetime64[D]`` values; ``NaT`` in
gives ``NaT`` out.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import pandas as pd

from ..errors import InvalidParameterError
from ..schema import as_of_day
from ._profiles import PayerProfile, Profiles, load_profiles, profile_for

__all__ = [
    "to_days",
    "day_of",
    "per_calendar_day",
    "add_months",
    "shift",
    "profile_dates",
    "medicare_dates",
    "TIMELINE_COLUMNS",
    "medicare_timeline",
    "level_deadlines",
    "aic_threshold",
    "NextStep",
    "next_level",
]

_ONE_DAY = np.timedelta64(1, "D")


def to_days(dates) -> np.ndarray:
    """Any date-like input (scalar, list, Series, strings) as ``datetime64[D]``.

    A ``datetime64`` array or scalar is cast as it is: through Python objects, a million days took
    0.2 s, and a day beyond ``datetime.date``'s years (10000) came back as 1970-01-01.
    """
    if isinstance(dates, (np.ndarray, np.datetime64)) and dates.dtype.kind == "M":
        return np.atleast_1d(dates).astype("datetime64[D]")
    if isinstance(dates, pd.Series):
        values = pd.to_datetime(dates).to_numpy()
    else:
        values = np.asarray(pd.to_datetime(np.atleast_1d(np.asarray(dates, dtype=object))))
    return values.astype("datetime64[D]")


def day_of(value, name: str = "as_of") -> np.datetime64:
    """A date parameter (``as_of``, a notice's date) checked by :func:`~recoup_lib.schema.as_of_day` and
    given as the ``datetime64[D]`` day the deadline arithmetic works in."""
    return as_of_day(value, name=name).to_datetime64().astype("datetime64[D]")


def per_calendar_day(days, compute) -> np.ndarray:
    """``compute(days)`` for dates each worked out on its own (a deadline shift), computed once per
    calendar day from the earliest to the latest of ``days`` and looked up; ``NaT`` stays ``NaT``.

    A generated block's 250,000 lines hold a few hundred distinct days:
    shifting them by months (``datetime64[M]`` arithmetic) once per day and
    looking them up is 0.9 ms instead of 15. Dates spread more thinly than one
    a day are computed as they are.
    """
    days = np.asarray(days, dtype="datetime64[D]")
    out = np.full(days.shape, np.datetime64("NaT"), dtype="datetime64[D]")
    known = ~np.isnat(days)
    if not known.any():
        return out
    ticks = days[known].view(np.int64)
    first, span = int(ticks.min()), int(ticks.max()) - int(ticks.min()) + 1
    if span > len(ticks):
        out[known] = np.asarray(compute(days[known]), dtype="datetime64[D]")
        return out
    calendar = np.arange(first, first + span).astype("datetime64[D]")
    out[known] = np.asarray(compute(calendar), dtype="datetime64[D]")[ticks - first]
    return out


def add_months(days: np.ndarray, months: int) -> np.ndarray:
    """Add whole months, clipping to the last day of the target month.

    >>> add_months(np.array(["2024-02-29", "2023-08-31"], dtype="datetime64[D]"), 12).tolist()
    [datetime.date(2025, 2, 28), datetime.date(2024, 8, 31)]
    """
    days = np.asarray(days, dtype="datetime64[D]")
    month_start = days.astype("datetime64[M]")
    offset = days - month_start.astype("datetime64[D]")
    target = month_start + np.timedelta64(int(months), "M")
    last = (target + np.timedelta64(1, "M")).astype("datetime64[D]") - _ONE_DAY
    candidate = target.astype("datetime64[D]") + offset
    return np.where(candidate > last, last, candidate)


def shift(days: np.ndarray, value: int, unit: str) -> np.ndarray:
    """Move dates by a window or to a day number (see the module notes).

    Parameters
    ----------
    days : array of datetime64[D]
    value : int
    unit : {"days", "months", "business_days", "day_number"}

    Returns
    -------
    numpy.ndarray of datetime64[D]

    Examples
    --------
    >>> d = np.array(["2024-01-31"], dtype="datetime64[D]")
    >>> [str(shift(d, 30, "day_number")[0]), str(shift(d, 1, "months")[0])]
    ['2024-02-29', '2024-02-29']
    """
    days = np.asarray(days, dtype="datetime64[D]")
    value = int(value)
    if unit == "days":
        return days + np.timedelta64(value, "D")
    if unit == "day_number":
        return days + np.timedelta64(value - 1, "D")
    if unit == "months":
        return per_calendar_day(days, lambda calendar: add_months(calendar, value))
    if unit == "business_days":
        return per_calendar_day(days, lambda calendar: np.busday_offset(calendar, value, roll="backward"))
    raise InvalidParameterError(f"unknown unit {unit!r}; expected days, months, business_days or day_number")


def _nat(n: int) -> np.ndarray:
    return np.full(n, np.datetime64("NaT"), dtype="datetime64[D]")


def level_deadlines(prior: np.ndarray, level: pd.Series, receipt_days: int) -> tuple[np.ndarray, np.ndarray]:
    """Filing deadline and stop-offset deadline of one appeal level.

    Parameters
    ----------
    prior : array of datetime64[D]
        Date of the notice (level 1) or of the previous level's decision.
    level : pandas.Series
        A row of ``Profiles.levels``.
    receipt_days : int
        Days after ``prior`` at which receipt is presumed (``filing_from`` =
        ``receipt``).

    Returns
    -------
    file_by, stop_offset_by : numpy.ndarray of datetime64[D]
        ``NaT`` where the level has no such window.
    """
    prior = np.asarray(prior, dtype="datetime64[D]")
    file_by = _nat(prior.shape[0])
    stop = _nat(prior.shape[0])
    if pd.notna(level["filing_window"]):
        start = prior + np.timedelta64(receipt_days if level["filing_from"] == "receipt" else 0, "D")
        file_by = shift(start, int(level["filing_window"]), level["filing_unit"])
    if pd.notna(level["stay_window"]):
        stop = shift(prior, int(level["stay_window"]), level["stay_unit"])
    return file_by, stop


def _rule_date(notice: np.ndarray, profile: PayerProfile, name: str) -> np.ndarray:
    rule = profile.rule(name)
    if rule is None or rule.unit == "none":
        return _nat(notice.shape[0])
    return shift(notice, rule.number, rule.unit)


def profile_dates(notice_dates, profile: PayerProfile) -> pd.DataFrame:
    """Every dated step of a notice's timeline under one payer profile.

    Parameters
    ----------
    notice_dates : date-like or sequence of them
        The notices' own dates (for Medicare, the demand letter's date).
    profile : PayerProfile

    Returns
    -------
    pandas.DataFrame
        notice_date, receipt_date, rebuttal_by, immediate_recoupment_by,
        stop_offset_by, pay_without_interest_by, interest_from,
        offset_starts, file_by (datetime64; ``NaT`` where the profile has no
        such rule).

    Notes
    -----
    Medicare (docs/sources.md §1.1, 1.3, 2; docs/contract.md "Appeal decisions"): receipt is
    presumed 5 days after the notice date; the redetermination is due 120
    days after receipt (notice + 125); filing by day 30 (notice + 29) stops
    the offset (Section 935); interest accrues from day 31 (notice + 30), so
    paying by day 30 costs no interest; offset starts on day 41 (notice + 40).
    """
    notice = to_days(notice_dates)
    receipt_rule = profile.rule("receipt_days")
    receipt_days = receipt_rule.number if receipt_rule is not None else 0
    file_by, stop = level_deadlines(notice, profile.first_level, receipt_days)
    interest_from = _rule_date(notice, profile, "interest_from")
    frame = {
        "notice_date": notice,
        "receipt_date": notice + np.timedelta64(receipt_days, "D"),
        "rebuttal_by": _rule_date(notice, profile, "rebuttal_by"),
        "immediate_recoupment_by": _rule_date(notice, profile, "immediate_recoupment_by"),
        "stop_offset_by": stop,
        "pay_without_interest_by": interest_from - _ONE_DAY,
        "interest_from": interest_from,
        "offset_starts": _rule_date(notice, profile, "offset_starts"),
        "file_by": file_by,
    }
    return pd.DataFrame({k: v.astype("datetime64[us]") for k, v in frame.items()})


def medicare_dates(notice_dates, profiles: Profiles | None = None) -> pd.DataFrame:
    """The Medicare demand-letter timeline (see :func:`profile_dates`).

    Examples
    --------
    >>> d = medicare_dates(["2024-02-29"]).iloc[0]
    >>> [f"{d[c]:%Y-%m-%d}" for c in ("stop_offset_by", "offset_starts", "file_by")]
    ['2024-03-29', '2024-04-09', '2024-07-03']
    """
    return profile_dates(notice_dates, profile_for(profiles or load_profiles(), "medicare"))


#: Columns of :func:`medicare_timeline`.
TIMELINE_COLUMNS = ("day", "date", "event", "what_to_do")

_TIMELINE_STEPS = (
    ("notice_date", "Demand letter dated",
     "Open it the day it arrives; put every date below on the calendar."),
    ("rebuttal_by", "Rebuttal due",
     "Explain why the money should not be taken (for example hardship). A rebuttal alone "
     "does not stop collection."),
    ("stop_offset_by", "Pay with no interest, or appeal to stop the offset",
     "Pay in full, or appeal: a redetermination the contractor has received by today (not "
     "merely mailed) stops the offset while it is decided (Section 935)."),
    ("interest_from", "Interest starts",
     "Interest is charged on what is still unpaid, per started 30-day period."),
    ("offset_starts", "Offset starts",
     "The payer keeps the money out of new payments for unrelated claims."),
    ("file_by", "Redetermination due",
     "120 days after receipt (receipt is presumed 5 days after the letter's date). Filed "
     "after day 30 it is still an appeal, but it no longer stops the offset."),
)


def medicare_timeline(notice_date, profiles=None) -> pd.DataFrame:
    """The key days of a Medicare overpayment demand, as a table.

    Parameters
    ----------
    notice_date : date-like
        The date printed on the demand letter (day 1).
    profiles : recoup_lib.appeals.Profiles, optional
        Rule tables (default: the shipped ones).

    Returns
    -------
    pandas.DataFrame
        One row per step, in date order: ``day`` (day number, the letter's
        date is day 1), ``date`` (datetime64), ``event``, ``what_to_do``.

    Notes
    -----
    The dates come from :func:`medicare_dates`, which
    reads them from the payer rules table: rebuttal by day 15, pay by day 30
    with no interest (a redetermination the contractor has received by then
    stops the offset under Section 935 of the MMA), interest from day 31, offset from
    day 41, and the redetermination due 120 days after the presumed receipt
    (docs/sources.md §1.1, 1.3 and 2; CMS Medicare Financial Management Manual,
    Pub. 100-06, ch. 3).

    Examples
    --------
    >>> medicare_timeline("2025-03-03")["day"].tolist()
    [1, 15, 30, 31, 41, 126]
    """
    dates = medicare_dates([notice_date], profiles).iloc[0]
    day_one = dates["notice_date"]
    rows = []
    for column, event, todo in _TIMELINE_STEPS:
        when = dates[column]
        if pd.isna(when):
            continue
        rows.append({"day": int((when - day_one).days) + 1, "date": when, "event": event,
                     "what_to_do": todo})
    table = pd.DataFrame(rows, columns=list(TIMELINE_COLUMNS))
    table["date"] = pd.to_datetime(table["date"])
    return table.sort_values("day", kind="stable").reset_index(drop=True)


def aic_threshold(year: int, which: str, profiles: Profiles) -> tuple[int | None, int | None, str]:
    """Amount in controversy needed in a calendar year.

    Parameters
    ----------
    year : int
        Year the request is filed.
    which : {"alj_hearing", "judicial_review"}
    profiles : Profiles

    Returns
    -------
    cents : int or None
        The threshold; None when the table has no year at or before ``year``.
    year_used : int or None
        The year whose figure was used (the latest listed year <= ``year``).
    note : str
        Empty when the year is listed; otherwise says which year was used.

    Notes
    -----
    The thresholds are adjusted every January by the medical-care CPI and
    rounded to the nearest $10 (Federal Register 2025-21879; docs/sources.md §2).
    """
    return profiles.memo(("aic", int(year), which), lambda: _aic_lookup(int(year), which, profiles))


def _aic_lookup(year: int, which: str, profiles: Profiles) -> tuple[int | None, int | None, str]:
    table = profiles.aic
    known = table.loc[table["year"] <= int(year)]
    if not len(known):
        return None, None, f"medicare_aic.csv has no amount in controversy for {year} or earlier"
    row = known.iloc[-1]
    used = int(row["year"])
    note = "" if used == int(year) else (
        f"medicare_aic.csv has no {year} row; the {used} figure was used (add {year}'s)")
    return int(row[f"{which}_cents"]), used, note


@dataclass(frozen=True)
class NextStep:
    """The next appeal level after an unfavourable decision.

    Attributes
    ----------
    level : int
    name, decided_by : str
    receipt_date : datetime.date
        The decision's presumed receipt (decision date + receipt days).
    file_by : datetime.date or None
    stop_offset_by : datetime.date or None
        Last day to file so the offset stays stopped; None where no stay.
    aic_threshold_cents : int or None
        Amount in controversy the level needs; None when it needs none.
    aic_year : int or None
    aic_met : bool or None
        Whether the disputed amount meets it (None when no threshold).
    note : str
    """

    level: int
    name: str
    decided_by: str
    receipt_date: object
    file_by: object
    stop_offset_by: object
    aic_threshold_cents: int | None
    aic_year: int | None
    aic_met: bool | None
    note: str


def next_level(decision_date, level: int, disputed_cents: int, payer_type: str = "medicare",
               state: str | None = None, profiles: Profiles | None = None) -> NextStep | None:
    """What to do after losing at ``level``: the next level and its deadlines.

    Parameters
    ----------
    decision_date : date-like
        Date printed on the unfavourable decision.
    level : int
        The level just decided (1 = the first level).
    disputed_cents : int
        Amount still disputed.
    payer_type, state : str
        Select the profile.
    profiles : Profiles, optional

    Returns
    -------
    NextStep or None
        None when ``level`` is the last level.

    Notes
    -----
    Medicare (docs/sources.md §2): each deadline runs from the presumed receipt of the
    decision (date + 5 days): 180 days for reconsideration, 60 for the ALJ,
    the Council and the court. Filing the reconsideration within 60 days of
    the redetermination decision keeps the offset stopped (docs/sources.md §1.3,
    secondary). The ALJ and the court need the year's amount in controversy,
    taken here for the year of the filing deadline.

    Examples
    --------
    >>> step = next_level("2024-12-31", 2, 150_00)
    >>> step.name, f"{step.file_by:%Y-%m-%d}", step.aic_threshold_cents, step.aic_met
    ('Administrative Law Judge (ALJ) hearing', '2025-03-06', 19000, False)
    """
    profiles = profiles or load_profiles()
    profile = profile_for(profiles, payer_type, state)
    later = profile.levels.loc[profile.levels["level"] > int(level)]
    if not len(later):
        return None
    row = later.iloc[0]
    receipt_rule = profile.rule("receipt_days")
    receipt_days = receipt_rule.number if receipt_rule is not None else 0
    prior = to_days(decision_date)
    file_by, stop = level_deadlines(prior, row, receipt_days)
    cents = year = None
    met = None
    note = ""
    if row["aic"]:
        basis = file_by[0] if not np.isnat(file_by[0]) else prior[0]
        year_filed = int(str(basis)[:4])
        cents, year, note = aic_threshold(year_filed, row["aic"], profiles)
        met = None if cents is None else int(disputed_cents) >= cents

    def as_date(v):
        return None if np.isnat(v) else v.astype(object)

    return NextStep(
        level=int(row["level"]), name=row["name"], decided_by=row["decided_by"],
        receipt_date=as_date(prior[0] + np.timedelta64(receipt_days, "D")),
        file_by=as_date(file_by[0]), stop_offset_by=as_date(stop[0]),
        aic_threshold_cents=cents, aic_year=year, aic_met=met, note=note,
    )
