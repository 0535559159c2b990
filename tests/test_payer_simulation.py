"""The payers' side of a generated practice: notices, their answer key, remittances and take-backs."""

import json

import numpy as np
import pandas as pd
import pytest

from recoup_lib.appeals import read_appeal_folder, run_appeals
from recoup_lib.folder import read_table
from recoup_lib.rules import audit_folder
from recoup_lib.synthetic import PAYER_FILES, generate_practice, load_profile, profile_names, write_practice
from recoup_lib.synthetic._profile import _check_payer_review
from test_remit_writer import pyx12_batch_errors  # the same pyx12 check as the writer's tests

pytestmark = pytest.mark.slow  # its tests take 20 s or more together: conftest.py starts the file first

PROFILES = profile_names()


@pytest.fixture(scope="module")
def folders(tmp_path_factory):
    out = {}
    for i, profile in enumerate(PROFILES):
        path = tmp_path_factory.mktemp("payer") / profile
        write_practice(generate_practice(lines=4000, seed=40 + i, profile=profile), path)
        out[profile] = path
    return out


def _key(frame: pd.DataFrame) -> pd.Series:
    return frame["claim_id"].astype(str) + "/" + frame["line_no"].astype(str)


@pytest.mark.parametrize("profile", PROFILES)
def test_notices_have_the_contract_columns_and_point_at_paid_lines(folders, profile):
    folder = folders[profile]
    notices = read_table(folder / "notices.csv")
    assert notices.problems == []
    n = notices.data
    assert list(pd.read_csv(folder / "notices.csv", nrows=0).columns) == [
        "notice_id", "payer_id", "claim_id", "line_no", "notice_date", "amount", "reason_code", "error_type",
        "original_payment_date"]
    assert n["notice_id"].is_unique and len(n) > 0
    pay = read_table(folder / "payments.csv").data
    paid = pay.groupby(_key(pay))["paid_cents"].sum()
    assert (paid.reindex(_key(n)).to_numpy() > 0).all()
    assert (n["amount_cents"].to_numpy() <= paid.reindex(_key(n)).to_numpy()).all()
    assert (n["amount_cents"] > 0).all()
    lines = read_table(folder / "claim_lines.csv").data
    payer = lines.set_index(_key(lines))["payer_id"]
    assert (payer.reindex(_key(n)).to_numpy() == n["payer_id"].to_numpy()).all()
    assert (n["notice_date"] > n["original_payment_date"]).all()
    practice = json.loads((folder / "practice.json").read_text())
    end = pd.Timestamp(practice["period"]["end"])
    assert (n["notice_date"] <= end + pd.Timedelta(days=240)).all()


@pytest.mark.parametrize("profile", PROFILES)
def test_notice_reason_codes_are_the_profile_carc_of_their_error_type(folders, profile):
    from recoup_lib.synthetic._profile import payer_review

    n = read_table(folders[profile] / "notices.csv").data
    carc = payer_review(load_profile(profile))["carc"]
    assert (n["reason_code"].astype(str) == n["error_type"].map(carc)).all()


@pytest.mark.parametrize("profile", PROFILES)
def test_valid_flags_agree_with_labels_and_the_lookback(folders, profile):
    folder = folders[profile]
    rl = pd.read_csv(folder / "recoupment_labels.csv", dtype={"claim_id": str})
    labels = pd.read_csv(folder / "labels.csv", dtype={"claim_id": str})
    support = labels.set_index(["claim_id", "line_no", "error_type"])["at_risk"]
    found = support.reindex(pd.MultiIndex.from_frame(rl[["claim_id", "line_no", "error_type"]]))
    merits = found.notna().to_numpy() & (found.fillna(-1).to_numpy() >= rl["amount"].to_numpy() - 1e-9)
    assert (rl["merits"].to_numpy() == merits).all()
    late = pd.to_datetime(rl["notice_date"]) > pd.to_datetime(rl["lookback_limit"])
    assert (rl["within_lookback"].to_numpy() == ~late.to_numpy()).all()
    retro_lines = labels.loc[labels["injected_as"] == "payer policy applied retroactively", ["claim_id", "line_no"]]
    on_retro = pd.MultiIndex.from_frame(rl[["claim_id", "line_no"]]).isin(pd.MultiIndex.from_frame(retro_lines))
    assert (rl["retroactive_policy"].to_numpy() == ((rl["error_type"] == "policy_change").to_numpy() & on_retro)).all()
    assert (rl["valid"] == (rl["merits"] & rl["within_lookback"] & ~rl["retroactive_policy"])).all()
    assert (~rl["merits"]).any(), "some false accusations, so appeals have something to win"
    assert (~rl["within_lookback"]).any(), "some notices after the look-back limit"
    assert (rl["accusation"] == "false").sum() == (~rl["merits"]).sum()


@pytest.mark.parametrize("profile", PROFILES)
def test_appeal_decisions_agree_with_the_answer_key(folders, profile):
    folder = folders[profile]
    inputs = read_appeal_folder(folder)
    assert len(inputs.notices_set_aside) == 0
    decisions = run_appeals(inputs, audit_folder(folder).findings, "2026-09-30").decisions
    rl = pd.read_csv(folder / "recoupment_labels.csv").set_index("notice_id")
    valid = rl["valid"].reindex(decisions["notice_id"]).to_numpy()
    assert (decisions["recommendation"].to_numpy()[valid] == "accept").all()
    assert (decisions["recommendation"].to_numpy()[~valid] == "appeal").all()


def test_payer_review_settings_are_checked():
    data = load_profile("family_practice").data
    _check_payer_review(data, "ok.json")
    for bad, match in (({"found_share": 1.5}, r"found_share must be a number from 0 to 1"),
                       ({"review_lag_days": [30, 10]}, r"review_lag_days must be \[low, high\]"),
                       ({"mechanism_mix": {"reversal": 0.5}}, r"mechanism_mix shares must be >= 0 and add up to 1"),
                       ({"carc": {"upcoding": "999"}}, r"carc needs a CARC from reference carc.csv"),
                       ({"bogus": 1}, r"payer_review has unknown key\(s\) bogus")):
        with pytest.raises(ValueError, match=match):
            _check_payer_review({**data, "payer_review": bad}, "bad.json")


def test_notices_are_reproducible_and_leave_labels_unchanged(tmp_path):
    a = generate_practice(lines=1500, seed=9, profile="orthopedic_group")
    b = generate_practice(lines=1500, seed=9, profile="orthopedic_group")
    pd.testing.assert_frame_equal(a.notices, b.notices)
    write_practice(a, tmp_path / "a")
    assert {p for p in PAYER_FILES} <= {p.name for p in (tmp_path / "a").iterdir()}
    assert np.array_equal(a.labels["at_risk_cents"].to_numpy(), b.labels["at_risk_cents"].to_numpy())


# ---------------------------------------------------------------------------
# Remittances and take-backs
# ---------------------------------------------------------------------------

def _digest(folder):
    import hashlib

    return {p.relative_to(folder).as_posix(): hashlib.sha256(p.read_bytes()).hexdigest()
            for p in sorted(folder.rglob("*")) if p.is_file()}


def test_same_seed_same_bytes_including_the_835s(tmp_path):
    for name in ("a", "b"):
        write_practice(generate_practice(lines=1500, seed=12, profile="hospital_outpatient"), tmp_path / name)
    a = _digest(tmp_path / "a")
    assert any(k.startswith("remits/") and k.endswith(".835") for k in a)
    assert a == _digest(tmp_path / "b")


def test_no_remits_keeps_the_notices_and_writes_no_835(tmp_path):
    from recoup_lib.cli import main

    args = ["generate", "--lines", "1200", "--seed", "3", "--profile", "family_practice"]
    assert main(args + ["--out", str(tmp_path / "with")]) == 0
    assert main(args + ["--no-remits", "--out", str(tmp_path / "without")]) == 0
    assert not (tmp_path / "without" / "remits").exists()
    assert (tmp_path / "with" / "notices.csv").read_bytes() == (tmp_path / "without" / "notices.csv").read_bytes()
    with_remits = pd.read_csv(tmp_path / "with" / "recoupment_labels.csv")
    without = pd.read_csv(tmp_path / "without" / "recoupment_labels.csv")
    pd.testing.assert_frame_equal(with_remits[without.columns], without)


def test_generated_835s_are_valid_5010_for_pyx12(folders, tmp_path):
    files = sorted((folders["family_practice"] / "remits").glob("*.835"))
    assert len(files) > 10
    assert pyx12_batch_errors(files, tmp_path) == {}


@pytest.mark.parametrize("profile", PROFILES)
def test_835s_balance_and_show_exactly_what_each_notice_says_was_taken(folders, profile):
    from recoup_lib.remit import read_835

    folder = folders[profile]
    remit = read_835(folder / "remits")
    assert len(remit.problems) == 0
    assert remit.transactions["balanced"].all()
    assert remit.payments["balanced"].all() and remit.service_lines["balanced"].all()
    rl = pd.read_csv(folder / "recoupment_labels.csv", dtype=str, keep_default_na=False)
    rec, pay = remit.recoupments, remit.payments
    offsets = rec.loc[rec["mechanism"] == "offset"]
    offset_notice = offsets["reference"].fillna("").str.split().str[-1].fillna("")
    mechanisms = set()
    for row in rl.itertuples():
        took = int(offsets.loc[(offset_notice == row.notice_id).to_numpy(), "amount_cents"].sum())
        if row.reversal_trace:
            rev = rec.loc[(rec["mechanism"] == "reversal") & (rec["trace_number"] == row.reversal_trace)
                          & (rec["claim_id"] == row.claim_id)]
            cor = pay.loc[(pay["trace_number"] == row.reversal_trace) & (pay["claim_id"] == row.claim_id)
                          & (pay["status_code"] == "1"), "paid_cents"]
            assert len(rev) == 1 and len(cor) == 1, row.notice_id
            assert int(rev["amount_cents"].iloc[0]) == round(float(row.reversed) * 100)
            assert int(cor.iloc[0]) == round(float(row.repaid) * 100)
            took += int(rev["amount_cents"].iloc[0] - rev["deferred_cents"].iloc[0] - cor.iloc[0])
        assert took == round(float(row.taken) * 100), row.notice_id
        if took:
            mechanisms.add(row.mechanism)
            dates = pd.to_datetime(pd.Series(row.taken_dates.split(";")))
            assert (dates >= pd.Timestamp(row.offset_starts)).all()
    taken = rl["taken"].astype(float)
    assert (taken <= rl["amount"].astype(float) + 1e-9).all()
    assert (taken[rl["appealed"] == "true"] == 0).all()
    assert mechanisms >= {"offset", "reversal"}
    assert int(offsets.loc[offset_notice.str.startswith("N").to_numpy(), "amount_cents"].sum()) > 0


def test_offsets_spread_over_several_remittances_and_deferrals_appear(folders):
    spread = deferred = 0
    for folder in folders.values():
        rl = pd.read_csv(folder / "recoupment_labels.csv", dtype=str, keep_default_na=False)
        spread += int(rl["taken_dates"].str.contains(";").sum())
        deferred += int(((rl["mechanism"] == "deferred") & (rl["reversal_trace"] != "")).sum())
    assert spread > 0 and deferred > 0


def test_appeal_report_and_audit_run_on_a_generated_folder(folders, tmp_path):
    from recoup_lib.cli import main
    from recoup_lib.rules import score

    folder = folders["orthopedic_group"]
    assert main(["appeal", str(folder), "--as-of", "2026-03-01", "--out", str(tmp_path / "appeal")]) == 0
    assert (tmp_path / "appeal" / "decisions.csv").is_file()
    assert main(["report", str(folder), "--as-of", "2026-03-01", "--out", str(tmp_path / "report")]) == 0
    metrics = pd.read_csv(tmp_path / "report" / "metrics.csv")
    assert "recoupment_rate" in set(metrics["metric"])
    table = score(audit_folder(folder).findings, read_table(folder / "labels.csv").data).set_index("error_type")
    assert table.loc["all", "precision"] == 1.0 and table.loc["all", "recall"] == 1.0


def _lines_of(remit, row) -> pd.DataFrame:
    s = remit.service_lines
    return s.loc[(s["file"] == row.file) & (s["trace_number"] == row.trace_number)
                 & (s["claim_seq"] == row.claim_seq)].reset_index(drop=True)


def _cas_of(remit, row) -> pd.DataFrame:
    a = remit.adjustments
    mine = a.loc[(a["file"] == row.file) & (a["trace_number"] == row.trace_number)
                 & (a["claim_seq"] == row.claim_seq)]
    return mine.sort_values(["line_seq", "group_code", "reason_code"]).reset_index(drop=True)


@pytest.mark.parametrize("profile", PROFILES)
def test_every_generated_reversal_repeats_the_whole_claim_payment_then_its_correction(folders, profile):
    from recoup_lib.remit import read_835

    remit = read_835(folders[profile] / "remits")
    pay = remit.payments.reset_index(drop=True)
    reversals = pay.loc[pay["status_code"] == "22"]
    assert len(reversals) > 0
    for i, rev in reversals.iterrows():
        earlier = pay.loc[(pay["payer_claim_control"] == rev.payer_claim_control)
                          & (pay["status_code"] != "22") & (pay.index < i)]
        assert len(earlier) == 1, rev.claim_id
        original = earlier.iloc[0]
        for col in ("charge_cents", "paid_cents", "patient_responsibility_cents"):
            assert rev[col] == -original[col], (rev.claim_id, col)
        mine, theirs = _lines_of(remit, rev), _lines_of(remit, original)
        assert len(mine) == len(theirs) > 0
        assert mine["procedure_code"].tolist() == theirs["procedure_code"].tolist()
        for col in ("charge_cents", "paid_cents"):
            assert (mine[col] == -theirs[col]).all(), (rev.claim_id, col)
        cas_mine, cas_theirs = _cas_of(remit, rev), _cas_of(remit, original)
        assert cas_mine[["line_seq", "group_code", "reason_code"]].equals(
            cas_theirs[["line_seq", "group_code", "reason_code"]])
        assert (cas_mine["amount_cents"] == -cas_theirs["amount_cents"]).all()
        # The correction follows in the same remittance, as a new payment of the same claim.
        after = pay.loc[(pay.index > i) & (pay["file"] == rev.file)
                        & (pay["trace_number"] == rev.trace_number) & (pay["claim_id"] == rev.claim_id)]
        assert len(after) >= 1 and after["status_code"].iloc[0] != "22", rev.claim_id
        assert after["charge_cents"].iloc[0] == original["charge_cents"]


def test_generated_835s_carry_the_remark_codes_x12_asks_for_and_duplicates_under_oa(folders):
    from recoup_lib.remit import read_835

    seen = set()
    for folder in folders.values():
        remit = read_835(folder / "remits")
        adj, lines, pay = remit.adjustments, remit.service_lines, remit.payments
        line_key = lambda f: f["file"] + "|" + f["trace_number"] + "|" + f["claim_seq"].astype(str)
        remarks = pd.Series(lines["remark_codes"].to_numpy(),
                            index=line_key(lines) + "|" + lines["line_seq"].astype(str))
        claim_remarks = pd.Series(pay["claim_remark_codes"].to_numpy(), index=line_key(pay))
        need = adj.loc[adj["reason_code"].isin(["16", "96", "129", "234", "252"])]
        for row in need.itertuples():
            key = f"{row.file}|{row.trace_number}|{row.claim_seq}"
            given = remarks.get(f"{key}|{row.line_seq}", "") or claim_remarks.get(key, "")
            assert given, (row.file, row.claim_id, row.reason_code)
            seen.add(row.reason_code)
        assert (adj.loc[adj["reason_code"] == "18", "group_code"] == "OA").all()
        medicare = pay.loc[pay["filing_indicator"] == "MB"]
        touched = medicare["status_code"].isin(["4", "22"])
        assert (medicare.loc[touched, "claim_remark_codes"] == "MA01").all()
    assert {"16", "96"} <= seen


def test_label_support_is_the_largest_at_risk_of_that_error_on_that_line():
    """A notice's support: labels of the same line and error_type (several, or none), their largest at-risk."""
    from recoup_lib.synthetic._payer import _label_support

    rng = np.random.default_rng(4)
    kinds = np.array(["upcoding", "unbundling", "coverage_lapsed"], dtype=object)
    labels = pd.DataFrame({"_line": rng.integers(0, 40, 300), "error_type": kinds[rng.integers(0, 3, 300)],
                           "at_risk_cents": rng.integers(0, 500, 300)})
    asked = pd.DataFrame({"_line": rng.integers(0, 50, 200), "error_type": kinds[rng.integers(0, 3, 200)]})
    found, support = _label_support(labels["_line"].to_numpy(), labels["error_type"].to_numpy(object),
                                    labels["at_risk_cents"].to_numpy(), asked["_line"].to_numpy(),
                                    asked["error_type"].to_numpy(object))
    largest = labels.groupby(["_line", "error_type"])["at_risk_cents"].max()
    expected = asked.join(largest, on=["_line", "error_type"])["at_risk_cents"]
    assert np.array_equal(found, expected.notna().to_numpy()) and not found.all() and found.any()
    assert np.array_equal(support[found], expected.dropna().to_numpy(dtype=np.int64))
    empty = _label_support(np.zeros(0, np.int64), np.zeros(0, object), np.zeros(0, np.int64),
                           asked["_line"].to_numpy(), asked["error_type"].to_numpy(object))
    assert not empty[0].any()


@pytest.mark.parametrize("first, count", [(1, 0), (1, 3), (999_998, 4)])
def test_notice_ids_have_six_digits_at_least(first, count):
    from recoup_lib.synthetic._payer import notice_ids

    assert list(notice_ids(first, count)) == [f"N{i:06d}" for i in range(first, first + count)]
