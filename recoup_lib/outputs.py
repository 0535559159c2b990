"""Output safety: what the kit writes is its own, appears whole, and leaves nothing stale.

``docs/contract.md`` ("Output safety") promises three things, kept here in one
place for every command and every :meth:`StepResult.write
<recoup_lib.results.StepResult.write>`:

- **Never over a file the kit did not write.** An output folder carries a
  small manifest, ``.recoup-manifest.json``, listing each file the kit wrote
  there with its size and checksum (:mod:`recoup_lib.manifest` keeps these
  records). An ``--out`` folder is refused (a
  :class:`~recoup_lib.errors.UsageError`, exit status 2) when it is an input,
  lies inside an input folder, holds an input, or holds anything the
  manifest does not list as written and unchanged: a file of the user's, or
  one of the kit's that someone edited since. ``recoup generate --force``
  replaces a practice anyway, but keeps the files it did not write.
- **Whole or not at all.** Results are written into a hidden folder beside
  the target (``.NAME.recoup-new-...``) and moved into place only when
  complete, so an interrupted or failed run leaves the previous result or
  nothing, and a rerun leaves no stale file (old letters, old rejected rows,
  an old workbook) of an earlier run.
- **One file** (``recoup score --out FILE``, ``recoup exercises grade --out
  FILE``, the reference imports) is written beside its target and renamed
  over it. An existing target is replaced only when the kit can tell it
  wrote it: the folder's manifest lists it, or the file carries the kit's
  mark (an extended attribute holding its size and checksum, where the file
  system keeps them), or the caller recognises it (a trainee notebook built
  from its master).

:func:`output_folder` and :func:`output_file` are the two context managers;
:func:`writes_folder` wraps a result's ``write`` method with the first.
"""

from __future__ import annotations

import contextlib
import errno
import functools
import os
import re
import secrets
import shutil
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path
from typing import Callable, Iterable

from .errors import UsageError
from .filekind import resolved
from .manifest import (COUNT_CAP, MANIFEST, file_writer, fingerprint, foreign_entries, other_writers, read_manifest,
                       record_file, same_writer, write_manifest, written_unchanged)
from .wording import SHOWN, listed

__all__ = [
    "MANIFEST",
    "listed",
    "check_folder",
    "check_file",
    "output_folder",
    "output_file",
    "writes_folder",
    "record_file",
    "staged",
    "vouch",
    "written_unchanged",
]

_NEW, _OLD = "recoup-new", "recoup-old"

#: Staging folders being written by this process (a nested write goes straight into them).
_ACTIVE: set[Path] = set()


def staged(path) -> bool:
    """Whether ``path`` is, or lies inside, a staging folder (or file) this process is writing:
    writers put such a path straight in place (it is made whole when the staging ends)."""
    if not _ACTIVE:
        return False
    target = _absolute(path)
    # A copy: another thread writing a file of its own may add to the set meanwhile.
    return any(target == stage or stage in target.parents for stage in tuple(_ACTIVE))


def _absolute(path: str | os.PathLike) -> Path:
    """``path`` made absolute with symbolic links resolved, without requiring it to exist (:func:`resolved`)."""
    try:
        text = os.fspath(path)
    except TypeError:
        raise UsageError(f"--out: expected a path; got {path!r}") from None
    if not str(text).strip():
        raise UsageError("--out: expected a path; got an empty one")
    if "\0" in str(text):
        raise UsageError(f"--out {text!r}: a path cannot hold a NUL character")
    return resolved(Path(text).expanduser())


def _fingerprints(paths: list[Path]) -> list[dict]:
    """:func:`fingerprint` of each path, two files at a time (reading and checksumming release
    Python's lock: a generated practice's 120 MB are summed in about half the time); a file its
    writer vouched for (:func:`vouch`) and that has not changed since is not read again."""
    known = [_vouched(path) for path in paths]
    unknown = [path for path, fingerprint in zip(paths, known) if fingerprint is None]
    if len(unknown) < 2:
        summed = [fingerprint(path) for path in unknown]
    else:
        with ThreadPoolExecutor(max_workers=2) as pool:
            summed = list(pool.map(fingerprint, unknown))
    summed.reverse()
    return [fingerprint if fingerprint is not None else summed.pop() for fingerprint in known]


#: Checksums their writers vouched for (:func:`vouch`), by absolute path, with the file's state then.
_VOUCHED: dict[Path, tuple] = {}


def _state(stat: os.stat_result) -> tuple:
    return stat.st_size, stat.st_mtime_ns, stat.st_ctime_ns, stat.st_ino, stat.st_dev


def vouch(path, size: int, crc32: int) -> None:
    """Record the checksum of a file being written into a staging folder, as its writer computed it.

    A writer that had the bytes in hand (a generated practice's files,
    written block by block by several processes, checksummed there and
    combined with :func:`combine_crc32`) saves :func:`output_folder`
    reading the whole file back for its manifest. Call it once the file is
    complete. The record is used only while the file keeps the size,
    times, and inode it had when vouched for, and only for a file inside a
    staging folder this process is writing; otherwise the file is read
    and checksummed as any other.
    """
    target = _absolute(path)
    if not staged(target):
        return
    try:
        stat = target.stat()
    except OSError:
        return
    if stat.st_size == size:
        _VOUCHED[target] = (_state(stat), {"bytes": int(size), "crc32": f"{crc32 & 0xFFFFFFFF:08x}"})


def _vouched(path: Path) -> dict | None:
    """The fingerprint vouched for ``path`` if the file is as it was then (the record is used once)."""
    recorded = _VOUCHED.pop(path, None)
    if recorded is None:
        return None
    try:
        same = _state(path.stat()) == recorded[0]
    except OSError:
        return None
    return recorded[1] if same else None


def _check_inputs(out: Path, inputs: Iterable, option: str, shown: str) -> None:
    """Refuse an output that is an input, lies inside an input folder, or holds an input."""
    for given in inputs or ():
        if given is None:
            continue
        source = _absolute(given)
        if source == out:
            raise UsageError(f"{option} {shown}: this is an input of the command ({given}); "
                             "choose another place for the results")
        if source.is_dir() and source in out.parents:
            raise UsageError(f"{option} {shown}: inside the input folder {given}; the results would "
                             "mix with the files they were made from; choose a folder outside it")
        if out in source.parents:
            raise UsageError(f"{option} {shown}: holds the input {given}; writing there would replace it; "
                             "choose another folder")


def _parent_usable(path: Path, option: str, shown: str) -> None:
    """The nearest existing ancestor must be a folder (not a file) the kit may write in."""
    for ancestor in path.parents:
        if ancestor.exists():
            if not ancestor.is_dir():
                raise UsageError(f"{option} {shown}: cannot be written: {ancestor} is a file, not a folder")
            if not os.access(ancestor, os.W_OK | os.X_OK):
                raise UsageError(f"{option} {shown}: cannot be written: no permission to write in {ancestor}")
            return


def check_folder(out, *, inputs: Iterable = (), force: bool = False, written_by: str = "recoup",
                 option: str = "--out", hint: str = "") -> Path:
    """Check that the step ``written_by`` may write the folder ``out``; return it made absolute.

    Parameters
    ----------
    out : path-like
        The output folder (created if missing).
    inputs : iterable of path-like
        The command's input files and folders.
    force : bool, default False
        Accept a folder holding files the kit did not write, or another step
        wrote (they are kept).
    written_by : str
        The step writing (``"recoup audit"``): only the files it wrote itself
        may be replaced.
    option : str
        The option named in messages.
    hint : str
        Added to the refusal of a folder holding files the step may not
        replace (``recoup generate`` names its ``--force``).

    Raises
    ------
    UsageError
        ``out`` is a file, cannot be written, is or holds an input or lies in
        an input folder, or (without ``force``) holds files another step
        wrote, files the kit did not write, or files that changed since it
        wrote them.
    """
    shown = os.fspath(out) if isinstance(out, (str, os.PathLike)) else repr(out)
    target = _absolute(out)
    if target.exists() and not target.is_dir():
        raise UsageError(f"{option} {shown}: a file is in the way; expected a folder (it is created if missing)")
    if target == Path(target.anchor):
        raise UsageError(f"{option} {shown}: the root of the file system cannot be an output folder")
    _check_inputs(target, inputs, option, shown)
    _parent_usable(target, option, shown)
    if target.is_dir() and not force:
        recorded = read_manifest(target)
        _refuse_other_writers(target, written_by, recorded, option, shown, hint)
        foreign, count = foreign_entries(target, limit=SHOWN, recorded=recorded)
        if foreign:
            raise UsageError(
                f"{option} {shown}: holds files the kit did not write, or changed since it wrote them "
                f"({listed(foreign, total=count, at_least=count >= COUNT_CAP)}); the kit never writes over them. "
                "Choose a new or empty folder"
                + (f"{hint}" if hint else ""))
    return target


def _writer_named(writer: str) -> str:
    return f"`{writer}`" if writer else "an older version of the kit (which did not record the command)"


def _refuse_other_writers(target: Path, written_by: str, recorded: dict, option: str, shown: str, hint: str) -> None:
    """Refuse a folder holding results another step wrote (its manifest lists them, ``recorded``): writing
    there would delete them (a mistyped ``--out`` naming another command's folder)."""
    others = other_writers(target, written_by, recorded)
    if not others:
        return
    files = [rel for found in others.values() for rel in found]
    writers = [_writer_named(writer) for writer in sorted(others)]
    raise UsageError(
        f"{option} {shown}: holds the results of {listed(writers)} ({listed(files)}); "
        f"`{written_by}` writes over only its own results, so writing there would delete them. "
        "Choose a new or empty folder" + (f"{hint}" if hint else ""))


def _pid_alive(pid: int) -> bool:
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    except (PermissionError, OSError):
        return True
    return True


_LEFTOVER = re.compile(r"^(recoup-new|recoup-old)-(\d+)-[0-9a-f]{8}$")


def _leftovers(target: Path):
    """Staging folders an earlier run on ``target`` left behind (killed before it could tidy up)."""
    prefix = f".{target.name[:100]}."
    try:
        entries = list(target.parent.iterdir())
    except OSError:
        return
    for entry in entries:
        if not entry.name.startswith(prefix) or entry.is_symlink() or not entry.is_dir():
            continue
        match = _LEFTOVER.match(entry.name[len(prefix):])
        if match and not _pid_alive(int(match.group(2))):
            yield match.group(1), entry


def _tidy(target: Path) -> None:
    """Remove an earlier run's staging folders; put back a previous result a killed swap left aside."""
    for kind, entry in list(_leftovers(target)):
        if kind == _OLD and not target.exists():
            with contextlib.suppress(OSError):
                entry.rename(target)
                continue
        if kind == _NEW or target.exists():
            shutil.rmtree(entry, ignore_errors=True)


def _sibling(target: Path, kind: str) -> Path:
    return target.parent / f".{target.name[:100]}.{kind}-{os.getpid()}-{secrets.token_hex(4)}"


def _link_or_copy(source: Path, destination: Path) -> None:
    destination.parent.mkdir(parents=True, exist_ok=True)
    try:
        os.link(source, destination, follow_symlinks=False)
    except OSError:
        shutil.copy2(source, destination, follow_symlinks=False)


def _inside_cwd(target: Path) -> bool:
    try:
        cwd = Path.cwd().resolve()
    except OSError:
        return False
    return cwd == target or target in cwd.parents


def _swap(stage: Path, target: Path) -> None:
    """Put the complete ``stage`` where ``target`` is; the previous ``target`` (if any) goes."""
    if not target.exists():
        stage.rename(target)
        return
    if not _inside_cwd(target):
        old = _sibling(target, _OLD)
        try:
            target.rename(old)
        except OSError as exc:
            if exc.errno not in (errno.EBUSY, errno.EXDEV, errno.EPERM, errno.EACCES):
                raise
        else:
            try:
                stage.rename(target)
            except BaseException:
                old.rename(target)
                raise
            shutil.rmtree(old, ignore_errors=True)
            return
    # The folder itself cannot move (the working folder, a mount point): swap what it holds.
    # The manifest goes first and comes back last, so a half-swapped folder never looks complete.
    old = _sibling(target, _OLD)
    old.mkdir()
    (old / MANIFEST).write_text("{}\n", encoding="utf-8")
    with contextlib.suppress(FileNotFoundError):
        (target / MANIFEST).unlink()
    for entry in sorted(target.iterdir()):
        entry.rename(old / entry.name)
    for entry in sorted(stage.iterdir(), key=lambda p: p.name == MANIFEST):
        entry.rename(target / entry.name)
    shutil.rmtree(old, ignore_errors=True)
    shutil.rmtree(stage, ignore_errors=True)


def _unwritable(option: str, shown: str, exc: OSError) -> UsageError:
    return UsageError(f"{option} {shown}: cannot be written ({exc.strerror or exc})")


def _inside(path, folder: Path) -> bool:
    try:
        return resolved(os.fspath(path)).is_relative_to(folder)
    except (TypeError, ValueError, OSError):
        return False


@contextlib.contextmanager
def _writing(folder: Path, option: str, shown: str):
    """An OS error about a file inside ``folder`` (the disk is full, ...) means the output cannot be
    written: a usage error naming ``option``. Other errors pass unchanged."""
    try:
        yield
    except OSError as exc:
        if exc.filename is None or _inside(exc.filename, folder):
            raise _unwritable(option, shown, exc) from None
        raise


@contextlib.contextmanager
def output_folder(out, *, inputs: Iterable = (), force: bool = False, written_by: str = "recoup",
                  option: str = "--out", hint: str = ""):
    """Write a result folder whole: yield an empty staging folder, then move it into place.

    Parameters
    ----------
    out : path-like
        The folder the results belong in (see :func:`check_folder`).
    inputs : iterable of path-like
        The command's inputs (an output is never one, inside one, or holding one).
    force : bool, default False
        Replace a folder holding files the kit did not write, or another step
        wrote; those files are kept (carried into the new folder, another
        step's with their records), the step's own are replaced, even edited
        ones. A file the step did not write under the name of a result stops
        the run (:func:`_refuse_clashes`).
    written_by : str
        The step writing, recorded in the manifest (e.g. ``"recoup audit"``):
        the step whose files a later run may replace.
    option, hint : str
        As in :func:`check_folder`.

    Yields
    ------
    pathlib.Path
        The staging folder: write every result file into it. When the block
        ends without an error, the manifest is written and the folder takes
        ``out``'s place; on any error (an interruption too) it is removed and
        ``out`` is left as it was.

    Raises
    ------
    UsageError
        See :func:`check_folder`; also when the folder cannot be created or
        written (the disk is full, ...).
    """
    shown = os.fspath(out) if isinstance(out, (str, os.PathLike)) else repr(out)
    if staged(out):
        yield _absolute(out)
        return
    target = check_folder(out, inputs=inputs, force=force, written_by=written_by, option=option, hint=hint)
    try:
        target.parent.mkdir(parents=True, exist_ok=True)
        _tidy(target)
        stage = _sibling(target, _NEW)
        stage.mkdir()
    except OSError as exc:
        raise _unwritable(option, shown, exc) from None
    _ACTIVE.add(stage)
    try:
        with _writing(stage, option, shown):
            yield stage
            recorded = read_manifest(target)
            changed, others = [], []
            if force and target.is_dir():
                changed = foreign_entries(target, limit=None, recorded=recorded)[0]
                others = [rel for found in other_writers(target, written_by, recorded).values() for rel in found
                          if rel not in changed]
            kept = changed + others
            written = sorted(p for p in stage.rglob("*") if p.is_file() and not p.is_symlink()
                             and p.relative_to(stage).as_posix() != MANIFEST)
            files = dict(zip((p.relative_to(stage).as_posix() for p in written), _fingerprints(written)))
            _refuse_clashes(kept, files, recorded, written_by, option, shown)
            for rel in kept:
                source = target / rel
                if rel not in files and rel != MANIFEST and source.is_file() and not (stage / rel).exists():
                    _link_or_copy(source, stage / rel)
            carried = {rel: recorded[rel] for rel in others if rel not in files}
            write_manifest(stage, {**carried, **files}, written_by)
            _swap(stage, target)
    finally:
        _ACTIVE.discard(stage)
        for path in [p for p in _VOUCHED if p == stage or stage in p.parents]:
            _VOUCHED.pop(path, None)
        if stage.exists():
            shutil.rmtree(stage, ignore_errors=True)


def _refuse_clashes(kept: list[str], files: dict, recorded: dict, written_by: str, option: str, shown: str) -> None:
    """Refuse to replace, even with ``force``, a file the step never wrote that has the name of a result.

    ``force`` replaces the step's own files (the manifest lists them as its
    own) even where someone edited them, and keeps every other file; a file
    of the user's, or of another step's, that happens to carry a result's name
    (their own ``claim_lines.csv``) is never written over: the run stops
    before anything moves.
    """
    def own(rel: str) -> bool:
        return isinstance(recorded.get(rel), dict) and same_writer(recorded[rel].get("written_by"), written_by)

    clashes = [rel for rel in kept if rel in files and not own(rel)]
    if clashes:
        raise UsageError(
            f"{option} {shown}: holds files `{written_by}` did not write under the names of its results "
            f"({listed(clashes)}); even with --force the kit never writes over a file it did not write itself. "
            "Move or rename them, or choose another folder; nothing was changed")


def check_file(path, *, inputs: Iterable = (), written_by: str = "recoup", option: str = "--out",
               owned: Callable[[Path], bool] | None = None) -> Path:
    """Check that the step ``written_by`` may write the file ``path``; return it made absolute.

    An existing file is replaced only when that step wrote it (see the module
    docstring) or, for a file the kit holds no record of (or one that changed
    since), ``owned(path)`` says so: a file recorded as another step's stays
    that step's whatever ``owned`` says.

    Raises
    ------
    UsageError
        ``path`` is a folder, an input, inside an input folder, cannot be
        written, is a file another step wrote, or a file the kit cannot tell
        it wrote; or it is named :data:`MANIFEST` (a folder's record).
    """
    shown = os.fspath(path) if isinstance(path, (str, os.PathLike)) else repr(path)
    target = _absolute(path)
    if target.is_dir():
        raise UsageError(f"{option} {shown}: a folder is in the way; expected a file name")
    if target.name == MANIFEST:
        raise UsageError(f"{option} {shown}: {MANIFEST} is the name of the kit's record of the files it wrote "
                         "in a folder; choose another name")
    _check_inputs(target, inputs, option, shown)
    _parent_usable(target, option, shown)
    if target.exists() or target.is_symlink():
        writer = None if target.is_symlink() else file_writer(target)
        if writer is not None and not same_writer(writer, written_by):
            raise UsageError(f"{option} {shown}: the file holds a result of {_writer_named(writer)}; `{written_by}` "
                             "writes over only its own results. Choose a new name, or move the file away first")
        if writer is None and (target.is_symlink() or owned is None or not owned(target)):
            raise UsageError(f"{option} {shown}: the file exists and the kit cannot tell it wrote it "
                             "(or it changed since); the kit never writes over such a file. "
                             "Choose a new name, or move the file away first")
    return target


@contextlib.contextmanager
def output_file(path, *, inputs: Iterable = (), written_by: str = "recoup", option: str = "--out",
                owned: Callable[[Path], bool] | None = None):
    """Write one file whole: yield a temporary path beside it, then rename it over ``path``.

    Parameters
    ----------
    path : path-like
        The file to write (its folder is created if missing).
    inputs : iterable of path-like
        The command's inputs.
    written_by : str
        The step writing (``"recoup score"``), recorded with the file: only
        the same step replaces it later. ``"recoup"`` (the default) is a file
        written from Python (:func:`recoup_lib.folder.write_csv`, a
        workbook's ``save``).
    option : str
        The option named in messages.
    owned : callable, optional
        Says whether an existing file is one the kit wrote (for files that
        carry their own mark, such as a trainee notebook's metadata).

    Yields
    ------
    pathlib.Path
        Write the file's content here. On success it replaces ``path`` and
        is marked as the kit's; on any error it is removed.
    """
    shown = os.fspath(path) if isinstance(path, (str, os.PathLike)) else repr(path)
    if staged(path):
        yield _absolute(path)
        return
    target = check_file(path, inputs=inputs, written_by=written_by, option=option, owned=owned)
    try:
        target.parent.mkdir(parents=True, exist_ok=True)
    except OSError as exc:
        raise _unwritable(option, shown, exc) from None
    temporary = target.parent / f".{target.name[:100]}.{_NEW}-{os.getpid()}-{secrets.token_hex(4)}"
    _ACTIVE.add(temporary)
    try:
        with _writing(temporary, option, shown):
            yield temporary
            os.replace(temporary, target)
            record_file(target, written_by)
    finally:
        _ACTIVE.discard(temporary)
        with contextlib.suppress(OSError):
            temporary.unlink()


def writes_folder(method):
    """Decorator for a result's ``write(out, ...)``: the body writes into a staging folder.

    The wrapped method accepts two more keywords, ``inputs`` (paths the
    output must not be, lie in, or hold; default: the result's
    ``input_paths`` attribute when it has one) and ``force`` (see :func:`output_folder`).
    The folder is recorded as written by the result's step, its class's
    ``written_by`` (:class:`~recoup_lib.results.StepResult`), the name the
    command line writes it under too, so either may write it again. It
    returns the paths written, in their final place. Given a staging folder
    that is being written (a command adding a workbook beside the result's
    files), it writes straight into it.
    """
    @functools.wraps(method)
    def write(self, out, *args, inputs: Iterable | None = None, force: bool = False, **kwargs):
        if staged(out):
            return method(self, Path(out), *args, **kwargs)
        if inputs is None:
            inputs = getattr(self, "input_paths", ()) or ()
        with output_folder(out, inputs=inputs, force=force, written_by=self.written_by) as stage:
            paths = method(self, stage, *args, **kwargs) or []
        final = Path(os.fspath(out))

        def placed(found):
            return [final / Path(p).relative_to(stage) if Path(p).is_relative_to(stage) else Path(p)
                    for p in found]
        remembered = getattr(self, "outputs", None)
        if isinstance(remembered, list) and remembered:  # a result that keeps the paths it wrote
            object.__setattr__(self, "outputs", placed(remembered))
        return placed(paths)
    return write
