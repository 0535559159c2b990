"""Money: parsing to cents, formatting, the half-up rule, exact allocation."""

from decimal import ROUND_HALF_UP, Decimal

import numpy as np
import pandas as pd
import pytest
from hypothesis import given
from hypothesis import strategies as st

from recoup_lib.money import (MAX_CENTS, allocate, apply_rate, div_half_up, dollars, format_cents,
                              format_cents_scalar, parse_cents, parse_cents_scalar, prorate, times_units,
                              whole_floats)


@pytest.mark.parametrize(("text", "cents"), [
    ("125.00", 12500), ("125", 12500), ("-40.5", -4050), ("$1,204.10", 120410), ("-$3", -300),
    ("$-3.10", -310), (" 7.05 ", 705), ("1,234,567.89", 123456789), ("+2.5", 250), ("0.01", 1),
])
def test_parse_cents_accepts_contract_forms(text, cents):
    assert parse_cents_scalar(text) == cents


@pytest.mark.parametrize("text", ["12.505", "two", "1,23", "1,2345.00", "+-3", "$", "12.3.4", "1e3", "--1"])
def test_parse_cents_rejects_bad_amounts(text):
    cents, invalid = parse_cents([text])
    assert invalid.tolist() == [True]
    assert pd.isna(cents.iloc[0])
    with pytest.raises(ValueError, match="at most two decimals"):
        parse_cents_scalar(text)


def test_parse_cents_blank_is_missing_not_invalid():
    cents, invalid = parse_cents(["", "  ", None])
    assert invalid.tolist() == [False, False, False]
    assert cents.isna().all()


@given(st.lists(st.integers(min_value=-10**13, max_value=10**13), min_size=1, max_size=50))
def test_format_then_parse_round_trips_exactly(values):
    text = format_cents(pd.Series(values, dtype="int64"))
    back, invalid = parse_cents(text)
    assert not invalid.any()
    assert back.tolist() == values


def test_amounts_under_a_thousand_dollars_are_looked_up_as_the_general_path_writes_them():
    """The ready-made texts of every amount under $1,000 either way are those the general formatting gives."""
    import numpy as np
    import pyarrow as pa

    from recoup_lib.money import _SMALL, _format_arrow, _small_amounts

    table = _small_amounts()
    assert table.equals(_format_arrow(pa.array(np.arange(-_SMALL + 1, _SMALL, dtype=np.int64))))
    assert table[0].as_py() == "-999.99" and table[_SMALL - 1].as_py() == "0.00" and table[-1].as_py() == "999.99"


def test_format_cents_examples():
    assert format_cents(pd.Series([-4050, 5, 0, 123456])).tolist() == ["-40.50", "0.05", "0.00", "1234.56"]
    assert format_cents_scalar(-5) == "-0.05"
    assert dollars(-123456) == "-$1,234.56"


@given(st.integers(min_value=-10**12, max_value=10**12), st.integers(min_value=1, max_value=10**6))
def test_div_half_up_matches_decimal(numerator, denominator):
    expected = int((Decimal(numerator) / Decimal(denominator)).quantize(Decimal(1), rounding=ROUND_HALF_UP))
    assert div_half_up(numerator, denominator) == expected


def test_div_half_up_vectorised_on_series():
    out = div_half_up(pd.Series([101, 300, -5]), np.array([2, 2, 2]))
    assert out.tolist() == [51, 150, -3]


@given(st.integers(min_value=-10**9, max_value=10**9),
       st.lists(st.integers(min_value=0, max_value=1000), min_size=1, max_size=20).filter(lambda w: sum(w) > 0))
def test_allocate_parts_sum_exactly(total, weights):
    parts = allocate(total, weights)
    assert int(parts.sum()) == total
    assert all((p == 0) for p, w in zip(parts, weights) if w == 0)


def test_apply_rate_half_up():
    assert apply_rate(1_000_000, "0.105") == 105_000
    assert apply_rate(5, "0.5") == 3


@given(st.lists(st.integers(min_value=-MAX_CENTS, max_value=MAX_CENTS), min_size=1, max_size=50))
def test_parse_cents_plain_amounts_fast_path_gives_exact_cents(values):
    texts = [f"{'-' if v < 0 else ''}{abs(v) // 100}.{abs(v) % 100:02d}" for v in values]
    cents, invalid = parse_cents(texts)
    assert cents.tolist() == values and not invalid.any()


@pytest.mark.parametrize("texts", [["1000000000000.00"], ["-1000000000000.00", "1.00"],
                                   ["$1,000,000,000,000", ""], ["99999999999999999999.99"],
                                   ["92233720368547758.07", "12.00"], ["9" * 40]])
def test_parse_cents_sets_aside_a_trillion_dollars_or_more(texts):
    cents, invalid = parse_cents(texts)
    assert bool(invalid.iloc[0]) and pd.isna(cents.iloc[0])
    assert parse_cents(["999999999999.99"])[0].tolist() == [99_999_999_999_999]


@given(st.integers(min_value=-10**12, max_value=10**12), st.integers(min_value=0, max_value=10**9))
def test_times_units_is_exact_or_saturates_with_its_sign(cents, units):
    exact = cents * units
    got = int(times_units([cents], [units])[0])
    assert got == exact if abs(exact) <= 2**61 else got == (2**61 if exact > 0 else -2**61)
    # Whole numbers in NumPy arrays take a shorter way to the same product.
    assert int(times_units(np.array([cents]), np.array([units], dtype=np.int32))[0]) == got


@given(st.integers(min_value=-MAX_CENTS, max_value=MAX_CENTS), st.integers(min_value=1, max_value=10**12),
       st.integers(min_value=0, max_value=10**12))
def test_prorate_is_exact_half_up_for_large_amounts(cents, whole, part):
    part = min(part, whole)
    got = int(prorate([cents], [part], [whole])[0])
    expected = (Decimal(cents) * part / whole).quantize(Decimal(1), rounding=ROUND_HALF_UP)
    assert got == int(expected)


@given(st.lists(st.text(alphabet="0123456789.-+$, ", min_size=1, max_size=9), min_size=1, max_size=30))
def test_parse_cents_fast_path_agrees_with_the_general_parser(texts):
    # A blank value makes parse_cents take its general (regex) path for the whole column.
    fast_cents, fast_invalid = parse_cents(texts)
    slow_cents, slow_invalid = parse_cents(texts + [""])
    assert fast_cents.tolist() == slow_cents.tolist()[:-1]
    assert fast_invalid.tolist() == slow_invalid.tolist()[:-1]


def _general_path(values, monkeypatch):
    """parse_cents_arrays with its fast path switched off (the regex parser alone)."""
    import recoup_lib.money as money

    with monkeypatch.context() as patch:
        patch.setattr(money, "plain_cents", lambda arr: None)
        return money.parse_cents_arrays(values)


_PLAIN = st.integers(min_value=-MAX_CENTS, max_value=MAX_CENTS).map(
    lambda v: f"{'-' if v < 0 else ''}{abs(v) // 100}.{abs(v) % 100:02d}")
_ODD = st.sampled_from(["", " 1.00", "1.00 ", "+1.00", "1.0", "1.", ".50", "-.50", "$1.00", "1,000.00", "1e2",
                        "--1.00", "1-.00", "١.٠٠", "1.00\u00a0", "12.345", "1000000000000.00", "-", "é.00",
                        "00000000000012.30", "-0.00", "123456789012.34"])


@given(st.lists(st.one_of(_PLAIN, _ODD), max_size=40), st.integers(min_value=1, max_value=4),
       st.sampled_from(["string", "large_string"]))
def test_plain_cents_from_arrow_buffers_agrees_with_the_general_parser(texts, pieces, kind):
    # Chunked, sliced Arrow text of both offset widths, as the CSV reader gives it: the byte-level
    # fast path either declines (None) or gives exactly what the regex parser gives.
    import pyarrow as pa
    from _pytest.monkeypatch import MonkeyPatch

    from recoup_lib.money import parse_cents_arrays, plain_cents

    whole = pa.array(texts, type=getattr(pa, kind)())
    cuts = sorted({0, len(texts), *(len(texts) * i // pieces for i in range(pieces))})
    arr = pa.chunked_array([whole.slice(a, b - a) for a, b in zip(cuts, cuts[1:])], type=whole.type)
    with MonkeyPatch.context() as patch:
        expected = _general_path(texts, patch)
    got = parse_cents_arrays(arr)
    assert all(np.array_equal(g, e) for g, e in zip(got, expected))
    plain = plain_cents(arr)
    if plain is not None:
        assert np.array_equal(plain[0], expected[0]) and np.array_equal(plain[1], expected[1])
        assert not expected[2].any()


def test_plain_cents_reads_long_amounts_and_declines_every_other_form():
    import pyarrow as pa

    from recoup_lib.money import plain_cents

    cents, blank = plain_cents(pa.chunked_array([["125.00", "", "-40.50"], ["999999999999.99", "-12345678.90",
                                                                          "0.00", "-0.01"]]))
    assert cents.tolist() == [12500, 0, -4050, MAX_CENTS, -1234567890, 0, -1]
    assert blank.tolist() == [False, True, False, False, False, False, False]
    for odd in ["1000000000000.00", "+1.00", "1.0", " 1.00", "$1.00", "-.00", "1,000.00", "1.-0", "--1.00", "٣.00"]:
        assert plain_cents(pa.array(["1.00", odd])) is None, odd
    assert plain_cents(pa.array(["1.00", None])) is None


@given(st.lists(st.floats(allow_nan=True, allow_infinity=True), max_size=30))
def test_whole_floats_are_exactly_the_floats_an_int64_keeps(values):
    numbers = np.array(values, dtype=np.float64)
    kept = [v == v and abs(v) < 2**53 and float(int(v)) == v if v not in (float("inf"), -float("inf")) else False
            for v in values]
    assert whole_floats(numbers).tolist() == kept
