"""How messages word what they list, the sizes and the paths they give: ``a, b, c and 1,204 more``, ``512 MB``.

Every message that names files, rows or values cut its list short the same way
(``a, b, c and 1,204 more``), from the lowest layer of the package to the
command line, so the one helper sits below all of them; a memory budget
(``--max-memory 1GB``) is read and shown in one way by every command that takes
one (the audit, the generator); a path a person is to type again (the commands' ``next:``
lines, the mapping widget's import command) is quoted by one rule; a file's rows are counted in one
sentence (``63 rows read = 60 used + 0 set aside + 3 blank row(s) skipped``) by every command that reads
one, and a file with no usable row says what it holds in one way (``a header and no rows but 3 blank
one(s)``). It imports only the exception types.
"""

from __future__ import annotations

import numbers
import re

from .errors import InvalidParameterError

__all__ = ["SHOWN", "blank_rows_skipped", "listed", "no_usable_row", "parse_size", "rows_counted", "shown_path",
           "size_text"]

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


_SIZE = re.compile(r"^\s*(\d+(?:\.\d+)?)\s*([kmgt]?i?b?)\s*$", re.IGNORECASE)
_UNIT = {"": 1, "b": 1, "k": 10**3, "kb": 10**3, "kib": 2**10, "m": 10**6, "mb": 10**6, "mib": 2**20,
         "g": 10**9, "gb": 10**9, "gib": 2**30, "t": 10**12, "tb": 10**12, "tib": 2**40}


def parse_size(size, name: str = "max_memory") -> int:
    """Bytes in ``"1GB"``, ``"512MB"``, ``"2GiB"`` or a number (GB = 10**9 bytes, GiB = 2**30);
    ``name`` is what the message calls the value (a command line's ``--max-memory``).

    >>> parse_size("1GB"), parse_size("2GiB"), parse_size(4096)
    (1000000000, 2147483648, 4096)

    Raises
    ------
    InvalidParameterError
        Not a size.
    """
    if isinstance(size, numbers.Integral) and not isinstance(size, bool) and size > 0:
        return int(size)
    match = _SIZE.match(str(size))
    if not match or match.group(2).lower() not in _UNIT or float(match.group(1)) <= 0:
        raise InvalidParameterError(f"{name} must be a size such as 1GB, 512MB or 2GiB; got {size!r}")
    return int(float(match.group(1)) * _UNIT[match.group(2).lower()])


def size_text(size: int) -> str:
    """A size in the words of the messages: ``"512 MB"``, or bytes under a megabyte (``"10,000 bytes"``)."""
    return f"{size / 10**6:,.0f} MB" if size >= 10**6 else f"{size:,} bytes"


_BARE = re.compile(r"[A-Za-z0-9_./:\\@%+=,-]+")
_ESCAPED_IN_QUOTES = re.compile(r'["$`]|\\(?=["$`\\\n]|\Z)')


def shown_path(path) -> str:
    r"""A path as a person types it again in a command (the ``next:`` lines, the mapping widget's import).

    A path of letters, digits and ``_ . / : \ @ % + = , -`` only (the
    backslash for Windows' paths) is shown as it is; any other (a space,
    ``( ) ' & $ ! ; * # ~``, ...) in double quotes, which bash and Windows cmd both read. Inside them a
    backslash goes before ``"``, ``$`` and a backtick, and before a backslash bash would otherwise read
    as an escape (one followed by those, another backslash, a new line or the end), so bash gets the
    path exactly. A Windows path (``C:\My Files\x.csv``) needs no backslash added and reads the same in
    cmd; one holding ``"``, ``$``, a backtick or two backslashes in a row (a UNC path with a space) is
    shown as bash reads it. An ``!`` in double quotes is still history expansion in an interactive bash.

    >>> print(shown_path("practice/remits"), shown_path("my practice"), shown_path("Q1(2025)"))
    practice/remits "my practice" "Q1(2025)"
    >>> print(shown_path("O'Brien"), shown_path("$HOME-x"), shown_path('say "a"'), shown_path("C:\\My Files\\x"))
    "O'Brien" "\$HOME-x" "say \"a\"" "C:\My Files\x"
    """
    text = str(path)
    if _BARE.fullmatch(text):
        return text
    return '"' + _ESCAPED_IN_QUOTES.sub(lambda m: "\\" + m.group(), text) + '"'


def blank_rows_skipped(count: int) -> str:
    """``2 blank row(s) skipped``: how every command that skips rows blank in every cell counts them."""
    return f"{count:,} blank row(s) skipped"


def rows_counted(read: int, used: int, set_aside: int, blank: int = 0, read_words: str = "rows read") -> str:
    """``63 rows read = 60 used + 0 set aside + 3 blank row(s) skipped``: a file's rows as every command
    counts them, the rows blank in every cell among the rows read (said only when there are some), so
    that the rows read are the rows a spreadsheet shows under the header; ``read_words``: the words
    before the ``=`` (``recoup appeal`` says ``5 read``)."""
    return (f"{read:,} {read_words} = {used:,} used + {set_aside:,} set aside"
            + (f" + {blank_rows_skipped(blank)}" if blank else ""))


def no_usable_row(set_aside: int, blank: int = 0) -> str:
    """What a file with no row used holds, for the message that says so: ``all 5 rows set aside``,
    ``its 1 row set aside``, ``a header and no rows`` or ``a header and no rows but 3 blank one(s)``
    (``blank``: the rows blank in every cell it skipped).

    >>> no_usable_row(5), no_usable_row(1), no_usable_row(0), no_usable_row(0, 3)
    ('all 5 rows set aside', 'its 1 row set aside', 'a header and no rows', 'a header and no rows but 3 blank one(s)')
    """
    if set_aside == 1:
        return "its 1 row set aside"
    if set_aside:
        return f"all {set_aside:,} rows set aside"
    return f"a header and no rows but {blank:,} blank one(s)" if blank else "a header and no rows"
