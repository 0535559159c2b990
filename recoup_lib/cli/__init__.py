"""The ``recoup`` command: a thin front end over the library.

Each sub-command lives in its own module ``recoup_lib/cli/_<name>.py`` with
two functions, ``add_parser(subparsers)`` and ``run(args) -> int``; this
module finds them, so adding a command never touches a shared list. Business
logic stays in the library; these modules parse options, call it, write files
and print a short report.

Exit status (``docs/contract.md``, "Errors"): 0 ok, 1 the results could not be
produced (a required file or column is missing, an input is unusable), 2 the
command was called wrongly. Bad input never ends in a traceback; set
``RECOUP_DEBUG=1`` to see one for an unexpected internal error.
"""

from __future__ import annotations

import argparse
import contextlib
import importlib
import io
import os
import pkgutil
import sys
from pathlib import Path

from ..errors import InvalidParameterError, RecoupError, UsageError
from ..wording import shown_path

__all__ = ["main", "build_parser", "options_checked", "files_written", "next_step", "audit_folder_of", "shown_path"]


@contextlib.contextmanager
def options_checked():
    """Report a bad argument the library rejects as a usage error (exit status 2).

    Wrap the call that receives the command's options: an
    :class:`~recoup_lib.errors.InvalidParameterError` it raises becomes a
    :class:`~recoup_lib.errors.UsageError` with the same message.
    """
    try:
        yield
    except InvalidParameterError as exc:
        raise UsageError(str(exc)) from None


def files_written(out, paths, shown: int = 10) -> str:
    """``N files to OUT (a, b, ...)``: what a command wrote, for its last line; the names are relative
    to ``out`` (``rejected_rows/claim_lines.csv``), the first ``shown`` of them, then how many more."""
    from ..wording import listed

    names = [Path(p).relative_to(Path(out)).as_posix() for p in paths]
    return f"{len(names)} files to {out} ({listed(names, shown)})"


def next_step(*commands: str) -> str:
    """``next: COMMAND`` (several: ``next: A, or B``): the pipeline's next command, with the user's own
    paths, that a command prints last so a person can follow the pipeline from its output."""
    return "next: " + ", or ".join(commands)

def audit_folder_of(files) -> Path | None:
    """The audit folder the 835s given belong to (its ``remits/``, or the folder itself), when the first
    one given sits in or is a folder holding claim_lines.csv (anything under its name: the command the
    next step names reads it and says what it is); else None."""
    from ..filekind import present

    first = Path(files[0])
    here = first if first.is_dir() else first.parent
    return next((f for f in (here, here.parent) if present(f / "claim_lines.csv")), None)


def _command_modules():
    modules = []
    for info in pkgutil.iter_modules(__path__):
        if info.name.startswith("_") and not info.name.startswith("__"):
            modules.append(importlib.import_module(f"{__name__}.{info.name}"))
    return sorted(modules, key=lambda m: (getattr(m, "ORDER", 100), m.__name__))


class _Parser(argparse.ArgumentParser):
    """argparse with exit status 2 and a one-line message on usage errors."""

    def error(self, message):  # noqa: D401 - argparse API
        self.print_usage(sys.stderr)
        self.exit(2, f"{self.prog}: usage error: {message}\n")


def build_parser() -> argparse.ArgumentParser:
    parser = _Parser(
        prog="recoup",
        description="RecoupKit: audit claims for recoupment risk, read 835 remittances, "
        "decide appeals, and train billing staff.",
    )
    sub = parser.add_subparsers(dest="command", metavar="COMMAND", parser_class=_Parser)
    sub.required = True
    for module in _command_modules():
        module.add_parser(sub)
    return parser


def _check_out_given(argv: list[str]) -> None:
    """An ``--out`` given as empty text is a usage error (argparse would read it as "no --out", or
    as the working folder)."""
    for i, arg in enumerate(argv):
        value = argv[i + 1] if arg == "--out" and i + 1 < len(argv) else (
            arg[len("--out="):] if arg.startswith("--out=") else None)
        if value is not None and not value.strip():
            raise UsageError("--out: expected a path; got an empty one")


class _ReaderMayLeave:
    """Standard output that outlives its reader: once a pipe's reader has gone (``recoup audit ... |
    head -1``), what is printed is dropped and the command finishes its work, rather than stopping
    at its next line of output with a "Broken pipe" that would read as a failed run."""

    def __init__(self, stream):
        self.stream, self.gone = stream, False

    def write(self, text: str) -> int:
        if not self.gone:
            try:
                return self.stream.write(text)
            except BrokenPipeError:
                self.gone = True
        return len(text)

    def flush(self) -> None:
        if not self.gone:
            try:
                self.stream.flush()
            except BrokenPipeError:
                self.gone = True

    def __getattr__(self, name):
        return getattr(self.stream, name)


def _drop_output_of(stream) -> None:
    """Point a stream whose reader has gone at the null device, so Python's own flush at exit is quiet."""
    with contextlib.suppress(OSError, ValueError, AttributeError, io.UnsupportedOperation):
        null = os.open(os.devnull, os.O_WRONLY)
        os.dup2(null, stream.fileno())
        os.close(null)


def main(argv: list[str] | None = None) -> int:
    """Entry point of the ``recoup`` console script; returns the exit status."""
    stdout = sys.stdout
    sys.stdout = guarded = _ReaderMayLeave(stdout)
    try:
        return _main(argv)
    finally:
        sys.stdout = stdout
        if guarded.gone:
            _drop_output_of(stdout)


def _main(argv: list[str] | None) -> int:
    parser = build_parser()
    given = [str(a) for a in (sys.argv[1:] if argv is None else argv)]
    args = parser.parse_args(given)
    try:
        _check_out_given(given)
        return int(args.run(args) or 0)
    except RecoupError as exc:
        print(f"recoup {args.command}: {exc}", file=sys.stderr)
        return exc.exit_status
    except KeyboardInterrupt:
        print(f"recoup {args.command}: interrupted", file=sys.stderr)
        return 130
    except OSError as exc:
        # An input the system cannot read (a folder where a file was expected, a broken link, ...).
        where = exc.filename if exc.filename is not None else "an input"
        print(f"recoup {args.command}: {where}: cannot be read ({exc.strerror or exc})", file=sys.stderr)
        return 1
    except (MemoryError, RecursionError) as exc:
        what = "not enough memory" if isinstance(exc, MemoryError) else "an input nested too deeply"
        print(f"recoup {args.command}: {what} to produce the results; nothing was written", file=sys.stderr)
        return 1
    except Exception as exc:  # noqa: BLE001 - the last line of defence against tracebacks
        if os.environ.get("RECOUP_DEBUG"):
            raise
        print(
            f"recoup {args.command}: unexpected error: {type(exc).__name__}: {exc} "
            "(set RECOUP_DEBUG=1 for details and please report it)",
            file=sys.stderr,
        )
        return 1


if __name__ == "__main__":  # pragma: no cover
    sys.exit(main())
