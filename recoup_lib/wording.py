"""How messages word what they list: the first few names of a long list and how many more.

Every message that names files, rows or values cut its list short the same way
(``a, b, c and 1,204 more``), from the lowest layer of the package to the
command line, so the one helper sits below all of them and imports nothing.
"""

from __future__ import annotations

__all__ = ["SHOWN", "listed"]

#: How many names a message shows before saying how many more there are.
SHOWN = 3


def listed(names: list[str], first: int = SHOWN, total: int | None = None, at_least: bool = False) -> str:
    """The ``first`` of ``names`` and how many more, for a message: ``a, b, c and 1,204 more``;
    ``total``: how many there are in all when ``names`` holds only the first of them (``at_least``:
    that many or more, when counting stopped there).

    >>> listed(["a", "b"]), listed(["a", "b", "c", "d", "e"], 2), listed(["a", "b", "c"], 2, total=1004)
    ('a, b', 'a, b and 3 more', 'a, b and 1,002 more')
    >>> listed(["a", "b", "c"], 2, total=10000, at_least=True)
    'a, b and at least 9,998 more'
    """
    more = (len(names) if total is None else total) - first
    return ", ".join(names[:first]) + (f" and {'at least ' if at_least else ''}{more:,} more" if more > 0 else "")
