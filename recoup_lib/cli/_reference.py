"""``recoup reference``: convert CMS's NCCI files, and explain codes.

Sub-commands::

    recoup reference import-ptp FILE... [--out ncci_ptp.csv]
    recoup reference import-mue FILE... [--out mue.csv]
    recoup reference import-interest-rates FILE [--out medicare_interest_rates.csv]
    recoup reference explain CODE...
    recoup reference list

The imports read CMS's quarterly files exactly as downloaded (``.txt``,
``.csv``, ``.xlsx`` or ``.zip``; see :mod:`recoup_lib.reference.cms`) and
write the contract CSV an audit folder takes. Rows that cannot be used go to
``<out>_rejected.csv`` with their reasons; the summary lists every source
file with its row counts.
"""

from __future__ import annotations

import argparse
from pathlib import Path

ORDER = 80

_SHOWN_PROBLEMS = 10


def add_parser(subparsers) -> argparse.ArgumentParser:
    parser = subparsers.add_parser(
        "reference",
        help="convert CMS NCCI PTP/MUE files; explain CARC, RARC, PLB and other codes",
        description="Work with the kit's reference tables: convert CMS's quarterly NCCI "
        "files to ncci_ptp.csv / mue.csv, and explain the codes on remittances.",
    )
    actions = parser.add_subparsers(dest="action", metavar="ACTION", parser_class=type(parser))
    actions.required = True

    for action, contract, what in (
        ("import-ptp", "ncci_ptp.csv", "NCCI procedure-to-procedure (PTP) edit files, e.g. the "
         "four practitioner parts ccipra-v322r0-f1..f4 (.txt, .xlsx or .zip)"),
        ("import-mue", "mue.csv", "one setting's MUE table, e.g. "
         "MCR_MUE_PractitionerServices_Eff_04-01-2024 (.csv, .xlsx or .zip)"),
    ):
        sub = actions.add_parser(
            action, help=f"convert CMS files to {contract}",
            description=f"Read {what} as downloaded from CMS and write {contract} in the kit's "
            "contract format. Several files are concatenated.")
        sub.add_argument("files", nargs="+", metavar="FILE", help="CMS file(s) as downloaded")
        sub.add_argument("--out", default=contract, metavar="PATH",
                         help=f"output CSV, or a folder to write {contract} in (default: ./{contract})")
        sub.add_argument("--keep-cms-columns", action="store_true",
                         help="also write CMS's own columns (rationale, ...) after the contract ones")
        sub.set_defaults(contract=contract)

    sub = actions.add_parser(
        "import-interest-rates", help="load CMS's quarterly Medicare interest-rate notices",
        description="Read a CSV of CMS's quarterly interest-rate notices (effective_date, rate_percent "
        "[, end_date, source]; or the Period and Interest Rate columns of a transmittal's rate table) and "
        "write medicare_interest_rates.csv: the shipped rate table with the loaded rates in place of every "
        "period they cover (the placeholder rows among them). Put it in an appeal folder, or in the folder "
        "given to recoup appeal --profiles, and interest is computed at the published rates.")
    sub.add_argument("files", nargs=1, metavar="FILE", help="CSV of rate notices")
    sub.add_argument("--out", default="medicare_interest_rates.csv", metavar="PATH",
                     help="output CSV, or a folder to write medicare_interest_rates.csv in "
                     "(default: ./medicare_interest_rates.csv); an existing file is never overwritten")

    sub = actions.add_parser("explain", help="say what codes mean (CARC, RARC, PLB, group, POS, ...)",
                             description="Explain codes from remittances and claims: CARCs "
                             "(45, CO-45, B13), RARCs (N362), PLB reasons (WO), CAS groups (CO), "
                             "place of service (11), claim status (22) and office E/M codes. A "
                             "code may hold several as pasted: 45,96 or 'CO-45 CO-96' or OA*23.")
    sub.add_argument("codes", nargs="+", metavar="CODE")

    actions.add_parser("list", help="list the shipped reference tables",
                       description="List the reference tables shipped with the kit.")
    parser.set_defaults(run=run)
    return parser


def run(args) -> int:
    if args.action in ("import-ptp", "import-mue"):
        return _import(args)
    if args.action == "import-interest-rates":
        return _import_rates(args)
    if args.action == "explain":
        return _explain(args.codes)
    return _list()


def _import(args) -> int:
    from ..errors import InputError
    from ..folder import write_csv
    from ..outputs import check_file, output_file, written_unchanged
    from ..reference import cms
    from ..wording import no_usable_row, rows_counted

    out = Path(args.out)
    if out.is_dir():
        out = out / args.contract
    rejected_path = out.with_name(f"{out.stem}_rejected.csv")
    kind = "ptp" if args.action == "import-ptp" else "mue"
    step = cms.WRITTEN_BY[kind]
    check_file(out, inputs=args.files, written_by=step)
    reader = cms.read_ptp if kind == "ptp" else cms.read_mue
    result = reader(args.files)
    noun = "edits" if result.kind == "ptp" else "codes"
    print(f"recoup reference {args.action}: read {len(result.sources)} table(s)")
    for row in result.sources.itertuples(index=False):
        about = f" ({row.description})" if row.description else ""
        notes = f", {row.text_lines_skipped:,} note line(s) skipped" if row.text_lines_skipped else ""
        counted = rows_counted(row.rows_in_file, row.rows_used, row.rows_set_aside, row.blank_rows_skipped)
        print(f"  {row.file}{about}: {counted}{notes}")
    for line in result.skipped:
        print(f"  skipped {line}")
    if result.rows_set_aside:
        check_file(rejected_path, inputs=args.files, written_by=step)
    if result.rows_used == 0:
        names = ", ".join(Path(f).name for f in args.files)
        held = no_usable_row(result.rows_set_aside, result.blank_rows)
        if not result.rows_set_aside:
            raise InputError(f"{names}: no usable row ({held}); {out.name} not written")
        _write_rejected(result, rejected_path, args.files, step)
        raise InputError(f"{names}: no usable row ({held}; first: {result.problems[0].message}); {out.name} "
                         f"not written, the reasons are in {rejected_path}")
    with output_file(out, inputs=args.files, written_by=step) as path:
        write_csv(result.contract_frame(extra=args.keep_cms_columns), path)
    counted = rows_counted(result.rows_in_file, result.rows_used, result.rows_set_aside, result.blank_rows)
    print(f"wrote {out}: {result.rows_used:,} {noun} ({counted})")
    if result.rows_set_aside:
        _write_rejected(result, rejected_path, args.files, step)
    elif rejected_path.is_file() and written_unchanged(rejected_path, step):
        rejected_path.unlink()  # an earlier run's: its rows are not those of the table just written
    return 0


def _write_rejected(result, rejected_path: Path, inputs, step: str) -> None:
    """Write the rows set aside with their reasons, and show the first problems."""
    from ..folder import write_csv
    from ..outputs import output_file

    rejected = result.rejected.rename(columns={"_file": "file", "_row": "row", "_reason": "reason"})
    with output_file(rejected_path, inputs=inputs, written_by=step) as path:
        write_csv(rejected, path)
    print(f"rows set aside, with reasons: {rejected_path}")
    for problem in result.problems[:_SHOWN_PROBLEMS]:
        print(f"  {problem.message}")
    if len(result.problems) > _SHOWN_PROBLEMS:
        print(f"  ... and {len(result.problems) - _SHOWN_PROBLEMS:,} more in {rejected_path.name}")


def _import_rates(args) -> int:
    from ..appeals import RATES_WRITTEN_BY, load_profiles, merge_rate_notices, read_rate_notices
    from ..folder import to_text_frame, write_csv
    from ..outputs import check_file, output_file
    from ..wording import rows_counted

    out = Path(args.out)
    if out.is_dir():
        out = out / "medicare_interest_rates.csv"
    check_file(out, inputs=args.files, written_by=RATES_WRITTEN_BY)
    notices = read_rate_notices(args.files[0])
    merged = merge_rate_notices(load_profiles().interest_rates, notices)
    with output_file(out, inputs=args.files, written_by=RATES_WRITTEN_BY) as path:
        write_csv(to_text_frame(merged), path, text=True)
    placeholders = int(merged["note"].str.upper().str.contains("PLACEHOLDER").sum())
    counted = rows_counted(notices.rows_in_file, notices.rows_used, notices.rows_set_aside, notices.blank_rows)
    print(f"recoup reference import-interest-rates: {Path(args.files[0]).name}: {counted}")
    for problem in notices.problems:  # a file of a few notices a year: every row set aside is shown
        print(f"  {problem.message}")
    first, last = notices.rates["effective_date"].min(), notices.rates["end_date"].max()
    span = (f"from {first:%Y-%m-%d} on (the last one is still in force)" if notices.rates["end_date"].isna().any()
            else f"{first:%Y-%m-%d} to {last:%Y-%m-%d}")
    print(f"wrote {out}: {len(merged)} rate period(s); the loaded rates cover {span}; "
          f"{placeholders} placeholder row(s) left")
    return 0


def _explain(codes: list[str]) -> int:
    """Print what each code means; exit 1 when none of them is in any table.

    An argument may hold several codes as a user pastes them (see
    :func:`~recoup_lib.reference.codes.pasted_codes`). A blank code is a
    usage error (exit 2) and nothing is printed. When some codes are known
    and some are not, the known ones are explained, the unknown ones are
    named, and the run succeeds (exit 0).
    """
    from ..errors import InputError, UsageError
    from ..reference import codes as lookup

    pasted = [lookup.pasted_codes(code) for code in codes]
    blank = [position for position, found in enumerate(pasted, start=1) if not found]
    if blank:
        where = ", ".join(str(position) for position in blank)
        raise UsageError(f"explain: code {where} of the {len(codes)} given is empty; give codes such as "
                         "45, CO-45, N362, WO or 11")
    unknown_note = ("not in the kit's code tables (CARC, RARC, PLB, CAS group, place of service, "
                    "claim status, office E/M)")
    explained = []
    for given, found_codes in zip(codes, pasted):
        pieces = [(code, lookup.explain(code)) for code in found_codes]
        known = any(found["known"].any() for _, found in pieces)
        explained += pieces if known else [(given.strip(), None)]  # nothing known: named as given
    unknown = [code for code, found in explained if found is None or not found["known"].any()]
    if len(unknown) == len(explained):
        raise InputError(f"explain: {', '.join(unknown)}: {unknown_note}")
    for code, found in explained:
        if code in unknown:
            print(f"{code}: {unknown_note}")
            continue
        for row in found.itertuples(index=False):
            print(f"{row.code} [{row.table}]: {row.meaning}" if row.known else f"{row.code}: {row.meaning}")
    return 0


def _list() -> int:
    from .. import reference

    for name in reference.available():
        print(name)
    return 0
