"""The patient's side of a recoupment: refunds, rebills, credit balances and unclaimed property.

When a payer takes money back or re-adjudicates a claim, what the patient owes
can change too: a visit re-priced at a lower level lowers the coinsurance, a
line denied because the provider was at fault may not be billed to the
patient at all, a patient who was not covered must be billed to the right
payer. The office then owes the patient a refund (a *credit balance* on the
patient's account until it is paid), or may bill the patient more. A payer's
credit balance is money the office holds that belongs to the payer: for
Medicare it is reported and returned (the credit balance report; the 60-day
rule). A patient's credit that cannot be refunded becomes, after the state's
dormancy period, unclaimed property reported to the state.

The rules are data in ``recoup_lib/report/data``: ``patient_effects.csv``
(what each error does to the patient's share), ``credit_balance_rules.csv``
(the Medicare credit balance report, quarterly until 2024-11-30) and
``unclaimed_property.csv`` (dormancy periods), each row with its source and status.
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

import numpy as np
import pandas as pd

from ..appeals import SOURCED_COLUMNS, choice_column, load_rule_table, text_column
from ..errors import InvalidParameterError
from ..money import div_half_up
from ..rules import ERROR_TYPES
from ..schema import Column, FileSpec, as_of_day

__all__ = ["PATIENT_EFFECTS", "load_patient_rules", "PatientRules", "patient_share_changes",
           "takeback_patient_effects", "patient_credit_balances", "credit_balance_report_rule",
           "SHARE_COLUMNS"]

DATA_DIR = Path(__file__).parent / "data"
#: The payer's patient-responsibility columns of payments.csv (deductible, coinsurance, copay).
SHARE_COLUMNS = ("deductible_cents", "coinsurance_cents", "copay_cents")
#: How a take-back changes the patient's share: kept, scaled with what the payer still pays, or moved
#: to another payer.
PATIENT_EFFECTS = ("unchanged", "prorate", "rebill")

_EFFECTS_SPEC = FileSpec("patient_effects.csv", (
    choice_column("error_type", tuple(ERROR_TYPES)), choice_column("effect", PATIENT_EFFECTS),
    choice_column("patient_may_be_billed", ("no", "only_with_notice", "other_payer")), text_column("action"),
    *SOURCED_COLUMNS), key=("error_type",))
_CREDIT_SPEC = FileSpec("credit_balance_rules.csv", (
    Column("rule", "id"), Column("from_date", "date"), Column("to_date", "date", nullable=True),
    text_column("report"), Column("due_days_after_quarter", "int", nullable=True),
    choice_column("zero_balance_certification", ("yes", "no")), *SOURCED_COLUMNS), key=("rule",))
_UNCLAIMED_SPEC = FileSpec("unclaimed_property.csv", (
    Column("state", "id"), Column("dormancy_years", "int", minimum=1), *SOURCED_COLUMNS), key=("state",))


@dataclass(frozen=True)
class PatientRules:
    """The patient-side tables, typed: effects by error type, credit balance reporting, dormancy."""

    effects: pd.DataFrame
    credit_balance: pd.DataFrame
    unclaimed: pd.DataFrame

    def dormancy_years(self, state: str | None = None) -> int:
        """The state's dormancy period for a credit balance (``*`` row when the state is not listed)."""
        table = self.unclaimed.set_index("state")["dormancy_years"]
        key = str(state).upper() if state is not None and str(state).upper() in table.index else "*"
        return int(table[key])


def load_patient_rules(override: str | Path | None = None) -> PatientRules:
    """Load ``patient_effects.csv``, ``credit_balance_rules.csv`` and ``unclaimed_property.csv``.

    A folder's copy of a file replaces the shipped one.

    Examples
    --------
    >>> load_patient_rules().effects.set_index("error_type").loc["upcoding", "effect"]
    'prorate'
    """
    tables = [load_rule_table(spec, override, data_dir=DATA_DIR)[0]
              for spec in (_EFFECTS_SPEC, _CREDIT_SPEC, _UNCLAIMED_SPEC)]
    missing = sorted(set(ERROR_TYPES) - set(tables[0]["error_type"]))
    if missing:
        raise InvalidParameterError(f"patient_effects.csv has no row for {', '.join(missing)}")
    return PatientRules(*tables)


def _line_share(payments: pd.DataFrame) -> pd.Series:
    return payments[list(SHARE_COLUMNS)].fillna(0).astype("int64").sum(axis=1)


def _net_share(payments: pd.DataFrame) -> pd.Series:
    """The patient's share of each line, every adjudication counted once.

    A reversal cancels the adjudication it repeats with a minus sign; a
    payment sent twice (the payer's duplicate) is the payer's error, not a
    second share for the patient. So each distinct adjudication (allowed,
    paid and the three shares) counts once if it was paid more often than
    reversed, else not at all.
    """
    keys = ["claim_id", "line_no"]
    signature = ["allowed_cents", "paid_cents", *SHARE_COLUMNS]
    pay = payments[keys + signature].copy()
    pay[signature] = pay[signature].fillna(0).astype("int64")
    paid, allowed = pay["paid_cents"].to_numpy(), pay["allowed_cents"].to_numpy()
    shares = pay[list(SHARE_COLUMNS)].sum(axis=1).to_numpy()
    reversal = (paid < 0) | ((paid == 0) & ((allowed < 0) | (shares < 0)))
    absolute = pay[signature].abs()
    absolute[keys] = pay[keys]
    absolute["_n"] = np.where(reversal, -1, 1)
    counted = absolute.groupby(keys + signature, sort=False)["_n"].sum().clip(lower=0, upper=1).reset_index()
    counted["_share"] = counted[list(SHARE_COLUMNS)].sum(axis=1) * counted["_n"]
    return counted.groupby(keys)["_share"].sum().astype("int64")


def patient_share_changes(payments: pd.DataFrame, patient_paid: pd.DataFrame | None = None) -> pd.DataFrame:
    """Lines the payer re-adjudicated (a reversal and a new payment), and what that did to the patient's share.

    Parameters
    ----------
    payments : pandas.DataFrame
        payments.csv in memory, with the payer's patient-responsibility columns
        (:data:`SHARE_COLUMNS`; a generated practice has them, 835s carry them as PR).
    patient_paid : pandas.DataFrame, optional
        claim_id, line_no, patient_paid_cents: what the patient actually paid.
        Default: the share the first remittance told the patient to pay (the
        front desk collected it in full), an assumption the lesson states.

    Returns
    -------
    pandas.DataFrame
        One row per line with a reversal: claim_id, line_no, first_paid_on,
        readjudicated_on, paid_first_cents, paid_now_cents, share_first_cents,
        share_now_cents, patient_paid_cents, refund_cents (owed to the
        patient), bill_cents (the patient owes more).
    """
    pay = payments.assign(_share=_line_share(payments)).sort_values(
        ["claim_id", "line_no", "payment_date"], kind="stable")
    keys = ["claim_id", "line_no"]
    reversed_lines = pay.loc[pay["paid_cents"] < 0, keys].drop_duplicates()
    pay = pay.merge(reversed_lines, on=keys)
    firsts = pay.loc[pay["paid_cents"] > 0].groupby(keys, sort=True).first()
    grouped = pay.groupby(keys, sort=True)
    out = pd.DataFrame({
        "first_paid_on": firsts["payment_date"],
        "readjudicated_on": pay.loc[pay["paid_cents"] < 0].groupby(keys)["payment_date"].max(),
        "paid_first_cents": firsts["paid_cents"].astype("int64"),
        "paid_now_cents": grouped["paid_cents"].sum().astype("int64"),
        "share_first_cents": firsts["_share"].astype("int64"),
        "share_now_cents": _net_share(pay),
    }).dropna(subset=["first_paid_on"]).reset_index()
    return _settle(out, patient_paid, default="share_first_cents", owed="share_now_cents")


def _settle(table: pd.DataFrame, patient_paid: pd.DataFrame | None, default: str, owed: str) -> pd.DataFrame:
    """Add patient_paid_cents, refund_cents and bill_cents by comparing what was paid with what is owed."""
    keys = ["claim_id", "line_no"]
    if patient_paid is None:
        table["patient_paid_cents"] = table[default].astype("int64")
    else:
        paid = patient_paid.groupby(keys)["patient_paid_cents"].sum()
        table = table.merge(paid, left_on=keys, right_index=True, how="left")
        table["patient_paid_cents"] = table["patient_paid_cents"].fillna(0).astype("int64")
    difference = table["patient_paid_cents"] - table[owed]
    table["refund_cents"] = difference.clip(lower=0).astype("int64")
    table["bill_cents"] = (-difference).clip(lower=0).astype("int64")
    return table


def takeback_patient_effects(takebacks: pd.DataFrame, payments: pd.DataFrame, *,
                             patient_paid: pd.DataFrame | None = None,
                             rules: PatientRules | None = None) -> pd.DataFrame:
    """What each payer take-back does to the patient: refund, bill more, or bill another payer.

    Parameters
    ----------
    takebacks : pandas.DataFrame
        One row per line the payer took money back from: claim_id, line_no,
        error_type (the payer's reason), taken_cents (positive); extra columns
        (notice_id, taken_on, patient_id) are kept.
    payments : pandas.DataFrame
        payments.csv in memory with :data:`SHARE_COLUMNS`: the line's paid
        amount and the patient's share before the take-back.
    patient_paid : pandas.DataFrame, optional
        claim_id, line_no, patient_paid_cents. Default: the patient paid the
        share the payer's remittances gave them (stated assumption).
    rules : PatientRules, optional

    Returns
    -------
    pandas.DataFrame
        The take-backs with paid_cents, share_cents (before), effect,
        share_after_cents, patient_paid_cents, refund_cents, bill_cents,
        hold_cents (the patient's payment kept against the right payer's
        bill), patient_may_be_billed, action.

    Notes
    -----
    ``prorate`` scales the share by what the payer still pays after the
    take-back (half-up to the cent): the whole share goes when the whole
    payment goes. ``unchanged`` keeps it (the payer's own overpayment).
    ``rebill`` moves the line to another payer: nothing is refunded yet, the
    patient's payment is held against the new bill.
    """
    rules = rules or load_patient_rules()
    keys = ["claim_id", "line_no"]
    before = pd.DataFrame({"paid_cents": payments.groupby(keys)["paid_cents"].sum(),
                           "share_cents": _net_share(payments)})
    effects = rules.effects.set_index("error_type")
    unknown = sorted(set(takebacks["error_type"]) - set(effects.index))
    if unknown:
        raise InvalidParameterError(f"no patient effect for error type(s) {', '.join(unknown)}")
    out = takebacks.merge(before, left_on=keys, right_index=True, how="left")
    out[["paid_cents", "share_cents"]] = out[["paid_cents", "share_cents"]].fillna(0).astype("int64")
    out["effect"] = out["error_type"].map(effects["effect"])
    still_paid = (out["paid_cents"] - out["taken_cents"]).clip(lower=0).to_numpy(dtype=np.int64)
    paid = out["paid_cents"].to_numpy(dtype=np.int64)
    share = out["share_cents"].to_numpy(dtype=np.int64)
    scaled = np.where(paid > 0, div_half_up(share * still_paid, np.maximum(paid, 1)), share)
    out["share_after_cents"] = np.select([out["effect"] == "unchanged", out["effect"] == "rebill"],
                                         [share, 0], scaled).astype("int64")
    out = _settle(out, patient_paid, default="share_cents", owed="share_after_cents")
    moved = (out["effect"] == "rebill").to_numpy()
    out["hold_cents"] = np.where(moved, out["patient_paid_cents"], 0).astype("int64")
    out.loc[moved, ["refund_cents", "bill_cents"]] = 0
    out["patient_may_be_billed"] = out["error_type"].map(effects["patient_may_be_billed"])
    out["action"] = out["error_type"].map(effects["action"])
    return out.reset_index(drop=True)


def patient_credit_balances(refunds: pd.DataFrame, as_of, *, state: str | None = None,
                            rules: PatientRules | None = None) -> pd.DataFrame:
    """Patients' credit balances from refunds owed, with their age and the unclaimed-property date.

    Parameters
    ----------
    refunds : pandas.DataFrame
        patient_id, refund_cents, arose_on (the day the credit appeared:
        the take-back or re-adjudication date); rows with no refund are ignored.
    as_of : date-like
    state : str, optional
        Two letters: the state whose dormancy period applies (``*`` row if not listed).
    rules : PatientRules, optional

    Returns
    -------
    pandas.DataFrame
        patient_id, lines, credit_cents, oldest (date), age_days,
        report_as_unclaimed_from (oldest + the dormancy years), dormant
        (as_of on or after that date: the money goes to the state unless the
        patient is found and refunded first); largest credit first.
    """
    rules = rules or load_patient_rules()
    years = rules.dormancy_years(state)
    owed = refunds.loc[refunds["refund_cents"] > 0]
    grouped = owed.groupby("patient_id")
    out = pd.DataFrame({"lines": grouped.size(), "credit_cents": grouped["refund_cents"].sum().astype("int64"),
                        "oldest": pd.to_datetime(grouped["arose_on"].min())}).reset_index()
    day = as_of_day(as_of)
    out["age_days"] = (day - out["oldest"]).dt.days.astype("int64")
    out["report_as_unclaimed_from"] = out["oldest"] + pd.DateOffset(years=years)
    out["dormant"] = out["report_as_unclaimed_from"] <= day
    out = out.sort_values(["credit_cents", "patient_id"], ascending=[False, True], kind="stable")
    return out.reset_index(drop=True)


def credit_balance_report_rule(quarter_end, rules: PatientRules | None = None) -> pd.Series:
    """How a Medicare credit balance on this date is reported: the quarterly CMS-838, or as it occurs.

    Returns
    -------
    pandas.Series
        The rule's row of ``credit_balance_rules.csv`` plus ``due`` (the
        report's due date, NaT when reports are made as credits occur).

    Examples
    --------
    >>> credit_balance_report_rule("2024-09-30")["due"].date()
    datetime.date(2024, 10, 30)
    >>> credit_balance_report_rule("2025-03-31")["rule"]
    'when_they_occur'
    """
    rules = rules or load_patient_rules()
    day = pd.Timestamp(quarter_end).normalize()
    table = rules.credit_balance
    hit = table.loc[(table["from_date"] <= day) & (table["to_date"].isna() | (table["to_date"] >= day))]
    if not len(hit):
        raise InvalidParameterError(f"credit_balance_rules.csv has no rule for {day:%Y-%m-%d}")
    row = hit.iloc[0].copy()
    days = row["due_days_after_quarter"]
    row["due"] = pd.NaT if pd.isna(days) else day + pd.Timedelta(days=int(days))
    return row
