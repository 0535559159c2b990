"""Fast paths of the generator and of its folder's writer, each against the general way it replaces.

Its one-key sorts give ``np.lexsort``'s order, ids of one width written digit
by digit are Arrow's padded text; the CSV text of dates, whole numbers,
categories and amounts looked up is the text formatted value by value; the
payer-policy lookup finds the lines the merge it replaces finds; and the
per-category searches and lookups give what pandas gives value by value.
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
            return draw(hnp.arrays(np.float64, n,
                                   elements=st.floats(-50, 50) | st.sampled_from([0.5, 3.0, np.nan, np.inf])))
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


# The CSV text of a block's columns: lookups against the general formatting they replace.

def _general_dates(days: np.ndarray) -> pa.Array:
    return pc.cast(pa.array(days, type=pa.date32(), from_pandas=True), pa.string())


@settings(max_examples=60, deadline=None)
@given(low=st.integers(min_value=-800_000, max_value=2_900_000), span=st.integers(min_value=0, max_value=4_000),
       missing=st.sampled_from([0.0, 0.01, 1.0]), seed=st.integers(0, 2**16))
def test_dates_looked_up_over_their_span_are_arrows_text(low, span, missing, seed):
    """Days spanning few values (any era, some or all missing) give the text Arrow writes for each."""
    import pandas as pd

    from recoup_lib.csvout import _LOOKUP_ROWS, _arrow_text

    rng = np.random.default_rng(seed)
    days = (low + rng.integers(0, span + 1, _LOOKUP_ROWS)).astype("datetime64[D]")
    days[rng.random(len(days)) < missing] = np.datetime64("NaT")
    column = pd.Series(days.astype("datetime64[us]"))
    assert _arrow_text(column).equals(_general_dates(days))


def test_dates_of_a_block_looked_up_and_formatted_alike():
    import pandas as pd

    from recoup_lib.csvout import _arrow_text, _spanned_text, _date_text

    rng = np.random.default_rng(5)
    days = np.datetime64("2025-01-01") + rng.integers(0, 365, 250_000)
    days[::997] = np.datetime64("NaT")
    assert _spanned_text(days.view(np.int64), np.isnat(days), _date_text) is not None
    assert _arrow_text(pd.Series(days.astype("datetime64[us]"))).equals(_general_dates(days))


@settings(max_examples=60, deadline=None)
@given(low=st.integers(min_value=-(2**62), max_value=2**62), span=st.integers(min_value=0, max_value=3_000),
       dtype=st.sampled_from(["int64", "int32", "int8"]), seed=st.integers(0, 2**16))
def test_whole_numbers_looked_up_over_their_span_are_arrows_text(low, span, dtype, seed):
    import pandas as pd

    from recoup_lib.csvout import _LOOKUP_ROWS, _arrow_text

    info = np.iinfo(dtype)
    low = max(int(info.min), min(low, int(info.max) - span))
    rng = np.random.default_rng(seed)
    numbers = (low + rng.integers(0, min(span, int(info.max) - low) + 1, _LOOKUP_ROWS)).astype(dtype)
    assert _arrow_text(pd.Series(numbers)).equals(pc.cast(pa.array(numbers), pa.string()))


def test_wide_or_short_columns_keep_the_general_path():
    from recoup_lib.csvout import _LOOKUP_ROWS, _date_text, _integer_text, _spanned_text

    wide = np.arange(_LOOKUP_ROWS, dtype=np.int64) * 7
    assert _spanned_text(wide, None, _integer_text) is None
    assert _spanned_text(np.ones(_LOOKUP_ROWS - 1, dtype=np.int64), None, _integer_text) is None
    gone = np.full(_LOOKUP_ROWS, True)
    assert _spanned_text(np.zeros(_LOOKUP_ROWS, dtype=np.int64), gone, _date_text) is None


@settings(max_examples=60, deadline=None)
@given(categories=st.lists(st.text(max_size=4), min_size=1, max_size=6, unique=True),
       codes=st.lists(st.integers(min_value=-1, max_value=5), max_size=40))
def test_categorical_text_is_each_values_text(categories, codes):
    """A categorical column's text: its categories' text taken by code, null where missing (the take
    with missing positions, against the take then the blanking it replaces)."""
    import pandas as pd

    from recoup_lib.csvout import _arrow_text

    codes = np.array([c if c < len(categories) else -1 for c in codes], dtype=np.int8)
    column = pd.Series(pd.Categorical.from_codes(codes, categories=categories))
    text = pa.array(np.asarray(categories, dtype=object).astype(str), type=pa.string())
    general = pc.if_else(pa.array(codes < 0), pa.scalar(None, pa.string()),
                         text.take(pa.array(np.where(codes < 0, 0, codes))))
    assert _arrow_text(column).equals(general)


@settings(max_examples=60, deadline=None)
@given(categories=st.lists(st.sampled_from(["=1+2", "'=x", "''@y", "-40.50", "+3", "-x", "@SUM(A1)", "\tz", "plain",
                                            "", "a,b", "'"]), min_size=1, max_size=6, unique=True),
       codes=st.lists(st.integers(min_value=-1, max_value=5), max_size=40))
def test_categorical_text_guarded_by_its_categories_is_each_values_guarded_text(categories, codes):
    """Categories guarded against formulas, then looked up: each value's text guarded, and the file the
    same as the one written from the column as plain text values."""
    import pandas as pd

    from recoup_lib.csvout import _arrow_text, csv_bytes
    from recoup_lib.formulas import guard_formulas

    codes = np.array([c if c < len(categories) else -1 for c in codes], dtype=np.int8)
    column = pd.Series(pd.Categorical.from_codes(codes, categories=categories))
    assert _arrow_text(column, guard=True).equals(guard_formulas(_arrow_text(column)))
    as_values = column.astype(object)
    for other in ([], [np.arange(len(codes))]):
        frame = pd.DataFrame(dict(zip(["code", "n"], [column, *other])))
        assert csv_bytes(frame) == csv_bytes(frame.assign(code=as_values))


@settings(max_examples=60, deadline=None)
@given(share=st.sampled_from([0.0, 0.0001, 0.05, 0.1, 0.3]),
       large=st.sampled_from([(10**5, 10**5), (10**5, 10**7), (-(10**12), 10**12), (-(2**63) + 1, 2**63 - 1)]),
       nulls=st.booleans(), seed=st.integers(0, 2**16))
def test_amounts_mostly_under_a_thousand_dollars_are_formatted_alike(share, large, nulls, seed):
    """Many amounts, a few (or many) of them $1,000 or more either way, some missing: the general text."""
    import pandas as pd

    from recoup_lib.money import _format_arrow, format_cents_arrow

    rng = np.random.default_rng(seed)
    cents = rng.integers(-99_999, 100_000, 60_000)
    big = rng.random(len(cents)) < share
    cents[big] = rng.integers(large[0], large[1], int(big.sum()), endpoint=True) * rng.choice([-1, 1], int(big.sum()))
    column = pd.Series(pd.array(cents, dtype="Int64"))
    if nulls:
        column[::101] = pd.NA
    assert format_cents_arrow(column).equals(_format_arrow(pa.array(column.array, type=pa.int64(), from_pandas=True)))


def test_charges_up_to_exactly_a_thousand_dollars_are_formatted_alike():
    import pandas as pd

    from recoup_lib.money import _format_arrow, format_cents_arrow

    cents = np.full(250_000, 15_000, dtype=np.int64)
    cents[::20_000] = 100_000
    cents[7] = -100_000
    made = format_cents_arrow(pd.Series(cents))
    assert made.equals(_format_arrow(pa.array(cents)))
    assert made[0].as_py() == "1000.00" and made[7].as_py() == "-1000.00" and made[1].as_py() == "150.00"


def test_text_columns_blank_for_missing_as_fillna():
    """Denial and documented codes: Arrow text, missing values blank, as ``fillna("")`` makes them."""
    import pandas as pd

    from recoup_lib.synthetic._write import _blank_for_missing

    values = pd.Series(["", "CO-96", None, np.nan, pd.NA, pd.NaT, "99213", "é,\"x", "CO-96"], dtype=object)
    made = _blank_for_missing(values)
    assert made.dtype == pd.StringDtype("pyarrow")
    assert made.tolist() == values.fillna("").tolist()
    mixed = pd.Series(["a", 3, None], dtype=object)
    assert _blank_for_missing(mixed).tolist() == mixed.fillna("").tolist()
    arrow = pd.Series(["", "CO-96", None, "é,\"x"], dtype="str")
    made = _blank_for_missing(arrow)
    assert made.dtype == pd.StringDtype("pyarrow")
    assert made.tolist() == arrow.fillna("").tolist()


@settings(max_examples=200, deadline=None)
@given(texts=st.lists(st.text(max_size=6), min_size=1, max_size=8), data=st.data())
def test_coded_text_is_each_codes_text(texts, data):
    """Denial and documented codes made from their numbers: the texts looked up, missing where negative."""
    import pandas as pd

    from recoup_lib.synthetic._values import _coded_text

    codes = data.draw(st.lists(st.integers(-1, len(texts) - 1), max_size=40))
    made = _coded_text(np.array(texts, dtype=object), codes)
    assert made.dtype == "str"
    assert [None if pd.isna(v) else v for v in made] == [texts[c] if c >= 0 else None for c in codes]


def test_payments_and_notes_hold_their_codes_as_arrow_text():
    """A practice's denial and documented codes are made as Arrow text, not converted when written."""
    from recoup_lib.synthetic import generate_practice

    practice = generate_practice(lines=2000, seed=3)
    assert practice.payments["denial_code"].dtype == "str"
    assert practice.documentation["documented_code"].dtype == "str"
    assert (practice.payments["denial_code"].fillna("") != "").any()
    assert (practice.documentation["documented_code"].fillna("") != "").any()


def _merged_policy_hits(rule_payer, rule_code, rule_effective, payer, code, service) -> np.ndarray:
    import pandas as pd

    rules = pd.DataFrame({"payer": rule_payer, "code": rule_code, "effective_date": rule_effective})
    joined = pd.DataFrame({"_i": np.arange(len(payer)), "payer": payer, "code": code,
                           "service_date": service}).merge(rules, on=["payer", "code"])
    return np.unique(joined.loc[joined["effective_date"] <= joined["service_date"], "_i"].to_numpy())


@settings(max_examples=200, deadline=None)
@given(rules=st.lists(st.tuples(st.integers(-1, 3), st.integers(-1, 4), st.integers(-5, 40) | st.none()), max_size=8),
       lines=st.lists(st.tuples(st.integers(-1, 3), st.integers(-1, 4), st.integers(-5, 40) | st.none()), max_size=60))
def test_policy_hits_are_the_merges(rules, lines):
    """Lines a payer policy denies: those the inner merge on payer and code keeps where the rule is in
    effect (unknown payers or codes, -1, match each other; missing dates never match)."""
    from recoup_lib.synthetic._payments import policy_hits

    def columns(rows):
        payer = np.array([r[0] for r in rows], dtype=np.int64)
        code = np.array([r[1] for r in rows], dtype=np.int64)
        days = np.array([np.datetime64("NaT") if r[2] is None else np.datetime64("2025-01-01") + r[2] for r in rows],
                        dtype="datetime64[D]").astype("datetime64[us]")
        return payer, code, days

    made = policy_hits(*columns(rules), *columns(lines))
    assert np.array_equal(made, _merged_policy_hits(*columns(rules), *columns(lines)))


@settings(max_examples=100, deadline=None)
@given(categories=st.lists(st.sampled_from(["", "25", "59", "76", "25;59", "91;LT", "LT;59", "LT;76", "X59", "a\\n76"]),
                           min_size=1, max_size=6, unique=True),
       codes=st.lists(st.integers(-1, 5), max_size=40), categorical=st.booleans(), complete=st.booleans())
def test_modifier_search_is_str_contains(categories, codes, categorical, complete):
    """A pattern searched once per category: the booleans ``str.contains`` gives (missing values too)."""
    import pandas as pd

    from recoup_lib.synthetic._inject_lines import _BYPASS
    from recoup_lib.synthetic._values import _contains

    codes = [c % len(categories) if complete else (c if c < len(categories) else -1) for c in codes]
    column = pd.Series(pd.Categorical.from_codes(codes, categories=categories))
    if not categorical:
        column = column.astype(object)
    for pattern in (_BYPASS, r"(?:^|;)(?:76|77|91)(?:;|$)"):
        general = column.astype(object).str.contains(pattern).to_numpy(dtype=bool)
        assert np.array_equal(_contains(column, pattern), general)


@st.composite
def _sort_keys(draw):
    """One to four keys of one length: small or huge integers, unsigned, dates at midnight or not, floats."""
    n = draw(st.integers(min_value=0, max_value=200))

    def key(kind):
        if kind == "small":
            return draw(hnp.arrays(np.int64, n, elements=st.integers(-3, 6)))
        if kind == "huge":
            return draw(hnp.arrays(np.int64, n, elements=st.integers(-(2**63), 2**63 - 1)))
        if kind == "uint64":
            return draw(hnp.arrays(np.uint64, n, elements=st.integers(0, 2**64 - 1)))
        if kind == "steps":
            return draw(hnp.arrays(np.int64, n, elements=st.integers(0, 9))) * 86_400_000_000 + 10**15
        if kind == "dates":
            days = draw(hnp.arrays(np.int64, n, elements=st.integers(0, 400)))
            dates = (np.datetime64("2025-01-01") + days).astype("datetime64[us]")
            if n and draw(st.booleans()):
                dates[0] = np.datetime64("NaT")
            return dates.view(np.int64) if draw(st.booleans()) else dates
        return draw(hnp.arrays(np.float64, n, elements=st.floats(-5, 5) | st.just(np.nan)))

    kinds = st.sampled_from(["small", "huge", "uint64", "steps", "dates", "float"])
    return tuple(key(draw(kinds)) for _ in range(draw(st.integers(min_value=1, max_value=4))))


@settings(max_examples=300, deadline=None)
@given(_sort_keys())
def test_lexsort_order_is_lexsorts(keys):
    from recoup_lib.synthetic._values import lexsort_order

    assert np.array_equal(lexsort_order(keys), np.lexsort(keys))


def test_lexsort_order_of_a_blocks_visits():
    from recoup_lib.synthetic._values import lexsort_order

    rng = np.random.default_rng(8)
    n = 120_000
    service = (np.datetime64("2025-01-01") + rng.integers(0, 365, n)).astype("datetime64[us]")
    submitted = service + rng.integers(1, 11, n).astype("timedelta64[D]")
    keys = (np.arange(n), rng.integers(1, 35_000, n), service.view(np.int64), submitted.view(np.int64))
    assert np.array_equal(lexsort_order(keys), np.lexsort(keys))


@settings(max_examples=300, deadline=None)
@given(st.sampled_from([np.uint8, np.uint16, np.int32, np.int64, np.uint64]).flatmap(
    lambda dtype: hnp.arrays(dtype, st.integers(0, 300), elements=st.integers(0, 3) | st.integers(
        0, min(2**16 + 1, int(np.iinfo(dtype).max))) | st.integers(0, int(np.iinfo(dtype).max)))))
def test_stable_argsort_is_numpys(key):
    from recoup_lib.synthetic._values import stable_argsort

    assert np.array_equal(stable_argsort(key), np.argsort(key, kind="stable"))


@settings(max_examples=200, deadline=None)
@given(days=st.lists(st.none() | st.integers(-1000, 1000) | st.integers(-(10**6), 10**6), max_size=60),
       rule=st.sampled_from([(24, "months"), (1, "months"), (90, "days"), (41, "day_number"), (10, "business_days")]))
def test_per_calendar_day_is_the_shift_of_each_date(days, rule):
    from recoup_lib.appeals import per_calendar_day, shift

    dates = np.array([np.datetime64("NaT") if d is None else np.datetime64("2025-01-31") + d for d in days],
                     dtype="datetime64[D]")
    expected = np.array([np.datetime64("NaT") if np.isnat(d) else shift(np.array([d]), *rule)[0] for d in dates],
                        dtype="datetime64[D]")
    got = per_calendar_day(dates, lambda calendar: shift(calendar, *rule))
    assert got.dtype == np.dtype("datetime64[D]")
    assert np.array_equal(got, expected, equal_nan=True)


@settings(max_examples=100, deadline=None)
@given(st.lists(st.lists(st.booleans(), min_size=12, max_size=12), max_size=8), st.integers(0, 3))
def test_places_by_visit_order_lines_by_visit_and_slot(billed, batch):
    from recoup_lib.synthetic._profile import places_by_visit

    visits = np.arange(12, dtype=np.int64) + batch * 10_000_000
    parts = [visits[np.array(row, dtype=bool)] for row in billed]
    encounter = np.concatenate(parts) if parts else np.zeros(0, dtype=np.int64)
    slot = np.repeat(np.arange(len(parts)), [len(part) for part in parts])
    order = np.empty(len(encounter), dtype=np.int64)
    order[places_by_visit(encounter, [len(part) for part in parts])] = np.arange(len(encounter))
    assert np.array_equal(order, np.lexsort((slot, encounter)))


@settings(max_examples=200, deadline=None)
@given(values=st.lists(st.sampled_from(["a", "b", "c", "zz", None, np.nan]), max_size=40),
       mapping=st.sampled_from([{"a": 0, "b": 1, "c": 2, "zz": 3}, {"a": 5, "b": 1}, {"a": "x", "b": "y", "zz": "w"},
                                {"a": 1.5, "c": 2}, {}]))
def test_mapped_is_series_map(values, mapping):
    """Each distinct value looked up once: the values ``Series.map`` gives (whole numbers as int64 when it
    gives int64, which sorts as the same order)."""
    import pandas as pd

    from recoup_lib.synthetic._values import _mapped

    made = _mapped(np.array(values, dtype=object), mapping)
    general = pd.Series(np.array(values, dtype=object), dtype=object).map(mapping).to_numpy()
    assert len(made) == len(general)
    assert (made.dtype == np.int64) == (general.dtype == np.int64) or not len(made)
    assert all((m is g) or (m == g) or (pd.isna(m) and pd.isna(g)) for m, g in zip(made.tolist(), general.tolist()))


@settings(max_examples=150, deadline=None)
@given(categories=st.lists(st.sampled_from(["MCR", "BCBS-GA", "AET", "99213", ""]), min_size=1, max_size=5,
                           unique=True),
       codes=st.lists(st.integers(-1, 4), max_size=40), rows=st.none() | st.lists(st.integers(0, 39), max_size=20),
       categorical=st.booleans())
def test_text_values_are_the_columns_objects(categories, codes, rows, categorical):
    """A column's values as Python objects (for some rows): those ``np.asarray(column, dtype=object)``
    gives, missing values NaN."""
    import pandas as pd

    from recoup_lib.synthetic._values import _text_values

    codes = [c if c < len(categories) else -1 for c in codes]
    column = pd.Series(pd.Categorical.from_codes(codes, categories=categories))
    if not categorical:
        column = column.astype(object)
    rows = None if rows is None else np.array([r for r in rows if r < len(codes)], dtype=np.int64)
    general = np.asarray(column, dtype=object)
    general = general if rows is None else general[rows]
    made = _text_values(column, rows)
    assert made.dtype == object and len(made) == len(general)
    assert all(m == g or (pd.isna(m) and pd.isna(g)) for m, g in zip(made.tolist(), general.tolist()))
