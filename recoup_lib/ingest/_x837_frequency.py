"""Corrected and voided claims in 837s: a replacement takes its claim's place, a void cancels it.

An office that finds a mistake after sending a claim sends it again with a
frequency code in CLM05-3 (the claim frequency type code of the National
Uniform Billing Committee): 7, a replacement of the prior claim, or 8, a void
of it. The claim keeps its patient control number (CLM01). Read as plain
claims, the replacement's lines repeated keys already used (and were set aside
as repeats, so the wrong lines stayed), and a voided claim stayed billed.

So, for each claim (its CLM01 and its patient: an office's claim numbers may
repeat across the offices or payers of a batch) that any 837 read sends with
frequency 7 or 8, the last
such submission (by the transaction's creation date, BHT04, then the order of
the files, then its place in the file) decides:

- 7 (replacement): its lines are the claim's lines; the lines of every other
  submission of that claim id are set aside, naming the replacement;
- 8 (void): every line of that claim id is set aside, the void's own lines
  too (a void repeats the lines it cancels), naming the void.

A claim id sent only with frequency 1 (or none) is read as it is.
"""

from __future__ import annotations

import numpy as np
import pyarrow as pa
import pyarrow.compute as pc

__all__ = ["CLAIM_COLUMNS", "corrected_claims", "REPLACEMENT", "VOID"]

#: Columns the 837 reader carries for this step only: CLM05-3, and the CLM segment's position.
CLAIM_COLUMNS = ("_frequency", "_claim_row")

REPLACEMENT, VOID = "7", "8"


def corrected_claims(lines: dict, rank: dict[str, int]) -> tuple[dict, list, list]:
    """The lines without those a later replacement or void takes back; (lines, set aside, notes).

    Parameters
    ----------
    lines : dict of str to array
        The 837 reader's columns, with :data:`CLAIM_COLUMNS` and ``_file``/``_row``.
    rank : dict of str to int
        Each file's place in the order the files were given, by its label (the order ties are
        broken by, and the notes sorted by).

    Returns
    -------
    lines : dict
        The same columns (:data:`CLAIM_COLUMNS` dropped) for the lines kept.
    set_aside : list of (file, segment, reason, text)
        One entry per line set aside (its LX segment).
    notes : list of (file, segment, message)
        One per replacement or void that took lines back.
    """
    if "_frequency" not in lines:
        return lines, [], []
    frequency_all, claim_row_all = lines.pop("_frequency"), lines.pop("_claim_row")
    corrected = pc.is_in(frequency_all, value_set=pa.array([REPLACEMENT, VOID])).to_numpy(zero_copy_only=False)
    if not corrected.any():
        return lines, [], []
    # Only the lines of the claim ids sent corrected are looked at, one by one.
    involved = pc.is_in(lines["claim_id"], value_set=pc.unique(lines["claim_id"].filter(pa.array(corrected))))
    at = np.flatnonzero(involved.to_numpy(zero_copy_only=False))
    taken_at = pa.array(at)

    def values(column) -> np.ndarray:
        return np.asarray(column.take(taken_at).to_pylist(), dtype=object)

    frequency, files = values(frequency_all), values(lines["_file"])
    # CLM01 is the office's own claim number: another office's (or payer's) claim may reuse it, so a
    # correction applies to the claims of the same patient only.
    claim = values(lines["claim_id"])
    key = list(zip(claim.tolist(), values(lines["patient_id"]).tolist()))
    submitted, line_no = values(lines["submitted_date"]), values(lines["line_no"])
    code = values(lines["procedure_code"])
    claim_row = np.asarray(claim_row_all.take(taken_at).to_numpy(zero_copy_only=False), dtype=np.int64)
    rows = np.asarray(lines["_row"], dtype=np.int64)[at]
    # The deciding submission of each claim (CLM01 and patient): its last replacement or void.
    last: dict[tuple, tuple] = {}
    for i in np.flatnonzero(np.isin(frequency, [REPLACEMENT, VOID])):
        order = (str(submitted[i]), rank[files[i]], int(claim_row[i]))
        if key[i] not in last or order > last[key[i]][0]:
            last[key[i]] = (order, i)
    keep = np.ones(len(lines["claim_id"]), dtype=bool)
    aside, notes, taken = [], [], {}
    for i in range(len(at)):
        if key[i] not in last:
            continue  # the same claim number, another patient: not the claim corrected
        _, d = last[key[i]]
        same = files[i] == files[d] and claim_row[i] == claim_row[d]
        if frequency[d] == REPLACEMENT and same:
            continue
        keep[at[i]] = False
        what = "replaced by the corrected claim" if frequency[d] == REPLACEMENT else "voided by the claim"
        reason = (f"{what} in {files[d]}, segment {int(claim_row[d])} "
                  f"(CLM05-3 = {frequency[d]}, same CLM01 and patient)"
                  if not same else "a void (CLM05-3 = 8): it cancels its claim, and its lines are not billed")
        aside.append((str(files[i]), int(rows[i]), reason, f"claim {claim[i]} line {line_no[i]}: {code[i]}"))
        taken[d] = taken.get(d, 0) + 1
    for d, count in taken.items():
        kind = "replacement" if frequency[d] == REPLACEMENT else "void"
        notes.append((str(files[d]), int(claim_row[d]),
                      f"warning: claim {claim[d]} is a {kind} (CLM05-3 = {frequency[d]}): {count} line(s) of "
                      "its claim set aside (see the lines set aside)"))
    mask = pa.array(keep)
    kept = {name: values[keep] if isinstance(values, np.ndarray) else values.filter(mask)
            for name, values in lines.items()}
    return kept, aside, sorted(notes, key=lambda note: (rank[note[0]], note[1]))
