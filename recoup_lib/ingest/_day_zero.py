"""The day a workbook counts its date serial numbers from, read from the workbook itself.

Excel's usual day zero is 1899-12-30; a workbook saved in Mac Excel's 1904
date system counts from 1904-01-01, and says so in each format: ``date1904``
in an .xlsx's workbook part, the f1904 bit of an .xlsb's BrtWbProp record,
the Date1904 record of an .xls's workbook globals. An .ods names its own day
zero (LibreOffice's "null date"). A reader turns the cells formatted as dates
with it; a date written as a number formatted General stays a number, and
read with the usual day zero it would fall 4 years and a day early.

None of the readers (python-calamine, openpyxl) says which day zero it used,
so :func:`day_zero` reads the few bytes that say it: a part of the zip, or
for an .xls the compound file's tables and the first records of its workbook
stream (never the whole file).
"""

from __future__ import annotations

import functools
import os
import re
import struct
import zipfile
from pathlib import Path

__all__ = ["day_zero", "MAC_DAY_ZERO"]

#: The day zero of Mac Excel's 1904 date system.
MAC_DAY_ZERO = "1904-01-01"
_USUAL_DAY_ZERO = "1899-12-30"
#: An .xlsx/.xlsm workbook part saying its serial numbers count from 1904 ...
_DATE1904 = re.compile(rb'<(?:\w+:)?workbookPr\b[^>]*\bdate1904="(?:1|true)"')
#: ... and the day zero an OpenDocument spreadsheet names.
_NULL_DATE = re.compile(rb'<table:null-date\b[^>]*\btable:date-value="(\d{4}-\d{2}-\d{2})')
_OLE_SIGNATURE = b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1"
#: MS-XLSB record types: BrtWbProp (the workbook's properties, f1904 its first bit), and
#: BrtBeginBundleShs (the list of sheets, which BrtWbProp comes before).
_BRT_WB_PROP, _BRT_BEGIN_BUNDLE_SHS = 0x0099, 0x008F
#: BIFF record types of an .xls's workbook globals: Date1904, FilePass (what follows is encrypted)
#: and EOF (the end of the globals).
_BIFF_DATE1904, _BIFF_FILEPASS, _BIFF_EOF = 0x0022, 0x002F, 0x000A
#: Date1904 stands among the first records of the globals; no more of the stream is read.
_BIFF_SCAN_BYTES = 1 << 20
#: Compound-file sector numbers at and above this one end a chain (or mark a free sector).
_END_OF_CHAIN = 0xFFFFFFFA


def day_zero(path: Path) -> str | None:
    """The day ``path`` counts its date serial numbers from when it is not Excel's usual
    1899-12-30: :data:`MAC_DAY_ZERO` for an .xlsx, .xlsm, .xlsb or .xls saved in the 1904 date
    system, an .ods's own null date; None for the usual one, and for a file it cannot tell from
    (the reader then fails on it, or reads it with the usual day zero)."""
    try:
        with open(path, "rb") as file:
            if file.read(len(_OLE_SIGNATURE)) == _OLE_SIGNATURE:
                return MAC_DAY_ZERO if _xls_date1904(file) else None
        with zipfile.ZipFile(path) as book:
            names = set(book.namelist())
            if "xl/workbook.xml" in names:
                return MAC_DAY_ZERO if _DATE1904.search(book.read("xl/workbook.xml")) else None
            if "xl/workbook.bin" in names:
                return MAC_DAY_ZERO if _xlsb_date1904(book.read("xl/workbook.bin")) else None
            if "content.xml" in names:
                with book.open("content.xml") as content:
                    found = _NULL_DATE.search(content.read(1 << 20))
                zero = found.group(1).decode("ascii") if found else _USUAL_DAY_ZERO
                return None if zero == _USUAL_DAY_ZERO else zero
    except (OSError, KeyError, ValueError, IndexError, struct.error, zipfile.BadZipFile):
        return None
    return None


def _xlsb_date1904(part: bytes) -> bool:
    """Whether an .xlsb's workbook part holds BrtWbProp with its f1904 bit set.

    The part is a run of records, each a type (1-2 bytes) and a size (1-4 bytes), both written
    seven bits a byte, the high bit saying another byte follows (MS-XLSB 2.1.4), then its data.
    """
    at = 0
    while at < len(part):
        kind, at = _seven_bits_a_byte(part, at, 2)
        size, at = _seven_bits_a_byte(part, at, 4)
        if kind == _BRT_WB_PROP:
            return bool(part[at] & 1)
        if kind == _BRT_BEGIN_BUNDLE_SHS:
            return False
        at += size
    return False


def _seven_bits_a_byte(data: bytes, at: int, most: int) -> tuple[int, int]:
    value = 0
    for shift in range(0, 7 * most, 7):
        byte = data[at]
        at += 1
        value |= (byte & 0x7F) << shift
        if byte < 0x80:
            break
    return value, at


def _xls_date1904(file) -> bool:
    """Whether an .xls's workbook globals hold a Date1904 record saying 1 (MS-XLS 2.4.77).

    An .xls is a compound file (MS-CFB): a header, a table of sector chains (the FAT, whose own
    sectors the header and the DIFAT sectors list), a directory naming each stream with its first
    sector, and the streams; one under the size cutoff lives in the mini stream, in 64-byte
    sectors chained by the mini FAT. The workbook stream (``Workbook``, ``Book`` in BIFF5) is a run
    of records, each a type and a size (two bytes each) and its data; its globals end at EOF.
    """
    file.seek(0)
    header = file.read(512)
    if _u16(header, 30) not in (9, 12):         # 512- or 4096-byte sectors: nothing else is a compound file
        return False
    sector_size = 1 << _u16(header, 30)
    per_sector = sector_size // 4
    sectors = os.fstat(file.fileno()).st_size // sector_size

    def sector(number: int) -> bytes:
        file.seek((number + 1) * sector_size)
        return file.read(sector_size)

    fat_sectors = list(struct.unpack_from("<109I", header, 76))
    difat = _u32(header, 68)
    for _ in range(min(_u32(header, 72), sectors)):
        listed = struct.unpack(f"<{per_sector}I", sector(difat))
        fat_sectors += listed[:-1]
        difat = listed[-1]
    fat_block = functools.lru_cache(maxsize=None)(lambda i: sector(fat_sectors[i]))

    def chain(start: int, next_of, most: int = sectors):
        for _ in range(most + 1):           # a chain running in a circle ends all the same
            if start >= _END_OF_CHAIN:
                return
            yield start
            start = next_of(start)

    def next_sector(number: int) -> int:
        return _u32(fat_block(number // per_sector), number % per_sector * 4)

    directory = b"".join(sector(n) for n in chain(_u32(header, 48), next_sector))
    entries = [directory[at:at + 128] for at in range(0, len(directory), 128)]
    stream = next((e for e in entries if e[66] == 2 and _entry_name(e).lower() in ("workbook", "book")), None)
    if stream is None:
        return False
    start, size = _u32(stream, 116), _u32(stream, 120)
    if size < _u32(header, 56):
        mini_size = 1 << _u16(header, 32)
        container = b"".join(sector(n) for n in chain(_u32(entries[0], 116), next_sector))
        mini_fat = b"".join(sector(n) for n in chain(_u32(header, 60), next_sector))
        chunks = (container[n * mini_size:(n + 1) * mini_size]
                  for n in chain(start, lambda n: _u32(mini_fat, n * 4), len(container) // mini_size))
    else:
        chunks = (sector(n) for n in chain(start, next_sector))
    return _globals_say_1904(chunks)


def _globals_say_1904(chunks) -> bool:
    """Whether the BIFF records in ``chunks`` (the workbook stream, a sector at a time) hold Date1904
    saying 1 before the globals end; read only as far as needed."""
    data, at = b"", 0
    while at < _BIFF_SCAN_BYTES:
        while len(data) < at + 6:
            chunk = next(chunks, None)
            if chunk is None:
                return False
            data += chunk
        kind, size = struct.unpack_from("<HH", data, at)
        if kind == _BIFF_DATE1904:
            return _u16(data, at + 4) == 1
        if kind in (_BIFF_EOF, _BIFF_FILEPASS):
            return False
        at += 4 + size
    return False


def _entry_name(entry: bytes) -> str:
    """A compound-file directory entry's name (UTF-16LE, its length in bytes counting the final NUL)."""
    return entry[:max(_u16(entry, 64) - 2, 0)].decode("utf-16-le", "replace")


def _u16(data: bytes, at: int) -> int:
    return struct.unpack_from("<H", data, at)[0]


def _u32(data: bytes, at: int) -> int:
    return struct.unpack_from("<I", data, at)[0]
