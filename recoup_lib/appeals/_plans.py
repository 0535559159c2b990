"""Which rules govern a recoupment: the plan type behind the payer, not the payer's name.

Original Medicare follows the demand-letter timeline and Section 935; a
Medicare Advantage plan follows its provider contract (or, for a non-network
provider, the Part C appeal rules); Medicaid follows the state, directly or
through a managed-care plan's contracts; a fully insured commercial plan
follows the contract and the state's overpayment law; a self-funded employer
plan follows its plan document and ERISA's claims procedure, which state
law does not reach. The table is data (``plan_types.csv`` in
``recoup_lib/appeals/data``), each row with its source and status.
"""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pandas as pd

from ..errors import InvalidParameterError
from ..schema import Column, FileSpec
from ._dates import profile_dates, to_days
from ._profiles import Profiles, load_profiles, profile_for
from ._tables import SOURCED_COLUMNS, choice_column, load_rule_table, text_column

__all__ = ["PLAN_TYPES", "FUNDING", "load_plan_types", "plan_type_of", "plan_rules", "plan_deadlines",
           "cross_plan_offsets"]

PLAN_TYPES = ("medicare_ffs", "medicare_advantage", "medicaid_ffs", "medicaid_managed_care",
              "commercial_fully_insured", "commercial_self_funded")
#: How a plan is paid for: by the government program itself, a private plan it contracts, or an employer.
FUNDING = ("program", "managed_care", "fully_insured", "self_funded")

_SPEC = FileSpec("plan_types.csv", (
    choice_column("plan_type", PLAN_TYPES), text_column("name"),
    choice_column("payer_type", ("medicare", "medicaid", "commercial")), text_column("who_sets_the_rules"),
    text_column("before_taking_money"), text_column("first_appeal"), Column("appeal_days", "int", nullable=True),
    choice_column("appeal_counted_from", ("notice", "receipt")), choice_column("section_935", ("yes", "no")),
    choice_column("state_recoupment_law", ("yes", "no", "depends")),
    choice_column("federal_60_day_rule", ("yes", "no")),
    choice_column("overpayments_go_back_to", ("the MAC", "the plan", "the state")), *SOURCED_COLUMNS),
    key=("plan_type",))


def load_plan_types(override: str | Path | None = None) -> pd.DataFrame:
    """``plan_types.csv``, typed (a folder's copy replaces the shipped one).

    Examples
    --------
    >>> load_plan_types().set_index("plan_type").loc["commercial_self_funded", "state_recoupment_law"]
    'no'
    """
    table, _ = load_rule_table(_SPEC, override)
    table["appeal_days"] = table["appeal_days"].astype("Int64")
    return table


def plan_type_of(payer_type, funding="program") -> np.ndarray:
    """The plan type of each (payer type, funding) pair.

    Parameters
    ----------
    payer_type : str or array of str
        ``medicare``, ``medicaid`` or ``commercial``.
    funding : str or array of str, default "program"
        One of :data:`FUNDING`: ``program`` (Original Medicare, Medicaid
        fee-for-service), ``managed_care`` (Medicare Advantage, a Medicaid
        plan), ``fully_insured`` or ``self_funded`` (commercial).

    Returns
    -------
    numpy.ndarray of str

    Raises
    ------
    InvalidParameterError
        A pair that does not exist (a self-funded Medicare plan).

    Examples
    --------
    >>> plan_type_of(["medicare", "commercial"], ["managed_care", "self_funded"]).tolist()
    ['medicare_advantage', 'commercial_self_funded']
    """
    table = {("medicare", "program"): "medicare_ffs", ("medicare", "managed_care"): "medicare_advantage",
             ("medicaid", "program"): "medicaid_ffs", ("medicaid", "managed_care"): "medicaid_managed_care",
             ("commercial", "fully_insured"): "commercial_fully_insured",
             ("commercial", "self_funded"): "commercial_self_funded"}
    types = np.atleast_1d(np.asarray(payer_type, dtype=object))
    fund = np.broadcast_to(np.atleast_1d(np.asarray(funding, dtype=object)), types.shape)
    out = []
    for t, f in zip(types, fund):
        key = (str(t).strip().lower(), str(f).strip().lower())
        if key not in table:
            raise InvalidParameterError(f"no plan type for payer type {key[0]!r} with funding {key[1]!r}; "
                                        f"expected one of {sorted(table)}")
        out.append(table[key])
    return np.asarray(out, dtype=object)


def plan_rules(plan_type: str, plans: pd.DataFrame | None = None) -> pd.Series:
    """The row of ``plan_types.csv`` for one plan type."""
    plans = load_plan_types() if plans is None else plans
    hit = plans.loc[plans["plan_type"] == plan_type]
    if not len(hit):
        raise InvalidParameterError(f"unknown plan type {plan_type!r}; expected one of {', '.join(PLAN_TYPES)}")
    return hit.iloc[0]


def plan_deadlines(notices: pd.DataFrame, *, plans: pd.DataFrame | None = None,
                   profiles: Profiles | None = None) -> pd.DataFrame:
    """Each notice's first appeal deadline and offset rule under its plan type.

    Parameters
    ----------
    notices : pandas.DataFrame
        notice_id, notice_date, plan_type, and ``state`` (two letters) for
        fully insured commercial plans, whose deadlines are the state's
        (``payer_rules.csv`` and ``appeal_levels.csv``, as :func:`decide` uses).
    plans, profiles : optional

    Returns
    -------
    pandas.DataFrame
        notice_id, plan_type, file_by (NaT where the plan type's rules set no
        single figure), offset_starts (NaT likewise), section_935, state_law,
        rules (who sets them), status.

    Notes
    -----
    Original Medicare: file by notice + 125 days, offset on day 41 (docs/sources.md
    §1.1, 2). Fully insured commercial: the state profile's first appeal
    window and waiting period. Self-funded ERISA plans: 180 days, counted here
    from the notice's date (the earlier, safe side of "receipt"). Medicare
    Advantage non-network providers: the table's window [unconfirmed].
    Medicaid: the state's rules; no single figure.
    """
    plans = load_plan_types() if plans is None else plans
    profiles = profiles or load_profiles()
    rows = []
    for n in notices.itertuples(index=False):
        rule = plan_rules(n.plan_type, plans)
        file_by = offset = pd.NaT
        if n.plan_type in ("medicare_ffs", "commercial_fully_insured"):
            payer_type = "medicare" if n.plan_type == "medicare_ffs" else "commercial"
            dates = profile_dates([n.notice_date], profile_for(profiles, payer_type, getattr(n, "state", None)))
            file_by, offset = dates["file_by"].iloc[0], dates["offset_starts"].iloc[0]
        elif not pd.isna(rule["appeal_days"]):
            file_by = pd.Timestamp(to_days(n.notice_date)[0] + np.timedelta64(int(rule["appeal_days"]), "D"))
        rows.append({"notice_id": n.notice_id, "plan_type": n.plan_type, "file_by": file_by,
                     "offset_starts": offset, "section_935": rule["section_935"] == "yes",
                     "state_law": rule["state_recoupment_law"], "rules": rule["who_sets_the_rules"],
                     "status": rule["status"]})
    return pd.DataFrame(rows, columns=["notice_id", "plan_type", "file_by", "offset_starts", "section_935",
                                       "state_law", "rules", "status"])


def cross_plan_offsets(offsets: pd.DataFrame, claims: pd.DataFrame) -> pd.DataFrame:
    """Flag offsets that recover one plan's overpayment out of another plan's payment.

    Parameters
    ----------
    offsets : pandas.DataFrame
        One row per amount taken back: claim_id (the overpaid claim),
        paying_plan (the plan whose payment was reduced; when a deposit paid
        claims of several plans and the 835 does not say which one's money
        was used, all of them joined by ``;``), and the money: net_amount_cents
        (what was taken back, net of any part the payer deferred: the figure
        every view calls "taken back") and/or amount_cents (gross); money
        columns pass through unchanged.
    claims : pandas.DataFrame
        claim_id, plan_id: the plan each claim was paid under.

    Returns
    -------
    pandas.DataFrame
        ``offsets`` with ``overpaid_plan`` and ``cross_plan``: True when the
        overpaid claim's plan is not the paying plan (not among them); an
        unknown claim is flagged too, with ``overpaid_plan`` blank, since
        nobody can show the offset stayed within one plan.

    Notes
    -----
    In Peterson v. UnitedHealth Group (8th Cir. 2019) the court held that
    plan documents that do not say so do not authorize cross-plan offsetting
    (plan_types.csv, commercial_self_funded, for the source).

    Examples
    --------
    >>> off = pd.DataFrame({"claim_id": ["A", "B"], "paying_plan": ["G1;G2", "G1"], "net_amount_cents": [5, 7]})
    >>> cross_plan_offsets(off, pd.DataFrame({"claim_id": ["A", "B"], "plan_id": ["G2", "G3"]}))["cross_plan"].tolist()
    [False, True]
    """
    plan_of = claims.drop_duplicates("claim_id").set_index("claim_id")["plan_id"]
    out = offsets.copy()
    out["overpaid_plan"] = out["claim_id"].map(plan_of).fillna("").astype("str")
    paying = out["paying_plan"].fillna("").astype("str").str.split(";")
    out["cross_plan"] = [plan == "" or plan not in {p.strip() for p in payers}
                         for plan, payers in zip(out["overpaid_plan"], paying)]
    return out
