"""Rules run side by side: on a large audit, forked processes share the rules of one context.

Rules are independent functions of the same :class:`~recoup_lib.rules.AuditContext`,
so they can run on several cores at once. Python runs one thread at a time, so
threads do not help; a forked process does: it starts with the context already
in memory (nothing is copied or pickled on the way in) and sends back only its
rules' answers, which the engine then checks and assembles in the registry's
order, exactly as when every rule runs here. Each process takes the next group
of rules (:func:`groups`) when it is done with one, so the processes finish
together whatever the rules cost. A rule that fails in a worker is run again
in this process, so its error reads the same as in a serial audit.

Workers are forked only where the system can fork and the audit is large
enough (:data:`SIDE_BY_SIDE_LINES`) for the start-up to pay for itself.
"""

from __future__ import annotations

from concurrent.futures import ProcessPoolExecutor
from multiprocessing import get_all_start_methods, get_context

from ._registry import Rule

__all__ = ["SIDE_BY_SIDE_LINES", "answers"]

#: Fewer claim lines than this and every rule runs in this process (forking costs more than it saves).
SIDE_BY_SIDE_LINES = 200_000

#: The context, rules and the counter of groups taken that forked workers share (set just before
#: they start; never pickled, so rules written in a notebook or inside a function run there too).
_FORKED: tuple | None = None


def groups(rules: list[Rule]) -> list[list[int]]:
    """Rule positions in groups of rules needing the same inputs, largest group first.

    Rules needing the same optional inputs tend to read the same derived
    tables (``documentation_by_line`` for the documentation rules), which a
    context builds once per process, so a group is run whole by one process.
    """
    by_needs: dict[tuple, list[int]] = {}
    for position, rule in enumerate(rules):
        by_needs.setdefault(tuple(sorted(rule.needs)), []).append(position)
    return sorted(by_needs.values(), key=len, reverse=True)


def _next_group(taken, count: int) -> int | None:
    """The number of the next group no process has taken yet (None when all are taken)."""
    with taken.get_lock():
        number = taken.value
        taken.value += 1
    return number if number < count else None


def _run_groups(ctx, rules: list[Rule], grouped: list[list[int]], taken, here: bool) -> dict:
    """Run groups of rules, one after another, until every group is taken.

    Each process takes the next group as it finishes one, so the work balances itself
    whatever the rules cost. In a worker (``here`` False) a rule that raises answers None, and
    the parent runs it again; here its error is raised, as in a serial audit.
    """
    out = {}
    while (number := _next_group(taken, len(grouped))) is not None:
        for position in grouped[number]:
            if here:
                out[position] = rules[position](ctx)
                continue
            try:
                out[position] = rules[position](ctx)
            except Exception:  # noqa: BLE001 - run again by the parent, which raises it as a serial audit would
                out[position] = None
    return out


def _run_forked() -> dict:
    """In a forked worker: the answers of the groups it took."""
    return _run_groups(*_FORKED, here=False)


def answers(ctx, rules: list[Rule], workers: int) -> list:
    """Each rule's raw answer, in the order of ``rules``; some computed in forked workers.

    Parameters
    ----------
    ctx : AuditContext
    rules : list of Rule
        The rules to run (all of whose inputs are present).
    workers : int
        Processes to use, this one included; 1 runs every rule here.
    """
    global _FORKED
    grouped = groups(rules)
    count = min(workers, len(grouped))
    if count < 2 or len(ctx.lines) < SIDE_BY_SIDE_LINES or "fork" not in get_all_start_methods():
        return [rule(ctx) for rule in rules]
    fork = get_context("fork")
    taken = fork.Value("q", 0)
    _FORKED = (ctx, rules, grouped, taken)
    pool = ProcessPoolExecutor(max_workers=count - 1, mp_context=fork)
    try:
        pending = [pool.submit(_run_forked) for _ in range(count - 1)]
        results = _run_groups(ctx, rules, grouped, taken, here=True)
        for future in pending:
            try:
                results.update(future.result())
            except Exception:  # noqa: BLE001 - a worker that died or sent what cannot be pickled
                pass
    finally:
        _FORKED = None
        # The answers are in: the workers are left to exit (letting go of a copy of a large
        # process takes a while) while the audit goes on.
        pool.shutdown(wait=False)
    return [rules[position](ctx) if results.get(position) is None else results[position]
            for position in range(len(rules))]
