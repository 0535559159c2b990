"""Reconciling remittances: deposits explained to the cent, recoupments linked, notices aged."""

from __future__ import annotations

import datetime as dt
import json
import tempfile
from pathlib import Path

import numpy as np
import pandas as pd
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from recoup_lib.cli import main
from recoup_lib.folder import read_table
from recoup_lib.money import dollars
from recoup_lib.remit import (
    Adjustment,
    ClaimPayment,
    Interchange,
    ProviderAdjustment,
    Remittance,
    ServiceLine,
    plb_deferral,
    plb_forward_balance,
    plb_interest,
    plb_offset,
    read_835,
    reconcile,
    reverse,
    tables_from_models,
    with_forward_balance,
    write_835,
    write_835_from_tables,
)
from recoup_lib.remit.reconcile import (
    AGING_BUCKETS,
    CASH_FLOW_COLUMNS,
    DEPOSIT_COLUMNS,
    ITEM_KINDS,
    LINK_COLUMNS,
    cash_flow,
    deposit_detail,
    deposit_items,
    deposit_options,
    explain_deposits,
    link_recoupments,
    open_ledger,
    recoupments_by_cause,
)

pytestmark = pytest.mark.slow  # its tests take 20 s or more together: conftest.py starts the file first

DATA = Path(__file__).parent / "data" / "835"
NPI = "1999999984"
YEAR_END = dt.date(2025, 12, 31)
PAYER, PAYER_ID = "EXAMPLE MEDICARE CONTRACTOR", "1999999999"
D1, D2, D3 = dt.date(2025, 1, 10), dt.date(2025, 2, 14), dt.date(2025, 3, 14)


def claim(cid, icn, charge, paid, status="1"):
    return ClaimPayment(cid, status, charge, paid, icn, lines=(
        ServiceLine("99213", charge, paid, service_date=dt.date(2024, 12, 2), line_control="1",
                    adjustments=(Adjustment("CO", "45", charge - paid),) if charge != paid else ()),))


def remittance(trace, day, claims=(), plb=()):
    return Remittance(trace, day, PAYER, PAYER_ID, "EXAMPLE CLINIC", NPI, claims=claims,
                      provider_adjustments=plb)


class Scenario:
    """Three deposits of one payer, covering every recoupment pattern of docs/sources.md §5.2-5.5.

    Deposit 1 pays claims A, X, S and B. Deposit 2 pays claim Y; reverses A
    and corrects it (a take-back inside the claim data); offsets X's whole
    payment through WO (X is unrelated to Y); takes the first part of S's
    overpayment; reverses B but defers the money (negative WO); adds L6
    interest. Deposit 3 pays Z, takes the rest of S's overpayment, and takes
    B's deferred money.
    """

    def __init__(self, folder: Path):
        self.a = claim("PCN-A", "ICN-A1", 25000, 15000)
        self.x = claim("PCN-X", "ICN-X1", 40000, 31000)
        self.s = claim("PCN-S", "ICN-S1", 30000, 20000)
        self.b = claim("PCN-B", "ICN-B1", 25000, 15000)
        self.a2 = claim("PCN-A", "ICN-A2", 25000, 9000)
        self.y = claim("PCN-Y", "ICN-Y1", 60000, 50000)
        self.z = claim("PCN-Z", "ICN-Z1", 45000, 40000)
        self.r1 = remittance("T1", D1, (self.a, self.x, self.s, self.b))
        self.r2 = remittance("T2", D2, (self.y, reverse(self.a), self.a2, reverse(self.b)), (
            plb_offset(self.x, 31000, NPI, YEAR_END, extra="1EG4TE5MK73"),
            plb_offset(self.s, 12000, NPI, YEAR_END),
            plb_deferral(self.b, 15000, NPI, YEAR_END),
            plb_interest(235, NPI, YEAR_END)))
        self.r3 = remittance("T3", D3, (self.z,), (plb_offset(self.s, 8000, NPI, YEAR_END),
                                                   plb_offset(self.b, 15000, NPI, YEAR_END)))
        self.paths = [write_835(folder / f"{i}.835", Interchange("S", "R", i, r.payment_date, (r,)))
                      for i, r in enumerate((self.r1, self.r2, self.r3), start=1)]
        self.remit = read_835(self.paths)
        self.notices = pd.DataFrame({
            "notice_id": ["N-A", "N-X", "N-S", "N-B", "N-Q"],
            "payer_id": ["MCR01"] * 5,
            "claim_id": ["PCN-A", "PCN-X", "PCN-S", "PCN-B", "PCN-Q"],
            "line_no": [1] * 5,
            "notice_date": pd.to_datetime(["2025-01-20", "2025-01-02", "2025-01-05", "2025-02-01",
                                           "2025-02-20"]).astype("datetime64[us]"),
            "amount_cents": [6000, 31000, 20000, 15000, 5000],
            "reason_code": ["150", "18", "45", "226", "18"],
            "error_type": ["upcoding", "duplicate_claim", "overpaid_rate", "missing_documentation",
                           "duplicate_claim"]})


@pytest.fixture(scope="module")
def sc(tmp_path_factory):
    return Scenario(tmp_path_factory.mktemp("scenario"))


def row(frame, **where):
    mask = np.ones(len(frame), dtype=bool)
    for k, v in where.items():
        mask &= (frame[k] == v).to_numpy()
    assert mask.sum() == 1, f"expected one row with {where}, found {mask.sum()}"
    return frame.loc[mask].iloc[0]


# ---------------------------------------------------------------------------
# Deposits
# ---------------------------------------------------------------------------

def test_explain_deposits_scenario_parts_match_the_models(sc):
    d = explain_deposits(sc.remit)
    assert list(d.columns) == DEPOSIT_COLUMNS
    assert d["bpr_amount_cents"].tolist() == [r.payment_cents for r in (sc.r1, sc.r2, sc.r3)]
    assert d["unexplained_cents"].tolist() == [0, 0, 0] and d["balanced"].all()
    two = d.iloc[1]
    assert two.claims == 1 and two.paid_for_claims_cents == sc.y.paid_cents
    assert two.reversals_cents == sc.a.paid_cents + sc.b.paid_cents
    assert two.corrections_cents == sc.a2.paid_cents
    assert two.offsets_cents == 31000 + 12000
    assert two.deferred_cents == 15000 and two.interest_cents == 235
    three = d.iloc[2]
    assert three.offsets_cents == 8000 and three.deferrals_taken_cents == 15000
    assert three.recoupments == 2


def test_explain_deposits_sentence_names_each_take_and_the_deposit(sc):
    links = link_recoupments(sc.remit, sc.notices)
    text = explain_deposits(sc.remit, links).loc[1, "sentence"]
    assert text.startswith("$500.00 paid for 1 claim, less $150.00 reversal of claim PCN-A "
                           "(notice N-A, upcoding), plus $90.00 correction of claim PCN-A")
    assert "less $310.00 WO offset for claim PCN-X (notice N-X, duplicate_claim)" in text
    assert "plus $150.00 deferred WO recovery for claim PCN-B" in text
    assert "plus $2.35 interest (L6)" in text
    assert text.endswith(f"= ${sc.r2.payment_cents // 100:,}.{sc.r2.payment_cents % 100:02d} "
                         "deposited.")


def test_explain_deposits_long_deposit_sums_the_items_it_does_not_name(sc):
    text = explain_deposits(sc.remit, max_items=2).loc[1, "sentence"]
    # Named: the reversal and the correction of A; summed: the five items after them.
    rest = -(-sc.b.paid_cents - 31000 - 12000 + 15000 + 235)
    assert f"less ${rest // 100:,}.{rest % 100:02d} in 5 more items" in text


def test_explain_deposits_unbalanced_transaction_reports_the_difference():
    remit = read_835([DATA / "domain-5.5.835"])
    remit.transactions.loc[0, "bpr_amount_cents"] += 100
    d = explain_deposits(remit)
    assert d.loc[0, "unexplained_cents"] == 100 and not d.loc[0, "balanced"]
    assert "UNBALANCED: $1.00" in d.loc[0, "sentence"]


@pytest.mark.parametrize("name", sorted(p.name for p in DATA.glob("*.835")))
def test_explain_deposits_public_and_domain_samples_balance_to_the_cent(name):
    remit = read_835([DATA / name])
    d = explain_deposits(remit)
    assert (d["unexplained_cents"] == remit.transactions["difference_cents"]).all()
    items = deposit_items(remit)
    sums = items.groupby("deposit")["effect_cents"].sum()
    expected = remit.transactions["claim_paid_total_cents"] - \
        remit.transactions["provider_adjustment_total_cents"]
    assert sums.reindex(range(len(d)), fill_value=0).tolist() == expected.tolist()


@pytest.mark.parametrize("paths", [[DATA], [DATA / "medicare-4010.835"]], ids=["every sample", "a reversal"])
def test_summary_claims_paid_less_reversed_is_the_claims_total_recoup_remit_gives(paths):
    """Reconcile's "paid for claims" counts corrections and leaves reversals out; remit's "claims" nets
    them: the paragraph gives the reversals and the net, so the two commands' figures meet to the cent."""
    remit = read_835(paths)
    result = reconcile(remit)
    said, reversed_ = result.summary(), int(result.deposits["reversals_cents"].sum())
    assert reversed_ > 0
    assert f" less {dollars(reversed_)} reversed ({dollars(remit.totals()['claim_paid_total_cents'])} net, " \
        "recoup remit's claims total)" in said


def test_deposit_items_every_clp_and_plb_pair_is_one_item(sc):
    items = deposit_items(sc.remit)
    assert len(items) == len(sc.remit.payments) + len(sc.remit.provider_adjustments)
    assert set(items["kind"]) <= set(ITEM_KINDS)
    assert items.loc[items["kind"] == "correction", "claim_id"].tolist() == ["PCN-A"]
    assert items.loc[items["kind"] == "deferral taken", "reference"].tolist() == ["ICN-B1"]


def test_deposit_items_reversal_without_correction_in_same_deposit_stays_a_reversal(tmp_path):
    a = claim("PCN-A", "ICN-A1", 25000, 15000)
    p = write_835(tmp_path / "r.835", Interchange("S", "R", 1, D2, (
        with_forward_balance(remittance("T9", D2, (reverse(a),))),)))
    items = deposit_items(read_835([p]))
    assert items["kind"].tolist() == ["reversal", "balance forward"]
    assert items["effect_cents"].sum() == 0


# ---------------------------------------------------------------------------
# Links
# ---------------------------------------------------------------------------

def test_link_recoupments_one_row_per_recoupment_in_order(sc):
    links = link_recoupments(sc.remit)
    assert list(links.columns) == LINK_COLUMNS
    assert links["recoupment"].tolist() == list(range(len(sc.remit.recoupments)))
    assert links["amount_cents"].tolist() == sc.remit.recoupments["amount_cents"].tolist()
    assert (links["notice_status"] == "").all()


def test_link_recoupments_reversal_links_to_original_and_nets_the_correction(sc):
    links = link_recoupments(sc.remit)
    a = row(links, claim_id="PCN-A")
    assert (a.kind, a.original_status, a.original_trace_number, a.original_paid_cents) == (
        "reversal", "linked", "T1", sc.a.paid_cents)
    assert a.original_payment_date == pd.Timestamp(D1)
    assert a.correction_cents == sc.a2.paid_cents
    assert a.net_taken_cents == sc.a.paid_cents - sc.a2.paid_cents


def test_link_recoupments_offset_against_unrelated_claim_finds_the_offset_claims_payment(sc):
    links = link_recoupments(sc.remit)
    x = row(links, claim_id="PCN-X")
    assert (x.kind, x.trace_number, x.original_trace_number, x.original_payer_claim_control) == (
        "offset", "T2", "T1", "ICN-X1")
    assert x.net_taken_cents == 31000


def test_link_recoupments_deferral_then_take(sc):
    links = link_recoupments(sc.remit)
    b = links.loc[links["claim_id"] == "PCN-B"]
    assert b["kind"].tolist() == ["reversal", "deferral taken"]
    assert b["deferred_cents"].tolist() == [15000, 0]
    assert b["net_taken_cents"].tolist() == [0, 15000]
    assert (b["original_trace_number"] == "T1").all()


def test_link_recoupments_spread_offset_links_both_parts_to_one_notice(sc):
    links = link_recoupments(sc.remit, sc.notices)
    s = links.loc[links["claim_id"] == "PCN-S"]
    assert s["trace_number"].tolist() == ["T2", "T3"]
    assert s["notice_id"].tolist() == ["N-S", "N-S"] and (s["link_status"] == "linked").all()
    assert s["net_taken_cents"].sum() == 20000


def test_link_recoupments_unknown_reference_is_unlinked_with_reason():
    links = link_recoupments(read_835([DATA / "domain-5.5.835"]))
    off = row(links, mechanism="offset")
    assert off.link_status == "unlinked"
    assert off.reason == ("reference 'ICN-C0-0003 1EG4TE5MK73' matches no claim payment in the "
                          "files read (its original remittance is not among them)")


def test_link_recoupments_notice_of_the_same_payer_wins_over_another_payers(sc):
    extra = pd.concat([sc.notices.assign(payer_id=PAYER_ID), sc.notices.iloc[[1]].assign(
        notice_id="N-X-OTHER", payer_id="OTHER", notice_date=pd.Timestamp("2025-02-10"))],
        ignore_index=True)
    links = link_recoupments(sc.remit, extra)
    assert row(links, claim_id="PCN-X").notice_id == "N-X"
    only_other = extra.loc[extra["notice_id"] == "N-X-OTHER"]
    alone = link_recoupments(sc.remit, pd.concat([only_other, extra.iloc[[0]]]))
    x = row(alone, claim_id="PCN-X")
    assert x.notice_status == "unlinked"
    assert x.notice_reason == "claim PCN-X has notices, but from another payer"


def test_link_recoupments_amount_breaks_a_tie_between_two_notices_of_a_claim(sc):
    two = pd.concat([sc.notices, sc.notices.iloc[[1]].assign(notice_id="N-X2", amount_cents=999,
                                                            notice_date=pd.Timestamp("2025-02-13"))],
                    ignore_index=True)
    assert row(link_recoupments(sc.remit, two), claim_id="PCN-X").notice_id == "N-X"


def _padded(segment: str) -> str:
    """A segment as a payer system that pads its fields writes it: spaces around the ids."""
    body = segment.lstrip("\r\n")
    el = body.split("*")
    where = {"CLP": (1, 7), "TRN": (2, 3), "REF": (2,)}.get(el[0], ())
    for j in where:
        if j < len(el):
            el[j] = f"  {el[j]}   "
    if el[0] == "PLB":
        el[3::2] = [f"{reason}:  {ref.strip()}  " if ":" in c else c
                    for c in el[3::2] for reason, _, ref in [c.partition(":")]]
    return segment[: len(segment) - len(body)] + "*".join(el)


def test_link_recoupments_ids_padded_with_spaces_are_the_same_claims(sc, tmp_path):
    """Spaces around an id are not part of it (X12 drops them): a payer that pads CLP01, CLP07,
    TRN02 or a PLB reference sends the same claims, linked to the same payments and notices."""
    paths = []
    for path in sc.paths:
        segments = path.read_text().split("~")
        paths.append(tmp_path / path.name)
        paths[-1].write_text("~".join(_padded(s) for s in segments))
    padded = read_835(paths)
    assert padded.payments["claim_id"].tolist() == sc.remit.payments["claim_id"].tolist()
    assert padded.transactions["trace_number"].tolist() == sc.remit.transactions["trace_number"].tolist()
    columns = ["claim_id", "kind", "original_status", "original_trace_number", "notice_id", "link_status",
               "net_taken_cents"]
    pd.testing.assert_frame_equal(link_recoupments(padded, sc.notices)[columns],
                                  link_recoupments(sc.remit, sc.notices)[columns])


def test_link_recoupments_notices_without_a_required_column_are_refused(sc):
    with pytest.raises(ValueError, match="missing column.*amount_cents"):
        link_recoupments(sc.remit, sc.notices.drop(columns="amount_cents"))


# ---------------------------------------------------------------------------
# Ledger, cash flow, causes
# ---------------------------------------------------------------------------

def test_open_ledger_after_all_takes(sc):
    ledger = open_ledger(link_recoupments(sc.remit, sc.notices), sc.notices, "2025-03-31")
    assert ledger["status"].tolist() == ["closed", "closed", "closed", "closed", "open"]
    assert ledger["taken_cents"].tolist() == [6000, 31000, 20000, 15000, 0]
    q = row(ledger, notice_id="N-Q")
    assert (q.open_cents, q.days_open, q.aging) == (5000, 39, "31-60")
    s = row(ledger, notice_id="N-S")
    assert (s.takes, s.first_take_date, s.last_take_date) == (2, pd.Timestamp(D2), pd.Timestamp(D3))


def test_open_ledger_between_the_two_parts_of_a_spread_offset(sc):
    ledger = open_ledger(link_recoupments(sc.remit, sc.notices), sc.notices, "2025-02-28")
    s = row(ledger, notice_id="N-S")
    assert (s.taken_cents, s.open_cents, s.status) == (12000, 8000, "partly taken")
    assert s.days_open == (dt.date(2025, 2, 28) - dt.date(2025, 1, 5)).days
    assert s.aging == "31-60"
    assert "N-Q" in ledger["notice_id"].tolist()
    assert "N-Q" not in open_ledger(link_recoupments(sc.remit, sc.notices), sc.notices,
                                    "2025-02-19")["notice_id"].tolist()


@pytest.mark.parametrize("days, bucket", [(0, "0-30"), (30, "0-30"), (31, "31-60"), (60, "31-60"),
                                          (61, "61-90"), (120, "91-120"), (121, ">120")])
def test_open_ledger_aging_bucket_bounds(days, bucket):
    notices = pd.DataFrame({"notice_id": ["N"], "payer_id": ["P"], "claim_id": ["C"],
                            "line_no": [1], "notice_date": [pd.Timestamp("2025-01-01")],
                            "amount_cents": [100], "error_type": ["upcoding"]})
    links = pd.DataFrame({"notice_id": pd.Series([], dtype="str"), "net_taken_cents": [],
                          "payment_date": pd.Series([], dtype="datetime64[us]")})
    as_of = pd.Timestamp("2025-01-01") + pd.Timedelta(days=days)
    assert open_ledger(links, notices, as_of).loc[0, "aging"] == bucket
    assert bucket in dict(AGING_BUCKETS)


def test_cash_flow_by_month_adds_up_to_the_deposits(sc):
    cf = cash_flow(sc.remit)
    assert list(cf.columns) == CASH_FLOW_COLUMNS
    assert cf["period"].dt.month.tolist() == [1, 2, 3]
    assert cf["net_deposits_cents"].tolist() == [r.payment_cents for r in (sc.r1, sc.r2, sc.r3)]
    rebuilt = (cf["paid_cents"] - cf["reversed_cents"] - cf["offset_cents"] + cf["deferred_cents"]
               + cf["interest_cents"] + cf["other_cents"] + cf["unexplained_cents"])
    assert rebuilt.tolist() == cf["net_deposits_cents"].tolist()
    assert cf.loc[1, "reversed_cents"] == sc.a.paid_cents + sc.b.paid_cents


def test_cash_flow_keeps_a_deposit_without_a_payment_date_in_a_last_row(sc, tmp_path):
    # genformai/edi-cli's 835-no-payer-payee.edi: no BPR16 and no DTM*405, so no date at all.
    undated = tmp_path / "undated.835"
    undated.write_text("ST*835*0001~BPR*I*100*C*CHK*20230101~CLP*SIMPLE*1*100*100*0*12*CTRL123~"
                       "SE*4*0001~")
    remit = read_835([*sc.paths, undated])
    cf = cash_flow(remit)
    assert cf["net_deposits_cents"].sum() == remit.transactions["bpr_amount_cents"].sum()
    assert cf["period"].isna().tolist() == [False] * (len(cf) - 1) + [True]
    assert cf.iloc[-1][["deposits", "paid_cents", "net_deposits_cents"]].tolist() == [1, 10_000, 10_000]
    warning = remit.warnings.loc[remit.warnings["file"] == "undated.835", "message"]
    assert warning.str.contains("the deposit is undated").sum() == 1


def test_recoupments_by_cause_totals_the_net_taken(sc):
    links = link_recoupments(sc.remit, sc.notices)
    by = recoupments_by_cause(links)
    assert by["taken_cents"].sum() == links["net_taken_cents"].sum()
    s = by.loc[by["cause"] == "overpaid_rate"]
    assert s["taken_cents"].tolist() == [12000, 8000] and (s["category"] == "overpayment").all()
    plain = recoupments_by_cause(link_recoupments(sc.remit))
    assert set(plain["cause"]) == {"no notice: reversal", "no notice: offset"}


# ---------------------------------------------------------------------------
# Widget logic
# ---------------------------------------------------------------------------

def test_deposit_options_label_every_deposit_in_date_order(sc):
    opts = deposit_options(explain_deposits(sc.remit))
    assert [v for _, v in opts] == [0, 1, 2]
    assert opts[1][0] == f"2025-02-14 · {PAYER} · trace T2 · $" + \
        f"{sc.r2.payment_cents // 100:,}.{sc.r2.payment_cents % 100:02d} (4 taken back)"


def test_deposit_detail_shows_original_and_notice_and_sums_to_the_deposit(sc):
    links = link_recoupments(sc.remit, sc.notices)
    detail = deposit_detail(sc.remit, 1, links)
    assert detail["effect_cents"].sum() == sc.r2.payment_cents
    x = row(detail, kind="offset", claim_id="PCN-X")
    assert x.original_payment == "trace T1 of 2025-01-10, $310.00"
    assert x.notice == "N-X (duplicate_claim)"
    assert row(detail, kind="correction").notice == ""


def test_remittance_explainer_widget_switches_deposit(sc):
    from recoup_lib.widgets.remittance import remittance_explainer

    w = remittance_explainer(sc.remit, sc.notices)
    picker = w.children[0]
    picker.value = 2
    assert "deferred earlier, for claim PCN-B" in w.children[1].value
    assert "N-S" in w.children[2].value


# ---------------------------------------------------------------------------
# Invariant: any balanced remittance is explained to the cent
# ---------------------------------------------------------------------------

CENTS = st.integers(min_value=0, max_value=500_000)


@st.composite
def random_claims(draw, n):
    charge = draw(CENTS)
    adjust = draw(st.integers(0, charge))
    c = ClaimPayment(f"PCN{n:04d}", draw(st.sampled_from(["1", "2", "4", "19"])), charge,
                     charge - adjust, f"ICN{n:06d}",
                     adjustments=(Adjustment("CO", "45", adjust),) if adjust else ())
    return reverse(c) if draw(st.booleans()) and draw(st.booleans()) else c


@st.composite
def random_remittance(draw, k):
    claims = tuple(draw(random_claims(10 * k + i)) for i in range(draw(st.integers(0, 4))))
    refs = st.sampled_from([f"ICN{i:06d}" for i in range(12)] + ["UNKNOWN REF", ""])
    plb = []
    for _ in range(draw(st.integers(0, 5))):
        code = draw(st.sampled_from(["WO", "WO", "FB", "L6", "72", "CS", "J1"]))
        amount = draw(st.integers(-50_000, 50_000).filter(bool))
        plb.append(ProviderAdjustment(NPI, YEAR_END, code, amount, draw(refs)))
    r = Remittance(f"TR{k}", D1 + dt.timedelta(days=17 * k), PAYER, PAYER_ID, "CLINIC", NPI,
                   claims=claims, provider_adjustments=tuple(plb))
    if draw(st.booleans()):
        r = with_forward_balance(r)
    if r.payment_cents < 0:
        r = Remittance(r.trace_number, r.payment_date, PAYER, PAYER_ID, "CLINIC", NPI,
                       claims=r.claims, provider_adjustments=r.provider_adjustments + (
                           plb_forward_balance(r.payment_cents, NPI, YEAR_END),))
    return r


@settings(max_examples=40, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(st.integers(1, 3).flatmap(lambda k: st.tuples(*[random_remittance(i) for i in range(k)])))
def test_every_balanced_deposit_parts_sum_to_the_bpr_amount(rs):
    tables = tables_from_models([Interchange("S", "R", 1, D1, rs)], ["h.835"])
    text = write_835_from_tables(**tables)["h.835"]
    with tempfile.TemporaryDirectory() as folder:
        path = Path(folder) / "h.835"
        path.write_bytes(text)
        remit = read_835([path])
    links = link_recoupments(remit)
    d = explain_deposits(remit, links)
    assert d["balanced"].all() and (d["unexplained_cents"] == 0).all()
    assert d["bpr_amount_cents"].tolist() == [r.payment_cents for r in rs]
    parts = (d["paid_for_claims_cents"] + d["corrections_cents"] - d["reversals_cents"]
             - d["offsets_cents"] - d["deferrals_taken_cents"] + d["deferred_cents"]
             + d["balance_forward_cents"] + d["interest_cents"] - d["other_plb_cents"])
    assert parts.tolist() == d["bpr_amount_cents"].tolist()
    assert len(links) == len(remit.recoupments)
    cf = cash_flow(remit, deposits=d)
    assert cf["net_deposits_cents"].sum() == sum(r.payment_cents for r in rs)


# ---------------------------------------------------------------------------
# Command line
# ---------------------------------------------------------------------------

def test_cli_reconcile_writes_the_four_tables_and_a_paragraph(sc, tmp_path, capsys):
    notices_csv = tmp_path / "notices.csv"
    text = sc.notices.assign(notice_date=sc.notices["notice_date"].dt.strftime("%Y-%m-%d"),
                             amount=sc.notices["amount_cents"].map(lambda c: f"{c / 100:.2f}"))
    text.drop(columns="amount_cents").to_csv(notices_csv, index=False)
    out = tmp_path / "out"
    status = main(["reconcile", str(sc.paths[0].parent), "--notices", str(notices_csv),
                   "--as-of", "2025-02-28", "--out", str(out)])
    said = capsys.readouterr().out
    assert status == 0
    assert "Reconciled 3 deposit(s)" in said and "Every deposit balances to the cent." in said
    assert "as of 2025-02-28, 3 still open" in said
    deposits = read_table(out / "deposits.csv")
    assert deposits.data["unexplained"].tolist() == ["0.00"] * 3
    links = pd.read_csv(out / "recoupment_links.csv", dtype=str)
    assert len(links) == len(sc.remit.recoupments)
    assert links.loc[links["claim_id"] == "PCN-X", "notice_id"].tolist() == ["N-X"]
    ledger = pd.read_csv(out / "open_ledger.csv", dtype=str)
    assert ledger.loc[ledger["notice_id"] == "N-S", "open"].tolist() == ["80.00"]
    flow = pd.read_csv(out / "cash_flow.csv", dtype=str)
    assert flow["period"].tolist() == ["2025-01-31", "2025-02-28", "2025-03-31"]


def test_cli_reconcile_without_notices_writes_an_empty_ledger(sc, tmp_path):
    out = tmp_path / "out"
    assert main(["reconcile", *map(str, sc.paths), "--out", str(out)]) == 0
    assert (out / "open_ledger.csv").read_text().startswith("notice_id,payer_id,claim_id")
    assert len(pd.read_csv(out / "open_ledger.csv")) == 0


def test_cli_reconcile_bad_date_is_a_usage_error(sc, tmp_path, capsys):
    status = main(["reconcile", str(sc.paths[0]), "--as-of", "2025-13-01", "--out",
                   str(tmp_path / "o")])
    err = capsys.readouterr().err
    assert status == 2 and err.count("\n") == 1
    assert "--as-of: expected a real date written YYYY-MM-DD; got '2025-13-01'" in err


def test_cli_reconcile_missing_notices_file_exits_1_with_one_line(sc, tmp_path, capsys):
    status = main(["reconcile", str(sc.paths[0]), "--notices", str(tmp_path / "nope.csv"),
                   "--out", str(tmp_path / "o")])
    err = capsys.readouterr().err
    assert status == 1 and err.count("\n") == 1 and "nope.csv: no such file" in err


def test_cli_reconcile_notices_missing_a_column_exits_1(sc, tmp_path, capsys):
    bad = tmp_path / "notices.csv"
    bad.write_text("notice_id,payer_id,claim_id\nN1,P,C\n")
    status = main(["reconcile", str(sc.paths[0]), "--notices", str(bad), "--out",
                   str(tmp_path / "o")])
    err = capsys.readouterr().err
    assert status == 1 and err.count("\n") == 1 and "notices.csv" in err


def test_cli_reconcile_nothing_readable_exits_1(tmp_path, capsys):
    junk = tmp_path / "junk.835"
    junk.write_text("ISA*broken~")
    status = main(["reconcile", str(junk), "--out", str(tmp_path / "o")])
    err = capsys.readouterr().err
    assert status == 1 and err.count("\n") == 1 and "no usable 835 transaction" in err
    assert (tmp_path / "o" / "rejected.csv").is_file()


def test_cli_reconcile_bad_notice_rows_are_set_aside_and_counted(sc, tmp_path, capsys):
    notices_csv = tmp_path / "notices.csv"
    notices_csv.write_text(
        "notice_id,payer_id,claim_id,line_no,notice_date,amount,reason_code,error_type\n"
        "N-X,MCR01,PCN-X,1,2025-01-02,310.00,18,duplicate_claim\n"
        "N-BAD,MCR01,PCN-S,1,2025-02-30,200.00,45,overpaid_rate\n")
    out = tmp_path / "out"
    assert main(["reconcile", *map(str, sc.paths), "--notices", str(notices_csv), "--out",
                 str(out)]) == 0
    said = capsys.readouterr().out
    assert "Notices: 2 read = 1 used + 1 set aside" in said
    assert (out / "notices_rejected.csv").is_file()



def test_cli_reconcile_sets_aside_notices_dated_after_as_of_with_that_reason(sc, tmp_path, capsys):
    notices_csv = tmp_path / "notices.csv"
    notices_csv.write_text(
        "notice_id,payer_id,claim_id,line_no,notice_date,amount,reason_code,error_type\n"
        "N-X,MCR01,PCN-X,1,2025-01-02,310.00,18,duplicate_claim\n"
        "N-LATE,MCR01,PCN-S,1,2025-03-02,200.00,45,overpaid_rate\n")
    out = tmp_path / "out"
    assert main(["reconcile", *map(str, sc.paths), "--notices", str(notices_csv), "--as-of", "2025-03-01",
                 "--out", str(out)]) == 0
    assert "Notices: 2 read = 1 used + 1 set aside; as of 2025-03-01," in capsys.readouterr().out
    rejected = pd.read_csv(out / "notices_rejected.csv", dtype=str)
    assert rejected["notice_id"].tolist() == ["N-LATE"]
    assert "on or before the as-of date 2025-03-01" in rejected.loc[0, "_reason"]
    assert pd.read_csv(out / "open_ledger.csv", dtype=str)["notice_id"].tolist() == ["N-X"]


BAD_NOTICES = {"N01": ("amount", "-5.00"), "N02": ("amount", "0.00"), "N03": ("payer_id", "NOPE"),
               "N04": ("original_payment_date", "2025-04-01")}


def _appeal_folder_with_bad_notices(tmp_path) -> Path:
    """The appeal tests' folder, four of its notices made unusable (negative, zero, unknown payer, paid after)."""
    import shutil

    folder = tmp_path / "practice"
    shutil.copytree(Path(__file__).parent / "data" / "appeals" / "folder", folder)
    notices = pd.read_csv(folder / "notices.csv", dtype="str", keep_default_na=False)
    for notice_id, (column, value) in BAD_NOTICES.items():
        notices.loc[notices["notice_id"] == notice_id, column] = value
    notices.to_csv(folder / "notices.csv", index=False)
    return folder


def test_cli_reconcile_sets_aside_exactly_the_notices_appeal_sets_aside(sc, tmp_path, capsys):
    from recoup_lib.appeals import read_appeal_folder

    folder = _appeal_folder_with_bad_notices(tmp_path)
    out = tmp_path / "out"
    assert main(["reconcile", *map(str, sc.paths), "--notices", str(folder / "notices.csv"), "--as-of", "2025-06-15",
                 "--out", str(out)]) == 0
    said = capsys.readouterr().out
    assert "Notices: 8 read = 2 used + 6 set aside" in said
    assert "against payers.csv, claim_lines.csv, payments.csv of" in said
    ours = pd.read_csv(out / "notices_rejected.csv", dtype="str", keep_default_na=False)
    theirs = read_appeal_folder(folder).rejected_rows["notices.csv"]
    assert ours["_row"].tolist() == [str(r) for r in theirs["_row"]] == ["2", "3", "4", "5", "8", "9"]
    assert ours["_reason"].tolist() == theirs["_reason"].tolist()
    reasons = ours.set_index("notice_id")["_reason"]
    assert reasons["N01"] == "column 'amount': expected an amount greater than 0; got '-5.00'"
    assert reasons["N02"] == "column 'amount': expected an amount greater than 0; got '0.00'"
    assert reasons["N03"] == "column 'payer_id': expected a payer listed in payers.csv; got 'NOPE'"
    assert reasons["N04"].startswith("columns 'notice_date', 'original_payment_date': expected a notice_date on or "
                                     "after the original_payment_date")
    summary = json.loads((out / "summary.json").read_text(encoding="utf-8"))
    assert (summary["notices_read"], summary["notices_used"], summary["notices_set_aside"]) == (8, 2, 6)


def test_cli_reconcile_notices_on_their_own_are_checked_against_themselves_and_payers_given(sc, tmp_path, capsys):
    folder = _appeal_folder_with_bad_notices(tmp_path)
    alone = tmp_path / "alone"
    alone.mkdir()
    (alone / "notices.csv").write_bytes((folder / "notices.csv").read_bytes())
    out = tmp_path / "out"
    assert main(["reconcile", *map(str, sc.paths), "--notices", str(alone / "notices.csv"), "--out", str(out)]) == 0
    assert "Notices: 8 read = 4 used + 4 set aside" in capsys.readouterr().out
    rejected = pd.read_csv(out / "notices_rejected.csv", dtype="str", keep_default_na=False)
    assert rejected["notice_id"].tolist() == ["N01", "N02", "N04", "N08"]  # N03's payer NOPE: no payers.csv here
    out2 = tmp_path / "out2"
    assert main(["reconcile", *map(str, sc.paths), "--notices", str(alone / "notices.csv"), "--payers",
                 str(folder / "payers.csv"), "--out", str(out2)]) == 0
    assert "Notices: 8 read = 2 used + 6 set aside" in capsys.readouterr().out


def test_cli_reconcile_every_notice_set_aside_warns_and_writes_the_rows(sc, tmp_path, capsys):
    notices_csv = tmp_path / "notices.csv"
    notices_csv.write_text(
        "notice_id,payer_id,claim_id,line_no,notice_date,amount,reason_code,error_type\n"
        "N-X,MCR01,PCN-X,1,2025-01-02,-310.00,18,duplicate_claim\n")
    out = tmp_path / "out"
    assert main(["reconcile", *map(str, sc.paths), "--notices", str(notices_csv), "--out", str(out)]) == 0
    said = capsys.readouterr()
    assert "Notices: 1 read = 0 used + 1 set aside" in said.out
    assert said.err.startswith(f"recoup reconcile: warning: no notice of {notices_csv} could be used (1 read = 0 "
                               "used + 1 set aside: see ")
    assert pd.read_csv(out / "notices_rejected.csv", dtype="str")["_row"].tolist() == ["2"]
    assert len(pd.read_csv(out / "open_ledger.csv")) == 0


def test_cli_reconcile_payers_without_notices_is_a_usage_error(sc, tmp_path, capsys):
    assert main(["reconcile", str(sc.paths[0]), "--payers", str(tmp_path / "payers.csv"), "--out",
                 str(tmp_path / "o")]) == 2
    assert "--payers: only used with --notices" in capsys.readouterr().err


def test_reconcile_without_as_of_uses_the_latest_remittance_or_notice_date_and_says_so(sc, tmp_path):
    notices = pd.DataFrame({"notice_id": ["N-X"], "payer_id": ["MCR01"], "claim_id": ["PCN-X"], "line_no": [1],
                            "notice_date": pd.to_datetime(["2030-06-30"]), "amount_cents": [31000],
                            "reason_code": ["18"], "error_type": ["duplicate_claim"]})
    result = reconcile(sc.paths, notices=notices)
    assert result.as_of == dt.date(2030, 6, 30)
    assert "(the latest remittance or notice date)" in result.summary()
    last = sc.remit.transactions["payment_date"].max().date()
    assert reconcile(sc.paths).as_of == last
    assert reconcile(sc.paths).totals()["as_of_from"] == "the latest remittance or notice date"
    assert reconcile(sc.paths, as_of="2025-06-30").totals()["as_of_from"] == "given"


def test_reconcile_of_remittances_without_any_date_says_no_as_of_was_found(tmp_path):
    """Neither a BPR16 nor a DTM*405 date and no --as-of: summary.json must not say an as-of was given."""
    text = (DATA / "domain-5.5.835").read_text().replace("*20250314~", "~")
    (tmp_path / "undated.835").write_text(text)
    totals = reconcile([tmp_path / "undated.835"]).totals()
    assert totals["as_of"] is None and totals["as_of_from"] == "no date found in the files read"

# ---------------------------------------------------------------------------
# Lesson helper: the chart of causes
# ---------------------------------------------------------------------------

def test_recoupment_chart_draws_one_bar_series_per_cause(sc):
    from recoup_lib.report import recoupment_chart

    by = recoupments_by_cause(link_recoupments(sc.remit, sc.notices))
    fig = recoupment_chart(by, title="t")
    ax = fig.axes[0]
    assert len(ax.containers) == by["cause"].nunique()
    heights = sum(bar.get_height() for c in ax.containers for bar in c)
    assert round(heights * 100) == by["taken_cents"].sum()


# ---------------------------------------------------------------------------
# Against the payer simulator's answer key
# ---------------------------------------------------------------------------

@pytest.mark.parametrize("profile", ["family_practice", "hospital_outpatient"])
def test_generated_practice_taken_per_notice_matches_the_answer_key(tmp_path, profile):
    from recoup_lib.money import parse_cents
    from recoup_lib.synthetic import generate

    folder = generate(tmp_path / "p", lines=1500, seed=11, profile=profile)
    remit = read_835([folder / "remits"])
    notices = read_table(folder / "notices.csv").data
    links = link_recoupments(remit, notices)
    assert explain_deposits(remit, links)["balanced"].all()
    key = read_table(folder / "recoupment_labels.csv").data
    key_taken = pd.Series(parse_cents(key["taken"])[0].to_numpy(), index=key["notice_id"])
    ledger = open_ledger(links, notices, remit.transactions["payment_date"].max())
    ours = ledger.set_index("notice_id")["taken_cents"]
    assert (key_taken > 0).sum() > 5
    assert ours.reindex(key_taken.index).fillna(0).astype("int64").tolist() == \
        key_taken.astype("int64").tolist()
