"""Contractor reviews: the audit program tables, their calendars, the sample of claims, the letters."""

from __future__ import annotations

import html
from fractions import Fraction

import pandas as pd
import pytest

from recoup_lib.appeals import (PROGRAMS, audit_calendar, load_audit_rules, medicare_dates, probe_rates,
                                probe_results, rac_adr_limit, request_letter, results_letter, review_claims)
from recoup_lib.errors import InputError, InvalidParameterError

RULES = load_audit_rules()


def _lines(n_claims=40, payer="MCR01"):
    rows = []
    for i in range(n_claims):
        for line_no, code, paid in ((1, "99214" if i % 2 else "99213", 10_000 + i), (2, "36415", 300)):
            rows.append({"claim_id": f"C{i:04d}", "line_no": line_no, "patient_id": f"P{i % 7}",
                         "payer_id": payer if i % 5 else "CMX-GA", "rendering_npi": "1999999984",
                         "service_date": pd.Timestamp("2025-03-01") + pd.Timedelta(days=i),
                         "procedure_code": code, "paid_cents": paid if i != 3 else 0})
    return pd.DataFrame(rows)


def test_every_program_and_deadline_row_names_its_source_url_and_status():
    for table in (RULES.programs, RULES.deadlines):
        assert table["source_url"].str.startswith("https://").all()
        assert set(table["status"]) <= {"confirmed", "secondary", "unconfirmed"}
    assert set(RULES.programs["program"]) == set(PROGRAMS)
    assert set(RULES.deadlines["program"]) <= set(PROGRAMS)


@pytest.mark.parametrize("program, days", [("mac_adr", 45), ("tpe", 45), ("rac", 45), ("upic", 30), ("cert", 60)])
def test_records_due_counts_calendar_days_from_the_letter(program, days):
    cal = audit_calendar(program, "2025-01-31").set_index("event")
    assert cal.loc["records_due", "date"] == pd.Timestamp("2025-01-31") + pd.Timedelta(days=days)


def test_rac_discussion_period_is_day_30_and_the_claim_goes_to_the_mac_on_day_31():
    cal = audit_calendar("rac", "2025-03-03", results_letter="2025-05-01").set_index("event")
    assert cal.loc["discussion_request_by", "date"] == pd.Timestamp("2025-05-30")
    assert cal.loc["sent_to_mac", "date"] == pd.Timestamp("2025-05-31")
    assert cal["date"].is_monotonic_increasing


def test_calendar_leaves_out_steps_whose_start_is_not_known_yet():
    cal = audit_calendar("rac", "2025-03-03")
    assert set(cal["counted_from"]) == {"letter"}
    with_records = audit_calendar("tpe", "2025-03-03", records_received="2025-04-01")
    decided = with_records.set_index("event").loc["decision_by_postpayment", "date"]
    assert decided == pd.Timestamp("2025-05-31")


def test_unknown_program_or_event_names_the_known_ones():
    with pytest.raises(InvalidParameterError, match="expected one of mac_adr, tpe"):
        audit_calendar("zpic", "2025-01-01")
    with pytest.raises(InvalidParameterError, match="its events: records_due"):
        RULES.event("upic", "discussion_request_by")


@pytest.mark.parametrize("paid, limit", [(22_530, 14), (47_476, 30), (263_127, 164), (0, 0), (799, 0)])
def test_rac_adr_limit_matches_the_published_examples(paid, limit):
    # 22,530 -> 14 (npiregistry.org); 47,476 -> 30 and 263,127 -> 164 (Gawenda Seminars)
    assert rac_adr_limit(paid) == limit


def test_rac_adr_limit_refuses_a_negative_or_fractional_count():
    with pytest.raises(InvalidParameterError):
        rac_adr_limit(-1)
    with pytest.raises(InvalidParameterError):
        rac_adr_limit(12.5)


def test_review_claims_draws_reproducibly_from_paid_claims_of_the_payer_and_codes():
    lines = _lines()
    a = review_claims(lines, 10, 42, payer_ids=["MCR01"], codes=["99214"])
    b = review_claims(lines, 10, 42, payer_ids=["MCR01"], codes=["99214"])
    assert a.claims["claim_id"].tolist() == b.claims["claim_id"].tolist()
    assert a.claims["payer_id"].eq("MCR01").all()
    assert a.claims["procedure_codes"].str.contains("99214").all()
    assert "C0003" not in set(a.claims["claim_id"])  # a 99214 claim of MCR01 that was paid nothing
    universe = lines.loc[lines["payer_id"].eq("MCR01")].groupby("claim_id")
    odd = [c for c, g in universe if g["procedure_code"].eq("99214").any() and g["paid_cents"].sum() > 0]
    assert a.universe_size == len(odd)
    assert a.design["seed"] == 42 and a.design["sample_size"] == 10
    other = review_claims(lines, 10, 43, payer_ids=["MCR01"], codes=["99214"])
    assert other.claims["claim_id"].tolist() != a.claims["claim_id"].tolist()


def test_review_claims_sums_the_claims_lines():
    claims = review_claims(_lines(), 5, 1).claims
    lines = _lines().groupby("claim_id")["paid_cents"].sum()
    assert (claims.set_index("claim_id")["paid_cents"] == lines.loc[claims["claim_id"]]).all()
    assert (claims["lines"] == 2).all()


def test_review_claims_too_large_a_review_says_how_many_fit():
    with pytest.raises(InvalidParameterError, match="only .* fit"):
        review_claims(_lines(), 500, 1)
    with pytest.raises(InvalidParameterError, match="no paid claim"):
        review_claims(_lines(), 5, 1, codes=["00000"])


def test_probe_results_and_rates_cap_each_line_at_what_was_paid():
    claims = pd.DataFrame({"claim_id": ["A", "B", "C"], "paid_cents": [10_000, 5_000, 2_000]})
    findings = pd.DataFrame({"claim_id": ["A", "A", "B"], "line_no": [1, 1, 1],
                             "error_type": ["duplicate_claim", "missing_documentation", "upcoding"],
                             "at_risk_cents": [10_000, 10_000, 1_500], "paid_cents": [10_000, 10_000, 5_000]})
    res = probe_results(claims, findings).set_index("claim_id")
    assert res.loc["A", "at_risk_cents"] == 10_000  # two findings, one line, capped at the $100 paid
    assert res.loc["A", "errors"] == "duplicate_claim;missing_documentation"
    assert not res.loc["C", "in_error"] and res.loc["C", "errors"] == ""
    rates = probe_rates(res.reset_index())
    assert rates.claim_error_rate == Fraction(2, 3)
    assert rates.payment_error_rate == Fraction(11_500, 17_000)
    assert not rates.passed(0.5) and rates.passed(0.7)


def test_request_letter_lists_every_claim_and_the_due_date_and_says_it_is_a_sample():
    sample = review_claims(_lines(), 6, 3, payer_ids=["MCR01"])
    letter = request_letter("tpe", sample.claims, letter_date="2025-09-02", practice="Demo", npi="1999999984",
                            contractor="Example MAC", reason="level 4 visits")
    for claim in sample.claims["claim_id"]:
        assert claim in letter.markdown and claim in letter.html
    assert "2025-10-17" in letter.markdown  # 45 days after 2025-09-02
    assert "TRAINING SAMPLE" in letter.markdown and "TRAINING SAMPLE" in letter.html
    assert letter.kind == "request" and letter.calendar["event"].tolist()[0] == "records_due"


def test_results_letter_shows_findings_rates_and_the_demand_letter_dates():
    claims = pd.DataFrame({"claim_id": ["A", "B"], "patient_id": ["P1", "P2"],
                           "service_date": pd.to_datetime(["2025-01-02", "2025-01-03"]),
                           "procedure_codes": ["99214", "99213"], "paid_cents": [10_000, 5_000]})
    findings = pd.DataFrame({"claim_id": ["A"], "line_no": [1], "error_type": ["upcoding"],
                             "at_risk_cents": [2_500], "paid_cents": [10_000]})
    letter = results_letter("rac", probe_results(claims, findings), letter_date="2025-11-03", practice="Demo",
                            npi="1", contractor="Example RAC")
    assert "1 had an error, $25.00 of $150.00 paid" in letter.markdown
    demand = medicare_dates(["2025-12-03"]).iloc[0]  # day 31 of the results letter
    assert f"{demand['stop_offset_by']:%Y-%m-%d}" in letter.markdown
    assert f"{demand['offset_starts']:%Y-%m-%d}" in letter.markdown


def test_letters_escape_hostile_values():
    claims = pd.DataFrame({"claim_id": ["<script>x</script>"], "patient_id": ["[x](http://evil.example)"],
                           "service_date": pd.to_datetime(["2025-01-02"]), "procedure_codes": ["99214|99"],
                           "paid_cents": [100]})
    letter = request_letter("rac", claims, letter_date="2025-01-05", practice="A & <b>B</b>", npi="1",
                            contractor="C", reason="r")
    assert "<script>" not in letter.html and html.escape("<script>x</script>") in letter.html
    assert "<b>B</b>" not in letter.html
    assert "<script>" not in letter.markdown and "](http://" not in letter.markdown
    assert "99214\\|99" in letter.markdown


def test_a_folder_copy_replaces_the_shipped_table_and_a_bad_value_names_row_and_column(tmp_path):
    shipped = (RULES.sources, load_audit_rules(tmp_path).sources)
    assert shipped[0] == shipped[1]
    text = (load_audit_rules.__globals__["_DEADLINES_SPEC"].name)
    from recoup_lib.appeals import DATA_DIR
    copy = (DATA_DIR / text).read_text(encoding="utf-8").replace("upic,records_due,30,", "upic,records_due,21,")
    (tmp_path / text).write_text(copy, encoding="utf-8")
    mine = load_audit_rules(tmp_path)
    assert mine.number("upic", "records_due") == 21 and mine.sources[text] == str(tmp_path / text)
    (tmp_path / text).write_text(copy.replace("upic,records_due,21,", "upic,records_due,soon,"), encoding="utf-8")
    with pytest.raises(InputError, match=r"audit_deadlines.csv, row \d+, column 'value'"):
        load_audit_rules(tmp_path)
