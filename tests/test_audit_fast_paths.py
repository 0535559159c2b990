"""The audit's fast paths give what the general paths give: reading, checking, keying, capping, writing.

Each test runs a fast path and the general one it stands for (forced by patching the fast one away)
on the same input, and compares the answers.
"""

import csv
import io
import shutil
from pathlib import Path
from unittest import mock

import numpy as np
import pandas as pd
import pyarrow as pa
import pyarrow.compute as pc
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

import recoup_lib.csvout as csvout
import recoup_lib.csvread as csvread
import recoup_lib.rules._context as context_module
import recoup_lib.rules._engine as engine
import recoup_lib.rules._summary as summary
import recoup_lib.rules.eligibility as eligibility
import recoup_lib.rules.overpayment as overpayment
import recoup_lib.rules.policy as policy
import recoup_lib.schema._parse as parse
from recoup_lib.formulas import _GUARDED, guard_formulas, unguard_formulas
from recoup_lib.rules import audit_folder, build_context, capped_findings
from recoup_lib.rules._hits import among, date_text, usd
from recoup_lib.synthetic import demo


def _chunked(values, pieces: int = 1, large: bool = True) -> pa.ChunkedArray:
    """Text as Arrow gives it to the kit: in ``pieces`` chunks (some slices of a larger array)."""
    arr = pa.array(values, type=pa.large_string() if large else pa.string())
    cuts = sorted({0, len(values), *(len(values) * i // pieces for i in range(pieces))})
    return pa.chunked_array([arr.slice(a, b - a) for a, b in zip(cuts, cuts[1:])], type=arr.type)


_TEXT = st.text(alphabet="aZ09 \t'=+-@é;,\"\n\r\u00a0", max_size=6)


@given(st.lists(_TEXT, max_size=25), st.integers(1, 4), st.booleans())
def test_the_byte_looks_at_text_answer_as_arrow_kernels_do(values, pieces, large):
    arr = _chunked(values, pieces, large)
    assert unguard_formulas(arr).to_pylist() == pc.replace_substring_regex(arr, _GUARDED, r"\1").to_pylist()
    assert unguard_formulas(guard_formulas(arr)).to_pylist() == values
    assert parse._trimmed(arr).to_pylist() == pc.utf8_trim_whitespace(arr).to_pylist()
    assert parse._blanks(arr).tolist() == [v == "" for v in values]
    data = np.frombuffer("".join(values).encode(), dtype=np.uint8)
    assert parse._visible(data) == all(0x21 <= b <= 0x7E for b in data)


@given(st.lists(st.text(alphabet="25RT;; \té", max_size=6), max_size=25), st.integers(1, 4))
def test_lists_whose_bytes_show_no_stray_separator_are_taken_as_they_are_and_read_the_same(values, pieces):
    arr = _chunked(values, pieces)
    general = mock.patch.object(parse, "_untidy_separators", return_value=True)
    with general:
        expected = pd.Series(parse._normalised_list(arr))
    assert pd.Series(parse._normalised_list(arr)).equals(expected)
    assert expected.tolist() == [";".join(p for p in "".join(v.split()).split(";") if p) for v in values]


_CELL = st.sampled_from(["", "a", "12", "2025-01-05", " x ", "é", "=1+2", "'=x", "-3", "x;y", "1.50"])


@settings(max_examples=60, deadline=None)
@given(st.lists(st.lists(_CELL, min_size=2, max_size=2), max_size=8), st.booleans(), st.booleans())
def test_a_file_without_quotes_or_guards_reads_the_same_as_through_the_general_reader(
        tmp_path_factory, rows, crlf, blank_line):
    """No quote character: Arrow is told values hold no line breaks; no ``'``: no guard is looked for."""
    end = "\r\n" if crlf else "\n"
    lines = ["claim_id,note"] + [",".join(r) for r in rows]
    if blank_line and rows:
        lines.insert(2, "")
    path = tmp_path_factory.mktemp("read") / "t.csv"
    path.write_bytes((end.join(lines) + end).encode())
    fast = csvread.read_csv_text(path)
    options, holds = csvread.arrow_options, csvread._holds
    csvread.arrow_options = lambda *args, quoted=True, **kw: options(*args, quoted=True, **kw)
    csvread._holds = lambda path, byte: True if byte == b"'" else holds(path, byte)
    try:
        general = csvread.read_csv_text(path)
    finally:
        csvread.arrow_options, csvread._holds = options, holds
    pd.testing.assert_frame_equal(fast[0], general[0])
    assert fast[1].tolist() == general[1].tolist()
    pd.testing.assert_frame_equal(fast[2], general[2])


_TYPED = st.fixed_dictionaries({
    "n": st.lists(st.one_of(st.none(), st.integers(-10**6, 10**6)), min_size=3, max_size=3),
    "d": st.lists(st.one_of(st.none(), st.dates().map(str)), min_size=3, max_size=3),
    "b": st.lists(st.one_of(st.none(), st.booleans()), min_size=3, max_size=3),
    "t": st.lists(st.sampled_from(["", "a,b", 'say "x"', "line\nbreak", "=SUM(A1)", "plain", "é"]),
                  min_size=3, max_size=3),
})


@given(_TYPED, st.sampled_from([["n"], ["d"], ["b"], ["t"], ["n", "t"], ["x_cents", "d", "b", "t"]]))
def test_csv_bytes_of_numbers_dates_and_booleans_match_the_csv_module(data, columns):
    frame = pd.DataFrame({
        "n": pd.array(data["n"], dtype="Int64"), "x_cents": pd.array(data["n"], dtype="Int64"),
        "d": pd.to_datetime(pd.Series(data["d"], dtype=object), format="%Y-%m-%d"),
        "b": pd.array(data["b"], dtype="boolean"),
        "t": pd.Series(data["t"], dtype="str")})[columns]
    header, body = csvout.csv_bytes(frame)
    table = csvout.to_text_table(frame)
    texts = [[guard_formulas(pc.fill_null(table[c], "")).to_pylist()[i] if c == "t" else
              pc.fill_null(table[c], "").to_pylist()[i] for c in table.column_names] for i in range(len(frame))]
    sink = io.StringIO()
    csv.writer(sink, lineterminator="\n", quoting=csv.QUOTE_MINIMAL).writerows([table.column_names] + texts)
    assert header + body == sink.getvalue().encode()


@given(st.lists(st.integers(-1, 40), max_size=30), st.lists(st.integers(-1, 45), max_size=8))
def test_among_is_isin(keys, wanted):
    assert among(keys, wanted).tolist() == np.isin(np.asarray(keys, dtype=np.int64),
                                                   [w for w in wanted if w >= 0]).tolist()


@given(st.lists(st.one_of(st.datetimes(min_value=pd.Timestamp("0900-01-01").to_pydatetime(),
                                       max_value=pd.Timestamp("2200-12-31").to_pydatetime()), st.none()), max_size=20))
def test_date_text_writes_dates_as_strftime_does(dates):
    values = np.array([np.datetime64(d, "us") if d is not None else np.datetime64("NaT", "us") for d in dates],
                      dtype="datetime64[us]")
    expected = pd.Series(pd.to_datetime(pd.Series(values))).dt.strftime("%Y-%m-%d").astype("str")
    pd.testing.assert_series_equal(date_text(values), expected)
    pd.testing.assert_series_equal(date_text(pd.Series(values)), expected)


@given(st.lists(st.integers(-150_000, 150_000), min_size=0, max_size=3000))
def test_usd_of_many_amounts_is_each_amount_in_dollars(cents):
    assert usd(cents).tolist() == [f"{'-' if c < 0 else ''}${abs(c) // 100}.{abs(c) % 100:02d}" for c in cents]


@given(st.lists(st.tuples(st.text(alphabet=" \t\u00a0\u3000aZ9-é", max_size=3), st.sampled_from(["", " ", "x"])),
                max_size=20), st.integers(1, 3))
def test_blank_rows_are_the_rows_blank_once_trimmed(rows, pieces):
    # The first column's first bytes settle most files; the answer is that of trimming every cell.
    from recoup_lib.blankrows import blank_row_mask

    first, second = [pa.array([r[i] for r in rows], pa.large_string()) for i in (0, 1)]
    cuts = sorted({0, len(rows), *(len(rows) * i // pieces for i in range(pieces))})
    table = pa.table({"a": pa.chunked_array([first.slice(a, b - a) for a, b in zip(cuts, cuts[1:])], first.type),
                      "b": second})
    expected = [not r[0].strip() and not r[1].strip() for r in rows]
    assert blank_row_mask(table, spaces=True).tolist() == expected
    assert blank_row_mask(table).tolist() == [r[0] == "" and r[1] == "" for r in rows]


@given(st.lists(st.tuples(st.integers(-1, 3), st.integers(0, 2), st.integers(0, 3), st.integers(0, 2),
                          st.integers(1, 9)), max_size=30), st.booleans())
def test_same_day_totals_are_those_of_a_groupby(rows, wide):
    # Keys packed into one integer, or (spans too wide to pack) grouped by pandas: the same totals.
    from recoup_lib.rules.coding import _same_day_totals

    patient, npi, day, code, units = (np.array([r[i] for r in rows], dtype=np.int64) for i in range(5))
    paid = pd.DataFrame({"_patient": patient * (2**61 if wide else 1), "_npi": npi,
                         "service_date": np.datetime64("2025-01-01", "us") + day * np.timedelta64(1, "D"),
                         "_code": code, "units": units})
    same_day = paid.groupby(["_patient", "_npi", "service_date", "_code"], sort=False)["units"]
    day_units, day_lines = _same_day_totals(paid, units)
    assert day_units.tolist() == same_day.transform("sum").tolist()
    assert day_lines.tolist() == same_day.transform("size").tolist()


def _lines(claims, line_no, codes, dates, payers):
    n = len(claims)
    return pd.DataFrame({
        "claim_id": pd.Series(claims, dtype="str"), "line_no": np.asarray(line_no, dtype=np.int64),
        "patient_id": pd.Series(["P1"] * n, dtype="str"), "payer_id": pd.Series(payers, dtype="str"),
        "rendering_npi": pd.Series(["1234567893"] * n, dtype="str"),
        "procedure_code": pd.Series(codes, dtype="str"), "modifiers": pd.Series([""] * n, dtype="str"),
        "service_date": pd.to_datetime(pd.Series(dates)), "units": np.ones(n, dtype=np.int64)})


_NO_PAYMENTS = pd.DataFrame({"claim_id": pd.Series([], dtype="str"), "line_no": np.zeros(0, dtype=np.int64),
                             "paid_cents": np.zeros(0, dtype=np.int64),
                             "allowed_cents": pd.array([], dtype="Int64")})
_DAY = st.dates(min_value=pd.Timestamp("2024-01-01").date(), max_value=pd.Timestamp("2024-03-01").date())


@settings(max_examples=60, deadline=None)
@given(st.lists(st.tuples(st.sampled_from(["M", "C", "X"]), st.sampled_from(["99213", "36415", "00000"]), _DAY,
                          st.one_of(st.none(), _DAY), st.integers(0, 9999)), max_size=12),
       st.lists(st.tuples(st.sampled_from(["M", "C", "Z"]), st.sampled_from(["99213", "36415", "11111"]), _DAY),
                min_size=1, max_size=10))
def test_fee_lookup_by_day_table_and_scan_matches_the_binary_search(schedule, billed):
    lines = _lines([f"C{i}" for i in range(len(billed))], [1] * len(billed), [b[1] for b in billed],
                   [str(b[2]) for b in billed], [b[0] for b in billed])
    fees = pd.DataFrame({"payer_id": pd.Series([r[0] for r in schedule], dtype="str"),
                         "procedure_code": pd.Series([r[1] for r in schedule], dtype="str"),
                         "effective_date": pd.to_datetime(pd.Series([str(r[2]) for r in schedule], dtype=object)),
                         "end_date": pd.to_datetime(pd.Series([None if r[3] is None else str(r[3])
                                                               for r in schedule], dtype=object)),
                         "allowed_cents": np.asarray([r[4] for r in schedule], dtype=np.int64)})
    with mock.patch.object(context_module, "_FEE_DAYS_PER_LINE", 10**6):
        fast = build_context(lines, _NO_PAYMENTS, fee_schedule=fees).fee_cents()
    with mock.patch.object(context_module, "_FEE_DAYS_LIMIT", -1):
        scanned = build_context(lines, _NO_PAYMENTS, fee_schedule=fees).fee_cents()
        with mock.patch.object(context_module, "_FEE_ROWS_SCANNED", -1):
            general = build_context(lines, _NO_PAYMENTS, fee_schedule=fees).fee_cents()
    for found in (fast, scanned):
        assert found[0].tolist() == general[0].tolist() and found[1].tolist() == general[1].tolist()


def test_the_day_table_is_made_only_when_the_lines_pay_for_it():
    """Two fee rows a year apart make a table of about 370 days: for 2 lines the rows are scanned, for
    400 lines the table is made; both find the same fee."""
    fees = pd.DataFrame({"payer_id": pd.Series(["M", "M"], dtype="str"),
                         "procedure_code": pd.Series(["99213", "99213"], dtype="str"),
                         "effective_date": pd.to_datetime(pd.Series(["2024-01-01", "2025-01-01"])),
                         "end_date": pd.to_datetime(pd.Series([None, None], dtype=object)),
                         "allowed_cents": np.asarray([7000, 7500], dtype=np.int64)})
    made = {}
    for n in (2, 400):
        lines = _lines([f"C{i}" for i in range(n)], [1] * n, ["99213"] * n, ["2024-06-01"] * (n - 1) + ["2025-02-01"],
                       ["M"] * n)
        context = build_context(lines, _NO_PAYMENTS, fee_schedule=fees)
        fee, has = context.fee_cents()
        assert has.all() and fee.tolist() == [7000] * (n - 1) + [7500]
        made[n] = "by_day" in context._fee_index
    assert made == {2: False, 400: True}


def test_a_fee_lookup_of_many_lines_makes_few_arrays_of_their_size():
    """fee_cents works its arrays in place: looking up 200,000 lines holds at most 56 bytes a line at its
    peak (its answer: 9), where each array made in passing took another 8 (73 before; overpaid_rate
    prices every paid line of an audit this way)."""
    import tracemalloc

    n = 200_000
    fees = pd.DataFrame({"payer_id": pd.Series(["M", "M", "C"], dtype="str"),
                         "procedure_code": pd.Series(["99213", "99213", "36415"], dtype="str"),
                         "effective_date": pd.to_datetime(pd.Series(["2024-01-01", "2024-02-01", "2024-01-01"])),
                         "end_date": pd.to_datetime(pd.Series([None, None, "2024-01-20"], dtype=object)),
                         "allowed_cents": np.asarray([7000, 7500, 300], dtype=np.int64)})
    lines = _lines([f"C{i}" for i in range(n)], [1] * n, ["99213", "36415"] * (n // 2),
                   ["2024-01-10", "2024-02-10"] * (n // 2), ["M", "C"] * (n // 2))
    context = build_context(lines, _NO_PAYMENTS, fee_schedule=fees)
    assert "by_day" in context._fee_index
    rows = np.arange(n)
    tracemalloc.start()
    try:
        start = tracemalloc.get_traced_memory()[0]
        fee, has = context.fee_cents(rows=rows)
        peak = tracemalloc.get_traced_memory()[1]
    finally:
        tracemalloc.stop()
    assert fee[:4].tolist() == [7000, 0, 7000, 0] and has[:4].tolist() == [True, False, True, False]
    assert (peak - start) / n <= 56


_ERRORS = st.sampled_from(["duplicate_claim", "upcoding", "policy_change", "my_custom_check", "overpaid_rate"])


@settings(max_examples=80, deadline=None)
@given(st.lists(st.tuples(st.sampled_from(["C2", "C10", "é1", "C1", "c1", "B"]), st.integers(1, 3), _ERRORS,
                          st.integers(-50, 500), st.integers(0, 400)), max_size=15))
def test_capped_findings_by_integer_keys_match_the_frame_sort(rows):
    findings = pd.DataFrame({
        "claim_id": pd.Series([r[0] for r in rows], dtype="str"),
        "line_no": np.asarray([r[1] for r in rows], dtype=np.int64),
        "error_type": pd.Series([r[2] for r in rows], dtype="str"),
        "at_risk_cents": np.asarray([r[3] for r in rows], dtype=np.int64),
        "paid_cents": np.asarray([r[4] for r in rows], dtype=np.int64),
        "service_date": pd.to_datetime(pd.Series(["2025-03-01"] * len(rows), dtype=object))})
    # One paid amount per line, as in an audit's findings.
    findings["paid_cents"] = findings.groupby(["claim_id", "line_no"])["paid_cents"].transform("first")
    fast, lines = summary._capped_with_line_keys(findings)
    pd.testing.assert_frame_equal(capped_findings(findings), fast)
    keyed = summary._with_summary_keys(fast)
    if lines is not None:  # the order capping found, used again by the summaries, keys them as finding it again does
        pd.testing.assert_frame_equal(summary._with_summary_keys(fast, lines), keyed)
    original = summary._sorted_line_keys
    summary._sorted_line_keys = lambda frame: None
    try:
        general = capped_findings(findings)
        general_keyed = summary._with_summary_keys(general)
    finally:
        summary._sorted_line_keys = original
    pd.testing.assert_frame_equal(fast, general)
    assert keyed.groupby("_linekey").ngroups == general_keyed.groupby("_linekey").ngroups
    assert (keyed.groupby("_linekey")[["claim_id", "line_no"]].nunique() == 1).all().all()


_FEW_DAYS = st.sampled_from(["2024-01-01", "2024-01-02", "2024-01-03", "2024-02-01"])
_SPAN = st.tuples(st.sampled_from(["P1", "P2", "P9"]), st.sampled_from(["M", "C", "Z"]), _FEW_DAYS,
                  st.one_of(st.none(), _FEW_DAYS))


@settings(max_examples=60, deadline=None)
@given(st.lists(st.tuples(st.sampled_from(["P1", "P2", "P3"]), st.sampled_from(["M", "C"]), _FEW_DAYS,
                          st.integers(0, 2)), min_size=1, max_size=12),
       st.lists(_SPAN, max_size=12), st.sampled_from([8, 1]))
def test_coverage_found_by_pair_tables_matches_the_merge(billed, spans, scanned):
    """Lines and coverage rows matched by counting each pair's rows (or by a binary search) flag and
    list the spans as the merge of the two tables does (``scanned`` 1: pairs with two rows merge)."""
    n = len(billed)
    lines = _lines([f"C{i}" for i in range(n)], [1] * n, ["99213"] * n, [str(b[2]) for b in billed],
                   [b[1] for b in billed]).assign(patient_id=pd.Series([b[0] for b in billed], dtype="str"))
    pay = pd.DataFrame({"claim_id": pd.Series([f"C{i}" for i in range(n)], dtype="str"),
                        "line_no": np.ones(n, dtype=np.int64),
                        "paid_cents": np.asarray([b[3] * 100 for b in billed], dtype=np.int64),
                        "allowed_cents": pd.array([None] * n, dtype="Int64")})
    coverage = pd.DataFrame({"patient_id": pd.Series([s[0] for s in spans], dtype="str"),
                             "payer_id": pd.Series([s[1] for s in spans], dtype="str"),
                             "effective_date": pd.to_datetime(pd.Series([str(s[2]) for s in spans], dtype=object)),
                             "termination_date": pd.to_datetime(pd.Series([None if s[3] is None else str(s[3])
                                                                           for s in spans], dtype=object))})
    ctx = build_context(lines, pay, coverage=coverage)
    with mock.patch.object(eligibility, "_SPANS_SCANNED", scanned):
        fast = eligibility.coverage_lapsed(ctx)
        with mock.patch.object(eligibility, "_PAIR_TABLE_PER_ROW", -10**6):
            searched = eligibility.coverage_lapsed(ctx)
    with mock.patch.object(eligibility, "_SPANS_SCANNED", -1):
        merged = eligibility.coverage_lapsed(ctx)
    pd.testing.assert_frame_equal(fast, merged)
    pd.testing.assert_frame_equal(searched, merged)


@pytest.mark.parametrize("practice", ["family_practice", "orthopedic_group"])
def test_policy_change_of_the_lines_its_pairs_name_is_that_of_every_paid_line(monkeypatch, practice):
    """Lines whose (payer, code) no policy names are left out before the merge: it finds the same."""
    ctx = audit_folder(demo.demo_path(practice)).context
    named = policy.policy_change(ctx)
    monkeypatch.setattr(policy, "among", lambda keys, wanted: np.ones(len(keys), dtype=bool))
    pd.testing.assert_frame_equal(named, policy.policy_change(ctx))
    assert len(named)


def test_duplicate_claim_answers_the_same_whatever_the_buckets(monkeypatch):
    ctx = audit_folder(demo.demo_path("family_practice")).context
    answers = []
    for buckets in (1 << 22, 4, 1):  # 1: every line hashed into the table, as before the first look
        monkeypatch.setattr(overpayment, "_BUCKETS", buckets)
        answers.append(overpayment.duplicate_claim(ctx))
    for other in answers[1:]:
        pd.testing.assert_frame_equal(answers[0], other)
    assert len(answers[0])


@pytest.mark.parametrize("rename", ["non_ascii", "mixed_widths", "long"])
def test_findings_come_sorted_by_claim_id_text_line_and_contract_order(tmp_path, rename):
    """Findings are sorted on integer keys; the order is that of the text, whatever the claim ids."""
    folder = tmp_path / "practice"
    shutil.copytree(demo.demo_path("family_practice"), folder)
    change = {"non_ascii": lambda c: c[:-1] + "é" if c.endswith(("3", "7")) else c,
              "mixed_widths": lambda c: c + "A" if c.endswith("5") else c.replace("C0", "C", 1),
              "long": lambda c: "CLAIM-2025-" + c}[rename]
    for name in ("claim_lines.csv", "payments.csv", "documentation.csv"):
        table = pd.read_csv(folder / name, dtype=str, keep_default_na=False)
        table["claim_id"] = table["claim_id"].map(change)
        table.to_csv(folder / name, index=False)
    findings = audit_folder(folder).findings
    order = {e: i for i, e in enumerate(engine.ERROR_TYPES)}
    expected = findings.assign(_o=findings["error_type"].map(order)).sort_values(
        ["claim_id", "line_no", "_o"], kind="stable").drop(columns="_o").reset_index(drop=True)
    pd.testing.assert_frame_equal(findings, expected)


def test_modifier_columns_match_the_public_modifier_helpers():
    values = pd.Series(["59;25;25", "", "76", "XU;RT", "25;59", None, "91"], dtype="str")
    columns = context_module._modifier_columns(values)
    assert columns["modifier_key"].tolist() == context_module.modifier_key(values).tolist()
    assert columns["modifier_key"].dtype == context_module.modifier_key(values).dtype
    assert columns["has_repeat_modifier"].tolist() == [False, False, True, False, False, False, True]


def test_documentation_of_a_line_given_twice_keeps_the_first_row():
    lines = _lines(["C1", "C1", "C2"], [1, 2, 1], ["99213"] * 3, ["2024-01-02"] * 3, ["M"] * 3)
    notes = pd.DataFrame({"claim_id": pd.Series(["C1", "C2", "C1", "C9"], dtype="str"),
                          "line_no": np.array([2, 1, 2, 1], dtype=np.int64),
                          "note_present": pd.array([True, False, False, True], dtype="boolean"),
                          "signed": pd.array([True, True, False, None], dtype="boolean"),
                          "documented_code": pd.Series(["99212", "", "99211", "99213"], dtype="str")})
    by_line = build_context(lines, _NO_PAYMENTS, documentation=notes).documentation_by_line
    assert by_line["_has_row"].tolist() == [False, True, True]
    assert by_line["documented_code"].tolist() == ["", "99212", ""]
    assert by_line["note_present"].tolist() == [pd.NA, True, False]


def test_modifiers_written_as_sets_already_are_their_own_key():
    values = pd.Series(["", "25", "25;59", "76", "", "RT"], dtype="str")
    columns = context_module._modifier_columns(values)
    assert columns["modifier_key"].array._pa_array is values.array._pa_array  # taken as it is, not made again
    assert columns["modifier_key"].tolist() == context_module.modifier_key(values).tolist()
    assert columns["modifier_key"].dtype == context_module.modifier_key(values).dtype
    assert columns["_mods"].tolist() == [0, 1, 2, 3, 0, 4]


@settings(max_examples=80, deadline=None)
@given(st.lists(st.tuples(st.integers(0, 4), st.integers(1, 4)), min_size=1, max_size=12, unique=True),
       st.lists(st.tuples(st.integers(-1, 6), st.integers(-2, 9)), max_size=15), st.booleans())
def test_lines_found_by_table_or_by_binary_search_are_the_lines_with_that_claim_and_number(lines, wanted, table):
    frame = _lines([f"C{claim}" for claim, _ in lines], [number for _, number in lines], ["99213"] * len(lines),
                   ["2024-01-02"] * len(lines), ["M"] * len(lines))
    with mock.patch.object(context_module, "_line_table", wraps=context_module._line_table) as made:
        if not table:
            made.side_effect = lambda *args: None
        ctx = build_context(frame, _NO_PAYMENTS)
        # Claim keys as the context gives them (-1: unknown); line numbers past the widest or below 0.
        wanted = [(claim if claim < len(ctx.keys["claim"]) else -1, number) for claim, number in wanted]
        found = ctx.find_lines(np.array([claim for claim, _ in wanted], dtype=np.int64),
                               np.array([number for _, number in wanted], dtype=np.int64))
    where = {(int(c), int(n)): i for i, (c, n) in enumerate(zip(ctx.lines["_claim"], frame["line_no"]))}
    assert found.dtype == np.int64
    assert found.tolist() == [where.get((claim, number), -1) for claim, number in wanted]


def test_documented_codes_taken_from_the_index_of_codes_are_the_documentations_own():
    ctx = audit_folder(demo.demo_path("family_practice"), workers=1).context
    shared = ctx.documentation_by_line
    ctx.keys.pop("documented_code")
    del ctx.__dict__["documentation_by_line"]
    pd.testing.assert_frame_equal(shared, ctx.documentation_by_line)
    assert shared["documented_code"].ne("").sum() > 100


def test_paid_lines_are_those_of_the_lines_the_context_holds_now():
    ctx = audit_folder(demo.demo_path("family_practice"), workers=1).context
    assert ctx.is_paid.equals(ctx.lines["paid_cents"] > 0)
    first_paid = ctx.lines.index[ctx.is_paid.to_numpy()][0]
    ctx.lines.loc[first_paid, "paid_cents"] = 0
    assert not ctx.is_paid[first_paid]
    ctx.lines = ctx.lines.iloc[:10].assign(paid_cents=0)
    assert len(ctx.is_paid) == 10 and not ctx.is_paid.any()


def _totals_by_groupby(f: pd.DataFrame, by: str) -> pd.DataFrame:
    """The summaries' totals as pandas groups them (what :func:`summary._totals` counts without a groupby)."""
    grouped = f.groupby(summary._DIMENSIONS[by], sort=False)
    out = pd.DataFrame({"lines": grouped["_linekey"].nunique(), "findings": grouped.size(),
                        "at_risk_cents": grouped["at_risk_cents"].sum(),
                        "at_risk_capped_cents": grouped["at_risk_capped_cents"].sum()})
    out.index.name = by
    if by == "category":
        out = out.reindex(list(summary.CATEGORIES)).fillna(0).astype("int64")
    elif by == "error_type":
        out = out.reindex(list(summary.ERROR_TYPES) + [e for e in out.index if e not in summary.ERROR_TYPES])
        out = out.fillna(0).astype("int64")
    elif by == "month":
        out = out.sort_index()
    else:
        out = out.sort_values(["at_risk_capped_cents", "lines"], ascending=False, kind="stable")
    return out.reset_index()


def test_summary_totals_counted_over_group_codes_are_the_groupbys():
    keyed = audit_folder(demo.demo_path("family_practice"), workers=1).summary_keyed
    gaps = keyed.assign(payer_id=keyed["payer_id"].where(np.arange(len(keyed)) % 7 != 0),
                        rendering_npi=keyed["rendering_npi"].astype(object))
    for frame in (keyed, gaps, keyed.iloc[:0]):
        for by in summary._DIMENSIONS:
            pd.testing.assert_frame_equal(summary._totals(frame, by), _totals_by_groupby(frame, by))


def test_months_written_once_each_are_every_findings_month():
    result = audit_folder(demo.demo_path("family_practice"), workers=1)
    dates = result.capped["service_date"]
    for when in (dates, dates.where(np.arange(len(dates)) % 5 != 0), dates.iloc[:0]):
        capped = result.capped.loc[when.index].assign(service_date=when)
        months = np.datetime_as_string(when.to_numpy().astype("datetime64[M]"), unit="M")
        assert summary._with_summary_keys(capped)["_month"].tolist() == months.tolist()
    assert result.lines_flagged == len(result.findings[["claim_id", "line_no"]].drop_duplicates())
