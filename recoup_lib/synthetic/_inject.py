"""Inject the contract's ten error types into a clean practice, and write the answer key.

Each injector changes the practice the way the error happens in real offices
and records, line by line, what it did and how much is at risk by the
contract's formula:

==========================  ===============================================================
duplicate_claim             a whole claim (or part of it) resubmitted days later and paid
                            again; some copies the payer caught and denied (CO-18)
duplicate_payment           the payer sent the same amount twice (sometimes reversing once
                            and then paying twice)
overpaid_rate               paid the billed charge, or paid above the contracted rate
upcoding                    an office visit billed one or two levels above the note
unbundling                  a component code billed beside its comprehensive code, on the
                            same claim or split onto another claim the same day
units_over_mue              one line with too many units (milligrams billed as units,
                            minutes as units), or a second line with 76/91 that pushes the
                            day over the limit
missing_documentation       the visit's note cannot be found
missing_signature           the visit's note was never signed
coverage_lapsed             the payer terminated coverage retroactively, or coverage had a
                            month's gap nobody noticed
policy_change               the payer stopped covering a code retroactively (or its system
                            kept paying after a policy it had announced)
==========================  ===============================================================

Injectors work on disjoint lines ("used" ones are skipped), so their errors
do not interfere; the two population-wide ones (coverage, policy) run first
and their labels are finally computed over every paid line in scope.
"""

from __future__ import annotations

import numpy as np
import pandas as pd

from ..money import div_half_up
from ..rules import EM_FAMILIES, ERROR_TYPES
from ._practice import DAY, Practice, _dates, line_fees, month_end, next_weekday, number_payments, pay_weekday
from ._random import stream

__all__ = ["plan_counts", "inject_errors"]

#: Extra lines a duplicated claim adds, per duplicate line flagged (copies the payer
#: denied, and unpaid lines of duplicated claims, are not flagged).
DUPLICATE_BUDGET_FACTOR = 1.2
#: Share of units_over_mue cases done by adding a second line (two lines flagged).
SPLIT_SHARE = 0.2
_BYPASS = r"(?:^|;)(?:59|XE|XS|XP|XU)(?:;|$)"


def plan_counts(n_lines: int, error_rate: float, mix: dict) -> dict:
    """How many lines each error type should flag, and how many lines errors add.

    Largest-remainder split of ``error_rate x n_lines`` over the profile's
    error mix, with at least one line per type once there is room.

    Returns
    -------
    dict
        ``flag`` (error_type -> lines), ``duplicate_budget``, ``unbundling``,
        ``split`` (lines added by each mechanism) and ``added`` (their sum).
    """
    if not 0 <= error_rate <= 0.5:
        raise ValueError(f"error rate must be between 0 and 0.5; got {error_rate}")
    types = list(ERROR_TYPES)
    weights = np.array([float(mix.get(t, 0)) for t in types])
    if weights.sum() <= 0:
        raise ValueError("the profile's error_mix gives no weight to any error type")
    total = int(round(error_rate * n_lines))
    raw = weights / weights.sum() * total
    counts = np.floor(raw).astype(int)
    rest = total - counts.sum()
    counts[np.argsort(-(raw - counts), kind="stable")[:rest]] += 1
    if total >= len(types):
        counts = np.maximum(counts, (weights > 0).astype(int))
    flag = dict(zip(types, counts.tolist()))
    dup_budget = int(np.ceil(flag["duplicate_claim"] * DUPLICATE_BUDGET_FACTOR))
    split = int(round(flag["units_over_mue"] * SPLIT_SHARE / 2))
    added = dup_budget + flag["unbundling"] + split
    if added >= n_lines:
        raise ValueError(f"{n_lines} lines are too few for an error rate of {error_rate}")
    return {"flag": flag, "duplicate_budget": dup_budget, "unbundling": flag["unbundling"],
            "split": split, "added": added}


class _State:
    """Mutable bookkeeping shared by the injectors."""

    def __init__(self, practice: Practice):
        self.p = practice
        self.lines = practice.lines.reset_index(drop=True)
        self.payments = practice.payments.copy()
        self.doc = practice.documentation.copy()
        self.spans = practice.spans.copy()
        self.used = np.zeros(len(self.lines), dtype=bool)
        self.ledger: list[pd.DataFrame] = []
        self.policies: list[dict] = []
        self.coverage_changes: list[dict] = []
        refs = practice.refs
        self.payers = refs.payers.set_index("payer_id")
        self.coins_bp = (self.payers["coinsurance"].astype(float) * 10000).round().astype(np.int64)
        codes = refs.codes.set_index("procedure_code")
        self.codes = codes
        self.charge = codes["charge_per_unit"].astype(np.int64) * 100
        mue = refs.mue.drop_duplicates("procedure_code").set_index("procedure_code")
        self.mue_mai = mue["mai"].reindex(codes.index).to_numpy(dtype=object)
        self.mue_limit = mue["mue_value"].reindex(codes.index).to_numpy(dtype=float)
        self.next_claim = int(self.lines["claim"].max()) + 1 if len(self.lines) else 1

    # -- views -------------------------------------------------------------------------
    def paid(self) -> np.ndarray:
        out = np.zeros(len(self.lines), dtype=np.int64)
        np.add.at(out, self.payments["_line"].to_numpy(dtype=np.int64),
                  self.payments["paid_cents"].to_numpy(dtype=np.int64))
        return out

    def payment_count(self) -> np.ndarray:
        return np.bincount(self.payments["_line"].to_numpy(dtype=np.int64), minlength=len(self.lines))

    def simple_paid(self) -> np.ndarray:
        """Unused lines paid once, by one positive payment."""
        return (~self.used) & (self.paid() > 0) & (self.payment_count() == 1)

    def code_index(self, rows=None) -> np.ndarray:
        column = self.lines["procedure_code"] if rows is None else self.lines["procedure_code"].iloc[rows]
        return column.cat.codes.to_numpy()

    def fee(self, rows: np.ndarray, codes=None) -> np.ndarray:
        return line_fees(self.p.refs, self.lines.iloc[rows], codes)

    def pay_day(self, payer_ids) -> np.ndarray:
        return pay_weekday(self.payers.index, np.asarray(payer_ids, dtype=object))

    def new_claims(self, n: int) -> np.ndarray:
        numbers = np.arange(self.next_claim, self.next_claim + n, dtype=np.int64)
        self.next_claim += n
        return numbers

    def claim_text(self, numbers) -> np.ndarray:
        return self.p.claim_ids(numbers)

    def record(self, rows, error_type: str, at_risk, how) -> None:
        rows = np.asarray(rows, dtype=np.int64)
        how = np.broadcast_to(np.asarray(how, dtype=object), rows.shape)
        self.ledger.append(pd.DataFrame({"_line": rows, "error_type": error_type,
                                         "at_risk_cents": np.asarray(at_risk, dtype=np.int64),
                                         "injected_as": how}))

    def append_lines(self, new: pd.DataFrame) -> np.ndarray:
        start = len(self.lines)
        new = new.reset_index(drop=True).astype({"procedure_code": self.lines["procedure_code"].dtype,
                                                 "payer_id": self.lines["payer_id"].dtype})
        self.lines = pd.concat([self.lines, new], ignore_index=True)
        self.used = np.concatenate([self.used, np.ones(len(new), dtype=bool)])
        return np.arange(start, start + len(new))

    def append_payments(self, rows: pd.DataFrame) -> None:
        self.payments = pd.concat([self.payments, rows], ignore_index=True)

    def add_notes(self, new: pd.DataFrame, rows: np.ndarray) -> None:
        """A present, signed note for each added line."""
        self.doc = pd.concat([self.doc, pd.DataFrame({
            "claim": new["claim"].to_numpy(), "line_no": new["line_no"].to_numpy(),
            "note_present": pd.array(np.ones(len(rows), dtype=bool), dtype="boolean"),
            "signed": pd.array(np.ones(len(rows), dtype=bool), dtype="boolean"),
            "documented_code": np.full(len(rows), "", dtype=object), "_line": rows})], ignore_index=True)

    def payment_of(self, rows: np.ndarray) -> pd.DataFrame:
        """The single payment row of each line, aligned with ``rows``."""
        pay = self.payments
        return pay.loc[pay["_line"].isin(rows)].set_index("_line").reindex(rows)

    def set_payment(self, rows: np.ndarray, **values) -> None:
        """Change the single payment row of each line (lines paid once)."""
        mask = self.payments["_line"].isin(rows).to_numpy()
        order = pd.Series(np.arange(len(rows)), index=rows)
        pos = order.reindex(self.payments.loc[mask, "_line"]).to_numpy()
        for column, value in values.items():
            value = np.asarray(value)
            self.payments.loc[mask, column] = value[pos] if value.ndim else value

    def deny(self, rows: np.ndarray, code: str) -> None:
        """Replace the payments of lines by one denial (lines never posted stay pending)."""
        pay = self.payments
        hit = pay["_line"].isin(rows).to_numpy()
        first = pay.loc[hit].sort_values("payment_date", kind="stable").drop_duplicates("_line")
        self.payments = pay.loc[~hit]
        denial = first.assign(allowed_cents=0, paid_cents=0, deductible_cents=0, coinsurance_cents=0,
                              copay_cents=0, denial_code=code, _kind="original")
        self.append_payments(denial)

    def new_payments(self, new: pd.DataFrame, rows, pay_date, allowed, paid, coinsurance, **extra) -> pd.DataFrame:
        n = len(rows)
        frame = pd.DataFrame({
            "claim": new["claim"].to_numpy(), "line_no": new["line_no"].to_numpy(),
            "payment_date": _dates(pay_date), "allowed_cents": allowed, "paid_cents": paid,
            "deductible_cents": np.zeros(n, dtype=np.int64), "coinsurance_cents": coinsurance,
            "copay_cents": np.zeros(n, dtype=np.int64), "denial_code": np.full(n, "", dtype=object),
            "_line": rows, "_kind": "original"})
        for key, value in extra.items():
            frame[key] = value
        return frame


# -- population-wide injectors ---------------------------------------------------------------

def _policy_change(s: _State, k: int) -> None:
    rng = stream(s.p.seed, "inject-policy_change")
    if k <= 0:
        return
    lines = s.lines
    paid = s.paid()
    kind = lines["kind"].to_numpy().astype(str)
    base = s.p.refs.payer_policies
    taken = set(zip(base["payer_id"], base["procedure_code"]))
    ok = (paid > 0) & ~s.used & ~np.char.startswith(kind, "em_") & (kind != "preventive")
    payer_names = lines["payer_id"].cat.categories
    code_names = lines["procedure_code"].cat.categories
    combined = lines["payer_id"].cat.codes.to_numpy().astype(np.int64) * len(code_names) + s.code_index()
    order = np.argsort(combined, kind="stable")
    bounds = np.searchsorted(combined[order], np.unique(combined))
    groups = dict(zip(np.unique(combined).tolist(), np.split(order, bounds[1:])))
    pairs = np.unique(combined[ok])
    combos = [(int(c) // len(code_names), int(c) % len(code_names)) for c in pairs]
    combos = [c for c in combos if (payer_names[c[0]], code_names[c[1]]) not in taken]
    months = np.arange(s.p.start.astype("datetime64[M]") + 1, s.p.end.astype("datetime64[M]"))
    if not len(months) or not combos:
        return
    service = lines["service_date"].to_numpy().astype("datetime64[D]")
    submitted = lines["submitted_date"].to_numpy().astype("datetime64[D]")
    remaining = k
    to_deny = []
    for i in rng.permutation(len(combos)):
        if remaining <= 0:
            break
        combo = combos[i]
        mine = groups[combo[0] * len(code_names) + combo[1]]
        retro = rng.random() < 0.75
        for month in rng.permutation(months):
            effective = month.astype("datetime64[D]")
            scope = mine[service[mine] >= effective]
            if retro:
                announced = effective + int(rng.integers(30, 121)) * DAY
                flagged = scope[(submitted[scope] < announced) & (paid[scope] > 0)]
                later = scope[submitted[scope] >= announced]
            else:
                announced = effective - int(rng.integers(20, 91)) * DAY
                flagged = scope[paid[scope] > 0]
                later = scope[:0]
            if not len(flagged) or len(flagged) > max(remaining * 1.3 + 2, 3) or s.used[scope].any():
                continue
            to_deny.append(later)
            s.used[scope] = True
            s.policies.append({"payer_id": payer_names[combo[0]], "procedure_code": code_names[combo[1]],
                               "effective_date": effective, "announced_date": announced,
                               "description": ("retroactive coverage change (simulated)" if retro else
                                               "announced change the payer's system did not apply (simulated)")})
            remaining -= len(flagged)
            break
    if to_deny:
        s.deny(np.concatenate(to_deny), "CO-96")


def _coverage_lapsed(s: _State, k: int) -> None:
    """Terminate coverage retroactively (70%) or open a month's gap (30%) for some patients."""
    rng = stream(s.p.seed, "inject-coverage_lapsed")
    if k <= 0:
        return
    lines = s.lines
    paid = s.paid()
    spans = s.spans.reset_index(drop=True)
    single = spans.groupby("patient")["payer_id"].transform("size").to_numpy()
    stable = spans.loc[(spans["span_kind"].to_numpy() == "stable") & (single == 1)]
    used_patient = pd.Series(s.used).groupby(lines["patient"].to_numpy()).any()
    stable = stable.loc[~used_patient.reindex(stable["patient"]).fillna(True).to_numpy(dtype=bool)]
    payer_index = lines["payer_id"].cat.categories
    mine = pd.DataFrame({"patient": lines["patient"].to_numpy(),
                         "payer": lines["payer_id"].cat.codes.to_numpy().astype(np.int64),
                         "service_date": lines["service_date"].to_numpy(), "_paid": paid > 0})
    spans_of = pd.DataFrame({"patient": stable["patient"].to_numpy(),
                             "payer": payer_index.get_indexer(stable["payer_id"].astype(object)).astype(np.int64),
                             "effective_date": stable["effective_date"].to_numpy(), "_span": stable.index.to_numpy()})
    mine = mine.merge(spans_of, on=["patient", "payer"])
    if not len(mine):
        return
    picks = mine.loc[mine["_paid"]].assign(_r=rng.random(int(mine["_paid"].sum())))
    picks = picks.sort_values("_r", kind="stable").drop_duplicates("patient")
    pick = picks["service_date"].to_numpy().astype("datetime64[D]")
    first = pick.astype("datetime64[M]").astype("datetime64[D]")
    effective = picks["effective_date"].to_numpy().astype("datetime64[D]")
    plan = pd.DataFrame({"patient": picks["patient"].to_numpy(), "_span": picks["_span"].to_numpy(),
                         "gap": rng.random(len(picks)) >= 0.7, "end": _dates(first - DAY),
                         "gap_start": _dates(first), "gap_end": _dates(month_end(pick))})
    plan = plan.loc[np.where(plan["gap"], first > effective, first - DAY >= effective)]
    scoped = mine.merge(plan, on=["patient", "_span"])
    date = scoped["service_date"]
    in_scope = np.where(scoped["gap"], (date >= scoped["gap_start"]) & (date <= scoped["gap_end"]),
                        date > scoped["end"])
    counts = pd.Series(in_scope & scoped["_paid"].to_numpy()).groupby(scoped["patient"].to_numpy()).sum()
    plan = plan.assign(count=counts.reindex(plan["patient"]).to_numpy())
    plan = plan.loc[(plan["count"] >= 1) & (plan["count"] <= max(3, int(k * 0.05)))]
    plan = plan.iloc[rng.permutation(len(plan))]
    cum = np.cumsum(plan["count"].to_numpy())
    plan = plan.iloc[: int(np.searchsorted(cum, k)) + 1]
    if not len(plan):
        return
    s.used[lines["patient"].isin(plan["patient"]).to_numpy()] = True
    retro = plan.loc[~plan["gap"]]
    gap = plan.loc[plan["gap"]]
    spans.loc[retro["_span"].to_numpy(), "termination_date"] = retro["end"].to_numpy()
    spans.loc[retro["_span"].to_numpy(), "span_kind"] = "terminated retroactively"
    resumed = spans.loc[gap["_span"].to_numpy()].assign(
        effective_date=(gap["gap_end"] + pd.Timedelta(days=1)).to_numpy(), span_kind="resumed after a gap")
    spans.loc[gap["_span"].to_numpy(), "termination_date"] = (gap["gap_start"] - pd.Timedelta(days=1)).to_numpy()
    spans.loc[gap["_span"].to_numpy(), "span_kind"] = "ended before a gap"
    s.spans = pd.concat([spans, resumed], ignore_index=True)
    payer_of = spans.loc[plan["_span"].to_numpy(), "payer_id"].astype(object).to_numpy()
    patient_text = s.p.patient_ids(plan["patient"].to_numpy())
    for row, payer, patient_id in zip(plan.itertuples(), payer_of, patient_text):
        change = {"patient_id": patient_id, "payer_id": payer}
        if row.gap:
            change.update(kind="coverage gap", gap_start=row.gap_start.date(), gap_end=row.gap_end.date())
        else:
            change.update(kind="retroactive termination", termination_date=row.end.date())
        s.coverage_changes.append(change)


# -- claim- and visit-level injectors --------------------------------------------------------

def _mue_safe_to_double(s: _State) -> np.ndarray:
    """Lines whose code's per-day MUE still holds when the line is billed twice."""
    code = s.code_index()
    mai = s.mue_mai[code]
    limit = np.nan_to_num(s.mue_limit[code], nan=0)
    units = s.lines["units"].to_numpy()
    return pd.isna(mai) | (mai == "1") | (2 * units <= limit)


def _duplicate_claim(s: _State, k: int, budget: int) -> None:
    rng = stream(s.p.seed, "inject-duplicate_claim")
    if budget <= 0:
        return
    lines = s.lines
    paid = s.paid()
    claim = lines["claim"].to_numpy()
    ok_line = ~s.used & (s.payment_count() <= 1) & _mue_safe_to_double(s)
    frame = pd.DataFrame({"claim": claim, "ok": ok_line, "paid": paid > 0, "pos": np.arange(len(lines))})
    per_claim = frame.groupby("claim").agg(ok=("ok", "all"), paid=("paid", "sum"), size=("pos", "size"),
                                           first=("pos", "min"))
    eligible = per_claim.loc[per_claim["ok"] & (per_claim["paid"] > 0)]
    eligible = eligible.iloc[rng.permutation(len(eligible))]
    sizes = eligible["size"].to_numpy(dtype=np.int64)
    # Whole claims while they fit the budget, then part of one more claim to use it exactly.
    take = np.flatnonzero(np.cumsum(sizes) <= budget)
    counts = sizes[take].copy()
    left = budget - int(counts.sum())
    if left > 0 and len(take) < len(eligible):
        take = np.append(take, len(take))
        counts = np.append(counts, min(left, int(sizes[len(take) - 1])))
    if not len(take):
        return
    starts = eligible["first"].to_numpy()[take]
    total = int(counts.sum())
    src = np.repeat(starts, counts) + (np.arange(total) - np.repeat(np.cumsum(counts) - counts, counts))
    new_numbers = np.repeat(s.new_claims(len(take)), counts)
    delay = np.repeat(rng.integers(3, 46, len(take)), counts)
    caught = np.repeat(rng.random(len(take)) < 0.15, counts)
    pay_lag = np.repeat(rng.integers(14, 30, len(take)), counts)
    dup = lines.iloc[src].copy()
    dup["claim"] = new_numbers
    dup["submitted_date"] = dup["submitted_date"] + pd.to_timedelta(delay, unit="D")
    rows = s.append_lines(dup)
    s.used[src] = True
    # Payments: the copy is paid the same as the original line, unless the payer caught it.
    original = s.payment_of(src)
    pay_date = next_weekday(dup["submitted_date"].to_numpy().astype("datetime64[D]") + pay_lag * DAY,
                            s.pay_day(dup["payer_id"]))
    posted = pay_date <= s.p.export_date
    amounts = {c: np.where(caught, 0, original[c].to_numpy(dtype=np.int64)) for c in
               ("allowed_cents", "paid_cents", "deductible_cents", "coinsurance_cents", "copay_cents")}
    pay = pd.DataFrame({
        "claim": dup["claim"].to_numpy(), "line_no": dup["line_no"].to_numpy(),
        "payment_date": _dates(pay_date), **amounts,
        "denial_code": np.where(caught, "CO-18", original["denial_code"].fillna("").to_numpy(dtype=object)),
        "_line": rows, "_kind": "original"})
    s.append_payments(pay.loc[posted])
    # There was no second visit, so some copies have no note of their own: those lines also lack
    # documentation (a line with two findings).
    no_note = np.repeat(rng.random(len(take)) < 0.3, counts)
    docs = s.doc.set_index("_line").reindex(src)
    has_doc = docs["note_present"].notna().to_numpy() & ~no_note
    copy_doc = docs.loc[has_doc].reset_index(drop=True).assign(claim=new_numbers[has_doc], _line=rows[has_doc])
    s.doc = pd.concat([s.doc, copy_doc], ignore_index=True)
    # A copied line carrying 76, 77 or 91 reads as a deliberate repeat: the contract does not
    # call it a duplicate (it is still paid twice, which is why such modifiers are audited).
    repeat = dup["modifiers"].astype(object).str.contains(r"(?:^|;)(?:76|77|91)(?:;|$)").to_numpy(dtype=bool)
    flagged = posted & ~caught & (amounts["paid_cents"] > 0) & (paid[src] > 0) & ~repeat
    s.record(rows[flagged], "duplicate_claim", amounts["paid_cents"][flagged],
             "claim " + s.claim_text(claim[src][flagged]) + " resubmitted " + delay[flagged].astype(str).astype(object)
             + " days later as " + s.claim_text(new_numbers[flagged]) + " and paid again")
    undocumented = posted & (amounts["paid_cents"] > 0) & no_note
    s.record(rows[undocumented], "missing_documentation", amounts["paid_cents"][undocumented],
             "resubmitted claim with no note of its own")


def _documentation_errors(s: _State, k: int, error_type: str) -> None:
    rng = stream(s.p.seed, f"inject-{error_type}")
    if k <= 0:
        return
    lines = s.lines
    paid = s.paid()
    frame = pd.DataFrame({"visit": lines["encounter"].to_numpy(), "free": ~s.used, "paid": paid > 0})
    per_visit = frame.groupby("visit").agg(free=("free", "all"), paid=("paid", "sum"))
    pool = per_visit.loc[per_visit["free"] & (per_visit["paid"] > 0)]
    pool = pool.iloc[rng.permutation(len(pool))]
    cum = np.cumsum(pool["paid"].to_numpy())
    chosen = pool.index.to_numpy()[: int(np.searchsorted(cum, k)) + 1]
    rows = np.flatnonzero(lines["encounter"].isin(chosen).to_numpy())
    s.used[rows] = True
    if error_type == "missing_signature":
        mask = s.doc["_line"].isin(rows).to_numpy()
        s.doc.loc[mask, "note_present"] = True
        s.doc.loc[mask, "signed"] = False
        how = np.full(len(rows), "the visit note was never signed", dtype=object)
    else:
        drop_visit = pd.Series(rng.random(len(chosen)) < 0.6, index=chosen)
        gone = drop_visit.reindex(lines["encounter"].to_numpy()[rows]).to_numpy(dtype=bool)
        s.doc = s.doc.loc[~s.doc["_line"].isin(rows[gone]).to_numpy()]
        mask = s.doc["_line"].isin(rows[~gone]).to_numpy()
        s.doc.loc[mask, "note_present"] = False
        s.doc.loc[mask, "signed"] = pd.NA
        s.doc.loc[mask, "documented_code"] = ""
        how = np.where(gone, "no note on file for the visit", "the note is marked absent").astype(object)
    keep = paid[rows] > 0
    s.record(rows[keep], error_type, paid[rows][keep], how[keep])


def _unbundling(s: _State, k: int) -> None:
    rng = stream(s.p.seed, "inject-unbundling")
    if k <= 0:
        return
    lines = s.lines
    paid = s.paid()
    ptp = s.p.refs.ncci_ptp
    ptp = ptp.loc[ptp["modifier_indicator"].isin(["0", "1"])]
    code = pd.Series(np.asarray(lines["procedure_code"], dtype=object))
    col1_rows = np.flatnonzero(~s.used & (paid > 0) & code.isin(ptp["column_1"]).to_numpy()
                               & (s.payment_count() == 1))
    sel = lines.iloc[col1_rows]
    cand = pd.DataFrame({"col1_line": col1_rows, "encounter": sel["encounter"].to_numpy(),
                         "procedure_code": code.to_numpy()[col1_rows], "service_date": sel["service_date"].to_numpy(),
                         "payer_id": sel["payer_id"].astype(object).to_numpy(),
                         "bypass": sel["modifiers"].astype(object).str.contains(_BYPASS).to_numpy(dtype=bool)})
    cand = cand.merge(ptp, left_on="procedure_code", right_on="column_1")
    date = cand["service_date"]
    active = (cand["effective_date"] <= date) & (cand["deletion_date"].isna() | (cand["deletion_date"] > date))
    # The new line is flagged through its own column-1 line: indicator 0, or 1 without a bypass there.
    flagged = (cand["modifier_indicator"] == "0") | ~cand["bypass"]
    cand = cand.loc[active & flagged]
    limit = pd.Series(s.mue_limit, index=s.codes.index).reindex(cand["column_2"]).to_numpy(dtype=float)
    cand = cand.loc[np.isnan(limit) | (limit >= 1)]
    visits = cand["encounter"].unique()
    in_visits = lines["encounter"].isin(visits).to_numpy()
    present = pd.DataFrame({"encounter": lines["encounter"].to_numpy()[in_visits],
                            "procedure_code": code.to_numpy()[in_visits]}).drop_duplicates().assign(_present=True)
    # Not a code the visit already has.
    cand = cand.merge(present, left_on=["encounter", "column_2"], right_on=["encounter", "procedure_code"],
                      how="left", suffixes=("", "_p"))
    cand = cand.loc[cand["_present"].isna()].drop(columns=["procedure_code_p", "_present"]).reset_index(drop=True)
    # Harmless: the new code is not column 1 of a pair whose column 2 the visit already has.
    as_col1 = ptp[["column_1", "column_2"]].rename(columns={"column_1": "column_2", "column_2": "_other"})
    risky = cand[["encounter", "column_2"]].reset_index(names="_c").merge(as_col1, on="column_2").merge(
        present, left_on=["encounter", "_other"], right_on=["encounter", "procedure_code"])
    cand = cand.drop(index=risky["_c"].unique())
    # Not a code/payer/date a payer policy excludes.
    policies = _all_policies(s)
    if len(policies) and len(cand):
        hit = cand.reset_index(names="_c").merge(policies, left_on=["payer_id", "column_2"],
                                                 right_on=["payer_id", "procedure_code"], suffixes=("", "_pol"))
        cand = cand.drop(index=hit.loc[hit["effective_date_pol"] <= hit["service_date"], "_c"].unique())
    cand = cand.iloc[rng.permutation(len(cand))].drop_duplicates("encounter").head(k)
    if not len(cand):
        return
    src = cand["col1_line"].to_numpy()
    new = lines.iloc[src].copy()
    new["procedure_code"] = cand["column_2"].to_numpy()
    new["modifiers"] = ""
    new["units"] = 1
    new["kind"] = s.codes["kind"].reindex(cand["column_2"]).to_numpy()
    new["charge_cents"] = s.charge.reindex(cand["column_2"]).to_numpy(dtype=np.int64)
    separate = rng.random(len(cand)) < 0.2
    new["line_no"] = _next_line_numbers(lines, new["claim"].to_numpy())
    if separate.any():
        new.loc[separate, "claim"] = s.new_claims(int(separate.sum()))
        new.loc[separate, "line_no"] = 1
        new.loc[separate, "submitted_date"] = new.loc[separate, "submitted_date"] + pd.to_timedelta(
            rng.integers(1, 8, int(separate.sum())), unit="D")
    rows = s.append_lines(new)
    s.used[src] = True
    fee = s.fee(rows)
    bp = s.coins_bp.reindex(new["payer_id"].astype(object)).to_numpy()
    coins = div_half_up(fee * bp, np.full(len(rows), 10000, dtype=np.int64))
    paid_new = fee - coins
    pay_date = s.payment_of(src)["payment_date"].to_numpy().astype("datetime64[D]")
    pay_date = np.where(separate, next_weekday(pay_date + 7 * DAY, s.pay_day(new["payer_id"])), pay_date)
    posted = pay_date <= s.p.export_date
    s.append_payments(s.new_payments(new, rows, pay_date, fee, paid_new, coins).loc[posted])
    s.add_notes(new, rows)
    flagged = posted & (paid_new > 0)
    how = np.where(separate, "component code billed on a separate claim beside ",
                   "component code billed beside ").astype(object)
    how = how + cand["column_1"].to_numpy(dtype=object) + " (NCCI indicator " + cand[
        "modifier_indicator"].to_numpy(dtype=object) + ")"
    s.record(rows[flagged], "unbundling", paid_new[flagged], how[flagged])


def _next_line_numbers(lines: pd.DataFrame, claims: np.ndarray) -> np.ndarray:
    """Line numbers for lines added to existing claims: after the claim's last line, in order."""
    last = pd.Series(lines["line_no"].to_numpy()).groupby(lines["claim"].to_numpy()).max()
    rank = pd.Series(claims).groupby(claims).cumcount().to_numpy()
    return last.reindex(claims).to_numpy() + 1 + rank


def _all_policies(s: _State) -> pd.DataFrame:
    base = s.p.refs.payer_policies[["payer_id", "procedure_code", "effective_date", "announced_date"]]
    base = base.astype({"payer_id": object, "procedure_code": object})
    extra = pd.DataFrame(s.policies, columns=["payer_id", "procedure_code", "effective_date", "announced_date"])
    if len(extra):
        extra = extra.assign(effective_date=_dates(extra["effective_date"].to_numpy()),
                             announced_date=_dates(extra["announced_date"].to_numpy())).astype(
            {"payer_id": object, "procedure_code": object})
        return pd.concat([base, extra], ignore_index=True)
    return base


def _reprice(s: _State, rows: np.ndarray, new_allowed: np.ndarray):
    """Paid after the allowed amount changes, keeping the line's patient share rule."""
    old = s.payment_of(rows)
    old_allowed = old["allowed_cents"].to_numpy(dtype=np.int64)
    old_coins = old["coinsurance_cents"].to_numpy(dtype=np.int64)
    delta = new_allowed - old_allowed
    bp = s.coins_bp.reindex(s.lines["payer_id"].iloc[rows].astype(object)).to_numpy()
    bp = np.where((old_coins == 0) & (old_allowed > 0), 0, bp)
    extra_coins = div_half_up(delta * bp, np.full(len(rows), 10000, dtype=np.int64))
    new_paid = old["paid_cents"].to_numpy(dtype=np.int64) + delta - extra_coins
    s.set_payment(rows, allowed_cents=new_allowed, paid_cents=new_paid, coinsurance_cents=old_coins + extra_coins)
    return new_paid, old_allowed


def _units_over_mue(s: _State, k: int, split_budget: int) -> None:
    rng = stream(s.p.seed, "inject-units_over_mue")
    if k <= 0:
        return
    lines = s.lines
    code = s.code_index()
    mai = s.mue_mai[code]
    limit = s.mue_limit[code]
    units = lines["units"].to_numpy(dtype=np.int64)
    ok = s.simple_paid() & ~pd.isna(mai) & (np.nan_to_num(limit, nan=0) >= 1)
    # One line of that code per visit, so the day's total is this line's units.
    visit_code = pd.factorize(lines["encounter"].to_numpy().astype(np.int64) * (int(code.max()) + 1) + code)[0]
    ok &= np.bincount(visit_code)[visit_code] == 1
    pool = np.flatnonzero(ok)
    pool = pool[rng.permutation(len(pool))]
    split_pool = pool[mai[pool] != "1"][:split_budget]
    single_pool = np.setdiff1d(pool, split_pool, assume_unique=True)
    single_pool = single_pool[rng.permutation(len(single_pool))][: max(k - 2 * len(split_pool), 0)]
    kind = lines["kind"].to_numpy().astype(str)
    # Too many units on one line.
    if len(single_pool):
        r = single_pool
        lim = limit[r].astype(np.int64)
        tenfold = (kind[r] == "drug") & (units[r] * 10 > lim) & (rng.random(len(r)) < 0.6)
        new_units = np.maximum(np.where(tenfold, units[r] * 10, lim + rng.integers(1, 3, len(r))), lim + 1)
        fee = s.fee(r)
        new_paid, _ = _reprice(s, r, fee * new_units)
        s.lines.loc[r, "units"] = new_units
        s.lines.loc[r, "charge_cents"] = s.charge.to_numpy()[code[r]] * new_units
        excess = new_units - lim
        how = np.where(tenfold, "milligrams billed as units", "more units than the MUE allows").astype(object)
        how = how + np.where(mai[r] == "1", " on one line", " for the day").astype(object)
        keep = new_paid > 0
        s.record(r[keep], "units_over_mue", div_half_up(new_paid[keep] * excess[keep], new_units[keep]), how[keep])
        s.used[r] = True
    # A second line with 76 or 91 that pushes the day over the limit.
    if len(split_pool):
        r = split_pool
        lim = limit[r].astype(np.int64)
        extra_units = np.maximum(lim + 1 - units[r], 1)
        new = lines.iloc[r].copy()
        repeat = np.where(kind[r] == "lab", "91", "76").astype(object)
        old_mods = new["modifiers"].astype(object).to_numpy()
        new["modifiers"] = np.where(old_mods == "", repeat, old_mods + ";" + repeat)
        new["units"] = extra_units
        new["charge_cents"] = s.charge.to_numpy()[code[r]] * extra_units
        new["line_no"] = _next_line_numbers(lines, new["claim"].to_numpy())
        rows = s.append_lines(new)
        fee = s.fee(rows)
        base = s.payment_of(r)
        bp = s.coins_bp.reindex(new["payer_id"].astype(object)).to_numpy()
        bp = np.where(base["coinsurance_cents"].to_numpy(dtype=np.int64) == 0, 0, bp)
        allowed = fee * extra_units
        coins = div_half_up(allowed * bp, np.full(len(rows), 10000, dtype=np.int64))
        paid_new = allowed - coins
        s.append_payments(s.new_payments(new, rows, base["payment_date"].to_numpy(), allowed, paid_new, coins))
        s.add_notes(new, rows)
        s.used[r] = True
        total = units[r] + extra_units
        excess = total - lim
        paid_old = s.paid()[r]
        keep = (paid_old > 0) & (paid_new > 0)
        how = "a second line with " + repeat + " took the day over the MUE"
        s.record(r[keep], "units_over_mue", div_half_up(paid_old[keep] * excess[keep], total[keep]), how[keep])
        s.record(rows[keep], "units_over_mue", div_half_up(paid_new[keep] * excess[keep], total[keep]), how[keep])


def _upcoding(s: _State, k: int) -> None:
    rng = stream(s.p.seed, "inject-upcoding")
    if k <= 0:
        return
    lines = s.lines
    code = np.asarray(lines["procedure_code"], dtype=object)
    ladder = {c: (fam, i) for fam, codes in EM_FAMILIES.items() for i, c in enumerate(codes)}
    tops = {fam: len(codes) - 1 for fam, codes in EM_FAMILIES.items()}
    can_rise = [c for c, (fam, i) in ladder.items() if i < tops[fam]]
    doc = s.doc
    plain = np.zeros(len(lines), dtype=bool)
    good = (doc["note_present"].eq(True) & doc["signed"].eq(True)).to_numpy(dtype=bool)
    plain[doc["_line"].to_numpy()[good]] = True
    pool = np.flatnonzero(s.simple_paid() & np.isin(code, can_rise) & plain)
    r = pool[rng.permutation(len(pool))][:k]
    if not len(r):
        return
    step = np.where(rng.random(len(r)) < 0.7, 1, 2)
    fam = [ladder[c][0] for c in code[r]]
    level = np.array([ladder[c][1] for c in code[r]])
    new_level = np.minimum(level + step, [tops[f] for f in fam])
    new_code = np.array([EM_FAMILIES[f][lv] for f, lv in zip(fam, new_level)], dtype=object)
    fee_new = s.fee(r, new_code)
    units = lines["units"].to_numpy(dtype=np.int64)[r]
    new_paid, old_allowed = _reprice(s, r, fee_new * units)
    s.lines.loc[r, "procedure_code"] = new_code
    s.lines.loc[r, "charge_cents"] = s.charge.reindex(new_code).to_numpy(dtype=np.int64) * units
    doc_rows = s.doc["_line"].isin(r).to_numpy()
    original = pd.Series(code[r], index=r)
    s.doc.loc[doc_rows, "documented_code"] = original.reindex(s.doc.loc[doc_rows, "_line"]).to_numpy()
    s.used[r] = True
    keep = new_paid > 0
    s.record(r[keep], "upcoding", np.maximum(new_paid - old_allowed, 0)[keep],
             (code[r] + " documented but billed as " + new_code)[keep])


def _overpaid_rate(s: _State, k: int) -> None:
    rng = stream(s.p.seed, "inject-overpaid_rate")
    pool = np.flatnonzero(s.simple_paid())
    r = pool[rng.permutation(len(pool))][:k]
    if not len(r):
        return
    allowed = s.payment_of(r)["allowed_cents"].to_numpy(dtype=np.int64)
    charge = s.lines["charge_cents"].to_numpy(dtype=np.int64)[r]
    billed = (rng.random(len(r)) < 0.35) & (charge > allowed)
    extra = np.maximum(div_half_up(allowed * rng.integers(8, 61, len(r)), np.full(len(r), 100, dtype=np.int64)), 1)
    new_paid = np.where(billed, charge, allowed + extra)
    s.set_payment(r, paid_cents=new_paid, allowed_cents=new_paid, deductible_cents=0, coinsurance_cents=0,
                  copay_cents=0)
    s.used[r] = True
    s.record(r, "overpaid_rate", new_paid - allowed,
             np.where(billed, "paid the billed charge instead of the fee schedule",
                      "paid above the contracted rate with no patient share taken").astype(object))


def _duplicate_payment(s: _State, k: int) -> None:
    rng = stream(s.p.seed, "inject-duplicate_payment")
    pool = np.flatnonzero(s.simple_paid())
    r = pool[rng.permutation(len(pool))][:k]
    if not len(r):
        return
    base = s.payment_of(r).reset_index(names="_line")
    variant = rng.choice(3, size=len(r), p=[0.7, 0.15, 0.15])
    first_date = base["payment_date"].to_numpy().astype("datetime64[D]")
    pay_day = s.pay_day(s.lines["payer_id"].to_numpy()[r])
    d1 = next_weekday(first_date + rng.integers(7, 36, len(r)) * DAY, pay_day)
    d2 = next_weekday(d1 + 7 * DAY, pay_day)
    late = d2 > s.p.export_date
    d1 = np.where(late, first_date, d1)
    d2 = np.where(late, first_date, d2)
    extra = [base.assign(payment_date=_dates(d1), _kind="duplicate")]
    extra.append(base.loc[variant == 1].assign(payment_date=_dates(d2[variant == 1]), _kind="duplicate"))
    rev = base.loc[variant == 2]
    negated = {c: -rev[c] for c in ["allowed_cents", "paid_cents", "deductible_cents", "coinsurance_cents",
                                   "copay_cents"]}
    extra.append(rev.assign(payment_date=_dates(d1[variant == 2]), _kind="reversal", **negated))
    extra.append(rev.assign(payment_date=_dates(d2[variant == 2]), _kind="duplicate"))
    s.append_payments(pd.concat(extra, ignore_index=True))
    s.used[r] = True
    x = base["paid_cents"].to_numpy(dtype=np.int64)
    s.record(r, "duplicate_payment", np.where(variant == 1, 2 * x, x),
             np.select([variant == 0, variant == 1], ["the same payment sent twice", "the same payment sent three times"],
                       "payment reversed then sent twice").astype(object))


# -- the answer key ------------------------------------------------------------------------

def _population_labels(s: _State) -> pd.DataFrame:
    """coverage_lapsed and policy_change over every paid line, from the final tables."""
    lines = s.lines
    paid = s.paid()
    rows = np.flatnonzero(paid > 0)
    payer_index = lines["payer_id"].cat.categories
    code_index = lines["procedure_code"].cat.categories
    sel = pd.DataFrame({"patient": lines["patient"].to_numpy()[rows],
                        "payer": lines["payer_id"].cat.codes.to_numpy()[rows].astype(np.int64),
                        "code": lines["procedure_code"].cat.codes.to_numpy()[rows].astype(np.int64),
                        "service_date": lines["service_date"].to_numpy()[rows], "_line": rows})
    cov = pd.DataFrame({"patient": s.spans["patient"].to_numpy(),
                        "payer": payer_index.get_indexer(s.spans["payer_id"].astype(object)).astype(np.int64),
                        "effective_date": s.spans["effective_date"].to_numpy(),
                        "termination_date": s.spans["termination_date"].to_numpy()})
    j = sel.merge(cov, on=["patient", "payer"], how="left")
    inside = (j["effective_date"] <= j["service_date"]) & (
        j["termination_date"].isna() | (j["termination_date"] >= j["service_date"]))
    covered = inside.groupby(j["_line"].to_numpy()).any()
    lapsed = covered.index[~covered.to_numpy()].to_numpy()
    changes = {c["patient_id"]: c["kind"] for c in s.coverage_changes}
    patient_text = s.p.patient_ids(lines["patient"].to_numpy()[lapsed])
    how = np.array([f"{changes.get(p, 'coverage')} by the payer" for p in patient_text], dtype=object)
    out = [pd.DataFrame({"_line": lapsed, "error_type": "coverage_lapsed", "at_risk_cents": paid[lapsed],
                         "injected_as": how})]
    pol = _all_policies(s)
    pol = pd.DataFrame({"payer": payer_index.get_indexer(pol["payer_id"]).astype(np.int64),
                        "code": code_index.get_indexer(pol["procedure_code"]).astype(np.int64),
                        "effective_date": pol["effective_date"].to_numpy(),
                        "announced_date": pol["announced_date"].to_numpy()})
    j = sel.merge(pol, on=["payer", "code"])
    j = j.loc[j["effective_date"] <= j["service_date"]].sort_values(
        ["_line", "announced_date"], kind="stable").drop_duplicates("_line")
    retro = (j["announced_date"] > j["service_date"]).to_numpy()
    out.append(pd.DataFrame({"_line": j["_line"].to_numpy(), "error_type": "policy_change",
                             "at_risk_cents": paid[j["_line"].to_numpy()],
                             "injected_as": np.where(retro, "payer policy applied retroactively",
                                                     "paid after the payer's announced policy").astype(object)}))
    return pd.concat(out, ignore_index=True)


def inject_errors(practice: Practice, plan: dict) -> Practice:
    """Add the planned errors to a clean practice and attach its answer key.

    Parameters
    ----------
    practice : Practice
        From :func:`recoup_lib.synthetic._practice.build_clean`.
    plan : dict
        From :func:`plan_counts`.

    Returns
    -------
    Practice
        The same object, with errors injected; ``labels`` (claim, line_no,
        error_type, at_risk_cents, category, injected_as), ``policies`` (the
        payer policies the practice was edited with) and ``coverage_changes``
        set; payments numbered.
    """
    s = _State(practice)
    flag = plan["flag"]
    _policy_change(s, flag["policy_change"])
    _coverage_lapsed(s, flag["coverage_lapsed"])
    _documentation_errors(s, flag["missing_documentation"], "missing_documentation")
    _documentation_errors(s, flag["missing_signature"], "missing_signature")
    before = len(s.lines)
    _unbundling(s, plan["unbundling"])
    _units_over_mue(s, flag["units_over_mue"], plan["split"])
    # Lines the other mechanisms could not place (too few candidates) are made up by duplicates,
    # so the practice has exactly the number of lines asked for.
    shortfall = plan["unbundling"] + plan["split"] - (len(s.lines) - before)
    _duplicate_claim(s, flag["duplicate_claim"], plan["duplicate_budget"] + max(shortfall, 0))
    _upcoding(s, flag["upcoding"])
    _overpaid_rate(s, flag["overpaid_rate"])
    _duplicate_payment(s, flag["duplicate_payment"])

    ledger = pd.concat(s.ledger + [_population_labels(s)], ignore_index=True)
    lines = s.lines
    at = ledger["_line"].to_numpy()
    labels = pd.DataFrame({
        "claim": lines["claim"].to_numpy()[at],
        "line_no": lines["line_no"].to_numpy(dtype=np.int64)[at],
        "error_type": ledger["error_type"].to_numpy(dtype=object),
        "at_risk_cents": ledger["at_risk_cents"].to_numpy(dtype=np.int64),
        "category": ledger["error_type"].map(ERROR_TYPES).to_numpy(dtype=object),
        "injected_as": ledger["injected_as"].to_numpy(dtype=object),
        "_line": at,
    })
    order = {e: i for i, e in enumerate(ERROR_TYPES)}
    rank = labels["error_type"].map(order).to_numpy()
    labels = labels.iloc[np.lexsort((rank, labels["line_no"].to_numpy(), labels["claim"].to_numpy()))]
    practice.labels = labels.reset_index(drop=True)
    practice.payments = number_payments(s.payments.drop(columns=["payment_id"], errors="ignore"))
    practice.lines = lines
    practice.documentation = s.doc.sort_values("_line", kind="stable").reset_index(drop=True)
    practice.spans = s.spans.sort_values(["patient", "effective_date"], kind="stable").reset_index(drop=True)
    descriptions = pd.concat([practice.refs.payer_policies[["payer_id", "procedure_code", "description"]],
                              pd.DataFrame(s.policies, columns=["payer_id", "procedure_code", "description"])])
    practice.policies = _all_policies(s).merge(descriptions.astype({"payer_id": object, "procedure_code": object}),
                                               on=["payer_id", "procedure_code"], how="left")
    practice.coverage_changes = s.coverage_changes
    return practice
