"""Errors that reach many lines at once: a payer policy applied to a code, coverage ended for a patient.

They run first, on lines no other injector has used, and their labels are
computed at the end over every paid line in scope (:func:`population_labels`),
so lines added later (duplicates, unbundled codes) are labelled too.
"""

from __future__ import annotations

import numpy as np
import pandas as pd

from ._inject_state import InjectionState, all_policies
from ._random import stream
from ._values import DAY, _dates, month_end

__all__ = ["inject_policy_change", "inject_coverage_lapsed", "population_labels", "RETROACTIVE_POLICY"]

#: labels.csv's injected_as for a policy announced after the service it is applied to (the audit's
#: evidence says "retroactive"): the notice citing it is appealed whatever the audit finds (docs/contract.md).
RETROACTIVE_POLICY = "payer policy applied retroactively"


def inject_policy_change(s: InjectionState, k: int) -> None:
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


def inject_coverage_lapsed(s: InjectionState, k: int) -> None:
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


def population_labels(s: InjectionState) -> pd.DataFrame:
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
    pol = all_policies(s)
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
                             "injected_as": np.where(retro, RETROACTIVE_POLICY,
                                                     "paid after the payer's announced policy").astype(object)}))
    return pd.concat(out, ignore_index=True)
