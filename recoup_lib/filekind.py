"""What a file is, told by its path and its first bytes, before anything reads it as text, and how
its name is shown (:func:`shown`).

A path given as an input may be no regular file (:func:`not_a_file`): missing
(or a link to nothing, :func:`link_to_nothing`), a folder, or a pipe or a
device, which is never opened; or an Office lock
file, ``~$Book1.xlsx`` beside an open ``Book1.xlsx`` (:func:`office_lock_file`). A file's first bytes
may show it is not CSV text (:func:`not_csv_text`): a workbook, a PDF or an
image under a ``.csv`` name (:data:`BYTE_SIGNATURES`), or Excel's "Unicode
text", UTF-16 with or without a byte-order mark (:func:`utf16_codec`). A zip
that is not a workbook is a document (a .docx) or an archive, named with what
it holds (:func:`zip_archive`); :func:`file_signature` names any file by its
signature, such a zip included. A text file that is not UTF-8 is decoded in the encoding
charset-normalizer finds among the Western ones (:func:`decode_bytes`).

These are asked in one place by every reader: :mod:`recoup_lib.csvread`
refuses such a file saying what it is, ``recoup import``
(:mod:`recoup_lib.ingest`) reads workbooks and UTF-16 text and names the
rest, :mod:`recoup_lib.remit` skips a path that is no regular file and
names a file that is no X12 by its signature, and the exercises' grader
names it.
"""

from __future__ import annotations

import codecs
import errno
import io
import itertools
import os
import re
import zipfile
from pathlib import Path

import numpy as np
import pyarrow as pa

from .errors import InputError
from .wording import listed

__all__ = ["shown", "NOT_A_REGULAR_FILE", "not_a_file", "not_a_file_message", "present", "resolved",
           "link_to_nothing",
           "OFFICE_LOCK_FILE", "office_lock_file", "WORKBOOK_SUFFIXES", "workbook_hint",
           "with_workbook_hint",
           "BYTE_SIGNATURES", "byte_signature", "zip_archive", "file_signature", "signature_name", "utf16_codec",
           "not_csv_text", "text_encoding", "decode_bytes", "decode_as", "is_utf8", "single_byte_encoding",
           "SINGLE_BYTE_ENCODINGS"]


def shown(path) -> str:
    """A path as text that can be printed and written to a CSV.

    A file name made on another system may hold bytes that are not UTF-8
    (``caf\\xe9.835`` saved in Latin-1); Python keeps them as lone surrogates,
    which no UTF-8 output accepts. They are shown escaped, as ``\\xe9``.

    >>> shown(os.fsdecode(b"caf\\xe9.835"))
    'caf\\\\xe9.835'
    """
    return os.fsencode(path).decode("utf-8", "backslashreplace")


#: What a path given as an input file is when it is neither missing nor a file: reading a pipe waits
#: for a writer for ever, and a device never ends, so neither is opened.
NOT_A_REGULAR_FILE = "not a regular file (a device, pipe or socket)"


def not_a_file(path: Path) -> str | None:
    """What ``path`` is when it is not a regular file the kit may read (``no such file``, a link whose
    target is gone in the words of :func:`link_to_nothing`, ``a folder``, :data:`NOT_A_REGULAR_FILE`);
    None when it is one. Asked before anything opens the path, so every reader names a link to
    nothing as such, not as a missing file.

    >>> import tempfile
    >>> with tempfile.TemporaryDirectory() as folder:
    ...     (Path(folder) / "moved.csv").symlink_to("/archive/gone.csv")
    ...     not_a_file(Path(folder) / "moved.csv"), not_a_file(Path(folder) / "nothing.csv")
    ('a link to /archive/gone.csv, which does not exist', 'no such file')
    """
    if path.is_file():
        return None
    if not path.exists():
        return link_to_nothing(path) if path.is_symlink() else "no such file"
    return "a folder" if path.is_dir() else NOT_A_REGULAR_FILE


def not_a_file_message(path: Path, label: str, expected: str, folder: str | Path | None = None) -> str | None:
    """How a reader refuses ``path`` when it is no regular file (:func:`not_a_file`), else None:
    ``{label}: file not found`` when nothing is under it, else ``{label}: {what it is}; {expected}``;
    ``in {folder}`` after the label when ``folder`` is given.

    >>> not_a_file_message(Path("/nowhere/rates.csv"), "rates.csv", "expected a CSV file", "/nowhere")
    'rates.csv: file not found in /nowhere'
    >>> not_a_file_message(Path("/"), "/", "expected a CSV file")
    '/: a folder; expected a CSV file'
    """
    what = not_a_file(path)
    if what is None:
        return None
    where = "" if folder is None else f" in {folder}"
    if what == "no such file":
        return with_workbook_hint(f"{label}: file not found{where}", path)
    return f"{label}{where}: {what}; {expected}"


def with_workbook_hint(message: str, path: Path, reader: str = "the command") -> str:
    """``message`` (that nothing is at ``path``), followed by :func:`workbook_hint` when it has one."""
    hint = workbook_hint(path, reader)
    return f"{message}; {hint}" if hint else message


def workbook_hint(path: Path, reader: str = "the command") -> str:
    """What to do when nothing is at ``path`` (``frame.csv``) but its folder holds a workbook of its name
    (``frame.xlsx``, any of :data:`WORKBOOK_SUFFIXES`): the spreadsheet was saved in its own format where
    ``reader`` reads only the CSV, and "file not found" alone does not say so. "" when there is no such
    workbook (or the folder cannot be listed)."""
    if present(path):
        return ""
    try:
        workbooks = sorted(entry.name for entry in path.parent.iterdir() if entry.stem == path.stem
                           and entry.suffix.lower() in WORKBOOK_SUFFIXES and entry.is_file())
    except OSError:
        return ""
    if not workbooks:
        return ""
    return (f"{workbooks[0]} is in the folder, but {reader} reads {path.name}: save the workbook "
            f"from the spreadsheet as \"CSV UTF-8\" named {path.name}")


def present(path: Path) -> bool:
    """Whether anything is under ``path``: a file, a folder, or a link (even one to a file since moved).

    Asked where a file may be absent, so that what is there under its name is read and named for what it
    is (:func:`not_a_file`), rather than passed over as absent in silence.
    """
    return path.exists() or path.is_symlink()


def resolved(path) -> Path:
    """``path`` made absolute with symbolic links resolved (it need not exist), to compare two paths.

    A link that leads back to itself cannot be resolved: it is made absolute as it stands
    (``Path.resolve`` raises RuntimeError on it before Python 3.13, OSError since), so that the
    reader of the path names it (:func:`link_to_nothing`) rather than the kit failing.
    """
    given = Path(path)
    try:
        return given.resolve()
    except (RuntimeError, OSError):
        return Path(os.path.abspath(given))


def link_to_nothing(path: Path) -> str:
    """What a link whose target does not exist is, in the words of both X12 readers and of ``recoup
    import``'s export reader (a file moved or deleted after a link to it was made: saying "file not
    found" would name the link, not what is missing); a link that leads back to itself is named as a loop.

    >>> import tempfile
    >>> with tempfile.TemporaryDirectory() as folder:
    ...     (Path(folder) / "moved.835").symlink_to("/archive/gone.835")
    ...     link_to_nothing(Path(folder) / "moved.835")
    'a link to /archive/gone.835, which does not exist'
    """
    try:
        os.stat(path)
    except OSError as exc:
        if exc.errno == errno.ELOOP:
            return f"a link to {shown(os.readlink(path))}, which leads back to itself (a loop of links)"
    return f"a link to {shown(os.readlink(path))}, which does not exist"


#: What a file whose name starts with ``~$`` is: Excel, Word and PowerPoint leave one beside a document
#: while it is open (a few bytes: the name of whoever opened it) and remove it when it is closed.
#: The endings of a workbook's name (Excel's, LibreOffice's), compared in lower case: a file saved from a
#: spreadsheet but not as CSV.
WORKBOOK_SUFFIXES = (".xlsx", ".xlsm", ".xls", ".ods", ".xlsb")

OFFICE_LOCK_FILE = "an Office lock file (~$...), left while the document is open"


def office_lock_file(path) -> bool:
    """Whether ``path`` names an Office lock file (:data:`OFFICE_LOCK_FILE`): no data, whatever its extension.

    >>> office_lock_file("exports/~$Book1.xlsx"), office_lock_file("exports/Book1.xlsx")
    (True, False)
    """
    return Path(path).name.startswith("~$")


#: First bytes of files that are not text, as (signature, kind, what the file is): ``"workbook"``, a
#: zip (``.xlsx``, ``.xlsm``, ``.ods``, ``.xlsb``) or an OLE2 file (``.xls``); ``"binary"``, a PDF, an
#: image or an archive. A file starting with one of them is never read as CSV text or X12.
BYTE_SIGNATURES = (
    (b"PK\x03\x04", "workbook", "an Excel workbook (or another zip file)"),
    (b"\xd0\xcf\x11\xe0", "workbook", "an Excel 97-2003 workbook (.xls)"),
    (b"%PDF-", "binary", "a PDF document"),
    (b"\x89PNG", "binary", "a PNG image"),
    (b"\xff\xd8\xff", "binary", "a JPEG image"),
    (b"GIF8", "binary", "a GIF image"),
    (b"\x1f\x8b", "binary", "a gzip archive, to unpack first"),
    (b"7z\xbc\xaf\x27\x1c", "binary", "a 7-Zip archive, to unpack first"),
    (b"PK\x05\x06", "binary", "an empty zip archive"),
)
#: Bytes at the start of a file in which UTF-16 without a byte-order mark is looked for.
_UTF16_WINDOW = 4096


def byte_signature(head: bytes) -> tuple[str, str] | None:
    """(kind, what the file is) when ``head`` starts with one of :data:`BYTE_SIGNATURES`, else None."""
    return next(((kind, what) for signature, kind, what in BYTE_SIGNATURES if head.startswith(signature)), None)


#: Office documents that are zip files but no workbook, by a part only they hold: OOXML folders
#: (``word/`` of a .docx) and OpenDocument ``mimetype`` values (``...text`` of an .odt).
_DOCUMENT_PARTS = (("word/", "a Word document (.docx)"), ("ppt/", "a PowerPoint presentation (.pptx)"))
_DOCUMENT_TYPES = ((b"application/vnd.oasis.opendocument.text", "an OpenDocument text (.odt)"),
                   (b"application/vnd.oasis.opendocument.presentation", "an OpenDocument presentation (.odp)"))


def zip_archive(source: Path | bytes) -> str | None:
    """What a zip file that is not a workbook is: an Office document that holds no sheet (``a Word
    document (.docx)``), or an archive, with what it holds and what to do with it (a folder of 837s
    or exports zipped to be sent: ``a zip archive holding a.837, b.837 (unzip it ...)``); None for a
    workbook (an ``xl/`` folder, an ``.ods``'s ``mimetype``) or a file that is no zip.
    ``source``: the file's path, or its bytes when they are already read."""
    try:
        with zipfile.ZipFile(io.BytesIO(source) if isinstance(source, bytes) else source) as archive:
            names = [info.filename for info in archive.infolist() if not info.is_dir()]
            mimetype = archive.read("mimetype").strip() if "mimetype" in names else b""
    except (zipfile.BadZipFile, OSError, ValueError, KeyError):
        return None
    if any(name.startswith("xl/") for name in names) or \
            mimetype.startswith(b"application/vnd.oasis.opendocument.spreadsheet"):
        return None
    if "[Content_Types].xml" in names or mimetype:
        return next((what for part, what in _DOCUMENT_PARTS if any(name.startswith(part) for name in names)),
                    next((what for kind, what in _DOCUMENT_TYPES if mimetype.startswith(kind)),
                         "an Office document that holds no sheet"))
    held = listed(names) if names else "nothing"
    return f"a zip archive holding {held} (unzip it and give the files it holds, or their folder)"


def file_signature(head: bytes, source: Path | bytes) -> tuple[str, str] | None:
    """(kind, what the file is) when ``head``, a file's first bytes, starts with a signature of
    :data:`BYTE_SIGNATURES`, else None: the kind it gives, except a zip that is no workbook (a .docx,
    an archive of exports), which is ``"zip"``, named by :func:`zip_archive`. ``source``: the
    file's path, or all its bytes (a zip's list of members is at its end).

    >>> file_signature(b"%PDF-1.7", b"%PDF-1.7"), file_signature(b"ISA*00*", b"ISA*00*")
    (('binary', 'a PDF document'), None)
    """
    signature = byte_signature(head)
    if signature is None or signature[0] != "workbook":
        return signature
    archive = zip_archive(source)
    return signature if archive is None else ("zip", archive)


def signature_name(source: bytes | Path) -> str | None:
    """What a file that starts with a signature of :data:`BYTE_SIGNATURES` is, a zip named by
    :func:`zip_archive` when it is no workbook; None without one (or when ``source`` cannot be
    read). How a reader that takes no workbook (the 837 and 835 readers) names such a file.
    ``source``: the file's bytes (the whole file), or its path (only its first bytes and, for a
    zip, its list of names are read: how a folder's archive is named without reading it whole).

    >>> signature_name(b"%PDF-1.7"), signature_name(b"ISA*00*")
    ('a PDF document', None)
    """
    if isinstance(source, bytes):
        head = source
    else:
        try:
            with open(source, "rb") as handle:
                head = handle.read(8)
        except OSError:
            return None
    signature = file_signature(head, source)
    return None if signature is None else signature[1]


def utf16_codec(data: bytes) -> str | None:
    """The UTF-16 codec text is in, with or without a byte-order mark (None: not UTF-16).

    Without a mark, UTF-16 text of mostly Latin letters has a NUL in every other byte of its first
    4 KB (at least 90% of one side of the pairs, at most 10% of the other), which no CSV export
    has; read as UTF-8, it would give headers like ``' L i n e '``. Two characters are enough to tell.
    (The odd bytes hold the NULs little-endian, the even ones big-endian.)

    >>> utf16_codec("id,n".encode("utf-16")), utf16_codec("id,n".encode("utf-16-le"))
    ('utf-16', 'utf-16-le')
    >>> utf16_codec("id,n".encode("utf-16-be")), utf16_codec(b"id,note\\r\\n\\x00,\\x00\\r\\n" * 9)
    ('utf-16-be', None)
    """
    if data.startswith((b"\xff\xfe", b"\xfe\xff")):
        return "utf-16"
    pairs = data[:_UTF16_WINDOW][: len(data[:_UTF16_WINDOW]) // 2 * 2]
    half = len(pairs) // 2
    if half < 2:
        return None
    even, odd = pairs[0::2].count(0), pairs[1::2].count(0)
    if odd * 10 >= half * 9 and even * 10 <= half:
        return "utf-16-le"
    if even * 10 >= half * 9 and odd * 10 <= half:
        return "utf-16-be"
    return None


def not_csv_text(head: bytes) -> str | None:
    """What a file is when its first bytes show it is a workbook or UTF-16 text, else None.

    A workbook saved under a ``.csv`` name, or Excel's "Unicode text"
    (UTF-16), would otherwise be read as a header of garbled characters, and
    the message would list them as the columns found. Only sure signs
    count (a workbook's signature, see :data:`BYTE_SIGNATURES`, or UTF-16,
    see :func:`utf16_codec`): the kit writes any text a cell holds, control
    characters included, and reads it back.

    >>> not_csv_text(b"PK\\x03\\x04..."), not_csv_text("claim_id,line_no".encode("utf-16-le"))
    ('an Excel workbook (or another zip file)', 'UTF-16 text')
    >>> not_csv_text(b"claim_id,line_no\\r\\n"), not_csv_text(b"id,note\\r\\n\\x00,\\x00\\r\\n" * 9)
    (None, None)
    >>> not_csv_text("id,n".encode("utf-16-be")), not_csv_text(b"%PDF-1.4")
    ('UTF-16 text', None)
    """
    signature = byte_signature(head)
    if signature is not None and signature[0] == "workbook":
        return signature[1]
    return "UTF-16 text" if utf16_codec(head) is not None else None


#: Encodings charset-normalizer may choose among for text that is not UTF-8.
WESTERN_ENCODINGS = ["cp1252", "latin_1", "mac_roman", "cp850"]
_HIGH_BYTE = re.compile(rb"[\x80-\xff]")
#: An encoding as a summary names it.
ENCODING_NAMES = {"utf-8": "UTF-8", "utf-8-sig": "UTF-8 with BOM", "cp1252": "Windows-1252", "latin_1": "Latin-1",
                  "utf-16": "UTF-16", "mac_roman": "Mac OS Roman", "cp850": "DOS Latin-1 (code page 850)"}


def text_encoding(data) -> str:
    """The encoding a text file's bytes (``bytes``, or a file's memory map) are read in.

    ``utf-8-sig`` for UTF-8 after a UTF-8 byte-order mark; the UTF-16 codec of UTF-16 text
    (:func:`utf16_codec`); ``utf-8``; else the Western encoding charset-normalizer finds
    (:data:`WESTERN_ENCODINGS`). The bytes after a byte-order mark are checked as those of a file
    without one: a tool may write the mark before text in the office's code page (``Peña`` in
    Windows-1252), which read as UTF-8 would stop the reader. The one place :func:`decode_bytes`,
    :func:`single_byte_encoding` and :mod:`recoup_lib.csvsaved` decide it.

    >>> text_encoding(codecs.BOM_UTF8 + "Peña".encode()), text_encoding(codecs.BOM_UTF8 + "Peña".encode("cp1252"))
    ('utf-8-sig', 'cp1252')
    """
    if data[:len(codecs.BOM_UTF8)] == codecs.BOM_UTF8:
        start = len(codecs.BOM_UTF8)
        if is_utf8(data, start):
            return "utf-8-sig"
        return _detect(data, start)
    utf16 = utf16_codec(data[:_UTF16_WINDOW])
    if utf16 is not None:
        return utf16
    return "utf-8" if is_utf8(data) else _detect(data)


def decode_bytes(data: bytes, name: str = "the file", encoding: str | None = None) -> tuple[bytes, str]:
    """Bytes of a text file -> (UTF-8 bytes, the encoding they were read with), a byte-order mark
    left out. ``encoding``: what :func:`text_encoding` said of ``data``, when already asked.

    The bytes returned are valid UTF-8 whatever the encoding: those of a ``utf-8`` or ``utf-8-sig``
    file as :func:`text_encoding` checked them (:func:`is_utf8`), any other decoded and written anew
    (:func:`decode_as`), so a reader of them need not check them again.

    Raises
    ------
    InputError
        The bytes look like UTF-16 (see :func:`~recoup_lib.filekind.utf16_codec`) but are not valid UTF-16.
    """
    encoding = encoding or text_encoding(data)
    if encoding == "utf-8":
        return data, encoding
    if encoding.startswith("utf-16"):
        try:
            text = data.decode(encoding)
        except UnicodeDecodeError:
            raise InputError(f"{name}: the file looks like UTF-16 text but cannot be read as such; "
                             "save it as UTF-8 or CSV and import it again.") from None
        return text.removeprefix("\ufeff").encode("utf-8"), "utf-16"
    data = data.removeprefix(codecs.BOM_UTF8)
    return (data, encoding) if encoding == "utf-8-sig" else decode_as(data, encoding)


def decode_as(data: bytes, encoding: str) -> tuple[bytes, str]:
    """Bytes of a text file in ``encoding`` -> (UTF-8 bytes, the encoding they were read with):
    Latin-1 when ``encoding`` refuses a byte (every byte is a character in it). The bytes returned
    are written by Python's UTF-8 codec, so they are valid UTF-8."""
    try:
        text = data.decode(encoding)
    except UnicodeDecodeError:
        encoding, text = "latin_1", data.decode("latin_1")  # every byte is a character: nothing lost
    return text.encode("utf-8"), encoding


#: Encodings that write each character in one byte and ASCII as ASCII: CSV's commas, quotes and line
#: breaks are the same bytes in them as in UTF-8, so a file can be cut into cells before decoding.
SINGLE_BYTE_ENCODINGS = {"cp1252", "iso8859-1", "mac-roman", "cp850"}


def single_byte_encoding(encoding: str) -> str | None:
    """``encoding`` (as :func:`text_encoding` gives it) when it is single-byte
    (:data:`SINGLE_BYTE_ENCODINGS`), else None."""
    try:
        single = codecs.lookup(encoding).name in SINGLE_BYTE_ENCODINGS
    except LookupError:
        return None
    return encoding if single else None


def is_utf8(data, start: int = 0) -> bool:
    """Whether the bytes (``bytes``, or a file's memory map) from ``start`` on are valid UTF-8 (as
    strict as Python's decoder), checked by Arrow without building a Python string of the whole file
    (nor copying the bytes after ``start``)."""
    if isinstance(data, bytes) and not start and data.isascii():
        return True
    offsets = pa.py_buffer(np.array([start, len(data)], dtype=np.int64))
    whole = pa.Array.from_buffers(pa.large_binary(), 1, [None, offsets, pa.py_buffer(data)])
    try:
        whole.cast(pa.large_string())
    except pa.ArrowInvalid:
        return False
    return True


def _detect(data, start: int = 0) -> str:
    """Ask charset-normalizer about the lines that hold non-ASCII bytes (those from ``start`` on)."""
    import charset_normalizer

    high = (match.start() for match in itertools.islice(_HIGH_BYTE.finditer(data, start), 2000))
    pieces, last, size = [], -1, 0
    for pos in high:
        if pos <= last:
            continue
        begin = max(data.rfind(b"\n", 0, pos) + 1, start)
        stop = data.find(b"\n", pos)
        stop = len(data) if stop < 0 else stop
        pieces.append(data[begin:stop])
        size += stop - begin
        last = stop
        if size > 65536:
            break
    sample = b"\n".join(pieces) or data[start:start + 65536]
    best = charset_normalizer.from_bytes(sample, cp_isolation=WESTERN_ENCODINGS).best()
    return best.encoding if best is not None else "cp1252"
