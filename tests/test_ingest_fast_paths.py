"""The import's shortcuts give what the general way gives (recoup_lib.ingest._values, ._tables, ._build).

Money already written as the contract writes it is kept rather than read and
written again; UTF-8 is checked by Arrow rather than by decoding the file;
dates are handed to the contract check already read. Each shortcut is
compared here with the general way on the values where they could differ.
"""

from __future__ import annotations

import csv
import re
from decimal import Decimal

import numpy as np
import pandas as pd
import pyarrow as pa
import pyarrow.compute as pc
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from recoup_lib.ingest import import_files
from recoup_lib.filekind import is_utf8 as _is_utf8
from recoup_lib.ingest._tables import decode_bytes
from recoup_lib.ingest import _build as B
from recoup_lib.ingest import _values as V
from recoup_lib.ingest._values import to_money
from recoup_lib.synthetic import generate_practice
from recoup_lib.synthetic._export import write_messy_export

MONEY = ["190.00", "0.50", "0.05", "0.00", "00.05", "012.00", "(0.00)", "($3.84)", "$1,234.50", "12,34.50",
         "999999999999.99", "1000000000000.00", "9999999999999.00", "-12.00", "12.5", "12.", ".5", "1e3",
         "5.00 CR", "5.00-", "(-5.00)", "+7.25", "USD 8.00", "", " ", "abc", "1.234", "12.500", "$ 4.00",
         "0.001", "123456789012.34", "0123456789012.34"]


def _reference(written: str) -> tuple[str, bool]:
    """What the contract spelling of an amount is, worked out with Decimal (the values above only)."""
    s = written.strip()
    if not s:
        return "", False
    negative = False
    s = re.sub(r"(?i)usd", "", s).strip()
    if s.startswith("(") and s.endswith(")"):
        negative, s = True, s[1:-1].strip()
    if s.upper().endswith("CR"):
        negative, s = True, s[:-2].strip()
    if s.endswith("-") and len(s) > 1:
        negative, s = True, s[:-1]
    s = re.sub(r"^([-+]?)\s*\$\s*", r"\1", s)
    if "," in s and not re.fullmatch(r"[-+]?\d{1,3}(,\d{3})+(\.\d*)?", s):
        return written.strip(), True
    s = s.replace(",", "").removeprefix("+")
    if not re.fullmatch(r"-?(\d{1,16}(\.\d*)?|\.\d+)", s) or (negative and s.startswith("-")):
        return written.strip(), True
    value = Decimal(s)
    if value != value.quantize(Decimal("0.01")) or abs(value) >= 10**12:
        return written.strip(), True
    value = -value if negative else value
    return (f"{value:.2f}" if value != 0 else "0.00"), False


def test_money_plain_or_not_reads_as_the_general_rule_and_alone_as_in_a_column():
    column, bad = to_money(MONEY)
    for i, written in enumerate(MONEY):
        assert (column[i].as_py(), bool(bad[i])) == _reference(written), written
        alone, alone_bad = to_money([written])
        assert (alone[0].as_py(), bool(alone_bad[0])) == (column[i].as_py(), bool(bad[i])), written


def test_a_column_of_plain_amounts_is_returned_as_written():
    values = pa.array(["190.00", "15.00", "0.50", "0.00", "999999999999.99"])
    out, bad = to_money(values)
    assert out.to_pylist() == values.to_pylist() and not bad.any()


@pytest.mark.parametrize("data", [b"plain ascii", b"caf\xc3\xa9", b"\xef\xbf\xbe", b"\xf0\x9f\x92\xb0 paid",
                                  b"\xed\xa0\x80", b"\xc0\xaf", b"\xf4\x90\x80\x80", b"\xe2\x82", b"Pe\xf1a",
                                  b"\x80", b"ok\xc3", b""])
def test_utf8_check_agrees_with_pythons_decoder(data):
    try:
        data.decode("utf-8")
        expected = True
    except UnicodeDecodeError:
        expected = False
    assert _is_utf8(data) is expected
    assert (decode_bytes(data)[1] == "utf-8") is expected


def test_rows_the_contract_check_sets_aside_show_the_exports_cells_as_written(tmp_path):
    """Dates are handed to the contract check already read; a row it sets aside still shows the
    export's own cells (the US dates as written), not the text the import made of them."""
    write_messy_export(generate_practice(lines=200, seed=3), tmp_path, payments_as="csv", claims837=False)
    charges = tmp_path / "charges.csv"
    lines = charges.read_bytes().split(b"\n")
    header = next(i for i, line in enumerate(lines) if re.search(rb"DOS|Date of Service", line))
    lines.insert(header + 3, lines[header + 2])          # the same claim line twice
    charges.write_bytes(b"\n".join(lines))
    result = import_files(charges)
    claim_lines = result.tables["claim_lines.csv"]
    assert str(claim_lines["service_date"].dtype).startswith("datetime64")
    aside = result.sources[0].aside
    repeated = aside[aside["_reason"].str.contains("a key not used by an earlier row")]
    assert len(repeated) == 1
    header_of = result.sources[0].columns
    for name in ("service_date", "submitted_date"):
        value = repeated[header_of[name]].iloc[0]
        names, cells = csv.reader([lines[header].decode("cp1252"), lines[header + 3].decode("cp1252")])
        assert isinstance(value, str) and value == cells[names.index(header_of[name])].strip(), (name, value)
        kept = claim_lines.loc[claim_lines["_row"] == int(repeated["_row"].iloc[0]) - 1, name]
        assert pd.Timestamp(value) == kept.iloc[0]


#: Every character Arrow's whitespace trim removes beyond ASCII, their neighbours in UTF-8 (the same
#: first bytes: é £ € ‰), ASCII blanks and letters.
_EDGE_CHARS = ("\u0085\u00a0\u1680\u2000\u2001\u200a\u2028\u2029\u202f\u205f\u3000"
               "\u00e9\u00a3\u00bf\u20ac\u2030\u1681\u3001\u00c0\u0100 \t\r\n\x0b\x0c\x7f\x1fab1,")


@settings(max_examples=300, deadline=None)
@given(st.lists(st.text(alphabet=_EDGE_CHARS, max_size=5), min_size=1, max_size=8))
def test_text_trims_exactly_what_arrows_whitespace_trim_would(values):
    """The look at a column's first and last bytes (visible, or beyond ASCII but not a space's first
    byte) never skips a trim Arrow would make; non-breaking spaces are blanks."""
    column = pa.array(values, pa.string())
    general = pc.utf8_trim_whitespace(pc.replace_substring(column, "\u00a0", " "))
    assert V.text(column).to_pylist() == general.to_pylist()
    for value in values:
        assert V.text(pa.array([value, "x\u00e9"])).to_pylist()[0] == general.to_pylist()[values.index(value)]


_LABELS = st.one_of(st.text(alphabet="totalTOTALsgrandSUB -:\u00e9\u212a1", max_size=12),
                    st.sampled_from(["TOTAL", "Grand Total", "Sub-total:", "totals", "Total Care Clinic", "subtotal",
                                     "C0000001", "Report Totals", "  total", "totally", "Pivotal", "Page-Total"]))


@settings(max_examples=200, deadline=None)
@given(st.lists(_LABELS, min_size=1, max_size=12), st.sampled_from([1, 2, 10_000]))
def test_total_rows_found_through_the_bytes_are_those_the_pattern_matches_in_every_value(values, limit):
    column = pa.array(values, pa.string())
    general = pc.match_substring_regex(column, B.TOTAL_PATTERN).to_pylist()
    from recoup_lib import totalrows

    original = totalrows._TOTAL_CANDIDATES
    try:
        totalrows._TOTAL_CANDIDATES = limit    # also on the whole column, once values holding "total" are many
        assert B.total_rows(column).tolist() == general
        assert B.total_rows(column.slice(1)).tolist() == general[1:]
        whole = pc.match_substring_regex(column, B.TOTAL_PATTERN + r"\W*$").to_pylist()
        beside_blank = np.arange(len(values)) % 2 == 1
        assert B.total_rows(column, whole_cell=beside_blank).tolist() == [
            w if b else g for g, w, b in zip(general, whole, beside_blank)]
    finally:
        totalrows._TOTAL_CANDIDATES = original


@settings(max_examples=200, deadline=None)
@given(st.lists(st.text(alphabet="abAB #\u212a\u0130k", max_size=4), min_size=1, max_size=10),
       st.sampled_from(["ab", "a #", "k", "", "i\u0307", "ab k"]))
def test_values_lowered_equal_to_a_header_whatever_their_length_and_alphabet(values, target):
    column = pa.array(values, pa.string())
    general = pc.equal(pc.utf8_lower(column), target).to_pylist()
    assert B.equal_lowered(column, target).tolist() == general
    assert B.equal_lowered(column.slice(1), target).tolist() == general[1:]


@settings(max_examples=200, deadline=None)
@given(st.lists(st.one_of(st.integers(-(2**61), 2**61), st.sampled_from([0, 2**60, 2**61, -(2**61), 3 * 2**59])),
                min_size=1, max_size=6), st.data())
def test_kept_amounts_under_the_file_total_as_their_sum_says(cents, data):
    import numpy as np

    cents = np.asarray(cents, dtype=np.int64)
    keep = np.asarray(data.draw(st.lists(st.booleans(), min_size=len(cents), max_size=len(cents))))
    blank = np.zeros(len(cents), dtype=bool)
    money = V.Money(pa.array([""] * len(cents)), None, blank, blank, cents, blank, blank)
    expected = np.abs(cents[keep].astype(np.float64)).sum() < B._TYPED_MONEY_TOTAL
    assert B._kept_total_below(money, keep) == expected
    index = np.arange(len(cents))[::-1]
    by_value = V.Money(money.text, None, blank, blank, cents[index], blank, blank, (money, index))
    assert B._kept_total_below(by_value, keep[index]) == expected


_CELLS = ["a", "bb", "12", "", '"q,x"', '"e""q"', 'x"y', '" "', '"m\nl"', '"m\r\nl"', '"\n"', '"a\n\nb"', '"\r"',
          "'=1+2", "caf\u00e9"]


@settings(max_examples=300, deadline=None)
@given(st.integers(1, 3), st.lists(st.lists(st.sampled_from(_CELLS), min_size=3, max_size=3), min_size=1, max_size=30),
       st.sampled_from(["\n", "\r\n"]), st.sampled_from([8, 16, 32, 64, 1 << 24]), st.booleans())
def test_rows_read_without_lexing_for_line_breaks_are_those_read_with_it(width, rows, eol, block, multiline):
    """Arrow is asked first to read without looking for line breaks inside quoted values (fast, but
    such a value may be cut where a block ends): whenever that reading is taken it is the reading
    with them looked for, and the file falls back to it (or to the exact reader) otherwise."""
    from recoup_lib.ingest import _tables as T

    cells = [row[:width] if multiline else [c for c in row[:width] if "\n" not in c and "\r" not in c]
             for row in rows]
    lines = ["h" + ",h".join(str(i) for i in range(1, width))] + [",".join(row) for row in cells
                                                                      if len(row) == width]
    data = eol.join(lines).encode() + eol.encode()
    headers = [f"h{i}" if i else "h" for i in range(width)]
    original_size, original_rows = T._BLOCK_SIZE, T._arrow_rows
    try:
        T._BLOCK_SIZE = block
        fast = T._csv_body(data, 1, headers, ",", "test.csv")
        T._arrow_rows = lambda *args, newlines_in_values, **options: original_rows(*args, newlines_in_values=True,
                                                                                    **options)
        general = T._csv_body(data, 1, headers, ",", "test.csv")
    finally:
        T._BLOCK_SIZE, T._arrow_rows = original_size, original_rows
    assert {h: v.to_pylist() for h, v in fast[0].items()} == {h: v.to_pylist() for h, v in general[0].items()}
    assert fast[1].tolist() == general[1].tolist() and fast[2] == general[2]


@pytest.mark.parametrize("block", [7, 8, 9, 12, 16, 1 << 24])
@pytest.mark.parametrize("eol", [b"\n", b"\r\n"])
def test_a_carriage_return_alone_in_a_quoted_value_is_never_where_a_block_is_cut(block, eol):
    """Found by the property above: read without the lexing pass, Arrow ended a block at the lone
    carriage return of ``"\r"`` and gave ``,q`` and ``x"`` for the values ``\r`` and ``q,x``, with
    as many rows as the file has line feeds."""
    from recoup_lib.ingest import _tables as T

    data = b"h,h1" + eol + b"a,b" + eol + b'"\r","q,x"' + eol
    original_size = T._BLOCK_SIZE
    try:
        T._BLOCK_SIZE = block
        columns, rows, set_aside = T._csv_body(data, 1, ["h", "h1"], ",", "test.csv")
    finally:
        T._BLOCK_SIZE = original_size
    assert {h: v.to_pylist() for h, v in columns.items()} == {"h": ["a", "\r"], "h1": ["b", "q,x"]}
    assert len(rows) == 2 and set_aside == []


@pytest.mark.parametrize("data, lone", [(b"", False), (b"a\nb\n", False), (b"a\r\nb\r\n", False), (b"a\rb\n", True),
                                        (b"a\r\nb\r", True), (b"\r", True), (b"\r\n\r\n\r\r\n", True)])
def test_lone_carriage_returns_are_found(data, lone):
    from recoup_lib.ingest import _tables as T

    assert T._has_lone_carriage_return(data, len(data)) is lone


def test_line_feeds_are_counted_as_python_counts_them():
    from recoup_lib.ingest._tables import _count_byte

    data = (b"a,b\n" * 3_000_000) + b"\n\r\nx"
    assert _count_byte(data, 10, len(data)) == data.count(b"\n")
    assert _count_byte(data, 10, 5) == data.count(b"\n", 0, 5) and _count_byte(b"", 10, 0) == 0


def test_a_column_saying_line_number_on_each_row_is_what_pandas_makes_of_the_text():
    from recoup_lib.ingest._placing import by_line_number

    for n in (0, 1, 3):
        made = by_line_number(n)
        expected = pd.array(["line number"] * n, dtype=pd.StringDtype("pyarrow"))
        assert made.dtype == expected.dtype and made.tolist() == expected.tolist()


def test_dates_and_cents_already_read_go_into_the_frame_without_a_copy():
    """text_frame once inserted each typed column into the frame of text, which copied it."""
    dates = np.array(["2025-01-01", "NaT", "2025-01-03"], dtype="datetime64[us]")
    cents = pd.array([100, None, 250], dtype="Int64")
    frame = B.text_frame({"claim_id": pa.array(["C1", "C2", "C3"]), "service_date": dates, "paid_cents": cents})
    assert list(frame.columns) == ["claim_id", "service_date", "paid_cents"]
    assert frame["claim_id"].dtype == pd.StringDtype("pyarrow") and frame["paid_cents"].dtype == "Int64"
    assert np.shares_memory(frame["service_date"].to_numpy(), dates)
    assert np.shares_memory(frame["paid_cents"].array._data, cents._data)
    kept = B.text_frame({"claim_id": pa.array(["C1", "C2", "C3"]), "service_date": dates},
                        np.array([False, True, True]))
    assert kept["claim_id"].tolist() == ["C2", "C3"] and kept["service_date"].isna().tolist() == [True, False]


def test_rendering_npis_are_judged_once_per_distinct_value_with_the_same_notes(monkeypatch):
    values = pa.array(["1234567893", "1234567890", "WELBY, MARCUS", ""] * 10_000 + ["1234567890"])
    alive = np.ones(len(values), dtype=bool)
    alive[-1] = False
    looked_at = []

    def shapes(given):
        looked_at.append(len(given))
        return npi_shapes(given)

    from recoup_lib.schema import npi_shapes
    monkeypatch.setattr(B, "npi_shapes", shapes)
    notes = B._npi_notes(values, alive, "NPI")
    assert looked_at == [4]
    assert notes == [
        "rendering_npi: 10,000 values of 'NPI' are not NPIs (10 digits): e.g. 'WELBY, MARCUS'; they are used as "
        "the provider's name-as-identifier",
        "rendering_npi: 10,000 values of 'NPI' have 10 digits but fail the NPI check digit (Luhn, prefix 80840): "
        "e.g. '1234567890'; they are kept as the provider's identity; check them against the NPI registry (NPPES)"]


_CODE_CELLS = ["e119", "'E11.9", "E119, I10", "E11.9;E119", "", " z0000 ", "250.00", "I10/I10", "'e119;'i10", "25 59",
               "S72001A|E119", "rt"]


@pytest.mark.parametrize("width", [1, 2])
@pytest.mark.parametrize("name", ["diagnosis_codes", "modifiers"])
def test_list_fields_read_on_their_distinct_values_once_as_each_step_reads_the_rows(width, name, monkeypatch):
    """A list field went through join_lists, as_code, dotted_diagnoses and each_code_once, and join_lists,
    dotted_diagnoses and each_code_once each encoded the rows they were given; one column's rows are now
    encoded once for all four steps (several columns: once more than each column for its separators)."""
    import random

    from recoup_lib.ingest._diagnoses import dotted_diagnoses, each_code_once

    rng = random.Random(width)
    columns = [pa.array([rng.choice(_CODE_CELLS) for _ in range(25_000)]) for _ in range(width)]
    general = V.as_code(V.join_lists(columns), True, listed=True)
    if name == "diagnosis_codes":
        general = each_code_once(dotted_diagnoses(general))
    encoded = []
    from recoup_lib.ingest import _distinct

    original = _distinct.distinct_values
    monkeypatch.setattr(_distinct, "distinct_values", lambda arr: encoded.append(len(arr)) or original(arr))
    assert B._code_lists(columns, name).to_pylist() == general.to_pylist()
    assert sum(n >= 20_000 for n in encoded) == (1 if width == 1 else width + 1)   # several: each for its separators


def test_text_of_visible_ascii_alone_is_not_looked_at_value_by_value(monkeypatch):
    """A column whose bytes are all visible ASCII has no blank to trim: each value's first and last
    bytes were looked at all the same; two reductions of the column's bytes now answer."""
    looked_at = []
    original = V._edges_plain
    monkeypatch.setattr(V, "_edges_plain", lambda arr: looked_at.append(len(arr)) or original(arr))
    assert V.text(pa.array(["C1", "99213", "", "$1,234.50"])).to_pylist() == ["C1", "99213", "", "$1,234.50"]
    assert looked_at == []
    names = ["Torres, Gregory", "Pe\u00f1a"]
    assert V.text(pa.array([" C1", *names])).to_pylist() == ["C1", *names]
    assert looked_at == [3]


def test_a_file_without_an_equals_sign_is_not_searched_for_text_written_as_formulas(monkeypatch):
    """Each column's values were looked at for a ``="0001"``; a file holding no ``=`` cannot hold one."""
    from recoup_lib.ingest import _tables as T

    asked = []
    original = T.unwrap_text_formulas
    monkeypatch.setattr(T, "unwrap_text_formulas", lambda values: asked.append(len(values)) or original(values))
    plain, _, _ = T._csv_body(b"Claim,Code\nC1,99213\nC2,0001U\n", 1, ["Claim", "Code"], ",", "plain.csv")
    assert plain["Code"].to_pylist() == ["99213", "0001U"] and asked == []
    wrapped, _, _ = T._csv_body(b'Claim,Code\nC1,"=""0001U"""\n', 1, ["Claim", "Code"], ",", "wrapped.csv")
    assert wrapped["Code"].to_pylist() == ["0001U"] and asked == [1, 1]


def test_a_column_read_in_one_block_is_taken_as_it_is_not_copied():
    from recoup_lib.arrowtext import one_array
    from recoup_lib.ingest import _tables as T

    table = T._arrow_rows(b"Claim,Code\nC1,99213\nC2,0001U\n", 1, ["Claim", "Code"], ",", pa.string(),
                          newlines_in_values=False)
    column = table.column("Code")
    assert column.num_chunks == 1
    assert one_array(column).buffers()[2].address == column.chunk(0).buffers()[2].address
    assert one_array(pa.chunked_array([pa.array(["a"]), pa.array(["b", ""])])).to_pylist() == ["a", "b", ""]


@pytest.mark.parametrize("text, bom, checked", [("Claim #,Patient Acct\nC1,Pe\u00f1a\n", False, False),
                                                ("Claim #,Patient Acct\nC1,Pe\u00f1a\n", True, False),
                                                ("Claim #,Patient Acct\nC1,P1\n", False, False)])
def test_arrow_checks_the_cells_as_utf8_only_where_decoding_the_file_did_not(tmp_path, monkeypatch, text, bom,
                                                                             checked):
    """The bytes of a UTF-8 file were checked whole before Arrow checked each cell again; those after a
    byte order mark are checked whole too (text in another encoding may follow the mark)."""
    import codecs

    from recoup_lib.ingest import _tables as T
    from recoup_lib.ingest._header_score import header_score

    asked = []
    original = T._arrow_rows
    monkeypatch.setattr(T, "_arrow_rows", lambda *args, **kw: asked.append(kw["check_utf8"]) or original(*args, **kw))
    path = tmp_path / "claims.csv"
    path.write_bytes((codecs.BOM_UTF8 if bom else b"") + text.encode())
    raw = T.read_export(path, header_score("claims", {}, {}))
    assert raw.columns["Patient Acct"].to_pylist() == [text.split(",")[-1].strip()]
    assert asked == [checked]


def test_whole_numbers_held_as_wide_arrow_text_are_read_without_a_narrow_copy(monkeypatch):
    """The contract check cast each column of line numbers to narrow text (``string``) before reading
    it; Arrow reads the digits of pandas' wide text (``large_string``) as they are."""
    from recoup_lib.schema import _parse as P

    narrowed = []
    original = P._arrow_text
    monkeypatch.setattr(P, "_arrow_text", lambda text: narrowed.append(len(text)) or original(text))
    numbers, ok = P.parse_ints(pa.chunked_array([pa.array(["1", "12", "3"], pa.large_string())]))
    assert numbers.tolist() == [1, 12, 3] and ok.tolist() == [True, True, True] and narrowed == []
    numbers, ok = P.parse_ints(pa.chunked_array([pa.array(["3.0", "+2", "x", None], pa.large_string())]))
    assert numbers.tolist()[:2] == [3, 2] and ok.tolist() == [True, True, False, False] and narrowed == [4]


def test_ids_with_no_leading_zero_are_not_read_as_digits(monkeypatch):
    """Every id column was read as digits or not (``utf8_is_decimal``) to find ids written with and
    without leading zeros; a look at each id's first byte now rules most columns out."""
    from recoup_lib.schema import leading_zero_twins

    asked = []
    original = B.pc.utf8_is_decimal
    monkeypatch.setattr(B.pc, "utf8_is_decimal", lambda values: asked.append(len(values)) or original(values))
    assert leading_zero_twins(pa.array(["C0000001", "123", "P0001"])) == (0, None)
    assert asked == []
    assert leading_zero_twins(pa.array(["00123", "123", "C1"])) == (1, ("00123", "123"))
    assert asked == [3]


def test_amounts_read_on_their_distinct_values_give_each_row_only_what_the_import_reads():
    """Each row took all five of its distinct value's readings; the marks (plain, negative) are read
    by money_text alone, from the distinct values, so the rows no longer take them."""
    written = ["$190.00", "(12.00)", "", "-5.00", "1,234.50", "12.00 CR", "abc"] * 5_000
    money = V.read_money(pa.array(written))
    general = V.read_money(pa.array(written[:7]))
    assert money.each is not None and money.plain is None and money.negative is None
    for name in ("cents", "blank", "bad"):
        assert getattr(money, name).tolist() == getattr(general, name).tolist() * 5_000, name
    assert V.money_text(money).to_pylist() == V.money_text(general).to_pylist() * 5_000
