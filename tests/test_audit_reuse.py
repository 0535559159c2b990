"""Work done once and used again gives what doing it again gives.

The payments without a claim line are found while the folder's later files are read
(:func:`recoup_lib.folder.read_audit_folder`); the order of findings by line that capping finds
is the one the summaries group on; the count of lines flagged is made once per set of findings;
the values a CSV column must quote are found from where the bytes needing quotes are.
"""

import shutil

import pandas as pd
import pyarrow as pa
import pyarrow.compute as pc
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

import recoup_lib.csvout as csvout
import recoup_lib.folder as folder_module
import recoup_lib.rules._context as context_module
import recoup_lib.rules._engine as engine
import recoup_lib.rules._summary as summary
from recoup_lib.folder import line_exists, read_audit_folder, read_table
from recoup_lib.rules import audit_folder, build_context, capped_findings, run_audit
from recoup_lib.synthetic import demo


@pytest.fixture(scope="module")
def demo_result():
    return audit_folder(demo.demo_path("family_practice"), workers=1)


def test_payments_without_a_line_found_while_reading_are_those_found_after(tmp_path, monkeypatch):
    source = demo.demo_path("family_practice")
    folder = tmp_path / "practice"
    shutil.copytree(source, folder)
    lines = (folder / "claim_lines.csv").read_text().splitlines(keepends=True)
    # Every third claim line gone: their payments have no line left.
    (folder / "claim_lines.csv").write_text("".join(lines[:1] + [line for i, line in enumerate(lines[1:]) if i % 3]))
    calls = []
    original = folder_module.lines_found

    def recorded(claim_lines, rows):
        calls.append(len(rows))
        return original(claim_lines, rows)

    monkeypatch.setattr(folder_module, "lines_found", recorded)
    inputs = read_audit_folder(folder, workers=2)
    assert len(calls) == 1  # found once, while the files after payments.csv were read
    claim_lines = read_table(folder / "claim_lines.csv", "claim_lines.csv").data
    payments = read_table(folder / "payments.csv", "payments.csv").data
    orphan = ~line_exists(claim_lines, payments)
    assert 0 < orphan.sum() < len(payments)
    kept = payments.loc[~orphan].reset_index(drop=True)
    pd.testing.assert_frame_equal(inputs.payments, kept)
    counts = inputs.counts.set_index("file").loc["payments.csv"]
    assert (counts["rows_used"], counts["rows_set_aside"]) == (len(kept), int(orphan.sum()))
    orphans = [p for p in inputs.problems if p.column == "claim_id,line_no"]
    assert [p.row for p in orphans] == payments.loc[orphan, "_row"].tolist()


@pytest.mark.parametrize("drop_every", [0, 3])
def test_the_claim_keys_the_reader_made_are_taken_over_by_the_audit(tmp_path, monkeypatch, drop_every):
    """The context packs no claim id the reader packed already (the payments' either, orphans set aside or
    not), and its keys, lines, payments and findings are those it makes alone."""
    folder = tmp_path / "practice"
    shutil.copytree(demo.demo_path("family_practice"), folder)
    if drop_every:  # payments of the lines dropped are set aside, so the keys must follow the payments kept
        lines = (folder / "claim_lines.csv").read_text().splitlines(keepends=True)
        (folder / "claim_lines.csv").write_text("".join(lines[:1] + [line for i, line in enumerate(lines[1:])
                                                                     if i % drop_every]))
    inputs = read_audit_folder(folder, workers=1)
    handed = inputs.claim_keys
    assert handed is not None and handed.made_from(inputs.claim_lines["claim_id"])
    assert len(handed.paid) == len(inputs.payments)
    packed = []
    monkeypatch.setattr(context_module, "claim_keys", lambda values: packed.append(values) or None)
    monkeypatch.setattr(type(handed), "positions", lambda self, values, real=type(handed).positions:
                        packed.append(values) if real(self, values) is not self.paid else self.paid)
    result = run_audit(inputs)
    assert inputs.claim_keys is None  # handed over: the context owns its arrays
    assert [len(values) for values in packed] == [len(inputs.documentation)]  # the notes' claims only
    monkeypatch.undo()
    alone = build_context(inputs.claim_lines, inputs.payments,
                          **{name: getattr(inputs, name) for name in ("coverage", "documentation", "fee_schedule",
                                                                      "ncci_ptp", "mue", "payer_policies")})
    pd.testing.assert_frame_equal(result.context.lines, alone.lines)
    pd.testing.assert_frame_equal(result.context.payments, alone.payments)
    assert result.context.keys["claim"].equals(alone.keys["claim"])
    pd.testing.assert_frame_equal(result.findings, engine._run(alone, engine.default_registry()).findings)


def test_claim_keys_of_another_column_are_not_used():
    """Keys made of the claim lines as read hold for that column only: after a value of it is set, or for
    another table's claim ids, the context makes its own."""
    inputs = read_audit_folder(demo.demo_path("family_practice"), workers=1)
    handed = inputs.claim_keys
    lines = inputs.claim_lines.copy()
    lines.loc[0, "claim_id"] = lines["claim_id"].iloc[-1]
    assert not handed.made_from(lines["claim_id"]) and handed.made_from(inputs.claim_lines["claim_id"])
    ctx = build_context(lines, inputs.payments, claim_keys=handed)
    assert ctx.keys["claim_packed"] is not handed
    assert ctx.lines["_claim"].iloc[0] == ctx.lines["_claim"].iloc[-1]
    pd.testing.assert_frame_equal(ctx.lines, build_context(lines, inputs.payments).lines)


def test_an_audits_summary_keys_and_lines_flagged_are_those_made_afresh(demo_result):
    result = demo_result
    fresh = summary._with_summary_keys(capped_findings(result.findings))
    pd.testing.assert_frame_equal(result.summary_keyed, fresh)
    capped, lines = result._capped_and_line_keys()
    assert capped is result.capped and lines is not None  # the capping order was kept for the summaries
    assert result.lines_flagged == len(result.findings[["claim_id", "line_no"]].drop_duplicates())


def test_an_audits_totals_group_the_summary_keys_it_keeps(demo_result, monkeypatch):
    result = engine.AuditResult(findings=demo_result.findings, context=demo_result.context)
    fresh = {by: summary.summarise(result.findings, by) for by in summary._DIMENSIONS}
    keyed = result.summary_keyed
    made_again = []
    for module in (engine, summary):
        monkeypatch.setattr(module, "_with_summary_keys", lambda *args: made_again.append(args))
    for by, expected in fresh.items():
        pd.testing.assert_frame_equal(result.totals(by), expected)
    assert result.summary_keyed is keyed and not made_again


def test_the_audit_workbook_takes_the_capped_findings_and_totals_the_audit_keeps(demo_result, monkeypatch, tmp_path):
    """write_audit_workbook capped the findings and grouped them again for each of its six tables, where the
    audit (and recoup audit's write before it) had made both; its cells are those of the totals made afresh."""
    import openpyxl

    from recoup_lib.report import write_audit_workbook

    result = engine.AuditResult(findings=demo_result.findings, context=demo_result.context)
    fresh = summary.summarise(result.findings, "code")
    result.totals("category")
    made_again = []
    for module in (engine, summary):
        for name in ("_capped_with_line_keys", "_with_summary_keys"):
            monkeypatch.setattr(module, name, lambda *args, name=name: made_again.append(name))
    book = openpyxl.load_workbook(write_audit_workbook(result, tmp_path / "audit.xlsx"))
    assert not made_again
    by_code = [[cell.value for cell in row] for row in book["By code"].iter_rows(min_row=2)]
    assert [row[:3] for row in by_code] == fresh[["code", "lines", "findings"]].values.tolist()
    assert book["Findings"].max_row == len(result.findings) + 1


def test_figures_kept_for_one_set_of_findings_are_made_again_for_another(demo_result):
    result = engine.AuditResult(findings=demo_result.findings, context=demo_result.context)
    before = result.lines_flagged, result.total_at_risk_cents
    result.findings = result.findings.iloc[: len(result.findings) // 2]
    after = result.lines_flagged, result.total_at_risk_cents
    assert after != before
    assert after[0] == len(result.findings[["claim_id", "line_no"]].drop_duplicates())
    pd.testing.assert_frame_equal(result.summary_keyed,
                                  summary._with_summary_keys(capped_findings(result.findings)))


_TEXT = st.text(alphabet=st.sampled_from(list('ab ,"\r\n-é=')), max_size=6)


@settings(max_examples=200, deadline=None)
@given(st.lists(_TEXT, max_size=14), st.integers(1, 4), st.booleans(), st.integers(0, 3))
def test_values_needing_quotes_found_from_byte_positions_are_those_the_pattern_finds(values, pieces, large, cut):
    """The values holding a comma, a quote or a line break, found where those bytes are, are those a
    regular expression finds value by value (chunked, sliced, wide or narrow offsets)."""
    arr = pa.array(["x" * cut] + values, type=pa.large_string() if large else pa.string()).slice(1)
    cuts = sorted({0, len(values), *(len(values) * i // pieces for i in range(pieces))})
    column = pa.chunked_array([arr.slice(a, b - a) for a, b in zip(cuts, cuts[1:])], type=arr.type)
    found = csvout._needing_quotes(column, 2)
    expected = pc.match_substring_regex(column, '[",\r\n]')
    if found is None:
        assert not pc.any(expected).as_py()
    else:
        assert pa.chunked_array([found]).to_pylist() == expected.to_pylist()
