"""notices.csv read one way: which of the payers' recoupment notices can be used, and why not.

``recoup appeal`` (and the report and the appeal desk through it) and
``recoup reconcile`` read the same ``notices.csv``. :func:`usable_notices` is
the one place that says which of its rows can be used, so a row one command
sets aside is set aside by the other, for the same reason, in the same words
(docs/contract.md, "notices.csv"). Each check runs when what it needs is at
hand: the payers when ``payers.csv`` is given, the line checks when the audit
folder's claim lines and payments are given, the as-of check when a date is.
"""

from __future__ import annotations

from dataclasses import dataclass, replace
from pathlib import Path

import numpy as np
import pandas as pd

from .csvout import to_text_frame
from .csvread import read_table
from .errors import InputError, InvalidParameterError, Problem
from .filekind import not_a_file, present, with_workbook_hint
from .money import format_cents
from .schema import SPECS, Column, ParsedTable, as_of_day, checked_frame
from .wording import rows_counted

__all__ = ["NOTICES", "NOTICE_CHECK_COLUMNS", "as_of_day", "checked_notices", "notice_checks", "read_notices",
           "NoNoticeUsed", "notices_unused", "read_payers", "set_aside_notices", "usable_notices"]

#: The file's name, as every message about its rows says it.
NOTICES = "notices.csv"
#: The columns the checks read (in-memory names): a table of notices must have them.
NOTICE_CHECK_COLUMNS = ("notice_id", "payer_id", "claim_id", "line_no", "notice_date", "amount_cents")
_PARTS = ["_column", "_value", "_expected"]


def _days(values) -> pd.Series:
    return pd.to_datetime(pd.Series(values, copy=False), errors="coerce").dt.strftime("%Y-%m-%d").fillna("")


def _first_payments(notices: pd.DataFrame, payments: pd.DataFrame) -> pd.Series:
    """The earliest positive payment date of each notice's line in payments.csv (NaT where none)."""
    pay = payments.loc[payments["paid_cents"] > 0, ["claim_id", "line_no", "payment_date"]]
    first = pay.groupby(["claim_id", "line_no"], as_index=False)["payment_date"].min()
    joined = notices[["claim_id", "line_no"]].merge(first, on=["claim_id", "line_no"], how="left")
    return pd.Series(pd.to_datetime(joined["payment_date"]).to_numpy(), index=notices.index)


def _checks(notices: pd.DataFrame, payers, claim_lines, payments, as_of):
    """Each check as (failing, column, value, expected), in the order a row's first reason is taken."""
    dated = pd.to_datetime(notices["notice_date"]) if "notice_date" in notices.columns else None
    if payers is not None:
        yield (~notices["payer_id"].isin(payers["payer_id"]), "payer_id", notices["payer_id"].astype("str"),
               "a payer listed in payers.csv")
    amount = notices["amount_cents"]
    yield amount.isna() | (amount.fillna(0) <= 0), "amount", format_cents(amount), "an amount greater than 0"
    paid_on = (pd.to_datetime(notices["original_payment_date"])
               if "original_payment_date" in notices.columns and dated is not None else None)
    if paid_on is not None:
        yield (dated < paid_on, "notice_date,original_payment_date", _days(dated) + "|" + _days(paid_on),
               "a notice_date on or after the original_payment_date (a notice cannot take back money "
               "before it was paid)")
    if claim_lines is not None:
        lines = claim_lines[["claim_id", "line_no"]].drop_duplicates().assign(_known=True)
        joined = notices[["claim_id", "line_no"]].merge(lines, on=["claim_id", "line_no"], how="left")
        yield (pd.Series(joined["_known"].isna().to_numpy(), index=notices.index), "claim_id,line_no",
               notices["claim_id"].astype("str") + "|" + notices["line_no"].astype("str"),
               "a line present in claim_lines.csv (pull the claim before deciding)")
    if payments is not None and dated is not None:
        first = _first_payments(notices, payments)
        own = paid_on.notna() if paid_on is not None else pd.Series(False, index=notices.index)
        yield (~own & (dated < first), "notice_date", _days(dated),
               "a date on or after the line's first payment in payments.csv, " + _days(first)
               + " (a notice cannot take back money before it was paid)")
    if as_of is not None and dated is not None:
        day = as_of_day(as_of)
        yield (dated > day, "notice_date", _days(dated),
               f"a date on or before the as-of date {day:%Y-%m-%d} (a notice that had not arrived by then is "
               "set aside, not decided)")


def _reason_text(column: pd.Series, value: pd.Series, expected: pd.Series) -> pd.Series:
    """``column 'x': expected ...; got '...'`` (``columns 'a', 'b'`` where a check reads several)."""
    several = column.str.contains(",", regex=False)
    named = column.str.replace(",", "', '", regex=False)
    head = several.map({True: "columns '", False: "column '"}).astype("str") + named + "': expected "
    return head + expected + "; got '" + value + "'"


def usable_notices(notices: pd.DataFrame, payers: pd.DataFrame | None = None,
                   claim_lines: pd.DataFrame | None = None, as_of=None, *,
                   payments: pd.DataFrame | None = None) -> tuple[pd.DataFrame, pd.DataFrame]:
    """Split a table of notices into those that can be used and those set aside, with the reason.

    Parameters
    ----------
    notices : pandas.DataFrame
        notice_id, payer_id, claim_id, line_no, notice_date, an amount
        (``amount_cents`` whole cents or ``amount`` dollars), optional
        original_payment_date, ...: checked and typed as ``notices.csv``
        would be (:func:`recoup_lib.schema.checked_frame`, as
        :func:`read_notices` takes a table), so the rows come back typed
        and on a fresh index.
    payers : pandas.DataFrame, optional
        Parsed ``payers.csv``; when given, a notice's payer must be in it
        (no recoupment rules can be chosen for another).
    claim_lines : pandas.DataFrame, optional
        When given, a notice must name a line that is in it (the audit
        cannot speak to another: pull the claim first).
    as_of : date-like, optional
        The day the notices are read for; a notice dated after it had not
        arrived yet and is set aside.
    payments : pandas.DataFrame, optional
        Parsed ``payments.csv``; when given, a notice without its own
        original_payment_date may not be dated before its line's first
        positive payment.

    Returns
    -------
    usable : pandas.DataFrame
    set_aside : pandas.DataFrame
        The other notices, with ``_reason`` (``column 'x': expected ...;
        got '...'``) and its parts ``_column``, ``_value``, ``_expected``.

    Raises
    ------
    InputError
        ``notices`` lacks one of the columns the checks read or holds a
        value the contract does not allow (the message names the index
        label and the column).
    InvalidParameterError
        ``as_of`` names no day.

    Notes
    -----
    Always checked: the amount is above zero, and a notice is not dated
    before the original_payment_date it names (an impossible timeline).
    Each row carries its first failing reason, in the order of the
    parameters above.

    Examples
    --------
    >>> notices = pd.DataFrame({"notice_id": ["N1", "N2"], "payer_id": ["P", "P"], "claim_id": ["C", "C"],
    ...     "line_no": [1, 1], "notice_date": pd.to_datetime(["2026-02-27", "2026-03-05"]),
    ...     "amount_cents": [100, 100]})
    >>> payers = pd.DataFrame({"payer_id": ["P"], "name": ["P"], "payer_type": ["medicare"], "state": [""]})
    >>> usable, aside = usable_notices(notices, payers, as_of="2026-03-01")
    >>> usable["notice_id"].tolist(), aside["_reason"].iloc[0].split(" (")[0]
    (['N1'], "column 'notice_date': expected a date on or before the as-of date 2026-03-01")
    """
    return _split(checked_notices(notices), payers, claim_lines, as_of, payments=payments)


def checked_notices(notices: pd.DataFrame, needing=NOTICE_CHECK_COLUMNS, money=()) -> pd.DataFrame:
    """A table of notices handed over (a notebook's DataFrame), checked and typed as notices.csv would be.

    Parameters
    ----------
    notices : pandas.DataFrame
    needing : sequence of str
        The in-memory columns the caller reads: they must be present; the
        file's other columns are typed when given.
    money : sequence of str
        Money columns of the kit's own that the caller reads when given, by
        their file names (``"open"`` for ``open_cents``): whole cents, as the
        file's amounts.

    Raises
    ------
    InputError
        A column of ``needing`` is missing or a value is not what
        notices.csv allows; the message names the index label and column.
    """
    spec = SPECS[NOTICES].needing(needing)
    if money:
        spec = replace(spec, columns=spec.columns + tuple(Column(name, "money", required=False, fill_missing=False)
                                                          for name in money))
    return checked_frame(notices, spec, "notices")


def _split(notices: pd.DataFrame, payers=None, claim_lines=None, as_of=None, *,
           payments=None) -> tuple[pd.DataFrame, pd.DataFrame]:
    """:func:`usable_notices` on notices already typed (``notices.csv`` as read, or :func:`checked_notices`)."""
    missing = [c for c in NOTICE_CHECK_COLUMNS if c not in notices.columns]
    if missing:
        raise InvalidParameterError("notices lacks column" + ("s " if len(missing) > 1 else " ")
                                    + ", ".join(repr(c) for c in missing))
    parts = {name: pd.Series("", index=notices.index, dtype="str") for name in _PARTS}
    for failing, column, value, expected in _checks(notices, payers, claim_lines, payments, as_of):
        new = pd.Series(failing, index=notices.index).fillna(False).astype(bool) & (parts["_column"] == "")
        parts["_column"] = parts["_column"].mask(new, column)
        parts["_value"] = parts["_value"].mask(new, value)
        parts["_expected"] = parts["_expected"].mask(new, expected)
    bad = parts["_column"] != ""
    set_aside = notices.loc[bad].copy()
    set_aside["_reason"] = _reason_text(*(parts[name][bad] for name in _PARTS))
    for name in _PARTS:
        set_aside[name] = parts[name][bad]
    return notices.loc[~bad].copy(), set_aside


def set_aside_notices(parsed: ParsedTable, **checks) -> tuple[ParsedTable, pd.DataFrame]:
    """Apply :func:`usable_notices` to parsed notices: the rows it sets aside join the rows set aside.

    Parameters
    ----------
    parsed : ParsedTable
        ``notices.csv`` as read (its rows that did not parse already set aside).
    **checks
        ``payers``, ``claim_lines``, ``as_of``, ``payments``: see :func:`usable_notices`.

    Returns
    -------
    parsed : ParsedTable
        Usable rows in ``data``; each row set aside in ``rejected`` (as
        text, with ``_file``, ``_row`` and ``_reason`` in front) and in
        ``problems`` (file, row, column, value, expected), so rows read =
        used + set aside still holds.
    set_aside : pandas.DataFrame
        The typed rows this call set aside, with their reason.
    """
    data = parsed.data
    usable, aside = _split(data, **checks)
    if not len(aside):
        return parsed, aside
    rows = (aside["_row"].astype("int64").to_numpy() if "_row" in aside.columns
            else np.flatnonzero(data.index.isin(aside.index)) + 2)
    problems = [Problem(NOTICES, int(r), c, v, e)
                for r, c, v, e in zip(rows, aside["_column"], aside["_value"], aside["_expected"])]
    text = to_text_frame(aside)
    text.insert(0, "_reason", aside["_reason"].to_numpy())
    text.insert(0, "_row", rows)
    text.insert(0, "_file", NOTICES)
    rejected = pd.concat([parsed.rejected, text], ignore_index=True) if len(parsed.rejected) else text
    out = ParsedTable(data=usable, problems=sorted(parsed.problems + problems, key=lambda p: p.row),
                      rejected=rejected.sort_values("_row", kind="stable").reset_index(drop=True),
                      rows_read=parsed.rows_read, blank_rows=parsed.blank_rows)
    return out, aside


def read_notices(notices, **checks) -> ParsedTable:
    """Read a notices.csv (or take parsed notices) and set aside every row that cannot be used.

    Parameters
    ----------
    notices : path-like, pandas.DataFrame or ParsedTable
        The file, its rows as read (a ParsedTable, used as it is), or a table
        handed over, checked and typed as the file would be
        (:func:`recoup_lib.schema.checked_frame`: money in ``amount_cents``
        as whole cents or in ``amount`` as dollars, dates as dates); it must
        have notice_id, payer_id, claim_id, line_no, notice_date and an amount.
    **checks
        ``payers``, ``claim_lines``, ``as_of``, ``payments``: see :func:`usable_notices`.

    Returns
    -------
    ParsedTable

    Raises
    ------
    InputError
        The file does not exist, or lacks a required column; a table handed
        over lacks one or holds a value the contract does not allow (the
        message names the index label and the column).
    """
    if isinstance(notices, pd.DataFrame):
        notices = ParsedTable(data=checked_notices(notices), rows_read=len(notices))
    elif not isinstance(notices, ParsedTable):
        path = Path(notices)
        what = not_a_file(path)
        if what:
            raise InputError(with_workbook_hint(f"{path}: {what} (expected the notices.csv of the contract: "
                                                "notice_id, payer_id, claim_id, line_no, notice_date, amount, ...)",
                                                path))
        notices = read_table(path, name=NOTICES, skip_blank_rows=True)
    return set_aside_notices(notices, **checks)[0]


@dataclass(frozen=True)
class NoNoticeUsed:
    """That no notice of a notices file could be used, with its rows counted: what the warning says
    (:meth:`said`) once the paths to name are known.

    ``recoup report`` decides this once, where it reads the notices, and says it in its metrics' note
    (naming ``notices.csv`` and ``rejected.csv`` beside it) and in its warning (naming the folder's
    notices.csv and OUT/rejected.csv), as ``recoup reconcile`` names its files.

    Attributes
    ----------
    counted : str
        The rows as the commands' summaries count them
        (:func:`~recoup_lib.wording.rows_counted`, blank rows among them); blank when the file holds
        no row.
    set_aside : int
        The rows set aside, written to the rejected rows' file.
    """

    counted: str
    set_aside: int

    def said(self, file, rejected) -> str:
        """``no notice of FILE could be used (5 read = 0 used + 5 set aside: see REJECTED)``.

        >>> NoNoticeUsed("5 read = 0 used + 5 set aside", 5).said("notices.csv", "out/rejected.csv")
        'no notice of notices.csv could be used (5 read = 0 used + 5 set aside: see out/rejected.csv)'
        >>> NoNoticeUsed("", 0).said("notices.csv", "rejected.csv")
        'no notice of notices.csv could be used (it holds no row)'
        """
        if not self.counted:
            return f"no notice of {file} could be used (it holds no row)"
        see = f": see {rejected}" if self.set_aside else ""
        return f"no notice of {file} could be used ({self.counted}{see})"


def notices_unused(notices: ParsedTable) -> NoNoticeUsed | None:
    """Whether no notice of ``notices`` could be used (every row set aside, or none in the file), and
    its counts; None when one could.

    Notices are optional to ``recoup reconcile`` and ``recoup report``: when
    every row was set aside (or the file holds none) the command still
    produces its other results, so it says so (:meth:`NoNoticeUsed.said`)
    instead of showing "0 notices" as if none had been sent.
    """
    if notices.rows_used:
        return None
    if not notices.rows_in_file:
        return NoNoticeUsed("", 0)
    return NoNoticeUsed(rows_counted(notices.rows_in_file, notices.rows_used, notices.rows_set_aside,
                                     notices.blank_rows, read_words="read"), notices.rows_set_aside)


def read_payers(path: str | Path) -> ParsedTable:
    """Read the payers.csv the notices are checked against, refusing one that lists no payer.

    A payers.csv of a header alone would set every notice aside, each blamed
    on notices.csv: ``recoup appeal`` and ``recoup reconcile`` stop instead,
    naming the file.

    Raises
    ------
    InputError
        The file is missing, lacks a required column, or holds no row.
    """
    payers = read_table(path, name="payers.csv", skip_blank_rows=True)
    if not payers.rows_read:
        raise InputError(f"payers.csv: no payer in {path} (a header and no rows): every notice is checked "
                         "against its payer's entry and decided under its rules, so none could be used; list "
                         "the payers the notices name")
    return payers


def notice_checks(folder: str | Path, payers: str | Path | None = None) -> dict[str, pd.DataFrame]:
    """What the notices of ``folder`` are checked against: its payers.csv, claim_lines.csv and payments.csv.

    ``recoup reconcile --notices FOLDER/notices.csv`` passes these to
    :func:`read_notices`, so a notice of an appeal folder is set aside there
    exactly when ``recoup appeal FOLDER`` sets it aside. Each file that is
    absent leaves its check out (a notices file on its own is checked
    against itself only); a folder under its name is read, so the reader
    names it, as ``recoup appeal`` does, rather than leave its check out.

    Parameters
    ----------
    folder : path-like
        The folder holding the notices.
    payers : path-like, optional
        A payers.csv to use instead of the folder's.

    Returns
    -------
    dict
        ``payers``, ``claim_lines`` and ``payments`` (usable rows), for the
        files found; claim_lines and payments only together.

    Raises
    ------
    InputError
        A file found is unreadable, or the payers.csv lists no payer
        (:func:`read_payers`).
    """
    folder = Path(folder)
    found = {"payers": Path(payers) if payers is not None else folder / "payers.csv",
             "claim_lines": folder / "claim_lines.csv", "payments": folder / "payments.csv"}
    if not (present(found["claim_lines"]) and present(found["payments"])):
        del found["claim_lines"], found["payments"]
    return {key: (read_payers(path) if key == "payers" else read_table(path, name=f"{key}.csv")).data
            for key, path in found.items() if present(path)}
