"""Errors that reach many lines at once: a payer policy applied to a code, coverage ended for a patient.

They run first, on lines no other injector has used, and their labels are
computed at the end over every paid line in scope (:func:`record_population_labels`),
so lines added later (duplicates, unbundled codes) are labelled too.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import pandas as pd

from ._inject_state import InjectionState, all_policies, member
from ._practice import References
from ._random import stream
from ._values import DAY, _dates, _is, month_end

__all__ = ["PolicyView", "PolicyChoice", "policy_view", "choose_policies", "apply_policies",
           "inject_coverage_lapsed", "record_population_labels", "RETROACTIVE_POLICY"]

#: labels.csv's injected_as for a policy announced after the service it is applied to (the audit's
#: evidence says "retroactive"): the notice citing it is appealed whatever the audit finds (docs/contract.md).
RETROACTIVE_POLICY = "payer policy applied retroactively"


@dataclass
class PolicyView:
    """What the policy injector needs of one block's clean lines (small: 14 bytes a line)."""

    paid: np.ndarray        # bool: the line was paid
    eligible: np.ndarray    # bool: neither an office visit nor preventive
    pair: np.ndarray        # int32: payer number x number of codes + code number
    service: np.ndarray     # int32 days
    submitted: np.ndarray   # int32 days


@dataclass
class PolicyChoice:
    """The policies chosen for a whole practice, and the lines (numbered across blocks) they reach."""

    policies: list
    scope: np.ndarray       # lines in a chosen policy's scope (no other injector may use them)
    deny: np.ndarray | None  # later lines the payer denied (None: no policy was chosen)


def policy_view(s: InjectionState) -> PolicyView:
    lines = s.lines
    codes = lines["procedure_code"].cat
    return PolicyView(
        paid=s.paid() > 0,
        eligible=~_is(lines["kind"], lambda k: k.startswith("em_") or k == "preventive"),
        pair=(lines["payer_id"].cat.codes.to_numpy().astype(np.int64) * len(codes.categories)
              + codes.codes.to_numpy()).astype(np.int32),
        service=lines["service_date"].to_numpy().astype("datetime64[D]").astype(np.int32),
        submitted=lines["submitted_date"].to_numpy().astype("datetime64[D]").astype(np.int32))


def choose_policies(seed: int, start, end, refs: References, views: list[PolicyView], k: int) -> PolicyChoice:
    """Pick payer policies (payer, code, effective and announced dates) flagging about ``k`` paid lines.

    A policy reaches every patient of the payer, so it is chosen over all the
    blocks of a practice at once (``views`` in block order; lines are numbered
    across them), with the practice's seed, period and reference tables.
    """
    rng = stream(seed, "inject-policy_change")
    none = PolicyChoice([], np.zeros(0, dtype=np.int64), None)
    if k <= 0:
        return none
    paid = np.concatenate([v.paid for v in views])
    used = np.zeros(len(paid), dtype=bool)
    payer_names = pd.Index(list(refs.payers["payer_id"]), dtype=object)
    code_names = pd.Index(list(refs.codes["procedure_code"]), dtype=object)
    base = refs.payer_policies
    taken = set(zip(base["payer_id"], base["procedure_code"]))
    combined = np.concatenate([v.pair for v in views])
    # Lines grouped by (payer, code), in line order within a group (indexes kept small: big practices).
    size = np.bincount(combined, minlength=len(payer_names) * len(code_names))
    first = np.cumsum(size) - size
    # Pair numbers that fit 16 bits sort stably by radix (the same order, several times faster).
    keys = combined.astype(np.uint16) if len(size) <= 1 << 16 else combined
    order = np.argsort(keys, kind="stable").astype(np.int32 if len(combined) < 2**31 else np.int64)
    del keys
    pairs = np.flatnonzero(np.bincount(combined, weights=paid & np.concatenate([v.eligible for v in views]),
                                       minlength=len(size)) > 0)
    del combined
    combos = [(int(c) // len(code_names), int(c) % len(code_names)) for c in pairs]
    combos = [c for c in combos if (payer_names[c[0]], code_names[c[1]]) not in taken]
    months = np.arange(start.astype("datetime64[M]") + 1, end.astype("datetime64[M]"))
    if not len(months) or not combos:
        return none
    service = np.concatenate([v.service for v in views])
    submitted = np.concatenate([v.submitted for v in views])
    remaining = k
    to_deny, policies = [], []
    for i in rng.permutation(len(combos)):
        if remaining <= 0:
            break
        combo = combos[i]
        key = combo[0] * len(code_names) + combo[1]
        mine = order[first[key]:first[key] + size[key]]
        retro = rng.random() < 0.75
        for month in rng.permutation(months):
            effective = month.astype("datetime64[D]")
            scope = mine[service[mine] >= effective.astype(np.int64)]
            if retro:
                announced = effective + int(rng.integers(30, 121)) * DAY
                flagged = scope[(submitted[scope] < announced.astype(np.int64)) & paid[scope]]
                later = scope[submitted[scope] >= announced.astype(np.int64)]
            else:
                announced = effective - int(rng.integers(20, 91)) * DAY
                flagged = scope[paid[scope]]
                later = scope[:0]
            if not len(flagged) or len(flagged) > max(remaining * 1.3 + 2, 3) or used[scope].any():
                continue
            to_deny.append(later.astype(np.int64))
            used[scope] = True
            policies.append({"payer_id": payer_names[combo[0]], "procedure_code": code_names[combo[1]],
                             "effective_date": effective, "announced_date": announced,
                             "description": ("retroactive coverage change (simulated)" if retro else
                                             "announced change the payer's system did not apply (simulated)")})
            remaining -= len(flagged)
            break
    return PolicyChoice(policies, np.flatnonzero(used), np.concatenate(to_deny) if to_deny else None)


def apply_policies(s: InjectionState, choice: PolicyChoice, first: int = 0, only_block: bool = True) -> None:
    """Apply a practice's policy choice to one block whose lines are numbered from ``first``.

    Its lines in scope are used; its later lines in scope are denied (CO-96).
    """
    n = len(s.lines)
    s.policies.extend(choice.policies)
    scope = choice.scope[(choice.scope >= first) & (choice.scope < first + n)] - first
    s.used[scope] = True
    if choice.deny is not None:
        mine = choice.deny[(choice.deny >= first) & (choice.deny < first + n)] - first
        if only_block or len(mine):
            s.deny(mine, "CO-96")


def _first_drawn(patient: np.ndarray, draw: np.ndarray) -> np.ndarray:
    """Each patient's first row in the order of ``draw`` (ties: the earlier row), ordered by their draws.

    The rows ``np.argsort(draw, kind="stable")`` would keep after dropping each patient's later ones,
    found without sorting every row: a patient's first is its smallest draw.
    """
    smallest = np.full(int(patient.max(initial=0)) + 1, np.inf)
    np.minimum.at(smallest, patient, draw)
    tied = np.flatnonzero(draw == smallest[patient])
    _, first = np.unique(patient[tied], return_index=True)
    firsts = tied[np.sort(first)]
    return firsts[np.argsort(draw[firsts], kind="stable")]


def inject_coverage_lapsed(s: InjectionState, k: int) -> None:
    """Terminate coverage retroactively (70%) or open a month's gap (30%) for some patients."""
    rng = stream(s.p.seed, "inject-coverage_lapsed")
    if k <= 0:
        return
    lines = s.lines
    paid = s.paid()
    spans = s.spans.reset_index(drop=True)
    # Candidates: patients with one stable span and no used line; their lines billed to that span's payer.
    span_patient = spans["patient"].to_numpy()
    line_patient = lines["patient"].to_numpy()
    top = int(max(span_patient.max(initial=0), line_patient.max(initial=0))) + 1
    spans_of_patient = np.bincount(span_patient, minlength=top)
    used = np.bincount(line_patient, weights=s.used, minlength=top) > 0
    has_lines = np.bincount(line_patient, minlength=top) > 0
    stable = np.flatnonzero((spans["span_kind"].to_numpy() == "stable") & (spans_of_patient[span_patient] == 1)
                            & ~used[span_patient] & has_lines[span_patient])
    span_of = np.full(top, -1, dtype=np.int64)
    span_of[span_patient[stable]] = stable
    span_payer = np.full(top, -2, dtype=np.int64)
    span_payer[span_patient[stable]] = _codes_in(spans["payer_id"], lines["payer_id"].cat.categories)[stable]
    rows = np.flatnonzero(span_payer[line_patient] == lines["payer_id"].cat.codes.to_numpy())
    if not len(rows):
        return
    mine_patient = line_patient[rows]
    mine_span = span_of[mine_patient]
    mine_date = lines["service_date"].to_numpy()[rows]
    mine_paid = paid[rows] > 0
    paid_rows = np.flatnonzero(mine_paid)
    picked = paid_rows[_first_drawn(mine_patient[paid_rows], rng.random(len(paid_rows)))]
    pick = mine_date[picked].astype("datetime64[D]")
    first = pick.astype("datetime64[M]").astype("datetime64[D]")
    effective = spans["effective_date"].to_numpy()[mine_span[picked]].astype("datetime64[D]")
    plan = pd.DataFrame({"patient": mine_patient[picked], "_span": mine_span[picked],
                         "gap": rng.random(len(picked)) >= 0.7, "end": _dates(first - DAY),
                         "gap_start": _dates(first), "gap_end": _dates(month_end(pick))})
    plan = plan.loc[np.where(plan["gap"], first > effective, first - DAY >= effective)]
    plan_at = np.full(top, -1, dtype=np.int64)
    plan_at[plan["patient"].to_numpy()] = np.arange(len(plan))
    at = plan_at[mine_patient]
    scoped = at >= 0
    at, date = at[scoped], mine_date[scoped]
    in_scope = np.where(plan["gap"].to_numpy()[at],
                        (date >= plan["gap_start"].to_numpy()[at]) & (date <= plan["gap_end"].to_numpy()[at]),
                        date > plan["end"].to_numpy()[at])
    count = np.bincount(at, weights=in_scope & mine_paid[scoped], minlength=len(plan)).astype(np.int64)
    plan = plan.assign(count=count)
    plan = plan.loc[(plan["count"] >= 1) & (plan["count"] <= max(3, int(k * 0.05)))]
    plan = plan.iloc[rng.permutation(len(plan))]
    cum = np.cumsum(plan["count"].to_numpy())
    plan = plan.iloc[: int(np.searchsorted(cum, k)) + 1]
    if not len(plan):
        return
    s.used[member(lines["patient"], plan["patient"])] = True
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


def _codes_in(column: pd.Series, index: pd.Index) -> np.ndarray:
    """Each value's position in ``index`` (-1: absent or missing), as ``index.get_indexer`` gives it; a
    categorical column's categories looked up once instead of every value (a block's coverage spans)."""
    if not isinstance(column.dtype, pd.CategoricalDtype):
        return index.get_indexer(column.to_numpy(dtype=object))
    positions = np.append(index.get_indexer(np.asarray(column.cat.categories, dtype=object)), -1)
    return positions[column.cat.codes.to_numpy()]


def record_population_labels(s: InjectionState) -> None:
    """Record coverage_lapsed and policy_change over every paid line, from the final tables (run last)."""
    lines = s.lines
    paid = s.paid()
    rows = np.flatnonzero(paid > 0)
    payer_index = lines["payer_id"].cat.categories
    code_index = lines["procedure_code"].cat.categories
    patient = lines["patient"].to_numpy()[rows]
    payer = lines["payer_id"].cat.codes.to_numpy()[rows].astype(np.int64)
    service = lines["service_date"].to_numpy()[rows]
    # Covered: some span of the line's patient and payer holds its date of service.
    spans = s.spans
    by_patient = np.argsort(spans["patient"].to_numpy(), kind="stable")
    span_patient = spans["patient"].to_numpy()[by_patient]
    span_payer = _codes_in(spans["payer_id"], payer_index)[by_patient]
    effective = spans["effective_date"].to_numpy()[by_patient]
    termination = spans["termination_date"].to_numpy()[by_patient]
    # Patients are small numbers: each one's spans (first and count) found by counting, not searching.
    spans_of = np.bincount(span_patient, minlength=int(patient.max(initial=0)) + 1)
    count = spans_of[patient]
    first = (np.cumsum(spans_of) - spans_of)[patient]
    covered = np.zeros(len(rows), dtype=bool)
    for k in range(int(count.max(initial=0))):
        todo = np.flatnonzero(~covered & (count > k))
        at = first[todo] + k
        when = service[todo]
        covered[todo] = ((span_payer[at] == payer[todo]) & (effective[at] <= when)
                         & (np.isnat(termination[at]) | (termination[at] >= when)))
    lapsed = rows[~covered]
    changes = {c["patient_id"]: c["kind"] for c in s.coverage_changes}
    patient_text = s.p.patient_ids(lines["patient"].to_numpy()[lapsed])
    how = np.array([f"{changes.get(p, 'coverage')} by the payer" for p in patient_text], dtype=object)
    s.record(lapsed, "coverage_lapsed", paid[lapsed], how)
    pol = all_policies(s)
    pol = pd.DataFrame({"payer": payer_index.get_indexer(pol["payer_id"]).astype(np.int64),
                        "code": code_index.get_indexer(pol["procedure_code"]).astype(np.int64),
                        "effective_date": pol["effective_date"].to_numpy(),
                        "announced_date": pol["announced_date"].to_numpy()})
    code = lines["procedure_code"].cat.codes.to_numpy()[rows].astype(np.int64)
    hit = np.isin(payer * len(code_index) + code, pol["payer"].to_numpy() * len(code_index) + pol["code"].to_numpy())
    sel = pd.DataFrame({"payer": payer[hit], "code": code[hit], "service_date": service[hit], "_line": rows[hit]})
    j = sel.merge(pol, on=["payer", "code"])
    j = j.loc[j["effective_date"] <= j["service_date"]].sort_values(
        ["_line", "announced_date"], kind="stable").drop_duplicates("_line")
    retro = (j["announced_date"] > j["service_date"]).to_numpy()
    s.record(j["_line"].to_numpy(), "policy_change", paid[j["_line"].to_numpy()],
             np.where(retro, RETROACTIVE_POLICY, "paid after the payer's announced policy").astype(object))
