"""``recoup import --claims F [--payments F] ... --out FOLDER``: a billing office's files -> an audit folder."""

from __future__ import annotations

import sys

ORDER = 15


def add_parser(sub):
    p = sub.add_parser(
        "import", help="turn practice-management exports, Excel workbooks, 837s and 835s into an audit folder",
        description="Read what a billing office has (CSV or tab, semicolon or pipe separated exports in UTF-8, "
        "Windows-1252 or UTF-16; .xlsx, .xlsm, .xls or .ods workbooks (the first sheet shown that holds cells; "
        "FILE.xlsx#Sheet for another), X12 "
        "837P/837I claim files and 835 remittances), recognise the columns by the names billing systems use, read US "
        "dates, $ amounts and (12.00) negatives, set aside title, total and unreadable rows with "
        "their reasons, and write the audit folder `recoup audit` reads, with mapping.json (give it "
        "back with --map), import_rejected.csv and import_counts.csv.")
    p.add_argument("--claims", action="append", required=True, metavar="FILE",
                   help="claims export (CSV or workbook) or 837 files / a folder of them (repeatable); a "
                   "workbook opening on a cover page is read from the one other sheet holding the table, "
                   "FILE.xlsx#Sheet reads the sheet named")
    p.add_argument("--payments", action="append", metavar="FILE",
                   help="payments export (CSV or workbook, its sheet found as for --claims) or 835 files / a "
                   "folder of them (repeatable)")
    p.add_argument("--coverage", action="append", metavar="FILE", help="coverage export (optional)")
    p.add_argument("--documentation", action="append", metavar="FILE",
                   help="documentation export: note present, signed, documented code (optional)")
    p.add_argument("--column", action="append", default=[], metavar="FIELD=HEADER",
                   help="settle or override a field in every file that has that header, e.g. "
                   "--column service_date='Seen On'; repeat for modifiers or diagnosis_codes to list "
                   "several headers; FIELD= leaves a field out")
    p.add_argument("--fill-down", action="append", default=[], metavar="FIELD",
                   help="a field the report prints only on the first row of each group (a claim's number "
                   "on its first line): blank cells below are filled from the row above (repeatable)")
    p.add_argument("--infer-missing", action="store_true",
                   help="read exports without line numbers or a billed date: each claim's lines numbered in "
                   "the order listed, the service date as the billed date, each payment put on its line by "
                   "CPT code, modifiers and date of service, each note of a documentation export on its line "
                   "by CPT code or on every line of its visit (each noted); without it they stop the import")
    p.add_argument("--map", metavar="MAPFILE", help="a mapping.json written by an earlier import")
    p.add_argument("--out", required=True, help="the audit folder to write (new, or an earlier import's)")
    p.set_defaults(run=run)
    return p


def parse_columns(items: list[str]) -> dict:
    """``["service_date=DOS", "modifiers=Mod A", "modifiers=Mod B"]`` -> {field: header or [headers]}."""
    from ..errors import UsageError
    from ..ingest import LIST_FIELDS

    columns: dict = {}
    for item in items:
        name, sep, header = item.partition("=")
        name = name.strip()
        if not sep or not name:
            raise UsageError(f"--column {item!r}: expected FIELD=HEADER, e.g. --column service_date=DOS")
        header = header.strip()
        if name in LIST_FIELDS and header:
            columns.setdefault(name, [])
            if isinstance(columns[name], list):
                columns[name].append(header)
        else:
            if name in columns and columns[name] != (header or None):
                raise UsageError(f"--column {name}= is given twice ({columns[name] or 'left out'!r} and "
                                 f"{header or 'left out'!r}): give one header for it")
            columns[name] = header or None
    return columns


def run(args) -> int:
    from pathlib import Path

    from ..errors import InputError
    from ..ingest import ImportResult, import_files
    from ..outputs import check_folder
    from . import files_written, next_step, shown_path

    inputs = [p.split("#", 1)[0] for p in (*args.claims, *(args.payments or ()), *(args.coverage or ()),
                                           *(args.documentation or ()), *([args.map] if args.map else ()))]
    check_folder(args.out, inputs=inputs, written_by=ImportResult.written_by)
    result = import_files(args.claims, payments=args.payments, coverage=args.coverage,
                          documentation=args.documentation, columns=parse_columns(args.column),
                          mapping=args.map, fill_down=args.fill_down, infer_missing=args.infer_missing)
    print(result.summary())
    errors, warnings = result.alarms()
    if errors:
        result.write_set_aside(args.out)
        written = (f"The rows set aside, each with its reason: {Path(args.out) / 'import_rejected.csv'}"
                   if len(result.rejected) else f"What was read: {Path(args.out) / 'import_counts.csv'}")
        raise InputError(f"{errors[0]} {written}; the mapping used: {Path(args.out) / 'mapping.json'}.")
    for warning in warnings:
        print(warning, file=sys.stderr)
    paths = result.write(args.out)
    audit = f"recoup audit {shown_path(args.out)} --out AUDIT"
    nxt = (audit if Path(args.out) / "payments.csv" in paths else
           f"add payments.csv to it (or import again with --payments), then {audit}")
    print(f"wrote {files_written(args.out, paths)}; {next_step(nxt)}")
    return 0
