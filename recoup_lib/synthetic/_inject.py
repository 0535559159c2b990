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
from ..reference.pricing import fee_per_unit
from ..rules._vocabulary import EM_FAMILIES, ERROR_TYPES
from ._practice import DAY, Practice, _number_payments, _to_pandas_dates, month_end, next_weekday
from ._random import stream

__all__ = ["plan_counts", "inject_errors", "ADDED_LINE_SHARE"]

#: Extra lines a duplicated claim adds, per duplicate line flagged (copies the payer
#: denied, and unpaid lines of duplicated claims, are not flagged).
DUPLICATE_BUDGET_FACTOR = 1.2
#: Share of units_over_mue cases done by adding a second line (two lines flagged).
SPLIT_SHARE = 0.2
ADDED_LINE_SHARE = {"duplicate_claim": DUPLICATE_BUDGET_FACTOR, "unbundling": 1.0}


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
        self.payer_list = list(self.payers.index)
        self.coins_bp = (self.payers["coinsurance"].astype(float) * 10000).round().astype(np.int64)
        self.mue = refs.mue.drop_duplicates("procedure_code").set_index("procedure_code")
        self.charge = refs.codes.set_index("procedure_code")["charge_per_unit"].astype(int) * 100
        self.kinds = refs.codes.set_index("procedure_code")["kind"]
        self.next_claim = len(practice.encounters) + 1
        self.claim_width = len(self.lines["claim_id"].iloc[0]) - 1 if len(self.lines) else 7

    # -- views -------------------------------------------------------------------------
    def paid(self) -> np.ndarray:
        out = np.zeros(len(self.lines), dtype=np.int64)
        np.add.at(out, self.payments["_line"].to_numpy(dtype=np.int64),
                  self.payments["paid_cents"].to_numpy(dtype=np.int64))
        return out

    def payment_count(self) -> np.ndarray:
        return np.bincount(self.payments["_line"].to_numpy(dtype=np.int64), minlength=len(self.lines))

    def simple_paid(self) -> np.ndarray:
        """Unused lines paid once, by one positive payment, not pending."""
        return (~self.used) & (self.paid() > 0) & (self.payment_count() == 1)

    def fee(self, rows: np.ndarray, codes=None) -> np.ndarray:
        sel = self.lines.iloc[rows]
        code = sel["procedure_code"].to_numpy() if codes is None else np.asarray(codes)
        f = fee_per_unit(self.p.refs.fee_schedule, sel["payer_id"].to_numpy(), code,
                         sel["service_date"].to_numpy())
        return f.to_numpy(dtype=np.int64, na_value=-1)

    def pay_day(self, payer_ids) -> np.ndarray:
        """Each payer's weekly payment weekday (see ``_practice._price_and_pay``)."""
        days = pd.Series(np.arange(len(self.payer_list)) % 5, index=self.payer_list)
        return days.reindex(np.asarray(payer_ids)).to_numpy(dtype=np.int64)

    def add_notes(self, new: pd.DataFrame, rows: np.ndarray) -> None:
        """A present, signed note for each added line."""
        self.doc = pd.concat([self.doc, pd.DataFrame({
            "claim_id": new["claim_id"].to_numpy(), "line_no": new["line_no"].to_numpy(),
            "note_present": pd.array([True] * len(rows), dtype="boolean"),
            "signed": pd.array([True] * len(rows), dtype="boolean"), "documented_code": "",
            "_line": rows})], ignore_index=True)

    def new_claim_ids(self, n: int) -> np.ndarray:
        ids = np.arange(self.next_claim, self.next_claim + n)
        self.next_claim += n
        return np.char.add("C", np.char.zfill(ids.astype(str), self.claim_width))

    def record(self, rows, error_type: str, at_risk, how) -> None:
        rows = np.asarray(rows, dtype=np.int64)
        how = np.broadcast_to(np.asarray(how, dtype=object), rows.shape)
        self.ledger.append(pd.DataFrame({"_line": rows, "error_type": error_type,
                                         "at_risk_cents": np.asarray(at_risk, dtype=np.int64),
                                         "injected_as": how}))

    def append_lines(self, new: pd.DataFrame) -> np.ndarray:
        start = len(self.lines)
        new = new.reset_index(drop=True)
        self.lines = pd.concat([self.lines, new], ignore_index=True)
        self.used = np.concatenate([self.used, np.ones(len(new), dtype=bool)])
        return np.arange(start, start + len(new))

    def append_payments(self, rows: pd.DataFrame) -> None:
        self.payments = pd.concat([self.payments, rows], ignore_index=True)

    def payment_rows(self, rows: np.ndarray) -> pd.DataFrame:
        return self.payments.loc[self.payments["_line"].isin(rows)]

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
        first = pay.loc[pay["_line"].isin(rows)].sort_values("payment_date").drop_duplicates("_line")
        self.payments = pay.loc[~pay["_line"].isin(rows)]
        denial = first.assign(allowed_cents=0, paid_cents=0, deductible_cents=0, coinsurance_cents=0,
                              copay_cents=0, denial_code=code, _kind="original")
        self.append_payments(denial)


# -- population-wide injectors ---------------------------------------------------------------

def _policy_change(s: _State, k: int) -> None:
    rng = stream(s.p.seed, "inject-policy_change")
    lines = s.lines
    paid = s.paid()
    kind = lines["kind"].to_numpy(dtype=str)
    base = s.p.refs.payer_policies
    taken = set(zip(base["payer_id"], base["procedure_code"]))
    ok = (paid > 0) & ~s.used & ~np.char.startswith(kind, "em_") & (kind != "preventive")
    groups = lines.groupby(["payer_id", "procedure_code"], sort=True).indices
    combos = [c for c in sorted(set(zip(lines["payer_id"].to_numpy()[ok], lines["procedure_code"].to_numpy()[ok])))
              if c not in taken]
    months = np.arange(s.p.start.astype("datetime64[M]") + 1, s.p.end.astype("datetime64[M]"))
    if not len(months):
        return
    service = lines["service_date"].to_numpy().astype("datetime64[D]")
    submitted = lines["submitted_date"].to_numpy().astype("datetime64[D]")
    remaining = k
    to_deny = []
    for i in rng.permutation(len(combos)):
        if remaining <= 0:
            break
        payer, code = combos[i]
        mine = groups[(payer, code)]
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
            s.policies.append({"payer_id": payer, "procedure_code": code,
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
    single = spans.groupby("patient_id")["payer_id"].transform("size").to_numpy()
    stable = spans.loc[(spans["span_kind"].to_numpy() == "stable") & (single == 1)]
    used_patient = pd.Series(s.used).groupby(lines["patient_id"].to_numpy()).any()
    stable = stable.loc[~used_patient.reindex(stable["patient_id"]).fillna(True).to_numpy(dtype=bool)]
    mine = lines[["patient_id", "payer_id", "service_date"]].assign(_line=np.arange(len(lines)),
                                                                   _paid=paid > 0)
    mine = mine.merge(stable[["patient_id", "payer_id", "effective_date"]].reset_index(names="_span"),
                      on=["patient_id", "payer_id"])
    if not len(mine):
        return
    picks = mine.loc[mine["_paid"]].assign(_r=rng.random(int(mine["_paid"].sum())))
    picks = picks.sort_values("_r", kind="stable").drop_duplicates("patient_id")
    pick = picks["service_date"].to_numpy().astype("datetime64[D]")
    first = pick.astype("datetime64[M]").astype("datetime64[D]")
    effective = picks["effective_date"].to_numpy().astype("datetime64[D]")
    plan = pd.DataFrame({"patient_id": picks["patient_id"].to_numpy(), "_span": picks["_span"].to_numpy(),
                         "gap": rng.random(len(picks)) >= 0.7,
                         "end": _to_pandas_dates(first - DAY), "gap_start": _to_pandas_dates(first),
                         "gap_end": _to_pandas_dates(month_end(pick))})
    plan = plan.loc[np.where(plan["gap"], first > effective, first - DAY >= effective)]
    scoped = mine.merge(plan, on=["patient_id", "_span"])
    date = scoped["service_date"]
    in_scope = np.where(scoped["gap"], (date >= scoped["gap_start"]) & (date <= scoped["gap_end"]),
                        date > scoped["end"])
    counts = pd.Series(in_scope & scoped["_paid"].to_numpy()).groupby(scoped["patient_id"].to_numpy()).sum()
    plan = plan.assign(count=counts.reindex(plan["patient_id"]).to_numpy())
    cap = max(3, int(k * 0.05))
    plan = plan.loc[(plan["count"] >= 1) & (plan["count"] <= cap)]
    plan = plan.iloc[rng.permutation(len(plan))]
    cum = np.cumsum(plan["count"].to_numpy())
    plan = plan.iloc[: int(np.searchsorted(cum, k)) + 1]
    if not len(plan):
        return
    chosen = set(plan["patient_id"])
    s.used[lines["patient_id"].isin(chosen).to_numpy()] = True
    retro = plan.loc[~plan["gap"]]
    gap = plan.loc[plan["gap"]]
    spans.loc[retro["_span"].to_numpy(), "termination_date"] = retro["end"].to_numpy()
    spans.loc[retro["_span"].to_numpy(), "span_kind"] = "terminated retroactively"
    resumed = spans.loc[gap["_span"].to_numpy()].assign(
        effective_date=(gap["gap_end"] + pd.Timedelta(days=1)).to_numpy(), span_kind="resumed after a gap")
    spans.loc[gap["_span"].to_numpy(), "termination_date"] = (gap["gap_start"] - pd.Timedelta(days=1)).to_numpy()
    spans.loc[gap["_span"].to_numpy(), "span_kind"] = "ended before a gap"
    s.spans = pd.concat([spans, resumed], ignore_index=True)
    payer_of = stable.set_index("patient_id")["payer_id"]
    for row in plan.itertuples():
        change = {"patient_id": row.patient_id, "payer_id": payer_of[row.patient_id]}
        if row.gap:
            change.update(kind="coverage gap", gap_start=row.gap_start.date(), gap_end=row.gap_end.date())
        else:
            change.update(kind="retroactive termination", termination_date=row.end.date())
        s.coverage_changes.append(change)


# -- claim- and visit-level injectors --------------------------------------------------------

def _mue_safe_to_double(s: _State) -> np.ndarray:
    """Lines whose code's per-day MUE still holds when the line is billed twice."""
    code = s.lines["procedure_code"]
    mai = s.mue["mai"].reindex(code).to_numpy()
    limit = s.mue["mue_value"].reindex(code).to_numpy(dtype=float)
    units = s.lines["units"].to_numpy()
    return pd.isna(mai) | (mai == "1") | (2 * units <= np.nan_to_num(limit, nan=0))


def _duplicate_claim(s: _State, k: int, budget: int) -> None:
    rng = stream(s.p.seed, "inject-duplicate_claim")
    lines = s.lines
    paid = s.paid()
    single = s.payment_count() <= 1
    claim_ok = pd.Series(~s.used & single & _mue_safe_to_double(s)).groupby(lines["claim_id"].to_numpy()).all()
    claim_paid = pd.Series(paid > 0).groupby(lines["claim_id"].to_numpy()).sum()
    claim_size = lines.groupby("claim_id").size()
    eligible = claim_ok.index[claim_ok.to_numpy() & (claim_paid.reindex(claim_ok.index).to_numpy() > 0)]
    eligible = eligible[rng.permutation(len(eligible))]
    sizes = claim_size.reindex(eligible).to_numpy(dtype=np.int64)
    # Whole claims while they fit the budget, then part of one more claim to use it exactly.
    fits = np.cumsum(sizes) <= budget
    take = np.flatnonzero(fits)
    counts = sizes[take].copy()
    left = budget - int(counts.sum())
    if left > 0 and len(take) < len(eligible):
        take = np.append(take, len(take))
        counts = np.append(counts, min(left, int(sizes[len(take) - 1])))
    if not len(take):
        return
    chosen_claims = eligible[take]
    new_ids = s.new_claim_ids(len(take))
    first_line = pd.Series(np.arange(len(lines)), index=lines["claim_id"].to_numpy()).groupby(level=0).min()
    starts = first_line.reindex(chosen_claims).to_numpy(dtype=np.int64)
    src = np.repeat(starts, counts) + (np.arange(int(counts.sum())) - np.repeat(np.cumsum(counts) - counts, counts))
    chosen = list(zip(chosen_claims, counts.tolist()))
    copy_of = np.repeat(new_ids, [n for _, n in chosen])
    delay = np.repeat(rng.integers(3, 46, len(chosen)), [n for _, n in chosen])
    caught = np.repeat(rng.random(len(chosen)) < 0.15, [n for _, n in chosen])
    dup = lines.iloc[src].copy()
    dup["claim_id"] = copy_of.astype(str)
    dup["submitted_date"] = dup["submitted_date"] + pd.to_timedelta(delay, unit="D")
    rows = s.append_lines(dup)
    s.used[src] = True
    # Payments: the copy is paid the same as the original line, unless the payer caught it.
    original = s.payment_rows(src).set_index("_line").reindex(src)
    pay_date = next_weekday(dup["submitted_date"].to_numpy().astype("datetime64[D]")
                            + np.repeat(rng.integers(14, 30, len(chosen)), [n for _, n in chosen]) * DAY,
                            s.pay_day(dup["payer_id"]))
    posted = pay_date <= s.p.export_date
    pay = pd.DataFrame({
        "claim_id": dup["claim_id"].to_numpy(), "line_no": dup["line_no"].to_numpy(),
        "payment_date": _to_pandas_dates(pay_date),
        "allowed_cents": np.where(caught, 0, original["allowed_cents"].to_numpy(dtype=np.int64)),
        "paid_cents": np.where(caught, 0, original["paid_cents"].to_numpy(dtype=np.int64)),
        "deductible_cents": np.where(caught, 0, original["deductible_cents"].to_numpy(dtype=np.int64)),
        "coinsurance_cents": np.where(caught, 0, original["coinsurance_cents"].to_numpy(dtype=np.int64)),
        "copay_cents": np.where(caught, 0, original["copay_cents"].to_numpy(dtype=np.int64)),
        "denial_code": np.where(caught, "CO-18", original["denial_code"].fillna("").to_numpy(dtype=str)),
        "_line": rows, "_kind": "original",
    })
    s.append_payments(pay.loc[posted])
    docs = s.doc.set_index("_line").reindex(src)
    has_doc = docs["note_present"].notna().to_numpy()
    copy_doc = docs.loc[has_doc].reset_index(drop=True).assign(
        claim_id=dup["claim_id"].to_numpy()[has_doc], _line=rows[has_doc])
    s.doc = pd.concat([s.doc, copy_doc], ignore_index=True)
    flagged = posted & ~caught & (pay["paid_cents"].to_numpy() > 0) & (paid[src] > 0)
    s.record(rows[flagged], "duplicate_claim", pay["paid_cents"].to_numpy()[flagged],
             "claim " + lines["claim_id"].to_numpy()[src][flagged] + " resubmitted "
             + delay[flagged].astype(str) + " days later as " + copy_of[flagged] + " and paid again")


def _visit_pool(s: _State) -> tuple[pd.Series, pd.Series]:
    """Visits whose lines are all unused, with their count of paid lines."""
    lines = s.lines
    enc = lines["encounter"].to_numpy()
    paid = s.paid()
    free = pd.Series(~s.used).groupby(enc).all()
    paid_lines = pd.Series(paid > 0).groupby(enc).sum()
    ok = free & (paid_lines > 0)
    return ok.index[ok.to_numpy()], paid_lines


def _documentation_errors(s: _State, k: int, error_type: str) -> None:
    rng = stream(s.p.seed, f"inject-{error_type}")
    visits, paid_lines = _visit_pool(s)
    visits = visits[rng.permutation(len(visits))]
    cum = np.cumsum(paid_lines.reindex(visits).to_numpy())
    chosen = visits[: int(np.searchsorted(cum, k)) + 1] if k > 0 else visits[:0]
    if not len(chosen):
        return
    lines = s.lines
    rows = np.flatnonzero(lines["encounter"].isin(chosen).to_numpy() & ~s.used)
    paid = s.paid()
    s.used[rows] = True
    if error_type == "missing_signature":
        mask = s.doc["_line"].isin(rows)
        s.doc.loc[mask, "note_present"] = True
        s.doc.loc[mask, "signed"] = False
        how = "the visit note was never signed"
    else:
        drop_row = pd.Series(rng.random(len(chosen)) < 0.6, index=chosen)
        gone = rows[drop_row.reindex(lines["encounter"].to_numpy()[rows]).to_numpy()]
        absent = np.setdiff1d(rows, gone)
        s.doc = s.doc.loc[~s.doc["_line"].isin(gone)]
        mask = s.doc["_line"].isin(absent)
        s.doc.loc[mask, "note_present"] = False
        s.doc.loc[mask, "signed"] = pd.NA
        s.doc.loc[mask, "documented_code"] = ""
        how = np.where(np.isin(rows, gone), "no note on file for the visit", "the note is marked absent")
        how = how[paid[rows] > 0]
    flagged = rows[paid[rows] > 0]
    s.record(flagged, error_type, paid[flagged], how)


def _unbundling(s: _State, k: int) -> None:
    rng = stream(s.p.seed, "inject-unbundling")
    if k <= 0:
        return
    lines = s.lines
    paid = s.paid()
    ptp = s.p.refs.ncci_ptp
    ptp = ptp.loc[ptp["modifier_indicator"].isin(["0", "1"])]
    bypass = lines["modifiers"].str.contains(r"(?:^|;)(?:59|XE|XS|XP|XU)(?:;|$)").to_numpy(dtype=bool)
    col1_rows = np.flatnonzero(~s.used & (paid > 0) & lines["procedure_code"].isin(ptp["column_1"]).to_numpy()
                               & (s.payment_count() == 1))
    cand = lines.iloc[col1_rows][["encounter", "procedure_code", "service_date", "payer_id"]].reset_index(
        names="col1_line").merge(ptp, left_on="procedure_code", right_on="column_1")
    date = cand["service_date"]
    active = (cand["effective_date"] <= date) & (cand["deletion_date"].isna() | (cand["deletion_date"] > date))
    # The new line is flagged through its own column-1 line: indicator 0, or 1 without a bypass there.
    flagged = (cand["modifier_indicator"] == "0") | ~bypass[cand["col1_line"].to_numpy()]
    cand = cand.loc[active & flagged]
    if s.mue is not None:
        limit = s.mue["mue_value"].reindex(cand["column_2"]).to_numpy(dtype=float)
        cand = cand.loc[np.isnan(limit) | (limit >= 1)]
    present = lines[["encounter", "procedure_code"]].drop_duplicates().assign(_present=True)
    # Not a code the visit already has.
    cand = cand.merge(present, left_on=["encounter", "column_2"], right_on=["encounter", "procedure_code"],
                      how="left", suffixes=("", "_p"))
    cand = cand.loc[cand["_present"].isna()].drop(columns=["procedure_code_p", "_present"])
    # Harmless: the new code is not column 1 of a pair whose column 2 the visit already has.
    as_col1 = ptp[["column_1", "column_2"]].rename(columns={"column_1": "column_2", "column_2": "_other"})
    risky = cand[["encounter", "column_2"]].reset_index(names="_c").merge(as_col1, on="column_2").merge(
        present, left_on=["encounter", "_other"], right_on=["encounter", "procedure_code"])
    cand = cand.drop(index=cand.index[risky["_c"].unique()] if len(risky) else [])
    # Not a code/payer/date a payer policy excludes.
    policies = _all_policies(s)
    if len(policies) and len(cand):
        hit = cand.reset_index(names="_c").merge(policies, left_on=["payer_id", "column_2"],
                                                 right_on=["payer_id", "procedure_code"], suffixes=("", "_pol"))
        hit = hit.loc[hit["effective_date_pol"] <= hit["service_date"], "_c"]
        cand = cand.drop(index=hit.unique())
    cand = cand.iloc[rng.permutation(len(cand))].drop_duplicates("encounter").head(k)
    if not len(cand):
        return
    src = cand["col1_line"].to_numpy()
    new = lines.iloc[src].copy()
    new["procedure_code"] = cand["column_2"].to_numpy()
    new["modifiers"] = ""
    new["units"] = 1
    new["kind"] = new["procedure_code"].map(s.kinds).astype("str")
    new["charge_cents"] = s.charge.reindex(new["procedure_code"]).to_numpy(dtype=np.int64)
    separate = rng.random(len(cand)) < 0.2
    claim_sizes = lines.groupby("claim_id")["line_no"].max()
    new["line_no"] = claim_sizes.reindex(new["claim_id"]).to_numpy() + 1
    if separate.any():
        new.loc[separate, "claim_id"] = s.new_claim_ids(int(separate.sum()))
        new.loc[separate, "line_no"] = 1
        new.loc[separate, "submitted_date"] = new.loc[separate, "submitted_date"] + pd.to_timedelta(
            rng.integers(1, 8, int(separate.sum())), unit="D")
    rows = s.append_lines(new)
    s.used[src] = True
    fee = s.fee(rows)
    bp = s.coins_bp.reindex(new["payer_id"]).to_numpy()
    coins = div_half_up(fee * bp, np.full(len(rows), 10000, dtype=np.int64))
    paid_new = fee - coins
    base_pay = s.payment_rows(src).set_index("_line").reindex(src)
    pay_date = base_pay["payment_date"].to_numpy().astype("datetime64[D]")
    pay_date = np.where(separate, next_weekday(pay_date + 7 * DAY, s.pay_day(new["payer_id"])), pay_date)
    posted = pay_date <= s.p.export_date
    pay = pd.DataFrame({
        "claim_id": new["claim_id"].to_numpy(), "line_no": new["line_no"].to_numpy(),
        "payment_date": _to_pandas_dates(pay_date), "allowed_cents": fee, "paid_cents": paid_new,
        "deductible_cents": 0, "coinsurance_cents": coins, "copay_cents": 0, "denial_code": "",
        "_line": rows, "_kind": "original"})
    s.append_payments(pay.loc[posted])
    s.add_notes(new, rows)
    flagged = posted & (paid_new > 0)
    how = np.where(separate, "component code billed on a separate claim beside ", "component code billed beside ")
    how = how + cand["column_1"].to_numpy(dtype=str) + " (NCCI indicator " + cand[
        "modifier_indicator"].to_numpy(dtype=str) + ")"
    s.record(rows[flagged], "unbundling", paid_new[flagged], how[flagged])


def _all_policies(s: _State) -> pd.DataFrame:
    base = s.p.refs.payer_policies[["payer_id", "procedure_code", "effective_date", "announced_date"]]
    extra = pd.DataFrame(s.policies, columns=["payer_id", "procedure_code", "effective_date", "announced_date"])
    if len(extra):
        extra = extra.assign(effective_date=_to_pandas_dates(extra["effective_date"].to_numpy()),
                             announced_date=_to_pandas_dates(extra["announced_date"].to_numpy()))
        return pd.concat([base, extra], ignore_index=True)
    return base


def _reprice(s: _State, rows: np.ndarray, new_allowed: np.ndarray, full_share: np.ndarray | None = None):
    """Paid after the allowed amount changes, keeping the line's patient share rule."""
    old = s.payment_rows(rows).set_index("_line").reindex(rows)
    old_allowed = old["allowed_cents"].to_numpy(dtype=np.int64)
    delta = new_allowed - old_allowed
    lines = s.lines.iloc[rows]
    bp = s.coins_bp.reindex(lines["payer_id"]).to_numpy()
    no_coins = (old["coinsurance_cents"].to_numpy(dtype=np.int64) == 0) & (old_allowed > 0) \
        if full_share is None else full_share
    bp = np.where(no_coins, 0, bp)
    extra_coins = div_half_up(delta * bp, np.full(len(rows), 10000, dtype=np.int64))
    new_paid = old["paid_cents"].to_numpy(dtype=np.int64) + delta - extra_coins
    s.set_payment(rows, allowed_cents=new_allowed, paid_cents=new_paid,
                  coinsurance_cents=old["coinsurance_cents"].to_numpy(dtype=np.int64) + extra_coins)
    return new_paid, old_allowed


def _units_over_mue(s: _State, k: int, split_budget: int) -> None:
    rng = stream(s.p.seed, "inject-units_over_mue")
    lines = s.lines
    code = lines["procedure_code"]
    has_mue = code.isin(s.mue.index).to_numpy()
    mai = s.mue["mai"].reindex(code).to_numpy()
    limit = s.mue["mue_value"].reindex(code).to_numpy(dtype=float)
    units = lines["units"].to_numpy(dtype=np.int64)
    ok = s.simple_paid() & has_mue & (np.nan_to_num(limit, nan=0) >= 1)
    # One line of that code per visit, so the day's total is this line's units.
    per_visit = lines.groupby(["encounter", "procedure_code"])["line_no"].transform("size").to_numpy()
    ok &= per_visit == 1
    pool = np.flatnonzero(ok)
    pool = pool[rng.permutation(len(pool))]
    split_pool = pool[mai[pool] != "1"][:split_budget]
    single_pool = np.setdiff1d(pool, split_pool, assume_unique=True)
    single_pool = single_pool[rng.permutation(len(single_pool))][: max(k - 2 * len(split_pool), 0)]
    kind = lines["kind"].to_numpy(dtype=str)
    # Too many units on one line.
    if len(single_pool):
        r = single_pool
        lim = limit[r].astype(np.int64)
        tenfold = (kind[r] == "drug") & (units[r] * 10 > lim) & (rng.random(len(r)) < 0.6)
        new_units = np.where(tenfold, units[r] * 10, lim + rng.integers(1, 3, len(r)))
        new_units = np.maximum(new_units, lim + 1)
        fee = s.fee(r)
        new_paid, _ = _reprice(s, r, fee * new_units)
        s.lines.loc[r, "units"] = new_units
        s.lines.loc[r, "charge_cents"] = s.charge.reindex(code.iloc[r]).to_numpy(dtype=np.int64) * new_units
        excess = new_units - lim
        how = np.where(tenfold, "milligrams billed as units", "more units than the MUE allows")
        how = how + np.where(mai[r] == "1", " on one line", " for the day")
        keep = new_paid > 0
        s.record(r[keep], "units_over_mue", div_half_up(new_paid[keep] * excess[keep], new_units[keep]), how[keep])
        s.used[r] = True
    # A second line with 76 or 91 that pushes the day over the limit.
    if len(split_pool):
        r = split_pool
        lim = limit[r].astype(np.int64)
        extra_units = np.maximum(lim + 1 - units[r], 1)
        new = lines.iloc[r].copy()
        new["units"] = extra_units
        repeat = np.where(kind[r] == "lab", "91", "76")
        old_mods = new["modifiers"].to_numpy(dtype=str)
        new["modifiers"] = np.where(old_mods == "", repeat, np.char.add(np.char.add(old_mods, ";"), repeat))
        new["charge_cents"] = s.charge.reindex(new["procedure_code"]).to_numpy(dtype=np.int64) * extra_units
        claim_sizes = s.lines.groupby("claim_id")["line_no"].max()
        new["line_no"] = claim_sizes.reindex(new["claim_id"]).to_numpy() + 1
        rows = s.append_lines(new)
        fee = s.fee(rows)
        base_pay = s.payment_rows(r).set_index("_line").reindex(r)
        bp = s.coins_bp.reindex(new["payer_id"]).to_numpy()
        bp = np.where(base_pay["coinsurance_cents"].to_numpy(dtype=np.int64) == 0, 0, bp)
        allowed = fee * extra_units
        coins = div_half_up(allowed * bp, np.full(len(rows), 10000, dtype=np.int64))
        paid_new = allowed - coins
        pay = pd.DataFrame({
            "claim_id": new["claim_id"].to_numpy(), "line_no": new["line_no"].to_numpy(),
            "payment_date": base_pay["payment_date"].to_numpy(), "allowed_cents": allowed,
            "paid_cents": paid_new, "deductible_cents": 0, "coinsurance_cents": coins, "copay_cents": 0,
            "denial_code": "", "_line": rows, "_kind": "original"})
        s.append_payments(pay)
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
    lines = s.lines
    code = lines["procedure_code"].to_numpy(dtype=str)
    ladder = {c: (fam, i) for fam, codes in EM_FAMILIES.items() for i, c in enumerate(codes)}
    tops = {fam: len(codes) - 1 for fam, codes in EM_FAMILIES.items()}
    can_rise = [c for c, (fam, i) in ladder.items() if i < tops[fam]]
    ok = s.simple_paid() & np.isin(code, can_rise)
    docs = s.doc.set_index("_line")
    has_plain_note = docs["note_present"].eq(True) & docs["signed"].eq(True)
    ok &= has_plain_note.reindex(np.arange(len(lines))).fillna(False).to_numpy(dtype=bool)
    pool = np.flatnonzero(ok)
    r = pool[rng.permutation(len(pool))][:k]
    if not len(r):
        return
    step = np.where(rng.random(len(r)) < 0.7, 1, 2)
    fam = [ladder[c][0] for c in code[r]]
    level = np.array([ladder[c][1] for c in code[r]])
    new_level = np.minimum(level + step, [tops[f] for f in fam])
    new_code = np.array([EM_FAMILIES[f][lv] for f, lv in zip(fam, new_level)])
    fee_new = s.fee(r, new_code)
    units = lines["units"].to_numpy(dtype=np.int64)[r]
    new_paid, old_allowed = _reprice(s, r, fee_new * units)
    s.lines.loc[r, "procedure_code"] = new_code
    s.lines.loc[r, "charge_cents"] = s.charge.reindex(new_code).to_numpy(dtype=np.int64) * units
    doc_rows = s.doc["_line"].isin(r).to_numpy()
    original = pd.Series(code[r], index=r)
    s.doc.loc[doc_rows, "documented_code"] = original.reindex(s.doc.loc[doc_rows, "_line"]).to_numpy()
    s.used[r] = True
    at_risk = np.maximum(new_paid - old_allowed, 0)
    keep = new_paid > 0
    s.record(r[keep], "upcoding", at_risk[keep],
             (code[r] + " documented, billed as " + new_code)[keep])


def _overpaid_rate(s: _State, k: int) -> None:
    rng = stream(s.p.seed, "inject-overpaid_rate")
    pool = np.flatnonzero(s.simple_paid())
    r = pool[rng.permutation(len(pool))][:k]
    if not len(r):
        return
    old = s.payment_rows(r).set_index("_line").reindex(r)
    allowed = old["allowed_cents"].to_numpy(dtype=np.int64)
    charge = s.lines["charge_cents"].to_numpy(dtype=np.int64)[r]
    billed = (rng.random(len(r)) < 0.35) & (charge > allowed)
    extra = np.maximum(div_half_up(allowed * rng.integers(8, 61, len(r)), np.full(len(r), 100, dtype=np.int64)), 1)
    new_paid = np.where(billed, charge, allowed + extra)
    s.set_payment(r, paid_cents=new_paid, allowed_cents=new_paid, deductible_cents=0, coinsurance_cents=0,
                  copay_cents=0)
    s.used[r] = True
    s.record(r, "overpaid_rate", new_paid - allowed,
             np.where(billed, "paid the billed charge instead of the fee schedule",
                      "paid above the contracted rate, patient share not taken"))


def _duplicate_payment(s: _State, k: int) -> None:
    rng = stream(s.p.seed, "inject-duplicate_payment")
    pool = np.flatnonzero(s.simple_paid())
    r = pool[rng.permutation(len(pool))][:k]
    if not len(r):
        return
    base = s.payment_rows(r).set_index("_line").reindex(r).reset_index(names="_line")
    variant = rng.choice(3, size=len(r), p=[0.7, 0.15, 0.15])
    first_date = base["payment_date"].to_numpy().astype("datetime64[D]")
    pay_day = s.pay_day(s.lines["payer_id"].to_numpy()[r])
    gap = rng.integers(7, 36, len(r)) * DAY
    d1 = next_weekday(first_date + gap, pay_day)
    d2 = next_weekday(d1 + 7 * DAY, pay_day)
    late = d2 > s.p.export_date
    d1 = np.where(late, first_date, d1)
    d2 = np.where(late, first_date, d2)
    extra = [base.assign(payment_date=_to_pandas_dates(d1), _kind="duplicate")]
    extra.append(base.loc[variant == 1].assign(payment_date=_to_pandas_dates(d2[variant == 1]), _kind="duplicate"))
    rev = base.loc[variant == 2]
    negated = {c: -rev[c] for c in ["allowed_cents", "paid_cents", "deductible_cents", "coinsurance_cents",
                                   "copay_cents"]}
    extra.append(rev.assign(payment_date=_to_pandas_dates(d1[variant == 2]), _kind="reversal", **negated))
    extra.append(rev.assign(payment_date=_to_pandas_dates(d2[variant == 2]), _kind="duplicate"))
    s.append_payments(pd.concat(extra, ignore_index=True))
    s.used[r] = True
    x = base["paid_cents"].to_numpy(dtype=np.int64)
    s.record(r, "duplicate_payment", np.where(variant == 1, 2 * x, x),
             np.select([variant == 0, variant == 1], ["the same payment sent twice", "the same payment sent three times"],
                       "payment reversed, then sent twice"))


# -- the answer key ------------------------------------------------------------------------

def _population_labels(s: _State) -> pd.DataFrame:
    """coverage_lapsed and policy_change over every paid line, from the final tables."""
    lines = s.lines
    paid = s.paid()
    out = []
    rows = np.flatnonzero(paid > 0)
    sel = lines.iloc[rows][["patient_id", "payer_id", "service_date", "procedure_code"]].assign(_line=rows)
    cov = s.spans[["patient_id", "payer_id", "effective_date", "termination_date"]]
    j = sel.merge(cov, on=["patient_id", "payer_id"], how="left")
    inside = (j["effective_date"] <= j["service_date"]) & (
        j["termination_date"].isna() | (j["termination_date"] >= j["service_date"]))
    covered = inside.groupby(j["_line"]).any()
    lapsed = covered.index[~covered.to_numpy()].to_numpy()
    changes = {(c["patient_id"], c["payer_id"]): c["kind"] for c in s.coverage_changes}
    how = [f"{changes.get((p, y), 'coverage')} by the payer" for p, y in
           zip(lines["patient_id"].to_numpy()[lapsed], lines["payer_id"].to_numpy()[lapsed])]
    out.append(pd.DataFrame({"_line": lapsed, "error_type": "coverage_lapsed", "at_risk_cents": paid[lapsed],
                             "injected_as": how}))
    pol = _all_policies(s)
    j = sel.merge(pol, on=["payer_id", "procedure_code"])
    j = j.loc[j["effective_date"] <= j["service_date"]].sort_values(["_line", "announced_date"]).drop_duplicates("_line")
    retro = (j["announced_date"] > j["service_date"]).to_numpy()
    out.append(pd.DataFrame({"_line": j["_line"].to_numpy(), "error_type": "policy_change",
                             "at_risk_cents": paid[j["_line"].to_numpy()],
                             "injected_as": np.where(retro, "payer policy applied retroactively",
                                                     "paid after the payer's announced policy")}))
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
        The same object, with errors injected and ``labels`` (claim_id,
        line_no, error_type, at_risk_cents, category, injected_as) and
        ``policies`` (the payer policies the practice was edited with) set.
    """
    s = _State(practice)
    flag = plan["flag"]
    _policy_change(s, flag["policy_change"])
    _coverage_lapsed(s, flag["coverage_lapsed"])
    _duplicate_claim(s, flag["duplicate_claim"], plan["duplicate_budget"])
    _documentation_errors(s, flag["missing_documentation"], "missing_documentation")
    _documentation_errors(s, flag["missing_signature"], "missing_signature")
    _unbundling(s, plan["unbundling"])
    _units_over_mue(s, flag["units_over_mue"], plan["split"])
    _upcoding(s, flag["upcoding"])
    _overpaid_rate(s, flag["overpaid_rate"])
    _duplicate_payment(s, flag["duplicate_payment"])

    ledger = pd.concat(s.ledger + [_population_labels(s)], ignore_index=True)
    ledger = ledger.loc[ledger["error_type"].notna()]
    lines = s.lines
    labels = pd.DataFrame({
        "claim_id": lines["claim_id"].to_numpy()[ledger["_line"].to_numpy()],
        "line_no": lines["line_no"].to_numpy(dtype=np.int64)[ledger["_line"].to_numpy()],
        "error_type": ledger["error_type"].to_numpy(),
        "at_risk_cents": ledger["at_risk_cents"].to_numpy(dtype=np.int64),
        "category": ledger["error_type"].map(ERROR_TYPES).to_numpy(),
        "injected_as": ledger["injected_as"].astype("str").to_numpy(),
        "_line": ledger["_line"].to_numpy(),
    })
    order = {e: i for i, e in enumerate(ERROR_TYPES)}
    labels = labels.assign(_o=labels["error_type"].map(order)).sort_values(
        ["claim_id", "line_no", "_o"], kind="stable").drop(columns="_o").reset_index(drop=True)
    labels = labels.astype({"claim_id": "str", "error_type": "str", "category": "str", "injected_as": "str"})

    payments = s.payments.drop(columns=["payment_id"], errors="ignore")
    practice.payments = _number_payments(payments)
    practice.lines = lines
    practice.documentation = s.doc.sort_values("_line", kind="stable").reset_index(drop=True)
    practice.spans = s.spans.sort_values(["patient_id", "effective_date"], kind="stable").reset_index(drop=True)
    practice.labels = labels
    policies = _all_policies(s).merge(
        pd.concat([practice.refs.payer_policies[["payer_id", "procedure_code", "description"]],
                   pd.DataFrame(s.policies, columns=["payer_id", "procedure_code", "description"])]),
        on=["payer_id", "procedure_code"], how="left")
    practice.policies = policies
    practice.coverage_changes = s.coverage_changes
    return practice
