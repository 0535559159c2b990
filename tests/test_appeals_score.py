"""Scoring appeal recommendations against a generated practice's recoupment answer key."""

import pandas as pd
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from recoup_lib.appeals import SCORE_COLUMNS, score_recommendations
from recoup_lib.cli import main
from recoup_lib.errors import InputError


def _decisions(rows):
    return pd.DataFrame(rows, columns=["notice_id", "recommendation", "agreed_amount_cents", "disputed_amount_cents"])


def _key(rows):
    return pd.DataFrame(rows, columns=["notice_id", "amount_cents", "valid"])


def test_score_each_outcome_and_the_money_wrongly_conceded_or_disputed():
    key = _key([("N1", 4000, False), ("N2", 5000, True), ("N3", 3000, True), ("N4", 2000, False),
                ("N5", 1000, False), ("N6", 700, True)])
    dec = _decisions([("N1", "appeal", 0, 4000), ("N2", "accept", 5000, 0), ("N3", "partial", 1000, 2000),
                      ("N4", "accept", 2000, 0), ("N5", "partial", 400, 600)])
    outcomes, summary = score_recommendations(dec, key)
    assert list(outcomes.columns) == SCORE_COLUMNS
    assert outcomes.set_index("notice_id")["outcome"].to_dict() == {
        "N1": "won", "N2": "accepted_valid", "N3": "lost", "N4": "missed_win", "N5": "won", "N6": "no_decision"}
    s = summary.set_index("measure")
    assert (s.loc["wrongly_conceded", "notices"], s.loc["wrongly_conceded", "cents"]) == (2, 2400)
    assert (s.loc["wrongly_disputed", "notices"], s.loc["wrongly_disputed", "cents"]) == (1, 2000)
    assert (s.loc["won", "notices"], s.loc["appeals", "notices"], s.loc["appeals", "cents"]) == (2, 3, 6600)


def test_score_reads_amounts_given_in_dollars_under_the_files_column_names():
    """A notebook may hand the decisions and labels with dollars under the files' names (agreed_amount,
    amount), as every table-taking call reads them: the same scores as in cents."""
    key = _key([("N1", 4000, False), ("N2", 5000, True)])
    dec = _decisions([("N1", "appeal", 0, 4000), ("N2", "partial", 1000, 4000)])
    in_cents = score_recommendations(dec, key)
    in_dollars = score_recommendations(
        dec.rename(columns=lambda c: c.removesuffix("_cents")).assign(agreed_amount=["0.00", "$10.00"],
                                                                      disputed_amount=[40.0, 40.0]),
        key.rename(columns={"amount_cents": "amount"}).assign(amount=["40.00", "50.00"]))
    pd.testing.assert_frame_equal(in_dollars[1], in_cents[1])
    assert in_dollars[0]["outcome"].tolist() == in_cents[0]["outcome"].tolist()


def test_score_rejects_a_decision_for_an_unknown_notice():
    with pytest.raises(InputError, match=r"notice 'N9' is not in the answer key \(1 such notice"):
        score_recommendations(_decisions([("N9", "accept", 100, 0)]), _key([("N1", 100, True)]))


def test_score_names_missing_columns():
    with pytest.raises(InputError, match=r"recoupment_labels: missing column\(s\) valid"):
        score_recommendations(_decisions([]), pd.DataFrame({"notice_id": [], "amount_cents": []}))


def test_score_checks_the_tables_handed_to_it_as_their_files():
    key = _key([("N1", 4000, False)])
    with pytest.raises(InputError, match=r"(?s)decisions: .*index label 0, column 'disputed_amount_cents': "
                                         r"expected whole cents"):
        score_recommendations(_decisions([("N1", "appeal", 0, 4000.5)]), key)
    with pytest.raises(InputError, match=r"(?s)recoupment_labels: .*column 'amount_cents': expected whole cents"):
        score_recommendations(_decisions([("N1", "appeal", 0, 4000)]), key.assign(amount_cents=[4000.7]))


@settings(max_examples=60, deadline=None)
@given(st.lists(st.tuples(st.integers(1, 10**7), st.booleans(), st.sampled_from(["appeal", "accept", "partial", None]),
                          st.integers(0, 100)), min_size=0, max_size=30))
def test_score_outcomes_partition_the_notices_and_their_money(rows):
    key = _key([(f"N{i}", a, v) for i, (a, v, _, _) in enumerate(rows)])
    dec = []
    for i, (a, _, rec, pct) in enumerate(rows):
        if rec is None:
            continue
        agreed = {"accept": a, "appeal": 0, "partial": a * pct // 100}[rec]
        dec.append((f"N{i}", rec, agreed, a - agreed))
    outcomes, summary = score_recommendations(_decisions(dec), key)
    s = summary.set_index("measure")
    parts = ["won", "lost", "accepted_valid", "missed_win", "no_decision"]
    assert s.loc[parts, "notices"].sum() == len(rows)
    assert s.loc[parts, "cents"].sum() == s.loc["notices", "cents"]
    assert (outcomes["wrongly_conceded_cents"] <= outcomes["amount_cents"]).all()
    assert ((outcomes["wrongly_conceded_cents"] == 0) | ~outcomes["valid"]).all()
    assert ((outcomes["wrongly_disputed_cents"] == 0) | outcomes["valid"]).all()


def test_cli_scores_recoup_appeal_on_a_generated_folder(tmp_path, capsys):
    folder = tmp_path / "practice"
    assert main(["generate", "--lines", "1500", "--seed", "21", "--profile", "orthopedic_group", "--no-remits",
                 "--out", str(folder)]) == 0
    assert main(["appeal", str(folder), "--as-of", "2026-09-30", "--out", str(tmp_path / "appeal")]) == 0
    capsys.readouterr()
    assert main(["score-appeals", str(tmp_path / "appeal" / "decisions.csv"), str(folder / "recoupment_labels.csv"),
                 "--out", str(tmp_path / "score")]) == 0
    assert "wrongly_conceded" in capsys.readouterr().out
    summary = pd.read_csv(tmp_path / "score" / "appeal_score_summary.csv").set_index("measure")
    labels = pd.read_csv(folder / "recoupment_labels.csv")
    assert summary.loc["won", "notices"] == int((~labels["valid"]).sum())
    assert summary.loc[["lost", "missed_win", "wrongly_conceded", "wrongly_disputed"], "notices"].sum() == 0


def test_cli_score_appeals_reports_a_bad_file(tmp_path, capsys):
    bad = tmp_path / "decisions.csv"
    bad.write_text("notice_id,recommendation,agreed_amount,disputed_amount\nN1,maybe,1.00,0\n")
    key = tmp_path / "recoupment_labels.csv"
    key.write_text("notice_id,amount,valid\nN1,1.00,true\n")
    assert main(["score-appeals", str(bad), str(key)]) == 1
    assert "recommendation" in capsys.readouterr().err


@pytest.mark.parametrize(("rows", "named"), [
    ("N1,appeal,999.00,6.77", "row 2, column 'agreed_amount,disputed_amount': expected amounts adding up to the "
                              "notice's amount in the answer key; got '999.00|6.77' for a notice of 6.77"),
    ("N1,appeal,6.77,0.00", "row 2, column 'agreed_amount': expected 0.00 for an appeal of the whole notice"),
    ("N1,accept,-5.00,11.77", "row 2, column 'agreed_amount': expected an amount of 0 or more"),
    ("N1,partial,0.00,6.77", "row 2, column 'agreed_amount,disputed_amount': expected some of each"),
])
def test_cli_score_appeals_refuses_amounts_no_decision_could_have(tmp_path, capsys, rows, named):
    """Money agreed or disputed is scored as conceded or won: it must be the notice's, split as the
    recommendation says, or the score would count money the payer never asked for."""
    decisions = tmp_path / "decisions.csv"
    decisions.write_text(f"notice_id,recommendation,agreed_amount,disputed_amount\n{rows}\n", encoding="utf-8")
    key = tmp_path / "recoupment_labels.csv"
    key.write_text("notice_id,amount,valid\nN1,6.77,false\n", encoding="utf-8")
    assert main(["score-appeals", str(decisions), str(key)]) == 1
    assert f"decisions.csv, {named}" in capsys.readouterr().err


def test_cli_score_appeals_of_a_header_only_file_is_exit_1(tmp_path, capsys):
    decisions = tmp_path / "decisions.csv"
    decisions.write_text("notice_id,recommendation,agreed_amount,disputed_amount\n", encoding="utf-8")
    key = tmp_path / "recoupment_labels.csv"
    key.write_text("notice_id,amount,valid\nN1,6.77,false\n", encoding="utf-8")
    assert main(["score-appeals", str(decisions), str(key), "--out", str(tmp_path / "out")]) == 1
    assert "no decisions (the file has a header and no rows)" in capsys.readouterr().err
    assert not (tmp_path / "out").exists()
