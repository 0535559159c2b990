"""A remittance as small frozen objects: what one X12 835 says, in cents.

The objects mirror the 835 loops (005010X221A1): an :class:`Interchange`
(ISA/GS envelope) holds :class:`Remittance` transactions (ST...SE: one payment
or notice, BPR/TRN), each holding :class:`ClaimPayment` objects (CLP, loop
2100) with claim-level :class:`Adjustment` (CAS) and :class:`ServiceLine`
objects (SVC, loop 2110), and :class:`ProviderAdjustment` pairs (PLB). Money is
integer cents throughout; the payment amount (BPR02) is never stored, it is
computed (:attr:`Remittance.payment_cents`) so that it always balances.

Helpers build the recoupment patterns of ``docs/sources.md`` section 5:
:func:`reverse` (the exact reversal of an earlier claim payment),
:func:`plb_offset`, :func:`plb_deferral` (PLB WO whose reference carries the
original claim's payer claim control number), :func:`plb_interest` (L6) and
:func:`plb_forward_balance` / :func:`with_forward_balance` (FB).
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, field, fields, replace

__all__ = [
    "Adjustment",
    "ServiceLine",
    "ClaimPayment",
    "ProviderAdjustment",
    "Remittance",
    "Interchange",
    "GROUP_CODES",
    "reverse",
    "plb_offset",
    "plb_deferral",
    "plb_interest",
    "plb_forward_balance",
    "with_forward_balance",
]

#: CAS01 group codes of the 5010 835 (docs/sources.md §6.1). ``CR`` existed only in 4010.
GROUP_CODES = ("CO", "PR", "OA", "PI")


def _check_cents(obj) -> None:
    for f in fields(obj):
        if f.name.endswith("_cents"):
            value = getattr(obj, f.name)
            if value is None and f.default is None:
                continue
            if isinstance(value, bool) or not isinstance(value, int):
                raise TypeError(
                    f"{type(obj).__name__}.{f.name} must be integer cents; got {value!r} "
                    f"({type(value).__name__})"
                )


@dataclass(frozen=True)
class Adjustment:
    """One CAS adjustment: group code, reason code (CARC) and amount.

    A positive amount lowers what is paid; a negative one raises it
    (docs/sources.md §5.4). Reversals repeat the original group and reason with the
    amount negated (docs/sources.md §5.2).

    Parameters
    ----------
    group : str
        ``CO``, ``PR``, ``OA`` or ``PI`` (``CR`` only when read from 4010).
    reason : str
        Claim adjustment reason code, e.g. ``"45"``.
    amount_cents : int
    quantity : str, default ""
        CAS04-style adjustment quantity, written as given.
    """

    group: str
    reason: str
    amount_cents: int
    quantity: str = ""

    def __post_init__(self) -> None:
        _check_cents(self)


@dataclass(frozen=True)
class ServiceLine:
    """One SVC service payment (loop 2110).

    Parameters
    ----------
    procedure_code : str
        SVC01-2, e.g. ``"99213"``.
    charge_cents, paid_cents : int
        SVC02 and SVC03.
    modifiers : tuple of str, default ()
        Up to four (SVC01-3..6).
    qualifier : str, default "HC"
        SVC01-1 (``HC`` HCPCS/CPT, ``NU`` revenue code, ...).
    units : int or float, default 1
        SVC05 units of service paid (a quantity: ``1.5`` hours is fine).
    service_date : datetime.date, optional
        DTM*472.
    line_control : str, default ""
        REF*6R line item control number: the submitted line's id (our
        ``line_no``).
    adjustments : tuple of Adjustment
        Line-level CAS.
    allowed_cents : int, optional
        AMT*B6 (informational, not part of balancing).
    revenue_code : str, default ""
        SVC04 (institutional claims).
    remark_codes : tuple of str, default ()
        RARCs of the line (LQ*HE), in order. X12 asks for at least one with
        CARC 16, 96, 129, 234 or 252 (docs/sources.md §6.2-6.3).
    submitted_procedure_qualifier : str, default ""
        SVC06-1, the qualifier of the code billed (``NU`` for a revenue code
        billed for the HCPCS code paid); blank: written with ``qualifier``.
    submitted_procedure_code : str, default ""
        SVC06-2: the code billed, when the payer adjudicated another one
        (``procedure_code``: a downcode, a bundled code).
    submitted_modifiers : tuple of str, default ()
        SVC06-3..6, the modifiers billed with it.
    """

    procedure_code: str
    charge_cents: int
    paid_cents: int
    modifiers: tuple[str, ...] = ()
    qualifier: str = "HC"
    units: int | float = 1
    service_date: dt.date | None = None
    line_control: str = ""
    adjustments: tuple[Adjustment, ...] = ()
    allowed_cents: int | None = None
    revenue_code: str = ""
    remark_codes: tuple[str, ...] = ()
    submitted_procedure_qualifier: str = ""
    submitted_procedure_code: str = ""
    submitted_modifiers: tuple[str, ...] = ()

    def __post_init__(self) -> None:
        _check_cents(self)
        object.__setattr__(self, "modifiers", tuple(self.modifiers))
        object.__setattr__(self, "submitted_modifiers", tuple(self.submitted_modifiers))
        object.__setattr__(self, "adjustments", tuple(self.adjustments))
        object.__setattr__(self, "remark_codes", tuple(self.remark_codes))
        object.__setattr__(self, "line_control", str(self.line_control))

    @property
    def adjustment_total_cents(self) -> int:
        return sum(a.amount_cents for a in self.adjustments)

    @property
    def balanced(self) -> bool:
        """SVC02 - line CAS = SVC03 (docs/sources.md §5.4)."""
        return self.charge_cents - self.adjustment_total_cents == self.paid_cents


@dataclass(frozen=True)
class ClaimPayment:
    """One CLP claim payment (loop 2100).

    Parameters
    ----------
    claim_id : str
        CLP01 patient control number: the provider's claim id.
    status_code : str
        CLP02 (``"1"`` primary, ``"4"`` denied, ``"22"`` reversal; docs/sources.md §5.1).
    charge_cents, paid_cents : int
        CLP03 and CLP04.
    payer_claim_control : str
        CLP07, the payer's number for this adjudication (ICN/DCN).
    patient_responsibility_cents : int, default 0
        CLP05.
    filing_indicator : str, default "MB"
        CLP06 (``MB`` Medicare Part B, ``MA`` Part A, ``MC`` Medicaid, ``CI``
        commercial, ``12`` PPO, ...).
    adjustments : tuple of Adjustment
        Claim-level CAS.
    lines : tuple of ServiceLine
    facility_code, frequency_code : str
        CLP08 (place of service / bill type) and CLP09.
    patient_last_name, patient_first_name, member_id : str
        NM1*QC (the 835 requires a patient name segment).
    remark_codes : tuple of str, default ()
        Claim-level RARCs: MOA03-07 (outpatient) or MIA05, MIA20-24
        (inpatient, when ``covered_days`` is given).
    covered_days : str, default ""
        MIA01 covered days or visits: given, the claim gets an MIA
        (inpatient adjudication) segment instead of an MOA.
    """

    claim_id: str
    status_code: str
    charge_cents: int
    paid_cents: int
    payer_claim_control: str
    patient_responsibility_cents: int = 0
    filing_indicator: str = "MB"
    adjustments: tuple[Adjustment, ...] = ()
    lines: tuple[ServiceLine, ...] = ()
    facility_code: str = "11"
    frequency_code: str = "1"
    patient_last_name: str = "PATIENT"
    patient_first_name: str = ""
    member_id: str = ""
    remark_codes: tuple[str, ...] = ()
    covered_days: str = ""

    def __post_init__(self) -> None:
        _check_cents(self)
        object.__setattr__(self, "adjustments", tuple(self.adjustments))
        object.__setattr__(self, "lines", tuple(self.lines))
        object.__setattr__(self, "remark_codes", tuple(self.remark_codes))
        object.__setattr__(self, "status_code", str(self.status_code))

    @property
    def adjustment_total_cents(self) -> int:
        """Claim-level plus line-level CAS."""
        return sum(a.amount_cents for a in self.adjustments) + sum(
            line.adjustment_total_cents for line in self.lines)

    @property
    def balanced(self) -> bool:
        """CLP03 - claim CAS - line CAS = CLP04, and every line balances (docs/sources.md §5.4)."""
        return (self.charge_cents - self.adjustment_total_cents == self.paid_cents
                and all(line.balanced for line in self.lines))


@dataclass(frozen=True)
class ProviderAdjustment:
    """One PLB reason/amount pair.

    Parameters
    ----------
    provider_id : str
        PLB01 (NPI or TIN).
    fiscal_period_date : datetime.date
        PLB02.
    reason_code : str
        PLB03-1 (``WO`` overpayment recovery, ``FB`` forwarding balance,
        ``L6`` interest, ``72`` authorized return, ...; docs/sources.md §5.3).
    amount_cents : int
        As sent: positive takes money from the provider, negative adds money.
    reference : str, default ""
        PLB03-2; for WO it carries the original claim's CLP07.
    """

    provider_id: str
    fiscal_period_date: dt.date
    reason_code: str
    amount_cents: int
    reference: str = ""

    def __post_init__(self) -> None:
        _check_cents(self)


@dataclass(frozen=True)
class Remittance:
    """One 835 transaction (ST...SE): a payment, or a notice of no payment.

    Parameters
    ----------
    trace_number : str
        TRN02, the check or EFT trace number.
    payment_date : datetime.date
        BPR16, the check issue or EFT effective date (also written as the
        DTM*405 production date).
    payer_name, payer_id : str
        N1*PR name; TRN03 payer identifier (``1`` + EIN by convention).
    payee_name, payee_npi : str
        N1*PE name and NPI (N103 ``XX``).
    claims : tuple of ClaimPayment
    provider_adjustments : tuple of ProviderAdjustment
    payment_method : str, default "CHK"
        BPR04: ``CHK``, ``ACH`` (written with fictional bank ids) or ``NON``
        (used automatically when nothing is paid).
    control_number : str, optional
        ST02; numbered ``0001``, ``0002``... in the group when absent.
    """

    trace_number: str
    payment_date: dt.date
    payer_name: str
    payer_id: str
    payee_name: str
    payee_npi: str
    claims: tuple[ClaimPayment, ...] = ()
    provider_adjustments: tuple[ProviderAdjustment, ...] = ()
    payment_method: str = "CHK"
    control_number: str | None = None

    def __post_init__(self) -> None:
        object.__setattr__(self, "claims", tuple(self.claims))
        object.__setattr__(self, "provider_adjustments", tuple(self.provider_adjustments))

    @property
    def claim_paid_cents(self) -> int:
        return sum(c.paid_cents for c in self.claims)

    @property
    def provider_adjustment_cents(self) -> int:
        return sum(p.amount_cents for p in self.provider_adjustments)

    @property
    def payment_cents(self) -> int:
        """BPR02 = sum of CLP04 - sum of PLB amounts (docs/sources.md §5.4)."""
        return self.claim_paid_cents - self.provider_adjustment_cents


@dataclass(frozen=True)
class Interchange:
    """An ISA/GS envelope around one or more remittances (one file).

    Parameters
    ----------
    sender_id, receiver_id : str
        ISA06/ISA08 (qualifier ``ZZ``) and GS02/GS03.
    control_number : int
        ISA13 and GS06.
    date : datetime.date
        ISA09/GS04.
    time : str, default "1200"
        HHMM for ISA10/GS05 (fixed, so output is reproducible).
    usage : str, default "P"
        ISA15: ``P`` production, ``T`` test.
    remittances : tuple of Remittance
    """

    sender_id: str
    receiver_id: str
    control_number: int
    date: dt.date
    remittances: tuple[Remittance, ...] = field(default_factory=tuple)
    time: str = "1200"
    usage: str = "P"

    def __post_init__(self) -> None:
        object.__setattr__(self, "remittances", tuple(self.remittances))


def _negate(adjustments: tuple[Adjustment, ...]) -> tuple[Adjustment, ...]:
    return tuple(replace(a, amount_cents=-a.amount_cents) for a in adjustments)


def reverse(claim: ClaimPayment) -> ClaimPayment:
    """Build the reversal of an earlier claim payment.

    Parameters
    ----------
    claim : ClaimPayment
        The payment as originally sent.

    Returns
    -------
    ClaimPayment
        Status ``22``; charge, paid, patient responsibility, every CAS amount
        and every line's charge, paid and allowed amount negated; the same
        group and reason codes; the same CLP01 and CLP07 so the provider can
        find the original. Units are kept as sent.

    Notes
    -----
    X12 RFIs #1147, #2442 and #1429 (docs/sources.md §5.2): a reversal negates every
    original amount and, since 5010 removed group code ``CR``, repeats the
    original group codes. RFI #2150: CLP01 stays the original patient control
    number. The correction, if any, is a separate claim payment with a normal
    status, placed after the reversal (RFI #288, #791).

    Examples
    --------
    >>> original = ClaimPayment("PCN-B200", "1", 25000, 15000, "ICN-B0-0001",
    ...                         adjustments=(Adjustment("CO", "45", 10000),))
    >>> r = reverse(original)
    >>> r.status_code, r.charge_cents, r.paid_cents, r.adjustments[0].amount_cents
    ('22', -25000, -15000, -10000)
    """
    lines = tuple(
        replace(
            line,
            charge_cents=-line.charge_cents,
            paid_cents=-line.paid_cents,
            allowed_cents=None if line.allowed_cents is None else -line.allowed_cents,
            adjustments=_negate(line.adjustments),
        )
        for line in claim.lines
    )
    return replace(
        claim,
        status_code="22",
        charge_cents=-claim.charge_cents,
        paid_cents=-claim.paid_cents,
        patient_responsibility_cents=-claim.patient_responsibility_cents,
        adjustments=_negate(claim.adjustments),
        lines=lines,
    )


def _reference(claim: ClaimPayment | str, extra: str) -> str:
    control = claim.payer_claim_control if isinstance(claim, ClaimPayment) else str(claim)
    return f"{control} {extra}".strip() if extra else control


def plb_offset(claim: ClaimPayment | str, amount_cents: int, provider_id: str,
               fiscal_period_date: dt.date, extra: str = "") -> ProviderAdjustment:
    """A PLB ``WO`` that takes back ``amount_cents`` owed on an earlier claim.

    Parameters
    ----------
    claim : ClaimPayment or str
        The original claim payment (its CLP07 becomes the reference) or the
        payer claim control number itself.
    amount_cents : int
        Positive: the money recovered now.
    provider_id : str
        PLB01 (NPI or TIN).
    fiscal_period_date : datetime.date
    extra : str, default ""
        Text after the control number, e.g. the patient's Medicare id
        (Medicare writes "ICN HIC"; docs/sources.md §5.3).

    Returns
    -------
    ProviderAdjustment

    Notes
    -----
    A positive WO is money taken from the provider (docs/sources.md §5.3); the payer
    puts the original claim's control number in the reference (X12 RFI #227,
    #578; Noridian's offset article).

    Examples
    --------
    >>> plb_offset("ICN-C0-0003", 7500, "1999999984", dt.date(2025, 12, 31),
    ...            extra="1EG4TE5MK73").reference
    'ICN-C0-0003 1EG4TE5MK73'
    """
    if amount_cents <= 0:
        raise ValueError(f"an offset takes money back: expected a positive amount; got {amount_cents}")
    return ProviderAdjustment(provider_id, fiscal_period_date, "WO", amount_cents,
                              _reference(claim, extra))


def plb_deferral(claim: ClaimPayment | str, amount_cents: int, provider_id: str,
                 fiscal_period_date: dt.date, extra: str = "") -> ProviderAdjustment:
    """A negative PLB ``WO``: the payer reverses a claim but defers taking the money.

    Later the payer recovers it with :func:`plb_offset` for the same claim
    and amount (X12 RFI #227 and #578; docs/sources.md §5.2 and 5.5).

    Parameters
    ----------
    claim, provider_id, fiscal_period_date, extra
        As for :func:`plb_offset`.
    amount_cents : int
        Positive: the amount whose recovery is deferred (written negated).

    Returns
    -------
    ProviderAdjustment

    Examples
    --------
    >>> plb_deferral("ICN-B0-0001", 15000, "1999999984", dt.date(2025, 12, 31)).amount_cents
    -15000
    """
    if amount_cents <= 0:
        raise ValueError(f"expected the positive amount being deferred; got {amount_cents}")
    return ProviderAdjustment(provider_id, fiscal_period_date, "WO", -amount_cents,
                              _reference(claim, extra))


def plb_interest(amount_cents: int, provider_id: str, fiscal_period_date: dt.date,
                 reference: str = "") -> ProviderAdjustment:
    """A PLB ``L6``: interest paid to the provider (sent negative: it adds money).

    Examples
    --------
    >>> plb_interest(235, "1999999984", dt.date(2025, 12, 31)).amount_cents
    -235
    """
    if amount_cents <= 0:
        raise ValueError(f"expected the positive interest amount; got {amount_cents}")
    return ProviderAdjustment(provider_id, fiscal_period_date, "L6", -amount_cents, reference)


def plb_forward_balance(amount_cents: int, provider_id: str, fiscal_period_date: dt.date,
                        reference: str = "") -> ProviderAdjustment:
    """A PLB ``FB``: negative carries a balance forward, positive applies it now.

    A remittance whose claims would make the payment negative carries the
    shortfall forward with a negative FB, bringing BPR02 to zero; a later
    remittance takes it back with the same amount positive (docs/sources.md §5.3;
    X12 RFI #1604).

    Examples
    --------
    >>> plb_forward_balance(-4000, "1999999984", dt.date(2025, 12, 31)).amount_cents
    -4000
    """
    if amount_cents == 0:
        raise ValueError("a forward balance of zero says nothing; expected a non-zero amount")
    return ProviderAdjustment(provider_id, fiscal_period_date, "FB", amount_cents, reference)


def with_forward_balance(remittance: Remittance, fiscal_period_date: dt.date | None = None,
                         reference: str = "") -> Remittance:
    """Return ``remittance`` with an FB carrying any negative payment forward.

    Parameters
    ----------
    remittance : Remittance
    fiscal_period_date : datetime.date, optional
        PLB02; defaults to December 31 of the payment year.
    reference : str, default ""

    Returns
    -------
    Remittance
        Unchanged when the payment is zero or more; otherwise with a negative
        FB of the shortfall added, so the payment (BPR02) becomes zero.

    Examples
    --------
    >>> r = Remittance("T1", dt.date(2025, 3, 14), "PAYER", "1999", "CLINIC", "1999999984",
    ...                claims=(ClaimPayment("A", "22", -5000, -5000, "ICN1"),))
    >>> with_forward_balance(r).payment_cents
    0
    """
    shortfall = remittance.payment_cents
    if shortfall >= 0:
        return remittance
    date = fiscal_period_date or dt.date(remittance.payment_date.year, 12, 31)
    fb = plb_forward_balance(shortfall, remittance.payee_npi, date, reference)
    return replace(remittance, provider_adjustments=remittance.provider_adjustments + (fb,))
