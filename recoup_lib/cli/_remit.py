"""``recoup remit FILE.835 ... --out OUT``: read 835 remittances, check balance, list recoupments.

Writes (docs/contract.md, "Remittances") ``transactions.csv``, ``payments.csv``,
``provider_adjustments.csv`` and ``recoupments.csv``, plus
``service_lines.csv``, ``adjustments.csv``, ``rejected.csv`` (what was set
aside and why), ``warnings.csv``, ``files.csv`` and ``summary.json``.
The work is :func:`recoup_lib.remit.read_835`.

Exit status: 0 when at least one transaction could be used (unbalanced
transactions and set-aside files are reported, not fatal); 1 when nothing
could be read; 2 on a usage error.
"""

from __future__ import annotations

from pathlib import Path

ORDER = 30


def add_parser(subparsers) -> None:
    parser = subparsers.add_parser(
        "remit",
        help="read X12 835 remittances: payments, balance checks, recoupments",
        description="Read X12 835 remittance files (5010, and 4010), check that every "
        "payment balances, and list the money taken back (reversals and PLB offsets).",
    )
    parser.add_argument("files", nargs="+", metavar="FILE",
                        help="835 files, or folders of them")
    parser.add_argument("--out", type=Path, default=None, metavar="OUT",
                        help="folder for the CSV results (created if needed); without it, "
                        "only the summary is printed")
    parser.set_defaults(run=run)


def run(args) -> int:
    from ..filekind import present
    from ..outputs import check_folder
    from ..remit import Remit, read_835
    from . import audit_folder_of, next_step, shown_path

    if args.out is not None:
        check_folder(args.out, inputs=args.files, written_by=Remit.written_by)
    remit = read_835(args.files)
    written = remit.write(args.out, inputs=args.files) if args.out is not None else []
    print(remit.summary())
    if written:
        print(f"Wrote {len(written)} files to {args.out}: "
              + ", ".join(p.name for p in written) + ".")
    remit.require_loaded(f" (see {args.out / 'rejected.csv'})" if written else "")
    folder = audit_folder_of(args.files)
    notices = [] if folder is None or not present(folder / "notices.csv") else [
        "--notices", shown_path(folder / "notices.csv")]
    print(next_step(" ".join(["recoup reconcile", *reconcile_inputs(args.files), *notices, "--out RECON"])))
    return 0


def reconcile_inputs(files) -> list[str]:
    """The 835s given, as the next: line gives them to reconcile, short enough to read: as given when
    there are at most :data:`~recoup_lib.wording.SHOWN` of them; else the folders they sit in when those
    are few and every file the folders hold was given (``recoup remit practice/remits/*``:
    ``practice/remits``); else the first few and ``...``."""
    from ..filekind import resolved
    from ..wording import SHOWN, shown_path
    from ..x12 import files_below

    if len(files) <= SHOWN:
        return [shown_path(f) for f in files]
    given = [Path(f) for f in files]
    folders = list(dict.fromkeys(p if p.is_dir() else p.parent for p in given))
    folders = [f for f in folders if not any(other in f.parents for other in folders)]
    given_files = {resolved(p) for p in given if not p.is_dir()}
    given_folders = [resolved(p) for p in given if p.is_dir()]

    def given_or_inside(path: Path) -> bool:
        path = resolved(path)
        return path in given_files or any(folder in path.parents for folder in given_folders)

    if len(folders) <= SHOWN and all(given_or_inside(p) for f in folders for p in files_below(f)):
        return [shown_path(f) for f in folders]
    return [shown_path(f) for f in files[:SHOWN]] + ["..."]
