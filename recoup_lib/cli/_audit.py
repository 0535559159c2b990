"""``recoup audit FOLDER --out OUT``: the contract's findings for an audit folder."""

from __future__ import annotations

ORDER = 20


def add_parser(sub):
    p = sub.add_parser(
        "audit", help="find paid lines at risk of recoupment in an audit folder",
        description="Audit a folder (claim_lines.csv, payments.csv and optional coverage, "
        "documentation and reference files) with the contract's rules. Writes findings.csv, "
        "summary.csv, summary.md, rejected.csv and run.json to OUT.")
    p.add_argument("folder", help="the audit folder")
    p.add_argument("--out", required=True, help="folder to write the results to")
    p.add_argument("--only", help="comma-separated error types to run (default: all ten)")
    p.add_argument("--no-defaults", action="store_true",
                   help="do not fall back to the shipped reference tables")
    p.add_argument("--xlsx", action="store_true", help="also write audit.xlsx")
    p.set_defaults(run=run)
    return p


def run(args) -> int:
    from pathlib import Path

    from ..errors import UsageError
    from ..outputs import check_folder, output_folder
    from ..rules import ERROR_TYPES, audit_folder

    only = None
    if args.only:
        only = [x.strip() for x in args.only.split(",") if x.strip()]
        unknown = [x for x in only if x not in ERROR_TYPES]
        if unknown:
            raise UsageError(f"--only: unknown error type(s) {', '.join(unknown)}; "
                             f"known: {', '.join(ERROR_TYPES)}")
    check_folder(args.out, inputs=[args.folder])
    result = audit_folder(args.folder, only=only, use_defaults=not args.no_defaults)
    with output_folder(args.out, inputs=[args.folder], written_by="recoup audit") as folder:
        result.write(folder)
        if args.xlsx:
            from ..report import write_audit_workbook

            write_audit_workbook(result, folder / "audit.xlsx")
    print(result.summary())
    print(f"wrote {Path(args.out) / 'findings.csv'}")
    return 0
