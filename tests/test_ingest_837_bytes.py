"""The 837 reader's byte-level shortcuts give what the general functions they stand for give.

- ``_x837_values._with_dots`` writes the ICD dot into the bytes of codes read from an 837;
  ``_diagnoses.insert_icd_dot`` (Arrow kernels) is the reference, for any text;
- ``_x12spans.span_codes`` gathers the first three bytes of each value one byte at a time;
  the reference is :func:`~recoup_lib.x12.segment_code` of the value's bytes;
- ``_x837_values._modifiers`` cuts the procedure composites' modifiers after their second
  separator when no piece is blank; joining the pieces one by one is the reference.
"""

from __future__ import annotations

import numpy as np
import pyarrow as pa
from hypothesis import given, settings
from hypothesis import strategies as st

from recoup_lib.ingest._diagnoses import insert_icd_dot
from recoup_lib.ingest import _x837_values
from recoup_lib.ingest._x12spans import Parts, span_codes
from recoup_lib.ingest._x837_values import _with_dots

codes_strategy = st.lists(
    st.tuples(st.one_of(st.text(alphabet="EVZ0123456789ABCK", max_size=8),
                        st.text(alphabet="E1.é", max_size=6)),
              st.booleans()),
    max_size=40)


@settings(max_examples=400, deadline=None)
@given(rows=codes_strategy, start=st.integers(0, 3))
def test_dots_written_into_the_bytes_are_those_of_insert_icd_dot(rows, start):
    """Codes of any length, ICD-9 or not, E codes, already dotted or not ASCII; arrays sliced or not."""
    values = pa.array(["X"] * start + [code for code, _ in rows], pa.string())[start:]
    icd9 = np.array([is9 for _, is9 in rows], dtype=bool)
    got = _with_dots(values, icd9)
    want = insert_icd_dot(values, icd9)
    assert got.to_pylist() == want.to_pylist()


def test_plain_codes_take_the_byte_path():
    codes = pa.array(["E119", "Z23", "E8889", "I10", "M545", ""])
    icd9 = np.array([False, False, True, False, False, False])
    assert _with_dots(codes, icd9).to_pylist() == ["E11.9", "Z23", "E888.9", "I10", "M54.5", ""]


@settings(max_examples=400, deadline=None)
@given(data=st.binary(max_size=12), spans=st.lists(st.tuples(st.integers(0, 12), st.integers(0, 6)), max_size=20))
def test_codes_gathered_byte_by_byte_are_segment_codes_of_the_values(data, spans):
    """Values anywhere in the buffer (at its very end too), of any length; ids longer than 3 bytes."""
    buf = np.frombuffer(data, dtype=np.uint8)
    spans = [(min(b, len(data)), min(b + n, len(data))) for b, n in spans]
    begin = np.array([b for b, _ in spans], dtype=np.int32)
    end = np.array([e for _, e in spans], dtype=np.int32)
    got = span_codes(buf, begin, end)
    want = [0xFFFFFF if e - b > 3 else int.from_bytes(data[b:e].ljust(3, b"\0"), "big") for b, e in spans]
    assert got.dtype == np.uint32 and got.tolist() == want


piece_strategy = st.one_of(st.text(alphabet="HC9213AB", min_size=1, max_size=3), st.sampled_from(["", ";"]))
composite_strategy = st.one_of(
    st.lists(st.lists(piece_strategy, min_size=1, max_size=8).map(":".join), max_size=30),
    st.lists(st.lists(st.text(alphabet="HC9213AB", min_size=1, max_size=3), min_size=1, max_size=8)
             .map(":".join), max_size=30))


@settings(max_examples=400, deadline=None)
@given(values=composite_strategy, start=st.integers(0, 2))
def test_modifiers_cut_after_the_second_separator_are_the_pieces_joined(values, start):
    """Composites with up to eight pieces, blank ones, ``;`` in them; arrays sliced or not."""
    arr = pa.array(["HC:1:2:3"] * start + values, pa.string())[start:]
    got = _x837_values._modifiers(Parts(arr, ":"))
    saved = _x837_values._no_blank_modifier
    _x837_values._no_blank_modifier = lambda parts, sep: False
    try:
        want = _x837_values._modifiers(Parts(arr, ":"))
    finally:
        _x837_values._no_blank_modifier = saved
    assert got.to_pylist() == want.to_pylist()


def test_modifiers_of_plain_composites_take_the_short_way():
    parts = Parts(pa.array(["HC:99213", "HC:99213:25", "HC:93000:26:59", "HC:1:2:3:4:5"]), ":")
    assert _x837_values._no_blank_modifier(parts, ord(":"))
    assert _x837_values._modifiers(parts).to_pylist() == ["", "25", "26;59", "2;3;4;5"]
    assert not _x837_values._no_blank_modifier(Parts(pa.array(["HC:99213::25"]), ":"), ord(":"))
