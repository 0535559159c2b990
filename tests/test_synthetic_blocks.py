"""Large practices in blocks: labels still equal findings, and block-by-block writing gives the same bytes.

Blocks are lowered to 1,200 lines here, so small practices have several.
"""

import hashlib
import json
import re
from pathlib import Path

import pytest

from recoup_lib.cli import main
from recoup_lib.errors import InvalidParameterError
from recoup_lib.folder import read_audit_folder, read_table
from recoup_lib.outputs import MANIFEST
from recoup_lib.rules import audit_folder, score
from recoup_lib.synthetic import _blocks, _layout, describe, generate, generate_practice, write_practice
from recoup_lib.synthetic._blocks import block_sizes, memory_needed
from recoup_lib.synthetic._random import block_seed
from recoup_lib.synthetic._write import write_in_blocks
from recoup_lib.wording import parse_size

pytestmark = pytest.mark.slow  # its tests take 20 s or more together: conftest.py starts the file first


def _digest(folder: Path) -> dict:
    """Each data file's checksum (the output manifest, written only by the public calls, left out)."""
    return {p.relative_to(folder).as_posix(): hashlib.sha256(p.read_bytes()).hexdigest()
            for p in sorted(folder.rglob("*")) if p.is_file() and p.name != MANIFEST}


@pytest.fixture
def small_blocks(monkeypatch):
    monkeypatch.setattr(_blocks, "BLOCK_LINES", 1200)


@pytest.fixture(scope="module")
def seed_4_in_one_process(tmp_path_factory):
    """The family practice of 3,000 lines, seed 4, made in one process in blocks of 1,200 lines, and the
    checksums of its folder written without remittances: what the tests of worker processes must give.
    Made once for the module; writing a practice only reads it (the test that made it wrote it twice)."""
    with pytest.MonkeyPatch.context() as patch:
        patch.setattr(_blocks, "BLOCK_LINES", 1200)
        practice = generate_practice(lines=3000, seed=4, workers=1)
        plain = tmp_path_factory.mktemp("seed_4") / "plain"
        write_practice(practice, plain, remits=False)
    return practice, _digest(plain)


@pytest.mark.parametrize("profile, lines, seed", [("family_practice", 3601, 3), ("orthopedic_group", 3000, 8)])
def test_a_practice_of_several_blocks_has_labels_equal_to_the_findings(tmp_path, small_blocks, profile, lines, seed):
    practice = generate_practice(lines=lines, seed=seed, profile=profile)
    write_practice(practice, tmp_path)
    assert len(read_table(tmp_path / "claim_lines.csv").data) == lines
    assert read_audit_folder(tmp_path).problems == []
    table = score(audit_folder(tmp_path).findings, read_table(tmp_path / "labels.csv").data).set_index("error_type")
    assert table.loc["all", "false_positives"] == 0 and table.loc["all", "false_negatives"] == 0, table
    assert table.loc["all", "exact_amounts"] == table.loc["all", "true_positives"], table
    assert (table.drop(index="all")["labelled"] > 0).all(), table
    ids = read_table(tmp_path / "claim_lines.csv").data
    assert ids["claim_id"].str.len().nunique() == 1 and ids["patient_id"].str.len().nunique() == 1
    payments = read_table(tmp_path / "payments.csv").data
    assert payments["payment_id"].is_unique
    notices = read_table(tmp_path / "notices.csv").data
    assert notices["notice_id"].is_unique and len(notices) > 0
    # Every block has patients of its own: no patient is split between blocks.
    assert practice.patients["patient"].is_unique


def test_blocks_are_written_one_at_a_time_with_the_same_bytes(tmp_path, small_blocks):
    whole, blocks = tmp_path / "whole", tmp_path / "blocks"
    write_practice(generate_practice(lines=3000, seed=21, profile="hospital_outpatient"), whole, remits=False)
    layout = _layout(3000, 21, 0.08, "hospital_outpatient", None, None, None)
    assert len(layout.sizes) == 3
    write_in_blocks(layout, blocks)
    assert _digest(whole) == _digest(blocks)
    again = tmp_path / "again"
    write_practice(generate_practice(lines=3000, seed=21, profile="hospital_outpatient"), again, remits=False)
    assert _digest(again) == _digest(whole)


def test_blocks_side_by_side_in_worker_processes_give_the_same_bytes(tmp_path, small_blocks, seed_4_in_one_process):
    """Workers build and finish blocks (block b in worker b mod n); the folder never depends on them."""
    one = tmp_path / "one"
    in_one_process, plain = seed_4_in_one_process
    write_practice(in_one_process, one)
    write_practice(generate_practice(lines=3000, seed=4, workers=2), tmp_path / "two")
    assert _digest(tmp_path / "two") == _digest(one)
    for keep in (True, False):
        write_in_blocks(_layout(3000, 4, 0.08, "family_practice", None, None, None), tmp_path / f"w{keep}",
                        keep=keep, workers=3)
        assert _digest(tmp_path / f"w{keep}") == plain
    for wrong in (-1, 1.5, True, "2"):
        with pytest.raises(InvalidParameterError, match="workers must be a whole number of 0 or more"):
            generate_practice(lines=100, workers=wrong)


@pytest.mark.parametrize(("argument", "value", "message"), [
    ("seed", -5, "seed must be a whole number of 0 or more; got -5"),
    ("seed", 1.5, "seed must be a whole number of 0 or more; got 1.5"),
    ("start", "2025-02-30", "start must be a real date written YYYY-MM-DD; got '2025-02-30'"),
    ("end", "31/12/2025", "end must be a real date written YYYY-MM-DD; got '31/12/2025'"),
])
def test_wrong_arguments_are_named_in_plain_words(argument, value, message):
    with pytest.raises(InvalidParameterError, match=re.escape(message)):
        generate_practice(lines=100, **{argument: value})


def test_zero_workers_means_every_core_as_in_the_audit(tmp_path):
    assert generate_practice(lines=100, seed=4, workers=0).lines.equals(generate_practice(lines=100, seed=4).lines)


def test_generate_within_a_memory_budget(tmp_path, monkeypatch):
    """A budget too small for the whole practice writes it block by block: same bytes, no 835s."""
    monkeypatch.setattr(_blocks, "BLOCK_LINES", 1500)
    monkeypatch.setattr(_blocks, "_WHOLE_BYTES_PER_LINE", {False: 10**6, True: 10**6})
    monkeypatch.setattr(_blocks, "_BLOCK_BYTES", 10**6)
    budget = memory_needed(3200, whole=False) + 1
    assert memory_needed(3200, whole=True) > budget
    with pytest.raises(InvalidParameterError, match="835"):
        generate(tmp_path / "x", lines=3200, seed=2, max_memory=budget)
    with pytest.raises(InvalidParameterError, match="too small"):
        generate(tmp_path / "x", lines=3200, seed=2, remits=False, max_memory=memory_needed(3200, whole=False) // 2)
    write_practice(generate_practice(lines=3200, seed=2), tmp_path / "memory", remits=False)
    # The command is generate(out, lines=3200, seed=2, remits=False, max_memory=budget): run once, by the command.
    assert main(["generate", "--lines", "3200", "--seed", "2", "--no-remits", "--max-memory", str(budget),
                 "--out", str(tmp_path / "cli")]) == 0
    assert _digest(tmp_path / "cli") == _digest(tmp_path / "memory")
    summary = json.loads((tmp_path / "cli" / "practice.json").read_text())
    assert describe(summary).splitlines()[0].startswith(f"{summary['profile_title']}: 3,200 claim lines, seed 2")


def test_a_practice_of_one_block_is_unchanged_by_blocks():
    """Block 0 uses the practice's own seed; the demo drift test checks the bytes."""
    assert block_seed(7, 0) == 7 and block_seed(7, 1) != block_seed(7, 2) != block_seed(8, 1)
    assert block_seed(7, 1) == block_seed(7, 1)
    assert block_sizes(250_000, 250_000) == [250_000]
    assert block_sizes(250_001, 250_000) == [125_001, 125_000]
    assert sum(block_sizes(10_000_000, 250_000)) == 10_000_000 and len(block_sizes(10_000_000, 250_000)) == 40


def test_memory_sizes_parse():
    assert parse_size("1GB") == 10**9 and parse_size("512MiB") == 512 * 2**20 and parse_size(2048) == 2048
    for bad in ("lots", "-1GB", "0", True):
        with pytest.raises(InvalidParameterError, match="size such as"):
            parse_size(bad)


def test_a_block_gets_its_payment_ids_when_placed(small_blocks):
    """A finished block's payments are ordered without ids; placing it numbers them from its first payment on,
    as numbering them when they were ordered would have."""
    from recoup_lib.synthetic._blocks import InjectionState, finish_block, place
    from recoup_lib.synthetic._inject_population import choose_policies, policy_view
    from recoup_lib.synthetic._payments import number_payments

    layout = _layout(3000, 6, 0.08, "family_practice", None, None, None)
    state = InjectionState(layout.clean(1))
    choice = choose_policies(layout.seed, layout.start, layout.end, layout.refs, [policy_view(state)], 0)
    block = finish_block(layout, 1, state, choice, 0)
    assert "payment_id" not in block.payments.columns and len(block.payments)
    ordered = block.payments.copy()
    place(block, layout, {"claims": 500, "payments": 40, "notices": 3, "lines": 1500})
    assert block.payments["payment_id"].iloc[0] == f"PMT{41:0{layout.payment_width}d}"
    expected = number_payments(ordered, width=layout.payment_width, first=41)
    assert list(block.payments.columns) == list(expected.columns)
    assert block.payments["payment_id"].tolist() == expected["payment_id"].tolist()
    assert number_payments(ordered, first=None).equals(ordered)
    first = finish_block(layout, 0, InjectionState(layout.clean(0)), choice, 0)
    place(first, layout, {"claims": 0, "payments": 0, "notices": 0, "lines": 0})
    assert first.payments["payment_id"].iloc[0] == f"PMT{1:0{layout.payment_width}d}"


def test_generate_waits_for_its_workers_to_end(tmp_path, small_blocks, seed_4_in_one_process):
    """Its worker processes end while the folder's checksums are made, and have ended (and been
    reaped, their CPU counted) when generate returns; the folder is the one written without them."""
    import multiprocessing

    generate(tmp_path / "two", lines=3000, seed=4, remits=False, workers=2)
    assert not _blocks._CLOSING and not multiprocessing.active_children()
    assert _digest(tmp_path / "two") == seed_4_in_one_process[1]


def test_cli_generate_names_its_max_memory_flag_when_the_size_is_unreadable(tmp_path, capsys):
    """The command's usage error names the option the user typed, as ``recoup audit --max-memory`` does."""
    assert main(["generate", "--lines", "100", "--max-memory", "lots", "--out", str(tmp_path / "p")]) == 2
    assert "--max-memory must be a size" in capsys.readouterr().err
    assert not (tmp_path / "p").exists()
