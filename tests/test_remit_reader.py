"""Reading 835 files: public samples, docs/sources.md §5.5, separators, 4010, malformed input."""

from __future__ import annotations

import datetime as dt
import os
from pathlib import Path

import numpy as np
import pandas as pd
import pyarrow as pa
import pytest

from recoup_lib.remit import read_835
from recoup_lib.remit._repeats import CUT_COPY
from recoup_lib.x12 import parse_amounts

DATA = Path(__file__).parent / "data" / "835"
SAMPLES = ["cob-contractural-adjustment.835", "managed-care.835", "medicare-part-a.835",
           "secondary-payment.835", "tertiary-payment.835"]


def read(*names):
    return read_835([DATA / n for n in names])


def one(frame: pd.DataFrame, **where) -> pd.Series:
    mask = np.ones(len(frame), dtype=bool)
    for k, v in where.items():
        mask &= (frame[k] == v).to_numpy()
    assert mask.sum() == 1, f"expected one row with {where}, found {mask.sum()}"
    return frame.loc[mask].iloc[0]


# ---------------------------------------------------------------------------
# Amounts
# ---------------------------------------------------------------------------

@pytest.mark.parametrize("text, cents", [
    ("-1.27", -127), ("150000", 15_000_000), (".5", 50), ("150000.00", 15_000_000),
    ("0", 0), ("-.05", -5), ("12.500", 1250), ("00012", 1200), ("5.", 500),
])
def test_parse_amounts_valid_text_gives_exact_cents(text, cents):
    got, blank, invalid = parse_amounts(pa.array([text], pa.large_string()))
    assert got.tolist() == [cents] and not blank[0] and not invalid[0]


@pytest.mark.parametrize("text", ["12.505", "1.001", "abc", "1e3", "+5", " 5", "1,000", "--1",
                                  "12345678901234567"])
def test_parse_amounts_bad_text_is_invalid(text):
    _, blank, invalid = parse_amounts(pa.array([text, "1"], pa.large_string()))
    assert invalid.tolist() == [True, False] and not blank.any()


def test_parse_amounts_blank_is_blank_not_invalid():
    cents, blank, invalid = parse_amounts(pa.array(["", "2"], pa.large_string()))
    assert blank.tolist() == [True, False] and not invalid.any() and cents.tolist() == [0, 200]


# ---------------------------------------------------------------------------
# Public samples: figures computed by hand from the file text
# ---------------------------------------------------------------------------

def test_medicare_part_a_sample_balances_with_negative_plb():
    remit = read("medicare-part-a.835")
    t = remit.transactions.iloc[0]
    # 150000.00 = 138018.40 + 11980.33 - (-1.27)
    assert (t.bpr_amount_cents, t.claim_paid_total_cents, t.provider_adjustment_total_cents) == (
        15_000_000, 13_801_840 + 1_198_033, -127)
    assert bool(t.balanced) and t.difference_cents == 0
    assert t.trace_number == "12345" and t.payer == "INSURANCE COMPANY OF TIMBUCKTU"
    assert t.payment_date == pd.Timestamp("2002-09-13")       # BPR16, not DTM*405 (09-16)
    assert t.production_date == pd.Timestamp("2002-09-16")
    pay = remit.payments
    assert pay["claim_id"].tolist() == ["666123", "777777"]
    assert pay["charge_cents"].tolist() == [21_136_697, 1_500_000]
    assert pay["paid_cents"].tolist() == [13_801_840, 1_198_033]
    assert pay["payer_claim_control"].tolist() == ["1999999444444", "1999999444445"]
    assert pay["status_code"].tolist() == ["1", "1"] and pay["balanced"].all()
    plb = remit.provider_adjustments.iloc[0]
    assert (plb.reason_code, plb.reference, plb.amount_cents) == ("CV", "CP", -127)
    assert len(remit.recoupments) == 0 and len(remit.problems) == 0


def test_managed_care_sample_claims_lines_and_cas():
    remit = read("managed-care.835")
    t = remit.transactions.iloc[0]
    assert (t.bpr_amount_cents, t.claim_paid_total_cents) == (94_500, 45_000 + 49_500)
    assert bool(t.balanced) and t.trace_number == "7170066655"
    # BPR16 is 20002316 (no 23rd month): DTM*405 is used, with a warning.
    assert t.payment_date == pd.Timestamp("2002-03-14")
    assert "20002316" in " ".join(remit.warnings["message"])
    a = one(remit.payments, claim_id="5554555444")
    assert (a.charge_cents, a.paid_cents, a.patient_responsibility_cents) == (80_000, 45_000, 30_000)
    # 800 - claim CO A2 50 - line PR 1 300 = 450
    assert (a.claim_adjustment_total_cents, a.line_adjustment_total_cents) == (5_000, 30_000)
    lines = remit.service_lines
    assert lines["procedure_code"].tolist() == ["99211", "93555"]
    assert lines["paid_cents"].tolist() == [50_000, 55_000] and lines["balanced"].all()
    assert lines["service_date"].tolist() == [pd.Timestamp("2002-03-01"),
                                              pd.Timestamp("2002-03-10")]
    adj = remit.adjustments
    assert adj["level"].tolist() == ["claim", "line", "claim", "line", "line"]
    assert adj["reason_code"].tolist() == ["A2", "1", "A2", "1", "45"]
    assert adj["amount_cents"].tolist() == [5_000, 30_000, 5_500, 60_000, 5_000]


def test_secondary_sample_second_cas_triple_and_modifiers():
    remit = read("secondary-payment.835")
    t = remit.transactions.iloc[0]
    assert (t.bpr_amount_cents, t.claim_paid_total_cents) == (122_200, 91_200 + 31_000)
    assert bool(t.balanced)
    b = one(remit.payments, claim_id="0001000053")
    assert (b.status_code, b.charge_cents, b.paid_cents, b.patient_responsibility_cents) == (
        "2", 75_150, 31_000, 22_000)
    assert b.payer_claim_control == "05630626430" and bool(b.balanced)
    line2 = one(remit.service_lines, claim_id="0001000053", line_seq=2)
    assert (line2.procedure_code, line2.modifiers, line2.charge_cents, line2.paid_cents) == (
        "66543", "26", 58_500, 28_000)
    # CAS*PR*1*150.00**2*70.00: the second triple follows an empty quantity.
    pr = remit.adjustments.loc[(remit.adjustments["claim_id"] == "0001000053")
                               & (remit.adjustments["group_code"] == "PR")]
    assert pr["reason_code"].tolist() == ["1", "2"]
    assert pr["amount_cents"].tolist() == [15_000, 7_000]


def test_tertiary_sample_flags_the_unbalanced_line_but_the_claim_balances():
    remit = read("tertiary-payment.835")
    t = remit.transactions.iloc[0]
    assert (t.bpr_amount_cents, t.claim_paid_total_cents, bool(t.balanced)) == (18_750, 18_750,
                                                                                 True)
    line = remit.service_lines.iloc[0]
    # SVC*HC*24599.00*1766.50*...: 24599.00 - 1579.00 != 1766.50
    assert (line.charge_cents, line.paid_cents, line.adjustment_total_cents) == (
        2_459_900, 176_650, 157_900)
    assert not line.balanced
    claim = remit.payments.iloc[0]
    assert bool(claim.balanced) and claim.unbalanced_lines == 1     # 1766.50 - 1579 = 187.50
    assert t.unbalanced_lines == 1


def test_cob_sample_reads_negative_cas_and_greater_than_composite():
    remit = read("cob-contractural-adjustment.835")
    t = remit.transactions.iloc[0]
    assert (t.bpr_amount_cents, bool(t.balanced), t.trace_number) == (3_400, True, "0063158ABC")
    line = remit.service_lines.iloc[0]
    assert (line.procedure_qualifier, line.procedure_code) == ("HC", "55669")
    assert line.allowed_cents == 55_000 and bool(line.balanced)   # 541 - (516 - 9) = 34
    assert remit.adjustments["amount_cents"].tolist() == [51_600, -900]
    assert any("'>'" in m for m in remit.warnings["message"])


def test_all_public_samples_read_balanced_in_one_batch():
    remit = read(*SAMPLES)
    assert remit.files["status"].tolist() == ["read"] * 5
    assert len(remit.transactions) == 5 and remit.transactions["balanced"].all()
    assert remit.payments.groupby("file", sort=False).size().to_dict() == {
        "cob-contractural-adjustment.835": 1, "managed-care.835": 2, "medicare-part-a.835": 2,
        "secondary-payment.835": 2, "tertiary-payment.835": 1}
    assert remit.summary()["errors"] == 0
    assert remit.summary()["payment_total_cents"] == 3_400 + 94_500 + 15_000_000 + 122_200 + 18_750


# ---------------------------------------------------------------------------
# docs/sources.md §5.5
# ---------------------------------------------------------------------------

def test_domain_snippet_bare_transaction_balances():
    remit = read("domain-5.5.835")
    t = remit.transactions.iloc[0]
    assert (t.bpr_amount_cents, t.claim_paid_total_cents, t.provider_adjustment_total_cents) == (
        28_735, 36_000, 7_265)
    assert bool(t.balanced) and t.version == "005010X221A1"
    assert remit.payments["balanced"].all() and len(remit.problems) == 0


def test_se01_written_with_leading_zeros_counts_as_its_number(tmp_path):
    """SE*0023*... counts 23 segments, as the 837 reader reads it: only a wrong count is warned about."""
    import re

    text = (DATA / "medicare-part-a.835").read_text(encoding="utf-8")
    count = re.search(r"SE\*(\d+)\*", text).group(1)
    (tmp_path / "padded.835").write_text(text.replace(f"SE*{count}*", f"SE*00{count}*"), encoding="utf-8")
    (tmp_path / "wrong.835").write_text(text.replace(f"SE*{count}*", f"SE*{int(count) + 1}*"), encoding="utf-8")
    assert not read_835([tmp_path / "padded.835"]).problems["element"].eq("SE01").any()
    assert read_835([tmp_path / "wrong.835"]).problems["element"].eq("SE01").sum() == 1
    # A Latin-1 superscript two (digits to str.isdigit, not to int) gave up the whole file: it is a wrong count.
    (tmp_path / "latin.835").write_bytes(text.replace(f"SE*{count}*", f"SE*{count}\u00b2*").encode("latin-1"))
    latin = read_835([tmp_path / "latin.835"])
    assert len(latin.transactions) == 1 and latin.problems["element"].eq("SE01").sum() == 1


def test_domain_snippet_claim_b_is_a_reversal_of_150_and_a_repayment_of_90():
    remit = read("domain-5.5.835")
    b = remit.payments.loc[remit.payments["claim_id"] == "PCN-B200"]
    assert b["status_code"].tolist() == ["22", "1"]
    assert b["paid_cents"].tolist() == [-15_000, 9_000]          # net -60
    rec = remit.recoupments
    assert rec["mechanism"].tolist() == ["reversal", "offset"]
    reversal = rec.iloc[0]
    assert (reversal.claim_id, reversal.amount_cents, reversal.reason_code, reversal.reference) == (
        "PCN-B200", 15_000, "22", "ICN-B0-0001")
    assert reversal.payment_date == pd.Timestamp("2025-03-14")


def test_domain_snippet_wo_is_an_offset_and_l6_interest_is_not():
    remit = read("domain-5.5.835")
    offset = remit.recoupments.iloc[1]
    assert (offset.reason_code, offset.amount_cents, offset.reference) == (
        "WO", 7_500, "ICN-C0-0003 1EG4TE5MK73")
    assert offset.claim_id == "" and offset.match == "none"     # claim C is not in this batch
    assert offset.payer_claim_control == "ICN-C0-0003"          # the reference's first word
    assert "L6" not in remit.recoupments["reason_code"].tolist()
    plb = remit.provider_adjustments
    assert plb["reason_code"].tolist() == ["WO", "L6"]
    assert plb["amount_cents"].tolist() == [7_500, -235]
    assert remit.summary()["recouped_total_cents"] == 22_500


def test_offset_reference_with_hic_resolves_to_the_original_claim(tmp_path):
    original = (
        "ST*835*0009~BPR*I*500*C*CHK************20250110~TRN*1*EFT0000009*1999999999~"
        "N1*PR*EXAMPLE MEDICARE CONTRACTOR~N1*PE*EXAMPLE CLINIC*XX*1999999984~LX*1~"
        "CLP*PCN-C300*1*700*500**MB*ICN-C0-0003*11*1~CAS*CO*45*200~SE*9*0009~")
    (tmp_path / "earlier.835").write_text(original)
    remit = read_835([tmp_path / "earlier.835", DATA / "domain-5.5.835"])
    offset = remit.recoupments.loc[remit.recoupments["mechanism"] == "offset"].iloc[0]
    assert (offset.claim_id, offset.payer_claim_control, offset.match) == (
        "PCN-C300", "ICN-C0-0003", "payer_claim_control")


def test_deferred_variant_marks_the_reversal_deferred_and_the_later_wo_recovers_it():
    remit = read("domain-5.5-deferred.835", "domain-5.5-later.835")
    t = remit.transactions
    assert t["bpr_amount_cents"].tolist() == [43_735, 3_000] and t["balanced"].all()
    rec = remit.recoupments
    reversal = one(rec, mechanism="reversal")
    assert (reversal.claim_id, reversal.amount_cents, reversal.deferred_cents) == (
        "PCN-B200", 15_000, 15_000)
    later = one(rec, file="domain-5.5-later.835")
    assert (later.mechanism, later.reason_code, later.amount_cents, later.claim_id) == (
        "offset", "WO", 15_000, "PCN-B200")
    assert later.payment_date == pd.Timestamp("2025-04-11")
    # The negative WO is provider money given back, never a recoupment.
    assert (rec["amount_cents"] > 0).all()
    deferral = one(remit.provider_adjustments, amount_cents=-15_000)
    assert (deferral.reason_code, deferral.claim_id) == ("WO", "PCN-B200")
    s = remit.summary()
    assert (s["recouped_total_cents"], s["deferred_total_cents"]) == (15_000 + 7_500 + 15_000,
                                                                       15_000)


# ---------------------------------------------------------------------------
# Separators and layout
# ---------------------------------------------------------------------------

def _retokenise(text: str, element: str, component: str, terminator: str, newline: str = "",
                repetition: str = "^") -> str:
    """Rewrite a ``*``/``:``/``~`` file with other separators (ISA kept fixed-width)."""
    segments = [s.strip() for s in text.split("~") if s.strip()]
    out = []
    for seg in segments:
        if seg.startswith("ISA"):
            parts = seg.split("*")
            parts[11], parts[16] = repetition, component
            out.append(element.join(parts))
        else:
            out.append(seg.replace(":", component).replace("*", element))
    return "".join(s + terminator + newline for s in out)


@pytest.mark.parametrize("element, component, terminator, newline", [
    ("|", "^", "\n", ""),          # newline-terminated
    ("|", "^", "~", "\r\n"),
    ("*", ":", "~", ""),           # no line breaks at all
    ("^", "\\", "'", "\n"),
    ("*", ":", "\r", ""),           # carriage return as the terminator
    ("\x1d", "\x1f", "\x1c", ""),   # control characters (group, unit, file separators)
])
def test_other_separators_read_the_same_figures(tmp_path, element, component, terminator, newline):
    text = (DATA / "medicare-part-a.835").read_text()
    rep = "{" if "^" in (element, component) else "^"
    path = tmp_path / "other.835"
    path.write_bytes(_retokenise(text, element, component, terminator, newline, rep).encode())
    base, other = read("medicare-part-a.835"), read_835([path])
    assert len(other.problems) == 0, other.problems["message"].tolist()
    for table in ("transactions", "payments", "provider_adjustments"):
        cols = [c for c in getattr(base, table).columns if c != "file"]
        pd.testing.assert_frame_equal(getattr(base, table)[cols], getattr(other, table)[cols])


def test_bare_transaction_takes_its_element_separator_from_st(tmp_path):
    text = (DATA / "domain-5.5.835").read_text()
    path = tmp_path / "pipes.835"
    path.write_text(text.replace("*", "|"))
    remit = read_835([path])
    assert remit.transactions["bpr_amount_cents"].tolist() == [28_735]
    assert remit.transactions["balanced"].all()
    assert remit.provider_adjustments["reference"].tolist() == ["ICN-C0-0003 1EG4TE5MK73", ""]


def test_file_wrapped_at_80_columns_reads_the_same(tmp_path):
    text = (DATA / "secondary-payment.835").read_text().replace("\n", "")
    wrapped = "\r\n".join(text[i: i + 80] for i in range(0, len(text), 80))
    path = tmp_path / "wrapped.835"
    path.write_text(wrapped)
    base, other = read("secondary-payment.835"), read_835([path])
    cols = ["claim_id", "charge_cents", "paid_cents", "payer_claim_control", "patient_last_name"]
    pd.testing.assert_frame_equal(base.payments[cols], other.payments[cols])
    assert other.transactions["balanced"].all()


def test_wrapped_bare_transaction_finds_its_component_separator_across_a_line_break(tmp_path):
    """A bare ST...SE file that writes its composites with '>' (no ISA16 to say so) is read with '>'
    even when the fixed-width wrapping breaks the line inside the first SVC: its PLB WO is an offset."""
    text = (DATA / "domain-5.5.835").read_text().replace(
        "CAS*CO*45*150~", "SVC*HC>99213*600*420~\nCAS*CO*45*150~", 1).replace("WO:", "WO>").replace("\n", "")
    width = text.index("SVC*HC>") + len("SVC*H")
    wrapped = "\r\n".join(text[i: i + width] for i in range(0, len(text), width))
    for name, data in (("flat.835", text), ("wrapped.835", wrapped)):
        remit = read_835([_write(tmp_path, name, data)])
        assert remit.provider_adjustments["reason_code"].tolist() == ["WO", "L6"], name
        assert remit.recoupments["mechanism"].tolist() == ["reversal", "offset"], name


def test_missing_final_terminator_is_a_warning(tmp_path):
    path = tmp_path / "open.835"
    path.write_text((DATA / "medicare-part-a.835").read_text().rstrip().rstrip("~"))
    remit = read_835([path])
    assert remit.transactions["balanced"].tolist() == [True] and len(remit.rejected) == 0
    assert remit.warnings["message"].tolist() == [
        "open.835, segment 32: expected the segment terminator '~' after the last segment; got "
        "'the end of the file' (kept)."]


def test_bare_transaction_without_tildes_uses_line_breaks(tmp_path):
    text = (DATA / "domain-5.5.835").read_text().replace("~", "")
    path = tmp_path / "lines.835"
    path.write_text(text)
    remit = read_835([path])
    assert remit.transactions["bpr_amount_cents"].tolist() == [28_735]
    assert len(remit.problems) == 0


def test_several_interchanges_and_transactions_in_one_file(tmp_path):
    a = (DATA / "managed-care.835").read_text()
    b = (DATA / "medicare-part-a.835").read_text()
    path = tmp_path / "joined.835"
    path.write_text(a.strip() + b.strip())          # two ISA...IEA back to back, no break
    remit = read_835([path])
    assert remit.transactions["trace_number"].tolist() == ["7170066655", "12345"]
    assert remit.transactions["balanced"].all() and remit.summary()["errors"] == 0
    # Segment numbers run on through the file: the second ST is segment 33.
    assert remit.transactions["segment"].tolist() == [3, 33]


def test_two_transactions_in_one_group(tmp_path):
    text = (DATA / "domain-5.5.835").read_text()
    later = (DATA / "domain-5.5-later.835").read_text()
    isa = ("ISA*00*          *00*          *ZZ*SENDER         *ZZ*RECEIVER       *250314*1200*^"
           "*00501*000000001*0*P*:~\nGS*HP*SENDER*RECEIVER*20250314*1200*1*X*005010X221A1~\n")
    path = tmp_path / "group.835"
    path.write_text(isa + text + later + "GE*2*1~\nIEA*1*000000001~\n")
    remit = read_835([path])
    assert len(remit.transactions) == 2 and len(remit.problems) == 0
    assert remit.transactions["interchange_control"].tolist() == ["000000001"] * 2


def test_4010_file_reads_cr_group_code_and_reversal():
    remit = read("medicare-4010.835")
    t = remit.transactions.iloc[0]
    assert (t.version, t.bpr_amount_cents, bool(t.balanced)) == ("004010X091A1", 5_000, True)
    assert remit.adjustments["group_code"].tolist() == ["CR", "CO"]
    rec = one(remit.recoupments, mechanism="reversal")
    assert (rec.claim_id, rec.amount_cents) == ("PCN-E500", 12_000)
    assert len(remit.problems) == 0                   # CR is legal in 4010


def test_cr_group_code_in_a_5010_file_is_warned_and_kept(tmp_path):
    path = tmp_path / "cr.835"
    path.write_text((DATA / "domain-5.5.835").read_text().replace("CAS*CO*45*-100", "CAS*CR*45*-100"))
    remit = read_835([path])
    assert remit.transactions["balanced"].all()
    assert "CR" in remit.adjustments["group_code"].tolist()
    assert remit.warnings["message"].str.contains("5010 removed CR").any()


def test_latin1_bytes_are_read_with_a_warning(tmp_path):
    path = tmp_path / "latin1.835"
    text = (DATA / "domain-5.5.835").read_text().replace("EXAMPLE CLINIC", "CLÍNICA EJEMPLO")
    path.write_bytes(text.encode("latin-1"))
    remit = read_835([path])
    assert remit.transactions["payee_name"].tolist() == ["CLÍNICA EJEMPLO"]
    assert remit.warnings["message"].str.contains("Latin-1").any()


# ---------------------------------------------------------------------------
# Malformed input: named file, segment and element; the rest of the batch loads
# ---------------------------------------------------------------------------

def _write(tmp_path: Path, name: str, text: str) -> Path:
    path = tmp_path / name
    path.write_text(text)
    return path


def _messages(remit) -> str:
    return "\n".join(remit.rejected["message"])


def test_isa_with_too_few_fields_sets_the_file_aside(tmp_path):
    text = (DATA / "managed-care.835").read_text()
    broken = text.replace("*^*00501*000000907*1*T*:~", "*^*00501~", 1)
    bad = _write(tmp_path, "short-isa.835", broken)
    remit = read_835([bad, DATA / "medicare-part-a.835"])
    assert remit.files["status"].tolist() == ["set aside", "read"]
    assert len(remit.transactions) == 1
    msg = _messages(remit)
    assert "short-isa.835, segment 1 (ISA), element ISA16" in msg and "16 ISA elements" in msg


def test_isa_without_isa16_is_read_with_a_warning(tmp_path):
    # Behaviour changed with contract v2: a missing ISA16 is read (":" or the data's own
    # component separator), not a reason to set the file aside.
    text = (DATA / "managed-care.835").read_text()
    broken = text.replace("*^*00501*000000907*1*T*:~", "*^*00501*000000907*1*T~", 1)
    remit = read_835([_write(tmp_path, "no-isa16.835", broken), DATA / "medicare-part-a.835"])
    assert remit.files["status"].tolist() == ["read", "read"] and len(remit.rejected) == 0
    base = read("managed-care.835")
    assert remit.transactions["bpr_amount_cents"].tolist()[0] == \
        base.transactions["bpr_amount_cents"].iloc[0]
    assert remit.warnings["message"].str.contains("ISA16, the component separator").any()


def test_clp_outside_a_transaction_is_set_aside_and_the_rest_of_the_file_read(tmp_path):
    # Contract v2: only that segment is set aside; the file's transactions are read.
    text = (DATA / "medicare-part-a.835").read_text().replace(
        "GE*1*1~", "CLP*STRAY*1*10*10**MB*ICN9~\nGE*1*1~")
    remit = read_835([_write(tmp_path, "stray.835", text), DATA / "managed-care.835"])
    assert remit.files["status"].tolist() == ["read", "read"]
    assert "stray.835, segment 31 (CLP): expected ST before CLP (the segment is outside any " \
           "ST...SE transaction) (segment set aside)" in _messages(remit)
    assert "STRAY" not in remit.payments["claim_id"].tolist()


def test_non_numeric_amount_sets_the_transaction_aside_and_names_the_element(tmp_path):
    text = (DATA / "domain-5.5.835").read_text().replace("CLP*PCN-A100*1*600*420*",
                                                         "CLP*PCN-A100*1*600*42O*")
    remit = read_835([_write(tmp_path, "letter.835", text), DATA / "domain-5.5-later.835"])
    assert remit.transactions["trace_number"].tolist() == ["EFT0000456"]
    problem = remit.rejected.iloc[0]
    assert (problem.file, problem.segment, problem.segment_id, problem.element, problem.value) == (
        "letter.835", 8, "CLP", "CLP04", "42O")
    assert problem.action == "transaction set aside" and problem.trace_number == "EFT0000123"
    assert "at most two decimals" in problem.message


def test_more_than_two_decimals_in_claim_money_sets_the_transaction_aside(tmp_path):
    text = (DATA / "domain-5.5.835").read_text().replace("CLP*PCN-A100*1*600*420*",
                                                         "CLP*PCN-A100*1*600*420.005*")
    remit = read_835([_write(tmp_path, "precise.835", text)])
    assert not remit.loaded
    assert "segment 8 (CLP), element CLP04: expected an amount in dollars with at most two " \
           "decimals" in _messages(remit) and "got '420.005'" in _messages(remit)


def test_unreadable_adjustment_amount_is_a_warning_and_its_claim_cannot_balance(tmp_path):
    # Contract v2: only BPR, CLP and PLB money sets a transaction aside; a CAS amount that
    # cannot be read is read as 0 and its claim is reported unbalanced.
    text = (DATA / "domain-5.5.835").read_text().replace("CAS*CO*45*150~", "CAS*CO*45*150.005~")
    remit = read_835([_write(tmp_path, "precise.835", text)])
    assert remit.loaded and remit.transactions["balanced"].tolist() == [True]
    claim = remit.payments.set_index("claim_id").loc["PCN-A100"]
    assert not claim["balanced"]
    message = remit.warnings["message"].str.cat(sep="\n")
    assert "segment 9 (CAS), element CAS03: expected an amount in dollars with at most two " \
           "decimals" in message and "read as 0.00" in message


@pytest.mark.parametrize("sample, segment, date, column, number", [
    ("cob-contractural-adjustment.835", "DTM*472*20050202", "99991231", "service_date", 22),
    ("managed-care.835", "DTM*150*20020301", "99991231", "service_date", 17),
    ("managed-care.835", "DTM*151*20020304", "18991231", "service_end_date", 18),
])
def test_a_service_date_outside_the_kits_range_is_left_blank_with_a_warning(tmp_path, sample, segment, date,
                                                                            column, number):
    """Every CSV reader refuses a date outside 1900-01-01..2100-12-31 (``99991231``, "open ended");
    the 835 reader leaves it blank with a warning naming the file, the segment and the element, as it
    does an unreadable date, so service_lines.csv never holds one the kit would refuse to read back."""
    text = (DATA / sample).read_text().replace(segment + "~", segment[:8] + date + "~", 1)
    remit = read_835([_write(tmp_path, "far.835", text)])
    assert remit.loaded and len(remit.rejected) == 0
    assert pd.isna(remit.service_lines[column].iloc[0])
    [warning] = remit.warnings.loc[remit.warnings["value"] == date].itertuples()
    assert (warning.file, warning.segment, warning.segment_id, warning.element) == ("far.835", number, "DTM",
                                                                                    "DTM02")
    assert "expected a date between 1900-01-01 and 2100-12-31 (the date is left blank)" in warning.message


@pytest.mark.parametrize("svc06, code, expected", [
    (":", "", "a qualifier and the procedure code as billed, e.g. HC:99215 (the submitted code is left blank)"),
    ("HC", "", "a qualifier and the procedure code as billed"),
    ("99215", "", "a qualifier and the procedure code as billed"),
    ("XX:99215", "99215", "a qualifier HC, NU, N4, AD, ER, HP, IV, WK before the procedure code as billed "
                          "(the billed code is read as sent)"),
])
def test_a_malformed_svc06_is_a_warning_naming_its_segment_and_the_line_is_read(tmp_path, svc06, code, expected):
    """SVC06 holds the code billed when the payer paid another (SVC01). One without a code after its
    qualifier is read as no code billed, one with a qualifier X12 does not list as sent, each with a
    warning naming the file, the segment and the value; the line and its money are read."""
    text = (DATA / "managed-care.835").read_text().replace("SVC*HC:93555*1200.00*550.00~",
                                                           f"SVC*HC:93555*1200.00*550.00***{svc06}~")
    remit = read_835([_write(tmp_path, "svc06.835", text)])
    lines = remit.service_lines
    assert lines["procedure_code"].tolist() == ["99211", "93555"]
    assert lines["submitted_procedure_code"].tolist() == ["", code]
    assert lines["paid_cents"].tolist() == [50000, 55000] and len(remit.rejected) == 0
    [warning] = remit.warnings.loc[remit.warnings["element"] == "SVC06"].itertuples()
    assert (warning.file, warning.segment, warning.segment_id, warning.element, warning.value) == (
        "svc06.835", 23, "SVC", "SVC06", svc06)
    assert f"expected {expected}" in warning.message


def test_groups_after_the_sixth_in_one_cas_or_plb_are_read_with_a_warning(tmp_path):
    """X12 lets a CAS hold six reason/amount triplets and a PLB six pairs; a writer that puts a
    seventh in the same segment still sends that money: it is read (here a WO offset), and warned."""
    text = (DATA / "domain-5.5.835").read_text().replace(
        "CAS*CO*45*150~", "CAS*CO" + "*45*20*" * 6 + "*45*30~").replace(
        "WO:ICN-C0-0003 1EG4TE5MK73*75*L6*-2.35~",
        "L6*-1*L6*1*L6*-1*L6*1*L6*-2.35*L6*0*WO:ICN-C0-0003 1EG4TE5MK73*75~")
    remit = read_835([_write(tmp_path, "seven.835", text)])
    assert remit.transactions["balanced"].tolist() == [True] and remit.payments["balanced"].all()
    assert remit.provider_adjustments["amount_cents"].tolist() == [-100, 100, -100, 100, -235, 0, 7500]
    assert len(remit.adjustments) == 10 and remit.adjustments["amount_cents"].sum() == 15_000 + 3_000 + 6_000
    assert remit.recoupments.loc[remit.recoupments["mechanism"] == "offset", "amount_cents"].tolist() == [7500]
    warned = remit.warnings.set_index("element")["message"]
    assert "at most six" in warned["CAS20"] and "at most six" in warned["PLB15"]


def test_a_transaction_cut_short_between_segments_is_kept_with_a_warning_as_the_837_reader_keeps_its_claims(tmp_path):
    """A file cut between two segments ends in a transaction without its SE. It was set aside ("is it
    truncated?") while the 837 reader kept such a transaction's claims. Envelope defects are warnings:
    the claims read are kept, the warning says those after them would be missing, and balancing says
    the money does not add up."""
    first = (DATA / "domain-5.5-later.835").read_text()
    second = (DATA / "domain-5.5.835").read_text()
    cut = second[: second.index("CLP*PCN-B200*1")]
    remit = read_835([_write(tmp_path, "cut.835", first + cut)])
    assert remit.transactions["trace_number"].tolist() == ["EFT0000456", "EFT0000123"]
    assert remit.transactions["balanced"].tolist() == [True, False]
    assert remit.payments.loc[remit.payments["trace_number"] == "EFT0000123", "claim_id"].tolist() == [
        "PCN-A100", "PCN-B200"]
    assert remit.files["status"].tolist() == ["read"] and len(remit.rejected) == 0
    warned = remit.warnings.loc[remit.warnings["element"] == "SE01", ["segment", "expected", "action"]]
    assert warned.values.tolist() == [[remit.transactions["segment"].iloc[1], (
        "SE closing transaction '0001'; the file ends at segment 23 without it: cut short? Claims after the last "
        "one read would be missing (the transaction is read up to there)"), "kept"]]


def test_a_copy_cut_short_gives_way_to_a_whole_copy_of_the_same_remittance(tmp_path):
    """Kept, a transaction cut short could have been the copy kept of a remittance downloaded again (the
    copy whose file's path sorts first is kept): the whole copy is kept in its place, whichever sorts first."""
    whole = (DATA / "domain-5.5.835").read_text()
    cut = whole[: whole.index("CLP*PCN-B200*1")]
    for cut_name, whole_name in (("a_cut.835", "b_whole.835"), ("b_cut.835", "a_whole.835")):
        folder = tmp_path / cut_name
        folder.mkdir()
        _write(folder, cut_name, cut)
        _write(folder, whole_name, whole)
        remit = read_835([folder])
        assert remit.transactions["file"].tolist() == [whole_name], cut_name
        assert remit.transactions["balanced"].tolist() == [True]
        assert remit.files.set_index("file")["status"].to_dict() == {cut_name: "repeat", whole_name: "read"}
        repeat = remit.warnings.loc[remit.warnings["action"] == "counted once"]
        assert repeat["file"].tolist() == [cut_name] and repeat["expected"].str.endswith(CUT_COPY).all()


def test_file_cut_mid_segment_sets_its_transaction_aside(tmp_path):
    """Cut inside a segment, a file's last value may be cut (``420.00`` left as ``42``): the money of its
    transaction cannot be read, so that transaction is set aside (the 837 reader sets aside the line)."""
    text = (DATA / "domain-5.5.835").read_text()
    remit = read_835([_write(tmp_path, "mid.835", text[: text.index("*420*") + 3])])
    assert not remit.loaded
    assert remit.problems["message"].tolist() == [
        "mid.835, segment 1 (ST), element SE01: expected SE closing transaction '0001'; the file ends inside "
        "segment 8 (no terminator after it: cut short), so its last values may be cut (transaction set aside).",
        "mid.835, segment 8: expected the segment terminator '~' after the last segment; got "
        "'the end of the file' (kept)."]


@pytest.mark.parametrize("edit, expected", [
    (("PLB*1999999984*20251231*WO", "PLB*1999999984*20251231**75*WO"),
     "element PLB03: expected an adjustment reason code"),
    (("BPR*I*287.35*C*CHK************20250314~\n", ""),
     "expected a BPR financial information segment"),
])
def test_unreadable_transaction_money_sets_the_transaction_aside(tmp_path, edit, expected):
    text = (DATA / "domain-5.5.835").read_text()
    assert edit[0] in text
    remit = read_835([_write(tmp_path, "bad.835", text.replace(edit[0], edit[1], 1)),
                      DATA / "domain-5.5-later.835"])
    assert remit.transactions["trace_number"].tolist() == ["EFT0000456"]
    assert expected in _messages(remit), _messages(remit)
    assert remit.summary()["transactions_set_aside"] == 1


@pytest.mark.parametrize("edit, expected", [
    (("LX*1~", "LX*1~\nSVC*HC:99213*10*10~"), "segment 8 (SVC): expected a CLP claim payment "
                                              "before SVC"),
    (("LX*1~", "LX*1~\nCAS*CO*45*10~"), "segment 8 (CAS): expected a CLP or SVC before CAS"),
    (("SE*16*0001~", "CLP*LATE*1*0*0**MB*ICN9~\nSE*17*0001~"),
     "segment 16 (CLP): expected PLB or SE after the PLB provider adjustments"),
    (("BPR*I*287.35*C*CHK************20250314~\nTRN*1*EFT0000123*1999999999~",
      "TRN*1*EFT0000123*1999999999~\nBPR*I*287.35*C*CHK************20250314~"),
     "expected BPR right after ST"),
    (("SE*16*0001~", "SE*15*0001~"), "element SE01: expected the number of segments from ST to "
                                     "SE, 16 (the transaction is kept); got '15'"),
    (("SE*16*0001~", "SE*16*0002~"), "element SE02: expected the ST02 control number '0001'"),
    (("CLP*PCN-A100*1*600", "CLP**1*600"), "element CLP01: expected a patient control number"),
])
def test_envelope_and_order_defects_are_warnings_and_the_money_is_read(tmp_path, edit, expected):
    # Behaviour changed with contract v2 ("Remittances"): these sets the transaction aside
    # before; its money is readable and balances, so it is kept and the defect is a warning.
    text = (DATA / "domain-5.5.835").read_text()
    assert edit[0] in text
    remit = read_835([_write(tmp_path, "bad.835", text.replace(edit[0], edit[1], 1)),
                      DATA / "domain-5.5-later.835"])
    assert remit.transactions["trace_number"].tolist() == ["EFT0000123", "EFT0000456"]
    assert remit.transactions["balanced"].all() and len(remit.rejected) == 0
    assert remit.transactions["bpr_amount_cents"].tolist() == [28_735, 3_000]
    messages = remit.warnings["message"].str.cat(sep="\n")
    assert expected in messages, messages


def test_unbalanced_transaction_is_kept_and_reported(tmp_path):
    text = (DATA / "domain-5.5.835").read_text().replace("BPR*I*287.35", "BPR*I*287.53")
    remit = read_835([_write(tmp_path, "off.835", text)])
    t = remit.transactions.iloc[0]
    assert not t.balanced and t.difference_cents == 18
    assert remit.summary()["unbalanced_transactions"] == 1
    assert any(line.startswith("UNBALANCED off.835, trace EFT0000123") for line in remit.report())


def test_debit_flag_makes_the_payment_negative(tmp_path):
    text = (DATA / "domain-5.5-later.835").read_text().replace(
        "CLP*PCN-D400*1*300*180**", "CLP*PCN-D400*22*-300*-180**").replace(
        "CAS*CO*45*120", "CAS*CO*45*-120").replace("BPR*I*30*C*", "BPR*I*330*D*")
    remit = read_835([_write(tmp_path, "debit.835", text)])
    t = remit.transactions.iloc[0]
    assert (t.bpr_amount_cents, t.credit_debit, bool(t.balanced)) == (-33_000, "D", True)


def test_missing_and_empty_files_are_set_aside_and_the_rest_loads(tmp_path):
    empty = _write(tmp_path, "empty.835", "  \n")
    note = _write(tmp_path, "notes.txt", "hello")
    remit = read_835([tmp_path / "absent.835", empty, note, DATA / "domain-5.5.835"])
    assert remit.files["status"].tolist() == ["set aside"] * 3 + ["read"]
    msg = _messages(remit)
    assert "absent.835: expected a readable file (file not found)" in msg
    assert ("empty.835, segment 1: expected an X12 835 file; this is an empty file, nothing but blank space: a "
            "download or copy that did not finish?") in msg
    assert "notes.txt, segment 1: expected an X12 835 file; this is not X12 (no ISA header or ST near its start)" in msg
    assert remit.loaded and len(remit.transactions) == 1


def test_a_zipped_or_printed_remittance_is_named_for_what_it_is(tmp_path):
    """An 835 saved zipped, compressed, as its PDF printout, scanned or as the portal's page is not read
    as broken X12: the message says what the file is (by the signatures every reader knows, a zip with
    what it holds), named or found in a folder."""
    import gzip
    import io
    import zipfile

    text = (DATA / "domain-5.5.835").read_text()
    packed = io.BytesIO()
    with zipfile.ZipFile(packed, "w", zipfile.ZIP_DEFLATED) as archive:
        archive.writestr("era.835", text)
    folder = tmp_path / "remits"
    folder.mkdir()
    (folder / "era-zip.835").write_bytes(packed.getvalue())
    (folder / "era-gz.835").write_bytes(gzip.compress(text.encode()))
    (folder / "era-print.835").write_bytes(b"%PDF-1.7\n%\xe2\xe3\xcf\xd3\n1 0 obj")
    (folder / "era-page.835").write_bytes(b"\r\n<!DOCTYPE html><html><body>Session expired</body></html>")
    (folder / "era-scan.835").write_bytes(b"\x89PNG\r\n\x1a\n\x00\x00\x00\rIHDR")
    said = {"era-zip.835": "a zip archive holding era.835 (unzip it", "era-gz.835": "a gzip archive, to unpack first",
            "era-print.835": "a PDF document", "era-page.835": "an HTML page", "era-scan.835": "a PNG image"}
    for given in ([folder], sorted(folder.iterdir())):
        remit = read_835(given)
        by_file = remit.problems.groupby("file")["message"].agg("\n".join)
        for name, what in said.items():
            assert what in by_file[name], (given, by_file[name])
            assert "Latin-1" not in by_file[name]


def test_wrong_transaction_type_is_set_aside(tmp_path):
    text = (DATA / "domain-5.5.835").read_text().replace("ST*835*0001", "ST*837*0001")
    remit = read_835([_write(tmp_path, "claim.837", text)])
    assert "element ST01: expected ST01 = 835" in _messages(remit) and not remit.loaded


@pytest.mark.parametrize("codec", ["utf-8", "utf-16", "utf-16-le"])
def test_a_folder_s_837s_and_999s_are_skipped_not_read_as_broken_835s(tmp_path, codec):
    """A practice folder holds its claims (837) beside its remittances: only the 835s are read. An 837
    saved as UTF-16 was read and set aside as a broken 835 (its transaction kind was looked for in the
    bytes as they stand): it is skipped as an 837, as the same file in UTF-8 is."""
    remittance = (DATA / "domain-5.5.835").read_text()
    folder = tmp_path / "practice"
    folder.mkdir()
    (folder / "claims.837").write_bytes((DATA.parent / "837" / "demo.example1.837").read_text().encode(codec))
    _write(folder, "ack.txt", remittance.replace("ST*835*0001", "ST*999*0001"))
    _write(folder, "mixed.edi", remittance.replace("ST*835*0001", "ST*837*0001")
           + (DATA / "medicare-part-a.835").read_text())
    _write(folder, "paid.835", remittance)
    remit = read_835([folder])
    status = dict(zip(remit.files["file"], remit.files["status"]))
    assert status["claims.837"] == "skipped" and status["ack.txt"] == "skipped"
    assert status["paid.835"] == "read" and status["mixed.edi"] == "partly set aside"  # its 835 is read
    skipped = remit.problems.loc[remit.problems["action"] == "skipped", "expected"].tolist()
    assert any("837 claims" in m and "recoup import" in m for m in skipped)
    assert any("999 acknowledgments" in m for m in skipped)
    assert remit.loaded


def test_text_files_that_only_mention_isa_or_st_are_skipped_but_a_banner_before_isa_is_read(tmp_path):
    """A deposit report listing "VISA,10.00" or a CSV whose first column is ST is not X12 (skipped, not
    set aside as a broken 835); an 835 downloaded with a banner line before its ISA is read."""
    folder = tmp_path / "downloads"
    folder.mkdir()
    _write(folder, "deposits.txt", "card,amount\nVISA,10.00\nAMEX,5.00\n")
    _write(folder, "states.txt", "ST,CITY\nIL,Chicago\n")
    _write(folder, "bannered.txt", "Downloaded from the payer portal\n" + (DATA / "medicare-part-a.835").read_text())
    remit = read_835([folder])
    status = dict(zip(remit.files["file"], remit.files["status"]))
    assert status == {"bannered.txt": "read", "deposits.txt": "skipped", "states.txt": "skipped"}
    assert remit.loaded and len(remit.transactions) == 1


def test_a_broken_link_or_a_pipe_in_a_folder_is_listed_as_skipped_not_silently_left_out(tmp_path):
    folder = tmp_path / "remits"
    folder.mkdir()
    _write(folder, "paid.835", (DATA / "domain-5.5.835").read_text())
    (folder / "moved.835").symlink_to(tmp_path / "gone.835")
    os.mkfifo(folder / "pipe.835")
    remit = read_835([folder])
    status = dict(zip(remit.files["file"], remit.files["status"]))
    assert status == {"paid.835": "read", "moved.835": "skipped", "pipe.835": "skipped"}
    skipped = remit.problems.loc[remit.problems["action"] == "skipped", "expected"].tolist()
    assert any(f"a link to {tmp_path / 'gone.835'}, which does not exist" in m for m in skipped)
    assert any("not a regular file" in m for m in skipped)


def test_a_linked_folder_is_read_and_a_link_back_up_is_listed_not_followed(tmp_path):
    """An office links last year's remittances into the folder (remits/2024 -> the archive): they
    are read like any subfolder; a link back to a folder already being read is listed as skipped."""
    archive = tmp_path / "archive" / "2024"
    archive.mkdir(parents=True)
    _write(archive, "old.835", (DATA / "medicare-part-a.835").read_text())
    folder = tmp_path / "remits"
    folder.mkdir()
    _write(folder, "paid.835", (DATA / "domain-5.5.835").read_text())
    (folder / "2024").symlink_to(archive)
    (folder / "again").symlink_to(folder)
    remit = read_835([folder])
    status = dict(zip(remit.files["file"], remit.files["status"]))
    assert status == {"old.835": "read", "paid.835": "read", "again": "skipped"}
    assert len(remit.transactions) == 2
    skipped = remit.problems.loc[remit.problems["action"] == "skipped", "expected"].tolist()
    assert any("a link to a folder already read" in m for m in skipped)


@pytest.mark.parametrize("how", ["chmod", "listing refused"])
def test_a_folder_that_cannot_be_listed_is_listed_as_skipped_not_silently_left_out(tmp_path, monkeypatch, how):
    folder = tmp_path / "remits"
    locked = folder / "2024"
    locked.mkdir(parents=True)
    _write(folder, "paid.835", (DATA / "domain-5.5.835").read_text())
    _write(locked, "old.835", (DATA / "medicare-part-a.835").read_text())
    if how == "chmod":
        if os.geteuid() == 0:
            pytest.skip("root reads a folder whatever its mode (CI runs as root)")
        locked.chmod(0)
    else:
        listing = os.scandir

        def refuse(path="."):
            if Path(path) == locked:
                raise PermissionError(13, "Permission denied", str(path))
            return listing(path)
        monkeypatch.setattr(os, "scandir", refuse)
    try:
        remit = read_835([folder])
    finally:
        locked.chmod(0o755)
    status = dict(zip(remit.files["file"], remit.files["status"]))
    assert status == {"paid.835": "read", "2024": "skipped"}
    skipped = remit.problems.loc[remit.problems["action"] == "skipped", "expected"].tolist()
    assert any("a folder that cannot be read (Permission denied)" in m for m in skipped)


def test_a_device_named_explicitly_is_skipped_not_read_for_ever():
    remit = read_835(["/dev/zero"])
    assert remit.files["status"].tolist() == ["skipped"] and not remit.loaded
    assert remit.problems["expected"].str.contains("not a regular file").all()


def test_an_835_sent_without_its_isa_envelope_is_read_from_a_folder(tmp_path):
    text = (DATA / "medicare-part-a.835").read_text()
    bare = text[text.index("GS*"):]
    folder = tmp_path / "remits"
    folder.mkdir()
    _write(folder, "no_envelope.edi", bare)
    remit = read_835([folder])
    assert remit.files["status"].tolist() != ["skipped"] and remit.loaded
    assert len(remit.transactions) == 1
    assert remit.problems["expected"].str.contains("the file starts at its GS: it was sent without its "
                                                   "interchange envelope").any()


def test_an_837_named_explicitly_is_still_read_and_refused(tmp_path):
    text = (DATA / "domain-5.5.835").read_text().replace("ST*835*0001", "ST*837*0001")
    remit = read_835([_write(tmp_path, "claim.837", text)])
    assert remit.files["status"].tolist() == ["set aside"]


def test_envelope_count_mismatch_is_a_warning_only(tmp_path):
    text = (DATA / "medicare-part-a.835").read_text().replace("GE*1*1~", "GE*2*1~")
    remit = read_835([_write(tmp_path, "ge.835", text)])
    assert remit.loaded and len(remit.rejected) == 0
    assert remit.warnings["element"].tolist() == ["GE01"]


def test_problem_rows_add_up_per_file():
    remit = read(*SAMPLES, "domain-5.5.835")
    f = remit.files
    assert (f["transactions"] == f["transactions_used"] + f["transactions_set_aside"]).all()
    assert f["warnings"].sum() == len(remit.warnings)


def test_dates_are_real_dates_and_money_is_int64():
    remit = read("medicare-part-a.835", "domain-5.5.835")
    assert str(remit.transactions["payment_date"].dtype) == "datetime64[us]"
    for frame in (remit.transactions, remit.payments, remit.service_lines,
                  remit.provider_adjustments, remit.recoupments):
        for col in frame.columns:
            if col.endswith("_cents") and col != "allowed_cents":
                assert frame[col].dtype == np.int64, col
    assert remit.recoupments["payment_date"].iloc[0].date() == dt.date(2025, 3, 14)


def test_a_line_control_too_long_for_a_line_number_is_not_one(tmp_path):
    # TigerShark's 835 sample echoes REF*6R*251111111111: a control number, not line 251,111,111,111
    # (the audit's line_no stops at 999,999,999, so `recoup import` set the payment aside).
    text = (DATA / "cob-contractural-adjustment.835").read_text()
    svc = text.index("SVC*")
    svc_end = text.index("~", svc) + 1
    longer = text[:svc_end] + "REF*6R*251111111111~" + text[svc_end:]
    shorter = text[:svc_end] + "REF*6R*3~" + text[svc_end:]
    seven = text[:svc_end] + "REF*6R*1234567~" + text[svc_end:]
    long_line, short_line, seven_line = (read_835([_write(tmp_path, name, t)]).service_lines.iloc[0]
                                         for name, t in (("long.835", longer), ("short.835", shorter),
                                                         ("seven.835", seven)))
    assert long_line.line_control == "251111111111" and pd.isna(long_line.line_no)
    assert seven_line.line_control == "1234567" and pd.isna(seven_line.line_no)  # LX01 has six digits at most
    assert short_line.line_control == "3" and short_line.line_no == 3


@pytest.mark.parametrize("codec", ["utf-8", "utf-16", "utf-16-le"])
def test_an_era_saved_as_txt_counts_among_a_folder_s_remits_as_recoup_remit_reads_it(tmp_path, codec):
    """``remits_in`` (what ``recoup report`` reads as a folder's remittances) took an ERA a portal saved
    as .txt by its content, but looked for its ST01 in the bytes as they stand: one saved as UTF-16,
    which ``recoup remit`` reads, was left out."""
    from recoup_lib.remit import remits_in

    remits = tmp_path / "practice" / "remits"
    remits.mkdir(parents=True)
    (remits / "era.txt").write_bytes((DATA / "domain-5.5.835").read_text().encode(codec))
    (remits / "claims.txt").write_bytes((DATA.parent / "837" / "demo.example1.837").read_text().encode(codec))
    assert remits_in(tmp_path / "practice") == [remits / "era.txt"]
    assert read_835(remits_in(tmp_path / "practice")).transactions["trace_number"].tolist() == ["EFT0000123"]
