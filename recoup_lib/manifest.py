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
           "written_unchanged"]

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


def read_manifest(folder: Path) -> dict:
    """The files :data:`MANIFEST` of ``folder`` lists, by relative path, with their fingerprints
    (none when it is missing or unreadable)."""
    try:
        data = json.loads((folder / MANIFEST).read_text(encoding="utf-8"))
    except (OSError, ValueError):
        return {}
    files = data.get("files") if isinstance(data, dict) else None
    return files if isinstance(files, dict) else {}


def write_manifest(folder: Path, files: dict, written_by: str) -> None:
    """Write :data:`MANIFEST` of ``folder``: ``files`` (relative path -> fingerprint), the command that
    wrote them and the kit's version."""
    from . import __version__

    document = {"written_by": written_by, "kit_version": __version__,
                "note": "files RecoupKit wrote in this folder; it replaces only these",
                "files": dict(sorted(files.items()))}
    (folder / MANIFEST).write_text(json.dumps(document, indent=1) + "\n", encoding="utf-8")


#: How many of a folder's foreign entries :func:`foreign_entries` counts at most when it keeps only
#: the first few: an --out given as a home folder is refused at once, not after walking all of it.
COUNT_CAP = 10_000


def foreign_entries(out: Path, limit: int | None = 50) -> tuple[list[str], int]:
    """Entries of ``out`` the kit did not write, or changed since: the first ``limit`` (all with None),
    as relative paths, and how many there are in all (with a ``limit``, :data:`COUNT_CAP` at most:
    "that many or more").

    Past the first ``limit`` they are only counted, so that refusing a folder holding a thousand of the
    user's files says how many without keeping their names; a name the manifest does not list is
    counted without looking at the file.
    """
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


def _xattr_mark(path: Path) -> dict | None:
    try:
        return json.loads(os.getxattr(path, _XATTR))
    except (AttributeError, OSError, ValueError):
        return None


def written_unchanged(path: Path) -> bool:
    """Whether the kit wrote the single file ``path`` (its folder's manifest or its mark says so)
    and nobody changed it since."""
    recorded = read_manifest(path.parent).get(path.name)
    if recorded is not None:
        return _same(path, recorded)
    mark = _xattr_mark(path)
    return mark is not None and _same(path, mark)


#: Held while a folder's manifest is read and written again (see :func:`record_file`).
_MANIFEST_LOCK = threading.Lock()


def record_file(path: Path) -> None:
    """Mark ``path`` as written by the kit: in its folder's manifest if it has one, and on the file."""
    path = Path(path)
    recorded = fingerprint(path)
    with contextlib.suppress(AttributeError, OSError):
        os.setxattr(path, _XATTR, json.dumps(recorded).encode())
    with _MANIFEST_LOCK:  # two files of one folder written side by side: neither entry is lost
        if not (path.parent / MANIFEST).is_file():
            return
        try:
            document = json.loads((path.parent / MANIFEST).read_text(encoding="utf-8"))
        except (OSError, ValueError):
            return
        if isinstance(document, dict) and isinstance(document.get("files"), dict):
            document["files"][path.name] = recorded
            write_manifest(path.parent, document["files"], document.get("written_by", "recoup"))
