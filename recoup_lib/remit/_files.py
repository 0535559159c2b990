"""Which files of a folder are 835 remittances, and which X12 files hold something else.

The walk of a folder and the look at a file's first bytes are the X12 readers'
own (:mod:`recoup_lib.x12`); what is here is the 835's: the endings an audit
folder's ``remits/`` is read by (:func:`remits_in`), and the transaction sets an
X12 file beside the 835s holds instead (:func:`other_transaction_kinds`: 837s,
999s), which ``recoup remit`` skips rather than reading them as broken 835s.
"""

from __future__ import annotations

import re
from pathlib import Path

from ..x12 import from_utf16, looks_like_x12, walk

__all__ = ["REMIT_SUFFIXES", "other_transaction_kinds", "remits_in"]

#: File endings read as 835 remittances in an audit folder's ``remits/``.
REMIT_SUFFIXES = (".835", ".edi", ".x12")

_ST = re.compile(rb"(?<![A-Za-z0-9])ST([^A-Za-z0-9\s])\s*(\d{3})\s*\1")


def other_transaction_kinds(data: bytes, head: int = 65536) -> list[str]:
    """The X12 transaction sets (ST01) an X12 file holds when none of them is an 835; [] otherwise.

    A folder of remittances often sits beside the claims the office sent
    (837s) or the acknowledgments it received (999s); those files are not
    remittances and are skipped, not read as broken 835s. The start of the
    file is looked at first; the whole file only when no 835 is found there.
    """
    kinds = {m.group(2).decode("ascii") for m in _ST.finditer(data[:head])}
    if not kinds or "835" in kinds:
        return []
    if len(data) > head:
        kinds = {m.group(2).decode("ascii") for m in _ST.finditer(data)}
    return [] if "835" in kinds else sorted(kinds)


def remits_in(folder) -> list[Path]:
    """The 835 files of an audit folder's ``remits/``, sorted; [] without one: those named as 835s
    (:data:`REMIT_SUFFIXES`), and any other file whose first bytes are X12 holding no transaction but
    835s (an ERA a portal saved as ``.txt``, or with no suffix), as ``recoup remit`` reads them.

    The folder is walked as ``recoup remit`` walks one (subfolders and linked
    folders read, hidden entries skipped), so an office that files its 835s
    by payer or year gets the same money taken back from ``recoup report``
    as from ``recoup reconcile practice/remits``. This is what the report
    reads as the folder's remittances, and where the folder's own as-of
    looks for its latest remittance date.
    """
    remits = Path(folder) / "remits"
    if not remits.is_dir():
        return []
    return [p for p in walk(remits) if p.suffix.lower() in REMIT_SUFFIXES or _holds_835(p)]


def _holds_835(path: Path) -> bool:
    """Whether a file's first 64 KB are X12 holding an 835 transaction (ST01 = 835)."""
    try:
        with open(path, "rb") as handle:
            head = handle.read(65536)
    except OSError:
        return False
    head = from_utf16(head)[0]
    return looks_like_x12(head) and any(m.group(2) == b"835" for m in _ST.finditer(head))
