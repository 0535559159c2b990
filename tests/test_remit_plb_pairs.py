"""PLB WO amounts that cancel: the recoupments, the summaries and the deposits agree to the cent.

A positive WO takes money back; a negative WO on the same reference hands it
back (docs/sources.md §5.3, §5.5). Whatever the order, and whether both are in
one remittance or two, what the kit calls "taken back" is what is left.
"""

from __future__ import annotations

import datetime as dt
import json

import pandas as pd
import pytest

from recoup_lib.cli import main
from recoup_lib.remit import (
    Adjustment,
    ClaimPayment,
    Interchange,
    ProviderAdjustment,
    Remittance,
    read_835,
    reverse,
    taken_back,
    write_835,
)
from recoup_lib.remit.reconcile import explain_deposits, link_recoupments

NPI = "1999999984"
YEAR_END = dt.date(2025, 12, 31)
D1, D2 = dt.date(2025, 1, 23), dt.date(2025, 2, 20)


def wo(cents: int, reference: str = "ICN1") -> ProviderAdjustment:
    return ProviderAdjustment(NPI, YEAR_END, "WO", cents, reference)


def write(folder, *remittances, payer_id="1131251807"):
    """One 835 per remittance, numbered in order; the claim pays what the WOs take."""
    paths = []
    for k, (day, plb, claims) in enumerate(remittances, start=1):
        r = Remittance(f"T{k}", day, "SUNSHINE COAST HEALTH", payer_id, "FAMILY PRACTICE", NPI,
                       claims=claims, provider_adjustments=tuple(plb))
        paths.append(write_835(folder / f"r{k}.835", Interchange("PAYER", "CLINIC", k, day, (r,))))
    return paths


def csv(path):
    return pd.read_csv(path, dtype=str, keep_default_na=False)


@pytest.mark.parametrize("plb", [(wo(5000), wo(-5000)), (wo(-5000), wo(5000))],
                         ids=["taken then handed back", "handed back then taken"])
def test_cancelling_wo_pair_in_one_deposit_takes_back_nothing_everywhere(tmp_path, capsys, plb):
    [path] = write(tmp_path, (D1, plb, ()))
    assert main(["remit", str(path), "--out", str(tmp_path / "r")]) == 0
    said = capsys.readouterr().out
    assert "taken back $0.00, each dollar once (gross $50.00: reversals $0.00, offsets $50.00; " \
           "less corrections paid again $0.00, deferred $50.00" in said
    rec = csv(tmp_path / "r" / "recoupments.csv")
    assert rec[["amount", "mechanism", "reason_code", "reference", "deferred",
                "net_amount"]].values.tolist() == [["50.00", "offset", "WO", "ICN1", "50.00",
                                                     "0.00"]]
    assert json.loads((tmp_path / "r" / "summary.json").read_text())["taken_back_cents"] == 0

    assert main(["reconcile", str(path), "--out", str(tmp_path / "c")]) == 0
    said = capsys.readouterr().out
    assert "$0.00 deposited, $0.00 paid for claims; 1 recoupment(s) took back $0.00 net" in said
    dep = csv(tmp_path / "c" / "deposits.csv")
    assert dep[["offsets", "deferred", "bpr_amount", "unexplained"]].values.tolist() == [
        ["50.00", "50.00", "0.00", "0.00"]]
    links = csv(tmp_path / "c" / "recoupment_links.csv")
    assert links[["deferred", "net_taken"]].values.tolist() == [["50.00", "0.00"]]
    summary = json.loads((tmp_path / "c" / "summary.json").read_text())
    assert summary["taken_back_cents"] == 0 and summary["deposited_cents"] == 0


def test_partly_cancelled_wo_takes_back_what_is_left(tmp_path):
    remit = read_835(write(tmp_path, (D1, (wo(5000), wo(-2000)),
                                      (ClaimPayment("C1", "1", 9000, 9000, "ICN9"),))))
    rec = remit.recoupments
    assert rec[["amount_cents", "deferred_cents", "net_amount_cents"]].values.tolist() == [
        [5000, 2000, 3000]]
    assert taken_back(remit) == 3000 == remit.totals()["taken_back_cents"]
    d = explain_deposits(remit)
    assert d[["offsets_cents", "deferred_cents", "bpr_amount_cents"]].values.tolist() == [
        [5000, 2000, 9000 - 3000]]
    assert "less $50.00 WO offset for reference ICN1, plus $20.00 deferred WO recovery for " \
           "reference ICN1 = $60.00 deposited." in d.loc[0, "sentence"]


@pytest.mark.parametrize("first, second, net", [(5000, -5000, 0), (5000, -2000, 3000),
                                                (-5000, 5000, 0)],
                         ids=["taken then handed back", "taken then partly handed back",
                              "deferred then taken"])
def test_wo_pair_split_over_two_remittances_nets_across_them(tmp_path, first, second, net):
    pay = (ClaimPayment("C1", "1", 9000, 9000, "ICN9"),)
    remit = read_835(write(tmp_path, (D1, (wo(first),), pay), (D2, (wo(second),), pay)))
    assert taken_back(remit) == net
    d = explain_deposits(remit)
    took = d["offsets_cents"] + d["deferrals_taken_cents"] - d["deferred_cents"]
    assert int(took.sum()) == net
    assert d["bpr_amount_cents"].tolist() == [9000 - first, 9000 - second]
    links = link_recoupments(remit)
    assert int(links["net_taken_cents"].sum()) == net
    assert links["amount_cents"].tolist() == [5000]


def test_negative_wo_on_another_reference_or_payer_hands_back_nothing_taken(tmp_path):
    pay = (ClaimPayment("C1", "1", 9000, 9000, "ICN9"),)
    for name in ("a", "b", "c"):
        (tmp_path / name).mkdir()
    other_ref = read_835(write(tmp_path / "a", (D1, (wo(5000), wo(-5000, "ICN2")), pay)))
    assert other_ref.recoupments["deferred_cents"].tolist() == [0]
    assert taken_back(other_ref) == 5000
    first = write(tmp_path / "b", (D1, (wo(5000),), pay))
    second = write(tmp_path / "c", (D2, (wo(-5000),), pay), payer_id="2222222222")
    assert taken_back(read_835(first + second)) == 5000


def test_deferral_of_a_reversal_still_defers_the_reversal_not_a_later_offset(tmp_path):
    original = ClaimPayment("PCN-B", "1", 25000, 15000, "ICN-B1",
                            adjustments=(Adjustment("CO", "45", 10000),))
    pay = (ClaimPayment("C1", "1", 90000, 90000, "ICN9"),)
    remit = read_835(write(tmp_path, (D1, (wo(-15000, "ICN-B1"),), (reverse(original),) + pay),
                           (D2, (wo(15000, "ICN-B1"),), pay)))
    rec = remit.recoupments
    assert rec[["mechanism", "deferred_cents", "net_amount_cents"]].values.tolist() == [
        ["reversal", 15000, 0], ["offset", 0, 15000]]
    assert taken_back(remit) == 15000


@pytest.mark.parametrize("reference, about", [("ICN1", "reference ICN1"), ("ICN9", "claim C1")],
                         ids=["reference of no claim read", "reference of a claim read"])
def test_negative_wo_without_an_original_in_the_files_read_says_so_and_takes_nothing(
        tmp_path, capsys, reference, about):
    pay = (ClaimPayment("C1", "1", 9000, 9000, "ICN9"),)
    [path] = write(tmp_path, (D1, (wo(-5000, reference),), pay))
    assert main(["remit", str(path), "--out", str(tmp_path / "r")]) == 0
    assert "taken back $0.00" in capsys.readouterr().out
    assert csv(tmp_path / "r" / "recoupments.csv").empty
    plb = csv(tmp_path / "r" / "provider_adjustments.csv")
    assert plb[["reason_code", "amount", "without_original"]].values.tolist() == [["WO", "-50.00", "50.00"]]
    [warning] = csv(tmp_path / "r" / "warnings.csv")["message"].tolist()
    assert warning.startswith("r1.835, segment ") and "(PLB)" in warning
    assert f"a WO offset of control number {reference}" in warning
    assert "no original in the files read, so $50.00 raises this deposit and takes nothing back" in warning

    assert main(["reconcile", str(path), "--out", str(tmp_path / "c")]) == 0
    capsys.readouterr()
    assert json.loads((tmp_path / "c" / "summary.json").read_text())["taken_back_cents"] == 0
    assert csv(tmp_path / "c" / "recoupment_links.csv").empty
    [sentence] = csv(tmp_path / "c" / "deposits.csv")["sentence"].tolist()
    assert sentence == (f"$90.00 paid for 1 claim, plus $50.00 deferred WO recovery for {about} "
                        "(no original in the files read) = $140.00 deposited.")


def test_negative_wo_larger_than_the_offset_read_hands_back_only_that_offset(tmp_path):
    pay = (ClaimPayment("C1", "1", 9000, 9000, "ICN9"),)
    remit = read_835(write(tmp_path, (D1, (wo(2000),), pay), (D2, (wo(-5000),), pay)))
    assert remit.recoupments[["amount_cents", "deferred_cents", "net_amount_cents"]].values.tolist() == [
        [2000, 2000, 0]]
    assert taken_back(remit) == 0
    assert remit.provider_adjustments["without_original_cents"].tolist() == [0, 3000]
    [warning] = remit.warnings["message"].tolist()
    assert warning.startswith("r2.835, ") and "so $30.00 of its $50.00 raises this deposit" in warning
    d = explain_deposits(remit)
    assert "plus $50.00 deferred WO recovery for reference ICN1 ($30.00 of it: no original in the files " \
           "read) = $140.00 deposited." in d.loc[1, "sentence"]
