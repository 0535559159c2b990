"""The data's own as-of date: the latest payment, remittance or notice date (never the wall clock).

What ``recoup appeal``, ``recoup report`` and ``recoup reconcile`` count
deadlines, ages and open balances from when no ``--as-of`` is given, worked
out in one place (:func:`folder_as_of`) so that the three agree on the same
data. It sits with the 835 reader because the remittance dates come from it
(:func:`remittance_dates`); ``recoup_lib.appeals`` gives the same names.
"""

from __future__ import annotations

import datetime as dt
from pathlib import Path

import pandas as pd

from ..errors import InputError
from ..filekind import present
from ..folder import files_present, read_table
from ..schema import RECOUPMENTS_SPEC
from ._batch import read_835
from ._files import remits_in
from ._recoupments import usable_recoupments

__all__ = ["FOLDER_AS_OF", "folder_as_of", "remittance_dates"]


#: How the folder's own as-of is described wherever it is used (report, appeal, reconcile).
FOLDER_AS_OF = "the folder's own date: its latest payment, remittance or notice date"


def _latest(values) -> pd.Timestamp | None:
    if values is None:
        return None
    dates = pd.to_datetime(pd.Series(values), errors="coerce").dropna()
    return dates.max() if len(dates) else None


def remittance_dates(folder: str | Path | None, remit=None) -> pd.Series:
    """Payment dates of a folder's remittance data, the latest of which is its latest remittance date.

    ``recoupments.csv`` if present (the payment_date of each row the report
    counts: not of a row it sets aside, :func:`usable_recoupments`, whose date
    is no more to be trusted than its amount), else every usable transaction
    of the 835s of ``remits/``, whether it takes money back or not: a
    remittance is dated by its payment (BPR16, else DTM*405), not by what it
    recoups. The one reading of "the latest remittance date" behind
    :func:`folder_as_of`, so ``recoup appeal``, ``recoup report`` and the
    desks count from the same day on the same folder.

    Parameters
    ----------
    folder : path-like or None
        None: the dates are those of ``remit`` alone (a library caller with
        the 835s read and no folder).
    remit : Remit, optional
        The 835s of ``folder/remits`` already read (:func:`read_835`),
        so they are not read again; unused when the folder has recoupments.csv.

    Returns
    -------
    pandas.Series
        Empty when the folder has neither.

    Raises
    ------
    InputError
        recoupments.csv cannot be read (a folder under its name, not CSV
        text, no payment_date or amount column): the date would otherwise be
        taken from the rest in silence.
    """
    folder = None if folder is None else Path(folder)
    if folder is not None and present(folder / "recoupments.csv"):
        return usable_recoupments(read_table(folder / "recoupments.csv", spec=RECOUPMENTS_SPEC).data)["payment_date"]
    if remit is None:
        files = remits_in(folder) if folder is not None else []
        if not files:
            return pd.Series(dtype="datetime64[us]")
        remit = read_835(files)
    return remit.transactions["payment_date"]


def folder_as_of(folder: str | Path | None = None, *, notices=None, payments=None,
                 remittances=None, remit=None) -> tuple[dt.date, str]:
    """The folder's own as-of: its latest payment, remittance or notice date (never the wall clock).

    What ``recoup appeal``, ``recoup report`` and ``recoup reconcile`` count
    deadlines and ages from when no ``--as-of`` is given (docs/contract.md,
    "Output safety"), so the same folder gives the same results on any day.

    Parameters
    ----------
    folder : path-like, optional
        Where to read what is not passed in: notices.csv, payments.csv and
        the remittance data (recoupments.csv or remits/).
    notices, payments, remittances : date-like sequences, optional
        The notice dates, payment dates (payments.csv) and remittance
        payment dates already read; each one given is not read again.
    remit : Remit, optional
        The folder's 835s already read, for :func:`remittance_dates`.

    Returns
    -------
    as_of : datetime.date
    note : str
        :data:`FOLDER_AS_OF`, for the summaries to say where the date came from;
        when ``folder``'s recoupments.csv cannot be read (:func:`remittance_dates`
        raises), its dates are left out and the note says so and why, as
        ``recoup report`` goes on without its recoupment metrics.

    Raises
    ------
    InputError
        No date at all to count from.

    Examples
    --------
    >>> folder_as_of(notices=["2026-02-27"], payments=["2026-01-05"], remittances=["2026-03-02"])[0]
    datetime.date(2026, 3, 2)
    """
    if folder is not None:
        folder = Path(folder)
        if notices is None and files_present(folder, ["notices.csv"]):
            notices = read_table(folder / "notices.csv").data.get("notice_date")
        if payments is None and files_present(folder, ["payments.csv"]):
            payments = read_table(folder / "payments.csv").data.get("payment_date")
    left_out = ""
    if folder is not None and remittances is None:
        try:
            remittances = remittance_dates(folder, remit)
        except InputError as exc:
            left_out = f"; {exc} (its dates are left out)"
    known = [d for d in (_latest(notices), _latest(payments), _latest(remittances)) if d is not None]
    if not known:
        raise InputError(f"{folder or 'the data given'}: no payment, remittance or notice date to count "
                         f"from{left_out}; give the as-of date")
    return max(known).date(), FOLDER_AS_OF + left_out
