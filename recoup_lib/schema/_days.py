"""A day given as a parameter (``as_of``), held to the dates every file may hold."""

from __future__ import annotations

import pandas as pd

from ..errors import InvalidParameterError
from ._parse import DATE_RANGE, FIRST_DATE, LAST_DATE

__all__ = ["as_of_day"]


def as_of_day(as_of, name: str = "as_of") -> pd.Timestamp:
    """An ``as_of`` parameter as the day it names (midnight; a time zone's own calendar day).

    Parameters
    ----------
    as_of : date-like
        A date, a ``Timestamp`` or ``YYYY-MM-DD`` text.
    name : str, default "as_of"
        What the value is called in the message (``"--as-of"``, a column).

    Raises
    ------
    InvalidParameterError
        ``as_of`` names no day (``"2026-13-01"``, blank) or one outside the
        kit's dates (1900 to 2100, as in every file); the message names the
        parameter and the expected form.
    """
    try:
        day = pd.Timestamp(as_of)
    except (TypeError, ValueError):
        day = pd.NaT
    if pd.isna(day):
        raise InvalidParameterError(f"{name}: expected a real date written YYYY-MM-DD (or a date); got {as_of!r}")
    day = (day.tz_localize(None) if day.tz is not None else day).normalize()
    if not FIRST_DATE <= day.to_datetime64() <= LAST_DATE:
        raise InvalidParameterError(f"{name}: expected {DATE_RANGE}; got {as_of!r}")
    return day
