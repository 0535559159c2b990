"""Payments from a report without line numbers, each put on the claim line it paid.

Many payment reports post per claim line without numbering the lines: claim
number, CPT code, date of service, paid. Such a report is read with the
procedure code, modifiers and service date of each row (:data:`._unnumbered.UNNUMBERED`),
and each payment is put on the line of its claim, among the claim lines
imported, that has them (:func:`find_lines`):

- the claim's lines with the row's procedure code, its modifiers (in any
  order) and its service date, each compared when the row has it;
- when several lines fit a row with a procedure code and the report has
  modifiers, the one whose modifiers are the row's (none, when the row has
  none) is taken;
- a row with none of them (a report of one row per claim) is put on its
  claim's only line, as an 835 claim payment without service lines is
  (:mod:`._remit_payments`);
- a row no line fits whose claim has one line is put on it (unless the
  caller says otherwise: ``downcode``), saying what
  differs: an ERA viewer shows the code the payer adjudicated, so a downcode
  (99214 billed, paid as 99213) pays the claim's only line; unless other
  rows of the report pay that line with its own code, more than they take
  back (a 36415 row beside the 99214 row of a claim of one 99214 line is no
  changed code of it; a 99213 row after a 99214 row and its reversal is),
  numbered rows of the report paying it counted as such rows.

Exactly one line must fit, with one exception: lines alike (one procedure
code, modifiers and service date: a claim billing 97110 GP on lines 3 and 4,
two units of a timed code) are paid one row each, in the order the claim
lists them, as a remittance pays a claim's lines. When ``k`` lines alike fit
a row, no other row fits or pays any of them, and the report has exactly
``k`` payment rows fitting those same lines, the first row is put on the
lowest line number, the second on the next, ...; reversals (negative rows)
may follow, exactly ``k`` of them, each taking back the payment put on its
line. A report holding no payment of them, only ``k`` reversals (a month of
take-backs of lines paid earlier), has them put in order alike. Lines a row
fits only because it does not give their modifiers or date (97110 GP and
97110 59, in a report without a modifier column) are not alike: the order of
the rows would decide which line is paid. Otherwise the payments
are set aside, the reason saying whether their claim has no line imported, no
line with their values, or several (which one each paid cannot be told, with
the lines' differences or the counts when they are what stopped it).

A report with a line number column reads it; a row whose cell is blank
(:data:`._unnumbered.NUMBERED` lets it through the contract check) is placed as a row of
a report without one (:mod:`._placing`), and no row is put in order on a line
a numbered row of the report pays.

A documentation export without line numbers is read alike (:data:`._unnumbered.UNNUMBERED_NOTES`),
and its notes giving a CPT code are put on their lines the same way
(:mod:`._notes_placing`), but for lines alike: a note documents the service
on every line of its claim with its code (and the modifiers and date it
gives), where a payment pays one (:func:`find_note_lines`); lines not alike
(:func:`_not_alike`, as for payments) set it aside.
"""

from __future__ import annotations

from dataclasses import dataclass
from functools import cached_property

import numpy as np
import pandas as pd

from ..rules import modifier_key

__all__ = ["ONLY_LINE", "IN_ORDER", "EVERY_ALIKE", "find_lines", "find_note_lines", "placed_note", "aside_counted",
           "rows_looked_for", "placing_note"]

#: How a payment is placed that gives nothing but its claim.
ONLY_LINE = "the claim's only line"
#: How payments are placed on lines alike (added to the values they were matched on).
IN_ORDER = "in order among lines alike"
#: How notes are placed on lines alike: each note on every one of them (:func:`find_note_lines`).
EVERY_ALIKE = "on every line alike"
#: Why a payment without a line number is set aside.
NO_CLAIM = "no line number, and no usable line of its claim among the claims imported"
PER_CLAIM = ("no line number or procedure code, and its claim has several lines: which one it paid cannot be "
             "told (a payment for the whole claim; export the payments per line, with line numbers or CPT codes)")


@dataclass(frozen=True)
class _Words:
    """How the reasons and ``matched_by`` of :func:`find_lines` speak of the rows they place: payments of a
    report, or notes of a documentation export (:func:`find_note_lines`), which pay nothing."""

    #: What holds the rows (``the report has 3 payment(s) for them``).
    source: str
    #: One of its rows.
    row: str
    #: What a row did to its line (``which one it paid cannot be told``).
    took: str
    #: What a numbered row does to its line (``which pays it by its line number``).
    takes: str
    #: What befalls a line a row takes (``its only line is paid by row 3``).
    taken: str
    #: Where a row's own value is, beside the line's (``99213 paid, 99214 billed``).
    own_value: str
    #: What leaves out the values that would tell lines apart (``which the report does not give``).
    giver: str


_PAYMENT_WORDS = _Words(source="report", row="payment", took="paid", takes="pays", taken="paid",
                        own_value="paid", giver="the report")
_NOTE_WORDS = _Words(source="export", row="note", took="documents", takes="documents", taken="documented",
                     own_value="in the note", giver="the note")


def _modifier_sets(values) -> np.ndarray:
    """Each ``;``-joined list of modifiers as the audit compares them (``59;RT`` for ``RT;59``, a modifier
    written twice once: :func:`recoup_lib.rules.modifier_key`)."""
    return modifier_key(pd.Series(values, dtype="object")).to_numpy(dtype=object)


def _keys_named(code: np.ndarray, mods: np.ndarray, dos: np.ndarray) -> np.ndarray:
    """Per payment, the values of its own it was matched on, in words (``procedure code and service date``)."""
    words = np.full(len(code), "", dtype=object)
    for given, name in ((code, "procedure code"), (mods, "modifiers"), (dos, "service date")):
        words = np.where(given, np.where(words == "", name, words + ", " + name), words)
    last = pd.Series(words, dtype="object").str.replace(r", ([a-z ]+)$", r" and \1", regex=True)
    return last.to_numpy(dtype=object)


def _differences(code, line_code, mods, line_mods, dos, line_dos, words: _Words) -> np.ndarray:
    """Per payment put on its claim's only line though no line fits it, what differs, in ``words``
    (``procedure code differs: 99213 paid, 99214 billed``)."""
    def shown(values) -> np.ndarray:
        return pd.Series(values, dtype="object").replace("", "none").to_numpy(dtype=object)

    said = np.full(len(code), "", dtype=object)
    dos_text = np.datetime_as_string(dos, unit="D").astype(object)
    line_dos_text = np.datetime_as_string(line_dos, unit="D").astype(object)
    for given, differs, paid, billed, what in (
            (code != "", code != line_code, code, line_code, "procedure code differs"),
            (mods != "", mods != line_mods, shown(mods), shown(line_mods), "modifiers differ"),
            (~np.isnat(dos), dos != line_dos, dos_text, line_dos_text, "service date differs")):
        told = what + ": " + paid + f" {words.own_value}, " + billed + " billed"
        said = np.where(given & differs, np.where(said == "", told, said + "; " + told), said)
    return said


def _not_alike(fitting: pd.DataFrame, words: _Words) -> pd.Series:
    """Per row several lines fit, ``""`` when those lines are alike, else why they are not, in ``words`` (``2 lines,
    not alike: their modifiers differ, which the report does not give``): lines a row fits only because it
    does not give their modifiers or date (97110 GP and 97110 59, in a report without a modifier column) are
    not alike, and a row of them cannot be told to be on one line rather than another.

    Parameters
    ----------
    fitting : pandas.DataFrame
        ``_pos``, ``_mods``, ``_dos``: each line that fits a row (its position) with its modifiers and date.
    words : _Words
        How the rows are spoken of.

    Returns
    -------
    pandas.Series
        Indexed by ``_pos``.
    """
    per_row = fitting.groupby("_pos", sort=False).agg(lines=("_mods", "size"), mods=("_mods", "nunique"),
                                                      dates=("_dos", "nunique"))
    mods_differ, dates_differ = per_row["mods"].to_numpy() > 1, per_row["dates"].to_numpy() > 1
    differ = np.select([mods_differ & dates_differ, mods_differ, dates_differ],
                       ["modifiers and service dates", "modifiers", "service dates"], "").astype(object)
    said = np.where(differ != "", per_row["lines"].astype(str).to_numpy(dtype=object) + " lines, not alike: their "
                    + differ + f" differ, which {words.giver} does not give", "")
    return pd.Series(said, index=per_row.index, dtype=object)


def _in_order(several: pd.DataFrame, paid: np.ndarray, paid_alone: set,
              words: _Words) -> tuple[dict[int, int], dict[int, str]]:
    """Payments put on lines alike, one row each in order (see the module doc).

    Parameters
    ----------
    several : pandas.DataFrame
        ``_pos``, ``claim_id``, ``_line``, ``_mods``, ``_dos``: each line that fits a payment several
        lines fit, with its modifiers and service date.
    paid : numpy.ndarray of int
        Each payment's amount in cents (negative: a reversal).
    paid_alone : set of (claim_id, line_no)
        The lines another payment of the report is on by itself (the one line it fits, or numbered).
    words : _Words
        How the rows are spoken of in ``counted``.

    Returns
    -------
    placed : dict
        Payment position -> the line it is put on.
    counted : dict
        Payment position -> why the rows of the lines it fits were not put in order, when the lines
        differ in what the row does not give (``2 lines, not alike: their modifiers differ``) or
        their count stopped it (``2 lines; the report has 3 payment(s) for them, ...``).
    """
    lines_of: dict[int, list] = {}
    claim_of: dict[int, str] = {}
    for pos, claim, line in zip(several["_pos"].tolist(), several["claim_id"].tolist(), several["_line"].tolist()):
        lines_of.setdefault(pos, []).append(line)
        claim_of[pos] = claim
    not_alike = _not_alike(several, words)
    groups: dict[tuple, list[int]] = {}
    for pos in sorted(lines_of):
        groups.setdefault((claim_of[pos], tuple(sorted(lines_of[pos]))), []).append(pos)
    fitted: dict[tuple, set] = {}
    for claim, lines in groups:
        for line in lines:
            fitted.setdefault((claim, line), set()).add(lines)
    placed: dict[int, int] = {}
    counted: dict[int, str] = {}
    for (claim, lines), rows in groups.items():
        if any(len(fitted[(claim, line)]) > 1 or (claim, line) in paid_alone for line in lines):
            continue
        if not_alike[rows[0]]:
            counted.update((p, not_alike[rows[0]]) for p in rows)
            continue
        payments = [p for p in rows if paid[p] >= 0]
        reversals = [p for p in rows if paid[p] < 0]
        if not payments and len(reversals) == len(lines) or len(payments) == len(lines) and (not reversals or (
                len(reversals) == len(lines) and all(paid[r] == -paid[p] for r, p in zip(reversals, payments)))):
            placed.update(zip(payments, lines))
            placed.update(zip(reversals, lines))
            continue
        counted.update((p, _not_one_per_line(len(lines), len(payments), len(reversals), words)) for p in rows)
    return placed, counted


def _not_one_per_line(lines: int, payments: int, reversals: int, words: _Words) -> str:
    """Why the rows fitting ``lines`` lines alike were not put in order, given how many of them are payments and
    how many reversals, in ``words`` (``2 lines; the report has 3 payment(s) for them, not one payment per
    line``)."""
    if not payments:
        return (f"{lines} lines; the {words.source} has {reversals:,} reversal(s) for them and no {words.row}, "
                "not one reversal per line")
    return (f"{lines} lines; the {words.source} has {payments:,} {words.row}(s)"
            + (f" and {reversals:,} reversal(s)" if reversals else "") + f" for them, not one {words.row} per line"
            + (" and one reversal per line taking it back" if reversals else ""))


def _paid_exactly_by(payments: pd.DataFrame, candidates: pd.DataFrame, exact: np.ndarray,
                     paid_elsewhere: pd.DataFrame | None, words: _Words) -> np.ndarray:
    """Per payment of a claim of one line, the first row of the report paying that line with its own procedure
    code or its line number, and how (``row 3, which fits it``, ``row 2, which pays it by its line number``;
    ``""`` where none does): a row no line fits is then no changed code of that line. Rows paying the line that
    net to nothing or less (99214 paid, then reversed) leave it unpaid: a payer re-adjudicating 99214 as 99213
    reverses the one and pays the other.

    ``candidates`` (``_pos``, ``claim_id``, ``_line``) and ``exact`` are per pair of a payment and a line of
    its claim: whether the payment fits the line with the procedure code it gives. ``paid_elsewhere`` holds
    the numbered rows of the report (claim_id, line_no, ``_row``, paid_cents), each paying its line; rows
    without paid_cents (notes) each count as paying it. A row is named by ``_row`` (its row in the export)
    when ``payments`` has it, else by its position from 1; how it pays the line is said in ``words``.
    """
    n = len(payments)
    pos = candidates["_pos"].to_numpy()
    rows = (np.asarray(payments["_row"], dtype=np.int64) if "_row" in payments.columns
            else np.arange(1, n + 1, dtype=np.int64))
    paid = (np.asarray(payments["paid_cents"], dtype=np.int64) if "paid_cents" in payments.columns
            else np.ones(n, dtype=np.int64))
    payers = [pd.DataFrame({"claim_id": candidates["claim_id"].to_numpy()[exact],
                            "_line": candidates["_line"].to_numpy()[exact],
                            "_by": rows[pos[exact]], "_paid": paid[pos[exact]], "_how": "which fits it"})]
    if paid_elsewhere is not None:
        payers.append(pd.DataFrame({"claim_id": paid_elsewhere["claim_id"].astype(str).to_numpy(),
                                    "_line": np.asarray(paid_elsewhere["line_no"], dtype=np.int64),
                                    "_by": np.asarray(paid_elsewhere["_row"], dtype=np.int64),
                                    "_paid": (np.asarray(paid_elsewhere["paid_cents"], dtype=np.int64)
                                              if "paid_cents" in paid_elsewhere.columns
                                              else np.ones(len(paid_elsewhere), dtype=np.int64)),
                                    "_how": f"which {words.takes} it by its line number"}))
    per_line = pd.concat(payers).sort_values("_by", kind="stable").groupby(["claim_id", "_line"]).agg(
        _by=("_by", "first"), _how=("_how", "first"), _paid=("_paid", "sum"))
    per_line = per_line.loc[per_line["_paid"] > 0, ["_by", "_how"]].reset_index()
    lone = np.bincount(pos, minlength=n)[pos] == 1
    found = candidates.loc[lone, ["_pos", "claim_id", "_line"]].merge(per_line, on=["claim_id", "_line"])
    named = np.full(n, "", dtype=object)
    named[found["_pos"].to_numpy()] = [f"row {by:,}, {how}" for by, how in zip(found["_by"].tolist(),
                                                                               found["_how"].tolist())]
    return named


@dataclass(frozen=True)
class _Fitting:
    """What :func:`find_lines` and :func:`find_note_lines` compare: each row's values and, per pair of a
    row and a line of its claim (``candidates``: ``_pos``, ``claim_id``, ``_line``, ``_code``, ``_mods``,
    ``_dos``), whether the line fits the row (``fits``, the row's modifiers choosing among lines alike
    but for them: ``by_mods``). Never changed once made, so what is worked out from it is worked out
    once (a note's lines found and its lines alike ask the same)."""

    code: np.ndarray
    mods: np.ndarray
    dos: np.ndarray
    has_modifiers_column: bool
    candidates: pd.DataFrame
    fits: np.ndarray
    by_mods: np.ndarray

    @property
    def pos(self) -> np.ndarray:
        return self.candidates["_pos"].to_numpy()

    @cached_property
    def fitting(self) -> np.ndarray:
        """Per row, how many lines fit it."""
        return np.bincount(self.pos[self.fits], minlength=len(self.code))

    @cached_property
    def keys_named(self) -> np.ndarray:
        """Per row, the values of its own it is matched on, in words (``procedure code and service date``)."""
        return _keys_named(self.code != "", self.mods != "", ~np.isnat(self.dos))


def _fitting(payments: pd.DataFrame, lines: pd.DataFrame | None) -> _Fitting | None:
    """Which lines of its claim fit each row (see the module doc); None when there is no row or no line."""
    n = len(payments)
    column = {name: name in payments.columns for name in ("procedure_code", "modifiers", "service_date")}
    code = (payments["procedure_code"].fillna("").astype(str).to_numpy(dtype=object) if column["procedure_code"]
            else np.full(n, "", dtype=object))
    mods = _modifier_sets(payments["modifiers"]) if column["modifiers"] else np.full(n, "", dtype=object)
    dos = (np.asarray(payments["service_date"], dtype="datetime64[D]") if column["service_date"]
           else np.full(n, np.datetime64("NaT"), dtype="datetime64[D]"))
    if lines is None or not len(lines) or not n:
        return None
    candidates = pd.DataFrame({"_pos": np.arange(n), "claim_id": payments["claim_id"].astype(str).to_numpy()}).merge(
        pd.DataFrame({"claim_id": lines["claim_id"].astype(str).to_numpy(),
                      "_line": np.asarray(lines["line_no"], dtype=np.int64),
                      "_code": lines["procedure_code"].astype(str).to_numpy(dtype=object),
                      "_mods": _modifier_sets(lines["modifiers"]),
                      "_dos": np.asarray(lines["service_date"], dtype="datetime64[D]")}),
        on="claim_id", how="inner", sort=False)
    pos = candidates["_pos"].to_numpy()
    has_code, has_mods, has_dos = code != "", mods != "", ~np.isnat(dos)
    line_mods = candidates["_mods"].to_numpy(dtype=object)
    fits = ((~has_code[pos] | (code[pos] == candidates["_code"].to_numpy(dtype=object)))
            & (~has_mods[pos] | (mods[pos] == line_mods))
            & (~has_dos[pos] | (dos[pos] == candidates["_dos"].to_numpy())))
    same_mods = fits & (mods[pos] == line_mods)
    by_mods = column["modifiers"] & has_code & (np.bincount(pos[fits], minlength=n) > 1) & \
        (np.bincount(pos[same_mods], minlength=n) == 1)
    fits &= ~by_mods[pos] | same_mods
    return _Fitting(code, mods, dos, column["modifiers"], candidates, fits, by_mods)


def _matched_by(fit: _Fitting) -> np.ndarray:
    """Per row, what a line fitting it was found by (``procedure code and service date``, ``the claim's only
    line``, with `` (no modifiers)`` when its lack of modifiers chose the line)."""
    keys = fit.keys_named
    matched_by = np.where(keys == "", ONLY_LINE, keys)
    return np.where(fit.by_mods & (fit.mods == ""), matched_by + " (no modifiers)", matched_by)


def _every_line_alike(fit: _Fitting | None) -> pd.DataFrame:
    """Each line of rows with a procedure code that several lines of their claim fit alike (97110 GP billed
    on lines 3 and 4): a note documents the service on every one of them, where a payment pays one
    (:func:`find_lines` puts payments in order instead). Lines a row fits that are not alike
    (:func:`_not_alike`: 99213 on two dates, a row giving none) get none of it: :func:`find_lines` sets
    it aside, saying why.

    Parameters
    ----------
    fit : _Fitting or None
        The lines fitting each row (:func:`_fitting`).

    Returns
    -------
    pandas.DataFrame
        ``_pos`` (the row's position), ``_line`` and ``_how`` (what the lines were found by, ``procedure code
        and service date, on every line alike``): one row per line, in the rows' order.
    """
    if fit is None:
        return pd.DataFrame({"_pos": np.array([], dtype=np.int64), "_line": np.array([], dtype=np.int64),
                             "_how": np.array([], dtype=object)})
    alike = fit.fits & ((fit.fitting > 1) & (fit.code != ""))[fit.pos]
    not_alike = _not_alike(fit.candidates.loc[alike, ["_pos", "_mods", "_dos"]], _NOTE_WORDS)
    alike &= ~np.isin(fit.pos, not_alike.index[not_alike.to_numpy() != ""])
    pos = fit.pos[alike]
    order = np.argsort(pos, kind="stable")
    return pd.DataFrame({"_pos": pos[order], "_line": fit.candidates["_line"].to_numpy()[alike][order],
                         "_how": (_matched_by(fit)[pos] + ", " + EVERY_ALIKE)[order]})


def find_lines(payments: pd.DataFrame, lines: pd.DataFrame | None, paid_elsewhere: pd.DataFrame | None = None,
               downcode: bool = True) -> tuple[pd.arrays.IntegerArray, np.ndarray, np.ndarray]:
    """The claim line each payment of a report without line numbers paid (see the module doc).

    Parameters
    ----------
    payments : pandas.DataFrame
        claim_id, paid_cents and, when the report has them, procedure_code, modifiers,
        service_date (as :data:`._unnumbered.UNNUMBERED` reads them: blank or NaT where a row has none), in
        the report's order.
    lines : pandas.DataFrame or None
        The claim lines imported: claim_id, line_no, procedure_code, modifiers, service_date.
    paid_elsewhere : pandas.DataFrame, optional
        ``_row``, claim_id, line_no, paid_cents of the report's numbered rows (a report with line numbers,
        some blank): no payment is put in order on the lines they pay, and a row no line fits is no changed
        code of a claim's only line they pay.
    downcode : bool, default True
        Whether a row no line fits is put on its claim's only line, saying what differs (a payer's
        adjudicated code); when False it is set aside, the reason saying what differs (a note giving
        another code than the line bills does not document it).

    Returns
    -------
    line_no : pandas.arrays.IntegerArray
        Per payment, the line it paid; NA where none could be told.
    matched_by : numpy.ndarray of str
        Per payment placed, what placed it (``procedure code and service date``, ``the claim's
        only line``, ``the claim's only line (procedure code differs: 99213 paid, 99214 billed)``,
        ``procedure code, in order among lines alike``); ``""`` elsewhere.
    reason : numpy.ndarray of str
        Per payment not placed, why; ``""`` elsewhere.
    """
    return _lines_found(payments, _fitting(payments, lines), paid_elsewhere, downcode, _PAYMENT_WORDS)


def find_note_lines(notes: pd.DataFrame, lines: pd.DataFrame | None, downcode: bool,
                    documented_elsewhere: pd.DataFrame | None = None,
                    ) -> tuple[pd.arrays.IntegerArray, np.ndarray, np.ndarray, pd.DataFrame]:
    """The line each note of an export without line numbers documents, as :func:`find_lines` finds a
    payment's (``downcode`` and ``documented_elsewhere``, its ``paid_elsewhere``, as it takes them), and each
    of the lines alike a note documents every one of (see the module doc), the lines fitting each note
    compared once for both; its reasons and ``matched_by`` speak of notes, not payments (``which one it
    documents cannot be told``, ``99213 in the note, 99214 billed``).

    Parameters
    ----------
    documented_elsewhere : pandas.DataFrame, optional
        ``_row``, claim_id, line_no of the export's numbered notes (an export with line numbers, some blank):
        a note no line fits is no changed code of a claim's only line one of them documents.

    Returns
    -------
    line_no, matched_by, reason
        As :func:`find_lines` returns them.
    alike : pandas.DataFrame
        ``_pos`` (the note's position in ``notes``), ``_line`` and ``_how`` (what the lines were found by,
        ``procedure code and service date, on every line alike``): one row per line, in ``notes``' order.
    """
    fit = _fitting(notes, lines)
    return (*_lines_found(notes, fit, documented_elsewhere, downcode, _NOTE_WORDS), _every_line_alike(fit))


def _lines_found(payments: pd.DataFrame, fit: _Fitting | None, paid_elsewhere: pd.DataFrame | None,
                 downcode: bool, words: _Words) -> tuple[pd.arrays.IntegerArray, np.ndarray, np.ndarray]:
    """:func:`find_lines`, given the lines fitting each payment (:func:`_fitting`), its reasons and
    ``matched_by`` in ``words``."""
    n = len(payments)
    line_no = pd.arrays.IntegerArray(np.zeros(n, dtype=np.int64), np.ones(n, dtype=bool))
    if fit is None:
        return line_no, np.full(n, "", dtype=object), np.full(n, NO_CLAIM, dtype=object)
    code, mods, dos, candidates, fits, pos = fit.code, fit.mods, fit.dos, fit.candidates, fit.fits, fit.pos
    line_mods = candidates["_mods"].to_numpy(dtype=object)
    has_code = code != ""
    fitting = fit.fitting
    of_claim = np.bincount(pos, minlength=n)
    paid_by = np.where(fitting == 0, _paid_exactly_by(payments, candidates, fits & has_code[pos], paid_elsewhere,
                                                      words), "").astype(object)
    differing = downcode & (fitting == 0) & (of_claim == 1) & (paid_by == "")
    placed = (fitting == 1) | differing
    taken = (fits | differing[pos]) & placed[pos]
    line_no[pos[taken]] = candidates["_line"].to_numpy()[taken]
    differences = np.full(n, "", dtype=object)
    only = ((fitting == 0) & (of_claim == 1))[pos]
    differences[pos[only]] = _differences(code[pos[only]], candidates["_code"].to_numpy(dtype=object)[only],
                                          mods[pos[only]], line_mods[only], dos[pos[only]],
                                          candidates["_dos"].to_numpy().astype("datetime64[D]")[only], words)

    alone = candidates.loc[taken, ["claim_id", "_line"]]
    if paid_elsewhere is not None:
        alone = pd.concat([alone, pd.DataFrame({"claim_id": paid_elsewhere["claim_id"].astype(str).to_numpy(),
                                                "_line": np.asarray(paid_elsewhere["line_no"], dtype=np.int64)})])
    paid = (np.asarray(payments["paid_cents"], dtype=np.int64) if "paid_cents" in payments.columns
            else np.zeros(n, dtype=np.int64))
    alike = fits & ((fitting > 1) & has_code)[pos]
    ordered, counted = _in_order(candidates.loc[alike, ["_pos", "claim_id", "_line", "_mods", "_dos"]], paid,
                                 set(zip(alone["claim_id"].tolist(), alone["_line"].tolist())), words)
    in_order = np.zeros(n, dtype=bool)
    if ordered:
        line_no[np.fromiter(ordered, dtype=np.int64)] = np.fromiter(ordered.values(), dtype=np.int64)
        in_order[list(ordered)] = True
    count_said = np.full(n, "", dtype=object)
    for p, said in counted.items():
        count_said[p] = said

    keys = fit.keys_named
    matched_by = np.where(differing, ONLY_LINE + " (" + differences + ")", _matched_by(fit))
    matched_by = np.where(in_order, matched_by + ", " + IN_ORDER, matched_by)
    several = "no line number, and several lines of its claim have its " + keys
    none_fits = "no line number, and no line of its claim has its " + keys
    reason = np.select(
        [of_claim == 0, paid_by != "", (fitting == 0) & ~differing, (fitting > 1) & ~has_code, in_order,
         count_said != "", fitting > 1],
        [NO_CLAIM, none_fits + " (" + differences + f"): its only line is {words.taken} by " + paid_by,
         np.where(differences != "", none_fits + " (" + differences + ")", none_fits), PER_CLAIM, "",
         several + " (" + count_said + f"): which one each {words.took} cannot be told",
         several + f": which one it {words.took} cannot be told"],
        "")
    return line_no, np.where(placed | in_order, matched_by, "").astype(object), reason.astype(object)


#: How the summary counts the payments set aside without a line number, by the start of their reason.
_ASIDE_COUNTED = (
    (NO_CLAIM, "whose claim is not among the claims imported"),
    ("no line number, and no line of its claim", "that no line of its claim fits"),
    ("no line number, and several lines of its claim", "that several lines of its claim fit"),
    (PER_CLAIM, "paying a claim of several lines as a whole"),
)
#: What placing a payment without a line number puts it on, by its values.
_BY_VALUES = "the one line of their claim with their procedure code, modifiers and service date (those the row gives)"


def rows_looked_for(blank: int | None = None) -> str:
    """The payments of a file placed without a line number, in words: every row of a report without
    a line number column (``blank`` None), or its ``blank`` rows whose line number cell is blank."""
    return "no line number column" if blank is None else f"{blank:,} row(s) with a blank line number"


def placing_note(rows: str) -> str:
    """The note on payments to be placed without a line number, before the claims are at hand (the
    mapping widget's preview of a payment file)."""
    return (f"{rows}: the import puts each payment on {_BY_VALUES.replace('their', 'its')}, among the claims "
            "imported, or on its claim's only line, and sets aside one that fits no line or several")


def placed_note(matched_by: np.ndarray, reasons: np.ndarray, rows: str = rows_looked_for()) -> str:
    """The summary's note on payments placed without a line number: how many each way, and how many set
    aside for each reason.

    ``matched_by`` holds, per payment looked for, what placed it (``""`` where none did); ``reasons``,
    per payment set aside, why; ``rows`` names the payments looked for (:func:`rows_looked_for`)."""
    how = pd.Series(matched_by, dtype="object")
    only = int((how == ONLY_LINE).sum())
    differing = int(how.str.startswith(ONLY_LINE + " (").sum())
    in_order = int(how.str.endswith(IN_ORDER).sum())
    by_values = int((how != "").sum()) - only - differing - in_order
    told = [f"{by_values:,} payment(s) put on {_BY_VALUES}"] if by_values else []
    if in_order:
        told.append(f"{in_order:,} put in order on lines alike (a claim billing one code, modifiers and date on "
                    "several lines, with one payment row per line, one reversal row per line, or one of each: the "
                    "first payment, and the first reversal, on the lowest line number)")
    if only:
        told.append(f"{only:,} payment(s) put on their claim's only line (no procedure code given)")
    if differing:
        told.append(f"{differing:,} put on their claim's only line though its procedure code, modifiers or service "
                    "date differ (a payer's adjudicated code: a downcode)")
    told += aside_counted(reasons)
    return f"{rows}: " + ("; ".join(told) or "none")


def aside_counted(reasons: np.ndarray) -> list[str]:
    """``["3 set aside: 1 whose claim is not among the claims imported, ..."]``: the rows set aside without
    a line number (``reasons``: why each was) counted by reason; ``[]`` when none was."""
    why = pd.Series(reasons, dtype="object").astype(str)
    counted = np.zeros(len(why), dtype=bool)
    each = []
    for start, said in (*_ASIDE_COUNTED, ("", "with a value that could not be read")):
        hit = why.str.startswith(start).to_numpy() & ~counted
        counted |= hit
        if hit.any():
            each.append(f"{int(hit.sum()):,} {said}")
    return [f"{len(why):,} set aside: " + ", ".join(each)] if each else []
