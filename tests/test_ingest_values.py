"""Reading values as offices write them, and recognising headers (recoup_lib.ingest._values, ._calendar, ._fields)."""

from __future__ import annotations

import pytest

from recoup_lib.errors import InputError
from recoup_lib.ingest import FIELD_NAMES, normalise_header, propose, recognised_fields
from recoup_lib.ingest._calendar import to_dates
from recoup_lib.ingest._fields import _FIELDS, check_required
from recoup_lib.ingest._diagnoses import insert_icd_dot
from recoup_lib.ingest._values import (excel_scientific, join_lists, split_code_modifiers, to_flags, to_money,
                                       to_place_of_service, to_whole, whole_code)


def _vals(result):
    text, bad = result
    return text.to_pylist(), bad.tolist()


@pytest.mark.parametrize("written, iso", [
    ("01/31/2025", "2025-01-31"), ("1/31/25", "2025-01-31"), ("1-31-2025", "2025-01-31"),
    ("20250131", "2025-01-31"), ("2025-01-31", "2025-01-31"), ("2025/1/31", "2025-01-31"),
    ("31-Jan-2025", "2025-01-31"), ("Jan 31, 2025", "2025-01-31"), ("45688", "2025-01-31"),
    ("45688.0", "2025-01-31"), ("01/31/2025 10:22 AM", "2025-01-31"), ("2025-01-31 00:00:00", "2025-01-31"),
    ("2/3/69", "1969-02-03"), ("2/3/68", "2068-02-03"), ("02/29/2024", "2024-02-29"),
    ("2025-01-31T00:00:00Z", "2025-01-31"), ("2025-01-31T00:00:00.000Z", "2025-01-31"),
    ("2025-01-31T23:30:00-05:00", "2025-01-31"), ("2025-01-31 08:00:00 +0000", "2025-01-31"),
])
def test_dates_in_us_excel_and_iso_forms_become_iso(written, iso):
    assert _vals(to_dates([written])) == ([iso], [False])


@pytest.mark.parametrize("written", ["31/01/2025", "02/30/2025", "13/01/2025", "2025-02-29", "tomorrow",
                                     "01/31/1899", "01/01/2101", "99999", "00/10/2025"])
def test_impossible_or_day_first_dates_are_bad_and_kept_as_written(written):
    assert _vals(to_dates([written])) == ([written], [True])


def test_blank_date_is_blank_not_bad():
    assert _vals(to_dates(["", "  "])) == (["", ""], [False, False])


@pytest.mark.parametrize("written, dollars", [
    ("$1,234.50", "1234.50"), ("(12.00)", "-12.00"), ("($3.84)", "-3.84"), ("-12.00", "-12.00"),
    ("12.00-", "-12.00"), ("12.00 CR", "-12.00"), ("125", "125.00"), ("$ 5", "5.00"), (".5", "0.50"),
    ("-$1,204.1", "-1204.10"), ("$-3", "-3.00"), ("USD 7.25", "7.25"),
])
def test_money_as_offices_write_it(written, dollars):
    assert _vals(to_money([written])) == ([dollars], [False])


@pytest.mark.parametrize("written", ["$", "()", "($)", "CR", "USD"])
def test_a_mark_without_an_amount_is_bad_not_blank(written):
    """Read as blank, '$' in a required paid column was reported as "got ''"; it is not an amount."""
    assert _vals(to_money([written, "12.00", ""])) == ([written, "12.00", ""], [True, False, False])


@pytest.mark.parametrize("written, dollars", [
    (" $ 1,234.56 ", "1234.56"), (" $ (147.92)", "-147.92"), (" $ -   ", "0.00"), ("  -   ", "0.00"),
    ("$-", "0.00"), (" 1,234.56 ", "1234.56"), (" (40.00)", "-40.00"),
])
def test_money_a_spreadsheet_saved_as_csv_in_accounting_or_comma_style(written, dollars):
    """Excel writes the text it shows: its Accounting and Comma styles put the $ apart from the
    parentheses of a negative and write zero as a dash."""
    assert _vals(to_money([written, "12.00"])) == ([dollars, "12.00"], [False, False])


@pytest.mark.parametrize("written", ["12.345", "1,23", "-(3)", "abc", "1000000000000.00", "--5", "(-5)"])
def test_money_that_is_not_an_amount_or_too_large_is_bad(written):
    assert _vals(to_money([written]))[1] == [True]


def test_long_numbers_excel_wrote_in_scientific_notation_are_found():
    written = ["2.02501E+14", "1E+12", "1.23457e+11", "1.5E+3", "C1E+12", "E11.9", "1721091746", ""]
    assert excel_scientific(written).tolist() == [True, True, True] + [False] * 5


def test_flags_units_and_place_of_service():
    assert _vals(to_flags(["Y", "n", "Yes", "TRUE", "0", "maybe", ""])) == (
        ["true", "false", "true", "true", "false", "maybe", ""], [False] * 5 + [True, False])
    assert _vals(to_whole(["1", "1.00", "2.0", " 3 ", "1.5", ""])) == (
        ["1", "1", "2", "3", "1.5", ""], [False, False, False, False, True, False])
    assert to_place_of_service(["2", "11", "02", " 2 ", "011", ""]).to_pylist() == ["02", "11", "02", "02", "011", ""]
    # A code written as a decimal is read whole first, as the import does for every code.
    assert to_place_of_service(whole_code(["2.0", "11.0", "2.00", " 2.0 "])).to_pylist() == ["02", "11", "02", "02"]


def test_lists_from_columns_or_separators():
    import pyarrow as pa

    assert join_lists([pa.array(["25", "", "RT"]), pa.array(["59", "", ""])]).to_pylist() == ["25;59", "", "RT"]
    assert join_lists([pa.array(["25, 59", "25/59", "GP XU", "E11.9;I10"])]).to_pylist() == \
        ["25;59", "25;59", "GP;XU", "E11.9;I10"]
    code, mods = split_code_modifiers(["99213-25", "20610/RT/59", "G0439", "0001U"])
    assert code.to_pylist() == ["99213", "20610", "G0439", "0001U"]
    assert mods.to_pylist() == ["25", "RT;59", "", ""]


def test_icd_codes_get_their_dot_back():
    got = insert_icd_dot(["E119", "I10", "E11.9", "M5450", "E8490", "0340"], icd9=[0, 0, 0, 0, 1, 1])
    assert got.to_pylist() == ["E11.9", "I10", "E11.9", "M54.50", "E849.0", "034.0"]


@pytest.mark.parametrize("header, field", [
    ("Claim #", "claim_id"), ("CLAIM_ID", "claim_id"), ("DOS", "service_date"), ("Date of Service", "service_date"),
    ("CPT/HCPCS", "procedure_code"), ("Proc Code", "procedure_code"), ("Qty", "units"), ("Charges", "charge"),
    ("Billed Amt.", "charge"), ("Rendering NPI", "rendering_npi"), ("Patient Acct", "patient_id"),
    ("POS", "place_of_service"), ("Mod 3", "modifiers"), ("Dx 12", "diagnosis_codes"), ("ICD-10 2", "diagnosis_codes"),
])
def test_claims_headers_are_recognised_ignoring_case_and_punctuation(header, field):
    assert field in recognised_fields("claims", header)


@pytest.mark.parametrize("kind, header, field", [
    ("payments", "Paid Amt", "paid"), ("payments", "Allowed Amt", "allowed"),
    ("payments", "Payment Date", "payment_date"),
    ("payments", "Check/EFT #", "payment_id"), ("coverage", "Member ID", "member_id"),
    ("coverage", "Eff Date", "effective_date"), ("coverage", "Term Date", "termination_date"),
    ("documentation", "Note on File", "note_present"),
    # chart-completion and visit-note reports: yes/no columns, and the line-finding columns of one without
    # line numbers
    ("documentation", "Signed (Y/N)", "signed"), ("documentation", "Note Signed (Y/N)", "signed"),
    ("documentation", "Signed Off", "signed"), ("documentation", "Is Signed", "signed"),
    ("documentation", "Note (Y/N)", "note_present"), ("documentation", "Note Exists", "note_present"),
    ("documentation", "Has Documentation", "note_present"), ("documentation", "CPT", "procedure_code"),
    ("documentation", "DOS", "service_date"), ("documentation", "Visit Date", "service_date"),
])
def test_other_files_headers_are_recognised(kind, header, field):
    assert field in recognised_fields(kind, header)


def test_no_header_name_belongs_to_two_fields_of_one_kind():
    for kind, fields in _FIELDS.items():
        seen = {}
        for field, tiers in fields.items():
            for name in (n for tier in tiers for n in tier):
                key = normalise_header(name)
                assert seen.setdefault(key, field) == field, f"{kind}: {name!r} is {seen[key]} and {field}"


def test_no_header_name_stands_in_two_tiers_of_one_field():
    """A name in two tiers is decided by the first: moving it to a later tier would change nothing."""
    for kind, fields in _FIELDS.items():
        for field, tiers in fields.items():
            seen = set()
            for tier in tiers:
                names = {normalise_header(n) for n in tier}
                assert not seen & names, f"{kind} {field}: {sorted(seen & names)} in two tiers"
                seen |= names


@pytest.mark.parametrize("kind, header, field", [
    # NextGen Enterprise PM's ERA Import Posting and Payments by Transaction report columns
    ("payments", "Chk Nbr", "payment_id"), ("payments", "Clm Nbr", "claim_id"), ("payments", "Enc Nbr", "claim_id"),
    ("payments", "Pd Amt", "paid"), ("payments", "Pay Amt", "paid"), ("payments", "Allwd Amt", "allowed"),
    ("payments", "Aprv Amt", "allowed"), ("payments", "CoIns Amt", "coinsurance"),
    ("payments", "Reason Cd", "denial_code"),
    ("payments", "Tran Dt", "payment_date"), ("claims", "Bill Amt", "charge"), ("claims", "Pyr ID", "payer_id"),
    ("claims", "Per Nbr", "patient_id"), ("claims", "Chg Amt", "charge"), ("claims", "CPT4", "procedure_code"),
    # remittance viewers and posting reports
    ("payments", "Check/EFT Number", "payment_id"), ("payments", "Check/EFT Date", "payment_date"),
    ("payments", "EFT Trace #", "payment_id"), ("payments", "Payment Reference", "payment_id"),
    ("payments", "Settlement Date", "payment_date"), ("claims", "Svc Dt", "service_date"),
    ("claims", "Account ID", "patient_id"), ("claims", "Rendering Prov", "rendering_npi"),
])
def test_report_abbreviations_of_practice_management_systems_are_recognised(kind, header, field):
    assert field in recognised_fields(kind, header)


@pytest.mark.parametrize("headers, taken", [
    (["Deposit Date", "Post Date", "Check Date"], "Check Date"),
    (["Posting Date", "EFT Date"], "EFT Date"),
    (["Post Date", "Deposit Date"], "Deposit Date"),
    (["Post Date", "Date"], "Post Date"),
])
def test_the_payers_payment_date_is_taken_before_the_offices_deposit_and_posting_dates(headers, taken):
    p = propose("payments", ["Claim #", "Line #", "Check #", "Paid"] + headers)
    assert p.columns["payment_date"] == taken and "payment_date" not in p.ambiguous


def test_two_posting_dates_stay_ambiguous():
    p = propose("payments", ["Claim #", "Post Date", "Tran Dt"])
    assert p.ambiguous["payment_date"] == ["Post Date", "Tran Dt"]


@pytest.mark.parametrize("headers, field, taken", [
    (["Proc", "CPT Code"], "procedure_code", "CPT Code"),
    (["Procedure", "Procedure Code"], "procedure_code", "Procedure Code"),
    (["Procedure"], "procedure_code", "Procedure"),
    (["Charge Date", "DOS"], "service_date", "DOS"),
    (["Charge Date"], "service_date", "Charge Date"),
])
def test_a_named_code_or_date_column_is_taken_before_one_that_may_hold_something_else(headers, field, taken):
    p = propose("claims", ["Claim #"] + headers)
    assert p.columns[field] == taken and field not in p.ambiguous


@pytest.mark.parametrize("headers, claim", [
    (["Patient Account Number", "Paid Amount"], "Patient Account Number"),
    (["Patient Acct #", "Paid Amount"], "Patient Acct #"),
    (["Claim #", "Patient Account Number", "Paid Amount"], "Claim #"),
    (["Patient Control Number", "Patient Account Number"], "Patient Control Number"),
    (["Encounter #", "Patient Account Number"], "Encounter #"),
])
def test_a_payment_files_patient_account_number_is_its_claim_only_when_nothing_else_is(headers, claim):
    """An ERA viewer heads the 835's CLP01 'Patient Account Number'; a claims export's is the patient's."""
    assert propose("payments", headers).columns["claim_id"] == claim
    claims = propose("claims", ["Claim #", "Patient Account Number"])
    assert claims.columns == {"claim_id": "Claim #", "patient_id": "Patient Account Number"}


def test_a_payment_files_cpt_and_date_of_service_are_read_only_without_line_numbers():
    numbered = propose("payments", ["Claim #", "Line #", "CPT", "DOS", "CPT Code", "Paid"])
    assert not {"procedure_code", "service_date"} & (set(numbered.columns) | set(numbered.ambiguous))
    bare = propose("payments", ["Claim #", "CPT", "Mod 1", "Mod 2", "DOS", "Date", "Paid"])
    assert (bare.columns["procedure_code"], bare.columns["modifiers"], bare.columns["service_date"],
            bare.columns["payment_date"]) == ("CPT", ["Mod 1", "Mod 2"], "DOS", "Date")


@pytest.mark.parametrize("headers, field, both", [
    (["Billed", "Fee"], "charge", ["Billed", "Fee"]),                      # OpenEMR: a billed flag, and the fee
    (["Code", "ServiceCode"], "procedure_code", ["Code", "ServiceCode"]),  # eClinicalWorks' claim lines
    (["Procedure", "Code"], "procedure_code", ["Procedure", "Code"]),
    (["encounterId", "invoiceId"], "claim_id", ["encounterId", "invoiceId"]),  # eClinicalWorks' payment detail
])
def test_names_that_mean_different_things_in_different_systems_are_asked_about(headers, field, both):
    p = propose("claims", ["Line #"] + headers)
    assert field not in p.columns and p.ambiguous[field] == both


@pytest.mark.parametrize("kind, headers, field, taken", [
    ("claims", ["Billed"], "charge", "Billed"),
    ("claims", ["Billed", "Billed Amt"], "charge", "Billed Amt"),
    ("claims", ["Code"], "procedure_code", "Code"),
    ("claims", ["Charge Code", "CPT Code"], "procedure_code", "CPT Code"),
    ("claims", ["From", "To", "DOS"], "service_date", "DOS"),
    ("claims", ["From", "To"], "service_date", "From"),
    ("claims", ["Appointment ID", "Visit ID"], "claim_id", "Visit ID"),
    ("payments", ["Appointment ID", "Check #"], "claim_id", "Appointment ID"),
    ("coverage", ["Subscriber ID", "Member ID"], "member_id", "Member ID"),
    ("coverage", ["SubscriberId"], "member_id", "SubscriberId"),
    ("claims", ["RenderingProviderID", "ReferringProviderID"], "rendering_npi", "RenderingProviderID"),
    ("claims", ["Billing Provider", "Provider Name"], "rendering_npi", "Provider Name"),
    ("claims", ["ProcedureModifier2", "ProcedureModifier1"], "modifiers", ["ProcedureModifier1", "ProcedureModifier2"]),
    ("claims", ["Primary Diagnosis", "Dx 2"], "diagnosis_codes", ["Primary Diagnosis", "Dx 2"]),
    ("payments", ["Date of Entry", "Date of Deposit"], "payment_date", "Date of Deposit"),
    ("payments", ["Insurance Payments", "Total Payments", "Patient Payments"], "paid", "Insurance Payments"),
])
def test_names_from_other_systems_exports_and_what_they_give_way_to(kind, headers, field, taken):
    p = propose(kind, headers)
    assert p.columns[field] == taken and field not in p.ambiguous


def test_a_remark_code_is_no_denial_reason():
    """RARCs (N130, M15) only explain a CARC: a 'Remark Code' column is kept as an extra column."""
    p = propose("payments", ["Claim #", "Adj Reason", "Remark Code"])
    assert p.columns["denial_code"] == "Adj Reason" and "denial_code" not in p.ambiguous
    assert "denial_code" not in propose("payments", ["Claim #", "Remark Code"]).columns


def test_numbered_columns_are_joined_in_order_and_tiers_decide():
    p = propose("claims", ["Claim #", "Encounter #", "Mod 2", "Mod 1", "Dx 2", "Dx 1", "Modifier"])
    assert p.columns["claim_id"] == "Claim #"           # tier 1 beats the encounter number
    assert p.columns["modifiers"] == ["Modifier", "Mod 1", "Mod 2"]
    assert p.columns["diagnosis_codes"] == ["Dx 1", "Dx 2"]


def test_two_headers_for_a_required_field_stop_naming_both_and_the_headers_seen():
    p = propose("claims", ["Claim #", "Claim ID", "DOS"])
    with pytest.raises(InputError, match=r"'claim_id' matches 'Claim #' and 'Claim ID'.*"
                                         r"Headers seen: 'Claim #', 'Claim ID', 'DOS'"):
        check_required(p, ["claim_id", "service_date"], "x.csv")


def test_a_header_repeated_over_two_columns_is_not_taken_for_a_field_without_asking(tmp_path):
    from recoup_lib.ingest import import_files

    claims = tmp_path / "c.csv"
    claims.write_text("Claim #,Line #,Patient Acct,Ins Code,Rendering NPI,DOS,Date Billed,CPT,Units,Charge\n"
                      "C1,1,P1,MCR01,1234567893,01/31/2025,2/3/25,99213,1,100.00\n")
    payments = tmp_path / "p.csv"
    payments.write_text("Claim #,Line #,Check #,Payment Date,Amount,Amount\nC1,1,EFT1,02/20/2025,80.00,64.00\n")
    with pytest.raises(InputError, match=r"'paid' matches 'Amount' and 'Amount \(2\)'"):
        import_files(claims, payments=payments)
    settled = import_files(claims, payments=payments, columns={"paid": "Amount (2)"})
    assert settled.tables["payments.csv"]["paid_cents"].tolist() == [6400]
    joined = propose("claims", ["Claim #", "Dx", "Dx (2)", "Mod", "Mod (2)"])
    assert joined.columns["diagnosis_codes"] == ["Dx", "Dx (2)"]
    assert joined.columns["modifiers"] == ["Mod", "Mod (2)"]


@pytest.mark.parametrize("name", ["Modifiers", "CPT Modifiers", "Diagnosis Codes", "ICD-10 Codes", "Dx Codes"])
def test_a_list_header_repeated_over_columns_joins_them_in_order(name):
    p = propose("claims", ["Claim #", name, f"{name} (2)", f"{name} (3)", "Units"])
    field = "modifiers" if "Mod" in name else "diagnosis_codes"
    assert p.columns[field] == [name, f"{name} (2)", f"{name} (3)"]


def test_missing_required_field_says_how_to_name_it():
    p = propose("payments", ["Claim #", "Line #", "Amount Due"])
    with pytest.raises(InputError, match=r"no header for required field 'paid'.*--column paid=HEADER"):
        check_required(p, ["claim_id", "line_no", "paid"], "p.csv")


def test_every_kind_lists_the_contract_fields_and_those_that_find_a_line_without_its_number():
    from recoup_lib.schema import SPECS
    from recoup_lib.ingest import TARGET_FILES
    from recoup_lib.ingest._fields import LINE_FINDERS

    for kind, target in TARGET_FILES.items():
        assert set(FIELD_NAMES[kind]) == {c.name for c in SPECS[target].columns} | set(LINE_FINDERS.get(kind, ()))


def test_the_import_workflow_page_lists_every_recognised_header():
    from pathlib import Path

    page = (Path(__file__).resolve().parents[1] / "docs" / "import-workflow.md").read_text(encoding="utf-8")
    missing = [name for fields in _FIELDS.values() for tiers in fields.values() for tier in tiers
               for name in tier if f"`{name}`" not in page]
    assert not missing, f"docs/import-workflow.md does not list {missing[:5]}"


@pytest.mark.parametrize("headers, taken", [
    (["Patient", "Patient ID"], "Patient ID"),
    (["Patient", "Acct #"], "Acct #"),
    (["PATIENT", "MRN"], "MRN"),
    (["Patient", "Patient #"], "Patient #"),
    (["Patient"], "Patient"),
    (["Patient #"], "Patient #"),
])
def test_a_patient_column_beside_a_patient_id_is_the_name_not_the_id(headers, taken):
    """Exports print the patient's name under "Patient" beside their id: the two used to stop the
    import as ambiguous. "Patient" alone is tried after every other patient header; "Patient #",
    written with its "#", is an id."""
    for kind in ("claims", "coverage"):
        p = propose(kind, ["Claim #"] + headers)
        assert p.columns["patient_id"] == taken and "patient_id" not in p.ambiguous


def test_two_patient_ids_stay_ambiguous_whatever_name_column_is_beside_them():
    p = propose("claims", ["Claim #", "Patient", "Patient #", "Acct #"])
    assert p.ambiguous["patient_id"] == ["Patient #", "Acct #"]


@pytest.mark.parametrize("written, iso", [
    ("Jan 03, 25", "2025-01-03"), ("January 3, 25", "2025-01-03"), ("Sep 30 99", "1999-09-30"),
    ("Dec. 1, 68", "2068-12-01"), ("Fri Jan 03, 25", "2025-01-03"),
])
def test_a_month_name_with_a_two_digit_year_reads_as_the_other_two_digit_years(written, iso):
    """``Jan 03, 25`` was set aside while ``1/3/25`` and ``03-Jan-25`` were read: its year is put in
    its century as theirs are (2000-2068, else 1969-1999)."""
    assert _vals(to_dates([written])) == ([iso], [False])
