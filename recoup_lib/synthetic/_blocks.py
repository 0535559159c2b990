"""Large practices in blocks of patients: the same bytes in memory, in bounded memory, on several cores.

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
- **Numbers**: a block is finished with its own claim, payment and notice
  numbers, then placed after the blocks before it (:func:`place`): its
  claims come after theirs (its added duplicates included), and so do its
  payment and notice ids. Ids keep the widths of the whole practice; payment
  ids have ``max(8, digits of 4 x lines)`` digits, which is 8 below 25
  million lines.

So a generated folder depends only on the profile, seed, size, error rate
and period: never on whether it was made in memory, block by block in
bounded memory (the policy view of every block first, then each block built
again from its seed, finished, written and dropped), or with blocks built
and finished side by side in worker processes (:func:`run_blocks`); and a
practice of at most :data:`BLOCK_LINES` lines is one block, the practice the
generator made before blocks existed. Within a multi-block folder, claims
are numbered by submission date inside each block, and payments.csv and
notices.csv run in date order block by block.
"""

from __future__ import annotations

import gc
import threading
from dataclasses import dataclass
from typing import Callable, Iterator

import numpy as np
import pandas as pd

from ._inject import inject_block_errors, plan_counts
from ._inject_lines import resubmission_text
from ._inject_population import PolicyChoice, apply_policies, choose_policies, policy_view
from ._inject_state import InjectionState
from ._payer import notice_ids, resolved_profiles, simulate_notices, use_profiles
from ._practice import Practice, References, build_clean, patient_count
from ._profile import Profile
from ._random import block_seed
from ._values import _arrow_series, _obj, text_id_array

__all__ = ["BLOCK_LINES", "Layout", "plan_layout", "run_blocks", "wait_for_workers", "place", "combine",
           "memory_needed", "workers_within"]

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


def finish_block(layout: Layout, block: int, state: InjectionState, choice: PolicyChoice,
                 first_line: int) -> Practice:
    """A clean block with the practice's policies, its own errors, answer key and notices (its own numbers).

    Its payments are ordered but have no ids yet: :func:`place` makes them, once the block's first
    payment number is known.
    """
    apply_policies(state, choice, first_line, only_block=len(layout.sizes) == 1)
    practice = inject_block_errors(state, layout.plans[block], layout.payment_width, first_payment=None)
    practice.error_rate = layout.error_rate
    practice.plan = layout.plans[block]
    practice.notices = simulate_notices(practice)
    return practice


def _counts(practice: Practice) -> dict:
    """What a finished block takes of the practice's numbers."""
    return {"claims": int(practice.lines["claim"].max()), "payments": len(practice.payments),
            "notices": len(practice.notices), "lines": len(practice.lines)}


def place(practice: Practice, layout: Layout, at: dict) -> None:
    """Number a finished block after the blocks before it: claims, payments and notices ``at`` on.

    Its claim ids then add ``at["claims"]`` (``claim_offset``), and its
    notice ids and resubmission texts are made again with the practice's
    numbers; its payment ids are made (:func:`finish_block` leaves them out).
    """
    if at["claims"]:
        practice.claim_offset = at["claims"]
        labels = practice.labels
        copies = np.flatnonzero(labels["_copied_from"].to_numpy() >= 0)
        if len(copies):
            labels.loc[labels.index[copies], "injected_as"] = resubmission_text(
                practice, labels["_copied_from"].to_numpy()[copies], labels["_delay"].to_numpy()[copies],
                labels["claim"].to_numpy()[copies])
    pay = practice.payments
    if at["payments"] or "payment_id" not in pay.columns:
        width = max(layout.payment_width, len(str(len(pay) * 2)))
        first = at["payments"] + 1
        pay["payment_id"] = _arrow_series(text_id_array("PMT", np.arange(first, first + len(pay)), width))
    notices = practice.notices
    if at["notices"] and len(notices):
        notices["notice_id"] = _obj(notice_ids(at["notices"] + 1, len(notices)))


def _as_practice_numbers(practice: Practice, block: int, at: dict) -> Practice:
    """A placed block with the whole practice's numbers inside too (claims, patients, lines), to combine."""
    claims, patients, lines = practice.claim_offset, practice.patient_offset, at["lines"]
    encounters = block * _ENCOUNTER_STRIDE
    for table, shifts in ((practice.lines, {"claim": claims, "patient": patients, "encounter": encounters}),
                          (practice.payments, {"claim": claims, "_line": lines}),
                          (practice.documentation, {"claim": claims, "_line": lines}),
                          (practice.labels, {"claim": claims, "_line": lines}),
                          (practice.notices, {"claim": claims, "_line": lines}),
                          (practice.patients, {"patient": patients}),
                          (practice.spans, {"patient": patients}),
                          (practice.encounters, {"claim": claims, "patient": patients, "encounter": encounters})):
        for column, shift in shifts.items():
            if shift and column in table.columns:
                table[column] = table[column].to_numpy() + shift
    copied = practice.labels["_copied_from"].to_numpy()
    practice.labels["_copied_from"] = np.where(copied >= 0, copied + claims, copied)
    practice.claim_offset = practice.patient_offset = 0
    practice.__dict__.pop("_id_tables", None)
    return practice


def whole_block(practice: Practice, layout: Layout, block: int, at: dict) -> Practice:
    """:func:`run_blocks` step giving back the placed block itself, to :func:`combine`."""
    place(practice, layout, at)
    return _as_practice_numbers(practice, block, at)


#: In a worker process: the blocks it holds between two steps (clean ones, then finished ones).
_HELD: dict = {}


def _worker_clean(layout: Layout, block: int, keep: bool):
    state = InjectionState(layout.clean(block))
    if keep:
        _HELD[("clean", block)] = state
    return policy_view(state)


def _worker_finish(layout: Layout, block: int, choice: PolicyChoice, first_line: int, profiles=None) -> dict:
    if profiles is not None:
        use_profiles(profiles)
    state = _HELD.pop(("clean", block), None) or InjectionState(layout.clean(block))
    practice = finish_block(layout, block, state, choice, first_line)
    _HELD[("done", block)] = practice
    return _counts(practice)


def _worker_last(layout: Layout, block: int, at: dict, last: Callable, keeps: bool = False):
    result = last(_HELD.pop(("done", block)), layout, block, at)
    if keeps:
        result, _HELD[("kept", block)] = result
    return result


def _worker_then(block: int, then: Callable, info):
    return then(_HELD.pop(("kept", block)), info)


def run_blocks(layout: Layout, last: Callable, keep: bool = True, workers: int = 1,
               then: Callable | None = None, close_later: bool = False) -> Iterator:
    """Build, finish and place every block; yield ``last(block, layout, number, at)`` in block order.

    ``last`` (a module-level function) runs where the block was finished: in
    this process, or with ``workers`` > 1 in the worker process that built
    the block (block *b* goes to worker *b* mod ``workers``), so only its
    result travels. ``keep=False`` drops each clean block after its policy
    view and builds it again to finish it (bounded memory).

    With ``then`` (a module-level function), ``last`` returns a pair: what
    is yielded, and what stays where the block was made. The caller
    ``send``s back an answer for each yielded block (``None``: nothing to
    do), and ``then(kept, answer)`` runs in that same process; so a worker
    can write its own block's bytes once the caller has told it where. Every
    ``then`` has run when the generator ends, and it returns their results
    by block (``StopIteration.value``).

    ``close_later``: when every block is done, the worker processes end
    while the caller goes on (its last steps, such as checksumming the
    files, overlap their exits); :func:`wait_for_workers` waits for them.
    On an error they are always ended before it is raised.
    """
    count = len(layout.sizes)
    workers = max(1, min(int(workers), count))
    budget = sum(plan["flag"]["policy_change"] for plan in layout.plans)
    if workers == 1:
        states, views = [], []
        for block in range(count):
            state = InjectionState(layout.clean(block))
            views.append(policy_view(state))
            states.append(state if keep else None)
            del state
        first_lines = np.cumsum([0] + [len(v.paid) for v in views])[:-1].tolist()
        choice = choose_policies(layout.seed, layout.start, layout.end, layout.refs, views, budget)
        del views
        at = {"claims": 0, "payments": 0, "notices": 0, "lines": 0}
        written = {}
        for block in range(count):
            state = states[block] or InjectionState(layout.clean(block))
            states[block] = None
            practice = finish_block(layout, block, state, choice, first_lines[block])
            counts = _counts(practice)
            result = last(practice, layout, block, dict(at))
            del practice
            if then is None:
                yield result
            else:
                result, kept = result
                answer = yield result
                if answer is not None:
                    written[block] = then(kept, answer)
                del kept
            at = {k: at[k] + counts[k] for k in at}
        return written
    pools = [_worker_pool(1) for _ in range(workers)]
    try:
        # The workers are forked at their first task. Objects of this process they inherit are frozen
        # there, so their garbage collections never scan (and copy) them; here they are unfrozen again.
        gc.freeze()
        try:
            cleaning = [pools[b % workers].submit(_worker_clean, layout, b, keep) for b in range(count)]
        finally:
            gc.unfreeze()
        # Read once here, while the workers build their clean blocks, rather than once in each of them.
        payers = layout.refs.payers
        profiles = resolved_profiles(payers.loc[payers["payer_id"].isin(list(layout.profile["payer_mix"]))])
        views = [f.result() for f in cleaning]
        first_lines = np.cumsum([0] + [len(v.paid) for v in views])[:-1].tolist()
        choice = choose_policies(layout.seed, layout.start, layout.end, layout.refs, views, budget)
        del views
        done = yield from _scheduled(pools, layout, choice, first_lines, profiles, last, then)
    except BaseException:
        _shut_down(pools)
        raise
    if not close_later:
        _shut_down(pools)
        return done
    closing = threading.Thread(target=_shut_down, args=(pools,), name="recoup-workers-closing")
    closing.start()
    _CLOSING.append(closing)
    return done


#: Blocks a worker may hold finished and not yet written (or placed, without a ``then``) before it
#: finishes another: one to work on, one finished ahead while the block before it is placed elsewhere.
_HELD_AHEAD = 2


def _scheduled(pools: list, layout: Layout, choice: PolicyChoice, first_lines: list, profiles,
               last: Callable, then: Callable | None):
    """:func:`run_blocks`'s second pass with worker processes: each block's finish, ``last`` and ``then``.

    Block *b* goes to worker *b* mod ``len(pools)``; each worker has one
    task at a time, given when it is free: its oldest block that can be
    written (``then``: the caller has answered for it), else its oldest
    that can be placed (``last``: every block before it is finished, so
    its numbers are known), else its next block to finish (unless it holds
    :data:`_HELD_AHEAD` blocks already). So a worker whose block must wait
    for a block of another worker finishes its next one meanwhile, rather
    than idling in a queue decided in advance. Yields each ``last`` result
    in block order (the caller ``send``s its answer); returns each
    ``then``'s result by block.
    """
    from concurrent.futures import FIRST_COMPLETED, wait

    count, workers = len(layout.sizes), len(pools)
    counts, results, answers, written = {}, {}, {}, {}
    finished = [[] for _ in range(workers)]  # finished blocks, not yet placed, per worker
    held = [0] * workers
    to_finish = list(range(workers))
    running = {}  # future -> (worker, step, block)
    delivered = 0

    def placed_up_to() -> int:
        known = 0
        while known in counts:
            known += 1
        return known

    def give(worker: int) -> None:
        ready = [b for b in answers if b % workers == worker]
        if ready:
            block = min(ready)
            future = pools[worker].submit(_worker_then, block, then, answers.pop(block))
            running[future] = (worker, "then", block)
            return
        if finished[worker] and finished[worker][0] <= placed_up_to():
            block = finished[worker].pop(0)
            at = {k: int(sum(counts[b][k] for b in range(block))) for k in ("claims", "payments", "notices",
                                                                           "lines")}
            future = pools[worker].submit(_worker_last, layout, block, at, last, then is not None)
            running[future] = (worker, "last", block)
            return
        block = to_finish[worker]
        if block < count and held[worker] < _HELD_AHEAD:
            # Each worker is given the profiles with its first block only (it keeps them).
            future = pools[worker].submit(_worker_finish, layout, block, choice, first_lines[block],
                                          profiles if block < workers else None)
            running[future] = (worker, "finish", block)
            to_finish[worker] = block + workers
            held[worker] += 1

    while delivered < count or running or answers:
        busy = {worker for worker, _, _ in running.values()}
        for worker in range(workers):
            if worker not in busy:
                give(worker)
        if not running:
            raise RuntimeError("the blocks' schedule stalled")  # cannot happen: a guard against looping
        for future in wait(list(running), return_when=FIRST_COMPLETED).done:
            worker, step, block = running.pop(future)
            value = future.result()
            if step == "finish":
                counts[block] = value
                finished[worker].append(block)
            elif step == "last":
                results[block] = value
            else:
                written[block] = value
                held[worker] -= 1
        while delivered in results:
            block = delivered
            answer = yield results.pop(block)
            delivered += 1
            if then is not None and answer is not None:
                answers[block] = answer
            else:
                held[block % workers] -= 1
    return written


#: Worker pools ending in the background (:func:`run_blocks` with ``close_later``).
_CLOSING: list = []


def wait_for_workers() -> None:
    """Wait until the worker processes :func:`run_blocks` left ending in the background have ended."""
    while _CLOSING:
        _CLOSING.pop().join()


def _shut_down(pools: list) -> None:
    """Shut the worker pools down side by side: each waits for its process to end (a worker giving
    back its memory takes a tenth of a second), and those waits overlap instead of adding up."""
    if len(pools) < 2:
        for pool in pools:
            pool.shutdown(cancel_futures=True)
        return
    from concurrent.futures import ThreadPoolExecutor

    with ThreadPoolExecutor(max_workers=len(pools)) as closing:
        for done in [closing.submit(pool.shutdown, cancel_futures=True) for pool in pools]:
            done.result()


def _worker_pool(workers: int):
    """A pool of ``workers`` processes (forked where the platform can: no start-up to repeat)."""
    import multiprocessing
    from concurrent.futures import ProcessPoolExecutor

    method = "fork" if "fork" in multiprocessing.get_all_start_methods() else None
    return ProcessPoolExecutor(max_workers=workers, mp_context=multiprocessing.get_context(method),
                               initializer=keep_freed_memory)


#: glibc's ``mallopt`` settings (malloc.h): blocks up to this size come from the heap, and the heap's
#: free top is never handed back to the kernel.
_M_TRIM_THRESHOLD, _M_MMAP_THRESHOLD = -1, -3
_MMAP_THRESHOLD_MAX = 32 << 20


def keep_freed_memory() -> None:
    """Make this process reuse the memory it frees rather than give it back to the kernel and ask again.

    A worker process builds its blocks one after the other, each step
    allocating and dropping arrays of the same sizes. By default the pages of
    each freed array go back to the kernel (the Arrow pool's purge, glibc's
    trimming and its per-array mappings), and the next array's pages are new
    ones the kernel must clear and map again, one page fault at a time. Here
    Arrow allocates from the C heap (its "system" pool) and glibc keeps what
    is freed: a 1,000,000-line generate took 173-177k page faults instead of
    251-269k, its workers 0.9-1.15 s of system CPU instead of 1.1-1.6 s, at a
    lower peak (0.40 GiB a worker, 0.45 before). Meant for the generator's
    worker processes, which live for one practice. Where the C library has
    no ``mallopt`` (not glibc), or refuses the settings, nothing changes.
    """
    import ctypes

    import pyarrow as pa

    try:
        mallopt = ctypes.CDLL(None).mallopt
    except (OSError, AttributeError, TypeError):
        return
    if mallopt(_M_MMAP_THRESHOLD, _MMAP_THRESHOLD_MAX) == 1 and mallopt(_M_TRIM_THRESHOLD, 2**31 - 1) == 1:
        pa.set_memory_pool(pa.system_memory_pool())


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
#: largest block; three with a worker finishing and another writing), and the policy view of
#: every line with the policy choice made over it.
_BASE_BYTES = 250 * 10**6
_WHOLE_BYTES_PER_LINE = {False: 1_100, True: 2_600}
_BLOCK_BYTES = 450 * 10**6
_VIEW_BYTES_PER_LINE = 32

def memory_needed(lines: int, whole: bool, remits: bool = False, workers: int = 1) -> int:
    """About how many bytes generating and writing ``lines`` lines takes, held whole or block by block.

    Block by block with ``workers`` > 1, up to three blocks are alive at once
    (being finished, written, and finished next); the policy view of every
    line is dropped before the first block is finished.
    """
    lines = int(lines)
    block = _BLOCK_BYTES * min(lines, BLOCK_LINES) // BLOCK_LINES
    if whole:
        return _BASE_BYTES + _WHOLE_BYTES_PER_LINE[bool(remits)] * lines + (block if workers > 1 else 0)
    # The policy view of every line (first pass) and the blocks being finished (second) are not alive together.
    return _BASE_BYTES + max(block * (3 if workers > 1 and lines > BLOCK_LINES else 1), _VIEW_BYTES_PER_LINE * lines)


def workers_within(lines: int, whole: bool, remits: bool, workers: int, budget: int | None) -> int:
    """The most worker processes (at most ``workers``) whose memory fits ``budget`` (at least 1)."""
    while workers > 1 and budget is not None and memory_needed(lines, whole, remits, workers) > budget:
        workers -= 1
    return max(1, workers)
