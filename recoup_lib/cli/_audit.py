"""``recoup audit FOLDER --out OUT``: the contract's findings for an audit folder."""

from __future__ import annotations

import sys

ORDER = 20


def add_parser(sub):
    p = sub.add_parser(
        "audit", help="find paid lines at risk of recoupment in an audit folder",
        description="Audit a folder (claim_lines.csv, payments.csv and optional coverage, "
        "documentation and reference files) with the contract's rules. Writes findings.csv, "
        "findings_detail.csv, summary.csv, summary.md, rejected.csv (and rejected_rows/) and run.json to OUT.")
    p.add_argument("folder", help="the audit folder")
    p.add_argument("--out", required=True, help="folder to write the results to")
    p.add_argument("--only", help="comma-separated error types to run (default: all ten)")
    p.add_argument("--no-defaults", action="store_true",
                   help="do not fall back to the shipped reference tables")
    p.add_argument("--xlsx", action="store_true", help="also write audit.xlsx")
    p.add_argument("--max-memory", metavar="SIZE",
                   help="stay within this much memory (e.g. 1GB, 512MB, 2GiB): the folder is split into "
                   "patient partitions on disk and audited one by one; same findings")
    p.add_argument("--workers", type=int, metavar="N",
                   help="cores to use: files read, rules run and partitions audited side by side (default: all)")
    p.add_argument("--engine", choices=("pandas", "spark"), default="pandas",
                   help="spark: run the same rules on Apache Spark (pip install recoup-kit[spark]; "
                   "see docs/scale.md); default pandas")
    p.set_defaults(run=run)
    return p


def run(args) -> int:
    from pathlib import Path

    from ..errors import InputError, InvalidParameterError, NothingUsableError, UsageError
    from ..filekind import present
    from ..outputs import check_folder, output_folder
    from ..rules import ERROR_TYPES, AuditResult, audit_folder, write_audit_set_aside
    from . import files_written, next_step, options_checked, shown_path

    only = None
    if args.only is not None:
        only = [x.strip().lower() for x in args.only.split(",") if x.strip()]
        if not only:
            raise UsageError(f"--only: expected error types separated by commas; got {args.only!r} "
                             f"(known: {', '.join(ERROR_TYPES)})")
        unknown = [x for x in only if x not in ERROR_TYPES]
        if unknown:
            raise UsageError(f"--only: unknown error type(s) {', '.join(unknown)}; "
                             f"known: {', '.join(ERROR_TYPES)}")
    if args.xlsx and (args.max_memory or args.engine != "pandas"):
        raise UsageError("--xlsx needs the lines in memory; leave out --max-memory and --engine spark")
    if args.workers is not None and args.workers < 0:
        raise UsageError(f"--workers: expected a whole number >= 0 (0 = every core); got {args.workers}")
    if args.max_memory is not None:
        from ..rules._partition import checked_budget

        with options_checked():
            checked_budget(args.max_memory, "--max-memory")
    check_folder(args.out, inputs=[args.folder], written_by=AuditResult.written_by)
    try:
        result = audit_folder(args.folder, only=only, use_defaults=not args.no_defaults, engine=args.engine,
                              max_memory=args.max_memory, workers=args.workers)
    except InvalidParameterError as exc:
        raise UsageError(str(exc)) from None
    except NothingUsableError as exc:
        if exc.set_aside is None:
            raise
        with output_folder(args.out, inputs=[args.folder], written_by=AuditResult.written_by) as folder:
            write_audit_set_aside(exc.set_aside, folder, str(exc))
        raise InputError(f"{exc} The rows set aside, each with its reason: "
                         f"{Path(args.out) / 'rejected.csv'} (no findings were written).") from None
    with output_folder(args.out, inputs=[args.folder], written_by=AuditResult.written_by) as folder:
        names = [p.relative_to(folder) for p in result.write(folder)]
        if args.xlsx:
            from ..report import write_audit_workbook

            write_audit_workbook(result, folder / "audit.xlsx")
            names.append(Path("audit.xlsx"))
    print(result.summary())
    print(f"wrote {files_written(args.out, [Path(args.out) / n for n in names])}")
    labels = Path(args.folder) / "labels.csv"
    score = ([f"recoup score {shown_path(Path(args.out) / 'findings.csv')} {shown_path(labels)}"]
             if present(labels) else [])
    print(next_step(*score, f"recoup report {shown_path(args.folder)} --out REPORT"))
    for warning in result.inputs.warnings:
        print(warning, file=sys.stderr)
    return 0
