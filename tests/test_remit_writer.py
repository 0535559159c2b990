"""Writing 835 files: balance, envelopes, recoupment helpers, pyx12 validity, round trips."""

from __future__ import annotations

import datetime as dt
import io
import json
import logging
from dataclasses import replace
from pathlib import Path

import numpy as np
import pandas as pd
import pyarrow as pa
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from recoup_lib.remit import (
    Adjustment,
    ClaimPayment,
    Interchange,
    Remittance,
    RemitWriteError,
    Separators,
    ServiceLine,
    UnbalancedRemittance,
    WriteOptions,
    format_835,
    plb_deferral,
    plb_forward_balance,
    plb_interest,
    plb_offset,
    read_835,
    reverse,
    tables_from_models,
    with_forward_balance,
    write_835,
    write_835_from_tables,
)

DATA = Path(__file__).parent / "data" / "835"
DAY = dt.date(2025, 3, 14)
YEAR_END = dt.date(2025, 12, 31)
NPI = "1999999984"


# ---------------------------------------------------------------------------
# pyx12: structural validation through its Python API
# ---------------------------------------------------------------------------

def pyx12_errors(path: Path) -> tuple[bool, list[str]]:
    """Validate with pyx12's map for 005010X221A1; (valid, error texts)."""
    import pyx12.params
    import pyx12.x12n_document

    logging.getLogger("pyx12").setLevel(logging.CRITICAL)
    out = io.StringIO()
    valid = pyx12.x12n_document.x12n_document(pyx12.params.params(), str(path), None, None,
                                              fd_json=out)
    errors: list[str] = []

    def walk(node):
        if isinstance(node, dict):
            for e in node.get("errors", []):
                errors.append(f"{e.get('err_cde')}: {e.get('err_str')}")
            for value in node.values():
                walk(value)
        elif isinstance(node, list):
            for item in node:
                walk(item)

    walk(json.loads(out.getvalue()))
    return bool(valid), errors


def pyx12_batch_errors(paths, scratch: Path) -> dict[str, list[str]]:
    """Validate many files of one writer in one pyx12 pass; the files with errors, and their errors.

    pyx12 reads a stream of several interchanges and loads its maps once per
    stream, which is most of its time on small files. The files are joined
    into one stream under ``scratch``; only when that stream has an error is
    each file validated alone, to name the files at fault.
    """
    paths = [Path(p) for p in paths]
    joined = Path(scratch) / "all-in-one.x12"
    with open(joined, "wb") as out:
        for path in paths:
            data = path.read_bytes()
            out.write(data if data.endswith(b"\n") else data + b"\n")
    if pyx12_errors(joined) == (True, []):
        return {}
    failed = {path.name: pyx12_errors(path) for path in paths}
    return {name: errors or ["not valid"] for name, (valid, errors) in failed.items() if not valid or errors}


def test_pyx12_batch_check_names_the_one_bad_file_among_good_ones(tmp_path):
    good = [tmp_path / "one.835", tmp_path / "two.835"]
    good[0].write_text(format_835(interchange(domain_remittance(), control=7)))
    good[1].write_text(format_835(interchange(domain_remittance(), control=8)).removesuffix("\n"))
    bad = DATA / "medicare-part-a.835"   # the sample lacks PER*BL
    assert pyx12_batch_errors(good, tmp_path) == {}
    found = pyx12_batch_errors([good[0], bad, good[1]], tmp_path)
    assert list(found) == [bad.name] and any("PER" in e for e in found[bad.name])


def test_pyx12_helper_catches_a_known_error():
    valid, errors = pyx12_errors(DATA / "medicare-part-a.835")   # the sample lacks PER*BL
    assert not valid and any("PER" in e for e in errors)


# ---------------------------------------------------------------------------
# docs/sources.md §5.5 built from models
# ---------------------------------------------------------------------------

def domain_claims():
    a = ClaimPayment("PCN-A100", "1", 60000, 42000, "ICN-A1-0001",
                     patient_responsibility_cents=3000,
                     adjustments=(Adjustment("CO", "45", 15000), Adjustment("PR", "2", 3000)),
                     patient_last_name="DOE", patient_first_name="JANE", member_id="1EG4TE5MK73")
    b0 = ClaimPayment("PCN-B200", "1", 25000, 15000, "ICN-B0-0001", lines=(
        ServiceLine("99213", 25000, 15000, modifiers=("25",), service_date=dt.date(2025, 1, 2),
                    line_control="1", adjustments=(Adjustment("CO", "45", 10000),),
                    allowed_cents=15000),))
    b1 = ClaimPayment("PCN-B200", "1", 25000, 9000, "ICN-B1-0002", lines=(
        ServiceLine("99213", 25000, 9000, service_date=dt.date(2025, 1, 2), line_control="1",
                    adjustments=(Adjustment("CO", "45", 16000),)),))
    return a, b0, b1


def domain_remittance(**changes) -> Remittance:
    a, b0, b1 = domain_claims()
    r = Remittance("EFT0000123", DAY, "EXAMPLE MEDICARE CONTRACTOR", "1999999999",
                   "EXAMPLE CLINIC", NPI, claims=(a, reverse(b0), b1), provider_adjustments=(
                       plb_offset("ICN-C0-0003", 7500, NPI, YEAR_END, extra="1EG4TE5MK73"),
                       plb_interest(235, NPI, YEAR_END)))
    return replace(r, **changes)


def interchange(*remittances, control=123) -> Interchange:
    return Interchange("SENDER", "RECEIVER", control, DAY, remittances)


def test_domain_remittance_pays_287_35_as_computed_in_domain_5_5():
    r = domain_remittance()
    assert (r.claim_paid_cents, r.provider_adjustment_cents, r.payment_cents) == (36000, 7265,
                                                                                   28735)
    lines = format_835(interchange(r)).splitlines()
    assert lines[3] == "BPR*I*287.35*C*CHK************20250314~"
    assert "CLP*PCN-B200*22*-250*-150**MB*ICN-B0-0001*11*1~" in lines
    assert "PLB*1999999984*20251231*WO:ICN-C0-0003 1EG4TE5MK73*75*L6*-2.35~" in lines


def test_written_domain_file_is_valid_for_pyx12(tmp_path):
    path = write_835(tmp_path / "domain.835", interchange(domain_remittance()))
    valid, errors = pyx12_errors(path)
    assert valid and errors == []


def remarked_remittance() -> Remittance:
    """Denials with the remark codes X12 asks for, on lines (LQ) and claims (MOA, MIA)."""
    denied = ClaimPayment("PCN-D1", "4", 12000, 0, "ICN-D1", lines=(
        ServiceLine("99213", 12000, 0, service_date=DAY, line_control="1",
                    adjustments=(Adjustment("CO", "16", 12000),), remark_codes=("MA130",)),),
        remark_codes=("MA01",))
    bundled = ClaimPayment("PCN-D2", "1", 20000, 9000, "ICN-D2", lines=(
        ServiceLine("36415", 2000, 0, service_date=DAY, line_control="1",
                    adjustments=(Adjustment("CO", "234", 2000),), remark_codes=("M15", "N20")),
        ServiceLine("99214", 18000, 9000, service_date=DAY, line_control="2",
                    adjustments=(Adjustment("CO", "45", 9000),))))
    inpatient = ClaimPayment("PCN-D3", "1", 50000, 0, "ICN-D3", facility_code="11",
                             adjustments=(Adjustment("CO", "96", 50000),),
                             remark_codes=("N130",), covered_days="3")
    duplicate = ClaimPayment("PCN-D4", "4", 7000, 0, "ICN-D4",
                             adjustments=(Adjustment("OA", "18", 7000),))
    return Remittance("EFT-RARC", DAY, "PAYER", "1999999999", "CLINIC", NPI,
                      claims=(denied, bundled, inpatient, duplicate))


def test_remark_codes_are_written_where_payers_send_them_and_read_back(tmp_path):
    text = format_835(interchange(remarked_remittance()))
    segments = text.replace("\n", "").split("~")
    assert "LQ*HE*MA130" in segments and "LQ*HE*M15" in segments and "LQ*HE*N20" in segments
    assert "MOA***MA01" in segments and "MIA*3****N130" in segments
    path = tmp_path / "rarc.835"
    path.write_text(text)
    remit = read_835([path])
    assert remit.service_lines["remark_codes"].tolist() == ["MA130", "M15;N20", ""]
    assert remit.payments["claim_remark_codes"].tolist() == ["MA01", "", "N130", ""]
    assert remit.payments["covered_days"].tolist() == ["", "", "3", ""]
    assert len(remit.problems) == 0


def test_remark_codes_and_group_oa_are_valid_for_pyx12(tmp_path):
    path = write_835(tmp_path / "rarc.835", interchange(remarked_remittance()))
    valid, errors = pyx12_errors(path)
    assert valid and errors == []


def test_the_code_billed_is_written_in_svc06_and_read_back_beside_the_code_paid(tmp_path):
    """A payer that paid 99215 as 99214 sends SVC*HC:99214...*HC:99215 (005010X221A1 SVC06): the
    reader kept only the code paid, so the line billed could not be told; it now reads the code and
    modifiers billed into submitted_procedure_code and submitted_modifiers, blank on the lines
    without SVC06, and the writer writes them back."""
    down = ServiceLine("99214", 20000, 12000, modifiers=("25",), service_date=DAY, line_control="1",
                       adjustments=(Adjustment("CO", "45", 8000),), submitted_procedure_code="99215",
                       submitted_modifiers=("25", "GT"))
    plain = ServiceLine("36415", 2000, 1500, service_date=DAY, line_control="2",
                        adjustments=(Adjustment("CO", "45", 500),))
    claim = ClaimPayment("PCN-DC", "1", 22000, 13500, "ICN-DC", lines=(down, plain))
    remittance = Remittance("EFT-DC", DAY, "PAYER", "1999999999", "CLINIC", NPI, claims=(claim,))
    path = write_835(tmp_path / "downcode.835", interchange(remittance))
    segments = path.read_text().replace("\n", "").split("~")
    assert "SVC*HC:99214:25*200*120***HC:99215:25:GT" in segments and "SVC*HC:36415*20*15" in segments
    remit = read_835([path])
    lines = remit.service_lines
    assert lines["procedure_code"].tolist() == ["99214", "36415"]
    assert lines["submitted_procedure_code"].tolist() == ["99215", ""]
    assert lines["submitted_modifiers"].tolist() == ["25;GT", ""]
    assert len(remit.problems) == 0
    valid, errors = pyx12_errors(path)
    assert valid and errors == []



def test_svc06_keeps_its_own_qualifier_through_a_read_and_a_write(tmp_path):
    """An SVC06 may bill under another qualifier than SVC01's (a revenue code, NU, for the HCPCS code
    paid). The reader kept SVC06's code but not its qualifier, so the writer wrote
    ``SVC*HC:93555*1200*550***HC:0450`` (a revenue code labelled HCPCS). The qualifier is now read into
    submitted_procedure_qualifier and written back, from the tables and from a ServiceLine."""
    text = (DATA / "managed-care.835").read_text().replace("SVC*HC:93555*1200.00*550.00~",
                                                           "SVC*HC:93555*1200.00*550.00***NU:0450~")
    path = tmp_path / "nu.835"
    path.write_text(text)
    remit = read_835([path])
    lines = remit.service_lines
    assert lines["submitted_procedure_qualifier"].tolist() == ["", "NU"]
    assert lines["submitted_procedure_code"].tolist() == ["", "0450"]
    [data] = write_835_from_tables(remit.transactions, remit.payments, lines, remit.adjustments,
                                   remit.provider_adjustments).values()
    segments = data.decode().replace("\n", "").split("~")
    assert [s for s in segments if s.startswith("SVC")] == ["SVC*HC:99211*800*500",
                                                            "SVC*HC:93555*1200*550***NU:0450"]
    billed = ServiceLine("93555", 120000, 120000, service_date=DAY, submitted_procedure_qualifier="NU",
                         submitted_procedure_code="0450")
    claim = ClaimPayment("PCN-NU", "1", 120000, 120000, "ICN-NU", lines=(billed,))
    remittance = Remittance("EFT-NU", DAY, "PAYER", "1999999999", "CLINIC", NPI, claims=(claim,))
    written = write_835(tmp_path / "model.835", interchange(remittance))
    assert "SVC*HC:93555*1200*1200***NU:0450" in written.read_text().replace("\n", "").split("~")
    assert read_835([written]).service_lines["submitted_procedure_qualifier"].tolist() == ["NU"]


@pytest.mark.parametrize("carc", ["16", "96", "129", "234", "252"])
def test_carc_that_needs_a_remark_code_without_one_is_refused(carc):
    line = ServiceLine("99213", 5000, 0, adjustments=(Adjustment("CO", carc, 5000),))
    r = Remittance("T", DAY, "PAYER", "1999999999", "CLINIC", NPI,
                   claims=(ClaimPayment("PCN-X", "4", 5000, 0, "ICN-X", lines=(line,)),))
    with pytest.raises(RemitWriteError, match=f"CARC {carc} on service line 1 of claim "
                                              "'PCN-X' needs at least one remark code"):
        format_835(interchange(r))
    # An alert does not say why: X12 asks for a remark code that is not an alert.
    alert = replace(r, claims=(replace(r.claims[0], lines=(replace(line, remark_codes=("MA01",)),)),))
    with pytest.raises(RemitWriteError, match="not an alert"):
        format_835(interchange(alert))
    # A claim-level remark code covers the line.
    ok = replace(r, claims=(replace(r.claims[0], remark_codes=("N130",)),))
    assert "MOA***N130~" in format_835(interchange(ok))


def test_duplicate_carc_18_under_pr_is_refused():
    r = Remittance("T", DAY, "PAYER", "1999999999", "CLINIC", NPI, claims=(
        ClaimPayment("PCN-X", "4", 5000, 0, "ICN-X", adjustments=(Adjustment("PR", "18", 5000),)),))
    with pytest.raises(RemitWriteError, match="CARC 18 goes under group OA or CO"):
        format_835(interchange(r))


def test_written_file_reads_back_with_the_same_recoupments_as_the_domain_fixture(tmp_path):
    path = write_835(tmp_path / "domain.835", interchange(domain_remittance()))
    ours, fixture = read_835([path]), read_835([DATA / "domain-5.5.835"])
    cols = ["claim_id", "amount_cents", "mechanism", "reason_code", "reference"]
    pd.testing.assert_frame_equal(ours.recoupments[cols], fixture.recoupments[cols])
    assert ours.transactions["bpr_amount_cents"].tolist() == [28735]
    assert ours.service_lines["line_no"].tolist() == [1, 1]      # REF*6R, the audit's line_no
    assert len(ours.problems) == 0


def test_envelope_counts_and_control_numbers(tmp_path):
    later = Remittance("EFT0000456", dt.date(2025, 4, 11), "EXAMPLE MEDICARE CONTRACTOR",
                       "1999999999", "EXAMPLE CLINIC", NPI,
                       claims=(ClaimPayment("PCN-D400", "1", 30000, 18000, "ICN-D0-0004",
                                            adjustments=(Adjustment("CO", "45", 12000),)),))
    text = format_835(interchange(domain_remittance(), later, control=42))
    segments = [s for s in text.split("~\n") if s]
    st_at = [i for i, s in enumerate(segments) if s.startswith("ST*")]
    se_at = [i for i, s in enumerate(segments) if s.startswith("SE*")]
    for n, (a, b) in enumerate(zip(st_at, se_at), start=1):
        assert segments[b] == f"SE*{b - a + 1}*{n:04d}"
        assert segments[a] == f"ST*835*{n:04d}"
    assert segments[-2:] == ["GE*2*42", "IEA*1*000000042"]
    assert segments[0].split("*")[13] == "000000042" and len(segments[0]) == 105
    path = tmp_path / "two.835"
    path.write_text(text)
    assert pyx12_errors(path) == (True, [])
    assert len(read_835([path]).problems) == 0


def test_output_is_deterministic():
    r = domain_remittance()
    assert format_835(interchange(r)) == format_835(interchange(r))
    tables = tables_from_models([interchange(r)], ["x.835"])
    assert write_835_from_tables(**tables) == write_835_from_tables(**tables)


def test_model_path_and_table_path_give_the_same_bytes():
    tables = tables_from_models([interchange(domain_remittance())], ["remit.835"])
    assert write_835_from_tables(**tables)["remit.835"].decode() == format_835(
        interchange(domain_remittance()))


def test_no_newline_option_writes_one_line():
    text = format_835(interchange(domain_remittance()), WriteOptions(newline=False))
    assert "\n" not in text and text.count("~") == 33


@pytest.mark.parametrize("seps", [
    Separators("|", "^", "\n", "{"),
    Separators("^", ">", "'", "|"),
])
def test_other_separators_are_written_and_read_back(tmp_path, seps):
    path = write_835(tmp_path / "seps.835", interchange(domain_remittance()),
                     WriteOptions(separators=seps))
    text = path.read_text()
    assert text.startswith(f"ISA{seps.element}00") and f"HC{seps.component}99213" in text
    remit = read_835([path])
    assert len(remit.problems) == 0
    assert remit.transactions["bpr_amount_cents"].tolist() == [28735]
    assert remit.service_lines["modifiers"].tolist() == ["25", ""]
    assert pyx12_errors(path) == (True, [])


def test_separator_inside_a_value_is_refused():
    bad = domain_remittance(payer_name="SMITH*JONES")
    with pytest.raises(RemitWriteError, match=r"transactions, row 1, column 'payer'.*'SMITH\*JONES'"):
        format_835(interchange(bad))


def test_invalid_separator_choice_is_refused():
    with pytest.raises(RemitWriteError, match="four different single characters"):
        WriteOptions(separators=Separators("*", "*", "~", "^"))


# ---------------------------------------------------------------------------
# Balance is enforced
# ---------------------------------------------------------------------------

def test_unbalanced_service_line_is_refused():
    line = ServiceLine("99213", 10000, 8000, adjustments=(Adjustment("CO", "45", 1000),))
    claim = ClaimPayment("A", "1", 10000, 8000, "ICN1", lines=(line,))
    with pytest.raises(UnbalancedRemittance, match=r"service line 1 of claim 'A'.*100.00 - "
                                                   r"adjustments 10.00 = 90.00, but paid is 80.00"):
        format_835(interchange(domain_remittance(claims=(claim,))))


def test_unbalanced_claim_is_refused():
    claim = ClaimPayment("A", "1", 10000, 8000, "ICN1", adjustments=(Adjustment("CO", "45", 1500),))
    with pytest.raises(UnbalancedRemittance, match=r"claim payment 'A'.*CLP03 - CAS = CLP04"):
        format_835(interchange(domain_remittance(claims=(claim,))))


def test_negative_payment_is_refused_and_forward_balance_fixes_it(tmp_path):
    _, b0, _ = domain_claims()
    r = domain_remittance(claims=(reverse(b0),), provider_adjustments=())
    assert r.payment_cents == -15000
    with pytest.raises(UnbalancedRemittance, match="cannot be negative.*negative FB"):
        format_835(interchange(r))
    fixed = with_forward_balance(r)
    assert fixed.payment_cents == 0
    assert fixed.provider_adjustments[-1] == plb_forward_balance(-15000, NPI, YEAR_END)
    path = write_835(tmp_path / "fb.835", interchange(fixed))
    assert "BPR*H*0*C*NON************20250314~" in path.read_text()
    assert pyx12_errors(path) == (True, [])
    remit = read_835([path])
    assert remit.transactions["balanced"].all()
    # The reversal is a recoupment; the negative FB is not (it carries the debt forward).
    assert remit.recoupments["mechanism"].tolist() == ["reversal"]


def test_money_must_be_integer_cents():
    with pytest.raises(TypeError, match=r"ClaimPayment.paid_cents must be integer cents; got 1.5"):
        ClaimPayment("A", "1", 100, 1.5, "ICN1")


# ---------------------------------------------------------------------------
# Recoupment helpers (docs/sources.md §5.2, 5.3, 5.5)
# ---------------------------------------------------------------------------

def test_reverse_negates_every_amount_and_keeps_group_codes():
    _, b0, _ = domain_claims()
    r = reverse(b0)
    assert (r.status_code, r.charge_cents, r.paid_cents) == ("22", -25000, -15000)
    assert (r.claim_id, r.payer_claim_control) == (b0.claim_id, b0.payer_claim_control)
    line = r.lines[0]
    assert (line.charge_cents, line.paid_cents, line.allowed_cents) == (-25000, -15000, -15000)
    assert line.adjustments == (Adjustment("CO", "45", -10000),)
    assert r.balanced and line.balanced
    assert reverse(r).paid_cents == b0.paid_cents


def test_reversal_of_a_claim_with_claim_level_cas_balances():
    a, _, _ = domain_claims()
    r = reverse(a)
    assert r.balanced and [x.amount_cents for x in r.adjustments] == [-15000, -3000]
    assert [x.group for x in r.adjustments] == ["CO", "PR"]
    assert r.patient_responsibility_cents == -3000


def test_wo_helpers_carry_the_original_clp07_and_signs():
    _, b0, _ = domain_claims()
    defer = plb_deferral(b0, 15000, NPI, YEAR_END)
    recover = plb_offset(b0, 15000, NPI, YEAR_END)
    assert (defer.reason_code, defer.reference, defer.amount_cents) == ("WO", "ICN-B0-0001", -15000)
    assert (recover.reason_code, recover.reference, recover.amount_cents) == ("WO", "ICN-B0-0001",
                                                                              15000)
    with pytest.raises(ValueError, match="positive"):
        plb_offset(b0, -5, NPI, YEAR_END)


def test_deferral_then_recovery_written_and_read(tmp_path):
    a, b0, b1 = domain_claims()
    first = domain_remittance(provider_adjustments=domain_remittance().provider_adjustments + (
        plb_deferral(b0, 15000, NPI, YEAR_END),))
    assert first.payment_cents == 28735 + 15000
    d = ClaimPayment("PCN-D400", "1", 30000, 18000, "ICN-D0-0004",
                     adjustments=(Adjustment("CO", "45", 12000),))
    later = Remittance("EFT0000456", dt.date(2025, 4, 11), "EXAMPLE MEDICARE CONTRACTOR",
                       "1999999999", "EXAMPLE CLINIC", NPI, claims=(d,),
                       provider_adjustments=(plb_offset(b0, 15000, NPI, YEAR_END),))
    p1 = write_835(tmp_path / "1.835", interchange(first, control=1))
    p2 = write_835(tmp_path / "2.835", interchange(later, control=2))
    assert pyx12_errors(p1) == (True, []) and pyx12_errors(p2) == (True, [])
    remit = read_835([p1, p2])
    rec = remit.recoupments
    assert rec["mechanism"].tolist() == ["reversal", "offset", "offset"]
    assert rec["deferred_cents"].tolist() == [15000, 0, 0]
    assert rec.iloc[2][["file", "claim_id", "amount_cents"]].tolist() == ["2.835", "PCN-B200",
                                                                          15000]


# ---------------------------------------------------------------------------
# CAS and PLB segments hold at most six adjustments
# ---------------------------------------------------------------------------

def test_more_than_six_adjustments_split_into_several_segments(tmp_path):
    adjustments = tuple(Adjustment("CO", str(40 + k), 100) for k in range(8)) + (
        Adjustment("PR", "2", 50, quantity="1"),)
    claim = ClaimPayment("A", "1", 10000, 10000 - 850, "ICN1", adjustments=adjustments)
    plbs = tuple(plb_interest(10 + k, NPI, YEAR_END) for k in range(7))
    r = domain_remittance(claims=(claim,), provider_adjustments=plbs)
    text = format_835(interchange(r))
    cas = [s for s in text.splitlines() if s.startswith("CAS")]
    assert cas == ["CAS*CO*40*1**41*1**42*1**43*1**44*1**45*1~", "CAS*CO*46*1**47*1~",
                   "CAS*PR*2*0.5*1~"]
    plb = [s for s in text.splitlines() if s.startswith("PLB")]
    assert len(plb) == 2 and plb[1] == "PLB*1999999984*20251231*L6*-0.16~"
    path = tmp_path / "many.835"
    path.write_text(text)
    remit = read_835([path])
    assert len(remit.adjustments) == 9 and remit.adjustments["amount_cents"].sum() == 850
    assert remit.provider_adjustments["amount_cents"].sum() == -sum(range(10, 17))
    # pyx12 accepts the split CAS; for the second PLB it reports a false positive: its own
    # 5010 map lets PLB repeat (max_use >1), but its walker counts each PLB as a new FOOTER.
    assert pyx12_errors(path) == (False, ["4: Loop FOOTER exceeded max count.  Found 2, "
                                          "should have 1"])
    single = tmp_path / "cas-only.835"
    single.write_text(format_835(interchange(replace(r, provider_adjustments=plbs[:6]))))
    assert pyx12_errors(single) == (True, [])


def test_pyx12_map_lets_plb_repeat():
    import pyx12

    text = (Path(pyx12.__file__).parent / "map" / "835.5010.X221.A1.xml").read_text()
    plb = text[text.index('<segment xid="PLB">'):]
    assert "<max_use>&gt;1</max_use>" in plb[: plb.index("</segment>")]


# ---------------------------------------------------------------------------
# Tables in, tables out
# ---------------------------------------------------------------------------

def test_reader_tables_write_back_to_the_same_figures(tmp_path):
    remit = read_835([DATA / "domain-5.5.835", DATA / "managed-care.835",
                      DATA / "secondary-payment.835", DATA / "medicare-part-a.835"])
    written = write_835_from_tables(remit.transactions, remit.payments, remit.service_lines,
                                    remit.adjustments, remit.provider_adjustments,
                                    out_dir=tmp_path)
    assert list(written) == ["domain-5.5.835", "managed-care.835", "secondary-payment.835",
                             "medicare-part-a.835"]
    again = read_835([tmp_path / name for name in written])
    assert len(again.problems) == 0
    for table, cols in (("transactions", ["trace_number", "bpr_amount_cents", "balanced"]),
                        ("payments", ["claim_id", "status_code", "charge_cents", "paid_cents",
                                      "patient_responsibility_cents", "payer_claim_control"]),
                        ("service_lines", ["procedure_code", "modifiers", "charge_cents",
                                           "paid_cents", "allowed_cents", "service_date"]),
                        ("adjustments", ["claim_seq", "line_seq", "group_code", "reason_code",
                                         "amount_cents"]),
                        ("provider_adjustments", ["reason_code", "reference", "amount_cents"]),
                        ("recoupments", ["claim_id", "amount_cents", "mechanism"])):
        pd.testing.assert_frame_equal(getattr(again, table)[cols], getattr(remit, table)[cols])
    assert pyx12_batch_errors([tmp_path / name for name in written], tmp_path) == {}


def test_sample_with_an_unbalanced_line_cannot_be_written_back():
    remit = read_835([DATA / "tertiary-payment.835"])
    with pytest.raises(UnbalancedRemittance, match="service line 1 of claim '0001000054'"):
        write_835_from_tables(remit.transactions, remit.payments, remit.service_lines,
                              remit.adjustments, remit.provider_adjustments)


def test_tables_missing_a_required_column_are_refused():
    tables = tables_from_models([interchange(domain_remittance())])
    with pytest.raises(RemitWriteError, match=r"payments: missing column\(s\) paid_cents"):
        write_835_from_tables(tables["transactions"], tables["payments"].drop(columns="paid_cents"))


def test_adjustment_for_an_unknown_line_is_refused():
    tables = tables_from_models([interchange(domain_remittance())])
    adj = tables["adjustments"].copy()
    adj.loc[adj.index[-1], "line_seq"] = 7
    with pytest.raises(RemitWriteError, match="no service line 7 in claim payment 'PCN-B200'"):
        write_835_from_tables(tables["transactions"], tables["payments"],
                              tables["service_lines"], adj, tables["provider_adjustments"])


def test_float_money_in_tables_is_refused():
    tables = tables_from_models([interchange(domain_remittance())])
    pay = tables["payments"].assign(paid_cents=tables["payments"]["paid_cents"] / 1.0)
    with pytest.raises(RemitWriteError, match="column 'paid_cents': expected integer cents"):
        write_835_from_tables(tables["transactions"], pay)


# ---------------------------------------------------------------------------
# Round trip of generated remittances (hypothesis)
# ---------------------------------------------------------------------------

GROUPS = st.sampled_from(["CO", "PR", "OA", "PI"])
CARCS = st.sampled_from(["45", "1", "2", "3", "97", "96", "50", "B13", "253"])
CENTS = st.integers(min_value=0, max_value=2_000_000)


def remarks_for(adjustments, draw) -> tuple:
    """RARCs for a line or claim: X12 wants one with CARC 96 (and 16, 129, 234, 252)."""
    needed = any(a.reason == "96" for a in adjustments)
    return ("N130",) if needed or draw(st.booleans()) and draw(st.booleans()) else ()


@st.composite
def service_lines(draw):
    charge = draw(CENTS)
    adjustments = tuple(Adjustment(draw(GROUPS), draw(CARCS), draw(st.integers(-5_000, 50_000)))
                        for _ in range(draw(st.integers(0, 3))))
    paid = charge - sum(a.amount_cents for a in adjustments)
    day = dt.date(2025, 1, 1) + dt.timedelta(days=draw(st.integers(0, 365)))
    return ServiceLine(draw(st.sampled_from(["99213", "99214", "36415", "G0439", "0001U"])),
                       charge, paid, modifiers=tuple(draw(st.lists(
                           st.sampled_from(["25", "59", "XU", "26"]), max_size=2, unique=True))),
                       service_date=day, line_control=str(draw(st.integers(1, 99))),
                       adjustments=adjustments,
                       allowed_cents=draw(st.one_of(st.none(), CENTS)),
                       units=draw(st.sampled_from([1, 2, 4, 1.5, 1.125])),
                       remark_codes=remarks_for(adjustments, draw))


@st.composite
def claims(draw, n):
    lines = tuple(draw(st.lists(service_lines(), min_size=0, max_size=3)))
    extra = tuple(Adjustment(draw(GROUPS), draw(CARCS), draw(st.integers(-5_000, 50_000)))
                  for _ in range(draw(st.integers(0, 2))))
    charge = sum(x.charge_cents for x in lines) if lines else draw(CENTS)
    paid = charge - sum(a.amount_cents for a in extra) - sum(x.adjustment_total_cents
                                                             for x in lines)
    claim = ClaimPayment(f"PCN{n:05d}", draw(st.sampled_from(["1", "2", "4", "19"])), charge,
                         paid, f"ICN{n:09d}", adjustments=extra, lines=lines,
                         patient_responsibility_cents=draw(st.integers(0, 5_000)),
                         remark_codes=remarks_for(extra, draw),
                         covered_days=draw(st.sampled_from(["", "", "3"])))
    return reverse(claim) if draw(st.booleans()) and draw(st.booleans()) else claim


@st.composite
def remittances(draw, k):
    cs = tuple(draw(claims(n)) for n in range(draw(st.integers(0, 4))))
    plbs = tuple(plb_offset(f"ICN{draw(st.integers(0, 3)):09d}", draw(st.integers(1, 10_000)), NPI,
                            YEAR_END) for _ in range(draw(st.integers(0, 2))))
    plbs += tuple(plb_interest(draw(st.integers(1, 500)), NPI, YEAR_END)
                  for _ in range(draw(st.integers(0, 1))))
    r = Remittance(f"TRACE{k}", DAY + dt.timedelta(days=k), "PAYER", "1999999999", "CLINIC", NPI,
                   claims=cs, provider_adjustments=plbs)
    return with_forward_balance(r)


@settings(max_examples=30, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(st.lists(st.integers(0, 3), min_size=1, max_size=3).flatmap(
    lambda ks: st.tuples(*[remittances(k) for k in range(len(ks))])))
def test_round_trip_keeps_every_total_to_the_cent(rs):
    tables = tables_from_models([interchange(*rs)], ["rt.835"])
    text = write_835_from_tables(**tables)["rt.835"]
    import tempfile

    with tempfile.TemporaryDirectory() as folder:
        path = Path(folder) / "rt.835"
        path.write_bytes(text)
        remit = read_835([path])
    assert len(remit.rejected) == 0
    t = remit.transactions
    assert t["balanced"].all() and remit.payments["balanced"].all()
    assert remit.service_lines["balanced"].all()
    assert t["bpr_amount_cents"].tolist() == [r.payment_cents for r in rs]
    assert t["claim_paid_total_cents"].tolist() == [r.claim_paid_cents for r in rs]
    assert t["provider_adjustment_total_cents"].tolist() == [r.provider_adjustment_cents for r in rs]
    claims_in = [c for r in rs for c in r.claims]
    assert remit.payments["paid_cents"].tolist() == [c.paid_cents for c in claims_in]
    assert remit.payments["claim_id"].tolist() == [c.claim_id for c in claims_in]
    lines_in = [x for c in claims_in for x in c.lines]
    assert remit.service_lines["paid_cents"].tolist() == [x.paid_cents for x in lines_in]
    assert remit.service_lines["procedure_code"].tolist() == [x.procedure_code for x in lines_in]
    assert remit.service_lines["modifiers"].tolist() == [";".join(x.modifiers) for x in lines_in]
    assert remit.service_lines["units"].tolist() == [float(x.units) for x in lines_in]
    assert remit.service_lines["remark_codes"].tolist() == [";".join(x.remark_codes)
                                                            for x in lines_in]
    assert remit.payments["claim_remark_codes"].tolist() == [";".join(c.remark_codes)
                                                             for c in claims_in]
    assert remit.adjustments["amount_cents"].sum() == sum(c.adjustment_total_cents
                                                          for c in claims_in)
    reversed_paid = sum(-c.paid_cents for c in claims_in if c.paid_cents < 0)
    offsets = sum(p.amount_cents for r in rs for p in r.provider_adjustments
                  if p.reason_code in ("WO", "FB") and p.amount_cents > 0)
    assert remit.summary()["recouped_total_cents"] == reversed_paid + offsets
    # The tables the reader returns write the same bytes again.
    again = write_835_from_tables(remit.transactions.assign(
        sender_id="SENDER", receiver_id="RECEIVER", interchange_control=123,
        interchange_date=pd.Timestamp(DAY)), remit.payments, remit.service_lines,
        remit.adjustments, remit.provider_adjustments)
    assert again["rt.835"] == text


def test_write_835_from_tables_docstring_example_holds():
    t = pd.DataFrame({"trace_number": ["T1"], "payment_date": [pd.Timestamp("2025-03-14")],
                      "payer": ["PAYER"], "payer_id": ["1999999999"], "payee_name": ["CLINIC"],
                      "payee_id": ["1999999984"]})
    p = pd.DataFrame({"trace_number": ["T1"], "claim_id": ["A"], "status_code": ["1"],
                      "charge_cents": [10000], "paid_cents": [10000],
                      "payer_claim_control": ["ICN1"]})
    text = write_835_from_tables(t, p)["remit.835"].decode()
    assert "BPR*I*100*C*CHK************20250314~" in text
    assert np.array_equal(read_835_text(text)["paid_cents"].to_numpy(), np.array([10000]))


def read_835_text(text: str) -> pd.DataFrame:
    import tempfile

    with tempfile.TemporaryDirectory() as folder:
        path = Path(folder) / "t.835"
        path.write_text(text)
        return read_835([path]).payments


_KEY_TEXT = st.one_of(st.none(), st.sampled_from(["T1", "T2", "0007", "7", "a b"]))


@settings(max_examples=60, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(claim_keys=st.lists(st.tuples(_KEY_TEXT, _KEY_TEXT), min_size=1, max_size=8, unique=True),
       picks=st.lists(st.integers(min_value=-1, max_value=7), max_size=12),
       by_id=st.booleans(), numbers=st.booleans())
def test_rows_link_to_their_claims_the_same_way_on_small_and_large_tables(claim_keys, picks, by_id, numbers):
    """The writer links rows to claim payments through a dict on small tables and a merge on large
    ones: both give the same rows, keys compared as text, a missing key matching a missing one, and
    the same message for a row whose claim is not there (pick -1)."""
    from recoup_lib.remit import _write_input

    second = "claim_id" if by_id else "claim_seq"
    claims = pd.DataFrame(claim_keys, columns=["trace_number", second], dtype=object)
    absent = ("T9", "nowhere")
    rows = [claim_keys[p % len(claim_keys)] if p >= 0 else absent for p in picks]
    if numbers:  # the rows' keys as numbers where they read as one ("0007" becomes 7, which is "7" as text)
        rows = [(t, int(k) if isinstance(k, str) and k.isdigit() else k) for t, k in rows]
    frame = pd.DataFrame(rows, columns=["trace_number", second], dtype=object)

    def link(limit):
        saved = _write_input._DICT_LINK_MAX
        _write_input._DICT_LINK_MAX = limit
        try:
            return _write_input._claim_keys(frame, claims, "service_lines.csv").tolist()
        except RemitWriteError as exc:
            return str(exc)
        finally:
            _write_input._DICT_LINK_MAX = saved

    small, large = link(10**9), link(-1)
    assert small == large
    if -1 not in picks and not numbers:
        assert small == [p % len(claim_keys) for p in picks]


def test_as_text_keeps_a_one_chunk_column_without_copying_it():
    """A column of one Arrow chunk (the usual read) is written from its own buffer, not joined into a
    copy (arrowtext.one_array); several chunks still make one array of their values."""
    from recoup_lib.remit._x12text import as_text

    chunk = pa.array(["CLP", "SVC"], pa.large_string())
    one = as_text(pa.chunked_array([chunk]))
    assert one.buffers()[2].address == chunk.buffers()[2].address
    several = as_text(pa.chunked_array([chunk, pa.array([None, "PLB"], pa.large_string())]))
    assert several.to_pylist() == ["CLP", "SVC", "", "PLB"]
