"""``recoup remit FILE... --out OUT``: contract files, exit status, messages."""

from __future__ import annotations

import json
import shutil
from pathlib import Path

import pandas as pd
import pytest

from recoup_lib.cli import main

DATA = Path(__file__).parent / "data" / "835"

CONTRACT = {
    "transactions.csv": ["file", "trace_number", "payer", "payment_date", "bpr_amount",
                         "claim_paid_total", "provider_adjustment_total", "balanced"],
    "payments.csv": ["file", "trace_number", "claim_id", "status_code", "charge", "paid",
                     "patient_responsibility", "payer_claim_control"],
    "provider_adjustments.csv": ["file", "trace_number", "reason_code", "reference", "amount"],
    "recoupments.csv": ["file", "trace_number", "payment_date", "claim_id", "amount",
                        "mechanism", "reason_code", "reference"],
}


def csv(path: Path) -> pd.DataFrame:
    return pd.read_csv(path, dtype=str, keep_default_na=False)


def test_contract_files_and_columns(tmp_path, capsys):
    out = tmp_path / "out"
    status = main(["remit", str(DATA / "medicare-part-a.835"), str(DATA / "domain-5.5.835"),
                   "--out", str(out)])
    assert status == 0
    for name, columns in CONTRACT.items():
        frame = csv(out / name)
        assert list(frame.columns[: len(columns)]) == columns, name
    t = csv(out / "transactions.csv")
    assert t[["file", "trace_number", "payment_date", "bpr_amount", "claim_paid_total",
              "provider_adjustment_total", "balanced"]].values.tolist() == [
        ["medicare-part-a.835", "12345", "2002-09-13", "150000.00", "149998.73", "-1.27", "true"],
        ["domain-5.5.835", "EFT0000123", "2025-03-14", "287.35", "360.00", "72.65", "true"]]
    p = csv(out / "payments.csv")
    assert p.loc[p["claim_id"] == "PCN-B200", ["status_code", "charge", "paid"]].values.tolist() \
        == [["22", "-250.00", "-150.00"], ["1", "250.00", "90.00"]]
    plb = csv(out / "provider_adjustments.csv")
    assert plb[["reason_code", "reference", "amount"]].values.tolist() == [
        ["CV", "CP", "-1.27"], ["WO", "ICN-C0-0003 1EG4TE5MK73", "75.00"], ["L6", "", "-2.35"]]
    rec = csv(out / "recoupments.csv")
    assert rec[["payment_date", "claim_id", "amount", "mechanism", "reason_code",
                "reference"]].values.tolist() == [
        ["2025-03-14", "PCN-B200", "150.00", "reversal", "22", "ICN-B0-0001"],
        ["2025-03-14", "", "75.00", "offset", "WO", "ICN-C0-0003 1EG4TE5MK73"]]
    summary = json.loads((out / "summary.json").read_text())
    assert summary["unbalanced_transactions"] == 0 and summary["recouped_total_cents"] == 22500
    printed = capsys.readouterr().out
    # Contract v2: "taken back" is net (the $90.00 correction paid with the reversal is not
    # taken back); the gross figure is labelled as such.
    assert "taken back $135.00, each dollar once (gross $225.00: reversals $150.00, " \
           "offsets $75.00" in printed
    assert summary["taken_back_cents"] == 13500 and summary["taken_back"] == 135.0
    assert rec["net_amount"].tolist() == ["60.00", "75.00"]


def test_unbalanced_transaction_is_counted_and_printed(tmp_path, capsys):
    bad = tmp_path / "off.835"
    bad.write_text((DATA / "domain-5.5.835").read_text().replace("BPR*I*287.35", "BPR*I*290"))
    status = main(["remit", str(bad), "--out", str(tmp_path / "out")])
    assert status == 0
    printed = capsys.readouterr().out
    assert "Balance: 1 unbalanced transaction(s)" in printed
    assert "UNBALANCED off.835, trace EFT0000123: BPR02 $290.00 but claims $360.00 - provider " \
           "adjustments $72.65 = $287.35." in printed
    assert csv(tmp_path / "out" / "transactions.csv")["balanced"].tolist() == ["false"]


def test_bad_file_is_set_aside_and_the_batch_still_loads(tmp_path, capsys):
    bad = tmp_path / "bad.835"
    bad.write_text((DATA / "domain-5.5.835").read_text().replace("*420*", "*4.2.0*"))
    out = tmp_path / "out"
    status = main(["remit", str(bad), str(DATA / "managed-care.835"), "--out", str(out)])
    assert status == 0
    rejected = csv(out / "rejected.csv")
    assert rejected[["file", "segment", "segment_id", "element", "value", "action"]].values.tolist(
    ) == [["bad.835", "8", "CLP", "CLP04", "4.2.0", "transaction set aside"]]
    assert csv(out / "transactions.csv")["file"].tolist() == ["managed-care.835"]
    files = csv(out / "files.csv")
    assert files[["file", "status", "transactions", "transactions_used",
                  "transactions_set_aside"]].values.tolist() == [
        ["bad.835", "set aside", "1", "0", "1"], ["managed-care.835", "read", "1", "1", "0"]]
    assert "SET ASIDE bad.835, segment 8 (CLP), element CLP04" in capsys.readouterr().out


def test_nothing_readable_exits_1_with_one_line(tmp_path, capsys):
    note = tmp_path / "readme.txt"
    note.write_text("not an 835")
    status = main(["remit", str(note), str(tmp_path / "missing.835"), "--out", str(tmp_path / "o")])
    assert status == 1
    err = capsys.readouterr().err.strip().splitlines()
    assert len(err) == 1 and err[0].startswith("recoup remit: no usable 835 transaction in 2 file(s)")
    assert "Traceback" not in err[0]
    assert len(csv(tmp_path / "o" / "rejected.csv")) == 2


def test_folder_argument_reads_every_file_and_skips_what_is_not_x12(tmp_path):
    folder = tmp_path / "era"
    folder.mkdir()
    for name in ("managed-care.835", "medicare-part-a.835", "SOURCES.md"):
        shutil.copy(DATA / name, folder / name)
    status = main(["remit", str(folder), "--out", str(tmp_path / "out")])
    assert status == 0
    assert csv(tmp_path / "out" / "transactions.csv")["file"].tolist() == [
        "managed-care.835", "medicare-part-a.835"]
    assert len(csv(tmp_path / "out" / "rejected.csv")) == 0
    files = csv(tmp_path / "out" / "files.csv")
    assert files.set_index("file")["status"].to_dict() == {
        "SOURCES.md": "skipped", "managed-care.835": "read", "medicare-part-a.835": "read"}


def test_a_named_file_that_is_not_x12_is_an_error(tmp_path):
    status = main(["remit", str(DATA / "SOURCES.md"), str(DATA / "managed-care.835"),
                   "--out", str(tmp_path / "out")])
    assert status == 0
    rejected = csv(tmp_path / "out" / "rejected.csv")
    assert rejected[["file", "action"]].values.tolist() == [["SOURCES.md", "file set aside"]]


def test_without_out_only_prints(tmp_path, capsys):
    assert main(["remit", str(DATA / "tertiary-payment.835")]) == 0
    printed = capsys.readouterr().out
    assert "1 unbalanced service line(s)" in printed and "Wrote" not in printed


def test_missing_file_argument_is_a_usage_error(capsys):
    with pytest.raises(SystemExit) as exc:
        main(["remit"])
    assert exc.value.code == 2


def test_remit_and_reconcile_write_the_same_taken_back_and_count_a_folder_given_twice_once(
        tmp_path, capsys):
    folder = tmp_path / "era"
    (folder / "2025" / "Q1").mkdir(parents=True)
    for name in ("domain-5.5-deferred.835", "domain-5.5-later.835", "medicare-part-a.835"):
        shutil.copy(DATA / name, folder / "2025" / "Q1" / name)
    shutil.copy(DATA / "medicare-part-a.835", folder / "medicare-part-a (1).835")
    assert main(["remit", str(folder), str(folder), "--out", str(tmp_path / "remit")]) == 0
    assert main(["reconcile", str(folder), str(folder), "--out", str(tmp_path / "rec")]) == 0
    remit = json.loads((tmp_path / "remit" / "summary.json").read_text())
    rec = json.loads((tmp_path / "rec" / "summary.json").read_text())
    # Claim B: reversed (150.00), re-paid 90.00, its recovery deferred with WO -150.00 and
    # taken later (WO 150.00): 60.00 in the end; claim C: a 75.00 WO offset. 135.00 once,
    # whatever was given twice.
    assert remit["taken_back"] == rec["taken_back"] == 135.0
    assert remit["transactions_used"] == 3 and remit["transactions_repeated"] == 1
    recoupments = csv(tmp_path / "remit" / "recoupments.csv")
    assert sum(float(v) for v in recoupments["net_amount"]) == 135.0
    assert csv(tmp_path / "rec" / "deposits.csv").shape[0] == 3
    files = csv(tmp_path / "rec" / "files.csv").set_index("file")["status"].to_dict()
    assert files == {"domain-5.5-deferred.835": "read", "domain-5.5-later.835": "read",
                     "medicare-part-a.835": "read", "medicare-part-a (1).835": "repeat"}
    printed = capsys.readouterr().out
    assert "FILE medicare-part-a (1).835: repeat" in printed


@pytest.mark.parametrize("command", ["remit", "reconcile"])
def test_a_transaction_sent_twice_with_different_claims_gives_the_same_result_in_any_order(
        tmp_path, capsys, command):
    sent = (DATA / "medicare-part-a.835").read_text(encoding="utf-8")
    assert sent.count("CLP*777777*") == 1
    (tmp_path / "era").mkdir()
    (tmp_path / "era" / "b.835").write_text(sent, encoding="utf-8")
    (tmp_path / "era" / "a.835").write_text(sent.replace("CLP*777777*", "CLP*777778*"), encoding="utf-8")
    given = [tmp_path / "era" / "b.835", tmp_path / "era" / "a.835"]
    outs, printed = [], []
    for order, files in (("given", given), ("reversed", given[::-1])):
        outs.append(tmp_path / order)
        assert main([command, *map(str, files), "--out", str(outs[-1])]) == 0
        printed.append(capsys.readouterr().out.replace(str(outs[-1]), "OUT"))
    written = sorted(p.name for p in outs[0].iterdir()
                     if p.suffix in (".csv", ".json") and p.name not in ("files.csv", ".recoup-manifest.json"))
    assert len(written) > 4
    for name in written:
        assert (outs[0] / name).read_bytes() == (outs[1] / name).read_bytes(), name
    statuses = [csv(out / "files.csv").set_index("file")["status"].to_dict() for out in outs]
    assert statuses[0] == statuses[1] == {"a.835": "read", "b.835": "repeat"}
    # Both commands name the two copies in warnings.csv.
    warning = csv(outs[0] / "warnings.csv").query("action == 'counted once'")["message"].tolist()
    assert len(warning) == 1 and warning[0].startswith("b.835, ")
    assert "repeats the one in a.835" in warning[0] and "differ from that one's, which is kept" in warning[0]
    if command == "remit":
        claims = csv(outs[0] / "payments.csv")
        assert sorted(claims["claim_id"]) == ["666123", "777778"] and set(claims["file"]) == {"a.835"}
        assert all(f"DIFFERENT COPY {warning[0]}" in said for said in printed)
    else:
        assert set(csv(outs[0] / "deposits.csv")["file"]) == {"a.835"}
        assert all("1 of them (in b.835) differ from the copy kept" in said for said in printed)


@pytest.mark.parametrize("command", ["remit", "reconcile"])
def test_a_copy_whose_file_name_holds_the_different_copy_words_is_not_a_different_copy(tmp_path, capsys, command):
    from recoup_lib.remit import read_835

    sent = (DATA / "medicare-part-a.835").read_text(encoding="utf-8")
    (tmp_path / "era").mkdir()
    for name in ("a.835", "b differ from that one's.835"):
        (tmp_path / "era" / name).write_text(sent, encoding="utf-8")
    remit = read_835(tmp_path / "era")
    assert len(remit.warnings.query("action == 'counted once'")) == 1
    assert remit.different_copies.empty
    assert main([command, str(tmp_path / "era"), "--out", str(tmp_path / "out")]) == 0
    printed = capsys.readouterr().out
    assert "DIFFERENT COPY" not in printed and "differ from the copy kept" not in printed
    assert "1 repeated (counted once)" in printed or "1 transaction(s) repeated another" in printed


def test_a_payment_sent_again_in_its_own_file_names_the_first_in_the_file_as_the_copy_kept(tmp_path, capsys):
    """stupidedi's 'split' note sends its payment, then twice more without its claim, in one file."""
    split = DATA / "public" / "stupidedi-notes-split.edi"
    assert main(["remit", str(split), "--out", str(tmp_path / "remit")]) == 0
    printed = capsys.readouterr().out
    assert printed.count("which is kept because it comes first in the file: check which is right") == 2
    assert "path sorts first" not in printed
    assert main(["reconcile", str(split), "--out", str(tmp_path / "recon")]) == 0
    printed = capsys.readouterr().out
    assert ("2 transaction(s) repeated another and were counted once (the copy kept is the one in the file whose "
            "path sorts first, the first in that file). 2 of them (in stupidedi-notes-split.edi) differ") in printed


def test_the_same_remittance_from_two_senders_is_counted_as_the_rule_says_and_named(tmp_path, capsys):
    """An ERA fetched from the payer's portal and again through a clearinghouse carries two ISA
    senders: by the contract a repeat is the same sender's, so both are counted, and a warning
    names both files. A copy with other claims under another sender is no such warning."""
    sent = (DATA / "medicare-part-a.835").read_text(encoding="utf-8")
    sender = sent.split("*")[6]
    assert len(sender) == 15
    (tmp_path / "era").mkdir()
    (tmp_path / "era" / "portal.835").write_text(sent, encoding="utf-8")
    (tmp_path / "era" / "clearinghouse.835").write_text(sent.replace(sender, "CLEARINGHOUSE01", 1),
                                                        encoding="utf-8")
    assert main(["remit", str(tmp_path / "era"), "--out", str(tmp_path / "out")]) == 0
    files = csv(tmp_path / "out" / "files.csv").set_index("file")["status"].to_dict()
    assert files == {"clearinghouse.835": "read", "portal.835": "read"}
    [warning] = csv(tmp_path / "out" / "warnings.csv").query("message.str.contains('another sender')")["message"]
    assert warning.startswith("portal.835, ") and "the same payment as the one in clearinghouse.835" in warning
    (tmp_path / "era" / "clearinghouse.835").write_text(
        sent.replace(sender, "CLEARINGHOUSE01", 1).replace("CLP*777777*", "CLP*777778*"), encoding="utf-8")
    assert main(["remit", str(tmp_path / "era"), "--out", str(tmp_path / "out")]) == 0
    assert not csv(tmp_path / "out" / "warnings.csv")["message"].str.contains("another sender").any()


def test_the_same_remittance_from_a_third_sender_is_compared_with_every_copy_before_it(tmp_path):
    """A third route's copy was compared with the first sender's only: one matching the second
    sender's (the first holding other claims) went unnamed, and one matching both named the first
    sender alone. Each copy is now compared with every copy before it, and names their senders."""
    sent = (DATA / "medicare-part-a.835").read_text(encoding="utf-8")
    sender = sent.split("*")[6]
    (tmp_path / "era").mkdir()
    (tmp_path / "era" / "a_portal.835").write_text(sent.replace("CLP*777777*", "CLP*777778*"), encoding="utf-8")
    (tmp_path / "era" / "b_clearinghouse.835").write_text(sent.replace(sender, "CLEARINGHOUSE01", 1),
                                                          encoding="utf-8")
    (tmp_path / "era" / "c_lockbox.835").write_text(sent.replace(sender, "BANKLOCKBOX0001", 1), encoding="utf-8")

    def warned() -> list[str]:
        assert main(["remit", str(tmp_path / "era"), "--out", str(tmp_path / "out")]) == 0
        found = csv(tmp_path / "out" / "warnings.csv").query("message.str.contains('another sender')")["message"]
        return found.tolist()

    [warning] = warned()
    assert warning.startswith("c_lockbox.835, ") and "the same payment as the one in b_clearinghouse.835" in warning
    assert "another sender ('BANKLOCKBOX0001', not 'CLEARINGHOUSE01')" in warning
    (tmp_path / "era" / "a_portal.835").write_text(sent, encoding="utf-8")
    second, third = warned()
    assert second.startswith("b_clearinghouse.835, ") and f"('CLEARINGHOUSE01', not {sender.strip()!r})" in second
    assert third.startswith("c_lockbox.835, ") and "the same payment as the one in a_portal.835" in third
    assert f"another sender ('BANKLOCKBOX0001', not {sender.strip()!r} or 'CLEARINGHOUSE01')" in third


def test_a_copy_of_a_remittance_without_a_trace_number_is_counted_once(tmp_path):
    # genformai/edi-cli's 835-no-payer-payee.edi has no TRN: a copy of it was counted twice.
    sent = "ST*835*0001~BPR*I*100*C*CHK~DTM*405*20230101~CLP*SIMPLE*1*100*100*0*12*CTRL123~SE*5*0001~"
    (tmp_path / "era").mkdir()
    for name, text in (("a.835", sent), ("a (1).835", sent),
                       ("other.835", sent.replace("CLP*SIMPLE*", "CLP*OTHER*"))):
        (tmp_path / "era" / name).write_text(text)
    assert main(["remit", str(tmp_path / "era"), "--out", str(tmp_path / "out")]) == 0
    files = csv(tmp_path / "out" / "files.csv").set_index("file")["status"].to_dict()
    assert files == {"a (1).835": "read", "a.835": "repeat", "other.835": "read"}
    assert sorted(csv(tmp_path / "out" / "payments.csv")["claim_id"]) == ["OTHER", "SIMPLE"]
    repeat = csv(tmp_path / "out" / "warnings.csv").query("action == 'counted once'")["message"]
    assert repeat.str.contains("no trace number, the same claims and adjustments").tolist() == [True]


def test_remit_and_reconcile_end_with_the_next_command_on_the_users_paths(tmp_path, capsys):
    """Only recoup import printed a "next:" step. The 835s of an audit folder's remits/ lead to
    reconcile with the folder's notices, reconcile to the appeals of those notices; 835s of no audit
    folder to the report, saying where they go."""
    folder = tmp_path / "my practice"
    (folder / "remits").mkdir(parents=True)
    shutil.copy(DATA / "medicare-part-a.835", folder / "remits")
    (folder / "claim_lines.csv").write_text("claim_id\n", encoding="utf-8")
    (folder / "notices.csv").write_text("notice_id\n", encoding="utf-8")
    remits = folder / "remits"
    assert main(["remit", str(remits), "--out", str(tmp_path / "remit")]) == 0
    assert capsys.readouterr().out.rstrip().splitlines()[-1] == (
        f'next: recoup reconcile "{remits}" --notices "{folder / "notices.csv"}" --out RECON')
    assert main(["reconcile", str(remits), "--as-of", "2025-12-31", "--out", str(tmp_path / "rec")]) == 0
    assert capsys.readouterr().out.rstrip().splitlines()[-1] == (
        f'next: recoup report "{folder}" --as-of 2025-12-31 --out REPORT')
    assert main(["reconcile", str(DATA / "medicare-part-a.835"), "--out", str(tmp_path / "rec2")]) == 0
    assert capsys.readouterr().out.rstrip().splitlines()[-1].startswith(
        "next: recoup report FOLDER --out REPORT (FOLDER: the audit folder, with these 835s copied into")


def test_remit_of_many_835s_names_their_folders_in_the_next_line_not_every_file(tmp_path, capsys):
    """``recoup remit "my prac"/remits/*`` (47 files) printed every one of them in its next: line, a
    3,000-character command. Files that are all a folder holds are given as the folder; files from two
    folders as the two; files that are only part of a folder as the first few and "..."."""
    folder = tmp_path / "my practice"
    for sub in ("remits", "remits/2024", "other"):
        (folder / sub).mkdir(parents=True)
        for n in range(4):
            shutil.copy(DATA / "medicare-part-a.835", folder / sub / f"era {n}.835")
    remits = folder / "remits"

    def next_line(*given) -> str:
        assert main(["remit", *map(str, given)]) == 0
        return capsys.readouterr().out.rstrip().splitlines()[-1]

    assert next_line(*sorted(remits.iterdir())) == f'next: recoup reconcile "{remits}" --out RECON'
    assert next_line(*sorted((remits / "2024").iterdir()), *sorted((folder / "other").iterdir())) == (
        f'next: recoup reconcile "{remits / "2024"}" "{folder / "other"}" --out RECON')
    part = sorted(remits.glob("*.835")) + sorted((folder / "other").iterdir())
    assert next_line(*part) == f'next: recoup reconcile "{part[0]}" "{part[1]}" "{part[2]}" ... --out RECON'
