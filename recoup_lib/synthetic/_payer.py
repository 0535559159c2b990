"""The payers' side of a practice: post-payment review notices, take-backs and their answer key.

``payments.csv`` stays the snapshot of what the payers paid at adjudication
(so ``labels.csv`` is still exactly the audit's findings). After that, each
payer reviews paid lines and sends overpayment notices; later it takes the
money back. This module simulates both, seeded with its own stream
(``stream(seed, "payer")``) so the claims the other components produce never
change.

What a review finds
-------------------
- **True notices**: a share (``found_share``) of the labelled erroneous paid
  lines, one notice per line, for one of the line's labelled error types and
  exactly its at-risk amount.
- **False accusations**: about ``false_accusation_share`` x the true notices,
  on clean paid lines: documentation (``amount`` = paid) or upcoding of an
  office visit that is not the lowest level (``amount`` = 25-60 % of paid,
  half-up), per ``false_error_mix``. These are what an appeal can win.
- **Late notices**: about ``late_share`` of the notices are sent 1-60 days
  after the payer's look-back limit, for commercial payers of states with a
  look-back rule of their own (``recoup_lib/appeals/data/payer_rules.csv``;
  docs/sources.md §8). Every other notice comes after the line's first payment plus
  30-180 days and before the look-back limit.
- Every notice is dated no later than the last date of service plus
  ``notice_margin_days``. Its ``reason_code`` is the CARC of its error_type
  (``carc`` in the profile; docs/sources.md §6.2).

The answer key (``recoupment_labels.csv``)
------------------------------------------
One row per notice. ``merits`` is true when labels.csv has the notice's
error_type on that claim line with ``at_risk >= amount`` (the contract's
``accept`` test, against the answer key instead of an audit);
``within_lookback`` is false for notices dated after the payer's look-back
limit; ``retroactive_policy`` is true for a policy_change notice whose policy
was announced after the date of service (labels.csv's injected_as);
``valid = merits and within_lookback and not retroactive_policy``: the payer
is entitled to the whole amount. An invalid notice is one an appeal should
win (in full when ``merits`` is false, the notice is late or the policy was
applied retroactively: docs/contract.md, "Appeal decisions"). ``appealed`` says whether the
simulated office filed in time to stop the offset; the take-back columns are
described in :mod:`recoup_lib.synthetic._remits`.
"""

from __future__ import annotations

import numpy as np
import pandas as pd

from ..money import div_half_up
from ..rules import EM_FAMILIES
from ._inject_population import RETROACTIVE_POLICY
from ._practice import DAY, Practice, _dates, _obj
from ._profile import payer_review
from ._random import stream
from ._values import _text_values, text_ids

__all__ = ["simulate_notices", "NOTICE_COLUMNS", "lookback_limits", "notice_ids"]

#: notices.csv columns (docs/contract.md "Appeal decisions"), money in cents in memory.
NOTICE_COLUMNS = ["notice_id", "payer_id", "claim_id", "line_no", "notice_date", "amount_cents", "reason_code",
                  "error_type", "original_payment_date"]


def _first_paid(practice: Practice) -> tuple[np.ndarray, np.ndarray]:
    """Per line: total paid (cents) and the earliest positive payment date (NaT where none)."""
    pay = practice.payments
    n = len(practice.lines)
    at = pay["_line"].to_numpy(dtype=np.int64)
    paid = np.zeros(n, dtype=np.int64)
    np.add.at(paid, at, pay["paid_cents"].to_numpy(dtype=np.int64))
    positive = pay["paid_cents"].to_numpy() > 0
    days = pay["payment_date"].to_numpy().astype("datetime64[D]").astype(np.int64)
    first = np.full(n, np.iinfo(np.int64).max, dtype=np.int64)
    np.minimum.at(first, at[positive], days[positive])
    out = np.full(n, np.datetime64("NaT"), dtype="datetime64[D]")
    ok = first != np.iinfo(np.int64).max
    out[ok] = first[ok].astype("datetime64[D]")
    return paid, out


#: The appeal rule profiles the kit ships, as this process holds them (read once, or handed over).
_PROFILES: dict = {}


def _shipped_profiles():
    """The appeal rule profiles the kit ships, read once per process (every block of a practice uses them)."""
    if "shipped" not in _PROFILES:
        from ..appeals import load_profiles

        _PROFILES["shipped"] = load_profiles()
    return _PROFILES["shipped"]


def resolved_profiles(payers: pd.DataFrame):
    """The shipped profiles with the rules of ``payers`` (payer_type, state) already resolved, to hand over.

    A worker process building blocks (:mod:`._blocks`) is given them with
    :func:`use_profiles` instead of reading and resolving the rule tables
    again (about a tenth of a second in each). A payer whose rules cannot be
    resolved is left for :func:`lookback_limits` to raise about, as it would.
    """
    from ..appeals import profile_for

    profiles = _shipped_profiles()
    for payer_type, state in payers[["payer_type", "state"]].drop_duplicates().itertuples(index=False):
        try:
            profile_for(profiles, payer_type, state)
        except Exception:  # noqa: BLE001  (raised again, where it always was, by lookback_limits)
            continue
    return profiles


def use_profiles(profiles) -> None:
    """Hold ``profiles`` (from :func:`resolved_profiles` in another process) as this process's shipped ones."""
    _PROFILES.setdefault("shipped", profiles)


def lookback_limits(practice: Practice, first_paid: np.ndarray):
    """Each line's look-back limit under its payer's rules, and whether it is a state's own rule.

    Uses the appeal module's rule tables (:func:`recoup_lib.appeals.profile_for`), so
    the generator and ``recoup appeal`` agree on when a notice is late.

    Returns
    -------
    tuple of numpy.ndarray
        limit (datetime64[D], NaT where the payer has no limit), state_rule (bool:
        a commercial payer whose state has its own look-back row), offset_rule
        (a list, per line, of the payer profile, for the offset start).
    """
    from ..appeals import profile_for, shift

    profiles = _shipped_profiles()
    lines = practice.lines
    payers = practice.refs.payers.set_index("payer_id")
    codes = lines["payer_id"].cat.codes.to_numpy()
    categories = lines["payer_id"].cat.categories
    service = lines["service_date"].to_numpy().astype("datetime64[D]")
    n = len(lines)
    limit = np.full(n, np.datetime64("NaT"), dtype="datetime64[D]")
    state_rule = np.zeros(n, dtype=bool)
    by_payer = {}
    order = np.argsort(codes, kind="stable")
    bounds = np.searchsorted(codes[order], np.arange(len(categories) + 1))
    for code in np.unique(codes):
        payer = categories[code]
        row = payers.loc[payer]
        profile = profile_for(profiles, row["payer_type"], row["state"])
        by_payer[payer] = profile
        idx = order[bounds[code]:bounds[code + 1]]
        rule = profile.rule("lookback")
        if rule is None or rule.unit == "none":
            continue
        base = service[idx] if rule.counted_from == "service_date" else first_paid[idx]
        limit[idx] = shift(base, rule.number, rule.unit)
        state_rule[idx] = (profile.payer_type == "commercial" and profile.has_state_rows
                           and "lookback" not in profile.fallbacks)
    return limit, state_rule, by_payer


def notice_ids(first: int, count: int) -> np.ndarray:
    """Notice ids ``N000001``... (six digits at least) numbered from ``first``, as objects."""
    return text_ids("N", np.arange(first, first + count), 6)


def _pick(rng, candidates: np.ndarray, k: int) -> np.ndarray:
    k = min(int(k), len(candidates))
    return np.sort(candidates[rng.permutation(len(candidates))[:k]])


def _uniform_days(rng, lo: np.ndarray, hi: np.ndarray) -> np.ndarray:
    """A date uniformly between lo and hi (inclusive), element by element."""
    span = (hi - lo).astype(np.int64)
    return lo + (np.floor(rng.random(len(lo)) * (span + 1))).astype(np.int64) * DAY


def _label_support(label_line, label_type, label_risk, line, error_type) -> tuple[np.ndarray, np.ndarray]:
    """For each (line, error_type): whether labels.csv has that error on that line, and the largest
    at-risk amount it gives there (0 where none)."""
    kinds, kind_names = pd.factorize(np.r_[label_type, error_type].astype(object))
    label_key = label_line * len(kind_names) + kinds[:len(label_line)]
    key = np.asarray(line, dtype=np.int64) * len(kind_names) + kinds[len(label_line):]
    order = np.argsort(label_key, kind="stable")
    in_order = label_key[order]
    starts = np.flatnonzero(np.r_[True, in_order[1:] != in_order[:-1]]) if len(order) else np.zeros(0, dtype=np.int64)
    keys = in_order[starts]
    largest = np.maximum.reduceat(label_risk[order], starts) if len(keys) else np.zeros(0, dtype=np.int64)
    # A last key no line has, so every search lands on a key.
    keys, largest = np.append(keys, np.iinfo(np.int64).max), np.append(largest, 0)
    at = np.searchsorted(keys, key)
    found = keys[at] == key
    return found, np.where(found, largest[at], 0)


def simulate_notices(practice: Practice) -> pd.DataFrame:
    """The payers' overpayment notices for a generated practice, with their answer key.

    Parameters
    ----------
    practice : Practice
        A practice with errors injected (``labels`` set).

    Returns
    -------
    pandas.DataFrame
        One row per notice, ordered by notice_date then claim and line:
        notice_id, payer_id, claim (number), line_no, notice_date,
        amount_cents, reason_code, error_type, original_payment_date, and the
        answer key: merits, within_lookback, retroactive_policy, valid, accusation (``label`` or
        ``false``), appealed, lookback_limit, offset_starts, payer_type,
        ``_line``.

    Notes
    -----
    See the module docstring for the rules. Offset start dates come from the
    appeal rule tables (Medicare day 41, docs/sources.md §1.1; state and default
    commercial rules, docs/sources.md §8).

    Examples
    --------
    >>> from recoup_lib.synthetic import generate_practice
    >>> notices = simulate_notices(generate_practice(lines=2000, seed=3))
    >>> bool((notices["amount_cents"] > 0).all())
    True
    """
    from ..appeals import profile_dates

    cfg = payer_review(practice.profile)
    rng = stream(practice.seed, "payer")
    lines = practice.lines
    n = len(lines)
    paid, first_paid = _first_paid(practice)
    limit, state_rule, by_payer = lookback_limits(practice, first_paid)
    last_notice = practice.end + int(cfg["notice_margin_days"]) * DAY
    lag_lo, lag_hi = cfg["review_lag_days"]
    earliest = first_paid + lag_lo * DAY
    latest = np.minimum(first_paid + lag_hi * DAY, last_notice)
    latest = np.where(np.isnat(limit), latest, np.minimum(latest, limit))
    in_time = (paid > 0) & ~np.isnat(first_paid) & (earliest <= latest)
    late_lo, late_hi = cfg["late_days"]
    can_be_late = (paid > 0) & state_rule & ~np.isnat(limit) & (limit + late_lo * DAY <= last_notice)

    # True notices: one labelled error per line (the first in a random order), on a share of the labelled
    # lines, in line order.
    labels = practice.labels
    label_line = labels["_line"].to_numpy(dtype=np.int64)
    label_type = labels["error_type"].to_numpy(dtype=object)
    label_risk = labels["at_risk_cents"].to_numpy(dtype=np.int64)
    at_risk = np.flatnonzero(label_risk > 0)
    shuffled = at_risk[rng.permutation(len(at_risk))]
    _, first = np.unique(label_line[shuffled], return_index=True)
    lab = shuffled[first]
    lab = lab[in_time[label_line[lab]]]
    n_true = int(round(cfg["found_share"] * len(lab)))
    chosen = lab[_pick(rng, np.arange(len(lab)), n_true)]
    true_line = label_line[chosen]
    n_late = int(round(cfg["late_share"] * len(true_line)))
    late_pool = np.flatnonzero(can_be_late[true_line])
    if cfg["late_share"] > 0 and n_late == 0 and len(late_pool):
        n_late = 1
    late = np.zeros(len(true_line), dtype=bool)
    late[_pick(rng, late_pool, n_late)] = True

    # False accusations: clean paid lines, a plausible reason and an amount <= paid.
    labelled = np.zeros(n, dtype=bool)
    labelled[label_line] = True
    clean = np.flatnonzero(~labelled & in_time)
    n_false = int(round(cfg["false_accusation_share"] * len(true_line)))
    false_line = _pick(rng, clean, n_false)
    mix = cfg["false_error_mix"]
    kinds = np.array(list(mix), dtype=object)
    weights = np.array([mix[k] for k in kinds], dtype=float)
    false_type = kinds[rng.choice(len(kinds), size=len(false_line), p=weights / weights.sum())] \
        if len(false_line) else np.zeros(0, dtype=object)
    codes = _text_values(lines["procedure_code"], false_line)
    not_lowest = np.isin(codes, [c for fam in EM_FAMILIES.values() for c in fam[1:]])
    false_type = np.where((false_type == "upcoding") & ~not_lowest, "missing_documentation", false_type)
    share = rng.integers(25, 61, len(false_line))
    false_paid = paid[false_line]
    false_amount = np.where(false_type == "upcoding",
                            np.clip(div_half_up(false_paid * share, np.full(len(false_line), 100, dtype=np.int64)),
                                    1, false_paid), false_paid)

    notice_line = np.r_[true_line, false_line].astype(np.int64)
    error_type = np.r_[label_type[chosen], false_type].astype(object)
    amount = np.r_[label_risk[chosen], false_amount].astype(np.int64)
    accusation = np.r_[np.full(len(true_line), "label", dtype=object), np.full(len(false_line), "false", dtype=object)]
    is_late = np.r_[late, np.zeros(len(false_line), dtype=bool)]

    m = len(notice_line)
    on_time_date = _uniform_days(rng, earliest[notice_line], latest[notice_line])
    late_lo_d = limit[notice_line] + late_lo * DAY
    late_hi_d = np.minimum(limit[notice_line] + late_hi * DAY, last_notice)
    safe = is_late & ~np.isnat(late_lo_d)
    late_date = on_time_date.copy()
    late_date[safe] = _uniform_days(rng, late_lo_d[safe], late_hi_d[safe])
    notice_date = np.where(is_late, late_date, on_time_date)

    # Answer key: merits against labels.csv, the look-back, and whether the office appealed.
    labelled_there, support = _label_support(label_line, label_type, label_risk, notice_line, error_type)
    merits = labelled_there & (support >= amount)
    within = np.isnat(limit[notice_line]) | (notice_date <= limit[notice_line])
    retro_key = label_line[(label_type == "policy_change")
                           & (labels["injected_as"].to_numpy(dtype=object) == RETROACTIVE_POLICY)]
    retroactive = (error_type == "policy_change") & np.isin(notice_line, retro_key)
    valid = merits & within & ~retroactive
    appeal = cfg["appeal_share"]
    appealed = rng.random(m) < np.where(valid, appeal["valid"], appeal["invalid"])

    payer_of = _text_values(lines["payer_id"], notice_line)
    offset_starts = np.full(m, np.datetime64("NaT"), dtype="datetime64[D]")
    payer_type = np.empty(m, dtype=object)
    for payer, profile in by_payer.items():
        idx = np.flatnonzero(payer_of == payer)
        if not len(idx):
            continue
        payer_type[idx] = profile.payer_type
        starts = profile_dates(notice_date[idx], profile)["offset_starts"].to_numpy().astype("datetime64[D]")
        offset_starts[idx] = np.where(np.isnat(starts), notice_date[idx], starts)

    claim = lines["claim"].to_numpy()[notice_line]
    line_no = lines["line_no"].to_numpy(dtype=np.int64)[notice_line]
    order = np.lexsort((line_no, claim, notice_date))
    carc = cfg["carc"]
    out = pd.DataFrame({
        "notice_id": _obj(notice_ids(1, m)),
        "payer_id": _obj(payer_of[order]),
        "claim": claim[order],
        "line_no": line_no[order],
        "notice_date": _dates(notice_date[order]),
        "amount_cents": amount[order],
        "reason_code": _obj([str(carc[e]) for e in error_type[order]]),
        "error_type": _obj(error_type[order]),
        "original_payment_date": _dates(first_paid[notice_line][order]),
        "merits": merits[order],
        "within_lookback": within[order],
        "retroactive_policy": retroactive[order],
        "valid": valid[order],
        "accusation": _obj(accusation[order]),
        "appealed": appealed[order],
        "lookback_limit": _dates(limit[notice_line][order]),
        "offset_starts": _dates(offset_starts[order]),
        "payer_type": _obj(payer_type[order]),
        "_line": notice_line[order],
    })
    return out
