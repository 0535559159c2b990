"""A clean simulated practice: providers, patients, coverage, visits, claim lines, payments, notes.

"Clean" means no line trips any rule of the contract: every paid line was
paid within the fee schedule, inside a coverage span, with a signed note
supporting the billed code, no NCCI pair without a bypass, units within the
MUE, and no duplicate. Realistic noise that is *not* an error is kept on
purpose, because a good check must not flag it: denied and pending lines,
deductibles that leave a line paid $0, reversals followed by a corrected
payment, repeat lab tests with modifier 91, left and right injections on
separate lines, NCCI pairs billed with XS/XU where the sites differ, and
prospective payer policies whose later claims were denied.

Internally claims and patients are numbered (``claim``, ``patient``) and
codes are categoricals, so a million lines group and join quickly; the
contract's text identifiers are made when the folder is written. The lines
are priced and paid by :mod:`recoup_lib.synthetic._payments`; errors are
added afterwards by :mod:`recoup_lib.synthetic._inject`.
"""

from __future__ import annotations

import math
from dataclasses import dataclass, field

import numpy as np
import pandas as pd
import pyarrow as pa

from ._identities import member_ids, name_pools, npi_numbers
from ._payments import price_and_pay
from ._profile import Profile, expand_visits, expected_lines, places_by_visit, template_lines
from ._random import stream
from ._values import (DAY, _arrow_series, _category, _coded_text, _dates, _norm, _obj,
                      lexsort_order, month_end, text_id_array, text_ids, weekday)

__all__ = ["Practice", "build_clean", "patient_count", "References"]


@dataclass
class References:
    """The reference tables a practice is priced and edited with (typed)."""

    codes: pd.DataFrame
    payers: pd.DataFrame
    fee_schedule: pd.DataFrame
    ncci_ptp: pd.DataFrame
    mue: pd.DataFrame
    payer_policies: pd.DataFrame
    fee_table: pd.DataFrame | None = field(default=None, repr=False)


@dataclass
class Practice:
    """A simulated practice in memory.

    ``lines``, ``payments`` and ``documentation`` use integer ``claim`` and
    ``patient`` numbers and categorical codes; :func:`text_ids` turns the
    numbers into the contract's ``claim_id`` / ``patient_id`` text. A block of
    a large practice (:mod:`._blocks`) numbers its claims and patients from 1
    and its text ids add ``claim_offset`` / ``patient_offset``.
    """

    profile: Profile
    seed: int
    start: np.datetime64
    end: np.datetime64
    export_date: np.datetime64
    refs: References
    providers: pd.DataFrame
    patients: pd.DataFrame
    spans: pd.DataFrame
    encounters: pd.DataFrame
    lines: pd.DataFrame
    payments: pd.DataFrame
    documentation: pd.DataFrame
    claim_width: int = 7
    patient_width: int = 6
    labels: pd.DataFrame | None = None
    policies: pd.DataFrame | None = None
    coverage_changes: list = field(default_factory=list)
    error_rate: float = 0.0
    plan: dict = field(default_factory=dict)
    notices: pd.DataFrame | None = None
    claim_offset: int = 0
    patient_offset: int = 0

    def claim_ids(self, numbers) -> np.ndarray:
        return text_ids("C", np.asarray(numbers, dtype=np.int64) + self.claim_offset, self.claim_width)

    def patient_ids(self, numbers) -> np.ndarray:
        return text_ids("P", np.asarray(numbers, dtype=np.int64) + self.patient_offset, self.patient_width)

    def claim_id_column(self, numbers) -> pd.Series:
        """Claim ids as an Arrow-backed text column (for writing)."""
        return _arrow_series(_id_table(self, "C", self.claim_width, np.asarray(numbers) + self.claim_offset))

    def patient_id_column(self, numbers) -> pd.Series:
        return _arrow_series(_id_table(self, "P", self.patient_width, np.asarray(numbers) + self.patient_offset))


def _id_table(practice, prefix: str, width: int, numbers) -> pa.Array:
    """Ids for many numbers at once: each number of their range is formatted once, then looked up."""
    numbers = np.asarray(numbers, dtype=np.int64)
    if not len(numbers):
        return pa.array([], type=pa.string())
    cache = practice.__dict__.setdefault("_id_tables", {})
    low, high = int(numbers.min()), int(numbers.max())
    first, table = cache.get(prefix, (0, None))
    if table is None or low < first or high >= first + len(table):
        if table is not None:
            low, high = min(low, first), max(high, first + len(table) - 1)
        first, table = low, text_id_array(prefix, np.arange(low, high + 1), width)
        cache[prefix] = (first, table)
    return table.take(pa.array(numbers - first))


def _providers(profile: Profile, seed: int, pools) -> pd.DataFrame:
    rng = stream(seed, "providers")
    rows = [(p["specialty"], p.get("credential", "MD")) for p in profile["providers"]
            for _ in range(int(p["count"]))]
    n = len(rows)
    npis = npi_numbers(rng, n)
    female = rng.random(n) < 0.5
    first = np.where(female, pools["female"][rng.integers(0, len(pools["female"]), n)],
                     pools["male"][rng.integers(0, len(pools["male"]), n)])
    last = pools["last"][rng.integers(0, len(pools["last"]), n)]
    return pd.DataFrame({
        "rendering_npi": npis,
        "name": [f"{f} {l}" for f, l in zip(first, last)],
        "credential": [r[1] for r in rows],
        "specialty": [r[0] for r in rows],
    }, dtype=object)


def _patients_and_spans(profile: Profile, seed: int, n_patients: int, start, end, refs: References,
                        pools, payer_ids_all):
    rng = stream(seed, "patients")
    mix = profile["payer_mix"]
    payer_ids = np.array(list(mix), dtype=object)
    shares = np.array([mix[p] for p in payer_ids], dtype=float)
    shares = shares / shares.sum()
    payer_type = refs.payers.set_index("payer_id")["payer_type"]
    mix_type = payer_type.reindex(payer_ids).to_numpy(dtype=object)
    pick = rng.choice(len(payer_ids), size=n_patients, p=shares)
    is_medicare = (mix_type == "medicare")[pick]
    age = np.where(is_medicare, 65 + np.minimum(rng.gamma(2.0, 5.0, n_patients), 34).astype(int),
                   rng.integers(1, 65, n_patients))
    birth = start - (age * 365.25).astype(int) * DAY - rng.integers(0, 365, n_patients) * DAY
    female = rng.random(n_patients) < 0.54
    # Names, sexes and payers are looked up by number in their few hundred texts, each text made Arrow
    # text once (not a Python string per patient, converted again to build the table).
    n_female = len(pools["female"])
    first = np.where(female, rng.integers(0, n_female, n_patients),
                     n_female + rng.integers(0, len(pools["male"]), n_patients))
    last = rng.integers(0, len(pools["last"]), n_patients)
    patients = pd.DataFrame({
        "patient": np.arange(1, n_patients + 1, dtype=np.int64),
        "first_name": _coded_text(np.concatenate([pools["female"], pools["male"]]).astype(object), first),
        "last_name": _coded_text(pools["last"].astype(object), last),
        "birth_date": _dates(birth), "sex": _coded_text(np.array(["M", "F"], dtype=object), female),
        "visit_weight": rng.gamma(2.0, 0.5, n_patients) + 0.05,
        "is_new": rng.random(n_patients) < float(profile.get("new_patient_share", 0.2)),
        "primary_payer": _coded_text(payer_ids, pick),
    })

    # Coverage histories: most patients keep one payer; some switch (sometimes with a gap),
    # some join during the year, a few lose coverage.
    days = int((end - start) / DAY) + 1
    kind = rng.choice(4, size=n_patients, p=[0.80, 0.09, 0.07, 0.04])
    eff_before = start - rng.integers(30, 3650, n_patients) * DAY
    switch_at = month_end(start + rng.integers(45, max(46, days - 45), n_patients) * DAY)
    gap = np.where(rng.random(n_patients) < 0.6, 0, rng.integers(15, 76, n_patients)) * DAY
    other = rng.choice(len(payer_ids), size=n_patients, p=shares)
    same = other == pick
    other[same] = (other[same] + 1) % len(payer_ids)
    joined_at = start + rng.integers(0, max(1, min(270, days - 30)), n_patients) * DAY
    left_at = month_end(start + rng.integers(60, max(61, days - 30), n_patients) * DAY)
    nat = np.full(n_patients, np.datetime64("NaT"), dtype="datetime64[D]")
    number = patients["patient"].to_numpy()
    span_kinds = np.array(["stable", "switched away", "switched to", "joined", "left"], dtype=object)
    pieces = [(number[mask], payer[mask], eff[mask], term[mask], np.full(int(mask.sum()), label))
              for mask, payer, eff, term, label in [
                  (kind == 0, pick, eff_before, nat, 0),
                  (kind == 1, pick, eff_before, switch_at, 1),
                  (kind == 1, other, switch_at + DAY + gap, nat, 2),
                  (kind == 2, pick, joined_at, nat, 3),
                  (kind == 3, pick, eff_before, left_at, 4)]]
    patient, payer_at, effective, termination, span_kind = (np.concatenate(column) for column in zip(*pieces))
    order = lexsort_order((effective, patient))
    patient, payer_at, effective, termination, span_kind = (
        column[order] for column in (patient, payer_at, effective, termination, span_kind))
    # The payers (positions in the mix) as codes of all the payers, each payer id looked up once.
    used = np.flatnonzero(np.bincount(payer_at, minlength=len(payer_ids)))
    used_payers = _category(payer_ids[used], payer_ids_all)
    payer_code = np.full(len(payer_ids), -1, dtype=np.int64)
    payer_code[used] = used_payers.codes
    spans = pd.DataFrame({
        "patient": patient,
        "payer_id": pd.Categorical.from_codes(payer_code[payer_at], dtype=used_payers.dtype),
        "member_id": member_ids(stream(seed, "member_ids"), pd.Series(mix_type[payer_at]),
                                pd.Series(payer_ids[payer_at])).to_numpy(),
        "effective_date": _dates(effective), "termination_date": _dates(termination),
        "span_kind": _coded_text(span_kinds, span_kind),
    })
    return patients, spans


class _Coverage:
    """Coverage spans indexed by patient number, to find the span covering a date without a join.

    ``spans`` must be sorted by patient and effective date; the span found is
    the first covering one in that order.
    """

    def __init__(self, spans: pd.DataFrame, n_patients: int):
        counts = np.bincount(spans["patient"].to_numpy(), minlength=n_patients + 1)
        self.first = np.cumsum(counts) - counts
        self.count = counts
        self.effective = spans["effective_date"].to_numpy()
        self.termination = spans["termination_date"].to_numpy()
        self.payer = spans["payer_id"].cat.codes.to_numpy().astype(np.int64)
        self.payers = spans["payer_id"].cat.categories

    def payer_on(self, patient: np.ndarray, day: np.ndarray) -> np.ndarray:
        """The payer code of the span covering each (patient, day); -1 where none does."""
        out = np.full(len(patient), -1, dtype=np.int64)
        first = self.first[patient]
        count = self.count[patient]
        for k in range(int(count.max()) if len(count) else 0):
            todo = np.flatnonzero((out < 0) & (count > k))
            at = first[todo] + k
            when = day[todo]
            term = self.termination[at]
            ok = (self.effective[at] <= when) & (np.isnat(term) | (term >= when))
            out[todo[ok]] = self.payer[at[ok]]
        return out


def _choose_by_group(rng, groups: np.ndarray, options: dict, dtype=object) -> np.ndarray:
    """For each element, pick a value from ``options[group]`` = (values, weights).

    Groups draw in sorted order, each for its elements in order.
    """
    codes, uniques = pd.factorize(np.asarray(groups), sort=True)
    out = np.empty(len(groups), dtype=dtype)
    for i, g in enumerate(uniques):
        values, weights = options[g]
        mask = codes == i
        w = np.asarray(weights, dtype=float)
        out[mask] = np.asarray(values, dtype=dtype)[rng.choice(len(values), size=int(mask.sum()), p=w / w.sum())]
    return out


class _Vocabulary:
    """Texts numbered in order of first appearance: the categories of a categorical column."""

    def __init__(self, texts=()):
        self.numbers: dict[str, int] = {}
        for text in texts:
            self.number(text)

    def number(self, text: str) -> int:
        return self.numbers.setdefault(text, len(self.numbers))

    def categorical(self, numbers: np.ndarray) -> pd.Categorical:
        return pd.Categorical.from_codes(numbers, categories=pd.Index(list(self.numbers), dtype=object))


def _encounters(profile: Profile, seed: int, n_enc: int, batch: int, patients: pd.DataFrame,
                coverage: _Coverage, providers: pd.DataFrame, start, end, refs: References):
    rng = stream(seed, f"encounters-{batch}")
    days = int((end - start) / DAY) + 1
    weights = patients["visit_weight"].to_numpy()
    who = rng.choice(len(patients), size=n_enc, p=weights / weights.sum())
    date = _dates(start + rng.integers(0, days, n_enc) * DAY)
    encounter = np.arange(n_enc, dtype=np.int64) + batch * 10_000_000
    patient = patients["patient"].to_numpy()[who]
    payer = coverage.payer_on(patient, date)
    covered = payer >= 0
    encounter, patient, date, payer = encounter[covered], patient[covered], date[covered], payer[covered]
    payer_type = refs.payers.set_index("payer_id")["payer_type"].reindex(coverage.payers).to_numpy(dtype=object)[payer]
    vts = profile["visit_types"]
    options = {}
    for pt in ("medicare", "medicaid", "commercial"):
        allowed = [i for i, vt in enumerate(vts) if pt in vt.get("payer_types", [pt])]
        options[pt] = (allowed, [vts[i]["weight"] for i in allowed])
    visit_type = _choose_by_group(rng, payer_type, options).astype(np.int64)
    # Weekday-only visits that fell on a weekend move back to the Friday before; a visit moved out of
    # the period or out of its coverage span is dropped, and so is a second visit of a patient that day.
    default_weekdays = bool(profile.get("weekdays_only", True))
    weekdays_only = np.array([vt.get("weekdays_only", default_weekdays) for vt in vts])
    d = date.astype("datetime64[D]")
    wd = weekday(d)
    shift = np.where(weekdays_only[visit_type] & (wd >= 5), wd - 4, 0)
    date = _dates(d - shift * DAY)
    keep = (date >= np.datetime64(start, "us")) & (coverage.payer_on(patient, date) == payer)
    day_number = date.astype("datetime64[D]").astype(np.int64)
    keep[keep] = ~pd.Series(patient[keep] * 1_000_000 + day_number[keep]).duplicated().to_numpy()
    enc = pd.DataFrame({"encounter": encounter[keep], "patient": patient[keep], "service_date": date[keep],
                        "payer_type": _obj(payer_type[keep]), "visit_type": visit_type[keep],
                        "payer_id": pd.Categorical.from_codes(payer[keep], categories=coverage.payers)})
    # Providers (numbered as in ``providers``): anyone of the visit type's specialties.
    specialty = providers["specialty"].to_numpy(dtype=object)
    line_only = {line.get("specialty") for vt in vts for line in template_lines(vt.get("lines", []))
                 if line.get("specialty")}
    visit_npis = [i for i, sp in enumerate(specialty) if sp not in line_only] or list(range(len(specialty)))
    npi_options = {}
    for i, vt in enumerate(vts):
        pool = [j for sp in vt.get("specialties", []) for j in np.flatnonzero(specialty == sp)] or visit_npis
        npi_options[i] = (pool, [1.0] * len(pool))
    enc["rendering_npi"] = _choose_by_group(rng, enc["visit_type"].to_numpy(), npi_options, dtype=np.int64)
    return enc


def _visit_lines(profile: Profile, seed: int, enc: pd.DataFrame, patients: pd.DataFrame,
                 providers: pd.DataFrame, batch: int, vocab: dict) -> dict[str, np.ndarray]:
    """The lines of each visit, ordered by encounter and place in the visit.

    Returns columns as arrays: encounter, code (the procedure code's
    number in ``vocab["code"]``, negative for a code missing from the
    reference table), units, modifiers (number in ``vocab["modifiers"]``) and
    npi (the rendering provider's row in ``providers``, -1 for the visit's).
    """
    rng = stream(seed, f"lines-{batch}")
    vts = profile["visit_types"]
    # New or established: a new patient's first visit of the year is "new".
    patient = enc["patient"].to_numpy()
    order = lexsort_order((enc["service_date"].to_numpy().astype("datetime64[D]"), patient))
    in_order = patient[order]
    first = np.r_[True, in_order[1:] != in_order[:-1]] if len(order) else np.zeros(0, dtype=bool)
    new_visit = np.zeros(len(enc), dtype=bool)
    new_visit[order] = first & patients["is_new"].to_numpy()[in_order - 1]
    vt_idx = enc["visit_type"].to_numpy()
    new_only = np.array([vt.get("new_only", False) for vt in vts])[vt_idx]
    est_only = np.array([vt.get("established_only", False) for vt in vts])[vt_idx]
    new_visit = (new_visit | new_only) & ~est_only
    levels = profile["em_levels"]
    code_number = vocab["code"]
    parts = []
    for i, vt in enumerate(vts):
        mask = vt_idx == i
        if not mask.any():
            continue
        encounters = enc["encounter"].to_numpy()[mask]
        if vt.get("em"):
            p = float(vt.get("em_p", 1.0))
            keep = rng.random(len(encounters)) < p
            enc_em = encounters[keep]
            if vt["em"] == "emergency":
                table = levels["emergency"]
                numbers = np.array([code_number(c) for c in table], dtype=np.int64)
                codes = numbers[rng.choice(len(table), len(enc_em), p=_norm(list(table.values())))]
            else:
                codes = np.empty(len(enc_em), dtype=np.int64)
                nv = new_visit[mask][keep]
                for family, sel in (("new", nv), ("established", ~nv)):
                    table = levels[family]
                    numbers = np.array([code_number(c) for c in table], dtype=np.int64)
                    codes[sel] = numbers[rng.choice(len(table), int(sel.sum()), p=_norm(list(table.values())))]
            m = len(enc_em)
            parts.append({"encounter": enc_em, "units": np.ones(m, dtype=np.int64), "slot": -1, "code": codes,
                          "modifiers": vt.get("em_modifiers", ""), "specialty": ""})
        parts += expand_visits(vt.get("lines", []), encounters, rng)
    sizes = [len(part["encounter"]) for part in parts]

    def per_line(values, dtype=np.int64) -> np.ndarray:
        return np.repeat(np.asarray(values, dtype=dtype), sizes)

    lines = {
        "encounter": np.concatenate([part["encounter"] for part in parts]).astype(np.int64),
        "code": np.concatenate([part["code"] if isinstance(part["code"], np.ndarray)
                                else np.full(len(part["encounter"]), code_number(part["code"]), dtype=np.int64)
                                for part in parts]),
        "units": np.concatenate([part["units"] for part in parts]).astype(np.int64),
        "modifiers": per_line([vocab["modifiers"].number(part["modifiers"]) for part in parts]),
    }
    # A line rendered by another specialty (e.g. pathology) gets one of its providers.
    specialty = per_line([part["specialty"] for part in parts], dtype=object)
    npi = np.full(len(specialty), -1, dtype=np.int64)
    for sp in sorted(set(part["specialty"] for part in parts) - {""}):
        mine = specialty == sp
        pool = np.flatnonzero(providers["specialty"].to_numpy(dtype=object) == sp)
        npi[mine] = pool[rng.integers(0, len(pool), int(mine.sum()))]
    lines["npi"] = npi
    place = places_by_visit(lines["encounter"], sizes)
    ordered = {}
    for column, values in lines.items():
        ordered[column] = np.empty_like(values)
        ordered[column][place] = values
    return ordered


def patient_count(profile: Profile, n_lines: int) -> int:
    """Patients of a clean practice of ``n_lines`` lines (the profile's lines per patient, at least 10)."""
    return max(10, int(round(n_lines / float(profile["lines_per_patient"]))))


def build_clean(profile: Profile, seed: int, n_lines: int, start, end, refs: References,
                claim_width: int = 7, practice_seed: int | None = None, patient_width: int | None = None) -> Practice:
    """Simulate a clean practice with exactly ``n_lines`` claim lines.

    Parameters
    ----------
    profile : Profile
    seed : int
    n_lines : int
        Number of claim lines to produce (before errors add their own).
    start, end : numpy.datetime64
        First and last date of service.
    refs : References
    claim_width : int
        Digits of the claim numbers in claim ids.
    practice_seed : int, optional
        The seed of the whole practice when this is one of its blocks
        (:mod:`._blocks`): names and providers come from it, the rest from
        ``seed``. Default: ``seed``.
    patient_width : int, optional
        Digits of the patient numbers in patient ids (default: enough for
        this practice's patients, at least 6).

    Returns
    -------
    Practice
        With providers, patients, spans, encounters, lines, payments and
        documentation; no labels yet.
    """
    start = np.datetime64(start, "D")
    end = np.datetime64(end, "D")
    export_date = end + 45 * DAY
    practice_seed = seed if practice_seed is None else practice_seed
    pools = name_pools(practice_seed)
    providers = _providers(profile, practice_seed, pools)
    n_patients = patient_count(profile, n_lines)
    payer_ids_all = list(refs.payers["payer_id"])
    patients, spans = _patients_and_spans(profile, seed, n_patients, start, end, refs, pools, payer_ids_all)
    coverage = _Coverage(spans, n_patients)

    vts = profile["visit_types"]
    weights = _norm([vt["weight"] for vt in vts])
    per_visit = sum(w * (expected_lines(vt.get("lines", [])) + (vt.get("em_p", 1.0) if vt.get("em") else 0))
                    for w, vt in zip(weights, vts))
    codes = refs.codes.set_index("procedure_code")
    code_index = pd.Index(codes.index, dtype=object)
    unknown = _Vocabulary()
    known: dict[str, int] = {}

    def code_number(text: str) -> int:
        if text not in known:
            at = int(code_index.get_indexer([text])[0])
            known[text] = at if at >= 0 else -1 - unknown.number(text)
        return known[text]

    vocab = {"code": code_number, "modifiers": _Vocabulary()}
    enc_frames, line_parts, have, batch = [], [], 0, 0
    while have < n_lines:
        need = n_lines - have
        n_enc = int(math.ceil(need / max(per_visit, 0.5) * 1.2)) + 30
        enc = _encounters(profile, seed, n_enc, batch, patients, coverage, providers, start, end, refs)
        if enc_frames:
            seen = pd.concat([e[["patient", "service_date"]] for e in enc_frames])
            dup = enc.merge(seen.assign(_seen=True), on=["patient", "service_date"], how="left")["_seen"]
            enc = enc.loc[dup.isna().to_numpy()].reset_index(drop=True)
        if len(enc):
            lines = _visit_lines(profile, seed, enc, patients, providers, batch, vocab)
            have += len(lines["encounter"])
            enc_frames.append(enc)
            line_parts.append(lines)
        batch += 1
        if batch > 20 and have < n_lines:
            raise ValueError(f"too few visits fit between {start} and {end} for the lines asked: the practice's "
                             "patients are seen at most once a day; give a longer period or fewer lines, or check "
                             "the profile's coverage and weights")
    enc = pd.concat(enc_frames, ignore_index=True)
    lines = {c: np.concatenate([part[c] for part in line_parts]) for c in line_parts[0]}

    # Keep a random set of whole visits holding exactly n_lines lines (lines are in encounter order).
    rng = stream(seed, "trim")
    encounter = lines["encounter"]
    run_start = np.flatnonzero(np.r_[True, encounter[1:] != encounter[:-1]])
    run_size = np.diff(np.r_[run_start, len(encounter)])
    shuffled = rng.permutation(len(run_start))
    cum = np.cumsum(run_size[shuffled])
    whole = cum <= n_lines
    taken = int(cum[whole][-1]) if whole.any() else 0
    kept_size = np.zeros(len(run_start), dtype=np.int64)
    kept_size[shuffled[whole]] = run_size[shuffled[whole]]
    if taken < n_lines:
        kept_size[shuffled[int(whole.sum())]] = n_lines - taken
    run_start, run_size = run_start[kept_size > 0], kept_size[kept_size > 0]
    # The visits of the runs kept (visits, like lines, are in encounter order).
    kept = np.searchsorted(enc["encounter"].to_numpy(), encounter[run_start])

    # Submission, claim numbers, place of service, diagnoses. The visits kept are taken once, in claim order.
    rng = stream(seed, "claims")
    ed = np.array(["emergency" in vt["name"] for vt in vts])[enc["visit_type"].to_numpy()[kept]]
    lag = np.where(ed, rng.integers(2, 11, len(kept)), rng.integers(1, 6, len(kept)))
    service_day = enc["service_date"].to_numpy()[kept].astype("datetime64[D]")
    by_claim = lexsort_order((enc["encounter"].to_numpy()[kept], enc["patient"].to_numpy()[kept], service_day,
                              service_day + lag * DAY))
    enc = enc.iloc[kept[by_claim]].reset_index(drop=True)
    enc["submitted_date"] = enc["service_date"] + pd.to_timedelta(lag[by_claim], unit="D")
    enc["claim"] = np.arange(1, len(enc) + 1, dtype=np.int64)
    pos_default = profile.get("place_of_service", {"11": 1.0})
    pos_vocab, dx_vocab = _Vocabulary(), _Vocabulary()
    pos_options = {i: ([pos_vocab.number(p) for p in vt.get("place_of_service", pos_default)],
                       list(vt.get("place_of_service", pos_default).values())) for i, vt in enumerate(vts)}
    place_of_service = _choose_by_group(rng, enc["visit_type"].to_numpy(), pos_options, dtype=np.int64)
    dx_options = {i: ([dx_vocab.number(";".join(d)) for d in vt.get("diagnoses", [["Z00.00"]])],
                      [1.0] * len(vt.get("diagnoses", [["Z00.00"]]))) for i, vt in enumerate(vts)}
    diagnoses = _choose_by_group(rng, enc["visit_type"].to_numpy(), dx_options, dtype=np.int64)
    enc["place_of_service"] = _obj(pos_vocab.categorical(place_of_service).astype(object))
    enc["diagnosis_codes"] = _obj(dx_vocab.categorical(diagnoses).astype(object))
    enc["visit_name"] = _obj(np.array([vt["name"] for vt in vts], dtype=object)[enc["visit_type"].to_numpy()])

    # Order lines by claim number, then by their place in the visit; copy each visit's columns once.
    # The runs kept are the kept visits' lines, both in encounter order: the claim order sorts both.
    size = run_size[by_claim]
    n_lines = int(size.sum())
    first_of_run = np.cumsum(size) - size
    order = np.repeat(run_start[by_claim] - first_of_run, size) + np.arange(n_lines)
    at = np.repeat(np.arange(len(enc)), size)
    code_numbers = lines["code"][order]
    if (code_numbers < 0).any():
        raise ValueError("a profile bills codes missing from procedure_codes.csv: "
                         + ", ".join(sorted(t for t, i in unknown.numbers.items() if (code_numbers == -1 - i).any())))
    units = lines["units"][order]
    line_npi = lines["npi"][order]
    charge = codes["charge_per_unit"].astype(np.int64).to_numpy() * 100
    payer_types = pd.Categorical(refs.payers["payer_type"].to_numpy(dtype=object))
    kinds = pd.Categorical(codes["kind"].to_numpy(dtype=object))
    payer_at = enc["payer_id"].array.take(at)
    lines = pd.DataFrame({
        "claim": at + 1,
        "line_no": np.arange(n_lines) - np.repeat(first_of_run, size) + 1,
        "patient": enc["patient"].to_numpy()[at],
        "payer_id": payer_at,
        "rendering_npi": pd.Categorical.from_codes(
            np.where(line_npi >= 0, line_npi, enc["rendering_npi"].to_numpy()[at]),
            categories=pd.Index(providers["rendering_npi"], dtype=object)),
        "service_date": enc["service_date"].to_numpy()[at],
        "submitted_date": enc["submitted_date"].to_numpy()[at],
        "procedure_code": pd.Categorical.from_codes(code_numbers, categories=code_index),
        "modifiers": vocab["modifiers"].categorical(lines["modifiers"][order]),
        "units": units,
        "charge_cents": charge[code_numbers] * units,
        "diagnosis_codes": dx_vocab.categorical(diagnoses[at]),
        "place_of_service": pos_vocab.categorical(place_of_service[at]),
        "encounter": enc["encounter"].to_numpy()[at],
        "payer_type": pd.Categorical.from_codes(payer_types.codes[payer_at.codes],
                                                categories=pd.Index(payer_types.categories, dtype=object)),
        "kind": pd.Categorical.from_codes(kinds.codes[code_numbers],
                                          categories=pd.Index(kinds.categories, dtype=object)),
    })

    practice = Practice(profile=profile, seed=seed, start=start, end=end, export_date=export_date,
                        refs=refs, providers=providers, patients=patients, spans=spans,
                        encounters=enc, lines=lines, payments=pd.DataFrame(),
                        documentation=pd.DataFrame(), claim_width=claim_width,
                        patient_width=patient_width or max(6, len(str(n_patients))))
    price_and_pay(practice)
    _document(practice)
    return practice


def _document(practice: Practice) -> None:
    """One note per line: present and signed; some notes name the code explicitly."""
    rng = stream(practice.seed, "documentation")
    lines = practice.lines
    n = len(lines)
    # The documented codes as numbers into ``texts``: the billed code's category, or a blank.
    code = lines["procedure_code"].cat.codes.to_numpy().astype(np.int64)
    categories = list(lines["procedure_code"].cat.categories)
    # Under-coding (the note supports more than was billed) is not an error to recoup.
    em_steps = {"99202": "99203", "99203": "99204", "99204": "99205", "99211": "99212",
                "99212": "99213", "99213": "99214", "99214": "99215"}
    texts = categories + [""] + list(em_steps.values())
    stepped = np.array([texts.index(em_steps[c], len(categories)) if c in em_steps else -1 for c in categories]
                       + [-1], dtype=np.int64)
    documented = np.where(rng.random(n) < 0.10, code, len(categories))
    under = (rng.random(n) < 0.03) & (stepped[code] >= 0)
    documented[under] = stepped[code[under]]
    # Unpaid lines are untidy in real offices: some have no note on file yet (no row, or a row
    # saying it is absent and so unsigned).
    paid = np.zeros(n, dtype=np.int64)
    np.add.at(paid, practice.payments["_line"].to_numpy(), practice.payments["paid_cents"].to_numpy())
    untidy = (paid <= 0) & (rng.random(n) < 0.25)
    missing_row = untidy & (rng.random(n) < 0.5)
    rows = np.flatnonzero(~missing_row)
    absent = untidy[rows]
    practice.documentation = pd.DataFrame({
        "claim": lines["claim"].to_numpy()[rows], "line_no": lines["line_no"].to_numpy()[rows],
        "note_present": pd.arrays.BooleanArray(~absent, np.zeros(len(rows), dtype=bool)),
        "signed": pd.arrays.BooleanArray(np.ones(len(rows), dtype=bool), absent),
        "documented_code": _coded_text(texts, documented[rows]), "_line": rows})
