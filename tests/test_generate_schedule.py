"""How ``recoup generate`` hands its blocks to worker processes, and checksums them where they are written.

The blocks' tasks are given to each worker when it is free (:func:`recoup_lib.synthetic._blocks._scheduled`),
in whatever order the workers happen to finish; the folder must be the one
a single process writes. The manifest's checksums are combined from those
the workers make of the rows they write (:func:`recoup_lib.outputs.vouch`,
:func:`recoup_lib.checksums.combine_crc32`); they must be those of the files.
"""

from __future__ import annotations

import json
import time
import zlib
from pathlib import Path

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from recoup_lib.checksums import combine_crc32
from recoup_lib.outputs import MANIFEST, output_folder, vouch
from recoup_lib.synthetic import _blocks, generate

pytestmark = pytest.mark.slow


@settings(max_examples=300, deadline=None)
@given(first=st.binary(max_size=200), second=st.binary(max_size=3000), start=st.integers(0, 2**32 - 1))
def test_combined_checksums_are_the_checksum_of_both(first, second, start):
    a, b = zlib.crc32(first, start), zlib.crc32(second)
    assert combine_crc32(a, b, len(second)) == zlib.crc32(second, a) == zlib.crc32(first + second, start)


def test_combined_checksums_of_long_runs_of_bytes():
    part = bytes(range(256)) * 4099
    whole = zlib.crc32(part)
    for _ in range(5):
        whole = combine_crc32(whole, zlib.crc32(part), len(part))
    assert whole == zlib.crc32(part * 6)


def _manifest(folder: Path) -> dict:
    return json.loads((folder / MANIFEST).read_text(encoding="utf-8"))["files"]


def _true_fingerprints(folder: Path) -> dict:
    return {p.relative_to(folder).as_posix(): {"bytes": p.stat().st_size, "crc32": f"{zlib.crc32(p.read_bytes()):08x}"}
            for p in sorted(folder.rglob("*")) if p.is_file() and p.name != MANIFEST}


def test_a_vouched_checksum_is_used_only_while_the_file_is_unchanged(tmp_path):
    with output_folder(tmp_path / "out", written_by="test") as stage:
        for name in ("kept.csv", "changed.csv", "resized.csv"):
            (stage / name).write_bytes(b"a,b\n1,2\n")
            vouch(stage / name, 8, 0x12345678)  # not their checksum: shows whether it is used
        with open(stage / "changed.csv", "r+b") as handle:
            time.sleep(0.01)
            handle.write(b"x")
        (stage / "resized.csv").write_bytes(b"a,b\n")
        vouch(stage / "unstaged", 1, 1)
        (stage / "wrong_size.csv").write_bytes(b"abc")
        vouch(stage / "wrong_size.csv", 4, 0x12345678)
    files = _manifest(tmp_path / "out")
    assert files["kept.csv"] == {"bytes": 8, "crc32": "12345678"}
    truth = _true_fingerprints(tmp_path / "out")
    assert {k: v for k, v in files.items() if k != "kept.csv"} == {k: v for k, v in truth.items() if k != "kept.csv"}
    vouch(tmp_path / "out" / "kept.csv", 8, 1)  # outside a staging folder: not recorded
    from recoup_lib import outputs
    assert not outputs._VOUCHED


def _slow_worker(step):
    """A worker step delayed by a time drawn from its block, so the workers finish in shuffled orders."""
    def slowed(layout, block, *args, **kwargs):
        time.sleep((block * 7919 % 13) / 100)
        return step(layout, block, *args, **kwargs)
    return slowed


def _shuffle_workers(monkeypatch) -> None:
    monkeypatch.setattr(_blocks, "BLOCK_LINES", 700)
    # The workers are forked from this process, so they run these; pickled by name, they are found there.
    for name in ("_worker_finish", "_worker_last"):
        slowed = _slow_worker(getattr(_blocks, name))
        slowed.__module__, slowed.__qualname__ = _blocks.__name__, name
        monkeypatch.setattr(_blocks, name, slowed)


@pytest.fixture
def shuffled_workers(monkeypatch):
    _shuffle_workers(monkeypatch)


@pytest.fixture(scope="module")
def one_process(tmp_path_factory):
    """The folder one process writes (4,000 lines, seed 6, blocks of 700 lines): made once for the module,
    every case compares its workers' folder with it."""
    with pytest.MonkeyPatch.context() as patch:
        _shuffle_workers(patch)
        return generate(tmp_path_factory.mktemp("schedule") / "one", lines=4000, seed=6, remits=False, workers=1)


@pytest.mark.parametrize("workers, keep", [(2, True), (3, False)])
def test_blocks_finished_in_any_order_give_one_process_bytes_and_true_checksums(tmp_path, one_process,
                                                                               shuffled_workers, workers, keep):
    from recoup_lib.synthetic import _layout
    from recoup_lib.synthetic._write import write_in_blocks

    if keep:
        generate(tmp_path / "many", lines=4000, seed=6, remits=False, workers=workers)
    else:
        with output_folder(tmp_path / "many", written_by="recoup generate") as stage:
            write_in_blocks(_layout(4000, 6, 0.08, "family_practice", None, None, None), stage, keep=False,
                            workers=workers)
    assert len(_blocks.block_sizes(4000, 700)) == 6
    assert _manifest(tmp_path / "many") == _manifest(one_process) == _true_fingerprints(one_process)
    assert (tmp_path / "many" / "claim_lines.csv").read_bytes() == (one_process / "claim_lines.csv").read_bytes()
