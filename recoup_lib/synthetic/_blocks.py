"""Large practices in blocks of patients: the same bytes in memory or in bounded memory.

A practice of more than :data:`BLOCK_LINES` claim lines is simulated as
blocks of about equal size. Each block has its own patients (numbered on
from the block before) and its own random streams: block 0 uses the
practice's seed, block *b* the seed :func:`._random.block_seed` derives from
the practice's seed and *b*. Everything of one patient (coverage, visits,
deductibles, duplicates, notes, coverage lapses, the payers' notices) is
simulated inside the patient's block, each block with its share of the
error plan (:func:`._inject.plan_counts` of its own size).

Two things reach across blocks, and are done for the whole practice:

- **Payer policies** (policy_change): a payer's policy reaches every patient
  billing that code, so the policies are chosen once over a small view of
  every block's clean lines (:func:`._inject_population.choose_policies`),
  then applied to each block.
- **Numbers**: claims, payments and notices are numbered block after block
  (a block's claims, its added duplicates included, come after the previous
  block's); ids keep the widths of the whole practice. Payment ids have
  ``max(8, digits of 4 x lines)`` digits, which is 8 below 25 million lines.

So a generated folder depends only on the profile, seed, size, error rate
and period: never on whether it was made in memory
(:func:`generate_blocks` then :func:`combine`) or block by block in bounded
memory (the policy view of every block first, then each block built again
from its seed, finished, written and dropped), and a practice of at most
:data:`BLOCK_LINES` lines is one block, the practice the generator made
before blocks existed. Within a multi-block folder, claims are numbered by
submission date inside each block, and payments.csv and notices.csv run in
date order block by block.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from typing import Iterator

import numpy as np
import pandas as pd

from ._inject import inject_block_errors, plan_counts
from ._inject_population import apply_policies, choose_policies, policy_view
from ._inject_state import InjectionState
from ._payer import simulate_notices
from ._practice import Practice, References, build_clean, patient_count
from ._profile import Profile
from ._random import block_seed
from ..errors import InvalidParameterError
from ._values import _obj

__all__ = ["BLOCK_LINES", "Layout", "plan_layout", "clean_pass", "finish_blocks", "combine", "parse_size",
           "memory_needed"]

#: Claim lines of one block at most: a practice up to this size is simulated in one piece.
BLOCK_LINES = 250_000
#: Encounter numbers of block b start at b x this (encounters are internal, never written).
_ENCOUNTER_STRIDE = 1 << 32


@dataclass
class Layout:
    """How a practice is cut into blocks, and the numbering widths of the whole practice."""

    profile: Profile
    seed: int
    error_rate: float
    start: np.datetime64
    end: np.datetime64
    refs: References
    sizes: list          # claim lines of each block, errors included
    plans: list          # plan_counts of each block
    patients: list       # patients of each block
    claim_width: int
    patient_width: int
    payment_width: int

    @property
    def lines(self) -> int:
        return int(sum(self.sizes))

    def clean(self, block: int) -> Practice:
        """Block ``block`` without errors (the same every time: it depends on the seeds only)."""
        practice = build_clean(self.profile, block_seed(self.seed, block),
                               self.sizes[block] - self.plans[block]["added"], self.start, self.end, self.refs,
                               claim_width=self.claim_width, practice_seed=self.seed,
                               patient_width=self.patient_width)
        practice.patient_offset = int(sum(self.patients[:block]))
        return practice


def block_sizes(lines: int, block_lines: int) -> list[int]:
    """``lines`` cut into the fewest blocks of at most ``block_lines``, sizes differing by one at most."""
    count = max(1, -(-int(lines) // int(block_lines)))
    base, extra = divmod(int(lines), count)
    return [base + (1 if b < extra else 0) for b in range(count)]


def plan_layout(lines: int, seed: int, error_rate: float, profile: Profile, start, end, refs: References,
                block_lines: int | None = None) -> Layout:
    """The blocks of a practice of ``lines`` lines and their error plans (raises ValueError on a bad plan).

    ``block_lines`` defaults to :data:`BLOCK_LINES` (read when called, so a test may lower it).
    """
    sizes = block_sizes(lines, block_lines or BLOCK_LINES)
    plans = [plan_counts(size, error_rate, profile["error_mix"]) for size in sizes]
    patients = [patient_count(profile, size - plan["added"]) for size, plan in zip(sizes, plans)]
    return Layout(profile=profile, seed=seed, error_rate=error_rate, start=start, end=end, refs=refs,
                  sizes=sizes, plans=plans, patients=patients, claim_width=max(7, len(str(lines))),
                  patient_width=max(6, len(str(sum(patients)))), payment_width=max(8, len(str(4 * lines))))


@dataclass
class CleanPass:
    """The first pass over the blocks: the policy choice, and the clean blocks when they are kept."""

    choice: object
    first_lines: list    # number of each block's first clean line across the practice
    states: list         # InjectionState per block, or None where it was not kept


def clean_pass(layout: Layout, keep: bool = True) -> CleanPass:
    """Build every clean block once and choose the payer policies over all of them.

    ``keep=False`` drops each block after taking its policy view (bounded
    memory; :func:`finish_blocks` builds it again from its seed).
    """
    views, states = [], []
    for block in range(len(layout.sizes)):
        state = InjectionState(layout.clean(block))
        views.append(policy_view(state))
        states.append(state if keep else None)
    first_lines = np.cumsum([0] + [len(v.paid) for v in views])[:-1].tolist()
    budget = sum(plan["flag"]["policy_change"] for plan in layout.plans)
    choice = choose_policies(layout.seed, layout.start, layout.end, layout.refs, views, budget)
    return CleanPass(choice, first_lines, states)


def finish_blocks(layout: Layout, first: CleanPass) -> Iterator[Practice]:
    """Each block with its errors, answer key and notices, numbered for the whole practice, in order."""
    only = len(layout.sizes) == 1
    claims = payments = notices = lines = 0
    for block in range(len(layout.sizes)):
        state = first.states[block] or InjectionState(layout.clean(block))
        first.states[block] = None
        apply_policies(state, first.choice, first.first_lines[block], only_block=only)
        state.p.claim_offset = claims
        practice = inject_block_errors(state, layout.plans[block], layout.payment_width, first_payment=payments + 1)
        practice.error_rate = layout.error_rate
        practice.plan = layout.plans[block]
        practice.notices = simulate_notices(practice)
        top_claim = int(practice.lines["claim"].max())
        if block:
            _number_for_practice(practice, block, claims, lines, notices)
        claims += top_claim
        payments += len(practice.payments)
        notices += len(practice.notices)
        lines += len(practice.lines)
        yield practice


def _number_for_practice(p: Practice, block: int, claims: int, lines: int, notices: int) -> None:
    """Turn a block's own numbers (claims, patients, lines, notices) into the whole practice's."""
    patients = p.patient_offset
    encounters = block * _ENCOUNTER_STRIDE
    for table, shifts in ((p.lines, {"claim": claims, "patient": patients, "encounter": encounters}),
                          (p.payments, {"claim": claims, "_line": lines}),
                          (p.documentation, {"claim": claims, "_line": lines}),
                          (p.labels, {"claim": claims, "_line": lines}),
                          (p.notices, {"claim": claims, "_line": lines}),
                          (p.patients, {"patient": patients}),
                          (p.spans, {"patient": patients}),
                          (p.encounters, {"claim": claims, "patient": patients, "encounter": encounters})):
        for column, shift in shifts.items():
            if column in table.columns:
                table[column] = table[column].to_numpy() + shift
    p.notices["notice_id"] = _obj([f"N{i:06d}" for i in range(notices + 1, notices + len(p.notices) + 1)])
    p.claim_offset = p.patient_offset = 0
    p.__dict__.pop("_id_tables", None)


def _concat(frames: list[pd.DataFrame]) -> pd.DataFrame:
    """Blocks' tables one after the other; a text column stays categorical over all their categories."""
    frames = [f.reset_index(drop=True) for f in frames]
    for column in frames[0].columns:
        dtypes = [f[column].dtype for f in frames]
        if all(isinstance(d, pd.CategoricalDtype) for d in dtypes) and any(d != dtypes[0] for d in dtypes):
            categories = pd.Index(pd.unique(np.concatenate([np.asarray(d.categories, dtype=object)
                                                            for d in dtypes])), dtype=object)
            common = pd.CategoricalDtype(categories)
            frames = [f.assign(**{column: f[column].astype(common)}) for f in frames]
    return pd.concat(frames, ignore_index=True)


def combine(blocks: list[Practice], layout: Layout) -> Practice:
    """The finished blocks as one practice (one block: that block)."""
    if len(blocks) == 1:
        return blocks[0]
    first = blocks[0]

    def tables(name: str) -> pd.DataFrame:
        return _concat([getattr(b, name) for b in blocks])

    plan = {"flag": {t: sum(b.plan["flag"][t] for b in blocks) for t in first.plan["flag"]},
            **{k: sum(b.plan[k] for b in blocks) for k in first.plan if k != "flag"}}
    return Practice(profile=layout.profile, seed=layout.seed, start=first.start, end=first.end,
                    export_date=first.export_date, refs=layout.refs, providers=first.providers,
                    patients=tables("patients"), spans=tables("spans"), encounters=tables("encounters"),
                    lines=tables("lines"), payments=tables("payments"), documentation=tables("documentation"),
                    claim_width=layout.claim_width, patient_width=layout.patient_width, labels=tables("labels"),
                    policies=first.policies, coverage_changes=[c for b in blocks for c in b.coverage_changes],
                    error_rate=layout.error_rate, plan=plan, notices=tables("notices"))


#: Memory model (peak resident bytes, measured on generated practices): the process before any
#: data, a practice held whole (per line, without and with the 835s), one block at a time (the
#: largest block, plus the policy view of every line).
_BASE_BYTES = 250 * 10**6
_WHOLE_BYTES_PER_LINE = {False: 1_100, True: 2_600}
_BLOCK_BYTES = 450 * 10**6
_VIEW_BYTES_PER_LINE = 16

_SIZE = re.compile(r"^\s*(\d+(?:\.\d+)?)\s*([kmgt]?i?b?)\s*$", re.IGNORECASE)
_UNIT = {"": 1, "b": 1, "k": 10**3, "kb": 10**3, "kib": 2**10, "m": 10**6, "mb": 10**6, "mib": 2**20,
         "g": 10**9, "gb": 10**9, "gib": 2**30, "t": 10**12, "tb": 10**12, "tib": 2**40}


def parse_size(size) -> int:
    """Bytes in ``"1GB"``, ``"512MB"``, ``"2GiB"`` or a number (GB = 10**9 bytes, GiB = 2**30).

    Raises
    ------
    InvalidParameterError
        Not a size.
    """
    if isinstance(size, (int, np.integer)) and not isinstance(size, bool) and size > 0:
        return int(size)
    match = _SIZE.match(str(size))
    if not match or match.group(2).lower() not in _UNIT or float(match.group(1)) <= 0:
        raise InvalidParameterError(f"max_memory must be a size such as 1GB, 512MB or 2GiB; got {size!r}")
    return int(float(match.group(1)) * _UNIT[match.group(2).lower()])


def memory_needed(lines: int, whole: bool, remits: bool = False) -> int:
    """About how many bytes generating and writing ``lines`` lines takes, held whole or block by block."""
    if whole:
        return _BASE_BYTES + _WHOLE_BYTES_PER_LINE[bool(remits)] * int(lines)
    return _BASE_BYTES + _BLOCK_BYTES * min(int(lines), BLOCK_LINES) // BLOCK_LINES + _VIEW_BYTES_PER_LINE * int(lines)
