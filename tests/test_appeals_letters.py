"""Appeal letters: one per appealed notice, facts and rules cited, every input value escaped."""

from __future__ import annotations

import html
import re

import pandas as pd
import pytest

from recoup_lib.appeals import decide, letter_stem, letters, load_profiles, markdown_escape, write_letters

PROFILES = load_profiles()
HOSTILE_NOTICE = '=HYPERLINK("http://evil.example/x","click")'
HOSTILE_CLAIM = "<script>alert(1)</script>"
HOSTILE_PAYER = "Acme & Sons <b>Health</b> [x](http://evil.example)"


def _decisions(notice_id=HOSTILE_NOTICE, claim_id=HOSTILE_CLAIM, payer_name=HOSTILE_PAYER, payer_type="medicare",
               state="", at_risk=None, error_type="missing_signature", notice_date="2025-03-03") -> pd.DataFrame:
    notices = pd.DataFrame({
        "notice_id": [notice_id], "payer_id": ["P1"], "claim_id": [claim_id], "line_no": [1],
        "notice_date": pd.to_datetime([notice_date]), "amount_cents": [12_500], "reason_code": ["16"],
        "error_type": [error_type],
    })
    payers = pd.DataFrame({"payer_id": ["P1"], "name": [payer_name], "payer_type": [payer_type],
                           "state": [state]})
    findings = pd.DataFrame({"claim_id": [claim_id], "line_no": [1], "error_type": [error_type],
                             "at_risk_cents": [at_risk if at_risk is not None else 0]})
    if at_risk is None:
        findings = findings.iloc[0:0]
    payments = pd.DataFrame({"claim_id": [claim_id], "line_no": [1],
                             "payment_date": pd.to_datetime(["2025-01-10"]), "paid_cents": [15_000]})
    documentation = pd.DataFrame({"claim_id": [claim_id], "line_no": [1],
                                  "note_present": pd.array([True], dtype="boolean"),
                                  "signed": pd.array([True], dtype="boolean"), "documented_code": [""]})
    claim_lines = pd.DataFrame({
        "claim_id": [claim_id], "line_no": [1], "patient_id": ["PT|*_`7"], "payer_id": ["P1"],
        "rendering_npi": ["1999999984"], "service_date": pd.to_datetime(["2024-12-02"]),
        "procedure_code": ["99214"], "modifiers": ["25"], "units": [1],
    })
    return decide(notices, payers, findings, payments, documentation=documentation, claim_lines=claim_lines,
                  profiles=PROFILES)


def test_letters_html_escapes_every_input_value():
    (letter,) = letters(_decisions(), "2025-03-10", PROFILES)
    page = letter.html
    assert "<script>" not in page and "<b>Health</b>" not in page
    assert html.escape(HOSTILE_CLAIM) in page
    assert "Acme &amp; Sons &lt;b&gt;Health&lt;/b&gt;" in page
    assert "=HYPERLINK(&#34;http://evil.example/x&#34;,&#34;click&#34;)" in page
    assert '<a ' not in page and 'href' not in page


def test_letters_markdown_leaves_no_live_html_link_or_table_break():
    (letter,) = letters(_decisions(), "2025-03-10", PROFILES)
    text = letter.markdown
    assert "<script>" not in text and "<b>" not in text
    assert "&lt;script&gt;alert(1)&lt;/script&gt;" in text
    assert re.search(r"(?<!\\)\]\(", text) is None and "http://" not in text  # no unescaped ]( link
    assert r"\[x\](http:\/\/evil.example)" in text
    assert r"PT\|\*\_\`7" in text  # a pipe in a value cannot break the facts table
    assert r"=HYPERLINK(\"http" not in text and '=HYPERLINK("http:\\/\\/evil.example/x","click")' in text


def test_letters_file_names_are_safe_and_unique(tmp_path):
    a = _decisions(notice_id="../../etc/passwd")
    b = _decisions(notice_id="..\\..\\etc\\passwd")
    drafts = letters(pd.concat([a, b], ignore_index=True), "2025-03-10", PROFILES)
    written = write_letters(drafts, tmp_path / "letters")
    assert [p.name for p in written] == ["letter_etc_passwd.md", "letter_etc_passwd.html",
                                         "letter_etc_passwd_2.md", "letter_etc_passwd_2.html"]
    assert all(p.parent == tmp_path / "letters" for p in written)


def test_letter_stem_of_only_symbols_is_notice():
    assert letter_stem("<<>>") == "letter_notice"


def test_markdown_escape_blank_and_missing_become_empty():
    assert markdown_escape(None) == "" and markdown_escape(pd.NA) == "" and markdown_escape("a\nb") == "a b"


def test_letters_only_for_appeal_and_partial():
    accepted = _decisions(notice_id="ACC", at_risk=12_500)
    partial = _decisions(notice_id="PART", at_risk=5_000)
    appealed = _decisions(notice_id="APP")
    assert accepted["recommendation"].iloc[0] == "accept"
    drafts = letters(pd.concat([accepted, partial, appealed], ignore_index=True), "2025-03-10", PROFILES)
    assert [d.notice_id for d in drafts] == ["PART", "APP"]
    assert "We accept $50.00 of the $125.00 demanded and ask you to reverse the remaining $75.00." \
        in drafts[0].markdown


def test_medicare_letter_has_redetermination_elements_and_935_stay_while_in_time():
    (letter,) = letters(_decisions(notice_id="N1", claim_id="C1", payer_name="MAC"), "2025-03-10", PROFILES)
    text = letter.markdown
    assert text.startswith("# Request for Redetermination")
    for element in ("| Beneficiary | PT", "| Medicare number (MBI) | \\[fill in\\]", "| Claim and line | C1, line 1 |",
                    "| Service | 99214 with modifiers 25, 1 unit |", "| Date of service | 2024-12-02 |",
                    "## Why we disagree", "present and signed"):
        assert element in text
    assert "SSA §1893(f)(2); 42 CFR 405.379" in text
    assert "This request is sent to reach you within 30 days of the demand letter" in text
    assert "1. The note showing the signature and its date" in text
    assert "received by 2025-04-01, to keep the money from being taken" in text  # 2025-03-03 + 29


def test_medicare_letter_after_day_30_drops_the_stay_claim_and_after_file_by_warns():
    d = _decisions(notice_id="N1", claim_id="C1", payer_name="MAC")
    late = letters(d, "2025-04-02", PROFILES)[0].markdown
    assert "within 30 days of the demand letter" not in late and "42 CFR 405.379" not in late
    assert "File by 2025-07-06." in late
    very_late = letters(d, "2025-07-07", PROFILES)[0].markdown
    assert "The filing deadline (2025-07-06) has passed" in very_late


def test_commercial_letter_cites_the_state_statute_and_its_notice_rules():
    d = _decisions(notice_id="N2", claim_id="C2", payer_name="Lone Star HMO", payer_type="commercial", state="TX",
                   error_type="duplicate_claim")
    text = letters(d, "2025-03-10", PROFILES)[0].markdown
    assert text.startswith("# Appeal of an overpayment recovery")
    assert "28 TAC §21.2818: Written notice listing the specific claims" in text
    assert "A timely appeal stops recovery until it is decided" in text
    assert "Medicare number" not in text


def test_lookback_letter_argues_timing_and_reminds_of_own_audit_support():
    d = _decisions(notice_id="N4", claim_id="C4", payer_name="Golden", payer_type="commercial", state="CA",
                   error_type="duplicate_claim", at_risk=12_500, notice_date="2026-02-01")
    assert d["recommendation"].iloc[0] == "appeal" and d["merit_basis"].iloc[0] == "lookback"
    text = letters(d, "2026-02-05", PROFILES)[0].markdown
    assert "after the limit of 365 days from the payment date" in text
    assert "The recovery is untimely." in text
    assert "Our own audit supports $125.00 on this line" in text


def test_medicare_letter_asks_for_good_cause_when_reopened_after_a_year():
    d = _decisions(notice_id="N5", claim_id="C5", payer_name="MAC", error_type="duplicate_claim",
                   notice_date="2026-03-02")
    assert bool(d["reopening_needs_good_cause"].iloc[0])
    text = letters(d, "2026-03-05", PROFILES)[0].markdown
    assert "The claim was paid on 2025-01-10, more than a year before this notice: please state the good cause" \
        in text


@pytest.mark.parametrize("payer_type, state, rule_line, check_line", [
    ("commercial", "WY", "The dispute terms of our provider agreement apply.",
     "replace the rule lines with the dispute clause of your provider agreement"),
    ("medicaid", "OH", "The state Medicaid program's provider appeal rules apply.",
     "RecoupKit's Medicaid deadlines are assumptions"),
])
def test_letter_without_researched_statute_says_what_applies_and_what_to_check(payer_type, state, rule_line,
                                                                                 check_line):
    d = _decisions(notice_id="N6", claim_id="C6", payer_name="Payer", payer_type=payer_type, state=state,
                   error_type="units_over_mue")
    text = letters(d, "2025-03-10", PROFILES)[0].markdown
    assert rule_line in text and check_line in text
