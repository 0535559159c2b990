"""Exports of real billing systems, headers as each vendor documents them, read without --column.

Each file in ``tests/data/vendor_exports/`` carries the column names a vendor's public documentation
gives for one report or export file (``SOURCES.md`` there names the page and says which columns were
kept), over a few rows in that system's formats. Most such reports lack some field the contract
requires (a line number above all). A claims export may lack its line numbers and its billed date:
the import numbers each claim's lines in the order listed and takes the service date as the
submitted date, saying so. For any other field it stops naming exactly those fields, and a header
two fields' names fit equally stops it naming both. The same file with the missing fields added
under their contract names, and the ambiguous ones settled as a user would (``--column``), imports
with every documented field taken from the documented header.
"""

from __future__ import annotations

import csv
import re
from dataclasses import dataclass, field
from pathlib import Path

import pytest
from ingest_helpers import import_files, write_lines

from recoup_lib.errors import InputError
from recoup_lib.ingest import TARGET_FILES

DATA = Path(__file__).resolve().parent / "data" / "vendor_exports"
#: Fields a claims export may lack: its lines are numbered in the order listed, its service date is the submitted date.
STAND_INS = ("line_no", "submitted_date")


@dataclass(frozen=True)
class Export:
    """One documented export: which headers hold which field, and what the report lacks.

    ``mapped`` is field -> the documented header (a list for modifiers and diagnosis codes);
    ``missing`` the contract's required fields no documented header holds (a claims export's
    :data:`STAND_INS` among them: the import stops only on the others); ``ambiguous`` field -> the headers
    that fit it equally and the one a user would choose; ``added`` values for the missing fields,
    one per row; ``typed`` output column -> the values the rows must be read as; ``finders`` the
    headers a payment report without line numbers gives its lines' procedure code, modifiers and
    service date by (the import finds each payment's line with them).
    """

    file: str
    kind: str
    mapped: dict
    missing: tuple = ()
    ambiguous: dict = field(default_factory=dict)
    added: dict = field(default_factory=dict)
    typed: dict = field(default_factory=dict)
    finders: dict = field(default_factory=dict)

    @property
    def stops_on(self) -> tuple:
        """The missing fields the import stops on: those it cannot put anything in the place of."""
        return tuple(f for f in self.missing if self.kind != "claims" or f not in STAND_INS)

    @property
    def stood_in(self) -> tuple:
        """The missing fields the import puts something in the place of (numbers in order, the service date)."""
        return tuple(f for f in self.missing if f not in self.stops_on)


EXPORTS = [
    Export("tebra-kareo-getcharges.csv", "claims",
           {"claim_id": "EncounterID", "patient_id": "PatientID", "payer_id": "PrimaryInsuranceCompanyName",
            "rendering_npi": "RenderingProviderID", "service_date": "ServiceStartDate",
            "submitted_date": "PrimaryInsuranceFirstBillDate", "procedure_code": "ProcedureCode",
            "modifiers": ["ProcedureModifier1", "ProcedureModifier2"], "units": "Units", "charge": "TotalCharges"},
           missing=("line_no",), added={"line_no": [1, 2, 1]},
           typed={"charge_cents": [12500, 1500, 8000], "modifiers": ["25", "", "GP;59"],
                  "submitted_date": ["2025-02-03", "2025-02-03", "2025-02-06"]}),
    Export("tebra-encounter-procedures.csv", "claims",
           {"service_date": "From", "procedure_code": "Procedure", "modifiers": ["Mod 1", "Mod 2"],
            "units": "Units", "charge": "Total Charge", "diagnosis_codes": ["Diag 1", "Diag 2"]},
           missing=("claim_id", "line_no", "patient_id", "payer_id", "rendering_npi", "submitted_date"),
           added={"claim_id": ["E1", "E1", "E2"], "line_no": [1, 2, 1], "patient_id": ["P1", "P1", "P2"],
                  "payer_id": ["AETNA"] * 3, "rendering_npi": ["1245319599"] * 3,
                  "submitted_date": ["02/03/2025", "02/03/2025", "02/06/2025"]},
           typed={"charge_cents": [12500, 1500, 8000], "diagnosis_codes": ["E11.9;I10", "E11.9", "M54.50"]}),
    Export("advancedmd-patient-transaction-report-charges.csv", "claims",
           {"claim_id": "Visit Number", "patient_id": "Chart Number", "payer_id": "Transaction Carrier",
            "rendering_npi": "Provider", "service_date": "Date of Service", "procedure_code": "Charge Code",
            "modifiers": ["Modifiers"], "units": "Units", "charge": "Charges",
            "diagnosis_codes": ["Primary Diagnosis"]},
           missing=("line_no", "submitted_date"),
           added={"line_no": [1, 2, 1], "submitted_date": ["02/03/2025", "02/03/2025", "02/17/2025"]},
           typed={"charge_cents": [16500, 1500, 11000], "procedure_code": ["99214", "36415", "99213"]}),
    Export("advancedmd-patient-transaction-report-payments.csv", "payments",
           {"claim_id": "Visit Number", "payment_id": "Check Number", "payment_date": "Date of Deposit",
            "paid": "Insurance Payments"},
           finders={"procedure_code": "Charge Code", "modifiers": ["Modifiers"], "service_date": "Date of Service"},
           typed={"paid_cents": [9368, 7135], "payment_date": ["2025-02-21", "2025-03-07"], "line_no": [1, 1]}),
    Export("ecw-edi-inv-cpt.csv", "claims",
           {"claim_id": "InvoiceId", "rendering_npi": "RendPrNPI", "service_date": "SDOS",
            "modifiers": ["Mod1", "Mod2"], "units": "Units", "charge": "BilledFee",
            "diagnosis_codes": ["ICD1", "ICD2"], "place_of_service": "pos"},
           missing=("line_no", "patient_id", "payer_id", "submitted_date"),
           ambiguous={"procedure_code": (["Code", "ServiceCode"], "Code")},
           added={"line_no": [1, 2, 1], "patient_id": ["P9"] * 3, "payer_id": ["BCBS"] * 3,
                  "submitted_date": ["02/03/2025", "02/03/2025", "02/10/2025"]},
           typed={"charge_cents": [18000, 3500, 11000], "service_date": ["2025-01-31", "2025-01-31", "2025-02-07"],
                  "procedure_code": ["99203", "87880", "99213"], "diagnosis_codes": ["J06.9", "J02.0;J06.9", "I10"]}),
    Export("ecw-edi-paymentdetail.csv", "payments",
           {"payment_id": "paymentId", "allowed": "allowed", "paid": "paid", "deductible": "deduct",
            "coinsurance": "coins"},
           missing=("payment_date",),
           ambiguous={"claim_id": (["encounterId", "invoiceId"], "invoiceId")},
           added={"payment_date": ["02/21/2025", "02/21/2025"]},
           typed={"paid_cents": [8627, 1670], "allowed_cents": [10784, 1670], "coinsurance_cents": [2157, 0]}),
    Export("epic-ehi-svc-ln-info.tsv", "claims",
           {"line_no": "LINE", "service_date": "LN_FROM_DT", "procedure_code": "LN_PROC_CD",
            "modifiers": ["LN_PROC_MOD"], "units": "LN_QTY", "charge": "LN_AMT", "place_of_service": "LN_POS_CD",
            "rendering_npi": "LN_REND_NPI"},
           missing=("claim_id", "patient_id", "payer_id", "submitted_date"),
           added={"claim_id": ["31022451", "31022451", "31022498"], "patient_id": ["Z100"] * 3,
                  "payer_id": ["BCWI0"] * 3, "submitted_date": ["02/03/2025", "02/03/2025", "02/10/2025"]},
           typed={"charge_cents": [21000, 6200, 24550], "modifiers": ["25", "", "RT;59"],
                  "service_date": ["2025-01-31", "2025-01-31", "2025-02-07"]}),
    Export("openemr-billing.csv", "claims",
           {"claim_id": "encounter", "patient_id": "pid", "payer_id": "payer_id", "rendering_npi": "provider_id",
            "service_date": "date", "submitted_date": "bill_date", "procedure_code": "code",
            "modifiers": ["modifier"], "units": "units"},
           missing=("line_no",), ambiguous={"charge": (["billed", "fee"], "fee")},
           added={"line_no": [1, 2, 1]},
           typed={"charge_cents": [12500, 1500, 16500], "submitted_date": ["2025-02-03", "2025-02-03", "2025-02-07"]}),
    Export("openemr-ar-activity.csv", "payments",
           {"claim_id": "encounter", "paid": "pay_amount", "denial_code": "reason_code"},
           missing=("payment_id", "payment_date"), finders={"modifiers": ["modifier"]},
           added={"payment_id": ["88", "88"], "payment_date": ["02/21/2025", "02/21/2025"]},
           typed={"paid_cents": [7840, 0], "denial_code": ["", "CO-45"]}),
    Export("drchrono-payments-insurance.csv", "payments",
           {"claim_id": "appointment_id", "payment_id": "trace_number", "payment_date": "posted_date",
            "allowed": "allowed", "paid": "ins_paid", "denial_code": "adjustment_reason"},
           finders={"service_date": "date_of_service"},
           typed={"paid_cents": [7400, 4648], "payment_date": ["2025-02-24", "2025-03-03"]}),
    Export("drchrono-primary-hospital-insurance.csv", "coverage",
           {"patient_id": "patient_id", "payer_id": "insurance_payer_id", "member_id": "insurance_id_number"},
           missing=("effective_date",), added={"effective_date": ["01/01/2025", "07/01/2024"]},
           typed={"member_id": ["W123456789", "1EG4TE5MK73"]}),
    Export("practice-fusion-superbill-procedures.tsv", "claims",
           {"service_date": "ProcedureStartDate", "procedure_code": "BillingCode", "units": "Quantity",
            "charge": "Amount", "place_of_service": "PlaceOfServiceCode"},
           missing=("claim_id", "line_no", "patient_id", "payer_id", "rendering_npi", "submitted_date"),
           added={"claim_id": ["SB1", "SB1"], "line_no": [1, 2], "patient_id": ["P1", "P1"],
                  "payer_id": ["ANTHEM", "ANTHEM"], "rendering_npi": ["1679576722"] * 2,
                  "submitted_date": ["02/03/2025", "02/03/2025"]},
           typed={"charge_cents": [12500, 2800], "service_date": ["2025-01-31", "2025-01-31"]}),
    Export("practice-fusion-patient-insurances.tsv", "coverage",
           {"payer_id": "PayerName", "member_id": "MemberId", "effective_date": "EffectiveFromDate",
            "termination_date": "EffectiveToDate"},
           missing=("patient_id",), added={"patient_id": ["P1", "P2"]},
           typed={"member_id": ["XJH412908771", "XJH412908774"]}),
    Export("webpt-charges-report.csv", "claims",
           {"patient_id": "Acct", "payer_id": "Primary Insurance", "rendering_npi": "Provider",
            "service_date": "Date of Service", "procedure_code": "CPT", "units": "Units", "charge": "Amount",
            "diagnosis_codes": ["Dx1", "Dx2", "Dx3", "Dx4"]},
           missing=("claim_id", "line_no", "submitted_date"),
           added={"claim_id": ["V1", "V1", "V2"], "line_no": [1, 2, 1],
                  "submitted_date": ["02/04/2025", "02/04/2025", "02/07/2025"]},
           typed={"charge_cents": [9000, 4800, 15000], "diagnosis_codes": ["M54.50;M62.81", "M54.50", "S83.241A"]}),
    Export("office-ally-applied-payments-detail.csv", "payments",
           {"payment_id": "Payment ID", "payment_date": "Payment Date", "paid": "Applied Payments"},
           missing=("claim_id",), added={"claim_id": ["OA1", "OA1"]},
           finders={"procedure_code": "CPT", "service_date": "Date of Service"},
           typed={"paid_cents": [6812, 1250], "line_no": [1, 2]}),
    # OverrideChargeAmount is 0.00 where no override was made: asked about, the charge added as a column.
    Export("touchworks-charge.csv", "claims",
           {"units": "UnitsToBillFor"},
           missing=("line_no", "patient_id", "payer_id", "rendering_npi", "service_date", "submitted_date",
                    "procedure_code"),
           ambiguous={"claim_id": (["VisitID", "EncounterID"], "EncounterID"),
                      "charge": (["OverrideChargeAmount"], "charge")},
           added={"line_no": [1, 2, 1], "patient_id": ["TW77"] * 3, "payer_id": ["HUMANA"] * 3,
                  "rendering_npi": ["1861492379"] * 3, "service_date": ["01/31/2025", "01/31/2025", "02/05/2025"],
                  "submitted_date": ["02/03/2025", "02/03/2025", "02/07/2025"],
                  "procedure_code": ["99213", "36415", "99212"], "charge": ["125.00", "15.00", "60.00"]},
           typed={"claim_id": ["88412", "88412", "88460"], "charge_cents": [12500, 1500, 6000]}),
    Export("allegiancemd-transactions.csv", "claims",
           {"line_no": "lineOrder", "service_date": "fromDate", "procedure_code": "cpt", "modifiers": ["mod"],
            "units": "unit", "diagnosis_codes": ["diag1", "diag2", "diag3", "diag4"], "place_of_service": "pos"},
           missing=("claim_id", "patient_id", "payer_id", "rendering_npi", "submitted_date"),
           ambiguous={"charge": (["amount", "total"], "total")},
           added={"claim_id": ["AM1", "AM1", "AM2"], "patient_id": ["P31"] * 3, "payer_id": ["CIGNA"] * 3,
                  "rendering_npi": ["1538149036"] * 3, "submitted_date": ["02/03/2025", "02/03/2025", "02/06/2025"]},
           typed={"charge_cents": [12500, 1500, 16000], "diagnosis_codes": ["E11.9;I10", "E11.9", "M54.50"],
                  "line_no": ["1", "2", "1"], "modifiers": ["25", "", "GP"]}),
    Export("collaboratemd-claim-data.csv", "claims",
           {"claim_id": "Claim ID", "patient_id": "Patient ID", "rendering_npi": "Rendering Provider ID"},
           missing=("line_no", "payer_id", "service_date", "submitted_date", "procedure_code", "units", "charge"),
           added={"line_no": [1, 1], "payer_id": ["MCR", "MCR"], "service_date": ["01/31/2025", "02/03/2025"],
                  "submitted_date": ["02/04/2025", "02/05/2025"], "procedure_code": ["99213", "99214"],
                  "units": [1, 1], "charge": ["125.00", "165.00"]},
           typed={"rendering_npi": ["1417", "1417"]}),
]


def _read(export: Export) -> tuple[list[str], list[list[str]], str]:
    text = (DATA / export.file).read_text(encoding="utf-8")
    sep = "\t" if export.file.endswith(".tsv") else ","
    rows = list(csv.reader(text.splitlines(), delimiter=sep))
    return rows[0], rows[1:], sep


def _with_missing_fields(export: Export, out: Path) -> Path:
    """The export with its missing fields added under their contract names, as a user would add them."""
    header, rows, sep = _read(export)
    extra = list(export.added)
    with open(out, "w", newline="", encoding="utf-8") as f:
        writer = csv.writer(f, delimiter=sep)
        writer.writerow(header + extra)
        for i, row in enumerate(rows):
            writer.writerow(row + [export.added[name][i] for name in extra])
    return out


def _claims_file(out: Path, lines) -> Path:
    """Contract-form claim lines: (claim_id, line_no, procedure code, modifiers, service date) each."""
    rows = ["claim_id,line_no,patient_id,payer_id,rendering_npi,service_date,submitted_date,procedure_code,"
            "modifiers,units,charge"]
    rows += [f"{c},{n},P1,PAYER,1234567893,{dos},03/31/2025,{code},{mods},1,100.00" for c, n, code, mods, dos in lines]
    return write_lines(out, rows)


def _claims_paid_by(export: Export, payments: Path, out: Path) -> Path:
    """One claim line for every claim, procedure code, modifiers and service date a payment file names,
    so that each payment has exactly one line to be put on (the import finds it by those values)."""
    with open(payments, newline="", encoding="utf-8") as f:
        rows = list(csv.DictReader(f, delimiter="\t" if export.file.endswith(".tsv") else ","))
    named = {**export.mapped, **export.finders, **{f: choice for f, (_, choice) in export.ambiguous.items()}}
    named.update({f: f for f in export.added})
    by_claim: dict[str, list] = {}
    for row in rows:
        mods = named.get("modifiers")
        values = (row.get(named.get("procedure_code"), "") or "99213",
                  ";".join(row[m] for m in ([mods] if isinstance(mods, str) else mods or []) if row[m]),
                  row.get(named.get("service_date"), "") or "01/31/2025")
        if values not in by_claim.setdefault(row[named["claim_id"]], []):
            by_claim[row[named["claim_id"]]].append(values)
    return _claims_file(out, [(c, n, *v) for c, lines in by_claim.items() for n, v in enumerate(lines, 1)])


def _import(export: Export, path: Path, tmp_path: Path, columns=None):
    if export.kind == "claims":
        return import_files(path, columns=columns)
    if export.kind == "payments":
        claims = _claims_paid_by(export, _with_missing_fields(export, tmp_path / "paid.csv"), tmp_path / "claims.csv")
    else:
        claims = _claims_file(tmp_path / "claims.csv", [("C1", 1, "99213", "", "01/31/2025")])
    return import_files(claims, columns=columns, **{export.kind: path})


@pytest.mark.parametrize("export", EXPORTS, ids=lambda e: e.file)
def test_the_documented_headers_alone_stop_only_on_what_the_report_lacks_or_leaves_open(export, tmp_path):
    """Without --column the import names exactly the fields the report lacks (bar a claims export's
    line numbers and billed date) and the ones two of its headers fit equally (with both headers):
    no documented header is taken for the wrong field. A report that lacks nothing else imports as
    it is."""
    if not export.stops_on and not export.ambiguous:
        _check_read(export, _import(export, DATA / export.file, tmp_path), added=False)
        return
    with pytest.raises(InputError) as stop:
        _import(export, DATA / export.file, tmp_path)
    message = str(stop.value)
    assert export.file in message
    named_missing = set(re.findall(r"no header for required field '(\w+)'", message))
    assert named_missing == set(export.stops_on)
    for field_name in export.stops_on:  # a report that has no such column at all is told how to add one
        assert f"--column {field_name}=HEADER, or, if the export has no such column, add one headed " \
               f"{field_name} and fill it in" in message
    named_ambiguous = dict(re.findall(r"field '(\w+)' matches ('[^;]+?); settle", message))
    assert set(named_ambiguous) == set(export.ambiguous)
    for field_name, (headers, _) in export.ambiguous.items():
        assert named_ambiguous[field_name] == " and ".join(repr(h) for h in headers)


@pytest.mark.parametrize("export", EXPORTS, ids=lambda e: e.file)
def test_with_the_missing_fields_added_every_documented_header_is_read_for_its_field(export, tmp_path):
    path = _with_missing_fields(export, tmp_path / f"filled-{export.file}")
    chosen = {f: choice for f, (_, choice) in export.ambiguous.items()}
    _check_read(export, _import(export, path, tmp_path, columns=chosen or None))


@pytest.mark.parametrize("export", [e for e in EXPORTS if e.stood_in and not e.stops_on], ids=lambda e: e.file)
def test_a_claims_export_lacking_only_line_numbers_or_a_billed_date_imports_with_nothing_added(export, tmp_path):
    """Tebra's charges (no line number), AdvancedMD's transaction report (no line number, no billed date)
    and OpenEMR's billing table (no line number; its charge settled between ``billed`` and ``fee``)
    stopped on "no header for required field 'line_no'": a billing office's charge export now imports
    as it is, each claim's lines numbered in the order listed and the service date standing for the
    billed one, and the summary says so."""
    chosen = {f: choice for f, (_, choice) in export.ambiguous.items()}
    _check_read(export, _import(export, DATA / export.file, tmp_path, columns=chosen or None), added=False)


def _check_read(export: Export, result, added: bool = True) -> None:
    """Every documented field read from its documented header, every row used, the values as expected;
    the missing fields read from the columns added under their names (``added``), or, when none was,
    the lines numbered in order and the service date taken as the submitted date, with a note each."""
    source = next(s for s in result.sources if s.kind == export.kind)
    for field_name, header in {**export.mapped, **export.finders}.items():
        taken = source.columns[field_name]
        assert ([taken] if isinstance(header, list) and isinstance(taken, str) else taken) == header, field_name
    for field_name in export.missing if added else ():
        assert source.columns[field_name] == field_name
    if not added:
        _check_stood_in(export, result, source)
    for field_name, (_, choice) in export.ambiguous.items():
        assert source.columns[field_name] == choice
    table = result.tables[TARGET_FILES[export.kind]]
    assert source.rows_set_aside == 0 and len(table) == len(_read(export)[1])
    for column, values in export.typed.items():
        got = table[column]
        got = got.dt.strftime("%Y-%m-%d").fillna("") if hasattr(got, "dt") else got.fillna("").astype(str)
        assert got.tolist() == [str(v) for v in values], column


def _check_stood_in(export: Export, result, source) -> None:
    """The fields a claims export lacks put in place: its lines numbered as a user would number them
    (``added``), the submitted date the service date; a note each in the summary."""
    lines = result.tables["claim_lines.csv"]
    assert set(export.stood_in) <= {"line_no", "submitted_date"} and not set(export.stood_in) & set(source.columns)
    if "line_no" in export.stood_in:
        assert lines["line_no"].tolist() == export.added["line_no"]
        assert any(n.startswith("line_no: no column; each claim's lines numbered in the order") for n in source.notes)
    if "submitted_date" in export.stood_in:
        assert lines["submitted_date"].tolist() == lines["service_date"].tolist()
        assert any(n.startswith("submitted_date: no column; each line's service date") for n in source.notes)
    summary = result.summary()
    assert all(n in summary for n in source.notes)


def test_provider_names_taken_as_rendering_npi_are_said_in_the_notes(tmp_path):
    """AdvancedMD's transaction report heads the provider's name 'Provider' ("WELBY, MARCUS"): it was
    taken as rendering_npi with no word that it is no NPI. It is still imported (the audit uses it as
    the provider's identity), and the notes and the summary say so."""
    result = import_files(DATA / "advancedmd-patient-transaction-report-charges.csv")
    source = next(s for s in result.sources if s.kind == "claims")
    assert result.tables["claim_lines.csv"]["rendering_npi"].tolist() == ["WELBY, MARCUS"] * 3
    note = ("rendering_npi: 3 values of 'Provider' are not NPIs (10 digits): e.g. 'WELBY, MARCUS'; they are used "
            "as the provider's name-as-identifier")
    assert note in source.notes and note in result.summary()


@pytest.mark.parametrize("money", ["Total", "Override Charge Amount"])
def test_a_lone_total_or_override_charge_is_asked_about_not_taken_as_each_lines_charge(tmp_path, money):
    """An export whose only money column is 'Total' (often the whole claim's total) had it read as each line's
    charge without a word, and TouchWorks' OverrideChargeAmount (0 on a charge not overridden) was a first
    choice: alone, each is asked about, and taken when the user names it."""
    path = write_lines(tmp_path / "claims.csv", [
        f"Claim ID,Line No,Patient ID,Payer ID,Rendering NPI,DOS,Submitted Date,CPT,Units,{money}",
        "C1,1,P1,AETNA,1234567893,01/31/2025,02/03/2025,99213,1,125.00"])
    with pytest.raises(InputError, match=rf"field 'charge' matches '{money}'; settle it with --column "
                                         r"charge=HEADER \(.+: taken only when you say so"):
        import_files(path)
    lines = import_files(path, columns={"charge": money}).tables["claim_lines.csv"]
    assert lines["charge_cents"].tolist() == [12500]


def test_a_standard_charge_is_taken_before_an_override_charge_beside_it(tmp_path):
    path = write_lines(tmp_path / "claims.csv", [
        "Claim ID,Line No,Patient ID,Payer ID,Rendering NPI,DOS,Submitted Date,CPT,Units,Charge,OverrideChargeAmount",
        "C1,1,P1,AETNA,1234567893,01/31/2025,02/03/2025,99213,1,125.00,0.00"])
    result = import_files(path)
    assert next(s for s in result.sources if s.kind == "claims").columns["charge"] == "Charge"
    assert result.tables["claim_lines.csv"]["charge_cents"].tolist() == [12500]
