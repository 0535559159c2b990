"""The mapping a user gives ``recoup import``: mapping.json loaded and checked, ``--column`` and
``--fill-down`` checked, and the fields they settle in each file.

A mapping says which header holds which field. :meth:`ImportResult.write
<recoup_lib.ingest.ImportResult.write>` writes the one used as
``mapping.json`` (:func:`recoup_lib.ingest.mapping_document`); given back
with ``mapping=``/``--map`` (:func:`load_mapping`), it settles those fields
again, per file or per kind, as ``columns=``/``--column FIELD=HEADER`` does
for every file holding that header (:func:`_fixed_for`). A hand-edited
mapping is checked whole before any file is read, so a wrong entry is named
(``columns.claims.claim_id``) and never ends in an internal error or a
mapping half used; a ``--column`` or ``--fill-down`` naming an unknown
field, or a header no file has, is a usage error, and so is one header
given to two fields of one kind of file, by ``--column`` or by a mapping
(:func:`fields_sharing_a_header`).
"""

from __future__ import annotations

import json
from pathlib import Path

from ..errors import InputError, UsageError
from ..filekind import ENCODING_NAMES, decode_bytes
from ._fields import FIELD_NAMES, GROUP_FIELDS, KINDS, LINE_FINDERS, LIST_FIELDS, headers_of, normalise_header

__all__ = ["load_mapping"]


def load_mapping(mapping) -> dict:
    """A mapping.json (path or dict) as written by :meth:`ImportResult.write`, its shape checked.

    A file edited by hand is read in the encoding its editor saved it in, as an export is
    (:func:`~recoup_lib.filekind.decode_bytes`: ``Fecha de atención`` saved by Notepad as "ANSI" is
    Windows-1252), so its headers meet the export's. A file that is no JSON is refused saying the
    encoding it was read in, as a person names it (``read as Windows-1252``).

    Raises
    ------
    InputError
        The file cannot be read as JSON, or is not shaped as the import writes it: the message
        names the file and the key at fault (``columns.claims.claim_id``), so a hand-edited
        mapping never ends in an internal error or is half used.
    UsageError
        The mapping gives one header to two fields of one kind of file (the message names the
        file, both entries and the header).
    """
    if mapping is None:
        return {}
    if isinstance(mapping, dict):
        return _checked_mapping(mapping, "the mapping")
    path = Path(mapping)
    try:
        text, encoding = decode_bytes(path.read_bytes(), path.name)
    except OSError as exc:
        raise InputError(f"{path.name}: not a readable mapping file ({exc})") from None
    read_as = f"read as {ENCODING_NAMES.get(encoding, encoding)}"
    try:
        data = json.loads(text.decode("utf-8"))
    except ValueError as exc:
        raise InputError(f"{path.name}: not a readable mapping file ({read_as}: {exc})") from None
    except RecursionError:
        raise InputError(f"{path.name}: not a readable mapping file ({read_as}: nested too deeply)") from None
    return _checked_mapping(data, path.name)


#: The keys that make a JSON object a mapping: another JSON file of the kit (a summary.json) holds none.
_MAPPING_KEYS = {"columns", "files", "fill_down"}


def _checked_mapping(data, name: str) -> dict:
    """``data`` if shaped as mapping.json: ``columns`` {kind: {field: header}} and ``files`` [{kind,
    file, columns}], a header being text, null (the field left out) or, for modifiers and
    diagnosis_codes, a list of texts."""
    def refuse(key: str, expected: str, got) -> InputError:
        return InputError(f"{name}: {key}: expected {expected}; got {json.dumps(got)[:60]}. "
                          "Give back the mapping.json an earlier `recoup import` wrote, or correct "
                          "that entry.")

    if not isinstance(data, dict) or (data and not _MAPPING_KEYS & set(data)):
        raise refuse("the whole file", "the mapping.json that `recoup import` writes (an object "
                     "with 'columns')", data)
    columns = data.get("columns", {})
    if not isinstance(columns, dict):
        raise refuse("columns", "an object {kind: {field: header}}", columns)
    for kind, fields in columns.items():
        if kind not in FIELD_NAMES:
            raise refuse(f"columns.{kind}", "one of the kinds " + ", ".join(KINDS), kind)
        _check_fields(fields, kind, f"columns.{kind}", refuse)
        _one_field_per_header(kind, fields, _mapped_entries(name, f"columns.{kind}"))
    if _wrong_fill_down(data.get("fill_down", [])) is not None:
        raise refuse("fill_down", "a list of field names (" + ", ".join(GROUP_FIELDS) + ")", data["fill_down"])
    files = data.get("files", [])
    if not isinstance(files, list):
        raise refuse("files", "a list of {file, kind, columns}", files)
    for i, entry in enumerate(files):
        key = f"files[{i}]"
        if not isinstance(entry, dict):
            raise refuse(key, "an object {file, kind, columns}", entry)
        if entry.get("kind") not in FIELD_NAMES:
            raise refuse(f"{key}.kind", "one of the kinds " + ", ".join(KINDS), entry.get("kind"))
        if not isinstance(entry.get("file", ""), str):
            raise refuse(f"{key}.file", "a file name", entry.get("file"))
        _check_fields(entry.get("columns", {}), entry["kind"], f"{key}.columns", refuse)
        _one_field_per_header(entry["kind"], entry.get("columns", {}), _mapped_entries(name, f"{key}.columns"))
    return data


def _mapped_entries(name: str, key: str):
    """How a mapping (``name``) names two of its entries (under ``key``) in a message."""
    return lambda first, first_header, later, header: f"{name}: {key}.{first} and {key}.{later}"


def _wrong_fill_down(fields) -> object:
    """What in a fill-down list (``--fill-down``, mapping.json's ``fill_down``) is not one of
    :data:`GROUP_FIELDS` (the list itself when it is not one); None when nothing is."""
    if not isinstance(fields, list):
        return fields
    return next((f for f in fields if not isinstance(f, str) or f not in GROUP_FIELDS), None)


def _check_fields(fields, kind: str, key: str, refuse) -> None:
    if not isinstance(fields, dict):
        raise refuse(key, "an object {field: header}", fields)
    for field_name, header in fields.items():
        where = f"{key}.{field_name}"
        if field_name not in FIELD_NAMES[kind]:
            raise refuse(where, f"a field of {kind} (" + ", ".join(FIELD_NAMES[kind]) + ")", field_name)
        if header is None or isinstance(header, str):
            continue
        if field_name not in LIST_FIELDS:
            raise refuse(where, "one header name (text), or null to leave the field out", header)
        if not isinstance(header, list) or not all(isinstance(h, str) for h in header):
            raise refuse(where, "a header name or a list of header names", header)


def _fixed_for(kind: str, label: str, headers: list[str], mapping: dict, columns: dict):
    """Fields settled by --map and --column for one file: (fixed, sources)."""
    fixed: dict = {}
    sources: dict = {}
    by_norm = {normalise_header(h): h for h in headers}

    def find(header: str):
        return header if header in headers else by_norm.get(normalise_header(header))

    entry = next((f for f in mapping.get("files", []) if f.get("kind") == kind and f.get("file") == label
                  and f.get("columns")), None)
    mapped = entry["columns"] if entry else mapping.get("columns", {}).get(kind, {})
    for name, value in mapped.items():
        if name not in FIELD_NAMES[kind]:
            continue
        wanted = headers_of(value)
        got = [find(h) for h in wanted]
        missing = [h for h, g in zip(wanted, got) if g is None]
        if missing:
            raise InputError(f"{label}: the mapping maps {name!r} to {missing[0]!r}, which this file "
                             f"does not have. Headers seen: {', '.join(repr(h) for h in headers)}.")
        fixed[name] = got[0] if isinstance(value, str) else got
        sources[name] = "--map"
    for name, value in columns.items():
        if name not in FIELD_NAMES[kind]:
            continue
        if value in (None, "", []):
            fixed[name] = None
            sources[name] = "--column"
            continue
        wanted = headers_of(value)
        got = [find(h) for h in wanted]
        if all(g is not None for g in got):
            fixed[name] = got[0] if isinstance(value, str) else got
            sources[name] = "--column"
    return fixed, sources


def fields_sharing_a_header(fields: dict) -> tuple[str, str, str, str] | None:
    """The first two fields of ``fields`` (field -> header, list of headers or None) given one header:
    (field, its header, the later field, its header as written); None when each header holds one field.

    A column holds one field: read for two fields of a file, one of them would take another's values
    (a patient id taken for the claim). Headers are compared as the files' are, ignoring case, spaces
    and punctuation; the same header listed twice for one field (a list field) is no clash.
    """
    settled: dict[str, tuple[str, str]] = {}
    for name, value in fields.items():
        for header in headers_of(value):
            first = settled.setdefault(normalise_header(header), (name, header))
            if first[0] != name:
                return first[0], first[1], name, header
    return None


def one_field_per_header(kind: str, header: str) -> str:
    """Why two fields of one kind of file may not be read from one header (the end of each message
    refusing it: ``--column``, ``--map``, the mapping widget)."""
    return (f"two fields of {kind} files under one header {header!r}; a column holds one field, "
            "so give each field its own header")


def _one_field_per_header(kind: str, fields: dict, named) -> None:
    """Refuse ``fields`` (field -> header) settling two fields of a ``kind`` file to one header (a usage
    error, exit 2; :func:`fields_sharing_a_header`), by --column or a mapping (the mapping widget or a
    hand edit may have written it); ``named(first, its header, later, its header)`` names the two
    entries at the start of the message."""
    shared = fields_sharing_a_header(fields)
    if shared is not None:
        raise UsageError(named(*shared) + ": " + one_field_per_header(kind, shared[3]))


def _one_column_per_header(columns: dict) -> None:
    """Refuse --column settling two fields of one kind of file to one header (:func:`_one_field_per_header`).

    One header may settle fields of different kinds (``--column charge=Amount --column paid=Amount``: the
    claims export's Amount is the charge, the payments export's the payment). The fields a payment file
    reads only to find its lines (:data:`LINE_FINDERS`: ``--column service_date=Date`` for the claims'
    date of service) are left out of the payments' check: such a --column yields, in a payment file,
    to another field under that header (:func:`._fields.propose`).
    """
    for kind, fields in FIELD_NAMES.items():
        _one_field_per_header(kind, {name: value for name, value in columns.items()
                                     if name in fields and name not in LINE_FINDERS.get(kind, ())},
                              lambda first, first_header, later, header:
                              f"--column {first}={first_header} and --column {later}={header}")


def _check_columns_option(columns: dict, seen: dict[str, list[str]]) -> None:
    """Every --column names a known field and a header some file has (else a usage error)."""
    every = {f for names in FIELD_NAMES.values() for f in names}
    for name, value in columns.items():
        if name not in every:
            raise UsageError(f"--column {name}=...: unknown field {name!r}; fields: "
                             + ", ".join(sorted(every)))
        if value in (None, "", []):
            continue
        wanted = headers_of(value)
        for header in wanted:
            hits = [label for label, headers in seen.items()
                    if any(normalise_header(h) == normalise_header(header) for h in headers)]
            if not hits:
                shown = "; ".join(f"{label}: {', '.join(repr(h) for h in hs)}" for label, hs in seen.items())
                raise UsageError(f"--column {name}={header}: no file has a header {header!r} "
                                 f"(headers seen: {shown})")
