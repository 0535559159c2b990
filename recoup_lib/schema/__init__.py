"""Column contracts of every file the kit reads, and the parser that enforces them.

Each file the kit reads is described once here as a :class:`FileSpec`: its
columns, what kind of value each holds, whether the column must exist and
whether a value may be blank. The audit and appeal folder's files of
``docs/contract.md`` are :data:`SPECS`, by file name; the files kept outside
that folder have a named spec each (:data:`RECOUPMENTS_SPEC`,
:data:`APPEAL_OUTCOMES_SPEC`, :data:`DECISIONS_SPEC`,
:data:`RECOUPMENT_LABELS_SPEC`, :data:`SAMPLE_SPEC`, :data:`STRATA_SPEC`,
:func:`frame_spec`), and the appeal rule tables are :data:`APPEAL_RULE_SPECS`.
:func:`recoup_lib.folder.read_table` reads a file with its spec;
:func:`parse_table` turns a table of raw text into typed columns, collecting
*every* problem of the file (never stopping at the first), and sets aside the
rows that cannot be used; :func:`checked_frame` reads a table handed over in
memory (a notebook's DataFrame) by the same rules, and refuses it by name;
:func:`as_of_day` holds a day given as a parameter to the same dates.

In-memory conventions (the "column contract" every other module relies on):

- money columns are renamed with a ``_cents`` suffix and hold ``int64`` cents
  (``charge`` -> ``charge_cents``; ``Int64`` where a value may be blank);
- date columns hold ``datetime64`` values (``NaT`` where blank is allowed);
- codes and identifiers stay strings, leading zeros kept, surrounding spaces
  removed; lists (``modifiers``, ``diagnosis_codes``) stay ``;``-joined
  strings with blanks and spaces dropped;
- booleans are ``boolean`` (nullable) and whole numbers ``int64`` (``Int64``
  where blank is allowed);
- unknown extra columns are kept as text, untouched.
"""

from __future__ import annotations

from ._columns import BOOL_FALSE, BOOL_TRUE, Column, FileSpec, money_column
from ._days import as_of_day
from ._frames import WHOLE_CENTS, checked_frame, index_place
from ._keys import ClaimKeys, claim_keys, line_key, packed_ids, packed_positions, packed_ranks
from ._npi import npi_check_digit, npi_shapes
from ._parse import (CONTROL_CHARACTERS, DATE_RANGE, EXCEL_SCIENTIFIC, FIRST_DATE, LAST_DATE, MAX_WHOLE_NUMBER,
                     TEXT_DTYPE, WHOLE_ID, ParsedTable, excel_scientific, parse_ints, parse_table, strip_text,
                     value_codes)
from ._zeros import ZEROS_DROPPED, leading_zero_twins

__all__ = [
    "ERROR_TYPE_NAMES",
    "Column",
    "FileSpec",
    "ParsedTable",
    "SPECS",
    "RECOUPMENTS_SPEC",
    "APPEAL_OUTCOMES_SPEC",
    "DECISIONS_SPEC",
    "RECOUPMENT_LABELS_SPEC",
    "SAMPLE_SPEC",
    "STRATA_SPEC",
    "frame_spec",
    "APPEAL_RULE_SPECS",
    "CLOSED_STATUSES",
    "PAYER_TYPES",
    "PERIOD_UNITS",
    "RULE_STATUSES",
    "BOOL_TRUE",
    "BOOL_FALSE",
    "parse_table",
    "parse_ints",
    "TEXT_DTYPE",
    "strip_text",
    "checked_frame",
    "index_place",
    "as_of_day",
    "WHOLE_CENTS",
    "DATE_RANGE",
    "FIRST_DATE",
    "LAST_DATE",
    "MAX_WHOLE_NUMBER",
    "CONTROL_CHARACTERS",
    "EXCEL_SCIENTIFIC",
    "WHOLE_ID",
    "excel_scientific",
    "ZEROS_DROPPED",
    "leading_zero_twins",
    "value_codes",
    "ClaimKeys",
    "claim_keys",
    "line_key",
    "packed_ids",
    "packed_positions",
    "packed_ranks",
    "money_column",
    "npi_check_digit",
    "npi_shapes",
]


def _c(name, kind, **kw) -> Column:
    return Column(name, kind, **kw)


#: The contract's error types ("Findings"), in its order: the spellings the error_type columns of
#: findings, labels and notices are read in (``UNITS_OVER_MUE`` is read as ``units_over_mue``).
ERROR_TYPE_NAMES = (
    "duplicate_claim", "duplicate_payment", "overpaid_rate", "upcoding", "unbundling",
    "units_over_mue", "missing_documentation", "missing_signature", "coverage_lapsed",
    "policy_change",
)


#: Kinds of payer (payers.csv ``payer_type``): the recoupment and appeal rules differ by kind.
PAYER_TYPES = ("medicare", "medicaid", "commercial")


SPECS: dict[str, FileSpec] = {
    spec.name: spec
    for spec in [
        FileSpec(
            "claim_lines.csv",
            (
                _c("claim_id", "id"),
                _c("line_no", "int", minimum=1),
                _c("patient_id", "id"),
                _c("payer_id", "id"),
                _c("rendering_npi", "id"),
                _c("service_date", "date"),
                _c("submitted_date", "date"),
                _c("procedure_code", "id"),
                _c("modifiers", "codes", nullable=True),
                _c("units", "int", minimum=1),
                _c("charge", "money"),
                _c("diagnosis_codes", "codes", nullable=True),
                _c("place_of_service", "code", nullable=True),
            ),
            key=("claim_id", "line_no"),
            required=True,
            description="one row per billed service line",
        ),
        FileSpec(
            "payments.csv",
            (
                _c("claim_id", "id"),
                _c("line_no", "int", minimum=1),
                _c("payment_id", "id"),
                _c("payment_date", "date"),
                _c("allowed", "money", nullable=True),
                _c("paid", "money"),
                # Optional extras (the generator writes them; the audit does not need them).
                _c("deductible", "money", required=False, nullable=True, fill_missing=False),
                _c("coinsurance", "money", required=False, nullable=True, fill_missing=False),
                _c("copay", "money", required=False, nullable=True, fill_missing=False),
                _c("denial_code", "code", required=False, nullable=True, fill_missing=False),
            ),
            required=True,
            description="one row per payment posted to a line (reversals are negative)",
        ),
        FileSpec(
            "coverage.csv",
            (
                _c("patient_id", "id"),
                _c("payer_id", "id"),
                _c("member_id", "code", nullable=True),
                _c("effective_date", "date"),
                _c("termination_date", "date", nullable=True),
            ),
            description="coverage spans; both dates inclusive, blank termination = open-ended",
        ),
        FileSpec(
            "documentation.csv",
            (
                _c("claim_id", "id"),
                _c("line_no", "int", minimum=1),
                _c("note_present", "bool"),
                _c("signed", "bool", nullable=True),
                _c("documented_code", "code", nullable=True),
            ),
            key=("claim_id", "line_no"),
            description="what the medical record holds for each line",
        ),
        FileSpec(
            "fee_schedule.csv",
            (
                _c("payer_id", "id"),
                _c("procedure_code", "id"),
                _c("allowed", "money"),
                _c("effective_date", "date"),
                _c("end_date", "date", nullable=True),
            ),
            description="allowed amount per unit by payer, code and date",
        ),
        FileSpec(
            "ncci_ptp.csv",
            (
                _c("column_1", "id"),
                _c("column_2", "id"),
                _c("effective_date", "date"),
                _c("deletion_date", "date", nullable=True),
                _c("modifier_indicator", "choice", choices=("0", "1", "9")),
            ),
            description="NCCI procedure-to-procedure edits",
        ),
        FileSpec(
            "mue.csv",
            (
                _c("procedure_code", "id"),
                _c("mue_value", "int", minimum=0),
                _c("mai", "choice", choices=("1", "2", "3")),
            ),
            key=("procedure_code",),
            description="medically unlikely edits",
        ),
        FileSpec(
            "payer_policies.csv",
            (
                _c("payer_id", "id"),
                _c("procedure_code", "id"),
                _c("effective_date", "date"),
                _c("announced_date", "date"),
            ),
            description="codes a payer stopped covering from effective_date",
        ),
        FileSpec(
            "payers.csv",
            (
                _c("payer_id", "id"),
                _c("name", "text"),
                _c("payer_type", "choice", choices=PAYER_TYPES),
                _c("state", "code", nullable=True),
            ),
            key=("payer_id",),
            description="who pays: type and state decide the recoupment rules",
        ),
        FileSpec(
            "notices.csv",
            (
                _c("notice_id", "id"),
                _c("payer_id", "id"),
                _c("claim_id", "id"),
                _c("line_no", "int", minimum=1),
                _c("notice_date", "date"),
                _c("amount", "money"),
                _c("reason_code", "code", nullable=True),
                _c("error_type", "code", spellings=ERROR_TYPE_NAMES),
                _c("original_payment_date", "date", required=False, nullable=True),
            ),
            key=("notice_id",),
            description="recoupment notices (demand letters) received from payers",
        ),
        FileSpec(
            "labels.csv",
            (
                _c("claim_id", "id"),
                _c("line_no", "int", minimum=1),
                _c("error_type", "code", spellings=ERROR_TYPE_NAMES),
                _c("at_risk", "money"),
                _c("category", "code", required=False, nullable=True, fill_missing=False),
                _c("injected_as", "text", required=False, nullable=True, fill_missing=False),
            ),
            key=("claim_id", "line_no", "error_type"),
            description="the answer key of a generated practice",
        ),
        FileSpec(
            "findings.csv",
            (
                _c("claim_id", "id"),
                _c("line_no", "int", minimum=1),
                _c("error_type", "code", spellings=ERROR_TYPE_NAMES),
                _c("category", "code", required=False, nullable=True),
                _c("rule_id", "code", required=False, nullable=True),
                _c("at_risk", "money"),
                _c("action", "text", required=False, nullable=True),
                _c("evidence", "text", required=False, nullable=True),
            ),
            key=("claim_id", "line_no", "error_type"),
            description="what an audit flagged",
        ),
    ]
}


#: Values of the optional ``status`` column of notices.csv (passed through to the decisions) that
#: close a notice: the appeal worklist and the report's notice aging leave such notices out.
CLOSED_STATUSES = ("closed", "resolved", "paid", "withdrawn", "done")

# Files kept outside the audit folder: what the kit's commands write and read back, and the
# files a person gives to ``recoup sample`` and ``recoup extrapolate``. Their names are not fixed
# (a sample may be saved under any name), so each has a named spec rather than an entry in SPECS.

#: recoupments.csv: money taken back, as ``recoup remit`` writes it. Only payment_date and amount
#: are required, so a practice system's own log of take-backs can be used.
RECOUPMENTS_SPEC = FileSpec(
    "recoupments.csv",
    (
        _c("file", "text", required=False, nullable=True),
        _c("trace_number", "code", required=False, nullable=True),
        _c("payment_date", "date"),
        _c("claim_id", "code", required=False, nullable=True),
        _c("amount", "money"),
        _c("mechanism", "code", required=False, nullable=True),
        _c("reason_code", "code", required=False, nullable=True),
        _c("reference", "text", required=False, nullable=True),
        _c("net_amount", "money", required=False, nullable=True),
    ),
    description="money taken back (reversals and offsets); net_amount, when given, is each take-back net of "
                "the corrected payment paired with it and of deferrals (blank or absent: the amount)",
)

#: appeal_outcomes.csv (the kit's own format): what each appeal level decided.
APPEAL_OUTCOMES_SPEC = FileSpec(
    "appeal_outcomes.csv",
    (
        _c("notice_id", "id"),
        _c("level", "text"),
        _c("outcome", "text", nullable=True),
        _c("filed_date", "date", required=False, nullable=True),
        _c("decision_date", "date", required=False, nullable=True),
    ),
    key=("notice_id", "level"),
    description="what each appeal level decided",
)

#: decisions.csv (written by ``recoup appeal``): what score-appeals reads; other columns pass.
DECISIONS_SPEC = FileSpec(
    "decisions.csv",
    (
        _c("notice_id", "id"),
        _c("recommendation", "choice", choices=("appeal", "accept", "partial")),
        _c("agreed_amount", "money"),
        _c("disputed_amount", "money"),
    ),
    key=("notice_id",),
    description="appeal decisions (recoup appeal)",
)


def _extra(name, kind, **kw) -> Column:
    """A column of the kit's own, typed only when the file has it."""
    return Column(name, kind, required=False, fill_missing=False, **kw)


#: recoupment_labels.csv (written by ``recoup generate``): the notices' answer key. score-appeals
#: needs notice_id, amount and valid; the other columns are typed when present.
RECOUPMENT_LABELS_SPEC = FileSpec(
    "recoupment_labels.csv",
    (
        _c("notice_id", "id"),
        _extra("payer_id", "id"),
        _extra("claim_id", "id"),
        _extra("line_no", "int", minimum=1),
        _extra("error_type", "text"),
        _c("amount", "money"),
        _c("valid", "bool"),
        _extra("merits", "bool"),
        _extra("within_lookback", "bool"),
        _extra("retroactive_policy", "bool"),
        _extra("accusation", "text"),
        _extra("notice_date", "date"),
        _extra("lookback_limit", "date", nullable=True),
        _extra("appealed", "bool"),
        _extra("offset_starts", "date", nullable=True),
        _extra("taken", "money", nullable=True),
    ),
    key=("notice_id",),
    description="the answer key of a generated practice's notices",
)

#: SAMPLE.csv of ``recoup extrapolate``: one row per reviewed sampling unit.
SAMPLE_SPEC = FileSpec(
    "sample.csv",
    (
        _c("sample_id", "id"),
        _c("overpayment", "money", nullable=True),
        _c("stratum", "code", required=False, nullable=True),
        _c("is_spare", "bool", required=False, nullable=True),
    ),
    key=("sample_id",),
    description="one row per reviewed sampling unit: its overpayment (0 when clean)",
)

#: STRATA.csv of ``recoup extrapolate --strata``.
STRATA_SPEC = FileSpec(
    "strata.csv",
    (_c("stratum", "id"), _c("universe_size", "int", minimum=1)),
    key=("stratum",),
    description="universe size of each stratum",
)


def frame_spec(label: str, id_column: str, stratify_by: str | None = None,
               amount_column: str | None = None) -> FileSpec:
    """The spec of a sample frame (``recoup sample``), whose columns the user names.

    Parameters
    ----------
    label : str
        The file's name, used in messages.
    id_column : str
        The unit's identifier: required, non-blank and unique (the key).
    stratify_by : str, optional
        A required, non-blank stratum column.
    amount_column : str, optional
        A required money column (dollars), e.g. for dollar bands.

    Returns
    -------
    FileSpec
        Every other column of the frame passes through as text.
    """
    columns = [Column(id_column, "id")]
    if stratify_by and stratify_by != id_column:
        columns.append(Column(stratify_by, "code"))
    if amount_column and amount_column not in (id_column, stratify_by):
        columns.append(Column(amount_column, "money"))
    return FileSpec(label, tuple(columns), key=(id_column,), description="one row per unit of the universe")


# The appeal rules as data: tables shipped in recoup_lib/appeals/data/ (each row with its source
# and a status) that a folder's copy of the same name replaces.

#: How well a rule table's row is sourced (its ``status``): seen in the cited source, seen only in
#: a secondary summary (trade, law-firm or vendor), or not confirmed.
RULE_STATUSES = ("confirmed", "secondary", "unconfirmed")
#: Units a window or a day can be written in. ``day_number`` counts with day 1 = the starting
#: date (the contract's Medicare convention); the others add that many days, months or
#: Monday-to-Friday days to the starting date.
PERIOD_UNITS = ("days", "months", "business_days", "day_number")


def _choice(name: str, choices, nullable: bool = False) -> Column:
    """A column holding one of ``choices`` (a tuple, for the frozen spec)."""
    return Column(name, "choice", nullable=nullable, choices=tuple(choices))


def _text(name: str, nullable: bool = False, required: bool = True) -> Column:
    """A text column."""
    return Column(name, "text", nullable=nullable, required=required)


#: Every rule table's last columns: where a row comes from, the address of its primary text
#: (optional in a user's copy; filled in every shipped row) and how well that is confirmed.
_SOURCED = (_text("source"), _text("source_url", nullable=True, required=False), _choice("status", RULE_STATUSES),
            _text("note", nullable=True, required=False))
#: The appeal rule tables (``recoup_lib/appeals/data/``; a folder's copy replaces a shipped one).
APPEAL_RULE_SPECS: dict[str, FileSpec] = {
    "appeal_levels.csv": FileSpec("appeal_levels.csv", (
        _choice("payer_type", PAYER_TYPES), Column("state", "code", nullable=True),
        Column("level", "int", minimum=1), _text("name"), _text("decided_by", nullable=True),
        Column("filing_window", "int", nullable=True), _choice("filing_unit", PERIOD_UNITS, nullable=True),
        _choice("filing_from", ("notice", "receipt"), nullable=True), Column("decision_days", "int", nullable=True),
        _choice("aic", ("alj_hearing", "judicial_review"), nullable=True), Column("stay_window", "int", nullable=True),
        _choice("stay_unit", PERIOD_UNITS, nullable=True), *_SOURCED), key=("payer_type", "state", "level")),
    "payer_rules.csv": FileSpec("payer_rules.csv", (
        _choice("payer_type", PAYER_TYPES), Column("state", "code", nullable=True), Column("parameter", "id"),
        _text("value"), _choice("unit", PERIOD_UNITS + ("dollars", "text", "none")),
        _choice("counted_from", ("notice", "payment_date", "service_date"), nullable=True), *_SOURCED),
        key=("payer_type", "state", "parameter")),
    "medicare_aic.csv": FileSpec("medicare_aic.csv", (
        Column("year", "int", minimum=2000), Column("alj_hearing", "money"), Column("judicial_review", "money"),
        *_SOURCED), key=("year",)),
    "medicare_interest_rates.csv": FileSpec("medicare_interest_rates.csv", (
        Column("effective_date", "date"), Column("end_date", "date", nullable=True), _text("rate_percent"),
        *_SOURCED)),
    "medicare_ers.csv": FileSpec("medicare_ers.csv", (
        _text("option"), Column("months_min", "int"), Column("months_max", "int"), _text("who_qualifies"),
        _text("how_to_request"), *_SOURCED)),
    "overturn_rates.csv": FileSpec("overturn_rates.csv", (
        _choice("payer_type", PAYER_TYPES), Column("level", "int", minimum=1), Column("basis", "id"),
        _text("p_win"), _text("era", nullable=True), Column("use", "bool"), *_SOURCED)),
    "evidence_checklist.csv": FileSpec("evidence_checklist.csv", (
        Column("error_type", "id"), Column("basis", "id"), _text("item"), _text("source"),
        _choice("status", RULE_STATUSES, nullable=True))),
}
