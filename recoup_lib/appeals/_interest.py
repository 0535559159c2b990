"""Interest on an unpaid Medicare overpayment (42 CFR 405.378; docs/sources.md §1.2).

Interest runs from the demand (final determination) date but is charged only
if the debt is not paid within 30 days. It is charged per **started** 30-day
period -- a payment on day 31 pays one full period, never a prorated part --
as simple interest on a 360-day year, at the rate in force on the notice
date (the rate stays locked until the debt is paid). Money received pays
accrued interest first, then principal.

Rates come from ``medicare_interest_rates.csv``. Its 2025 and 2026 rows are
placeholders (docs/sources.md §1.2 found no published rate), so interest on a
notice dated then is **not computed** -- the worklist leaves the amounts blank
and says why -- until CMS's published rates are loaded
(:func:`recoup_lib.appeals.read_rate_notices`). Every result that uses a row
whose status is not ``confirmed`` carries that row's status and note.
"""

from __future__ import annotations

from dataclasses import dataclass
from decimal import Decimal
from fractions import Fraction
from numbers import Integral, Real

import numpy as np
import pandas as pd

from ..errors import InvalidParameterError
from ..money import MAX_CENTS, div_half_up
from ..schema import WHOLE_CENTS
from ._dates import day_of, to_days
from ._profiles import PayerProfile, Profiles, load_profiles, profile_for, rule_keys

__all__ = ["RateRow", "rate_on", "interest_periods", "period_interest", "InterestDue",
           "interest_due", "interest_table"]


@dataclass(frozen=True)
class RateRow:
    """The interest rate in force on a date, with its provenance (``end_date`` None: still in force)."""

    rate_percent: str
    effective_date: object
    end_date: object
    source: str
    status: str
    note: str

    @property
    def placeholder(self) -> bool:
        return "PLACEHOLDER" in self.note.upper()

    def describe(self) -> str:
        """``"10.50% (placeholder, unconfirmed: ...)"`` or ``"10.50% (secondary)"``."""
        text = f"{self.rate_percent}% ({self.status}"
        if self.placeholder or self.status != "confirmed":
            text += f": {self.note}" if self.note else ""
        return text + ")"


def rate_on(date, profiles: Profiles | None = None) -> RateRow | None:
    """The Medicare overpayment interest rate in force on ``date``.

    Returns None when no row of ``medicare_interest_rates.csv`` covers the
    date (the table holds only the periods seen in public sources).

    >>> rate_on("2012-02-01").rate_percent
    '10.50'
    """
    profiles = profiles or load_profiles()
    day = to_days(date)[0]
    return profiles.memo(("rate", day), lambda: _rate_lookup(pd.Timestamp(day), profiles))


def _rate_lookup(day: pd.Timestamp, profiles: Profiles) -> RateRow | None:
    rates = profiles.interest_rates
    hit = rates.loc[(rates["effective_date"] <= day) & (rates["end_date"].isna() | (rates["end_date"] >= day))]
    if not len(hit):
        return None
    r = hit.iloc[0]
    return RateRow(r["rate_percent"], r["effective_date"].date(),
                   None if pd.isna(r["end_date"]) else r["end_date"].date(), r["source"], r["status"], r["note"])


def _placeholder_note(rate: RateRow) -> str:
    return (f"rate {rate.describe()}: no published CMS rate is loaded for this date, so interest is not shown; "
            "load CMS's rate notices (recoup_lib.appeals.read_rate_notices, or edit medicare_interest_rates.csv)")


def interest_periods(notice_dates, paid_on, interest_from_day: int = 31, period_days: int = 30):
    """Number of interest periods charged when the debt is paid on ``paid_on``.

    Day 1 is the notice date. Nothing is charged through day
    ``interest_from_day - 1``; from that day on, every started period of
    ``period_days`` days is charged in full.

    Parameters
    ----------
    notice_dates, paid_on : date-like or sequences of them
    interest_from_day : int, default 31
    period_days : int, default 30

    Returns
    -------
    int or numpy.ndarray of int64

    Examples
    --------
    >>> interest_periods("2024-01-01", ["2024-01-30", "2024-01-31", "2024-02-29", "2024-03-01"]).tolist()
    [0, 1, 1, 2]
    """
    notice = to_days(notice_dates)
    paid = to_days(paid_on)
    day = (paid - notice).astype("int64") + 1
    periods = np.where(day >= interest_from_day, 1 + (day - interest_from_day) // period_days, 0)
    periods = periods.astype("int64")
    if np.ndim(notice_dates) == 0 and np.ndim(paid_on) == 0:
        return int(periods[0])
    return periods


def period_interest(principal_cents, rate_percent: str | Decimal, period_days: int = 30,
                    year_days: int = 360):
    """Interest of one period: principal x rate x period_days / year_days, half-up to the cent.

    The product is formed exactly (a fraction of integers) and rounded once
    with :func:`recoup_lib.money.div_half_up`. A decimal rate divided by 12
    often does not terminate (10.375% / 12 = 0.0086458333...), so rounding a
    truncated decimal rate could turn an exact half-cent tie the wrong way.

    Parameters
    ----------
    principal_cents : int or array of int
    rate_percent : str or Decimal
        Annual rate in percent (``"10.50"``).
    period_days, year_days : int

    Returns
    -------
    int or numpy.ndarray of int64

    Examples
    --------
    >>> period_interest(1_000_000, "10.50")  # docs/sources.md §1.2 test vector: $87.50
    8750
    """
    rate = Fraction(Decimal(str(rate_percent))) * period_days / (100 * year_days)
    if np.ndim(principal_cents):
        return div_half_up(np.asarray(principal_cents, dtype=np.int64) * rate.numerator, rate.denominator)
    return div_half_up(int(principal_cents) * rate.numerator, rate.denominator)


@dataclass(frozen=True)
class InterestDue:
    """Interest owed on a debt left unpaid until a date.

    Attributes
    ----------
    periods : int
        Periods charged so far.
    per_period_cents : int or None
        Interest of one period on the principal; None when no usable rate
        covers the notice date (none listed, or only a placeholder).
    total_cents : int or None
        ``periods x per_period_cents``; None with it.
    next_period_on : datetime.date
        The day the next period is charged.
    rate : RateRow or None
        The rate row used (a placeholder one too, so it can be named); None
        when no row covers the notice date.
    note : str
        Why an amount is missing, or which rate is not confirmed.
    """

    periods: int
    per_period_cents: int | None
    total_cents: int | None
    next_period_on: object
    rate: RateRow | None
    note: str


def _interest_rules(profile: PayerProfile) -> tuple[int, int, int] | None:
    start = profile.rule("interest_from")
    if start is None:
        return None
    period = profile.rule("interest_period")
    year = profile.rule("interest_year")
    return start.number, period.number if period else 30, year.number if year else 360


def _whole_cents(value, name: str) -> int:
    """A parameter in cents as an int: an integer as it is, any other number (a float, a Decimal) only
    where it is a whole number of cents, as in a table; never a bool, never past :data:`MAX_CENTS`."""
    cents = None
    if isinstance(value, Integral) and not isinstance(value, bool):
        cents = int(value)
    elif isinstance(value, (Real, Decimal)) and not isinstance(value, bool):
        try:
            number = float(value)
        except (ValueError, OverflowError):  # a signalling NaN, a Fraction past what a float holds
            number = float("nan")
        cents = int(number) if number.is_integer() else None
    if cents is None:
        raise InvalidParameterError(f"{name}: expected {WHOLE_CENTS}; got {value!r}")
    if abs(cents) > MAX_CENTS:
        raise InvalidParameterError(f"{name}: expected {WHOLE_CENTS} under a trillion dollars "
                                    f"(at most {MAX_CENTS:,} either way); got {value!r}")
    return cents


def interest_due(principal_cents: int, notice_date, as_of, profiles: Profiles | None = None,
                 payer_type: str = "medicare", allow_placeholder: bool = False) -> InterestDue:
    """Interest owed on ``as_of`` if nothing has been paid or recovered since the notice.

    Parameters
    ----------
    principal_cents : int
    notice_date, as_of : date-like
    profiles : Profiles, optional
    payer_type : str, default "medicare"
    allow_placeholder : bool, default False
        Compute the amounts even at a placeholder rate (for teaching the
        arithmetic); the note still says the rate is not a published one.

    Returns
    -------
    InterestDue

    Raises
    ------
    InvalidParameterError
        The payer type's profile has no interest rule, ``principal_cents`` is
        not a whole number of cents (``12.5``, ``"100"``) under a trillion
        dollars, or ``notice_date``
        or ``as_of`` names no day between 1900 and 2100.

    Notes
    -----
    42 CFR 405.378(b)(2); docs/sources.md §1.2. The rate is the one in force on the
    notice date. Offsets from day 41 would lower the principal; this function
    answers "what if nothing is done and nothing is taken".

    Examples
    --------
    >>> due = interest_due(1_000_000, "2012-02-01", "2012-03-02")  # paid on day 31
    >>> due.periods, due.total_cents
    (1, 8750)
    >>> interest_due(1_000_000, "2026-02-01", "2026-03-04").total_cents is None  # placeholder rate only
    True
    """
    principal_cents = _whole_cents(principal_cents, "principal_cents")
    profiles = profiles or load_profiles()
    rules = _interest_rules(profile_for(profiles, payer_type))
    if rules is None:
        raise InvalidParameterError(f"the {payer_type} profile has no interest_from rule")
    start, period, year = rules
    day = day_of(as_of)
    notice = day_of(notice_date, name="notice_date")
    periods = int(interest_periods(notice, day, start, period))
    next_on = (notice + np.timedelta64(start - 1 + periods * period, "D")).astype(object)
    rate = rate_on(notice, profiles)
    if rate is None:
        return InterestDue(periods, None, None, next_on, None,
                           f"no rate in medicare_interest_rates.csv covers {notice}: add it")
    if rate.placeholder and not allow_placeholder:
        return InterestDue(periods, None, None, next_on, rate, _placeholder_note(rate))
    per = int(period_interest(principal_cents, rate.rate_percent, period, year))
    note = "" if rate.status == "confirmed" and not rate.placeholder else f"rate {rate.describe()}"
    return InterestDue(periods, per, periods * per, next_on, rate, note)


def interest_table(frame: pd.DataFrame, as_of, profiles: Profiles | None = None) -> pd.DataFrame:
    """Interest if nothing is done, for many debts at once.

    Parameters
    ----------
    frame : pandas.DataFrame
        Columns ``payer_type`` (or the ``rules_payer_type`` that
        :func:`decide` adds: a Medicare Advantage plan charges no Medicare
        interest), ``notice_date`` and ``amount_cents`` (the principal).
    as_of : date-like
    profiles : Profiles, optional

    Returns
    -------
    pandas.DataFrame
        Same index; interest_periods (Int64), interest_accrued_cents,
        next_interest_on, next_interest_cents, interest_rate_percent,
        interest_rate_status (``placeholder`` for a placeholder row),
        interest_note. Rows whose payer type has no interest rule get blanks
        and a note saying so; rows whose rate is a placeholder or missing get
        blank amounts and a note asking for CMS's published rate.
    """
    profiles = profiles or load_profiles()
    n = len(frame)
    out = pd.DataFrame(index=frame.index)
    periods = pd.array([pd.NA] * n, dtype="Int64")
    accrued = pd.array([pd.NA] * n, dtype="Int64")
    step = pd.array([pd.NA] * n, dtype="Int64")
    next_on = np.full(n, np.datetime64("NaT"), dtype="datetime64[D]")
    rate_text = [""] * n
    status = [""] * n
    notes = [""] * n
    today = day_of(as_of)
    notice = to_days(frame["notice_date"]) if n else np.array([], dtype="datetime64[D]")
    principal = frame["amount_cents"].to_numpy(dtype=np.int64) if n else np.array([], dtype=np.int64)
    types = rule_keys(frame)[0] if n else np.array([], dtype=object)
    for payer_type, idx in pd.Series(range(n)).groupby(types).groups.items():
        idx = np.asarray(list(idx), dtype=np.int64)
        rules = _interest_rules(profile_for(profiles, payer_type))
        if rules is None:
            for i in idx:
                notes[i] = f"no interest rule in the {payer_type} profile"
            continue
        start, period, year = rules
        k = interest_periods(notice[idx], np.full(len(idx), today), start, period)
        nxt = notice[idx] + (start - 1 + k * period).astype("timedelta64[D]")
        for j, i in enumerate(idx):
            rate = rate_on(notice[i], profiles)
            next_on[i] = nxt[j]
            periods[i] = int(k[j])
            if rate is None:
                notes[i] = f"no rate in medicare_interest_rates.csv covers {notice[i]}: add it"
                continue
            if rate.placeholder:
                rate_text[i], status[i], notes[i] = rate.rate_percent, "placeholder", _placeholder_note(rate)
                continue
            per = int(period_interest(int(principal[i]), rate.rate_percent, period, year))
            accrued[i] = int(k[j]) * per
            step[i] = per
            rate_text[i] = rate.rate_percent
            status[i] = rate.status
            if rate.status != "confirmed":
                notes[i] = f"rate {rate.describe()}"
    out["interest_periods"] = periods
    out["interest_accrued_cents"] = accrued
    out["next_interest_on"] = next_on.astype("datetime64[us]")
    out["next_interest_cents"] = step
    out["interest_rate_percent"] = pd.array(rate_text, dtype="str")
    out["interest_rate_status"] = pd.array(status, dtype="str")
    out["interest_note"] = pd.array(notes, dtype="str")
    return out
