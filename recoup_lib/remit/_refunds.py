"""A refund the provider sent, as the payer's 835 acknowledges it: a PLB ``72`` with its ``WO`` pair."""

from __future__ import annotations

import datetime as dt

from .model import ClaimPayment, ProviderAdjustment, plb_offset

__all__ = ["plb_refund_pair"]


def plb_refund_pair(claim: ClaimPayment | str, amount_cents: int, provider_id: str,
                    fiscal_period_date: dt.date, check_number: str, extra: str = ""
                    ) -> tuple[ProviderAdjustment, ProviderAdjustment]:
    """The two PLB pairs that record a voluntary refund check applied to an overpaid claim.

    Parameters
    ----------
    claim : ClaimPayment or str
        The overpaid claim payment (its CLP07 becomes the WO reference) or its
        payer claim control number.
    amount_cents : int
        The refund, positive.
    provider_id : str
        PLB01 (NPI or TIN).
    fiscal_period_date : datetime.date
    check_number : str
        The provider's check; it becomes the 72 reference.
    extra : str, default ""
        Text after the control number in the WO reference (Medicare adds the
        patient's Medicare ID).

    Returns
    -------
    (ProviderAdjustment, ProviderAdjustment)
        ``WO`` with +amount (the overpayment on that claim is recovered) and
        ``72`` with -amount (the refund check received is credited): together
        they leave the payment (BPR02) unchanged, because the money already
        went back by check.

    Notes
    -----
    PLB reason ``72`` is an authorized return: it acknowledges a refund the
    provider sent, usually paired with a ``WO`` of equal and opposite sign
    (docs/sources.md §5.3: Stedi's code list for the meaning [confirmed], a
    payer's PLB guide for the pairing [secondary]). Post the refund once, on
    the day the check was written, not again when this 835 arrives.

    Examples
    --------
    >>> wo, ret = plb_refund_pair("ICN-0", 6000, "1999999984", dt.date(2025, 12, 31), "CHK4471")
    >>> (wo.reason_code, wo.amount_cents, wo.reference), (ret.reason_code, ret.amount_cents, ret.reference)
    (('WO', 6000, 'ICN-0'), ('72', -6000, 'CHK4471'))
    """
    if not str(check_number).strip():
        raise ValueError("a refund acknowledgement names the provider's check: expected a check number")
    recovered = plb_offset(claim, amount_cents, provider_id, fiscal_period_date, extra)
    returned = ProviderAdjustment(provider_id, fiscal_period_date, "72", -int(amount_cents), str(check_number))
    return recovered, returned
