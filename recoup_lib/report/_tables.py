"""The report's optional inputs: recoupments (835 or CSV) and appeal outcomes.

Neither file is in the audit folder's contract (their specs are
:data:`recoup_lib.schema.RECOUPMENTS_SPEC` and
:data:`recoup_lib.schema.APPEAL_OUTCOMES_SPEC`); the report reads them when
present and switches the metrics that need them off, with a reason, when
absent or unusable.

- ``recoupments.csv``: the contract's recoupments columns (what
  ``recoup remit --out`` writes): file, trace_number, payment_date,
  claim_id, amount (positive dollars taken back, gross), mechanism
  (``reversal`` or ``offset``), reason_code, reference, net_amount (each
  dollar once: after the corrected payment paired with a reversal and after
  deferrals). Only payment_date and amount are required here, so a practice
  system's own log of take-backs can be used; without net_amount the amount
  counts as net.
- ``remits/``: a folder of X12 835 files, read with
  :func:`recoup_lib.remit.read_835` when that module is installed.
- ``appeal_outcomes.csv`` (the kit's own format): notice_id, level, outcome
  (:data:`OUTCOMES`; blank = pending), filed_date, decision_date. A report
  counts only the outcomes :func:`outcomes_in_run` keeps: of a notice it
  used, filed and decided by its as-of date, in that order.
"""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pandas as pd

from ..errors import InputError, InvalidParameterError, Problem
from ..csvsaved import parse_as_saved
from ..folder import read_table, to_text_frame
from ..remit import RECOUPMENT_ROW_CHECKS
from ..schema import APPEAL_OUTCOMES_SPEC, ParsedTable, RECOUPMENTS_SPEC, as_of_day, checked_frame
from ._appeal_metrics import OUTCOMES

__all__ = [
    "RECOUPMENT_COLUMNS",
    "recoupments_frame",
    "read_recoupments",
    "recoupments_from_remits",
    "recoupments_from_payments",
    "read_remits",
    "outcomes_frame",
    "read_outcomes",
    "outcomes_in_run",
    "outcomes_from_decisions",
]

#: The contract's recoupments columns, in memory (money in cents): file, trace_number,
#: payment_date, claim_id, amount_cents (gross), mechanism, reason_code, reference,
#: net_amount_cents (what "taken back" sums: :func:`recoup_lib.remit.taken_back`).
RECOUPMENT_COLUMNS = [c.memory_name for c in RECOUPMENTS_SPEC.columns]
#: What :func:`recoupments_frame` needs of a table handed over; the contract's other columns are checked when given.
_RECOUPMENTS_READ = RECOUPMENTS_SPEC.needing(("payment_date", "amount_cents"))
#: What :func:`outcomes_frame` needs of a table handed over.
_OUTCOMES_READ = APPEAL_OUTCOMES_SPEC.needing(("notice_id", "level", "outcome"))

_OUTCOME_WORDS = {"fully_favorable": "favorable", "favourable": "favorable", "fully_favourable": "favorable",
                  "partially_favourable": "partially_favorable", "partial": "partially_favorable",
                  "": "pending"}


def _blank_text(n: int) -> pd.Series:
    return pd.Series([""] * n, dtype="str")


def recoupments_frame(recoupments: pd.DataFrame) -> pd.DataFrame:
    """Check and type a recoupments table passed in from Python.

    Parameters
    ----------
    recoupments : pandas.DataFrame
        At least payment_date and amount_cents (positive cents taken back,
        gross); the other contract columns
        (:data:`RECOUPMENT_COLUMNS`) are filled blank when absent, and
        net_amount_cents with amount_cents where it is absent or blank
        (``attrs["net_given"]`` says whether any net amount was given).
        Values are checked as recoupments.csv's would be
        (:func:`recoup_lib.schema.checked_frame`). Extra columns are kept.

    Returns
    -------
    pandas.DataFrame
        The contract columns first, payment_date as datetime64, amount_cents
        and net_amount_cents as int64, text columns as str.

    Raises
    ------
    InvalidParameterError
        A required column is missing.
    InputError
        A value is not what recoupments.csv allows (an amount missing or not
        whole cents, a date that is not one).
    """
    missing = [c for c in ("payment_date", "amount_cents") if c not in recoupments.columns]
    if missing:
        hint = " (money in memory is integer cents: amount_cents)" if "amount" in recoupments.columns else ""
        raise InvalidParameterError("recoupments lacks column" + ("s " if len(missing) > 1 else " ")
                         + ", ".join(repr(c) for c in missing) + hint)
    return _recoupment_columns(checked_frame(recoupments, _RECOUPMENTS_READ, "recoupments"))


def _recoupment_columns(recoupments: pd.DataFrame) -> pd.DataFrame:
    """A typed recoupments table (the kit's own reading, or one checked) in :func:`recoupments_frame`'s shape."""
    out = recoupments.reset_index(drop=True).copy()
    out["amount_cents"] = out["amount_cents"].astype("int64")
    out["payment_date"] = pd.to_datetime(out["payment_date"]).astype("datetime64[us]")
    net = out["net_amount_cents"] if "net_amount_cents" in out.columns else pd.Series(pd.NA, index=out.index)
    net_given = bool(net.notna().any())
    out["net_amount_cents"] = net.astype("Int64").fillna(out["amount_cents"]).astype("int64")
    for column in RECOUPMENT_COLUMNS:
        if column not in out.columns:
            out[column] = _blank_text(len(out))
        elif column not in ("payment_date", "amount_cents", "net_amount_cents"):
            out[column] = out[column].astype("str").fillna("")
    rest = [c for c in out.columns if c not in RECOUPMENT_COLUMNS]
    out = out[RECOUPMENT_COLUMNS + rest]
    out.attrs["net_given"] = net_given
    return out


def _in_file_order(rejected: pd.DataFrame) -> pd.DataFrame:
    order = pd.to_numeric(rejected["_row"], errors="coerce").to_numpy()
    return rejected.iloc[np.argsort(order, kind="stable")].reset_index(drop=True)


def _set_aside(parsed: ParsedTable, mask: np.ndarray, label: str, column: str, expected: str) -> ParsedTable:
    """Move the rows of ``parsed.data`` under ``mask`` to the rejected rows, with a problem each.

    The rows go back to the file's text as the contract writes it (an
    ``amount_cents`` of -525 is the amount ``-5.25``), as
    :func:`recoup_lib.folder.read_table` keeps the rows it sets aside.
    """
    if not mask.any():
        return parsed
    bad = parsed.data.loc[mask]
    extra = to_text_frame(bad)
    name = column.removesuffix("_cents")
    values = extra[name].to_numpy() if name in extra.columns else [""] * len(bad)
    problems = [Problem(label, int(r), name, str(v), expected) for r, v in zip(bad["_row"], values)]
    extra.insert(0, "_reason", [p.message for p in problems])
    extra.insert(0, "_row", bad["_row"].to_numpy())
    extra.insert(0, "_file", label)
    return ParsedTable(data=parsed.data.loc[~mask].reset_index(drop=True),
                       problems=sorted(parsed.problems + problems, key=lambda p: p.row),
                       rejected=_in_file_order(pd.concat([parsed.rejected, extra], ignore_index=True)),
                       rows_read=parsed.rows_read, blank_rows=parsed.blank_rows)


def read_recoupments(path: str | Path) -> ParsedTable:
    """Read a recoupments.csv (rows with an amount not above 0, or a net_amount below 0 or above the
    amount, are set aside: :data:`recoup_lib.remit.RECOUPMENT_ROW_CHECKS`; rows of commas skipped,
    counted in ``blank_rows``).

    Returns
    -------
    ParsedTable
        ``data`` as :func:`recoupments_frame` returns it (plus ``_row``).

    Raises
    ------
    InputError
        The file is missing or empty, or payment_date or amount is missing.
    """
    path = Path(path)
    parsed = read_table(path, spec=RECOUPMENTS_SPEC, skip_blank_rows=True)
    for column, fails, expected in RECOUPMENT_ROW_CHECKS:
        parsed = _set_aside(parsed, fails(parsed.data), path.name, column, expected)
    row = parsed.data["_row"]
    parsed.data = _recoupment_columns(parsed.data.drop(columns=["_row"]))
    parsed.data.insert(0, "_row", row.to_numpy())
    return parsed


def read_remits(paths, remit=None):
    """Read X12 835 files with :func:`recoup_lib.remit.read_835`, with what a person should know.

    Parameters
    ----------
    paths : path-like or sequence of path-like
        835 files or folders of them.
    remit : recoup_lib.remit.Remit, optional
        The files already read: not read again.

    Returns
    -------
    remit : recoup_lib.remit.Remit
    messages : list of str
        Problems and unbalanced transactions met in the files.
    """
    if remit is None:
        from ..remit import read_835

        remit = read_835(paths)
    messages = []
    problems = getattr(remit, "problems", None)
    if problems is not None and len(problems):
        messages.append(f"remits: {len(problems)} problem(s) met while reading the 835 files "
                        "(run `recoup remit` on them for details)")
    transactions = getattr(remit, "transactions", None)
    if transactions is not None and "balanced" in transactions.columns:
        unbalanced = int((~transactions["balanced"].astype("boolean").fillna(False)).sum())
        if unbalanced:
            messages.append(f"remits: {unbalanced} unbalanced transaction(s); their recoupments are still counted")
    return remit, messages


def recoupments_from_remits(paths) -> tuple[pd.DataFrame, list[str]]:
    """The recoupments found in X12 835 files, read with :func:`recoup_lib.remit.read_835`.

    Parameters
    ----------
    paths : path-like or sequence of path-like
        835 files or folders of them.

    Returns
    -------
    recoupments : pandas.DataFrame
        One row per amount taken back: the contract's recoupments columns
        first (:data:`RECOUPMENT_COLUMNS`: file, trace_number, payment_date,
        claim_id, amount_cents, mechanism, reason_code, reference,
        net_amount_cents; money in int64 cents, amount_cents gross and > 0,
        net_amount_cents as the reader computed it), then the reader's own
        columns (:attr:`recoup_lib.remit.Remit.recoupments`: payer_claim_control,
        match, deferred_cents, ...): the rows of ``recoup remit``'s
        recoupments.csv.
    messages : list of str
        What a person should know (problems and unbalanced transactions met
        in the files).

    Examples
    --------
    >>> recoupments, messages = recoupments_from_remits("practice/remits")  # doctest: +SKIP
    >>> int(recoupments["net_amount_cents"].sum())  # doctest: +SKIP
    """
    remit, messages = read_remits(paths)
    return _recoupment_columns(remit.recoupments), messages


def _normal_outcome(values: pd.Series) -> pd.Series:
    text = values.astype("str").fillna("").str.strip().str.lower().str.replace(r"[\s\-]+", "_", regex=True)
    return text.replace(_OUTCOME_WORDS)


def outcomes_frame(outcomes: pd.DataFrame) -> pd.DataFrame:
    """Check and normalise an appeal outcomes table passed in from Python.

    Parameters
    ----------
    outcomes : pandas.DataFrame
        notice_id, level, outcome; optionally filed_date and decision_date.
        Outcomes are read case-insensitively, spaces or hyphens for
        underscores ("Partially favorable"); blank means pending.

    Returns
    -------
    pandas.DataFrame

    Raises
    ------
    InvalidParameterError
        A column is missing or an outcome is not one of :data:`OUTCOMES`.
    InputError
        A value is not what appeal_outcomes.csv allows (a date that is not
        one, a notice and level given twice).
    """
    missing = [c for c in ("notice_id", "level", "outcome") if c not in outcomes.columns]
    if missing:
        raise InvalidParameterError("outcomes lacks column" + ("s " if len(missing) > 1 else " ")
                         + ", ".join(repr(c) for c in missing))
    return _normal_outcomes(checked_frame(outcomes, _OUTCOMES_READ, "outcomes"))


def _normal_outcomes(outcomes: pd.DataFrame) -> pd.DataFrame:
    """A typed outcomes table (the kit's own reading, or one checked) with its outcomes normalised."""
    out = outcomes.reset_index(drop=True).copy()
    out["outcome"] = _normal_outcome(out["outcome"])
    unknown = sorted(set(out["outcome"]) - set(OUTCOMES))
    if unknown:
        raise InvalidParameterError(f"outcomes: unknown outcome(s) {', '.join(map(repr, unknown))}; expected one of "
                         + ", ".join(OUTCOMES))
    for column in ("filed_date", "decision_date"):
        if column in out.columns:
            out[column] = pd.to_datetime(out[column]).astype("datetime64[us]")
    return out


def read_outcomes(path: str | Path) -> ParsedTable:
    """Read appeal_outcomes.csv; rows with an unknown outcome are set aside.

    The file is one a person keeps in a spreadsheet: it is read as saved
    (:func:`~recoup_lib.csvsaved.parse_as_saved`: Windows-1252 or UTF-8, rows of commas skipped), and
    ``data.attrs["reading"]`` says how (:class:`~recoup_lib.csvsaved.FileReading`).

    Raises
    ------
    InputError
        The file is missing or empty, or a required column is missing.
    """
    path = Path(path)
    parsed, reading = parse_as_saved(path, APPEAL_OUTCOMES_SPEC, path.name)
    normal = _normal_outcome(parsed.data["outcome"])
    parsed = _set_aside(parsed, ~normal.isin(OUTCOMES).to_numpy(), path.name, "outcome",
                        "one of " + ", ".join(OUTCOMES) + " (blank = pending)")
    parsed.data = _normal_outcomes(parsed.data)
    parsed.data.attrs["reading"] = reading
    return parsed


def _outcome_checks(notices: pd.DataFrame | None, as_of):
    """(column, expected, test) for :func:`outcomes_in_run`; each test maps the rows still kept to a mask."""
    def day(frame, column):
        if column not in frame.columns:
            return pd.Series(pd.NaT, index=frame.index, dtype="datetime64[us]")
        return pd.to_datetime(frame[column])

    if notices is not None:
        known = set(notices["notice_id"].astype("str").str.strip())
        yield ("notice_id", "a notice_id among the notices this run used (one not in notices.csv, or set "
               "aside there, has no notice to count the appeal against)",
               lambda d: ~d["notice_id"].astype("str").str.strip().isin(known).to_numpy())
    yield ("decision_date", "a decision_date on or after the filed_date (an appeal is decided after it is filed)",
           lambda d: (day(d, "decision_date") < day(d, "filed_date")).to_numpy(dtype=bool))
    if notices is not None and "notice_date" in notices.columns:
        dated = pd.Series(pd.to_datetime(notices["notice_date"]).to_numpy(),
                          index=notices["notice_id"].astype("str").str.strip()).groupby(level=0).min()
        yield ("filed_date", "a filed_date on or after the notice's notice_date (an appeal follows its notice)",
               lambda d: (day(d, "filed_date") < pd.to_datetime(
                   d["notice_id"].astype("str").str.strip().map(dated))).to_numpy(dtype=bool))
    if as_of is not None:
        when = as_of_day(as_of)
        for column, what in (("filed_date", "filed"), ("decision_date", "decided")):
            yield (column, f"a date on or before the as-of date {when:%Y-%m-%d} (an appeal not {what} by then "
                   "is set aside, not counted)",
                   lambda d, c=column: (day(d, c) > when).to_numpy(dtype=bool))


def outcomes_in_run(parsed: ParsedTable | pd.DataFrame, notices: pd.DataFrame | None = None, as_of=None,
                    label: str = "appeal_outcomes.csv") -> ParsedTable:
    """Set aside the appeal outcomes a report as of ``as_of`` on ``notices`` cannot count.

    An overturn rate "as of" a day counts only appeals of the notices the
    run decided, filed and decided by that day; the other rows are set
    aside with their reason (rows read = used + set aside), as notices
    dated after the as-of are.

    Parameters
    ----------
    parsed : ParsedTable or pandas.DataFrame
        Outcomes as read (:func:`read_outcomes`) or passed in
        (:func:`outcomes_frame`); without ``_row`` a frame's rows are
        numbered as a CSV's (the first row of data is row 2).
    notices : pandas.DataFrame, optional
        The notices the run used (notice_id, notice_date): an outcome of
        any other notice (unknown, or set aside) is set aside, and so is
        one filed before its notice's date.
    as_of : date-like, optional
        An outcome filed or decided after it is set aside.
    label : str
        The file named in the problems.

    Returns
    -------
    ParsedTable
        The outcomes kept in ``data`` (with ``_row``); each row set aside in
        ``rejected`` and ``problems`` (first reason only). An outcome decided
        before it was filed is set aside whatever the date.

    Examples
    --------
    >>> o = pd.DataFrame({"notice_id": ["N1", "N2", "N1"], "level": ["1", "1", "2"],
    ...                   "outcome": ["unfavorable", "favorable", "favorable"],
    ...                   "decision_date": pd.to_datetime(["2025-05-01", "2025-05-01", "2025-10-01"])})
    >>> n = pd.DataFrame({"notice_id": ["N1"], "notice_date": pd.to_datetime(["2025-01-01"])})
    >>> kept = outcomes_in_run(o, n, "2025-06-30")
    >>> kept.data["notice_id"].tolist(), [p.row for p in kept.problems]
    (['N1'], [3, 4])
    """
    if not isinstance(parsed, ParsedTable):
        frame = parsed.reset_index(drop=True)
        if "_row" not in frame.columns:
            frame.insert(0, "_row", np.arange(len(frame)) + 2)
        parsed = ParsedTable(data=frame, rows_read=len(frame))
    for column, expected, test in _outcome_checks(notices, as_of):
        if len(parsed.data):
            parsed = _set_aside(parsed, test(parsed.data), label, column, expected)
    return parsed


def outcomes_from_decisions(decisions: pd.DataFrame) -> pd.DataFrame | None:
    """Outcomes carried on notices.csv (an ``outcome`` column) as an outcomes table, else None.

    The level is the decision's first appeal level (``appeal_level``); only
    notices with an outcome written are kept.

    Raises
    ------
    InputError
        An outcome is not one of :data:`OUTCOMES`.
    """
    if "outcome" not in decisions.columns:
        return None
    frame = decisions.loc[decisions["outcome"].astype("str").fillna("").str.strip() != ""]
    out = pd.DataFrame({"notice_id": frame["notice_id"].astype("str").to_numpy(),
                        "level": frame["appeal_level"].astype("str").to_numpy(),
                        "outcome": frame["outcome"].to_numpy()})
    try:
        return _normal_outcomes(out)
    except ValueError as exc:
        raise InputError(f"notices.csv, column 'outcome': {exc}") from None


def recoupments_from_payments(payments: pd.DataFrame, source: str = "payments.csv") -> pd.DataFrame:
    """The reversals posted in payments.csv, as a recoupments table (contract columns).

    Parameters
    ----------
    payments : pandas.DataFrame
        claim_id, line_no, payment_date, paid_cents, optionally payment_id
        and denial_code (payments.csv as read).
    source : str
        Written in the ``file`` column.

    Returns
    -------
    pandas.DataFrame
        file, trace_number (the payment_id), payment_date, claim_id,
        amount_cents (the reversal as a positive amount: gross), mechanism
        (``reversal``), reason_code (the payment's denial code, if any),
        reference (``line N``), net_amount_cents (the reversal less the
        corrected payment posted to the same line on the same day, at least
        0: what was really taken back); one row per negative payment.

    Notes
    -----
    An 835 reverses a payment with claim status 22 and the amounts negated
    (docs/sources.md §5.2); the practice system posts it as a negative payment.
    Offsets taken from other claims' payments (PLB WO/FB, docs/sources.md §5.3)
    are not in payments.csv, so this table is a lower bound of what was
    taken back.

    Examples
    --------
    >>> pay = pd.DataFrame({"claim_id": ["A", "A"], "line_no": [1, 1], "paid_cents": [9000, -9000],
    ...                     "payment_date": pd.to_datetime(["2025-01-10", "2025-03-01"])})
    >>> recoupments_from_payments(pay)["amount_cents"].tolist()
    [9000]
    >>> corrected = pd.concat([pay, pd.DataFrame({"claim_id": ["A"], "line_no": [1], "paid_cents": [7000],
    ...                        "payment_date": pd.to_datetime(["2025-03-01"])})], ignore_index=True)
    >>> recoupments_from_payments(corrected)[["amount_cents", "net_amount_cents"]].values.tolist()
    [[9000, 2000]]
    """
    neg = payments.loc[payments["paid_cents"].astype("int64") < 0]
    blank = pd.Series("", index=neg.index, dtype="str")
    out = pd.DataFrame({
        "file": pd.Series(source, index=neg.index, dtype="str"),
        "trace_number": neg["payment_id"].astype("str") if "payment_id" in neg.columns else blank,
        "payment_date": pd.to_datetime(neg["payment_date"]).astype("datetime64[us]"),
        "claim_id": neg["claim_id"].astype("str"),
        "amount_cents": -neg["paid_cents"].astype("int64"),
        "mechanism": pd.Series("reversal", index=neg.index, dtype="str"),
        "reason_code": neg["denial_code"].astype("str").fillna("") if "denial_code" in neg.columns else blank,
        "reference": "line " + neg["line_no"].astype("str"),
    })
    paid = payments["paid_cents"].astype("int64")
    day = pd.to_datetime(payments["payment_date"])
    keys = ["claim_id", "line_no", "_day"]
    corrections = (payments.loc[paid > 0, ["claim_id", "line_no"]].assign(_day=day[paid > 0], _paid=paid[paid > 0])
                   .groupby(keys)["_paid"].sum())
    probe = neg[["claim_id", "line_no"]].assign(_day=pd.to_datetime(neg["payment_date"]))
    correction = probe.merge(corrections.rename("_c").reset_index(), on=keys, how="left")["_c"]
    correction = correction.fillna(0).astype("int64").to_numpy()
    out["net_amount_cents"] = (out["amount_cents"] - correction).clip(lower=0).astype("int64")
    return out.reset_index(drop=True)
