"""Diagnosis codes with their point: ``E119`` -> ``E11.9``, as the contract and the reference tables
keep them, and each once.

X12 writes ICD codes without the point, and many billing systems and clearinghouses store and export
them so; an export (:func:`dotted_diagnoses`) and an 837 (:func:`insert_icd_dot`) of the same claim
read alike once it is put back. A code written twice, with and without its point or alike, is one
code (:func:`each_code_once`, :func:`first_of_its_code`).
"""

from __future__ import annotations

import numpy as np
import pyarrow as pa
import pyarrow.compute as pc

from ._distinct import by_distinct_value
from ._values import _bytes_present, text

__all__ = ["insert_icd_dot", "dotted_diagnoses", "each_code_once", "first_of_its_code"]


def insert_icd_dot(codes, icd9=None) -> pa.Array:
    """X12 writes diagnosis codes without the dot (``E119``); the contract keeps it (``E11.9``).

    ICD-10-CM: after the third character. ICD-9-CM (``icd9`` mask): after the
    third character, the fourth for E codes. Codes of three characters, or
    already dotted, are left as they are.
    """
    arr = text(codes)
    n = len(arr)
    width = np.full(n, 3, dtype=np.int64)
    if icd9 is not None:
        e_code = np.asarray(pc.starts_with(arr, "E")) & np.asarray(icd9, dtype=bool)
        width[e_code] = 4
    length = np.asarray(pc.utf8_length(arr))
    dotted = np.asarray(pc.match_substring(arr, "."))
    needs = (length > width) & ~dotted
    if not needs.any():
        return arr
    out = arr
    for w in (3, 4):
        mask = needs & (width == w)
        if mask.any():
            dotted_text = pc.binary_join_element_wise(pc.utf8_slice_codeunits(arr, 0, w),
                                                      pc.utf8_slice_codeunits(arr, w), ".")
            out = pc.if_else(pa.array(mask), dotted_text, out)
    return out


#: An ICD-10-CM code written without its point: a letter, a digit, a digit or letter (the category),
#: then one to four digits or letters (``E119``, ``S72001A``, ``Z3A1``).
_UNDOTTED_ICD10 = r"^([A-Z][0-9][0-9A-Z])([0-9A-Z]{1,4})$"


def dotted_diagnoses(lists) -> pa.Array:
    """``;``-joined diagnosis codes (in capitals) with the point put back after the third character
    of each ICD-10-CM code an export wrote without it: ``E119;I10`` -> ``E11.9;I10``.

    Billing systems and clearinghouses often store and export the codes as X12 sends them, without
    the point; the 837 import puts it back (:func:`insert_icd_dot`), and so the same claim reads the
    same from either, and matches the reference tables, which keep it. A code already dotted, and one
    not shaped as an ICD-10-CM code (digits alone, as ICD-9 or a stray procedure code), is left as sent.

    >>> dotted_diagnoses(["E119;I10", "S72001A", "E11.9", "25000"]).to_pylist()
    ['E11.9;I10', 'S72.001A', 'E11.9', '25000']
    """
    arr = text(lists)
    present = _bytes_present(arr)
    if not any(present[letter] for letter in range(ord("A"), ord("Z") + 1)):
        return arr
    return by_distinct_value(arr, _dotted_lists)


def _dotted_lists(arr: pa.Array) -> pa.Array:
    codes = pc.split_pattern(arr, ";")
    dotted = pc.replace_substring_regex(pc.list_flatten(codes), _UNDOTTED_ICD10, r"\1.\2")
    return pc.binary_join(pa.ListArray.from_arrays(codes.offsets, dotted), ";")


def first_of_its_code(codes: pa.Array, count: np.ndarray) -> np.ndarray | None:
    """For each code, the position of the first code of its group with the same text; None when no
    group holds a code twice. ``count``: the codes of each group, which follow one another (a claim's
    in an 837, a line's list in an export)."""
    if count.max(initial=0) < 2:
        return None
    ids = np.asarray(pc.dictionary_encode(codes, null_encoding="encode").indices, dtype=np.int64)
    group = np.repeat(np.arange(len(count), dtype=np.int64), count)
    _, first, place = np.unique(group * (int(ids.max(initial=0)) + 1) + ids, return_index=True,
                                return_inverse=True)
    first = first[place]
    return None if bool((first == np.arange(len(codes))).all()) else first


def each_code_once(lists) -> pa.Array:
    """``;``-joined codes with each code once, where it first stands: ``E11.9;I10;E11.9`` ->
    ``E11.9;I10``.

    An export listing a line's diagnoses in columns (``Dx 1``, ``Dx 2``) may give one twice, and once
    the points are put back (:func:`dotted_diagnoses`) ``E119`` and ``E11.9`` are one code, as an
    837's claim listing a code twice gives each line it once.

    >>> each_code_once(["E11.9;I10;E11.9", "I10", "Z00.00;Z00.00"]).to_pylist()
    ['E11.9;I10', 'I10', 'Z00.00']
    """
    arr = text(lists)
    if not _bytes_present(arr)[ord(";")]:
        return arr
    return by_distinct_value(arr, _once_each)


def _once_each(arr: pa.Array) -> pa.Array:
    codes = pc.split_pattern(arr, ";")
    flat = pc.list_flatten(codes)
    first = first_of_its_code(flat, np.asarray(pc.list_value_length(codes)))
    if first is None:
        return arr
    kept = first == np.arange(len(flat))
    offsets = np.zeros(len(arr) + 1, dtype=np.int32)
    np.cumsum(np.bincount(np.asarray(pc.list_parent_indices(codes))[kept], minlength=len(arr)), out=offsets[1:])
    return pc.binary_join(pa.ListArray.from_arrays(pa.array(offsets), flat.filter(pa.array(kept))), ";")
