"""Which files an X12 reader reads, and whether each one is X12: the walk and the look both readers share.

:func:`expand` turns the paths a user gives (files and folders, in any mix,
the same folder twice) into the list of files to read, each once, with a
label for messages, and says what it skipped: hidden files and folders
(their names start with a dot, like ``.DS_Store`` or ``.git``), Office lock
files (``~$Book1.xlsx``, even named explicitly), documents that are not X12
by their extension, links to nothing and files given twice.
Both X12 readers walk folders with it (``recoup remit`` its 835s, ``recoup import``
its 837s), so they read, skip and name the same files; and both ask
:func:`x12_bytes` what a file holds before cutting it (:func:`format_of` names a
file that is no X12 by its first bytes), so they name it in the same words.
"""

from __future__ import annotations

import os
import re
from dataclasses import dataclass, field
from pathlib import Path

import numpy as np

from ..filekind import (NOT_A_REGULAR_FILE, OFFICE_LOCK_FILE, file_signature, link_to_nothing, office_lock_file,
                        resolved, shown, signature_name, utf16_codec)
from ._interchanges import from_utf16

__all__ = ["FileList", "expand", "walk", "files_below", "holds_a_file", "looks_like_x12", "lower_case_x12",
           "DOCUMENT_SUFFIXES", "ARCHIVE_SUFFIXES", "format_of", "x12_bytes", "link_to_nothing", "NOT_X12",
           "NOT_X12_BUT", "LOWER_CASE_X12", "TRANSACTION_NAMES"]

#: Extensions of files that are never X12 (835s or 837s); found in a folder, they are skipped.
DOCUMENT_SUFFIXES = frozenset(
    ".md .rst .pdf .doc .docx .xls .xlsx .xlsm .csv .tsv .json .xml .html .htm .png .jpg "
    ".jpeg .gif .svg .zip .gz .7z .py .ipynb .exe .dll .msg .eml".split())
#: Archives among them: one found in a folder is named by its first bytes, a zip with what it holds
#: (837s or 835s zipped to be sent are to be unpacked, which "a document" would not say).
ARCHIVE_SUFFIXES = frozenset(".zip .gz .7z".split())


@dataclass
class FileList:
    """The files to read, in order, and what was left out.

    Attributes
    ----------
    files : list of Path
    labels : list of str
        The file name, or the path as given when two files share a name
        (as :func:`~recoup_lib.filekind.shown`: printable, whatever bytes the name holds).
    in_folder : set of int
        Positions of the files found inside a folder (a file found there
        that is not X12 is skipped; a file named explicitly is always read, but for an Office
        lock file).
    skipped : list of (label, path, reason, in_folder)
        Hidden entries, Office lock files, documents and files given more than once; ``in_folder``
        tells an entry found inside a folder from a path given as it is.
    """

    files: list[Path] = field(default_factory=list)
    labels: list[str] = field(default_factory=list)
    in_folder: set[int] = field(default_factory=set)
    skipped: list[tuple[str, str, str, bool]] = field(default_factory=list)

    def path_rank(self) -> np.ndarray:
        """Each file's place (0, 1, ...) when the files are sorted by their full path.

        The order that decides which copy of a transaction sent twice is
        kept: it depends only on which files were read, never on the order
        they were given in.
        """
        by_path = sorted(range(len(self.files)), key=lambda i: resolved(self.files[i]).parts)
        rank = np.empty(len(self.files), dtype=np.int64)
        rank[by_path] = np.arange(len(self.files))
        return rank


def _real(path: Path) -> str:
    try:
        return os.path.realpath(path)
    except OSError:
        return str(path.absolute())


def walk(folder: Path, skipped: list | None = None, kind: str = "835") -> list[Path]:
    """Every file below ``folder`` to read, sorted by path; what is passed over is noted in
    ``skipped`` as ``(path, path, reason)`` (:func:`_files_below`)."""
    skipped = [] if skipped is None else skipped
    return sorted(_files_below(folder, skipped, kind), key=lambda p: p.relative_to(folder).parts)


def files_below(folder: Path, kind: str = "835"):
    """The files below ``folder`` the walk reads, one at a time in the order it meets them (unsorted,
    unlike :func:`walk`), for a question the first few may answer without walking a large folder."""
    return _files_below(folder, [], kind)


def holds_a_file(folder: Path, skipped: list | None = None, kind: str = "835") -> bool:
    """Whether :func:`expand` finds a file to read in ``folder``; the walk stops at the first.

    What the walk passed over until then (all of it when the answer is no) is added to
    ``skipped`` as ``(path, path, reason)``: a folder of hidden files, documents or links to
    nothing holds no file to read, and the reasons say why.
    """
    return next(_files_below(folder, [] if skipped is None else skipped, kind), None) is not None


def _files_below(folder: Path, skipped: list, kind: str):
    """The files below ``folder`` to read, in the order the walk meets them; hidden entries are
    pruned and noted, and so are Office lock files and documents (by their extension, never X12;
    the reason says they are no ``kind`` file).

    Links to folders are followed (an office links an archive in: its files
    are X12 like the others); a link to a folder already being read
    (a link back up, which would never end) is noted and not followed, and so
    is a folder that cannot be listed (its files would be missed unseen).
    """
    read = {_real(folder)}

    def unlisted(exc: OSError) -> None:
        where = str(exc.filename)
        skipped.append((where, where, f"a folder that cannot be read ({exc.strerror or exc})"))

    for root, dirs, names in os.walk(folder, onerror=unlisted, followlinks=True):
        base = Path(root)
        kept = []
        for d in sorted(dirs):
            path = base / d
            if d.startswith("."):
                skipped.append((str(path), str(path), "a hidden folder (not read)"))
            elif (real := _real(path)) in read:
                skipped.append((str(path), str(path), f"a link to a folder already read ({shown(real)})"))
            else:
                read.add(real)
                kept.append(d)
        dirs[:] = kept
        for name in sorted(names):
            path = base / name
            if name.startswith("."):
                skipped.append((str(path), str(path), "a hidden file (not read)"))
            elif office_lock_file(path):
                skipped.append((str(path), str(path), OFFICE_LOCK_FILE))
            elif path.suffix.lower() in DOCUMENT_SUFFIXES:
                archive = signature_name(path) if path.suffix.lower() in ARCHIVE_SUFFIXES and path.is_file() else None
                skipped.append((str(path), str(path), archive or f"a {path.suffix} document, not an {kind}"))
            elif path.is_file():
                yield path
            elif path.is_symlink():
                skipped.append((str(path), str(path), link_to_nothing(path)))
            else:
                skipped.append((str(path), str(path), NOT_A_REGULAR_FILE))


def expand(paths, kind: str = "835") -> FileList:
    """The files to read from files and folders given in any mix (folders recursively).

    Parameters
    ----------
    paths : path-like or sequence of path-like
    kind : str
        The transaction set read (``"835"``, ``"837"``), named in the reasons for skipping.

    Returns
    -------
    FileList
    """
    if isinstance(paths, (str, os.PathLike)):
        paths = [paths]
    out = FileList()
    seen: dict[str, int] = {}
    for given in paths:
        given = Path(given)
        if given.is_dir():
            passed: list = []
            inside = walk(given, passed, kind)
            out.skipped += [(where, path, reason, True) for where, path, reason in passed]
        elif given.exists() and not given.is_file():
            out.skipped.append((str(given), str(given), NOT_A_REGULAR_FILE, False))
            continue
        elif office_lock_file(given) and given.is_file():
            out.skipped.append((str(given), str(given), OFFICE_LOCK_FILE, False))
            continue
        else:
            inside = [given]
        folder = given.is_dir()
        for path in inside:
            key = str(resolved(path))
            if key in seen:
                out.skipped.append((seen[key], str(path), "given more than once (read once)", folder))
                continue
            seen[key] = len(out.files)
            if folder:
                out.in_folder.add(len(out.files))
            out.files.append(path)
    names = [shown(f.name) for f in out.files]
    out.labels = names if len(set(names)) == len(names) else [shown(f) for f in out.files]
    taken = set(out.labels)

    def label(where, path: str) -> str:
        if isinstance(where, int):
            return out.labels[where]
        name = shown(Path(path).name)
        return shown(path) if name in taken else name

    out.skipped = [(label(where, path), shown(path), reason, found) for where, path, reason, found in out.skipped]
    return out


#: An interchange header: ISA as a segment of its own (not the end of a word such as "VISA"), its element
#: separator (any punctuation; a multi-byte UTF-8 character in some files) and ISA01's two digits.
_ISA = re.compile(rb"(?<![A-Za-z0-9])ISA(?:[^A-Za-z0-9\s]|[\xc2-\xf4][\x80-\xbf]{1,3})\s*\d\d")
#: A file sent without its interchange envelope starts at a group (GS, its functional code in capitals)
#: or at a transaction (ST, its three-digit set id), each followed by its element separator.
_BARE = re.compile(rb"GS([^A-Za-z0-9\s])\s*[A-Z]{2}\s*\1|ST([^A-Za-z0-9\s])\s*\d{3}\s*\2")


def looks_like_x12(data: bytes) -> bool:
    """Does a file hold X12: an ISA header near its start (after a banner line or two in some
    downloads), or a bare GS or ST at its start (a file sent without its interchange envelope)?
    Text saved as UTF-16 (with or without a byte-order mark) is looked at as the text it holds.

    One test for every reader (``recoup remit`` walking a folder, ``recoup import`` telling an 837
    or 835 from an export): a CSV whose text holds ``VISA,10`` or whose first column is ``ST`` is
    not X12.

    >>> looks_like_x12(b"ISA*00*          *00*          *ZZ*PAYER~"), looks_like_x12(b"ST*835*0001~BPR*I~")
    (True, True)
    >>> looks_like_x12(b"card,amount\\nVISA,10.00\\n"), looks_like_x12(b"ST,CITY\\nIL,Chicago\\n")
    (False, False)
    >>> looks_like_x12("ST*835*0001~".encode("utf-16-le"))
    True
    """
    head = data[:65536]
    utf16 = utf16_codec(head)
    if utf16:
        head = head.decode(utf16, "replace").encode("utf-8")
    stripped = head.lstrip(b"\xef\xbb\xbf \t\r\n")
    return bool(_BARE.match(stripped) or _ISA.search(head))


def lower_case_x12(head: bytes) -> bool:
    """Whether a file that is no X12 as its bytes stand holds X12 with its segment ids in lower case
    (``isa*00*...``): an interchange header, its 16 elements in 106 bytes, in any case. Saying it is
    no X12 at all would send the user looking for another file. ``head``: the file's first bytes
    (512 are looked at; UTF-16 is looked at as its text).

    >>> header = b"ISA*00*          *00*          *ZZ*SENDER         *ZZ*PAYER          *250102*1200*^*00501*1*0*P*:~"
    >>> lower_case_x12(header.lower()), lower_case_x12(b"Isa Claim #,DOS")
    (True, False)
    """
    head = head[:512]
    utf16 = utf16_codec(head)
    text = head.decode(utf16, errors="ignore").encode("ascii", errors="ignore") if utf16 else head
    upper = text.lstrip(b"\xef\xbb\xbf \t\r\n").upper()
    return upper.startswith(b"ISA") and not upper[3:4].isalnum() and upper[:106].count(upper[3:4]) == 16


#: Why a file is not read as X12, in the words both readers use (``recoup remit`` and ``recoup import``,
#: a file skipped in a folder or set aside): nothing X12 near its start; a known format (``{what}``,
#: :func:`format_of`); X12 whose segment ids are in lower case (:func:`lower_case_x12`).
NOT_X12 = "not X12 (no ISA header or ST near its start)"
#: Why a file holding nothing (a download or copy that did not finish) is not read.
EMPTY_FILE = "an empty file, {held}: a download or copy that did not finish?"
NOT_X12_BUT = "not X12 but {what}"
LOWER_CASE_X12 = ("X12 whose segment ids are in lower case; give the file as its sender wrote it, with segment "
                  "ids in capitals")


def x12_bytes(data: bytes, kind: str = "835") -> tuple[bytes, str, tuple | None]:
    """A file's bytes as both X12 readers read them, and why it is not X12 when it is not.

    Asked once per file, before anything cuts it: first what its first bytes name (a zip, a PDF, a
    web page: :func:`format_of`, after a byte-order mark too), then UTF-16 is transcoded to UTF-8
    once (:func:`~recoup_lib.x12.from_utf16`), then the text is looked at for X12
    (:func:`looks_like_x12`; :func:`lower_case_x12`).

    Parameters
    ----------
    data : bytes
        The whole file.
    kind : str
        The transaction set the reader expects (``"835"``, ``"837"``), named for a web page.

    Returns
    -------
    data : bytes
        The file's bytes, as UTF-8 when it was saved as UTF-16.
    why : str
        ``""`` for X12; else :data:`EMPTY_FILE`, :data:`NOT_X12`, :data:`NOT_X12_BUT` with what the
        file is, or :data:`LOWER_CASE_X12`.
    note : tuple or None
        :data:`~recoup_lib.x12.UTF16_NOTE` when the file was transcoded (a warning of the file).
    """
    if not data.strip():
        return data, EMPTY_FILE.format(held="nothing but blank space" if data else "0 bytes"), None
    what = format_of(data, kind)
    if what:
        return data, NOT_X12_BUT.format(what=what), None
    data, note = from_utf16(data)
    if looks_like_x12(data):
        return data, "", note
    return data, LOWER_CASE_X12 if lower_case_x12(data) else NOT_X12, note


#: A web page: what a payer's portal gives when it is saved instead of the 835 (a page is text, so no
#: byte signature of :data:`~recoup_lib.filekind.BYTE_SIGNATURES` names it).
_WEB_PAGE = re.compile(rb"\s*<(?:!DOCTYPE html|html)", re.IGNORECASE)


def format_of(data: bytes, kind: str = "835") -> str:
    """What a file is when it is a known format that is not X12, by its first bytes; ``""`` otherwise.

    The 835 or 837 saved packed (a zip archive, named with what it holds), its printout, an image:
    the signatures every reader knows (:func:`~recoup_lib.filekind.signature_name`), after a UTF-8
    byte-order mark too; or the portal's page saved instead of the file, in UTF-8 or UTF-16 (a
    Windows editor's "Unicode"). ``kind``: the transaction set the reader expected, named for the page.
    Both X12 readers ask it once per file, before cutting it.

    >>> format_of(b"%PDF-1.7"), format_of(b"ISA*00*")
    ('a PDF document', '')
    >>> format_of("<!DOCTYPE html><html>".encode("utf-16"), "837")
    'an HTML page (a web page saved instead of the 837 file?)'
    """
    head = data[:515].removeprefix(b"\xef\xbb\xbf")[:512]   # the few bytes looked at, not a copy of the file
    signature = file_signature(head, data)
    if signature:
        return signature[1]
    utf16 = utf16_codec(head)
    if utf16:
        head = head.decode(utf16, errors="ignore").encode("utf-8", errors="ignore")
    return f"an HTML page (a web page saved instead of the {kind} file?)" if _WEB_PAGE.match(head) else ""


#: X12 transaction sets an office keeps beside its 835s and 837s, and what each one is.
TRANSACTION_NAMES = {"837": "837 claims", "270": "270 eligibility inquiries", "271": "271 eligibility answers",
                     "276": "276 claim status inquiries", "277": "277 claim status answers",
                     "999": "999 acknowledgments", "997": "997 acknowledgments", "820": "820 premium payments",
                     "834": "834 enrollments", "278": "278 referrals and authorisations"}
