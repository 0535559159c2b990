"""The widgets' logic (deck, grading, score, deadline calendar, outcomes) and the widgets without a browser."""

from __future__ import annotations

import datetime as dt
import json
import shutil
from pathlib import Path

import pandas as pd
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

import recoup_lib.widgets as widgets
from recoup_lib.appeals import load_profiles, medicare_dates, profile_dates, profile_for
from recoup_lib.errors import InputError
from recoup_lib.rules import ERROR_TYPES, default_registry
from recoup_lib.widgets import AppealDesk, ReviewSession, appeal_desk, build_deck, claim_reviewer, grade
from recoup_lib.widgets.remittance import remittance_explainer
from recoup_lib.widgets._appeal_desk import (DESK_CHOICES, calendar_chart, deadline_calendar, desk_from_folder,
                                             desk_from_practice, grade_choice, training_desk)
from recoup_lib.widgets._review import CHOICES, card_html, rule_explanation

ROOT = Path(__file__).resolve().parents[1]
DEMO = ROOT / "synthetic" / "demo" / "family_practice"
PROFILES = load_profiles()


@pytest.fixture(scope="module")
def every_type_deck():
    """No clean claims: the round-robin draw gives one claim of each of the ten types first."""
    return build_deck(DEMO, size=10, seed=4, clean_share=0.0)


@pytest.fixture(scope="module")
def mixed_deck():
    return build_deck(DEMO, size=10, seed=4, clean_share=0.5)


# --- the deck ---------------------------------------------------------------

def test_build_deck_same_seed_gives_same_claims_in_same_order():
    first = build_deck(DEMO, size=8, seed=21)
    again = build_deck(DEMO, size=8, seed=21)
    assert [c.claim_id for c in first] == [c.claim_id for c in again]
    assert all(a.lines.equals(b.lines) and a.payments.equals(b.payments) for a, b in zip(first, again))


def test_build_deck_other_seed_gives_other_deck():
    assert [c.claim_id for c in build_deck(DEMO, size=8, seed=1)] != \
        [c.claim_id for c in build_deck(DEMO, size=8, seed=2)]


def test_build_deck_mixes_clean_and_erroneous_claims_by_share(mixed_deck):
    labels = pd.read_csv(DEMO / "labels.csv", dtype={"claim_id": "str"})
    labelled = set(labels["claim_id"])
    clean = [c for c in mixed_deck if c.is_clean]
    assert len(clean) == 5 and len(mixed_deck) == 10
    assert all(c.claim_id not in labelled for c in clean)
    assert all(c.claim_id in labelled for c in mixed_deck if not c.is_clean)
    assert all((c.lines["paid_cents"] > 0).any() for c in clean)


def test_build_deck_round_robin_shows_every_error_type(every_type_deck):
    assert {e for c in every_type_deck for e in c.answer} == set(ERROR_TYPES)


def test_build_deck_card_answer_matches_labels(every_type_deck):
    labels = pd.read_csv(DEMO / "labels.csv", dtype={"claim_id": "str"})
    for card in every_type_deck:
        expected = set(labels.loc[labels["claim_id"] == card.claim_id, "error_type"])
        assert set(card.answer) == expected
        assert set(card.lines["line_no"]) >= set(card.key["line_no"])


@pytest.fixture(scope="module")
def practice():
    from recoup_lib.synthetic import generate_practice

    return generate_practice(lines=1500, seed=3)


def test_build_deck_from_practice_in_memory_is_seeded(practice):
    a = build_deck(practice, size=6, seed=9)
    b = build_deck(practice, size=6, seed=9)
    assert [c.claim_id for c in a] == [c.claim_id for c in b]
    assert any(not c.is_clean for c in a)




@pytest.mark.parametrize("kwargs, message", [({"size": 0}, "size: expected a whole number >= 1"),
                                             ({"clean_share": 1.5}, "clean_share: expected a share")])
def test_build_deck_bad_arguments_raise(kwargs, message):
    with pytest.raises(ValueError, match=message):
        build_deck(DEMO, **kwargs)


def test_build_deck_refuses_findings_it_would_not_use(practice):
    """A practice (a folder with labels.csv, or in memory) is graded against its answer key: findings given
    with it were ignored without a word."""
    findings = pd.DataFrame({"claim_id": ["C1"], "line_no": [1], "error_type": ["upcoding"], "at_risk_cents": [1]})
    with pytest.raises(ValueError, match=r"findings: .*labels.csv is the answer key .* not against findings"):
        build_deck(DEMO, findings=findings)
    with pytest.raises(ValueError, match="findings: a practice in memory is graded against its own answer key"):
        build_deck(practice, findings=findings)


def test_card_html_shows_every_line_and_escapes_text(every_type_deck):
    card = every_type_deck[0]
    page = card_html(card)
    assert f"Claim {card.claim_id}" in page
    assert all(f"<td>{code}</td>" in page for code in card.lines["procedure_code"])


# --- grading ----------------------------------------------------------------

@pytest.mark.parametrize("error_type", ERROR_TYPES)
def test_grade_error_type_claim_right_only_for_its_types(every_type_deck, error_type):
    card = next(c for c in every_type_deck if error_type in c.answer)
    right = grade(card, error_type)
    assert right.correct and right.feedback.startswith("Right")
    assert default_registry().get(error_type).summary in right.feedback
    assert not grade(card, "clean").correct
    wrong = next(e for e in ERROR_TYPES if e not in card.answer)
    verdict = grade(card, wrong)
    assert not verdict.correct and "the answer key says" in verdict.feedback
    assert default_registry().get(error_type).summary in verdict.feedback


def test_grade_clean_claim_right_only_for_clean(mixed_deck):
    card = next(c for c in mixed_deck if c.is_clean)
    assert grade(card, "clean").correct
    assert "is clean" in grade(card, "clean").feedback
    for error_type in ERROR_TYPES:
        verdict = grade(card, error_type)
        assert not verdict.correct and "is clean" in verdict.feedback


def test_grade_claim_with_two_types_accepts_either_and_names_the_other():
    deck = build_deck(DEMO, size=60, seed=0, clean_share=0.0)
    card = next(c for c in deck if len(c.answer) > 1)
    first, second = card.answer[:2]
    assert grade(card, first).correct and grade(card, second).correct
    assert "also has" in grade(card, first).feedback


def test_grade_unknown_choice_raises(every_type_deck):
    with pytest.raises(ValueError, match="choice: expected 'clean' or one of"):
        grade(every_type_deck[0], "fraud")


def test_rule_explanation_gives_the_category_action():
    assert rule_explanation("coverage_lapsed").endswith("verify coverage, bill the right payer.")


def test_session_score_counts_first_answers_only(mixed_deck):
    session = ReviewSession(list(mixed_deck))
    card = session.current
    right = card.answer[0] if card.answer else "clean"
    wrong = "clean" if card.answer else "upcoding"
    assert not session.answer(wrong).correct
    assert session.answer(right).correct
    assert (session.right, session.answered) == (0, 1)
    session.next()
    nxt = session.current
    session.answer(nxt.answer[0] if nxt.answer else "clean")
    assert (session.right, session.answered) == (1, 2)
    assert session.score_text().startswith("Score: 1 right out of 2 answered")
    assert session.results()["correct"].tolist() == [False, True]


def test_session_next_wraps_after_last_claim(mixed_deck):
    session = ReviewSession(list(mixed_deck))
    for _ in range(len(mixed_deck)):
        session.next()
    assert session.position == 0


# --- the appeal desk: calendar ----------------------------------------------

MEDICARE = pd.DataFrame({"payer_id": ["MCR"], "name": ["Medicare"], "payer_type": ["medicare"], "state": ["GA"]})
DATES = ("stop_offset_by", "offset_starts", "file_by", "interest_from", "receipt_date", "rebuttal_by")


@pytest.mark.parametrize("notice_date", ["2024-02-29", "2024-01-31", "2023-12-31", "2025-01-30", "2024-10-31",
                                         "2023-02-28", "2024-11-30"])
def test_deadline_calendar_medicare_equals_appeals_dates(notice_date):
    calendar = deadline_calendar({"payer_id": "MCR", "notice_date": notice_date}, MEDICARE, PROFILES)
    got = calendar.set_index("step")["date"]
    expected = medicare_dates([notice_date], PROFILES).iloc[0]
    for step in DATES:
        assert got[step] == expected[step], step
    assert got["file_by"] - got["notice_date"] == pd.Timedelta(days=125)
    assert got["stop_offset_by"] - got["notice_date"] == pd.Timedelta(days=29)


def test_deadline_calendar_leap_day_notice_lands_on_known_dates():
    got = deadline_calendar({"payer_id": "MCR", "notice_date": "2024-02-29"}, MEDICARE,
                            PROFILES).set_index("step")["date"]
    assert [f"{got[s]:%Y-%m-%d}" for s in ("stop_offset_by", "offset_starts", "file_by")] == \
        [f"{d:%Y-%m-%d}" for d in (dt.date(2024, 2, 29) + dt.timedelta(days=n) for n in (29, 40, 125))]


@settings(max_examples=60, deadline=None)
@given(st.dates(min_value=dt.date(2020, 1, 1), max_value=dt.date(2030, 12, 31)))
def test_deadline_calendar_medicare_days_are_ordered_and_counted_from_day_one(day):
    calendar = deadline_calendar({"payer_id": "MCR", "notice_date": day}, MEDICARE, PROFILES)
    assert calendar["date"].is_monotonic_increasing
    assert (calendar["day"] == (calendar["date"] - pd.Timestamp(day)).dt.days + 1).all()
    by_step = calendar.set_index("step")["day"]
    assert (by_step["stop_offset_by"], by_step["interest_from"], by_step["offset_starts"]) == (30, 31, 41)


def test_deadline_calendar_commercial_state_uses_its_profile():
    payers = pd.DataFrame({"payer_id": ["C1"], "name": ["Plan"], "payer_type": ["commercial"], "state": ["FL"]})
    got = deadline_calendar({"payer_id": "C1", "notice_date": "2025-03-31"}, payers, PROFILES).set_index("step")
    expected = profile_dates(["2025-03-31"], profile_for(PROFILES, "commercial", "FL")).iloc[0]
    assert got.loc["file_by", "date"] == expected["file_by"]
    assert got.loc["offset_starts", "date"] == expected["offset_starts"]
    assert "stop_offset_by" not in got.index or not pd.isna(expected["stop_offset_by"])


def test_deadline_calendar_unknown_payer_raises():
    with pytest.raises(ValueError, match="payer_id 'X' is not in payers"):
        deadline_calendar({"payer_id": "X", "notice_date": "2025-01-02"}, MEDICARE, PROFILES)


def test_calendar_chart_is_a_figure_with_the_drawn_days():
    calendar = deadline_calendar({"payer_id": "MCR", "notice_date": "2025-01-02"}, MEDICARE, PROFILES)
    fig = calendar_chart(calendar)
    texts = " ".join(t.get_text() for t in fig.axes[0].texts)
    assert "day 41" in texts and "day 126" in texts


# --- the appeal desk: decisions and grading ---------------------------------

def _desk(truth=None) -> AppealDesk:
    notices = pd.DataFrame({
        "notice_id": ["N1", "N2", "N3"], "payer_id": ["MCR"] * 3, "claim_id": ["C1", "C2", "C3"],
        "line_no": [1, 1, 1], "notice_date": pd.to_datetime(["2024-02-29"] * 3).astype("datetime64[us]"),
        "amount_cents": [4000, 9000, 5000], "error_type": ["upcoding", "upcoding", "missing_signature"]})
    findings = pd.DataFrame({"claim_id": ["C1", "C2"], "line_no": [1, 1], "error_type": ["upcoding"] * 2,
                             "at_risk_cents": [4000, 3000]})
    payments = pd.DataFrame({"claim_id": ["C1", "C2", "C3"], "line_no": [1, 1, 1],
                             "payment_date": pd.to_datetime(["2024-01-10"] * 3).astype("datetime64[us]"),
                             "paid_cents": [12000, 12000, 12000]})
    return AppealDesk(notices, MEDICARE, findings, payments, truth=truth, profiles=PROFILES)


def test_appeal_desk_recommendations_follow_the_contract():
    desk = _desk()
    assert desk.decisions["recommendation"].tolist() == ["accept", "partial", "appeal"]
    assert int(desk.decision("N2")["agreed_amount_cents"]) == 3000


@pytest.mark.parametrize("notice_id, right", [("N1", "accept"), ("N2", "partial"), ("N3", "appeal")])
def test_grade_choice_agrees_only_with_the_kits_recommendation(notice_id, right):
    desk = _desk()
    for choice in DESK_CHOICES:
        outcome = grade_choice(desk.decision(notice_id), choice)
        assert outcome.agrees_with_kit == (choice == right)
        assert outcome.right_by_truth is None


def test_grade_choice_texts_name_the_deadlines():
    d = _desk().decision("N3")
    appeal = grade_choice(d, "appeal").text
    assert f"{d['file_by']:%Y-%m-%d}" in appeal and f"{d['stop_offset_by']:%Y-%m-%d}" in appeal
    accept = grade_choice(d, "accept").text
    assert "$50.00 goes back" in accept and f"{d['pay_without_interest_by']:%Y-%m-%d}" in accept
    partial = grade_choice(_desk().decision("N2"), "partial").text
    assert "You repay $30.00" in partial and "appeal the other $60.00" in partial


@pytest.mark.parametrize("valid, choice, right", [(True, "accept", True), (True, "appeal", False),
                                                  (False, "appeal", True), (False, "accept", False),
                                                  (False, "partial", False)])
def test_grade_choice_against_truth(valid, choice, right):
    outcome = grade_choice(_desk().decision("N1"), choice, valid)
    assert outcome.right_by_truth is right
    assert ("your choice was right" in outcome.text) is right


@pytest.mark.parametrize("valid", [True, False])
def test_grade_choice_partial_is_right_by_truth_where_the_kit_says_partial(valid):
    assert grade_choice(_desk().decision("N2"), "partial", valid).right_by_truth is True


def test_grade_choice_unknown_choice_raises():
    with pytest.raises(ValueError, match="choice: expected one of appeal, accept, partial"):
        grade_choice(_desk().decision("N1"), "ignore")


def test_appeal_desk_score_counts_first_choice_and_truth():
    desk = _desk(truth=pd.DataFrame({"notice_id": ["N1", "N3"], "valid": [True, False]}))
    desk.choose("N1", "appeal")
    desk.choose("N1", "accept")
    desk.choose("N3", "appeal")
    desk.choose("N2", "partial")
    assert desk.score_text() == "Score: 2 of 3 decided as the kit recommends; 1 of 2 right by the answer key"


@pytest.fixture(scope="module")
def demo_desk():
    """The desk over the family-practice demo, which has no notices.csv of its own."""
    return training_desk(DEMO, profiles=PROFILES)


def test_training_desk_over_a_demo_decides_the_payer_simulations_notices(demo_desk):
    from recoup_lib.synthetic import generate_practice

    settings = json.loads((DEMO / "practice.json").read_text())
    simulated = generate_practice(lines=settings["lines"], seed=settings["seed"], profile=settings["profile"],
                                  error_rate=settings["error_rate"]).notices
    assert demo_desk.notice_ids == simulated["notice_id"].tolist()
    assert demo_desk.decisions["amount_cents"].tolist() == simulated["amount_cents"].tolist()
    assert demo_desk.truth["valid"].tolist() == simulated["valid"].tolist()
    assert {"accept", "appeal"} <= set(demo_desk.decisions["recommendation"])
    verdicts = [demo_desk.choose(n, demo_desk.decision(n)["recommendation"]).right_by_truth
                for n in demo_desk.notice_ids]
    assert all(v is True for v in verdicts)


def test_desk_from_folder_reads_notices_and_their_answer_key(tmp_path, demo_desk):
    from recoup_lib.folder import write_csv

    for name in ("claim_lines", "payments", "coverage", "documentation", "fee_schedule", "ncci_ptp", "mue",
                 "payer_policies", "payers", "labels"):
        (tmp_path / f"{name}.csv").write_text((DEMO / f"{name}.csv").read_text())
    made = demo_desk
    write_csv(made.notices, tmp_path / "notices.csv")
    truth = made.truth[["notice_id", "valid"]].assign(
        valid=made.truth["valid"].map({True: "true", False: "false"}))
    first, second, third = made.notice_ids[:3]
    truth.loc[truth["notice_id"] == second, "valid"] = ""
    (tmp_path / "recoupment_labels.csv").write_text(truth.to_csv(index=False))
    desk = training_desk(tmp_path, profiles=PROFILES)
    assert desk.notice_ids == made.notice_ids
    assert desk.decisions["recommendation"].tolist() == made.decisions["recommendation"].tolist()
    assert desk.valid(first) is made.valid(first) and desk.valid(third) is made.valid(third)
    assert made.valid(second) is not None and desk.valid(second) is None


def test_desk_from_practice_kit_recommendation_is_right_by_its_answer_key(practice):
    desk = desk_from_practice(practice, profiles=PROFILES)
    assert len(desk.notice_ids) >= 3 and set(desk.truth["notice_id"]) == set(desk.notice_ids)
    verdicts = [desk.choose(n, desk.decision(n)["recommendation"]).right_by_truth for n in desk.notice_ids]
    assert all(v in (True, None) for v in verdicts) and any(v is True for v in verdicts)


def test_training_desk_refuses_a_changed_folder_without_notices(tmp_path):
    folder = tmp_path / "practice"
    shutil.copytree(DEMO, folder)
    payments = folder / "payments.csv"
    rows = payments.read_text().splitlines(keepends=True)
    payments.write_text("".join(rows[:-1]))
    with pytest.raises(InputError, match="payments.csv differ from the practice practice.json describes"):
        training_desk(folder, profiles=PROFILES)


def test_training_desk_without_notices_or_practice_json_says_what_is_missing(tmp_path):
    for name in ("claim_lines.csv", "payments.csv", "payers.csv"):
        (tmp_path / name).write_text((DEMO / name).read_text())
    with pytest.raises(InputError, match="no notices.csv and no practice.json"):
        training_desk(tmp_path, profiles=PROFILES)


@pytest.mark.parametrize("open_desk", [training_desk, desk_from_folder])
def test_desk_names_a_link_to_nothing_under_the_notices_files_name(tmp_path, open_desk):
    """A notices.csv that is a link to a file since moved was passed over as absent: the desk showed no
    notice to decide, or simulated the payers' notices from practice.json, with no word of the link."""
    folder = tmp_path / "practice"
    shutil.copytree(DEMO, folder)
    (folder / "notices.csv").symlink_to(tmp_path / "gone.csv")
    with pytest.raises(InputError, match=f"notices.csv in {folder}: a link to {tmp_path / 'gone.csv'}, which "
                                         "does not exist"):
        open_desk(folder, profiles=PROFILES)



@pytest.mark.parametrize("kind", ["folder", "link"])
def test_desk_names_a_folder_or_a_link_to_nothing_under_the_answer_keys_name(tmp_path, demo_desk, kind):
    """recoupment_labels.csv was looked for with ``is_file()``: a folder or a link to a file since moved under
    its name was passed over as absent, and the desk shown with no answer key, with no word of it."""
    from recoup_lib.folder import write_csv

    folder = tmp_path / "practice"
    shutil.copytree(DEMO, folder)
    write_csv(demo_desk.notices, folder / "notices.csv")
    truth = folder / "recoupment_labels.csv"
    truth.unlink(missing_ok=True)
    truth.mkdir() if kind == "folder" else truth.symlink_to(tmp_path / "gone.csv")
    said = "a folder" if kind == "folder" else f"a link to {tmp_path / 'gone.csv'}, which does not exist"
    with pytest.raises(InputError, match=f"recoupment_labels.csv in {folder}: {said}"):
        desk_from_folder(folder, profiles=PROFILES)

# --- the widgets, clicked without a browser ----------------------------------

def test_claim_reviewer_buttons_grade_and_advance():
    reviewer = claim_reviewer(DEMO, size=4, seed=5)
    card = reviewer.session.current
    right = card.answer[0] if card.answer else "clean"
    reviewer.buttons[right].click()
    assert "Right" in reviewer.feedback.value
    assert reviewer.score.value.startswith("Score: 1 right out of 1")
    assert "recoup-claim-reviewer" in reviewer.widget._dom_classes
    reviewer.next_button.click()
    assert f"Claim {reviewer.session.deck[1].claim_id}" in reviewer.claim.value
    assert "Pick Clean" in reviewer.feedback.value


def test_claim_reviewer_without_coverage_or_documentation_says_they_were_not_given(tmp_path):
    """An office's folder (``recoup import`` of an export) often has no coverage.csv or documentation.csv:
    the card must not read as "no note on file" or "no coverage" (an error a biller would act on), and a
    clean claim is not said to have supporting notes and coverage nobody checked."""
    for name in ("claim_lines.csv", "payments.csv", "labels.csv"):
        (tmp_path / name).write_text((DEMO / name).read_text())
    (tmp_path / "labels.csv").write_text("claim_id,line_no,error_type,at_risk,category,injected_as\n")
    reviewer = claim_reviewer(tmp_path, size=2, seed=1)
    card = reviewer.session.current
    assert card.is_clean and card.not_given == ("documentation.csv", "coverage.csv")
    shown = reviewer.claim.value
    assert "no note on file" not in shown and "no coverage on file" not in shown
    assert "no documentation.csv" in shown and "no coverage.csv" in shown
    said = reviewer.answer("clean").feedback
    assert "the notes support the codes" not in said and "the patient was covered" not in said
    assert "documentation.csv and coverage.csv were not given" in said
    full = build_deck(DEMO, size=2, seed=1, clean_share=1.0)[0]
    assert full.not_given == () and "the notes support the codes and the patient was covered" in grade(
        full, "clean").feedback


def test_claim_reviewer_refuses_an_answer_key_with_a_row_it_cannot_read(tmp_path):
    """A labels.csv row set aside (here an amount at risk over the kit's limit) left its claim graded as
    clean: the deck now refuses the key, naming the file, row and column."""
    for name in ("claim_lines.csv", "payments.csv"):
        (tmp_path / name).write_text((DEMO / name).read_text())
    (tmp_path / "labels.csv").write_text("claim_id,line_no,error_type,at_risk,category,injected_as\n"
                                         "C0000001,1,overpaid_rate,90071992547409.91,overpayment,paid twice\n")
    with pytest.raises(InputError, match=r"labels.csv, row 2, column 'at_risk': expected an amount under a "
                                         r"trillion dollars.*cannot be graded"):
        build_deck(tmp_path, size=2)


def test_claim_reviewer_names_a_link_to_nothing_under_the_answer_keys_name(tmp_path):
    """A labels.csv that is a link to a file since moved was passed over as absent: the deck was shown
    with the audit's findings, not scored, with no word of the answer key it was given."""
    for name in ("claim_lines.csv", "payments.csv"):
        (tmp_path / name).write_text((DEMO / name).read_text())
    (tmp_path / "labels.csv").symlink_to(tmp_path / "gone.csv")
    with pytest.raises(InputError, match=f"labels.csv in {tmp_path}: a link to {tmp_path / 'gone.csv'}, which "
                                         "does not exist"):
        build_deck(tmp_path, size=2)


def test_claim_reviewer_wrong_click_shows_the_answer():
    reviewer = claim_reviewer(DEMO, size=4, seed=5)
    card = reviewer.session.current
    wrong = "clean" if card.answer else "duplicate_claim"
    reviewer.buttons[wrong].click()
    assert "&#10008;" in reviewer.feedback.value
    assert reviewer.score.value.startswith("Score: 0 right out of 1")
    assert set(reviewer.buttons) == set(CHOICES)


def test_appeal_desk_widget_picker_and_buttons():
    view = appeal_desk(_desk())
    assert "Notice N1" in view.facts.value
    view.picker.value = "N3"
    assert "Notice N3" in view.facts.value
    assert bytes(view.chart.value).startswith(b"\x89PNG") and "Offset starts" in view.dates.value
    view.buttons["appeal"].click()
    assert "You chose what the kit recommends" in view.outcome.value
    assert view.score.value.startswith("Score: 1 of 1")
    assert "recoup-appeal-desk" in view.widget._dom_classes


def test_appeal_desk_without_a_usable_notice_says_why_and_its_buttons_do_nothing(tmp_path):
    """An office's folder whose every notice is set aside: the desk names the file and the first reason
    instead of an empty picker, a decision button says there is nothing to decide (no KeyError), and no
    score line shows (it was "Score: 0 of 0")."""
    for name in ("claim_lines.csv", "payments.csv", "payers.csv"):
        (tmp_path / name).write_text((DEMO / name).read_text())
    (tmp_path / "notices.csv").write_text(
        "notice_id,payer_id,claim_id,line_no,notice_date,amount,reason_code,error_type\n"
        "N 1,MCR01,C0000001,1,2025-06-17,-5.00,,missing_documentation\n")
    view = appeal_desk(tmp_path, profiles=PROFILES)
    assert view.desk.notice_ids == [] and view.picker.value is None
    assert "all 1 notice(s) were set aside" in view.facts.value
    assert "row 2, column &#x27;amount&#x27;: expected an amount greater than 0" in view.facts.value
    assert all(button.disabled for button in view.buttons.values())
    assert view.choose("appeal") is None and "No notice to decide" in view.outcome.value
    assert view.desk.score_text() == view.score.value == ""       # was "Score: 0 of 0": nothing to score
    empty = AppealDesk(_desk().notices.iloc[:0], MEDICARE, None, _desk().payments, profiles=PROFILES)
    assert "no notice to decide" in appeal_desk(empty).facts.value and appeal_desk(empty).score.value == ""


def test_appeal_desk_from_notices_table_requires_payers():
    with pytest.raises(ValueError, match="payers and payments are required"):
        appeal_desk(pd.DataFrame({"notice_id": ["N1"]}))


# --- an office's own folder: recoup import's, with no answer key and no notices ------

MESSY = ROOT / "synthetic" / "messy_export"


@pytest.fixture(scope="module")
def office(tmp_path_factory):
    """What an office has after ``recoup import``: claim_lines.csv and payments.csv (from the committed messy
    export), no labels.csv, notices.csv or payers.csv; and, beside it, the 835s its payers sent (the same
    practice's, generated again from the export's seed) and the recoupments.csv ``recoup remit`` wrote."""
    from recoup_lib.ingest import import_files
    from recoup_lib.remit import read_835
    from recoup_lib.synthetic import generate_practice

    root = tmp_path_factory.mktemp("office")
    import_files(MESSY / "charges.csv", payments=MESSY / "payments.xlsx").write(root / "imported")
    generate_practice(lines=1500, seed=909, profile="family_practice").write(root / "payers_side")
    remit = read_835(root / "payers_side" / "remits")
    remit.write(root / "remit_out")
    return {"folder": root / "imported", "remits": root / "payers_side" / "remits",
            "recoupments": root / "remit_out" / "recoupments.csv", "remit": remit}


def _copy_of(office, tmp_path, *extra) -> Path:
    folder = tmp_path / "office"
    shutil.copytree(office["folder"], folder)
    for what in extra:
        target = folder / office[what].name
        (shutil.copytree if office[what].is_dir() else shutil.copy)(office[what], target)
    return folder


def test_claim_reviewer_over_an_imported_folder_shows_the_audits_findings_and_scores_nothing(office):
    """An office's folder has no labels.csv: the reviewer used to refuse it. Its claims are now shown with what
    the audit finds on them (the same audit `recoup audit` runs), and no score is claimed."""
    from recoup_lib.rules import audit_folder

    folder = office["folder"]
    assert not (folder / "labels.csv").exists()
    found = audit_folder(folder).findings.groupby("claim_id")["error_type"].agg(set)
    reviewer = claim_reviewer(folder, size=8, seed=2)
    deck = reviewer.session.deck
    assert all(not card.scored and card.answer_from == "the audit" for card in deck)
    assert any(card.is_clean for card in deck) and not all(card.is_clean for card in deck)
    for card in deck:
        assert set(card.answer) == found.get(card.claim_id, set())
    flagged = next(i for i, card in enumerate(deck) if not card.is_clean)
    for _ in range(flagged):
        reviewer.next()
    card = reviewer.session.current
    said = reviewer.answer(card.answer[0])
    assert said.correct is None and said.feedback.startswith("The audit finds the same: line ")
    assert str(card.key["evidence"].iloc[0]) in said.feedback
    other = next(e for e in ERROR_TYPES if e not in card.answer)
    assert reviewer.answer(other).feedback.startswith(f"The audit does not find {other.replace('_', ' ')}")
    assert "&#10004;" not in reviewer.feedback.value and "&#10008;" not in reviewer.feedback.value
    assert "Not scored: scoring needs an answer key (labels.csv)" in reviewer.score.value
    assert reviewer.session.results()["correct"].isna().all()


def test_claim_reviewer_over_an_imported_folder_takes_the_findings_recoup_audit_wrote(office, tmp_path):
    from recoup_lib.rules import audit_folder

    folder = office["folder"]
    audit_folder(folder).write(tmp_path / "audit")
    audited_here = [c.claim_id for c in build_deck(folder, size=6, seed=3)]
    assert [c.claim_id for c in build_deck(folder, size=6, seed=3, findings=tmp_path / "audit")] == audited_here
    findings = (tmp_path / "audit" / "findings.csv").read_text().splitlines(keepends=True)
    (tmp_path / "other.csv").write_text(findings[0] + findings[1].replace(findings[1].split(",")[0], "C9999999", 1)
                                        + "".join(findings[2:]))
    with pytest.raises(InputError, match=r"other.csv: row 2: claim C9999999 line \d+ is not in .*claim_lines.csv"):
        build_deck(folder, findings=tmp_path / "other.csv")
    with pytest.raises(ValueError, match="findings: no such file"):
        build_deck(folder, findings=tmp_path / "nothing.csv")
    (tmp_path / "audit_dir" / "findings.csv").mkdir(parents=True)
    with pytest.raises(ValueError, match="findings: a folder"):
        build_deck(folder, findings=tmp_path / "audit_dir")
    (tmp_path / "moved.csv").symlink_to(tmp_path / "gone.csv")
    with pytest.raises(ValueError, match=f"findings: a link to {tmp_path / 'gone.csv'}, which does not exist"):
        build_deck(folder, findings=tmp_path / "moved.csv")


def test_claim_reviewer_over_findings_without_evidence_or_of_another_type_explains_them(office, tmp_path):
    """findings.csv may leave out evidence and name an error type outside the ten (`recoup score` warns):
    the feedback said "upcoding, None", and a claim of another type raised KeyError when graded."""
    from recoup_lib.rules import audit_folder

    folder = office["folder"]
    audit_folder(folder).write(tmp_path / "audit")
    table = pd.read_csv(tmp_path / "audit" / "findings.csv", dtype=str, keep_default_na=False)
    table = table.drop(columns=["evidence"])
    table.loc[0, "error_type"] = "late_filing"
    table.to_csv(tmp_path / "findings.csv", index=False)
    deck = build_deck(folder, size=12, seed=1, clean_share=0.0, findings=tmp_path / "findings.csv")
    other = next(card for card in deck if "late_filing" in card.answer)
    for card in deck:
        said = grade(card, "clean").feedback
        assert "None" not in said and ", (" not in said
    said = grade(other, "clean").feedback
    assert f"line {table.loc[0, 'line_no']}: late filing (" in said
    assert "Late filing: not one of the kit's ten error types" in said


def test_appeal_desk_over_an_imported_folder_without_notices_lists_the_money_taken_back(office, tmp_path):
    """No notices.csv: the appeal step decides notices only, so the desk decides nothing, says why, and lists the
    take-backs of recoup remit's recoupments.csv (or of the 835s in remits/), each dollar once."""
    from recoup_lib.money import dollars
    from recoup_lib.remit import taken_back

    bare = appeal_desk(office["folder"])
    assert bare.desk.notice_ids == [] and all(button.disabled for button in bare.buttons.values())
    assert "has no notices.csv, so there is no notice to decide" in bare.facts.value
    assert "Nor does it hold remittances" in bare.facts.value
    remit = office["remit"]
    total = dollars(taken_back(remit))
    files = len(list(office["remits"].iterdir()))
    for extra, source in (("recoupments", "recoupments.csv"), ("remits", f"remits/ ({files} files)")):
        view = appeal_desk(_copy_of(office, tmp_path / extra, extra))
        assert view.desk.notice_ids == [] and view.choose("appeal") is None
        assert f"{source}, show {len(remit.recoupments)} take-back(s), {total} taken back" in view.facts.value
        assert view.facts.value.count("</tr>") == len(remit.recoupments) + 1
        assert len(view.desk.recoupments) == len(remit.recoupments)


def test_appeal_desk_and_report_read_a_folders_remittances_alike(office, tmp_path):
    """The desk read recoupments.csv or remits/ on its own: a remits/ whose one transaction cannot be used
    showed "no money taken back", where the report says no transaction could be used."""
    from recoup_lib.report import build_report

    folder = _copy_of(office, tmp_path)
    (folder / "remits").mkdir()
    shutil.copy(_letter_in_money(tmp_path), folder / "remits")
    said = "No remittance data: no transaction of remits/ (1 file) could be used"
    assert said in appeal_desk(folder).facts.value
    assert said in build_report(folder, as_of="2026-01-01").metrics.set_index("metric").loc["recoupment_rate", "note"]


def test_office_desks_open_an_imported_folder_with_what_each_desk_can_do(office, tmp_path):
    folder = _copy_of(office, tmp_path, "remits")
    desks = dict(widgets.office_desks(folder, size=4, seed=1))
    assert list(desks) == ["Review claims", "Decide notices", "Explain a deposit"]
    assert "recoup-claim-reviewer" in desks["Review claims"]._dom_classes
    assert "recoup-appeal-desk" in desks["Decide notices"]._dom_classes
    [score] = [part for part in desks["Decide notices"].children if "recoup-score" in part._dom_classes]
    assert score.value == ""                   # the folder has no notices: no "Score: 0 of 0"
    assert len(desks["Explain a deposit"].children[0].options) == len(office["remit"].transactions)
    without = dict(widgets.office_desks(office["folder"], size=4, seed=1))
    assert "has no 835 remittances to explain" in without["Explain a deposit"].value
    missing = dict(widgets.office_desks(tmp_path / "nowhere"))
    assert missing["Review claims"].value.startswith("<p>No claim to review: ")
    assert "no such folder" in missing["Decide notices"].value
    # The deposit desk told the user to put the 835s in nowhere/remits, and in a_file.csv/remits for a file.
    assert missing["Explain a deposit"].value.startswith("<p>No deposit to explain: ")
    assert "nowhere: no such folder" in missing["Explain a deposit"].value
    (tmp_path / "a_file.csv").write_text("claim_id\n", encoding="utf-8")
    of_a_file = dict(widgets.office_desks(tmp_path / "a_file.csv"))
    assert all("a_file.csv: a file, not a folder" in desk.value for desk in of_a_file.values())


@pytest.mark.parametrize("with_notices", [False, True])
def test_office_desks_audit_the_folder_and_read_its_835s_once(office, tmp_path, monkeypatch, with_notices):
    """The claim reviewer audited the folder and the appeal desk audited it again to decide its notices; the
    appeal desk read the 835s (for the money taken back, or the folder's own date) and the deposit explainer
    read them again. Each desk now takes what the others already have."""
    import recoup_lib.remit as remit_package
    from recoup_lib.rules import _engine

    if with_notices:
        folder = tmp_path / "office"
        shutil.copytree(office["remits"].parent, folder)
        (folder / "labels.csv").unlink()
    else:
        folder = _copy_of(office, tmp_path, "remits")
    calls = {"audit": 0, "read_835": 0}

    def counted(name, real):
        def call(*args, **kwargs):
            calls[name] += 1
            return real(*args, **kwargs)
        return call

    monkeypatch.setattr(_engine, "audit_tables", counted("audit", _engine.audit_tables))
    monkeypatch.setattr(remit_package, "read_835", counted("read_835", remit_package.read_835))
    desks = dict(widgets.office_desks(folder, size=4, seed=1))
    assert calls == {"audit": 1, "read_835": 1}
    assert "recoup-claim-reviewer" in desks["Review claims"]._dom_classes
    assert "recoup-appeal-desk" in desks["Decide notices"]._dom_classes
    assert len(desks["Explain a deposit"].children[0].options) == len(office["remit"].transactions)


def test_the_desk_app_opens_an_imported_folder(office, tmp_path, monkeypatch):
    """``make desk FOLDER=...`` sets RECOUP_DESK_FOLDER: the app's cells, run as Voila runs them, show the
    office's three desks instead of a generated practice's four."""
    import nbformat

    folder = _copy_of(office, tmp_path, "recoupments")
    monkeypatch.setenv("RECOUP_DESK_FOLDER", str(folder))
    app = nbformat.read(ROOT / "apps" / "practice_desk.ipynb", as_version=4)
    space = {}
    for cell in app.cells:
        if cell.cell_type == "code":
            exec(compile(cell.source, "practice_desk.ipynb", "exec"), space)  # noqa: S102 - the kit's own app
    desk = space["desk"]
    assert "recoup-practice-desk" in desk._dom_classes and "practice" not in space
    assert list(desk.titles) == ["Review claims", "Decide notices", "Explain a deposit"]
    assert "Not scored" in desk.children[0].children[-1].children[1].value
    assert "take-back(s)" in desk.children[1].children[1].value


# --- the remittance explainer, on an office's 835s ----------------------------

REMITS = ROOT / "tests" / "data" / "835"


def _letter_in_money(tmp_path) -> Path:
    """domain-5.5.835 with CLP04 '42O': its one transaction is set aside."""
    bad = tmp_path / "letter.835"
    bad.write_text((REMITS / "domain-5.5.835").read_text().replace("CLP*PCN-A100*1*600*420*",
                                                                  "CLP*PCN-A100*1*600*42O*"))
    return bad


def test_remittance_explainer_with_no_deposit_read_says_which_file_and_why(tmp_path):
    from recoup_lib.remit import read_835

    view = remittance_explainer(read_835([_letter_in_money(tmp_path)]))
    assert view.children[0].options == () and view.children[0].value is None
    said = view.children[1].value
    assert "No deposit was read" in said and "letter.835: set aside" in said
    assert "element CLP04: expected an amount in dollars" in said


def test_remittance_explainer_names_files_set_aside_repeated_or_skipped_and_shows_dollars(tmp_path):
    from recoup_lib.remit import read_835

    folder = tmp_path / "remits"
    folder.mkdir()
    _letter_in_money(folder)
    for name in ("domain-5.5.835", "domain-5.5-later.835"):
        shutil.copy(REMITS / name, folder / name)
    shutil.copy(REMITS / "domain-5.5.835", folder / "again.835")
    (folder / "notes.txt").write_text("call the payer on Monday\n")
    view = remittance_explainer(read_835(folder))
    picker, sentence, table, files = view.children
    assert len(picker.options) == 2
    assert "Unexplained: $0.00" in sentence.value
    assert "$420.00" in table.value and "-$150.00" in table.value
    for said in ("letter.835: set aside", "domain-5.5.835: repeat", "notes.txt: skipped", "1 set aside"):
        assert said in files.value
    clean = remittance_explainer(read_835([REMITS / "domain-5.5.835"]))
    assert clean.children[3].value == ""


def test_package_imports_remittance_explainer_on_first_use():
    from recoup_lib.widgets.remittance import remittance_explainer

    assert widgets.remittance_explainer is remittance_explainer


def test_package_unknown_attribute_raises():
    with pytest.raises(AttributeError, match="has no attribute 'nothing_here'"):
        widgets.nothing_here  # noqa: B018
    assert "remittance_explainer" in widgets.__all__
