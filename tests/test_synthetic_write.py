"""Fast paths of the generated folder's writer, each against the general way it replaces.

Its one-key sort of rows by claim and line gives ``np.lexsort``'s order, and
ids of one width written digit by digit are Arrow's padded text.
"""

import numpy as np
from hypothesis import given, settings
from hypothesis import strategies as st
from hypothesis.extra import numpy as hnp

import pyarrow as pa
import pyarrow.compute as pc

from recoup_lib.synthetic._values import text_id_array
from recoup_lib.synthetic._write import claim_line_order

_SIZES = st.integers(min_value=0, max_value=300)


@st.composite
def _keys(draw):
    """Claim and line numbers: small or huge integers, whole floats, floats with fractions or NaN."""
    n = draw(_SIZES)
    ints = st.sampled_from([(0, 40), (-5, 5), (0, 2**40), (-(2**62), 2**62), (0, 2**63 - 1)])
    kinds = st.sampled_from(["int64", "uint8", "uint64", "float64", "whole float"])

    def column(kind, bounds):
        low, high = bounds
        if kind == "uint8":
            return draw(hnp.arrays(np.uint8, n))
        if kind == "uint64":
            return draw(hnp.arrays(np.uint64, n, elements=st.integers(0, 2**64 - 1)))
        if kind == "float64":
            return draw(hnp.arrays(np.float64, n, elements=st.floats(-50, 50) | st.sampled_from([0.5, 3.0, np.nan, np.inf])))
        values = draw(hnp.arrays(np.int64, n, elements=st.integers(low, high)))
        return values.astype(np.float64) if kind == "whole float" else values

    return column(draw(kinds), draw(ints)), column(draw(kinds), draw(ints))


@settings(max_examples=300, deadline=None)
@given(_keys())
def test_claim_line_order_is_lexsorts_order(keys):
    claim, line_no = keys
    assert np.array_equal(claim_line_order(claim, line_no), np.lexsort((line_no, claim)))


def test_claim_line_order_of_a_block_like_table():
    rng = np.random.default_rng(3)
    claim = np.repeat(np.arange(1, 20_001), rng.integers(1, 6, 20_000))
    line_no = np.concatenate([np.arange(1, k + 1) for k in np.bincount(claim)[1:]])
    moved = rng.choice(len(claim), 500, replace=False)
    claim[moved] = rng.integers(1, 20_001, 500)
    assert np.array_equal(claim_line_order(claim, line_no), np.lexsort((line_no, claim)))
    assert np.array_equal(claim_line_order(claim, line_no.astype(float)), np.lexsort((line_no, claim)))


def _padded(prefix: str, numbers, width: int) -> pa.Array:
    digits = pc.utf8_lpad(pc.cast(pa.array(np.asarray(numbers, dtype=np.int64)), pa.string()), width, "0")
    return pc.binary_join_element_wise(prefix, digits, "")


@settings(max_examples=300, deadline=None)
@given(prefix=st.sampled_from(["", "C", "PMT", "P-", "é"]), width=st.integers(min_value=1, max_value=19),
       numbers=st.lists(st.integers(min_value=-(10**3), max_value=10**19) | st.integers(min_value=0, max_value=10**6),
                        max_size=60))
def test_text_ids_are_arrows_padded_text(prefix, width, numbers):
    numbers = [n for n in numbers if -(2**63) <= n < 2**63]
    made = text_id_array(prefix, numbers, width)
    assert made.type == pa.string()
    assert made.to_pylist() == _padded(prefix, numbers, width).to_pylist()


def test_text_ids_of_a_block_of_payments():
    numbers = np.arange(1_000_001, 1_258_070)
    assert text_id_array("PMT", numbers, 8).equals(_padded("PMT", numbers, 8))


def test_block_workers_allocate_from_the_c_heap_where_glibc_allows():
    """The generator's worker processes keep freed memory (:func:`_blocks.keep_freed_memory`); this
    process keeps its own pool."""
    import ctypes

    import pytest

    from recoup_lib.synthetic import _blocks

    if not hasattr(ctypes.CDLL(None), "mallopt"):
        pytest.skip("no glibc mallopt here")
    before = pa.default_memory_pool().backend_name
    pool = _blocks._worker_pool(1)
    try:
        assert pool.submit(eval, "__import__('pyarrow').default_memory_pool().backend_name").result() == "system"
    finally:
        pool.shutdown()
    assert pa.default_memory_pool().backend_name == before
