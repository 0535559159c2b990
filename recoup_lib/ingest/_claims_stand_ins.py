"""Claims exports without line numbers or a billed date: what the import puts in their place.

Most practice-management charge exports number no lines, and some give no date
the claim was billed (the vendors' exports of ``tests/data/vendor_exports/``).
``claim_lines.csv`` needs both, so a claims export may leave them out
(:data:`STAND_INS`) and the import puts in their place:

- **line_no**: each claim's lines numbered 1, 2, 3, ... in the order the
  export lists them (:func:`numbered_in_order`). A row set aside for a value
  it holds keeps its place, so the numbers stay those of the claim as listed.
  Over several claims files the order is that of the files, then of their
  rows (:func:`continue_numbering`): a claim's lines in a later file follow
  its highest number in the files before, and a line of a later file alike
  in every contract column to one of its claim in an earlier file (exports
  of overlapping periods) is set aside as that line come again, as a line
  number repeated from another file is.
- **submitted_date**: the service date. The audit orders lines alike by it
  (``duplicate_claim``: the earlier submitted is the original), which then
  falls to claim_id, then line_no; the report's ``--as-of`` counts a line as
  submitted from its date of service.

A documentation export (a visit-note or chart-completion report) may leave
out **note_present** too: each row it lists is a note on file (its ``signed``
says whether it is signed). Its line numbers are found by its claim, CPT code
and date of service (:mod:`._notes_placing`).

A note in the import's summary says each. Payments with line numbers refer
to this numbering; a payment report without them finds its lines by CPT code
(:mod:`._line_match`), and an 835 by the line's control number or its
position in the claim (:mod:`._remit_payments`), which is this order when
the export lists a claim's lines as they were billed.
"""

from __future__ import annotations

from dataclasses import replace

import numpy as np
import pandas as pd
import pyarrow as pa
import pyarrow.compute as pc

from ..arrowtext import one_array
from ..errors import WHOLE_ROW, Problem
from ..schema import SPECS, FileSpec

__all__ = ["STAND_INS", "LEFT_OUT", "INFERABLE", "LINE_NO_NOTE", "SUBMITTED_NOTE", "NOTE_PRESENT_NOTE", "left_out",
           "claims_contract", "blank_allowed_in", "numbered_in_order", "continue_numbering"]

_CLAIMS = SPECS["claim_lines.csv"]
#: Fields of claim_lines.csv a claims export may leave out: its lines are numbered in order, and the
#: service date stands for the submitted one.
STAND_INS = ("line_no", "submitted_date")
#: Per kind of export, the fields it may leave out, the import standing in for them while reading it
#: (:func:`left_out`); a documentation export's line numbers are found afterwards, by its claim lines.
LEFT_OUT = {"claims": STAND_INS, "documentation": ("note_present",)}
#: Per kind of export, the required fields the import stands in for with ``--infer-missing`` (these,
#: and a payment report's line numbers: :mod:`._line_match`), and what it then does, for the message
#: that stops an import without it.
INFERABLE = {
    "claims": dict(zip(STAND_INS, ("number each claim's lines in the order the export lists them",
                                   "take each line's service date as its billed date"))),
    "payments": {"line_no": "put each payment on the line of its claim with its CPT code, modifiers and "
                            "date of service"},
    "coverage": {},
    "documentation": {"line_no": "put each note on the line of its claim with its CPT code and date of service, "
                                "or on every line of its visit when it gives no CPT code",
                      "note_present": "take each row the export lists as a note on file"},
}
LINE_NO_NOTE = "line_no: no column; each claim's lines numbered in the order the export lists them"
NOTE_PRESENT_NOTE = "note_present: no column; each row the export lists taken as a note on file"
SUBMITTED_NOTE = ("submitted_date: no column; each line's service date taken as its submitted date (two lines "
                  "alike are then told original and copy by claim number, then line number)")
#: Why a line of a later file is set aside when its claim came in an earlier one with a line alike.
REPEATED = "the same line of this claim (every column alike) came earlier from another file"
#: The claim_lines.csv columns (as read) two lines of one claim are compared on: all but the line number.
_COMPARED = [c.memory_name for c in _CLAIMS.columns if c.name not in STAND_INS]


def blank_allowed_in(spec: FileSpec, column: str, **changes) -> FileSpec:
    """``spec`` with ``column`` allowed blank: a contract checked on an export whose blank there is
    dealt with after the check (a stand-in taken, a line looked for). Its name, key and description
    are kept unless ``changes`` (other :class:`~recoup_lib.schema.FileSpec` fields) say otherwise."""
    return replace(spec, columns=tuple(replace(c, nullable=True) if c.name == column else c for c in spec.columns),
                   **changes)


#: claim_lines.csv's contract for an export whose submitted date is the service date: checked once, on
#: the service date (a blank one sets its row aside), not twice.
_SUBMITTED_AS_SERVED = blank_allowed_in(_CLAIMS, "submitted_date")


def left_out(kind: str, columns: dict) -> list[str]:
    """The fields of :data:`LEFT_OUT` an export of ``kind`` mapped to ``columns`` has no column for."""
    return [name for name in LEFT_OUT.get(kind, ()) if name not in columns]


def claims_contract(columns: dict) -> FileSpec:
    """The contract a claims export mapped to ``columns`` is checked against once read."""
    return _SUBMITTED_AS_SERVED if "submitted_date" in left_out("claims", columns) else _CLAIMS


def numbered_in_order(claim_ids: pa.Array, listed: np.ndarray) -> tuple[np.ndarray, pd.Series]:
    """Each row's number among the rows of its claim, in the order the export lists them.

    Parameters
    ----------
    claim_ids : pyarrow.Array
        Each row's claim number, as read.
    listed : numpy.ndarray of bool
        The rows that are lines (a title, total or heading row is none).

    Returns
    -------
    line_no : numpy.ndarray of int64
        1, 2, 3, ... within each claim on the rows listed; 0 elsewhere.
    count : pandas.Series
        Per claim number, how many lines the export lists.
    """
    at = np.flatnonzero(listed)
    encoded = pc.dictionary_encode(one_array(claim_ids).take(pa.array(at)))
    codes = encoded.indices.to_numpy(zero_copy_only=False).astype(np.int64)
    order = np.argsort(codes, kind="stable")
    ordered = codes[order]
    start = np.r_[0, np.flatnonzero(ordered[1:] != ordered[:-1]) + 1] if len(ordered) else np.zeros(0, np.int64)
    first = np.repeat(start, np.diff(np.r_[start, len(ordered)]))
    line_no = np.zeros(len(claim_ids), dtype=np.int64)
    line_no[at[order]] = np.arange(len(ordered)) - first + 1
    count = pd.Series(np.bincount(codes, minlength=len(encoded.dictionary)),
                      index=encoded.dictionary.to_pylist(), dtype=np.int64)
    return line_no, count


def continue_numbering(parsed: list, counts: list, problems: list) -> list[pd.DataFrame]:
    """Several claims files: the lines of a claim that earlier files list too, numbered after them.

    Parameters
    ----------
    parsed : list of (pandas.DataFrame, SourceReport)
        Each claims file's lines as read, in the order given.
    counts : list
        Per file, when it numbers none of its lines, how many lines it lists per claim
        (:func:`numbered_in_order`); None for a file that numbers them (an 837, an export with a
        line number column).
    problems : list of Problem
        Where the lines set aside as come again are added.

    Returns
    -------
    list of pandas.DataFrame
        Each file's lines, numbered on from the files before it; a line alike in every column to
        one of its claim in an earlier file set aside (:data:`REPEATED`, counted in its file's
        report), when its own file numbers no lines.

    Notes
    -----
    Only the lines of claims listed in more than one file are looked at; the others keep the
    numbers of their file. Which of them come again is found for every file at once: the k-th
    line alike (the same claim and values) of a file comes again when an earlier file lists k or
    more lines alike. Then file after file, each claim's highest number so far is carried on.
    """
    datas = [data for data, _ in parsed]
    if len(parsed) < 2 or all(count is None for count in counts):
        return datas
    claims = [_text(data["claim_id"]) for data in datas]
    listed = [pc.unique(ids) if count is None else pa.array(count.index.to_numpy(dtype=object), pa.string())
              for ids, count in zip(claims, counts)]
    files_of = pc.value_counts(pa.concat_arrays(listed))
    shared = files_of.field("values").filter(pc.greater(files_of.field("counts"), 1))
    if not len(shared):
        return datas
    lines = _shared_lines(datas, claims, counts, shared)
    bounds = np.searchsorted(lines["_file"].to_numpy(), np.arange(len(datas) + 1))
    highest = np.zeros(len(shared), dtype=np.int64)
    seen = np.zeros(len(shared), dtype=bool)
    out = []
    for f, ((data, report), count) in enumerate(zip(parsed, counts)):
        mine = lines.iloc[bounds[f]:bounds[f + 1]]
        claim, line_no = mine["_claim"].to_numpy(), mine["line_no"].to_numpy()
        if count is None:
            np.maximum.at(highest, claim, line_no)
            seen[claim] = True
            out.append(data)
            continue
        again = mine["_again"].to_numpy()
        followed = int((seen[claim] & ~again).sum())
        if followed:
            report.notes.append(f"{followed:,} line(s) of claims an earlier file lists too, numbered after that "
                                "file's lines of them")
        renumbered = line_no + highest[claim] - _before_within(claim, line_no, again)
        listing = np.asarray(pc.index_in(listed[f], value_set=shared), dtype=float)
        at = np.isfinite(listing)
        where = listing[at].astype(np.int64)
        highest[where] += count.to_numpy()[at] - np.bincount(claim[again], minlength=len(shared))[where]
        seen[where] = True
        if not len(mine):
            out.append(data)
            continue
        data = data.copy()
        numbers = np.asarray(data["line_no"], dtype=np.int64).copy()
        numbers[mine["_at"].to_numpy()] = renumbered
        data["line_no"] = numbers
        again_at = mine["_at"].to_numpy()[again]
        out.append(_set_aside_again(data, again_at, report, problems) if len(again_at) else data)
    return out


def _text(values: pd.Series) -> pa.Array:
    """A column of ids as Arrow ``string``."""
    return pc.cast(one_array(pa.array(values.astype(pd.StringDtype("pyarrow")).array)), pa.string())


def _shared_lines(datas: list[pd.DataFrame], claims: list[pa.Array], counts: list, shared: pa.Array) -> pd.DataFrame:
    """The lines of the ``shared`` claims, file after file: ``_file`` (its position), ``_at`` (the line's
    in its file), ``_claim`` (the claim's in ``shared``), line_no, and ``_again``: whether the line comes
    again (see :func:`continue_numbering`)."""
    parts = []
    for f, (data, ids) in enumerate(zip(datas, claims)):
        at = np.flatnonzero(np.asarray(pc.is_in(ids, value_set=shared)))
        part = data.iloc[at][[c for c in _COMPARED if c in data.columns]].reset_index(drop=True)
        parts.append(part.assign(_file=f, _at=at, _numbered=counts[f] is None,
                                 _claim=np.asarray(pc.index_in(ids.take(pa.array(at)), value_set=shared)),
                                 line_no=np.asarray(data["line_no"], dtype=np.int64)[at]))
    lines = pd.concat(parts, ignore_index=True)
    compared = [c for c in _COMPARED if c in lines.columns]
    key = lines.groupby(compared, sort=False, dropna=False).ngroup().to_numpy()
    occurrence = pd.Series(key).groupby([lines["_file"].to_numpy(), key], sort=False).cumcount().to_numpy()
    alike = pd.Series(1, index=pd.MultiIndex.from_arrays([key, lines["_file"].to_numpy()], names=["key", "file"]))
    alike = alike.groupby(level=["key", "file"]).size()
    before = alike.groupby(level="key").cummax().groupby(level="key").shift(fill_value=0)
    earlier = before.reindex(pd.MultiIndex.from_arrays([key, lines["_file"].to_numpy()])).to_numpy()
    lines["_again"] = ~lines["_numbered"].to_numpy() & (occurrence < earlier)
    return lines[["_file", "_at", "_claim", "line_no", "_again"]]


def _before_within(claim: np.ndarray, line_no: np.ndarray, again: np.ndarray) -> np.ndarray:
    """Per line, how many lines of its claim before it in the file (by ``line_no``) come ``again``."""
    order = np.lexsort([line_no, claim])
    ordered, counted = claim[order], np.cumsum(again[order])
    start = np.r_[True, ordered[1:] != ordered[:-1]] if len(ordered) else np.zeros(0, dtype=bool)
    base = np.maximum.accumulate(np.where(start, np.arange(len(ordered)), 0))
    within = counted - np.where(base > 0, counted[base - 1], 0)
    out = np.empty(len(claim), dtype=np.int64)
    out[order] = within
    return out


def _set_aside_again(data: pd.DataFrame, again: np.ndarray, report, problems: list) -> pd.DataFrame:
    """The lines at positions ``again`` set aside as come again (:data:`REPEATED`), counted in ``report``."""
    rows = data.iloc[again]
    extra = rows[["claim_id", "procedure_code"]].astype(str).assign(
        service_date=rows["service_date"].dt.strftime("%Y-%m-%d").to_numpy(), _reason=REPEATED,
        _row=rows["_row"].to_numpy())
    report.set_aside_later(extra[["_row", "_reason", "claim_id", "service_date", "procedure_code"]],
                           [Problem(report.label, int(r), WHOLE_ROW, str(c), REPEATED)
                            for r, c in zip(rows["_row"], rows["claim_id"])], problems)
    keep = np.ones(len(data), dtype=bool)
    keep[again] = False
    return data.loc[keep].reset_index(drop=True)
