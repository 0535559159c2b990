"""The library as a notebook calls it: a person's own DataFrames and custom rules.

Money, dates and keys come in the forms pandas users hold them; each is either
typed exactly as its CSV would be, or refused with the kit's own error naming
the table, the index label and the column. A custom rule's fault is refused
with the rule's name.
"""

from __future__ import annotations

import warnings
from decimal import Decimal
from fractions import Fraction

import numpy as np
import pandas as pd
import pytest

from recoup_lib import notices as notices_module
from recoup_lib.appeals import (_decide, appeal_folder, decide, interest_due, interest_table, letters, run_appeals,
                                usable_notices, worklist)
from recoup_lib.errors import InputError, InvalidParameterError
from recoup_lib.folder import read_audit_folder, read_table
from recoup_lib.money import MAX_CENTS
from recoup_lib.remit import paid_after, read_835, reconcile
from recoup_lib.remit.reconcile import open_ledger
from recoup_lib.report import build_report, notice_aging, outcomes_in_run, patient_credit_balances, report_from_audit
from recoup_lib.rules import audit_tables, custom_rule, run_audit, score
from recoup_lib.sampling import appraise_variable
from recoup_lib.synthetic import generate_practice, write_practice
from recoup_lib.synthetic.demo import demo_path


#: as_of values that name no day: a month 13, blank, a word.
NO_DAYS = ["2026-13-01", "", "soon"]


def _no_day(as_of: str) -> str:
    return rf"as_of: expected a real date written YYYY-MM-DD .*; got '{as_of}'"


@pytest.fixture(scope="module")
def practice(tmp_path_factory):
    folder = write_practice(generate_practice(lines=120, seed=3), tmp_path_factory.mktemp("api") / "practice")
    inputs = read_audit_folder(folder)
    lines, payments = inputs.claim_lines.drop(columns="_row"), inputs.payments.drop(columns="_row")
    return {"folder": folder, "inputs": inputs, "lines": lines, "payments": payments,
            "expected": audit_tables(lines, payments).findings}


def _same_findings(practice, lines=None, payments=None):
    found = audit_tables(practice["lines"] if lines is None else lines,
                         practice["payments"] if payments is None else payments).findings
    pd.testing.assert_frame_equal(found, practice["expected"])


# --------------------------------------------------------------------------- tables handed over


@pytest.mark.parametrize("form", [
    lambda s: s.dt.strftime("%Y-%m-%d"),
    lambda s: s.dt.tz_localize("Asia/Tokyo"),
    lambda s: s + pd.Timedelta(hours=23),
    lambda s: s.dt.date,
    lambda s: s.dt.date.astype("date32[pyarrow]"),
], ids=["text", "tz-aware", "time of day", "date objects", "date32"])
def test_dates_in_any_pandas_form_audit_as_dates(practice, form):
    lines = practice["lines"]
    _same_findings(practice, lines=lines.assign(service_date=form(lines["service_date"])))


@pytest.mark.parametrize("form", [
    lambda p: p.assign(paid_cents=p["paid_cents"].astype("float64")),
    lambda p: p.assign(paid_cents=p["paid_cents"].astype("int64[pyarrow]")),
    lambda p: p.drop(columns="paid_cents").assign(paid=p["paid_cents"] / 100),
    lambda p: p.drop(columns="paid_cents").assign(paid="$" + (p["paid_cents"] / 100).map("{:,.2f}".format)),
], ids=["float whole cents", "arrow cents", "float dollars", "dollar text"])
def test_money_given_exactly_audits_to_the_cent(practice, form):
    _same_findings(practice, payments=form(practice["payments"]))


def test_categorical_ids_another_index_and_spaced_names_audit_the_same(practice):
    lines = practice["lines"].astype({"claim_id": "category", "procedure_code": "category"})
    lines = lines.set_axis(lines.index * 7 + 100).rename(columns={"units": " units "})
    _same_findings(practice, lines=lines, payments=practice["payments"].set_axis([0] * len(practice["payments"])))


@pytest.mark.parametrize("change, said", [
    (lambda p: p.assign(paid_cents=p["paid_cents"] / 100),
     r"payments: \d+ value\(s\) the kit cannot use:\n  index label \d+, column 'paid_cents': expected whole "
     r"cents \(an integer number of cents\); dollars go in column 'paid'; got \d+\.\d+"),
    (lambda p: p.drop(columns="paid_cents").assign(paid=p["paid_cents"] / 100 + 0.001),
     r"column 'paid': expected an amount in dollars with at most two decimals .*; got 0.001"),
    (lambda p: p.assign(paid_cents=p["paid_cents"].astype("Int64").mask(p.index == 3)),
     r"index label 3, column 'paid_cents': expected a value \(this column may not be blank\); got blank"),
    (lambda p: p.assign(claim_id=p["claim_id"].mask(p.index == 2)),
     r"index label 2, column 'claim_id': expected a value"),
    (lambda p: p.drop(columns="paid_cents"),
     r"payments: no column 'paid_cents' \(whole cents\) or 'paid' \(dollars\)"),
], ids=["float dollars as cents", "a tenth of a cent", "missing amount", "missing key", "no paid column"])
def test_unusable_payments_are_refused_by_table_row_and_column(practice, change, said):
    with pytest.raises(InputError, match=said):
        audit_tables(practice["lines"], change(practice["payments"]))


@pytest.mark.parametrize("column, bad, said", [
    ("line_no", 0, r"column 'line_no': expected a whole number >= 1; got 0"),
    ("units", 10**10, r"column 'units': expected a whole number of at most 999,999,999; got 10000000000"),
    ("charge_cents", -10**14, r"column 'charge_cents': expected an amount under a trillion dollars .*; "
                              r"got -100000000000000"),
    ("service_date", pd.Timestamp("1850-01-01"),
     r"column 'service_date': expected a date between 1900-01-01 and 2100-12-31; got Timestamp\('1850-01-01"),
    ("submitted_date", pd.NaT, r"column 'submitted_date': expected a value \(this column may not be blank\)"),
], ids=["line 0", "ten-digit units", "a trillion dollars", "before 1900", "no date"])
def test_columns_of_the_in_memory_type_are_held_to_the_rules_of_their_text(practice, column, bad, said):
    lines = practice["lines"]
    changed = lines.assign(**{column: lines[column].where(lines.index != 5, bad)})
    assert changed[column].dtype == lines[column].dtype
    with pytest.raises(InputError, match="index label 5, " + said):
        audit_tables(changed, practice["payments"])


def test_a_repeated_claim_line_is_refused_with_its_position(practice):
    lines = pd.concat([practice["lines"], practice["lines"].iloc[:1]])
    with pytest.raises(InputError, match=rf"index label 0 \(position {len(lines) - 1}\), columns claim_id,line_no"):
        audit_tables(lines, practice["payments"])


def test_score_refuses_float_cents_and_blank_keys_by_name(practice):
    labels = read_table(practice["folder"] / "labels.csv").data
    found = audit_tables(practice["lines"], practice["payments"]).findings
    assert score(found, labels.drop(columns="at_risk_cents").assign(at_risk=labels["at_risk_cents"] / 100)).equals(
        score(found, labels))
    with pytest.raises(InputError, match=r"(?s)labels: .*column 'at_risk_cents': expected whole cents"):
        score(found, labels.assign(at_risk_cents=labels["at_risk_cents"] / 100))
    with pytest.raises(InputError, match=r"(?s)findings: .*index label 0, column 'line_no': expected a value"):
        score(found.assign(line_no=found["line_no"].astype("Int64").mask(found.index == 0)), labels)


# --------------------------------------------------------------------------- custom rules


def _run(practice, answer):
    rule = custom_rule("my_check", category="incorrect_billing")(answer)
    return run_audit(practice["inputs"], extra_rules=[rule], only=["my_check"])


@pytest.mark.parametrize("answer, said", [
    (lambda ctx: 1 / 0, r"rule 'my_check' \(CUSTOM-MY_CHECK\) failed: ZeroDivisionError: division by zero"),
    (lambda ctx: ctx.lines["procedure_code"].eq("99215").iloc[:10],
     r"rule 'my_check' .* returned a boolean Series of 10 values whose index is not ctx.lines'"),
    (lambda ctx: ctx.lines["procedure_code"].eq("99215").set_axis(ctx.lines.index + 1000),
     r"returned a boolean Series of \d+ values whose index is not ctx.lines'"),
    (lambda ctx: pd.Series(False, index=[0] * len(ctx.lines)), r"whose index is not ctx.lines'"),
    (lambda ctx: ctx.lines.loc[ctx.lines["units"] > 1].reset_index(drop=True).rename(lambda i: i + 9000),
     r"rule 'my_check' .* returned a DataFrame of \d+ rows without a 'line' column"),
    (lambda ctx: ctx.lines["procedure_code"].eq("99215").astype(int), r"returned Series of int64; expected"),
    (lambda ctx: None, r"returned NoneType; expected a boolean Series"),
    (lambda ctx: pd.DataFrame({"line": [0.5]}), r"column 'line' must hold whole-number positions .*; got 0.5"),
    (lambda ctx: pd.DataFrame({"line": [0, 1], "at_risk_cents": pd.array([1, None], dtype="Int64")}),
     r"column 'at_risk_cents' must hold whole cents \(int\); got <NA> at position 1"),
    (lambda ctx: pd.DataFrame({"line": [0], "at_risk_cents": ["$1.50"]}), r"whole cents \(int\); got '\$1.50'"),
], ids=["raises", "short mask", "mask on another index", "repeated index", "rows of another index",
        "numbers, not a mask", "nothing", "half a line", "missing amount", "dollar text"])
def test_a_faulty_custom_rule_is_named(practice, answer, said):
    with pytest.raises(InvalidParameterError, match=said):
        _run(practice, answer)


def test_a_custom_rule_error_keeps_the_original_as_its_cause(practice):
    with pytest.raises(InvalidParameterError) as raised:
        _run(practice, lambda ctx: ctx.lines["no_such_column"])
    assert isinstance(raised.value.__cause__, KeyError)


def test_whole_float_cents_from_a_rule_are_kept_exactly(practice):
    found = _run(practice, lambda ctx: pd.DataFrame({"line": np.flatnonzero(ctx.is_paid)[:2],
                                                     "at_risk_cents": [101.0, 7.0]})).findings
    assert found["at_risk_cents"].tolist() == [101, 7]


def test_date_objects_read_as_their_own_calendar_day(practice):
    lines = practice["lines"]
    east = lines["service_date"].dt.tz_localize("Pacific/Kiritimati")
    typed = audit_tables(lines.assign(service_date=east.astype(object)), practice["payments"]).lines
    assert (typed["service_date"].dt.date == lines["service_date"].dt.date).all()


# --------------------------------------------------------------------------- appeal decisions


_NOTICE = {"notice_id": ["N1"], "payer_id": ["MCR"], "claim_id": ["C1"], "line_no": [1],
           "notice_date": pd.to_datetime(["2024-01-02"]), "amount_cents": [10000], "error_type": ["upcoding"]}
_DECIDE_WITH = {
    "payers": pd.DataFrame({"payer_id": ["MCR"], "name": ["Medicare"], "payer_type": ["medicare"], "state": [""]}),
    "findings": pd.DataFrame({"claim_id": ["C1"], "line_no": [1], "error_type": ["upcoding"],
                              "at_risk_cents": [4000]}),
    "payments": pd.DataFrame({"claim_id": ["C1"], "line_no": [1], "payment_date": pd.to_datetime(["2023-11-01"]),
                              "paid_cents": [12000]}),
}


@pytest.mark.parametrize("change", [
    lambda n: n.assign(notice_date=n["notice_date"].dt.tz_localize("US/Eastern")),
    lambda n: n.assign(notice_date=["2024-01-02"]),
    lambda n: n.drop(columns="amount_cents").assign(amount=["$100.00"]),
    lambda n: n.assign(amount_cents=[10000.0], error_type=["UPCODING"]),
], ids=["tz-aware", "text date", "dollar text", "float whole cents"])
def test_decide_reads_notices_as_their_file_would(change):
    expected = decide(pd.DataFrame(_NOTICE), **_DECIDE_WITH)
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        found = decide(change(pd.DataFrame(_NOTICE)), **_DECIDE_WITH)
    pd.testing.assert_frame_equal(found[expected.columns], expected)


@pytest.mark.parametrize("change, said", [
    (lambda n: n.assign(amount_cents=[6.09]),
     r"notices: 1 value\(s\) .*\n  index label 0, column 'amount_cents': expected whole cents .*; "
     r"dollars go in column 'amount'; got 6.09"),
    (lambda n: n.assign(notice_id=[""]), r"index label 0, column 'notice_id': expected a value"),
    (lambda n: n.drop(columns="amount_cents"), r"notices: no column 'amount_cents' \(whole cents\) or 'amount'"),
], ids=["float dollars as cents", "blank notice_id", "no amount"])
def test_decide_refuses_unusable_notices_by_row_and_column(change, said):
    with pytest.raises(InputError, match=said):
        decide(change(pd.DataFrame(_NOTICE)), **_DECIDE_WITH)


def test_usable_notices_reads_a_table_as_its_file_would():
    payers = _DECIDE_WITH["payers"]
    expected = usable_notices(pd.DataFrame(_NOTICE), payers, as_of="2024-01-02")[0]
    found = usable_notices(pd.DataFrame(_NOTICE).assign(notice_date=["2024-01-02"]), payers, as_of="2024-01-02")[0]
    pd.testing.assert_frame_equal(found, expected)
    with pytest.raises(InputError, match=r"notices: .*\n  index label 0, column 'amount_cents': expected whole cents"):
        usable_notices(pd.DataFrame(_NOTICE).assign(amount_cents=[6.09]), payers)


def test_the_appeal_step_does_not_check_the_tables_it_typed(practice, monkeypatch):
    checked = []
    monkeypatch.setattr(_decide, "checked_frame", lambda *a: checked.append(a[2]))
    assert len(appeal_folder(practice["folder"]).decisions)
    assert checked == []


def test_run_appeals_checks_the_findings_handed_to_it(decided):
    findings = decided.audit.findings
    assert len(findings)
    with pytest.raises(InputError, match=r"findings: .*\n  index label 0, column 'at_risk_cents': expected whole cents"):
        run_appeals(decided.inputs, findings.assign(at_risk_cents=findings["at_risk_cents"] + 0.7), "2026-03-01")


# --------------------------------------------------------------------------- reconciliation


@pytest.fixture(scope="module")
def remit_and_notices(practice):
    return read_835(practice["folder"] / "remits"), read_table(practice["folder"] / "notices.csv")


@pytest.mark.parametrize("form", [
    lambda n: n.assign(notice_date=n["notice_date"].dt.strftime("%Y-%m-%d")),
    lambda n: n.assign(amount_cents=n["amount_cents"].astype("float64")),
    lambda n: n.drop(columns="amount_cents").assign(amount="$" + (n["amount_cents"] / 100).map("{:,.2f}".format)),
], ids=["text date", "float whole cents", "dollar text"])
def test_reconcile_reads_notices_as_their_file_would(remit_and_notices, form):
    remit, parsed = remit_and_notices
    expected = reconcile(remit, notices=parsed)
    found = reconcile(remit, notices=form(parsed.data.drop(columns="_row")))
    assert len(expected.ledger) and found.as_of == expected.as_of
    pd.testing.assert_frame_equal(found.ledger, expected.ledger)
    pd.testing.assert_frame_equal(found.links, expected.links)


def test_reconcile_refuses_float_dollars_as_cents_and_leaves_parsed_notices_unchecked(remit_and_notices,
                                                                                        monkeypatch):
    remit, parsed = remit_and_notices
    notices = parsed.data.drop(columns="_row")
    with pytest.raises(InputError, match=r"notices: .*\n  index label 0, column 'amount_cents': expected whole cents"):
        reconcile(remit, notices=notices.assign(amount_cents=notices["amount_cents"] / 100))
    monkeypatch.setattr(notices_module, "checked_frame", None)
    assert reconcile(remit, notices=parsed).notices.rows_used == parsed.rows_used


@pytest.mark.parametrize("as_of", NO_DAYS)
def test_reconcile_names_an_as_of_that_is_no_day(remit_and_notices, as_of):
    with pytest.raises(InvalidParameterError, match=_no_day(as_of)):
        reconcile(remit_and_notices[0], notices=remit_and_notices[1], as_of=as_of)


# --------------------------------------------------------------------------- as_of


@pytest.fixture(scope="module")
def decided(practice):
    return appeal_folder(practice["folder"])


_LEDGER = pd.DataFrame({"notice_id": ["N1"], "notice_date": pd.to_datetime(["2025-01-02"]),
                        "amount_cents": [10000], "open_cents": [10000]})
_AS_OF_TAKERS = {
    "build_report": lambda p, d, as_of: build_report(demo_path("family_practice"), as_of),
    "report_from_audit": lambda p, d, as_of: report_from_audit(d.audit, as_of),
    "appeal_folder before reading": lambda p, d, as_of: appeal_folder(p["folder"] / "nowhere", as_of),
    "run_appeals": lambda p, d, as_of: run_appeals(d.inputs, d.audit.findings, as_of),
    "worklist": lambda p, d, as_of: worklist(d.decisions, as_of),
    "letters": lambda p, d, as_of: letters(d.decisions, as_of),
    "interest_table": lambda p, d, as_of: interest_table(d.decisions, as_of),
    "interest_due": lambda p, d, as_of: interest_due(10000, "2025-01-02", as_of),
    "open_ledger": lambda p, d, as_of: open_ledger(_LEDGER.assign(net_taken_cents=0, payment_date=pd.NaT),
                                                  _LEDGER, as_of),
    "paid_after": lambda p, d, as_of: paid_after(_LEDGER.rename(columns={"notice_date": "payment_date"}), as_of),
    "notice_aging": lambda p, d, as_of: notice_aging(_LEDGER, as_of),
    "outcomes_in_run": lambda p, d, as_of: outcomes_in_run(
        pd.DataFrame({"notice_id": ["N1"], "level": [1], "outcome": ["won"]}), as_of=as_of),
    "patient_credit_balances": lambda p, d, as_of: patient_credit_balances(
        pd.DataFrame({"patient_id": ["P1"], "refund_cents": [500], "arose_on": pd.to_datetime(["2025-01-02"])}),
        as_of),
}


def test_ledger_aging_and_interest_read_notices_as_their_file_would():
    links = _LEDGER.assign(net_taken_cents=4000, payment_date=pd.to_datetime(["2025-02-14"]))[
        ["notice_id", "net_taken_cents", "payment_date"]]
    expected = open_ledger(links, _LEDGER, "2025-03-03")
    text_date = _LEDGER.assign(notice_date=["2025-01-02"])
    pd.testing.assert_frame_equal(open_ledger(links, text_date, "2025-03-03"), expected)
    with pytest.raises(InputError, match=r"notices: .*\n  index label 0, column 'amount_cents': expected whole cents"):
        open_ledger(links, _LEDGER.assign(amount_cents=[10000.5]), "2025-03-03")
    assert notice_aging(text_date, "2025-03-03")["amount_cents"].sum() == 10000
    with pytest.raises(InputError, match=r"notices: .*\n  index label 0, column 'open_cents': expected whole cents"):
        notice_aging(_LEDGER.assign(open_cents=[1050.7]), "2025-03-03")
    with pytest.raises(InvalidParameterError, match=r"notice_date: expected a real date written YYYY-MM-DD .*; "
                                                    r"got '2025-13-01'"):
        interest_due(10000, "2025-13-01", "2026-01-02")


def test_open_ledger_reads_links_as_recoupment_links_csv_would():
    links = _LEDGER.assign(net_taken_cents=4000, payment_date=pd.to_datetime(["2025-02-14"]))[
        ["notice_id", "net_taken_cents", "payment_date"]]
    expected = open_ledger(links, _LEDGER, "2025-03-03")
    as_written = pd.DataFrame({"notice_id": ["N1", ""], "payment_date": ["2025-02-14", "2025-02-20"],
                               "net_taken": ["40.00", "7.00"]})
    pd.testing.assert_frame_equal(open_ledger(as_written, _LEDGER, "2025-03-03"), expected)
    with pytest.raises(InputError, match=r"links: .*\n  index label 0, column 'net_taken_cents': expected whole cents"):
        open_ledger(links.assign(net_taken_cents=[4000.5]), _LEDGER, "2025-03-03")
    with pytest.raises(InputError, match=r"links: .*\n  index label 0, column 'payment_date': expected a real date"):
        open_ledger(links.assign(payment_date=["2025-02-30"]), _LEDGER, "2025-03-03")
    with pytest.raises(InputError, match=r"^links: no column 'net_taken_cents' \(whole cents\) or 'net_taken'"):
        open_ledger(links.drop(columns="net_taken_cents"), _LEDGER, "2025-03-03")


@pytest.mark.parametrize("principal", [10000.5, "10000", True, np.bool_(True), float("nan"), 2.0**60,
                                       Decimal("10000.5"), Decimal("NaN"), Decimal("sNaN"), Decimal("Infinity"),
                                       Fraction(1, 3), 10**25, -(10**25), MAX_CENTS + 1, Decimal(MAX_CENTS + 1)])
def test_interest_due_takes_a_principal_only_in_whole_cents(principal):
    assert interest_due(1_000_000.0, "2012-02-01", "2012-03-02").total_cents == 8750
    with pytest.raises(InvalidParameterError, match=r"^principal_cents: expected whole cents .*; got "):
        interest_due(principal, "2012-02-01", "2012-03-02")


@pytest.mark.parametrize("principal", [1_000_000, np.int64(1_000_000), 1_000_000.0, np.float32(1_000_000),
                                       Decimal("1000000"), Decimal("1000000.00"), Fraction(1_000_000)])
def test_interest_due_takes_a_whole_principal_of_any_number_type(principal):
    assert interest_due(principal, "2012-02-01", "2012-03-02").total_cents == 8750


@pytest.mark.parametrize("as_of", NO_DAYS)
@pytest.mark.parametrize("entry", _AS_OF_TAKERS)
def test_every_entry_point_taking_an_as_of_names_one_that_is_no_day(practice, decided, entry, as_of):
    with pytest.raises(InvalidParameterError, match=_no_day(as_of)):
        _AS_OF_TAKERS[entry](practice, decided, as_of)


@pytest.mark.parametrize("as_of", ["1800-01-01", "2300-01-01"])
@pytest.mark.parametrize("entry", ["build_report", "run_appeals", "worklist", "open_ledger"])
def test_an_as_of_outside_the_kits_dates_is_refused_as_in_a_file(practice, decided, entry, as_of):
    """The dates every file may hold (1900 to 2100) bound an as_of given from Python, as --as-of."""
    with pytest.raises(InvalidParameterError, match=rf"as_of: expected a date between 1900-01-01 and 2100-12-31; "
                                                    rf"got '{as_of}'"):
        _AS_OF_TAKERS[entry](practice, decided, as_of)


# --------------------------------------------------------------------------- sampling


@pytest.mark.parametrize("values, index, said", [
    ([0, 4520, 0, 112.5, 0, 3875], None, r"got 112.5 at index label 3$"),
    ([0, 4520, 0, 112.5, np.inf, 3875], list("abcdef"), r"got 112.5 at index label 'd' \(position 3\) \(and 1 more\)$"),
    (["0", "$45.20", 0, 1, 2, 3], None, r"got '\$45.20' at index label 1$"),
], ids=["half a cent", "labelled index", "dollar text"])
def test_appraise_variable_names_the_row_that_is_not_whole_cents(values, index, said):
    with pytest.raises(InputError, match=r"column 'overpayment_cents' must hold whole cents; " + said):
        appraise_variable(pd.DataFrame({"overpayment_cents": values}, index=index), universe_size=600)
