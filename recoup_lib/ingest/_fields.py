"""Which header of a user's export holds which contract field.

Billing systems name their columns in many ways (``Claim #``, ``DOS``,
``CPT/HCPCS``, ``Paid Amt``). Each contract field of the four files a user
brings (claims, payments, coverage, documentation) has here the names such
exports use, in tiers: the first tier that matches any header of a file
decides, so a file with both ``Claim #`` and ``Encounter #`` maps claim_id to
``Claim #`` without asking; two matches in the deciding tier are ambiguous and
stop the import, naming both. Headers are compared with case, spaces and
punctuation ignored (``Paid Amt.`` = ``paid_amt`` = ``PAIDAMT``).

Numbered columns (``Mod 1`` .. ``Mod 4``, ``Dx 1`` .. ``Dx 12``) are joined
into the contract's ``;``-separated modifiers and diagnosis_codes, in their
numbered order; so are the columns under one such header written over several
of them (``Modifiers`` twice, or merged across two cells).

The names were gathered from the contract's list and from public descriptions
of practice-management exports and report layouts (OfficeEMR's payments
export, WebPT's charges report, CollaborateMD's charge fields, Healthie's
CMS-1500 line fields, OpenEMR's billing table, Kareo's encounter schema,
NextGen's ERA posting and payment report columns) and from the export files
and reports other systems document (Tebra/Kareo, AdvancedMD, eClinicalWorks,
Epic, OpenEMR, DrChrono, Practice Fusion, Office Ally: an export of each is
imported in ``tests/test_ingest_vendor_exports.py``); ``docs/import-workflow.md``
lists them.

A later tier holds the names that may mean something else when a better one
is there: a posting report's ``Post Date`` is the office's, its ``Check Date``
the payer's payment date; a ``Procedure`` column may hold the practice's own
code or the description, where ``CPT Code`` cannot. In a payment file, an ERA
viewer's ``Patient Account Number`` (the 835's CLP01) is the claim number when
no claim header is there (in a claims export it is the patient's account).
Names that mean different things in different systems share a tier, so that
a file with two of them is asked about: ``Billed`` (an amount, or OpenEMR's
billed flag) beside ``Fee``; a bare ``Code`` beside ``Service Code``.

A payment report without line numbers is mapped with the procedure code,
modifiers and service date of each row (:data:`LINE_FINDERS`), with which
the import finds the claim line paid; a report with line numbers does not
need them, so they are kept there as extra columns, as read (those settled
by ``--column`` or ``--map`` are kept mapped, to place the rows whose line
number is blank). A documentation export listing notes per visit (claim or
encounter, date of service, maybe the CPT code) is mapped with the same
three, with which each note finds the lines it documents.
"""

from __future__ import annotations

import dataclasses
import re
from dataclasses import dataclass

import pandas as pd

from ..errors import InputError
from ..schema import npi_shapes

__all__ = ["headers_of", "KINDS", "TARGET_FILES", "FIELD_NAMES", "LIST_FIELDS", "GROUP_FIELDS", "LINE_FINDERS",
           "normalise_header", "propose", "Proposal", "fields_of", "account_as_claim_note", "yielded_notes",
           "prefer_npi_values"]

#: The four kinds of file a user brings, and the audit-folder file each becomes.
TARGET_FILES = {"claims": "claim_lines.csv", "payments": "payments.csv",
                "coverage": "coverage.csv", "documentation": "documentation.csv"}
KINDS = tuple(TARGET_FILES)

#: Fields whose values may come from several numbered columns, joined with ``;``.
LIST_FIELDS = {"modifiers": 4, "diagnosis_codes": 12}
#: Fields a grouped report may print on a group's first row only: the ones ``--fill-down`` fills.
GROUP_FIELDS = ("claim_id", "patient_id", "payer_id", "rendering_npi", "service_date", "submitted_date",
                "payment_id", "payment_date")

_CLAIM_ID = [["Claim ID", "Claim #", "Claim No", "Claim Number", "Claim", "ClaimID", "Claim Num",
              "Claim Nbr", "Clm Nbr", "Clm #", "Clm No", "Clm ID", "Patient Control Number",
              "Patient Control #", "PCN", "Claim Ref"],
             ["Encounter", "Encounter ID", "Encounter #", "Encounter Number", "Enc ID", "Enc #",
              "Enc Nbr", "Enc No", "Visit ID", "Visit #",
              "Visit Number", "Ticket #", "Ticket Number", "Invoice #", "Invoice Number", "Invoice ID",
              "Bill ID", "Charge Ticket"],
             ["Appointment ID"]]
_LINE_NO = [["Line No", "Line #", "Line", "Line Number", "Ln", "Ln #", "Line Seq", "Svc Line",
             "Service Line", "Charge Line", "Line Item", "Claim Line"],
            ["Seq", "Sequence", "Item", "Item #", "Line Order"]]
_PATIENT = [["Patient ID", "Patient Acct", "Patient Account", "Patient Account #",
             "Patient Account Number", "Patient #", "Patient Number", "Pt ID", "Pt Acct", "Pt #",
             "Acct", "Acct #", "Acct Nbr", "Account", "Account #", "Account ID", "Account Number",
             "Account No", "MRN", "Chart #", "Chart Number", "Chart", "PID", "Person Number",
             "Person Nbr", "Per Nbr", "Patient"]]
_PAYER = [["Payer ID", "Payer Code", "Payor ID", "Payor Code", "Insurance ID", "Insurance Code",
           "Ins Code", "Ins ID", "Carrier Code", "Carrier ID", "Plan ID", "Plan Code", "Payer Number",
           "Pyr ID", "Insurance Payer ID"],
          ["Payer", "Payor", "Insurance", "Carrier", "Plan", "Primary Insurance", "Primary Payer",
           "Primary Ins", "Ins Plan", "Insurance Plan", "Payer Name", "Insurance Name", "Ins",
           "Insurance Company", "Insurance Company Name", "Primary Insurance Company Name",
           "Transaction Carrier"]]

_SERVICE_DATE = [["Service Date", "DOS", "Date of Service", "Svc Date", "Svc Dt", "Srv Date", "Service Dt",
                  "DOS From", "From DOS", "Begin DOS", "Service From", "Service From Date", "From Date",
                  "Date From", "DateOfService", "Visit Date", "Encounter Date", "Service Start Date",
                  "Procedure Start Date", "SDOS", "LN_FROM_DT"]]
_PROCEDURE = [["Procedure Code", "CPT", "CPT Code", "CPT/HCPCS", "CPT HCPCS", "HCPCS", "HCPCS Code", "Proc Code",
               "CPT-4", "CPT4", "Px Code", "CPT/HCPCS Code", "LN_PROC_CD"],
              ["Proc", "Procedure", "Service Code", "Billing Code", "Charge Code"]]
_MODIFIERS = [["Modifiers", "Modifier", "Mod", "Mods", "Modifier(s)", "CPT Modifier", "CPT Modifiers",
               "LN_PROC_MOD"]]
#: What an ERA viewer heads the 835's CLP01 (the patient control number the 837 sent, the practice's
#: claim number) with: a payment file's claim_id when it names the claim no other way. In a claims
#: export the same names are the patient's account.
_ACCOUNT_AS_CLAIM = ["Patient Account Number", "Patient Account #", "Patient Account No", "Patient Acct #",
                     "Patient Acct No", "Patient Acct Number", "Pt Acct #", "Pat Acct #", "Pat Acct No"]

#: What a posting report or ERA viewer heads an adjustment's group and reason code together with
#: (``CO-45``, ``PR-2``: the 835's CAS01 and CAS02), as NextGen's ERA posting report writes ``CAGC/CARC``
#: beside its ``Reason Cd``: the whole code, so taken before a column of the reason alone. A remark
#: code column (``Remark Codes``, ``RARC``: N362, M15) says more about a reason and is no reason code.
_GROUP_REASON = [["CAGC/CARC", "Group/Reason", "Group/Reason Code", "Group Code/Reason Code", "Adj Group/Reason",
                  "Adjustment Group/Reason", "Adj Group/Reason Code", "Adj Grp/Rsn", "Grp/Rsn"]]

#: Names a field's header may have that often hold another amount, so the import asks even when no other
#: header fits the field: a ``Total`` is often the whole claim's total, and TouchWorks' ``OverrideChargeAmount``
#: (Works.dbo.Charge) overrides the standard charge, which that table does not hold: its data dictionary sets
#: ``IsChargeOverrideFLAG`` to Y "if charge amount > 0", so it is 0 on a charge not overridden.
_ASKED_ALONE = {"charge": {"total": "it may be the whole claim's total",
                           "overridechargeamount": "an override of the standard charge, 0 where none was made"}}

_FIELDS: dict[str, dict[str, list[list[str]]]] = {
    "claims": {
        "claim_id": _CLAIM_ID,
        "line_no": _LINE_NO,
        "patient_id": _PATIENT,
        "payer_id": _PAYER,
        "rendering_npi": [["Rendering NPI", "Rendering Provider NPI", "Rendering Prov NPI",
                           "Provider NPI", "Rend NPI", "Servicing NPI", "Servicing Provider NPI",
                           "Performing NPI", "Performing Provider NPI", "Physician NPI", "Doctor NPI",
                           "NPI", "Rendering ID", "Rendering Provider ID", "RendPrNPI", "LN_REND_NPI"],
                          ["Rendering", "Rendering Provider", "Rendering Prov", "Servicing Provider",
                           "Provider", "Physician", "Doctor", "Performing Provider", "Provider Name",
                           "Provider ID"]],
        "service_date": _SERVICE_DATE + [["Charge Date", "From", "Date"]],
        "submitted_date": [["Submitted Date", "Submit Date", "Date Submitted", "Submission Date",
                            "Billed Date", "Bill Date", "Date Billed", "First Billed",
                            "First Bill Date", "Claim Date", "Claim Sent", "Sent Date", "Date Sent",
                            "Filed Date", "Date Filed", "Transmit Date", "Transmitted",
                            "Primary Insurance First Bill Date"]],
        "procedure_code": [_PROCEDURE[0], _PROCEDURE[1] + ["Code"]],
        "modifiers": _MODIFIERS,
        "units": [["Units", "Qty", "Quantity", "Unit", "Svc Units", "Service Units", "Days/Units",
                   "Days or Units", "Units of Service", "UOS", "Billed Units", "Units To Bill For", "LN_QTY"]],
        "charge": [["Charge", "Charges", "Charge Amount", "Charge Amt", "Chg Amt",
                    "Billed Amt", "Bill Amt", "Billed Amount", "Amount Billed", "Total Charge",
                    "Total Charges", "Line Charge", "Gross Charge", "Submitted Charge", "Charge $",
                    "Billed Fee", "LN_AMT"],
                   # A line's Amount beside its Total may be the fee of one unit: the user says which. A Total
                   # or an Override Charge Amount is asked about even alone (_ASKED_ALONE).
                   ["Amount", "Fee", "Amt", "Billed", "Total", "Override Charge Amount"]],
        "diagnosis_codes": [["Diagnosis Codes", "Diagnosis Code", "Diagnosis", "Diagnoses", "Dx",
                             "Dx Codes", "Dx Code", "ICD-10", "ICD10", "ICD Codes", "ICD-10 Codes",
                             "ICD Code", "ICD", "Diag", "Diag Codes"],
                            ["Primary Diagnosis"]],
        "place_of_service": [["POS", "Place of Service", "POS Code", "Place of Svc", "Place Of Service Code",
                              "LN_POS_CD"]],
    },
    "payments": {
        "claim_id": _CLAIM_ID + [_ACCOUNT_AS_CLAIM],
        "line_no": _LINE_NO,
        "payment_id": [["Payment ID", "Payment No", "Payment Number", "Pmt ID",
                        "Pmt #", "Transaction ID", "Remit ID"],
                       ["Check #", "Check/EFT #", "Check/EFT", "Check/EFT Number", "Check/EFT No",
                        "Check No", "Check Number", "Check Nbr", "Chk #", "Chk Nbr", "Check",
                        "EFT #", "EFT Number", "EFT", "EFT Trace", "EFT Trace #", "EFT Trace Number",
                        "Trace #", "Trace Number", "Check/Trace", "Check/Trace #", "Ref ID",
                        "Reference #", "Payment Reference", "Deposit #", "ERA #", "ICN"]],
        "payment_date": [["Payment Date", "Pmt Date", "Paid Date", "Date Paid", "Check Date",
                          "EFT Date", "Check/EFT Date", "Remit Date", "Settlement Date"],
                         ["Deposit Date", "Dep Date", "Adjudication Date", "Date of Deposit"],
                         ["Posting Date", "Post Date", "Posted Date", "Date Posted", "Posted",
                          "Trx Date", "Transaction Date", "Tran Dt", "Process Date", "Date of Entry"],
                         ["Date"]],
        "allowed": [["Allowed", "Allowed Amt", "Allowed Amount", "Allowable", "Amt Allowed",
                     "Amount Allowed", "Allowed $", "Allwd Amt", "Approved Amount", "Approved Amt",
                     "Aprv Amt", "Approved", "Contracted Amount", "Contract Amount"]],
        "paid": [["Paid", "Paid Amt", "Paid Amount", "Amount Paid", "Payment", "Payment Amount",
                  "Payment Amt", "Pmt Amt", "Pmt Amount", "Pay Amt", "Pd Amt", "Ins Paid",
                  "Insurance Paid", "Insurance Payment", "Ins Pmt", "Payer Paid", "Plan Paid", "Net Paid",
                  "Paid $", "Insurance Payments", "Pay Amount"],
                 ["Amount", "Amt", "Applied Payments", "Applied Amount"]],
        "deductible": [["Deductible", "Ded", "Deductible Amt", "Deductible Amount", "Ded Amt", "Deduct"]],
        "coinsurance": [["Coinsurance", "Coins", "Co-ins", "Coinsurance Amt", "Coinsurance Amount",
                         "Co-insurance", "Coins Amt"]],
        "copay": [["Copay", "Co-pay", "Copay Amt", "Copay Amount", "Copayment"]],
        "denial_code": _GROUP_REASON + [["Denial Code", "Denial Reason", "Reason Code", "Reason Cd", "CARC",
                                         "Adj Reason", "Adjustment Reason", "Adj Code", "Denial",
                                         "Denial Reason Code", "Denial Codes", "Adjustment Code", "Adjustment Codes",
                                         "Adj Reason Code", "Adjustment Reason Code", "Claim Adjustment Reason Code"]],
        # Read only from a report without line numbers, to find the line each payment paid.
        "procedure_code": _PROCEDURE,
        "modifiers": _MODIFIERS,
        "service_date": _SERVICE_DATE,
    },
    "coverage": {
        "patient_id": _PATIENT,
        "payer_id": _PAYER,
        "member_id": [["Member ID", "Member #", "Member Number", "Member No", "Policy #", "Policy Number",
                       "Policy ID", "Policy No", "Insured ID", "Insured's ID", "ID Number", "MBI", "HICN",
                       "Medicaid ID", "Medicare ID", "Insurance ID Number"],
                      ["Subscriber ID", "Subscriber #", "Subscriber Number"]],
        "effective_date": [["Eff Date", "Effective Date", "Effective", "Eff", "Eff Dt",
                            "Coverage Start", "Coverage Start Date", "Coverage From", "Start Date",
                            "Begin Date", "Policy Start", "Policy Start Date", "Plan Start",
                            "Eligibility Start", "From", "Effective From Date", "Plan Effective Date"]],
        "termination_date": [["Term Date", "Termination Date", "Term", "Term Dt", "End Date",
                              "Coverage End", "Coverage End Date", "Coverage To", "Expiration Date",
                              "Exp Date", "Policy End", "Policy End Date", "Plan End",
                              "Eligibility End", "Thru", "Through", "To", "Effective To Date",
                              "Plan Expiration Date"]],
    },
    "documentation": {
        "claim_id": _CLAIM_ID,
        "line_no": _LINE_NO,
        "note_present": [["Note Present", "Note", "Has Note", "Note on File", "Note On File",
                          "Documented", "Documentation", "Documentation Present", "Record Present",
                          "Chart Note", "Doc Present", "Notes", "Progress Note", "Note Y/N", "Note Exists",
                          "Has Documentation"]],
        "signed": [["Signed", "Signature", "Note Signed", "Signed Y/N", "Signature Present",
                    "Provider Signed", "Signed Note", "Sig", "Authenticated", "Note Signed Y/N", "Signed Off",
                    "Is Signed"]],
        "documented_code": [["Documented Code", "Supported Code", "Code Supported",
                             "Code Documented", "Documented CPT", "Audited Code", "Audit Code",
                             "Correct Code", "Coded As", "Note Supports", "Supported CPT"]],
        # Read only from an export without line numbers, to find the lines each note documents.
        "procedure_code": _PROCEDURE,
        "modifiers": _MODIFIERS,
        "service_date": _SERVICE_DATE,
    },
}

#: Fields a kind of file gives only to find the line a row belongs to when it has no line number
#: (a payment report posting per claim line without numbering the lines, a documentation export
#: listing notes per visit): proposed only then.
_FINDING_FIELDS = ("procedure_code", "modifiers", "service_date")
LINE_FINDERS = {"payments": _FINDING_FIELDS, "documentation": _FINDING_FIELDS}

#: Numbered headers: ``Mod 2`` -> ("modifiers", 2); ``Dx 11`` -> ("diagnosis_codes", 11).
_NUMBERED = {
    "modifiers": re.compile(r"^(?:mod|modifier|mods|cptmod|cptmodifier|procmod|procmodifier|proceduremodifier|m)"
                            r"(\d)$"),
    "diagnosis_codes": re.compile(r"^(?:dx|diag|diagnosis|diagnosiscode|dxcode|icd|icd10|icdcode|"
                                  r"icd10code|icd10cm|diagcode)(\d{1,2})$"),
}

#: Every contract field of every kind, for messages and the widget's dropdowns.
FIELD_NAMES = {kind: tuple(fields) for kind, fields in _FIELDS.items()}


def normalise_header(text: str) -> str:
    """``"Paid Amt."`` -> ``"paidamt"``: case, spaces and punctuation ignored (``#`` too)."""
    return re.sub(r"[^0-9a-z]", "", str(text).lower())


_INDEX = {kind: {field: [{normalise_header(n) for n in tier} for tier in tiers]
                 for field, tiers in fields.items()}
          for kind, fields in _FIELDS.items()}
#: kind -> normalised name -> the fields (any tier) that name stands for.
_FIELDS_OF_NAME: dict[str, dict[str, frozenset]] = {
    kind: {norm: frozenset(f for f, tiers in index.items() if any(norm in tier for tier in tiers))
           for norm in set().union(*(tier for tiers in index.values() for tier in tiers))}
    for kind, index in _INDEX.items()}


def fields_of(kind: str) -> tuple[str, ...]:
    """The contract fields a file of ``kind`` can supply."""
    return FIELD_NAMES[kind]


@dataclass
class Proposal:
    """A proposed mapping for one file: field -> header (list fields: -> list of headers).

    ``ambiguous`` holds, per field, the headers that matched equally well;
    ``sources`` says for each field whether it came from ``recognised``
    names, ``--map`` or ``--column``; ``raw`` keeps the file as read, when
    a preview wants to map it again without reading it again. ``finders``
    holds the fields that find a payment's or a note's line (:data:`LINE_FINDERS`) as an
    export without line numbers maps them, kept for the rows of an export with
    them whose number is blank; ``yielded``, per such field settled to a header
    another field of the file takes, (its headers as settled, where it was
    settled, that header, the other field): see :func:`yielded_notes`.
    ``notes`` says how a tie was broken by the values (:func:`prefer_npi_values`).
    """

    kind: str
    headers: list[str]
    columns: dict[str, str | list[str]]
    ambiguous: dict[str, list[str]]
    sources: dict[str, str]
    raw: object = None
    finders: dict[str, str | list[str]] = dataclasses.field(default_factory=dict)
    yielded: dict[str, tuple[list[str], str, str, str]] = dataclasses.field(default_factory=dict)
    notes: list[str] = dataclasses.field(default_factory=list)

    def used_headers(self) -> set[str]:
        used: set[str] = set()
        for value in self.columns.values():
            used.update([value] if isinstance(value, str) else value)
        return used


def _numbered(norm: str):
    for field, pattern in _NUMBERED.items():
        m = pattern.match(norm)
        if m and 1 <= int(m.group(1)) <= LIST_FIELDS[field]:
            return field, int(m.group(1))
    return None


def recognised_fields(kind: str, header: str) -> set[str]:
    """Fields of ``kind`` whose names (any tier) include ``header``."""
    norm = normalise_header(header)
    hits = set(_FIELDS_OF_NAME[kind].get(norm, ()))
    numbered = _numbered(norm)
    if numbered:
        hits.add(numbered[0])
    return hits


def _repeated_name(header: str, headers: list[str]) -> str:
    """The name a repeated header was read under: ``Amount (2)`` -> ``Amount`` when the file also has
    ``Amount`` (as :func:`._tables.read_export` names a header met twice); else the header itself.

    Two columns under one name fit a field equally, so neither may be taken for it without asking:
    a payment report with ``Amount`` twice (allowed, then paid) would otherwise have its first
    ``Amount`` read as paid. A list field joins them in order (``Modifiers``, ``Modifiers (2)``: one
    header over two modifier columns, or a header cell merged across them).
    """
    found = re.fullmatch(r"(.+) \((\d+)\)", header)
    return found.group(1) if found and found.group(1) in headers else header


def _deciding_hits(field: str, kind: str, headers: list[str], matched: list[str], taken: set, held: set) -> list[str]:
    """The headers not ``taken`` that match the first of ``field``'s tiers any of them matches (normalised
    as ``matched``): one is the field's, several are ambiguous. A header a settled line-finding field
    holds (``held``) is taken only as the one header of its tier (:func:`propose`)."""
    demoted = {h for h, n in zip(headers, matched) if n in _BARE_LAST.get(field, ()) and "#" not in h}
    for tier in (*_INDEX[kind][field], None):
        if tier is None:
            hits = [h for h in headers if h in demoted and h not in taken]
        else:
            hits = [h for h, n in zip(headers, matched) if n in tier and h not in taken and h not in demoted]
        if len(hits) > 1:
            hits = [h for h in hits if h not in held]
        if hits:
            return hits
    return []


#: A field's bare word, written without ``#``, is tried after every other name of the field: an export
#: holding ``Patient`` (the patient's name) beside ``Patient ID`` or ``Acct #`` means the id, where
#: ``Patient #`` is an id itself (headers are compared without their ``#``, so it cannot be a tier).
_BARE_LAST = {"patient_id": {"patient"}}


def propose(kind: str, headers: list[str], fixed: dict[str, str | list[str] | None] | None = None,
            fixed_source: dict[str, str] | None = None) -> Proposal:
    """Propose which header holds each field of a ``kind`` file.

    Parameters
    ----------
    kind : {"claims", "payments", "coverage", "documentation"}
    headers : list of str
        The file's headers, as read.
    fixed : dict, optional
        Fields already settled (``--map``, ``--column``): field -> header,
        list of headers, or None (the field is not in this file).
    fixed_source : dict, optional
        Where each fixed field came from (``"--map"``, ``"--column"``).

    Returns
    -------
    Proposal

    Notes
    -----
    A field that only finds a payment's or a note's line (:data:`LINE_FINDERS`), settled to a header another field
    of the file takes (settled too, or the one header of its deciding tier), gives way to it and is
    recognised among the other headers, as if not settled (``Proposal.yielded`` says so):
    ``--column service_date=Date`` settles a claims export's date of service, and a payment report's
    ``Date`` stays its payment date. A header such a field holds is otherwise left to it.
    """
    fixed = dict(fixed or {})
    fixed_source = dict(fixed_source or {})
    columns: dict[str, str | list[str]] = {}
    ambiguous: dict[str, list[str]] = {}
    sources: dict[str, str] = {}
    taken = set()
    finder_fields = LINE_FINDERS.get(kind, ())
    held = {field: headers_of(value) for field, value in fixed.items() if field in finder_fields and value}
    held_by = {h: field for field, hs in held.items() for h in hs}
    yielded: dict[str, tuple[list[str], str, str, str]] = {}

    def gives_way(header: str, to: str) -> None:
        owner = held_by.get(header)
        if owner in fixed:
            yielded[owner] = (held[owner], sources.pop(owner), header, to)
            del columns[owner], fixed[owner]

    for field, value in fixed.items():
        if value:
            columns[field] = value
            sources[field] = fixed_source.get(field, "--column")
    for field, value in list(fixed.items()):
        if field not in held:
            for header in headers_of(value):
                taken.add(header)
                gives_way(header, field)
    norms = [normalise_header(h) for h in headers]
    repeated = [normalise_header(_repeated_name(h, headers)) for h in headers]
    others = [field for field in _INDEX[kind] if field not in finder_fields]
    for field in (*others, *(f for f in _INDEX[kind] if f in finder_fields)):
        if field in fixed:
            continue
        if field in finder_fields:
            taken.update(h for f, hs in held.items() if f in fixed for h in hs)
        still_held = {h for h, f in held_by.items() if f in fixed}
        hits = _deciding_hits(field, kind, headers, norms if field in LIST_FIELDS else repeated, taken, still_held)
        if len(hits) > 1 or (hits and _asked_alone(field, _repeated_name(hits[0], headers))):
            ambiguous[field] = hits
        elif hits:
            columns[field] = hits[0]
            sources[field] = "recognised"
            gives_way(hits[0], field)
    for field, limit in LIST_FIELDS.items():
        if field not in _INDEX[kind] or field in fixed:
            continue
        single = columns.get(field)
        repeats = [h for h in headers if isinstance(single, str) and h != single and h not in taken
                   and _repeated_name(h, headers) == single]
        slots = []
        for h, n in zip(headers, norms):
            hit = _numbered(n)
            if hit and hit[0] == field and h not in taken and h not in repeats:
                slots.append((hit[1], h))
        if slots or repeats:
            numbered = [h for _, h in sorted(slots)]
            columns[field] = ([single] if isinstance(single, str) else []) + repeats + numbered
            sources[field] = "recognised"
            ambiguous.pop(field, None)
    finders = {field: columns[field] for field in finder_fields if field in columns}
    if "line_no" in columns:
        for field in (f for f in finder_fields if f not in fixed):
            for found in (columns, ambiguous, sources):
                found.pop(field, None)
    return Proposal(kind, list(headers), columns, ambiguous, sources, finders=finders, yielded=yielded)


def _asked_alone(field: str, header: str) -> str:
    """Why ``header``, when it is the one header that fits ``field``, is still not taken without the user
    saying so (it often holds another amount: :data:`_ASKED_ALONE`); blank when it is taken.

    >>> _asked_alone("charge", "Total"), _asked_alone("charge", "Amount")
    ("it may be the whole claim's total", '')
    """
    return _ASKED_ALONE.get(field, {}).get(normalise_header(header), "")


def prefer_npi_values(proposal: Proposal, values_of) -> None:
    """Break a tie for rendering_npi by the values: of the headers that fit it equally (``Provider``
    names beside ``Provider ID`` NPIs), the one whose values are all NPI-shaped (ten digits) is taken
    when it is the only one, and ``proposal.notes`` says so; otherwise the tie stands.

    Parameters
    ----------
    proposal : Proposal
        Changed in place.
    values_of : callable
        Header -> its column's values, as text.
    """
    tied = proposal.ambiguous.get("rendering_npi")
    if not tied or "rendering_npi" in proposal.columns:
        return
    shaped = []
    for header in tied:
        values = pd.Series(values_of(header), dtype="str").fillna("").str.strip()
        not_ten, _ = npi_shapes(values)
        if (values != "").any() and not not_ten.any():
            shaped.append(header)
    if len(shaped) != 1:
        return
    chosen = shaped[0]
    del proposal.ambiguous["rendering_npi"]
    proposal.columns["rendering_npi"] = chosen
    proposal.sources["rendering_npi"] = "recognised"
    others = " and ".join(repr(h) for h in tied if h != chosen)
    proposal.notes.append(f"rendering_npi: {chosen!r} chosen over {others}: its values are NPIs")


def account_as_claim_note(proposal: Proposal) -> str | None:
    """The note saying a payment file's claim number is read from its patient account column (an ERA
    viewer's name for CLP01), when it is; else None."""
    header = proposal.columns.get("claim_id")
    account = {normalise_header(n) for n in _ACCOUNT_AS_CLAIM}
    if proposal.kind != "payments" or not isinstance(header, str) or normalise_header(header) not in account:
        return None
    return (f"'{header}' (claim_id): read as the claim number, as an ERA shows the 835's patient control number "
            "(CLP01, the claim number the practice sent); the file has no other claim number column")


def yielded_notes(proposal: Proposal, label: str) -> list[str]:
    """Per ``--column`` or ``--map`` setting of a line-finding field the file ``label`` did not use, its
    header being another field's (:func:`propose`), the note saying so: a setting dropped silently
    would leave its user believing it read."""
    return [f"{' '.join(f'{source} {field}={h}' for h in settled)} was not used for {label}: its {header!r} is "
            f"its {other}" for field, (settled, source, header, other) in proposal.yielded.items()]


def headers_of(value) -> list[str]:
    """The headers a mapping gives one field: one header, a list of them (modifiers, diagnoses), or
    none (``None`` or ``""``: the field left out).

    >>> headers_of("DOS"), headers_of(["Mod 1", "Mod 2"]), headers_of(None)
    (['DOS'], ['Mod 1', 'Mod 2'], [])
    """
    return [value] if isinstance(value, str) else list(value or [])


def check_required(proposal: Proposal, required: list[str], label: str, inferable: dict | None = None) -> None:
    """Stop (exit 1) when a required field is missing or ambiguous, naming candidates and headers;
    for a field in ``inferable`` (field -> what ``--infer-missing`` would do instead), saying so."""
    problems = []
    for field in required:
        if field in proposal.ambiguous and field not in proposal.columns:
            hits = proposal.ambiguous[field]
            names = " and ".join(repr(h) for h in hits)
            why = _asked_alone(field, hits[0]) if len(hits) == 1 else ""
            problems.append(f"field {field!r} matches {names}; settle it with --column {field}=HEADER"
                            + (f" ({why}: taken only when you say so; if the export has no column of the "
                               f"line's {field}, add one headed {field} and fill it in)" if why else ""))
        elif field not in proposal.columns:
            instead = (inferable or {}).get(field)
            problems.append(f"no header for required field {field!r} (typical names: "
                            f"{', '.join(_FIELDS[proposal.kind][field][0][:4])}); "
                            f"name it with --column {field}=HEADER"
                            + (f", or give --infer-missing to {instead}" if instead else
                               f", or, if the export has no such column, add one headed {field} and fill it in"))
    for field, hits in proposal.ambiguous.items():
        if field not in required and field not in proposal.columns:
            names = " and ".join(repr(h) for h in hits)
            problems.append(f"optional field {field!r} matches {names}; settle it with "
                            f"--column {field}=HEADER (or --column {field}= to leave it out)")
    if problems:
        seen = ", ".join(repr(h) for h in proposal.headers)
        raise InputError(f"{label}: " + "; ".join(problems) + f". Headers seen: {seen}.")
