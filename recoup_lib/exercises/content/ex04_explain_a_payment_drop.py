"""Exercise 04: read a remittance and explain why the payment dropped (reversal, offset).

Drills lesson 00 section 5 and the 835 patterns of docs/sources.md §5.1-5.5: a
seeded remittance is built from :mod:`recoup_lib.remit` models (a plain
payment, a reversal with its correction, a ``WO`` offset for a claim paid
earlier), written as an 835 and read back with :func:`read_835`; expected
answers come from what the reader finds.
"""

from __future__ import annotations

import datetime as dt
import functools
import tempfile
from pathlib import Path

import numpy as np

from ...remit import (Adjustment, ClaimPayment, Interchange, Remittance, ServiceLine, plb_offset,
                      read_835, reverse, taken_back, write_835)
from .._registry import Exercise, register

NPI = "1999999984"
PAY_DAY = dt.date(2025, 9, 12)


def _claim(claim_id: str, icn: str, code: str, charge: int, paid: int, day: dt.date) -> ClaimPayment:
    line = ServiceLine(code, charge, paid, service_date=day, line_control="1",
                       adjustments=(Adjustment("CO", "45", charge - paid),), allowed_cents=paid)
    return ClaimPayment(claim_id, "1", charge, paid, icn, adjustments=(), lines=(line,),
                        patient_last_name="PATIENT")


def payment_drop_remittance(seed: int) -> Interchange:
    """One Medicare remittance, amounts drawn from ``seed``.

    Claims: two plain payments (``PCN-A``, ``PCN-D``), the reversal of an
    earlier payment of ``PCN-B`` followed by its smaller correction, and a
    ``WO`` offset recovering an overpayment on ``PCN-C``, a claim paid weeks
    earlier and absent from this remittance.
    """
    rng = np.random.default_rng(seed)
    cents = lambda low, high: int(rng.integers(low, high)) * 5  # noqa: E731 - amounts in 5-cent steps
    day = PAY_DAY - dt.timedelta(days=int(rng.integers(20, 40)))
    a_paid, d_paid = cents(8_000, 16_000), cents(6_000, 12_000)
    b_paid = cents(10_000, 20_000)
    b_new = b_paid - cents(1_000, 4_000)
    a = _claim("PCN-A", "ICN-A-0001", "99214", 2 * a_paid, a_paid, day)
    d = _claim("PCN-D", "ICN-D-0004", "99213", 2 * d_paid, d_paid, day)
    b0 = _claim("PCN-B", "ICN-B0-0002", "99215", 2 * b_paid, b_paid, day)
    b1 = _claim("PCN-B", "ICN-B1-0005", "99214", 2 * b_paid, b_new, day)
    offset = plb_offset("ICN-C0-0003", cents(5_000, 15_000), NPI, dt.date(PAY_DAY.year, 12, 31))
    remittance = Remittance(f"EFT{seed % 10**7:07d}", PAY_DAY, "EXAMPLE MEDICARE CONTRACTOR",
                            "1999999999", "EXAMPLE CLINIC", NPI,
                            claims=(a, reverse(b0), b1, d), provider_adjustments=(offset,))
    return Interchange("SENDER", "RECEIVER", 1, PAY_DAY, (remittance,))


def read_back(interchange: Interchange, folder: str | Path):
    """Write ``interchange`` as ``payment_drop.835`` in ``folder`` and read it with read_835."""
    return read_835(write_835(Path(folder) / "payment_drop.835", interchange))


@functools.lru_cache(maxsize=4)
def _remit(seed: int):
    with tempfile.TemporaryDirectory() as scratch:
        return read_back(payment_drop_remittance(seed), scratch)


def build(SEED: int) -> dict:
    """The interchange (models) and what read_835 reads from it."""
    return {"interchange": payment_drop_remittance(SEED), "remit": _remit(SEED)}


EX = register(Exercise("ex04_explain_a_payment_drop", "Explain a payment drop", build, {"SEED": 4}))


def _recouped(m, mechanism: str):
    r = m["remit"].recoupments
    return r.loc[r["mechanism"] == mechanism]


@EX.question("q1", prompt="How much money did the payer actually send (the deposit), in dollars?",
             rule="BPR02 is the money that moves: the claims' payments (CLP04) minus the provider-level "
                  "adjustments (PLB), which is why a deposit can be far below the claims on the page.",
             source="docs/sources.md §5.4, 5.5", kind="money")
def _deposit(m):
    return int(m["remit"].transactions["bpr_amount_cents"].iloc[0])


@EX.question("q2", prompt="What do the claim payments on this remittance add up to (sum of CLP04, "
                          "reversal included), in dollars?",
             rule="A reversal carries the original amounts with a minus sign, so it lowers the claims' "
                  "total; the correction that follows is a new payment.",
             source="docs/sources.md §5.2, 5.4", kind="money")
def _claims_total(m):
    return int(m["remit"].transactions["claim_paid_total_cents"].iloc[0])


@EX.question("q3", prompt="Which claim (patient control number, CLP01) was reversed?",
             rule="A reversal is a claim payment with status code 22 that repeats the original's CLP01 "
                  "and payer control number with every amount negated.",
             source="docs/sources.md §5.1, 5.2", kind="choice")
def _reversed_claim(m):
    return str(_recouped(m, "reversal")["claim_id"].iloc[0])


@EX.question("q4", prompt="After the reversal and its correction, how much less is that claim paid than "
                          "before (dollars)?",
             rule="What a reversal and correction cost is the original payment minus the corrected "
                  "one; the reversal alone takes everything back, the correction returns part of it. That "
                  "difference is the money taken back (net_amount in recoup remit's recoupments.csv).",
             source="docs/sources.md §5.2; lesson 00 section 1", kind="money")
def _net_loss(m):
    return taken_back(_recouped(m, "reversal"))


@EX.question("q5", prompt="How much was kept back by an offset (PLB WO), in dollars?",
             rule="An offset recovers an overpayment on an earlier claim out of this payment: a PLB with "
                  "reason WO (overpayment recovery), positive when money is taken.",
             source="docs/sources.md §5.3", kind="money")
def _offset(m):
    return taken_back(_recouped(m, "offset"))


@EX.question("q6", prompt="The offset recovers money on which original claim? Give the payer's claim "
                          "control number it refers to.",
             rule="The PLB reference (PLB03-2) carries the original claim's payer control number "
                  "(CLP07), so the offset can be matched to its notice and claim.",
             source="docs/sources.md §5.3", kind="choice")
def _offset_reference(m):
    r = _recouped(m, "offset")
    return str(r["payer_claim_control"].iloc[0] or r["reference"].iloc[0])


@EX.question("q7", prompt="Was the money for that earlier claim taken by a \"reversal\" or an \"offset\"?",
             rule="A reversal takes money back inside the claim data (status 22); an offset takes it "
                  "out of payments for other claims, at the provider level, which is what makes a "
                  "deposit 'suddenly drop'.",
             source="lesson 00 section 5; docs/sources.md §5.3", kind="choice", choices=("reversal", "offset"))
def _mechanism(m):
    return str(_recouped(m, "offset")["mechanism"].iloc[0])
