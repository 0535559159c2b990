"""Score appeal recommendations against a generated practice's recoupment answer key.

``recoup generate`` writes ``recoupment_labels.csv``: for each notice, whether
the payer is entitled to it (``valid``: the answer key has the notice's error
on that line with at-risk >= amount, and the notice came inside the payer's
look-back limit). :func:`score_recommendations` compares ``recoup appeal``'s
decisions (or a trainee's) with it, notice by notice and in dollars.
"""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pandas as pd

from ..errors import InputError, InvalidParameterError
from ..money import format_cents_scalar as format_cents
from ..schema import DECISIONS_SPEC, RECOUPMENT_LABELS_SPEC, checked_frame

__all__ = ["score_recommendations", "read_score_inputs", "read_recoupment_labels", "appeal_outcomes",
           "SCORE_COLUMNS", "OUTCOME_COLUMNS", "SCORE_APPEALS_WRITTEN_BY"]

#: The step recorded as writing a folder of appeal scores (``recoup score-appeals --out``): only it replaces one.
SCORE_APPEALS_WRITTEN_BY = "recoup score-appeals"

#: Columns of the per-notice outcome table.
SCORE_COLUMNS = ["notice_id", "recommendation", "valid", "amount_cents", "agreed_amount_cents",
                 "disputed_amount_cents", "outcome", "wrongly_conceded_cents", "wrongly_disputed_cents"]

_OUTCOMES = {
    "won": "appealed a notice the payer was not entitled to",
    "lost": "appealed a notice the payer was entitled to",
    "accepted_valid": "accepted a notice the payer was entitled to",
    "missed_win": "accepted a notice an appeal would have won",
    "no_decision": "no decision (recoup appeal sets aside notices dated after --as-of; see its rejected.csv)",
}


#: The columns :func:`score_recommendations` reads of decisions and of the answer key.
_DECISIONS_READ = ["notice_id", "recommendation", "agreed_amount_cents", "disputed_amount_cents"]
_LABELS_READ = ["notice_id", "amount_cents", "valid"]


def _checked(frame: pd.DataFrame, spec, name: str) -> pd.DataFrame:
    """``frame`` checked as its file would be, keeping the name of the file it came from (``attrs["file"]``)."""
    checked = checked_frame(frame, spec, frame.attrs.get("file", name))
    checked.attrs.update(frame.attrs)
    return checked


def score_recommendations(decisions: pd.DataFrame, recoupment_labels: pd.DataFrame, *,
                          check: bool = True) -> tuple[pd.DataFrame, pd.DataFrame]:
    """Per-notice outcomes and a summary of appeal recommendations against the answer key.

    Parameters
    ----------
    decisions : pandas.DataFrame
        notice_id, recommendation (``appeal``, ``accept`` or ``partial``),
        agreed_amount_cents, disputed_amount_cents (``recoup appeal``'s
        decisions.csv, typed).
    recoupment_labels : pandas.DataFrame
        notice_id, amount_cents, valid (bool), from a generated practice's
        recoupment_labels.csv.
    check : bool, default True
        Check both tables as their files would be
        (:func:`recoup_lib.schema.checked_frame`); False for tables the kit
        typed (:func:`read_score_inputs`, as ``recoup score-appeals`` reads
        them).

    Returns
    -------
    outcomes : pandas.DataFrame
        One row per labelled notice (:data:`SCORE_COLUMNS`): outcome is
        ``won`` (disputed money on an invalid notice), ``lost`` (disputed
        money on a valid one), ``accepted_valid``, ``missed_win`` (an invalid
        notice accepted in full) or ``no_decision``;
        wrongly_conceded_cents = agreed amount on an invalid notice;
        wrongly_disputed_cents = disputed amount on a valid notice.
    summary : pandas.DataFrame
        measure, notices, cents: every outcome, plus ``appeals``,
        ``wrongly_conceded`` and ``wrongly_disputed`` (notices with such
        money, and its total).

    Raises
    ------
    InputError
        A required column is missing, a value is not what its file allows
        (cents that are not whole, a recommendation of another word), or a
        decision names a notice the answer key does not have.

    Notes
    -----
    An appeal is "won" when the payer was not entitled to the notice
    (``valid`` false: no such error on the line, a smaller at-risk amount, or
    a notice after the look-back limit -- docs/contract.md "Appeal decisions"). This
    scores the recommendation, not the payer's actual ruling.

    Examples
    --------
    >>> d = pd.DataFrame({"notice_id": ["N1", "N2"], "recommendation": ["appeal", "accept"],
    ...                   "agreed_amount_cents": [0, 5000], "disputed_amount_cents": [4000, 0]})
    >>> k = pd.DataFrame({"notice_id": ["N1", "N2"], "amount_cents": [4000, 5000], "valid": [False, False]})
    >>> outcomes, summary = score_recommendations(d, k)
    >>> outcomes["outcome"].tolist(), int(summary.set_index("measure").loc["wrongly_conceded", "cents"])
    (['won', 'missed_win'], 5000)
    """
    for frame, name, cols in ((decisions, "decisions", _DECISIONS_READ),
                              (recoupment_labels, "recoupment_labels", _LABELS_READ)):
        missing = [c for c in cols if c not in frame.columns
                   and not (c.endswith("_cents") and c.removesuffix("_cents") in frame.columns)]
        if missing:
            raise InputError(f"{frame.attrs.get('file', name)}: missing column(s) {', '.join(missing)}")
    if check:
        decisions = _checked(decisions, DECISIONS_SPEC.needing(_DECISIONS_READ), "decisions")
        recoupment_labels = _checked(recoupment_labels, RECOUPMENT_LABELS_SPEC.needing(_LABELS_READ),
                                     "recoupment_labels")
    key = recoupment_labels[["notice_id", "amount_cents", "valid"]].astype({"notice_id": "str"})
    dec = decisions[["notice_id", "recommendation", "agreed_amount_cents", "disputed_amount_cents"]].astype(
        {"notice_id": "str"})
    unknown = ~dec["notice_id"].isin(key["notice_id"])
    if unknown.any():
        first = int(np.flatnonzero(unknown.to_numpy())[0])
        where = decisions.attrs.get("file", "decisions")
        if "_row" in decisions.columns:
            where += f", row {int(decisions['_row'].iloc[first])}"
        key_name = recoupment_labels.attrs.get("file", "the answer key")
        raise InputError(f"{where}, column 'notice_id': notice {dec['notice_id'].iloc[first]!r} is not in "
                         f"{key_name} ({int(unknown.sum())} such notice(s)); score decisions of the same "
                         "generated folder")
    out = key.merge(dec, on="notice_id", how="left")
    decided = out["recommendation"].notna().to_numpy()
    valid = out["valid"].astype(bool).to_numpy()
    agreed = out["agreed_amount_cents"].fillna(0).to_numpy(dtype=np.int64)
    disputed = out["disputed_amount_cents"].fillna(0).to_numpy(dtype=np.int64)
    appealed = decided & (disputed > 0)
    outcome = np.select([~decided, appealed & ~valid, appealed & valid, valid], ["no_decision", "won", "lost",
                                                                                 "accepted_valid"], "missed_win")
    result = pd.DataFrame({
        "notice_id": out["notice_id"].to_numpy(),
        "recommendation": out["recommendation"].fillna("").astype("str").to_numpy(),
        "valid": valid,
        "amount_cents": out["amount_cents"].to_numpy(dtype=np.int64),
        "agreed_amount_cents": agreed,
        "disputed_amount_cents": disputed,
        "outcome": pd.array(outcome, dtype="str"),
        "wrongly_conceded_cents": np.where(decided & ~valid, agreed, 0).astype(np.int64),
        "wrongly_disputed_cents": np.where(decided & valid, disputed, 0).astype(np.int64),
    })
    rows = [("notices", len(result), int(result["amount_cents"].sum())),
            ("appeals", int(appealed.sum()), int(disputed[appealed].sum()))]
    for name in _OUTCOMES:
        hit = outcome == name
        rows.append((name, int(hit.sum()), int(result["amount_cents"].to_numpy()[hit].sum())))
    for name, col in (("wrongly_conceded", "wrongly_conceded_cents"), ("wrongly_disputed", "wrongly_disputed_cents")):
        values = result[col].to_numpy()
        rows.append((name, int((values > 0).sum()), int(values.sum())))
    summary = pd.DataFrame(rows, columns=["measure", "notices", "cents"])
    summary["meaning"] = summary["measure"].map({**_OUTCOMES, "notices": "notices in the answer key",
                                                 "appeals": "notices with money disputed (appeal or partial)",
                                                 "wrongly_conceded": "money agreed on notices the payer was "
                                                                     "not entitled to",
                                                 "wrongly_disputed": "money disputed on notices the payer was "
                                                                     "entitled to"}).astype("str")
    return result, summary


def read_score_inputs(decisions_path: str | Path, labels_path: str | Path) -> tuple[pd.DataFrame, pd.DataFrame]:
    """Read decisions.csv and recoupment_labels.csv, typed (money in ``_cents``).

    Each is read as a person saves it (:func:`~recoup_lib.csvsaved.parse_as_saved`): decisions opened in
    Excel and saved again, in Windows-1252 or with rows of commas left under them, read as written;
    each table's ``attrs["reading"]`` says how (:class:`~recoup_lib.csvsaved.FileReading`).

    Raises
    ------
    InputError
        A file is missing, lacks a column, or has a row that cannot be read
        (the message names the file, row and column).
    """
    from ..csvsaved import read_saved_table

    decisions = read_saved_table(decisions_path, DECISIONS_SPEC)
    labels = read_saved_table(labels_path, RECOUPMENT_LABELS_SPEC)
    if not len(decisions):
        raise InputError(f"{Path(decisions_path)}: no decisions (the file has a header and no rows), so "
                         "nothing can be scored")
    wrong = _inconsistent_decisions(decisions, labels)
    if wrong:
        raise InputError(f"{len(wrong)} problem(s) in {Path(decisions_path)}: " + "; ".join(wrong[:3]))
    return decisions, labels


def _inconsistent_decisions(decisions: pd.DataFrame, labels: pd.DataFrame) -> list[str]:
    """Decisions whose amounts cannot be: negative, not adding up to the notice's amount (from the answer
    key), or at odds with the recommendation (appeal: nothing agreed; accept: nothing disputed; partial:
    some of each). Such a row would score money conceded or disputed that the payer never asked for."""
    agreed, disputed = decisions["agreed_amount_cents"], decisions["disputed_amount_cents"]
    asked = decisions["notice_id"].map(labels.drop_duplicates("notice_id").set_index("notice_id")["amount_cents"])
    recommendation = decisions["recommendation"]
    checks = [
        (agreed < 0, "agreed_amount", "an amount of 0 or more"),
        (disputed < 0, "disputed_amount", "an amount of 0 or more"),
        (asked.notna() & (agreed + disputed != asked.fillna(0)), "agreed_amount,disputed_amount",
         "amounts adding up to the notice's amount in the answer key"),
        ((recommendation == "appeal") & (agreed != 0), "agreed_amount", "0.00 for an appeal of the whole notice"),
        ((recommendation == "accept") & (disputed != 0), "disputed_amount", "0.00 when the notice is accepted"),
        ((recommendation == "partial") & ((agreed <= 0) | (disputed <= 0)), "agreed_amount,disputed_amount",
         "some of each for a partial appeal"),
    ]
    rows = decisions["_row"] if "_row" in decisions.columns else pd.Series(decisions.index + 2, index=decisions.index)
    found = []
    for failing, column, expected in checks:
        for at in np.flatnonzero(failing.fillna(False).to_numpy(dtype=bool)):
            found.append((int(rows.iloc[at]), f"{decisions.attrs.get('file', 'decisions.csv')}, row "
                          f"{int(rows.iloc[at])}, column '{column}': expected {expected}; got "
                          f"'{format_cents(agreed.iloc[at])}|{format_cents(disputed.iloc[at])}'"
                          + (f" for a notice of {format_cents(asked.iloc[at])}" if pd.notna(asked.iloc[at]) else "")))
    return [message for _, message in sorted(found, key=lambda item: item[0])]


#: Columns of :func:`appeal_outcomes`.
OUTCOME_COLUMNS = ("notice_id", "level", "outcome")


def read_recoupment_labels(path) -> pd.DataFrame:
    """Read a generated practice's recoupment_labels.csv (the notices' answer key), typed.

    Parameters
    ----------
    path : path-like
        ``recoupment_labels.csv`` written by ``recoup generate`` /
        :func:`recoup_lib.synthetic.write_practice`.

    Returns
    -------
    pandas.DataFrame
        One row per notice: notice_id, payer_id, claim_id, line_no,
        error_type, amount_cents, valid, merits, within_lookback, appealed
        (bool), accusation (``true``, ``false``, ...), notice_date,
        lookback_limit, offset_starts (datetime64, NaT where none), taken_cents
        when the file has it, and the other take-back columns as text.

    Raises
    ------
    InputError
        The file is missing, lacks a column, or has a row that cannot be read
        (the message names the file, row and column).

    Notes
    -----
    ``valid`` is true when the payer is entitled to the whole amount: the
    answer key has the notice's error on that line with at least that much at
    risk, and the notice came before the payer's look-back limit (see
    :mod:`recoup_lib.synthetic._payer`; docs/sources.md §8 for the state limits).
    """
    from ..folder import read_table

    parsed = read_table(path, spec=RECOUPMENT_LABELS_SPEC)
    if parsed.problems:
        raise InputError(f"{len(parsed.problems)} row(s) of an answer key cannot be read; the first: "
                         f"{parsed.problems[0].message}")
    data = parsed.data.drop(columns=["_row"])
    flags = [c for c in ("valid", "merits", "within_lookback", "appealed") if c in data.columns]
    return data.astype({c: bool for c in flags})


def appeal_outcomes(recoupment_labels: pd.DataFrame, level: str = "first level") -> pd.DataFrame:
    """The outcome of each appeal the simulated office filed, from the notices' answer key.

    Parameters
    ----------
    recoupment_labels : pandas.DataFrame
        notice_id, valid (bool), appealed (bool), as
        :func:`read_recoupment_labels` returns them.
    level : str, default "first level"
        The appeal level written on every row (the simulation files only the
        first level).

    Returns
    -------
    pandas.DataFrame
        :data:`OUTCOME_COLUMNS`, one row per appealed notice, in the answer
        key's order: outcome ``favorable`` when the notice was invalid (the
        payer was not entitled to it), ``unfavorable`` when it was valid. The
        shape :func:`recoup_lib.report.build_report` takes as ``outcomes``.

    Raises
    ------
    InvalidParameterError
        A required column is missing.

    Notes
    -----
    A stand-in for real rulings: it assumes the payer rules as the answer
    key says it should. Real first-level appeals are won far less often
    (about 11% of RAC-related Medicare redeterminations in 2012, docs/sources.md
    9.2), partly because real notices are more often right.

    Examples
    --------
    >>> key = pd.DataFrame({"notice_id": ["N1", "N2", "N3"], "valid": [True, False, False],
    ...                     "appealed": [True, True, False]})
    >>> appeal_outcomes(key)["outcome"].tolist()
    ['unfavorable', 'favorable']
    """
    missing = [c for c in ("notice_id", "valid", "appealed") if c not in recoupment_labels.columns]
    if missing:
        raise InvalidParameterError("recoupment_labels lacks column" + ("s " if len(missing) > 1 else " ")
                         + ", ".join(repr(c) for c in missing))
    filed = recoupment_labels.loc[recoupment_labels["appealed"].astype(bool).to_numpy()]
    won = ~filed["valid"].astype(bool).to_numpy()
    return pd.DataFrame({"notice_id": filed["notice_id"].astype("str").to_numpy(),
                         "level": pd.array([level] * len(filed), dtype="str"),
                         "outcome": pd.array(np.where(won, "favorable", "unfavorable"), dtype="str")})
