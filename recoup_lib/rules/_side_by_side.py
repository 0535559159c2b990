"""Rules run side by side: on a large audit, forked processes share the rules of one context.

Rules are independent functions of the same :class:`~recoup_lib.rules.AuditContext`,
so they can run on several cores at once. Python runs one thread at a time, so
threads do not help; a forked process does: it starts with the context already
in memory (nothing is copied or pickled on the way in) and sends back only its
rules' answers, which the engine then checks and assembles in the registry's
order, exactly as when every rule runs here. A rule that fails in a worker is
run again in this process, so its error reads the same as in a serial audit.

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

#: The context and rules forked workers share (set just before they start; never pickled,
#: so rules written in a notebook or inside a function run there too).
_FORKED: tuple | None = None


def shares(rules: list[Rule], count: int) -> list[list[int]]:
    """Split rule positions into ``count`` shares, keeping rules that need the same inputs together.

    Rules needing the same optional inputs tend to read the same derived
    tables (``documentation_by_line`` for the documentation rules), which a
    context builds once per process; each such group goes whole to the share
    with the fewest rules so far, largest group first.
    """
    groups: dict[tuple, list[int]] = {}
    for position, rule in enumerate(rules):
        groups.setdefault(tuple(sorted(rule.needs)), []).append(position)
    out: list[list[int]] = [[] for _ in range(count)]
    for group in sorted(groups.values(), key=len, reverse=True):
        min(out, key=len).extend(group)
    return [sorted(share) for share in out if share]


def _run_share(positions: list[int]) -> list:
    """In a forked worker: the answers of some rules (None for a rule that raised)."""
    ctx, rules = _FORKED
    out = []
    for position in positions:
        try:
            out.append(rules[position](ctx))
        except Exception:  # noqa: BLE001 - run again by the parent, which raises it as a serial audit would
            out.append(None)
    return out


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
    count = min(workers, len(rules))
    if count < 2 or len(ctx.lines) < SIDE_BY_SIDE_LINES or "fork" not in get_all_start_methods():
        return [rule(ctx) for rule in rules]
    mine, *theirs = shares(rules, count)
    results: dict[int, object] = {}
    _FORKED = (ctx, rules)
    try:
        with ProcessPoolExecutor(max_workers=len(theirs), mp_context=get_context("fork")) as pool:
            pending = [pool.submit(_run_share, share) for share in theirs]
            for position in mine:
                results[position] = rules[position](ctx)
            for share, future in zip(theirs, pending):
                try:
                    results.update(zip(share, future.result()))
                except Exception:  # noqa: BLE001 - a worker that died or sent what cannot be pickled
                    results.update(dict.fromkeys(share))
    finally:
        _FORKED = None
    for position, answer in results.items():
        if answer is None:
            results[position] = rules[position](ctx)
    return [results[position] for position in range(len(rules))]
