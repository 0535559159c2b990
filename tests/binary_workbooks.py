"""Excel's binary workbooks built byte by byte, for tests: no package at hand writes an .xls or .xlsb.

:func:`xls_bytes` writes an Excel 97-2003 workbook (BIFF8 records, MS-XLS) in a compound file
(MS-CFB), its workbook stream in 512-byte sectors or, when ``mini``, in the mini stream as a small
workbook is kept; python-calamine reads both. :func:`xlsb_workbook_part` writes the first records
of an .xlsb's ``xl/workbook.bin`` (MS-XLSB), up to the list of sheets.
"""

from __future__ import annotations

import struct

_END_OF_CHAIN, _FREE, _FAT_SECTOR, _NO_STREAM = 0xFFFFFFFE, 0xFFFFFFFF, 0xFFFFFFFD, 0xFFFFFFFF


def _record(kind: int, data: bytes = b"") -> bytes:
    return struct.pack("<HH", kind, len(data)) + data


def _bof(substream: int) -> bytes:
    return _record(0x0809, struct.pack("<HHHHII", 0x0600, substream, 0, 0, 0, 0))


def biff8_stream(rows: list[list], date1904: bool, sheet: str = "Charges") -> bytes:
    """A workbook stream: globals (BOF, Date1904, one BoundSheet8, EOF), then one sheet whose text
    cells are LABEL records and numbers NUMBER records formatted General."""
    cells = []
    for r, row in enumerate(rows):
        for c, value in enumerate(row):
            if isinstance(value, str):
                text = value.encode("latin-1")
                cells.append(_record(0x0204, struct.pack("<HHHHB", r, c, 0, len(text), 0) + text))
            else:
                cells.append(_record(0x0203, struct.pack("<HHHd", r, c, 0, float(value))))
    name = sheet.encode("latin-1")

    def bound_sheet(at: int) -> bytes:
        return _record(0x0085, struct.pack("<IBBBB", at, 0, 0, len(name), 0) + name)

    head = _bof(0x0005) + _record(0x0022, struct.pack("<H", int(date1904)))
    first_sheet_at = len(head) + len(bound_sheet(0)) + len(_record(0x000A))
    return (head + bound_sheet(first_sheet_at) + _record(0x000A)
            + _bof(0x0010) + b"".join(cells) + _record(0x000A))


def _entry(name: str, kind: int, child: int, start: int, size: int) -> bytes:
    encoded = (name + "\0").encode("utf-16-le") if name else b""
    return (encoded.ljust(64, b"\0") + struct.pack("<HBBIII", len(encoded), kind, 1 if name else 0,
                                                   _NO_STREAM, _NO_STREAM, child)
            + b"\0" * 36 + struct.pack("<IQ", start, size))


def _sector_table(entries: list[int]) -> bytes:
    return struct.pack("<128I", *(entries + [_FREE] * (128 - len(entries))))


def compound_file(stream: bytes, mini: bool = False, name: str = "Workbook") -> bytes:
    """``stream`` as the one stream of a compound file (version 3, 512-byte sectors): sector 0 the FAT,
    1 the directory; then the stream padded to 4096 bytes (what Excel writes), or with ``mini``,
    the mini FAT and the mini stream holding it (a stream under 4096 bytes)."""
    if mini:
        assert len(stream) < 4096
        container = stream + b"\0" * (-len(stream) % 512)
        sectors = len(container) // 512
        fat = [_FAT_SECTOR, _END_OF_CHAIN, _END_OF_CHAIN] + [4 + i for i in range(sectors - 1)] + [_END_OF_CHAIN]
        minis = -(-len(stream) // 64)
        mini_fat = _sector_table([i + 1 for i in range(minis - 1)] + [_END_OF_CHAIN])
        root, entry, first_mini_fat, data = (_entry("Root Entry", 5, 1, 3, len(container)),
                                             _entry(name, 2, _NO_STREAM, 0, len(stream)), 2,
                                             mini_fat + container)
    else:
        padded = stream + b"\0" * (max(4096, len(stream) + -len(stream) % 512) - len(stream))
        sectors = len(padded) // 512
        fat = [_FAT_SECTOR, _END_OF_CHAIN] + [3 + i for i in range(sectors - 1)] + [_END_OF_CHAIN]
        root, entry, first_mini_fat, data = (_entry("Root Entry", 5, 1, _END_OF_CHAIN, 0),
                                             _entry(name, 2, _NO_STREAM, 2, len(padded)), _END_OF_CHAIN,
                                             padded)
    header = (b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1" + b"\0" * 16 + struct.pack("<HHHHH", 0x3E, 3, 0xFFFE, 9, 6)
              + b"\0" * 6 + struct.pack("<9I", 0, 1, 1, 0, 4096, first_mini_fat, int(mini), _END_OF_CHAIN, 0)
              + struct.pack("<I", 0) + b"\xff" * 4 * 108)
    directory = root + entry + _entry("", 0, _NO_STREAM, 0, 0) * 2
    return header + _sector_table(fat) + directory + data


def xls_bytes(rows: list[list], date1904: bool, mini: bool = False) -> bytes:
    """An .xls holding ``rows`` on one sheet, saved in the 1904 date system or not."""
    return compound_file(biff8_stream(rows, date1904), mini=mini)


def _xlsb_record(kind: int, data: bytes = b"") -> bytes:
    """An MS-XLSB record: its type and size written seven bits a byte, the high bit saying more follow."""
    def seven_bits(value: int) -> bytes:
        out = bytearray()
        while True:
            out.append((value & 0x7F) | (0x80 if value > 0x7F else 0))
            value >>= 7
            if not value:
                return bytes(out)
    return seven_bits(kind) + seven_bits(len(data)) + data


def xlsb_workbook_part(date1904: bool) -> bytes:
    """An .xlsb's ``xl/workbook.bin`` up to its list of sheets: BrtBeginBook, BrtFileVersion (an
    application name long enough for a size of two bytes), BrtWbProp (f1904 its first bit),
    BrtBeginBundleShs."""
    app = "Microsoft Macintosh Excel, version 16, build 2025 for the test".ljust(64)
    version = struct.pack("<16sI", b"\0" * 16, len(app)) + app.encode("utf-16-le") + struct.pack("<I", 0) * 3
    properties = struct.pack("<III", int(date1904) | 0x8, 0, 0) + struct.pack("<I", 0)
    return (_xlsb_record(0x0083) + _xlsb_record(0x0080, version) + _xlsb_record(0x0099, properties)
            + _xlsb_record(0x008F))
