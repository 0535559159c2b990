"""The kit's record of the files it wrote, so that it only ever writes over its own.

An output folder carries a small manifest, :data:`MANIFEST`
(``.recoup-manifest.json``), listing each file the kit wrote there with its
size and CRC-32 (:mod:`recoup_lib.checksums`); a single file the kit wrote
also carries its mark, an extended attribute holding the same, where the file
system keeps them (:func:`record_file`). A file is the kit's only while it is
exactly what was recorded (:func:`written_unchanged`): one someone edited
since counts as theirs. :func:`foreign_entries` lists and counts what a folder holds
that the kit did not write, or that changed since; :func:`read_manifest`,
:func:`write_manifest` and :func:`fingerprint` are what the folder writer
records with.

Each record also names the step that wrote the file (``"recoup audit"``,
``"recoup score"``: the manifest's ``written_by`` for the folder's files, an
entry's own ``written_by`` for a file another step wrote into it, the mark's
for a single file, even one an older kit listed in a folder's manifest without
naming its step), because a step replaces only its own files
(:func:`same_writer`, :func:`other_writers`). A record of an older kit that
names no step, or names one two steps shared, counts as another step's.

:mod:`recoup_lib.outputs` asks these before writing anything and records
each output as it puts it in place (docs/contract.md, "Output safety").
"""

from __future__ import annotations

import contextlib
import json
import os
import threading
from pathlib import Path

from .checksums import file_crc32

__all__ = ["MANIFEST", "COUNT_CAP", "fingerprint", "read_manifest", "write_manifest", "foreign_entries", "record_file",
           "written_unchanged", "same_writer", "other_writers", "file_writer"]

#: The manifest of an output folder: the files the kit wrote there, with size and checksum.
MANIFEST = ".recoup-manifest.json"
#: The extended attribute marking a single file the kit wrote (its size and checksum).
_XATTR = "user.recoupkit.written"


def fingerprint(path: Path) -> dict:
    """What the kit records of a file it wrote: ``{"bytes": size, "crc32": checksum}``."""
    return {"bytes": path.stat().st_size, "crc32": file_crc32(path)}


def _same(path: Path, recorded) -> bool:
    """Whether ``path`` is still exactly what the kit recorded writing."""
    if not isinstance(recorded, dict):
        return False
    try:
        return (path.stat().st_size == recorded.get("bytes")
                and file_crc32(path) == recorded.get("crc32"))
    except OSError:
        return False


#: The writer names older kits recorded for a result written from Python (``recoup_lib.<package>``), with
#: the step each stands for; a package whose results two steps write (remit: ``recoup remit`` and ``recoup
#: reconcile``; sampling) stands for none, so its files count as another step's.
_OLDER_WRITERS = {"recoup_lib.synthetic": "recoup generate", "recoup_lib.ingest": "recoup import",
                  "recoup_lib.rules": "recoup audit", "recoup_lib.appeals": "recoup appeal",
                  "recoup_lib.report": "recoup report"}


def same_writer(recorded, written_by: str) -> bool:
    """Whether a file recorded as written by ``recorded`` is one the step ``written_by`` wrote (and may
    replace); a record naming no step, or an older kit's name for two steps, is another step's."""
    return isinstance(recorded, str) and bool(recorded) and _OLDER_WRITERS.get(recorded, recorded) == written_by


def _document(folder: Path) -> dict:
    try:
        data = json.loads((folder / MANIFEST).read_text(encoding="utf-8"))
    except (OSError, ValueError):
        return {}
    return data if isinstance(data, dict) and isinstance(data.get("files"), dict) else {}


def read_manifest(folder: Path) -> dict:
    """The files :data:`MANIFEST` of ``folder`` lists, by relative path, with their fingerprints
    and ``written_by``, the step that wrote each (see :func:`_with_writer`; none when the manifest
    is missing or unreadable)."""
    return _with_writers(_document(folder), folder)


def _with_writers(document: dict, folder: Path) -> dict:
    """The files of the manifest ``document`` of ``folder``, each entry naming its writer."""
    return {rel: _with_writer(entry, folder / rel, document.get("written_by"))
            for rel, entry in document.get("files", {}).items()}


def _with_writer(entry, path: Path, folder_writer):
    """A manifest entry naming its writer: its own, else the mark's when the file carries the kit's mark
    (a single file written into the folder by an older kit, which recorded no writer in the entry:
    another step's, ``""`` when the mark names none either), else the folder's."""
    if not isinstance(entry, dict) or "written_by" in entry:
        return entry
    mark = _xattr_mark(path)
    if mark is None:
        return {"written_by": folder_writer, **entry}
    writer = mark.get("written_by") if isinstance(mark, dict) else None
    return {"written_by": writer if isinstance(writer, str) else "", **entry}


def write_manifest(folder: Path, files: dict, written_by: str) -> None:
    """Write :data:`MANIFEST` of ``folder``: ``files`` (relative path -> fingerprint, with the
    ``written_by`` of an entry another step wrote), the step that wrote the rest and the kit's version."""
    from . import __version__

    entries = {rel: {k: v for k, v in entry.items() if k != "written_by" or v != written_by}
               if isinstance(entry, dict) else entry for rel, entry in sorted(files.items())}
    document = {"written_by": written_by, "kit_version": __version__,
                "note": "files RecoupKit wrote in this folder, and the step that wrote each; a step replaces "
                        "only its own",
                "files": entries}
    (folder / MANIFEST).write_text(json.dumps(document, indent=1) + "\n", encoding="utf-8")


#: How many of a folder's foreign entries :func:`foreign_entries` counts at most when it keeps only
#: the first few: an --out given as a home folder is refused at once, not after walking all of it.
COUNT_CAP = 10_000


def foreign_entries(out: Path, limit: int | None = 50, recorded: dict | None = None) -> tuple[list[str], int]:
    """Entries of ``out`` the kit did not write, or changed since: the first ``limit`` (all with None),
    as relative paths, and how many there are in all (with a ``limit``, :data:`COUNT_CAP` at most:
    "that many or more").

    Past the first ``limit`` they are only counted, so that refusing a folder holding a thousand of the
    user's files says how many without keeping their names; a name the manifest does not list is
    counted without looking at the file. ``recorded`` is ``read_manifest(out)`` when the caller has read it.
    """
    if recorded is None:
        recorded = read_manifest(out)
    found: list[str] = []
    count = 0

    def add(rel: str) -> None:
        nonlocal count
        count += 1
        if limit is None or len(found) < limit:
            found.append(rel)

    for root, dirs, files in os.walk(out):
        if limit is not None and count >= COUNT_CAP:
            break
        here = Path(root)
        prefix = here.relative_to(out).as_posix() + "/" if here != out else ""
        for name in sorted(dirs):
            if (here / name).is_symlink():
                add(prefix + name)
        dirs[:] = sorted(d for d in dirs if not (here / d).is_symlink())
        for name in sorted(files):
            rel = prefix + name
            if rel == MANIFEST:
                continue
            if rel not in recorded or (here / name).is_symlink() or not _same(here / name, recorded[rel]):
                add(rel)
    return found, count if limit is None else min(count, COUNT_CAP)


def other_writers(out: Path, written_by: str, recorded: dict | None = None) -> dict[str, list[str]]:
    """The files in ``out`` its manifest records as written by a step other than ``written_by``, by the
    writer recorded (a file that is no longer there is left out; whether one changed since is
    :func:`foreign_entries`' question). ``recorded`` is ``read_manifest(out)`` when the caller has read it."""
    found: dict[str, list[str]] = {}
    root = out.resolve()
    for rel, entry in (read_manifest(out) if recorded is None else recorded).items():
        writer = entry.get("written_by") if isinstance(entry, dict) else None
        if not same_writer(writer, written_by) and _held(out, rel, root):
            found.setdefault(writer if isinstance(writer, str) and writer else "", []).append(rel)
    return found


def _held(out: Path, rel: str, root: Path) -> bool:
    """Whether the manifest's entry ``rel`` is a regular file inside ``out`` (not through a symbolic link,
    not ``..`` or an absolute path a hand-edited manifest may hold)."""
    path = out / rel
    try:
        return path.is_file() and not path.is_symlink() and path.resolve().parent.is_relative_to(root)
    except (OSError, ValueError):
        return False


def _xattr_mark(path: Path) -> dict | None:
    try:
        return json.loads(os.getxattr(path, _XATTR))
    except (AttributeError, OSError, ValueError):
        return None


def _unchanged_record(path: Path) -> dict | None:
    """The kit's record of the single file ``path`` (its folder's manifest entry, else its mark) when
    the file is still what it records; else None."""
    document = _document(path.parent)
    recorded = document.get("files", {}).get(path.name)
    if recorded is not None:
        recorded = _with_writer(recorded, path, document.get("written_by"))
    else:
        recorded = _xattr_mark(path)
    return recorded if recorded is not None and _same(path, recorded) else None


def written_unchanged(path: Path, written_by: str | None = None) -> bool:
    """Whether the kit wrote the single file ``path`` (its folder's manifest or its mark says so)
    and nobody changed it since; with ``written_by``, also whether that step wrote it."""
    writer = file_writer(path)
    return writer is not None and (written_by is None or same_writer(writer, written_by))


def file_writer(path: Path) -> str | None:
    """The step recorded as writing the unchanged kit file ``path`` (``""`` when an older kit did not
    record it); None when the kit cannot tell it wrote the file, or it changed since."""
    recorded = _unchanged_record(path)
    if recorded is None:
        return None
    writer = recorded.get("written_by")
    return writer if isinstance(writer, str) else ""


#: Held while a folder's manifest is read and written again (see :func:`record_file`).
_MANIFEST_LOCK = threading.Lock()


def record_file(path: Path, written_by: str) -> None:
    """Mark ``path`` as written by the step ``written_by``: in its folder's manifest if it has one,
    and on the file."""
    path = Path(path)
    recorded = {**fingerprint(path), "written_by": written_by}
    with contextlib.suppress(AttributeError, OSError):
        os.setxattr(path, _XATTR, json.dumps(recorded).encode())
    with _MANIFEST_LOCK:  # two files of one folder written side by side: neither entry is lost
        document = _document(path.parent)
        if document:
            files = _with_writers(document, path.parent)
            files[path.name] = recorded
            folder_writer = document.get("written_by")
            write_manifest(path.parent, files, folder_writer if isinstance(folder_writer, str) else "")
