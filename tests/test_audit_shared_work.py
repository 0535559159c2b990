"""Work the audit shares instead of repeating: each shortcut gives what the longer way gives.

The context keys other tables' identifiers while it hashes the lines' own (:func:`_encode`) and
hands those keys out again (:meth:`AuditContext.key`); it adds its derived columns in one step
(:func:`_with_columns`); the forked rule workers are left to exit on their own.
"""

from multiprocessing import get_context

import numpy as np
import pandas as pd
import pyarrow as pa
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

import recoup_lib.csvout as csvout
import recoup_lib.rules._context as context_module
import recoup_lib.rules._engine as engine
from recoup_lib.errors import InvalidParameterError
from recoup_lib.folder import read_audit_folder
from recoup_lib.rules import FINDING_COLUMNS, audit_folder, build_context, custom_rule
from recoup_lib.rules import _side_by_side as side_by_side
from recoup_lib.rules._registry import default_registry
from recoup_lib.synthetic import demo

_IDS = st.lists(st.one_of(st.sampled_from(["", "a", "b", "P1", "P2", "é", " a"]), st.none()), max_size=12)


def _column(values):
    return None if values is None else pd.Series(values, dtype="str")


@settings(max_examples=150, deadline=None)
@given(st.lists(st.sampled_from(["a", "b", "P1", "P2", "é", " a"]), max_size=12),
       st.lists(st.one_of(_IDS, st.none()), max_size=3))
def test_encoding_other_columns_alongside_gives_their_positions_in_the_index(first, others):
    first, others = _column(first), [_column(o) for o in others]
    codes, index, found = context_module._encode(first, *others)
    present = [o for o in others if o is not None]
    expected_index = context_module._index_of(pa.array(first.array).unique(), *present)
    assert index.to_pylist() == expected_index.to_pylist()
    assert codes.tolist() == context_module._positions(first, expected_index).tolist()
    assert len(found) == len(others)
    for column, keys in zip(others, found):
        if keys is not None:
            assert keys.tolist() == context_module._positions(column, expected_index).tolist()
        else:
            assert column is None or any(o.isna().any() for o in present)


@pytest.fixture(scope="module")
def demo_context():
    return audit_folder(demo.demo_path("family_practice"), workers=1).context


def test_keys_handed_out_again_are_the_keys_a_lookup_finds(demo_context, monkeypatch):
    ctx = demo_context
    for kind, table, name in (("claim", "documentation", "claim_id"), ("patient", "coverage", "patient_id"),
                              ("payer", "coverage", "payer_id"), ("payer", "fee_schedule", "payer_id"),
                              ("payer", "payer_policies", "payer_id")):
        column = getattr(ctx, table)[name]
        shared = ctx.key(kind, column)
        assert any(known is column.array for known, _ in ctx.keys["known"][kind])
        looked_up = (context_module._claim_positions(column, ctx.keys) if kind == "claim"
                     else context_module._positions(column, ctx.keys[kind]))
        assert shared.tolist() == looked_up.tolist()
        shared[:] = -7  # a copy: a rule changing it changes nothing for the next
        assert (ctx.key(kind, column) != -7).all()
    # The same text in another array is looked up, not taken for the context's own column.
    other = ctx.coverage["patient_id"].copy()
    other.iloc[0] = "NOT-A-PATIENT"
    assert ctx.key("patient", other)[0] == -1


def test_the_context_without_shared_keys_audits_the_same():
    inputs = read_audit_folder(demo.demo_path("hospital_outpatient"))
    tables = {name: getattr(inputs, name) for name in ("coverage", "documentation", "fee_schedule", "ncci_ptp",
                                                       "mue", "payer_policies")}
    contexts = [build_context(inputs.claim_lines, inputs.payments, **tables) for _ in range(2)]
    assert all(contexts[0].keys["known"][kind] for kind in ("claim", "patient", "payer"))
    contexts[1].keys["known"] = {}
    shared, alone = (engine._run(ctx, default_registry()).findings for ctx in contexts)
    pd.testing.assert_frame_equal(shared, alone)


@settings(max_examples=40, deadline=None)
@given(st.lists(st.sampled_from(["a", "b", "paid_cents", "_claim", "n_payments"]), unique=True, max_size=4))
def test_columns_added_in_one_step_are_the_columns_set_one_by_one(existing):
    n = 3
    frame = pd.DataFrame({name: pd.Series(["x", "y", "z"], dtype="str") for name in existing}, index=range(n))
    frame["line_no"] = np.arange(n)
    derived = {"_claim": np.array([2, 0, 1]), "modifier_key": pd.Series(["", "25", "59"], dtype="str"),
               "paid_cents": np.array([5, 0, -1], dtype=np.int64), "n_payments": np.array([1, 0, 2])}
    expected = frame.copy()
    for name, values in derived.items():
        expected[name] = values
    pd.testing.assert_frame_equal(context_module._with_columns(frame, derived), expected)
    assert list(frame.columns) == [*existing, "line_no"]  # the caller's frame is left as it was


def test_rules_run_by_forked_workers_answer_as_rules_run_here(demo_context, monkeypatch):
    rules = list(default_registry())
    here = [rule(demo_context) for rule in rules]
    monkeypatch.setattr(side_by_side, "SIDE_BY_SIDE_LINES", 0)
    for workers in (2, 3):
        forked = side_by_side.answers(demo_context, rules, workers)
        for a, b in zip(here, forked):
            pd.testing.assert_frame_equal(a.reset_index(drop=True), b.reset_index(drop=True))


def test_a_rule_failing_in_a_worker_answers_none_there_and_raises_here(demo_context):
    def broken(ctx):
        raise ZeroDivisionError("the same error as in a serial audit")

    rules = list(default_registry())[:2] + [custom_rule("broken", category="overpayment")(broken)]
    grouped = side_by_side.groups(rules)
    taken = get_context("fork").Value("q", 0)
    in_worker = side_by_side._run_groups(demo_context, rules, grouped, taken, here=False)
    assert sorted(in_worker) == [0, 1, 2] and in_worker[2] is None
    taken.value = 0
    with pytest.raises(InvalidParameterError, match="rule 'broken' .* failed: ZeroDivisionError: the same error"):
        side_by_side._run_groups(demo_context, rules, grouped, taken, here=True)


def test_groups_are_taken_once_each_by_processes_side_by_side(demo_context, monkeypatch, tmp_path):
    """Every group runs in exactly one process, whichever takes it: a rule noting where it ran."""
    import os

    def noted(name):
        def rule(ctx):
            (tmp_path / f"{name}.{os.getpid()}").write_text("")
            return ctx.lines["paid_cents"] < 0
        return custom_rule(name, category="overpayment", needs=("coverage",) if name == "n2" else ())(rule)

    monkeypatch.setattr(side_by_side, "SIDE_BY_SIDE_LINES", 0)
    rules = list(default_registry()) + [noted("n1"), noted("n2")]
    side_by_side.answers(demo_context, rules, 3)
    assert sorted(p.name.split(".")[0] for p in tmp_path.iterdir()) == ["n1", "n2"]


_CELLS = st.sampled_from(["", "a,b", 'say "x"', "line\nbreak", "=SUM(A1)", "plain", "é", None])


@settings(max_examples=120, deadline=None)
@given(st.lists(st.tuples(_CELLS, _CELLS, st.integers(-10**6, 10**6), _CELLS), max_size=7),
       st.integers(2, 4), st.booleans())
def test_a_table_and_its_front_columns_have_the_bytes_each_is_written_with(rows, front, quiet):
    """Text made once for a table and its first columns: the bytes :func:`csv_bytes` gives each."""
    if quiet:  # no value needing quotes: the whole table goes through Arrow's own writer
        rows = [tuple("plain" if isinstance(v, str) or v is None else v for v in row) for row in rows]
    frame = pd.DataFrame({"claim_id": pd.Series([r[0] for r in rows], dtype="str"),
                          "evidence": pd.Series([r[1] for r in rows], dtype="str"),
                          "at_risk_cents": np.array([r[2] for r in rows], dtype=np.int64),
                          "payer_id": pd.Series([r[3] for r in rows], dtype="str"),
                          "_line": np.arange(len(rows))})
    (front_header, front_body), whole = csvout.csv_bytes_and_front(frame, front)
    assert whole == csvout.csv_bytes(frame)
    assert (front_header, front_body) == csvout.csv_bytes(frame.iloc[:, :front])


def test_findings_written_with_the_detail_are_the_files_written_alone(tmp_path, monkeypatch):
    result = audit_folder(demo.demo_path("orthopedic_group"), workers=1)
    monkeypatch.setattr(csvout, "CHUNK_ROWS", 97)  # several pieces, the last one short
    result.write(tmp_path / "together")
    detail = result.capped.drop(columns=["_line"])
    csvout.write_csv(detail, tmp_path / "findings_detail.csv")
    csvout.write_csv(result.findings[FINDING_COLUMNS], tmp_path / "findings.csv")
    for name in ("findings.csv", "findings_detail.csv"):
        assert (tmp_path / "together" / name).read_bytes() == (tmp_path / name).read_bytes()
    # Findings in another order than their capped copy: each file is written on its own.
    shuffled = result.findings.sample(frac=1, random_state=3)
    result.findings = shuffled
    result.__dict__.pop("_capped", None)
    result.write(tmp_path / "shuffled")
    csvout.write_csv(shuffled[FINDING_COLUMNS], tmp_path / "findings.csv")
    assert (tmp_path / "shuffled" / "findings.csv").read_bytes() == (tmp_path / "findings.csv").read_bytes()
