"""Contract tests over the rule registry, the engine and custom rules."""

import numpy as np
import pandas as pd
import pytest

from recoup_lib.errors import InvalidParameterError
from recoup_lib.rules import (ERROR_TYPES, RuleRegistry, audit_folder, audit_tables, capped_findings,
                              custom_rule, default_registry, run_audit, score, summarise)
from recoup_lib.rules._registry import Rule
from recoup_lib.synthetic import demo, generate_practice, write_practice


@pytest.fixture(scope="module")
def demo_result():
    return audit_folder(demo.demo_path("family_practice"))


@pytest.fixture(scope="module")
def clean_folder(tmp_path_factory):
    out = tmp_path_factory.mktemp("clean") / "practice"
    write_practice(generate_practice(lines=4000, seed=31, error_rate=0.0, profile="hospital_outpatient"), out)
    return out


def test_registry_holds_the_ten_contract_rules_in_contract_order():
    registry = default_registry()
    assert [r.error_type for r in registry] == list(ERROR_TYPES)
    assert len({r.rule_id for r in registry}) == 10


@pytest.mark.parametrize("rule", list(default_registry()), ids=lambda r: r.error_type)
def test_every_rule_is_documented_and_categorised(rule):
    assert len(rule.doc) > 80, f"{rule.error_type} needs a docstring saying what and why"
    assert rule.summary
    assert rule.category == ERROR_TYPES[rule.error_type]


@pytest.mark.parametrize("rule", list(default_registry()), ids=lambda r: r.error_type)
def test_rules_do_not_mutate_inputs_and_are_deterministic(demo_result, rule):
    ctx = demo_result.context
    before = {name: getattr(ctx, name).copy() for name in ("lines", "payments") }
    first = rule(ctx)
    second = rule(ctx)
    pd.testing.assert_frame_equal(first.reset_index(drop=True), second.reset_index(drop=True))
    for name, frame in before.items():
        pd.testing.assert_frame_equal(getattr(ctx, name), frame)


def test_no_rule_flags_anything_on_a_clean_practice(clean_folder):
    assert audit_folder(clean_folder).findings.empty


def test_each_rule_catches_every_injected_error_of_its_type(demo_result):
    from recoup_lib.folder import read_table

    labels = read_table(demo.demo_path("family_practice") / "labels.csv").data
    table = score(demo_result.findings, labels).set_index("error_type")
    for error_type in ERROR_TYPES:
        assert table.loc[error_type, "recall"] == 1.0, error_type
        assert table.loc[error_type, "precision"] == 1.0, error_type


def test_score_counts_each_flagged_line_once_per_type_with_its_dollars():
    """Each type's row and the ``all`` row, worked out by hand: a repeated finding counts once, a wrong
    amount is found but not exact, a type outside the contract's ten is scored as one of its own."""
    findings = pd.DataFrame([("C1", 1, "upcoding", 1000), ("C1", 1, "upcoding", 1000), ("C1", 2, "upcoding", 500),
                             ("C2", 1, "duplicate_claim", 300), ("C3", 1, "made_up", 50)],
                            columns=["claim_id", "line_no", "error_type", "at_risk_cents"])
    labels = pd.DataFrame([("C1", 1, "upcoding", 1000), ("C1", 2, "upcoding", 700), ("C4", 1, "duplicate_claim", 900)],
                          columns=["claim_id", "line_no", "error_type", "at_risk_cents"])
    table = score(findings, labels)
    contract = [e for e in ERROR_TYPES if e in ("upcoding", "duplicate_claim")]
    assert table["error_type"].tolist() == [*contract, "made_up", "all"]
    columns = ["labelled", "flagged", "true_positives", "false_positives", "false_negatives", "at_risk_cents",
               "found_cents", "flagged_cents", "exact_amounts"]
    rows = table.set_index("error_type")
    assert rows.loc["upcoding", columns].tolist() == [2, 2, 2, 0, 0, 1700, 1700, 1500, 1]
    assert rows.loc["duplicate_claim", columns].tolist() == [1, 1, 0, 1, 1, 900, 0, 300, 0]
    assert rows.loc["made_up", columns].tolist() == [0, 1, 0, 1, 0, 0, 0, 50, 0]
    assert rows.loc["all", columns].tolist() == [3, 4, 2, 2, 1, 2600, 1700, 1850, 1]
    assert rows.loc[["upcoding", "duplicate_claim", "made_up", "all"], "precision"].tolist() == [1.0, 0.0, 0.0, 0.5]
    assert rows.loc[["upcoding", "duplicate_claim", "all"], "recall"].tolist() == [1.0, 0.0, 2 / 3]
    assert np.isnan(rows.loc["made_up", "recall"])


def test_registering_twice_names_both_rules():
    registry = default_registry()
    twin = Rule("upcoding", "MY-UPCODE", "incorrect_billing", lambda ctx: None)
    with pytest.raises(ValueError, match=r"already registered by rule 'BIL-UPCODE'.*cannot register rule 'MY-UPCODE'"):
        registry.add(twin)


def test_unknown_error_type_suggests_the_closest():
    with pytest.raises(KeyError, match="did you mean 'upcoding'"):
        default_registry().get("upcodng")


def test_custom_rule_runs_beside_the_builtins(demo_result):
    @custom_rule("level_5_visit", category="incorrect_billing")
    def level_5(ctx):
        """Every paid level-5 established visit, for a second look."""
        return ctx.lines["procedure_code"].eq("99215")

    inputs = demo_result.inputs
    result = run_audit(inputs, extra_rules=[level_5])
    mine = result.findings.loc[result.findings["error_type"] == "level_5_visit"]
    paid_99215 = result.lines.loc[(result.lines["procedure_code"] == "99215") & (result.lines["paid_cents"] > 0)]
    assert len(mine) == len(paid_99215) > 0
    assert (mine["at_risk_cents"].to_numpy() == paid_99215["paid_cents"].to_numpy()).all()
    assert set(result.findings["error_type"]) > {"level_5_visit", "upcoding"}
    assert "level_5_visit" not in default_registry()  # nothing left behind


def test_custom_rule_with_float_money_is_refused(demo_result):
    @custom_rule("bad_money", category="overpayment")
    def bad(ctx):
        return pd.DataFrame({"line": [0], "at_risk_cents": [1.5]})

    with pytest.raises(InvalidParameterError, match=r"rule 'bad_money' \(CUSTOM-BAD_MONEY\): column 'at_risk_cents' "
                                                    r"must hold whole cents \(int\); got 1.5 at position 0"):
        run_audit(demo_result.inputs, extra_rules=[bad], only=["bad_money"])


def test_engine_never_flags_unpaid_lines_even_for_custom_rules(demo_result):
    @custom_rule("everything", category="overpayment")
    def everything(ctx):
        return pd.Series(True, index=ctx.lines.index)

    result = run_audit(demo_result.inputs, extra_rules=[everything], only=["everything"])
    assert len(result.findings) == int((result.lines["paid_cents"] > 0).sum())


def test_summary_caps_each_line_at_what_was_paid():
    findings = pd.DataFrame({
        "claim_id": ["C1", "C1", "C2"], "line_no": [1, 1, 1],
        "error_type": ["duplicate_claim", "missing_documentation", "upcoding"],
        "category": ["overpayment", "documentation", "incorrect_billing"],
        "at_risk_cents": [9000, 9000, 500], "paid_cents": [9000, 9000, 9000],
        "payer_id": ["A", "A", "B"], "rendering_npi": ["1", "1", "2"],
        "service_date": pd.to_datetime(["2025-01-02"] * 3), "procedure_code": ["99213"] * 3,
    })
    capped = capped_findings(findings)
    assert capped["at_risk_capped_cents"].tolist() == [9000, 0, 500]
    by_category = summarise(findings, "category").set_index("category")
    assert by_category.loc["overpayment", "at_risk_capped_cents"] == 9000
    assert by_category.loc["documentation", "at_risk_capped_cents"] == 0
    assert by_category["at_risk_capped_cents"].sum() == 9500


def test_demo_summary_totals_reconcile(demo_result):
    f = capped_findings(demo_result.findings)
    per_line = f.groupby(["claim_id", "line_no"]).agg(capped=("at_risk_capped_cents", "sum"),
                                                      paid=("paid_cents", "first"))
    assert (per_line["capped"] <= per_line["paid"]).all()
    for by in ("category", "error_type", "payer", "provider", "month"):
        assert summarise(demo_result.findings, by)["at_risk_capped_cents"].sum() == demo_result.total_at_risk_cents


def test_explain_claim_mentions_lines_payments_and_findings(demo_result):
    claim = demo_result.findings["claim_id"].iloc[0]
    text = demo_result.explain(claim)
    assert f"Claim {claim}" in text and "payment" in text and "at risk" in text
    assert demo_result.explain("NOPE") == "Claim NOPE is not in this audit."


def test_missing_optional_inputs_switch_off_only_their_rules(demo_result):
    inputs = demo_result.inputs
    result = audit_tables(inputs.claim_lines, inputs.payments, fee_schedule=inputs.fee_schedule)
    off = set(result.switched_off["error_type"])
    assert off == set(ERROR_TYPES) - {"duplicate_claim", "duplicate_payment", "overpaid_rate"}
    assert all("switched off" in m for m in result.switched_off["message"])


def test_audit_of_tables_equals_audit_of_folder(demo_result):
    i = demo_result.inputs
    result = audit_tables(i.claim_lines, i.payments, coverage=i.coverage, documentation=i.documentation,
                          fee_schedule=i.fee_schedule, ncci_ptp=i.ncci_ptp, mue=i.mue, payer_policies=i.payer_policies)
    pd.testing.assert_frame_equal(result.findings, demo_result.findings)


def test_a_rule_narrowing_paid_lines_in_place_leaves_them_whole_for_the_next_rule(demo_result):
    @custom_rule("narrowed", category="overpayment")
    def narrowed(ctx):
        paid = ctx.is_paid
        paid &= ctx.lines["procedure_code"].eq("99215")
        return paid

    @custom_rule("every_paid", category="overpayment")
    def every_paid(ctx):
        return ctx.is_paid

    result = run_audit(demo_result.inputs, extra_rules=[narrowed, every_paid], only=["narrowed", "every_paid"])
    counts = result.findings["error_type"].value_counts()
    assert counts["every_paid"] == int((result.lines["paid_cents"] > 0).sum()) > counts["narrowed"] > 0
