"""Claim ids of one short width joined as integers: the same answers as hashing their text."""

import numpy as np
import pandas as pd
import pyarrow as pa
import pytest
from hypothesis import given
from hypothesis import strategies as st

import recoup_lib.schema._keys as keys_module
from recoup_lib.folder import line_exists
from recoup_lib.rules._context import build_context
from recoup_lib.schema import packed_ids, packed_positions, packed_ranks


def _arrow_text(values, pieces: int = 1) -> pd.Series:
    """Values as the reader gives text: Arrow-backed, in ``pieces`` chunks."""
    arr = pa.array(values, type=pa.large_string())
    cuts = sorted({0, len(values), *(len(values) * i // pieces for i in range(pieces))})
    chunked = pa.chunked_array([arr.slice(a, b - a) for a, b in zip(cuts, cuts[1:])], type=arr.type)
    return pd.Series(pd.arrays.ArrowStringArray(chunked))


def test_packed_ids_keep_equality_and_byte_order_and_decline_what_does_not_pack():
    ids = ["C0000002", "C0000001", "C0000002", "D0000000"]
    packed, width = packed_ids(_arrow_text(ids, pieces=2))
    assert width == 8
    assert (packed[0] == packed[2]) and len(set(packed.tolist())) == 3
    assert np.argsort(packed, kind="stable").tolist() == sorted(range(4), key=lambda i: (ids[i], i))
    assert packed_ids(_arrow_text(["é1", "e12"]))[1] == 3  # width in bytes: "é" is two
    for declined in (["C1", "C22"], ["123456789"], ["", ""], ["A1", None]):
        assert packed_ids(pd.Series(declined, dtype="str")) is None, declined
    assert packed_ids(_arrow_text(["AB", "CD"]), width=3) is None
    assert packed_ids(pd.Series(["AB"], dtype=object)) is None


@given(st.lists(st.text(alphabet="AZ09é-", min_size=3, max_size=3), max_size=30),
       st.lists(st.text(alphabet="AZ09é-", min_size=2, max_size=4), max_size=30), st.integers(1, 3))
def test_packed_ranks_and_positions_agree_with_sorted_text(known, wanted, pieces):
    packed = packed_ids(_arrow_text(known, pieces))
    if packed is None:  # "é" makes some ids wider in bytes
        assert len({len(k.encode()) for k in known}) > 1
        return
    distinct, codes, heads = packed_ranks(packed[0])
    by_text = sorted(set(known), key=lambda k: k.encode())
    assert [by_text[c] for c in codes] == known
    assert [known[h] for h in heads] == by_text
    found = packed_positions(_arrow_text(wanted), distinct, packed[1])
    if found is not None:
        assert found.tolist() == [by_text.index(w) if w in by_text else -1 for w in wanted]
    else:
        assert len({len(w.encode()) for w in wanted} | {packed[1]}) > 1


@given(st.lists(st.text(alphabet="AZ09", min_size=3, max_size=3), min_size=1, max_size=12),
       st.lists(st.tuples(st.text(alphabet="AZ09", min_size=3, max_size=3), st.integers(1, 5)), max_size=12),
       st.integers(1, 3))
def test_positions_of_runs_of_one_id_are_those_of_each_row(known, runs, pieces):
    # Rows of one claim come together (a claim's lines, notes, payments): each run is searched once.
    wanted = [w for w, count in runs for _ in range(count)]
    packed = packed_ids(_arrow_text(known))
    distinct = packed_ranks(packed[0])[0]
    by_text = sorted(set(known))
    found = packed_positions(_arrow_text(wanted, pieces), distinct, packed[1])
    assert found.dtype == np.int64
    assert found.tolist() == [by_text.index(w) if w in by_text else -1 for w in wanted]


def _lines(claims, line_no):
    n = len(claims)
    return pd.DataFrame({
        "claim_id": _arrow_text(claims, pieces=2), "line_no": np.asarray(line_no, dtype=np.int64),
        "patient_id": _arrow_text(["P1"] * n), "payer_id": _arrow_text(["MCR"] * n),
        "rendering_npi": _arrow_text(["1234567893"] * n), "procedure_code": _arrow_text(["99213"] * n),
        "modifiers": _arrow_text([""] * n), "service_date": pd.to_datetime(["2025-01-05"] * n),
        "units": np.ones(n, dtype=np.int64)})


@pytest.mark.parametrize("claims", [
    ["C03", "C01", "C01", "C02"],          # out of order, a claim with two lines
    ["C01", "C01", "C02", "C03"],          # a sorted export
    ["C01", "C0002", "C3", "C3"],          # mixed widths: the text path
])
def test_context_keys_and_joins_are_the_same_with_packed_and_hashed_claim_ids(monkeypatch, claims):
    lines = _lines(claims, [1, 1, 2, 1])
    payments = pd.DataFrame({"claim_id": _arrow_text(["C01", "C03", "C09", "C01", claims[2]]),
                             "line_no": np.array([2, 1, 1, 2, 2], dtype=np.int64),
                             "paid_cents": np.array([100, 200, 300, 400, 500], dtype=np.int64),
                             "allowed_cents": np.array([1, 2, 3, 4, 5], dtype=np.int64)})
    notes = _arrow_text(["C02", "C01", "X", "C03", "C0002"])

    taken = []

    def run():
        ctx = build_context(lines, payments, workers=2)
        taken.append(ctx.keys.get("claim_packed") is not None)
        return (ctx.keys["claim"].to_pylist(), ctx.lines["_claim"].tolist(), ctx.lines["paid_cents"].tolist(),
                ctx.payments["_line"].tolist(), ctx.key("claim", notes).tolist(),
                ctx.line_positions(notes, [1, 1, 1, 1, 1]).tolist(), line_exists(lines, payments).tolist())

    packed = run()
    with monkeypatch.context() as patch:
        patch.setattr(keys_module, "packed_ids", lambda *args, **kw: None)
        hashed = run()
    assert packed == hashed
    assert taken == [len({len(c) for c in claims}) == 1, False]
    assert packed[0] == sorted(set(claims))


@pytest.mark.parametrize(("claims", "line_no"), [
    (["C1", "C1", "C2"], [1, 2, 1]), (["C1", "C1", "C2"], [1, 1, 1]), (["C2", "C1"], [1, 1]),
    (["C1", "C10", "C2"], [1, 1, 1]), (["é1", "é2", "éa"], [1, 1, 1]), (["B", "a", "b"], [1, 1, 1]),
    (["C1", "C02", "C3"], [1, 1, 1]),
])
def test_the_sorted_key_check_answers_the_same_on_packed_ids(monkeypatch, claims, line_no):
    import recoup_lib.schema._parse as parse

    columns = [pd.array(claims, dtype=pd.StringDtype("pyarrow")), np.asarray(line_no, dtype=np.int64)]
    packed = parse._strictly_increasing(columns)
    monkeypatch.setattr(parse, "packed_ids", lambda *args, **kw: None)
    assert packed == parse._strictly_increasing(columns)
    assert packed == (sorted(zip([c.encode() for c in claims], line_no)) == list(zip([c.encode() for c in claims],
                                                                                  line_no))
                      and len(set(zip(claims, line_no))) == len(claims))
