"""Auditing at scale: patient partitions in bounded memory give the in-memory audit's files, byte for byte."""

import filecmp
import gc
import shutil
from pathlib import Path

import pandas as pd
import pytest

from recoup_lib.cli import main
from recoup_lib.errors import InvalidParameterError
from recoup_lib.folder import INPUT_FILES, read_table
from recoup_lib.rules import audit_folder, custom_rule, score, write_audit
from recoup_lib.rules._partition import audit_folder_partitioned, plan_partitions
from recoup_lib.rules._split import stable_hash
from recoup_lib.wording import parse_size
from recoup_lib.synthetic import generate_practice, write_practice

pytestmark = pytest.mark.slow  # its tests take 20 s or more together: conftest.py starts the file first


@pytest.fixture(scope="module")
def practice(tmp_path_factory) -> Path:
    return write_practice(generate_practice(lines=3000, seed=5, profile="hospital_outpatient"),
                          tmp_path_factory.mktemp("scale") / "practice")


@pytest.fixture(scope="module")
def messy_values(practice, tmp_path_factory) -> Path:
    """The practice with what users' files carry: bad values, a repeated key, a malformed row, a
    payment without its line, a repeated note, an extra column."""
    folder = tmp_path_factory.mktemp("messy_values") / "practice"
    shutil.copytree(practice, folder)
    lines = (folder / "claim_lines.csv").read_text().splitlines()
    header, body = lines[0], lines[1:]
    repeat = body[0].split(",")
    repeat[2] = "P-OTHER"  # same claim and line, another patient: set aside as a repeated key
    bad_date = body[5].split(",")
    bad_date[5] = "2025-02-30"
    body[5] = ",".join(bad_date)
    body.insert(40, ",".join(repeat))
    body.insert(120, "C-BROKEN,1,too,few")
    (folder / "claim_lines.csv").write_text(
        "\n".join([header + ",office_note"] + [b if b.startswith("C-BROKEN") else b + ",x" for b in body]) + "\n")
    with open(folder / "payments.csv", "a") as handle:
        handle.write("C9999999,1,PAY-ORPHAN,2025-03-01,10.00,10.00,,,,\n")
        handle.write("C0000003,1,PAY-BAD,2025-03-01,ten,10.00,,,,\n")
    notes = (folder / "documentation.csv").read_text().splitlines()
    (folder / "documentation.csv").write_text("\n".join(notes + [notes[3]]) + "\n")
    return folder


@pytest.fixture(scope="module")
def messy(messy_values, tmp_path_factory) -> Path:
    """messy_values, plus a blank line and a line break inside a quoted value (the exact reader's case)."""
    folder = tmp_path_factory.mktemp("messy") / "practice"
    shutil.copytree(messy_values, folder)
    lines = (folder / "claim_lines.csv").read_text().splitlines()
    lines.insert(80, "")
    lines[200] = lines[200].rsplit(",", 1)[0] + ',"seen by\nDr. A"'
    (folder / "claim_lines.csv").write_text("\n".join(lines) + "\n")
    return folder


@pytest.fixture(scope="module")
def rows_of_commas(messy_values, tmp_path_factory) -> Path:
    """messy_values with empty rows as Excel saves them, to be skipped and counted: claim_lines.csv's
    hold spaces (``, , ,``: read by the fast readers), the other files' only commas, one of them
    short (``,,``: a malformed row, which takes the file to the exact reader)."""
    folder = tmp_path_factory.mktemp("rows_of_commas") / "practice"
    shutil.copytree(messy_values, folder)
    for name in ("claim_lines.csv", "payments.csv", "coverage.csv", "documentation.csv"):
        lines = (folder / name).read_text().splitlines()
        empty = ", " * lines[0].count(",") if name == "claim_lines.csv" else "," * lines[0].count(",")
        lines[30:30] = [empty, empty]
        lines += [empty, empty if name == "claim_lines.csv" else ",,"]
        (folder / name).write_text("\n".join(lines) + "\n")
    return folder


def _written(result, out: Path) -> dict[str, bytes]:
    write_audit(result, out)
    return {p.relative_to(out).as_posix(): p.read_bytes() for p in sorted(out.rglob("*")) if p.is_file()}


@pytest.fixture(scope="module")
def in_memory_files(tmp_path_factory):
    """The in-memory audit's files of a folder, the reference every other engine must give byte for
    byte: audited once per folder for the whole module (the audit is deterministic)."""
    written: dict[Path, dict[str, bytes]] = {}

    def files(folder: Path) -> dict[str, bytes]:
        if folder not in written:
            written[folder] = _written(audit_folder(folder), tmp_path_factory.mktemp("memory"))
        return written[folder]

    return files


@pytest.mark.parametrize("folder_name", ["practice", "messy", "rows_of_commas"])
@pytest.mark.parametrize("partitions,workers", [(1, 1), (5, 1), (4, 2)])
def test_partitioned_audit_writes_the_in_memory_audits_files(request, tmp_path, in_memory_files, folder_name,
                                                             partitions, workers):
    folder = request.getfixturevalue(folder_name)
    whole = in_memory_files(folder)
    parts = audit_folder_partitioned(folder, "1GB", workers=workers, partitions=partitions)
    assert _written(parts, tmp_path / "parts") == whole
    if folder_name == "messy":
        counts = parts.inputs.counts.set_index("file")
        assert counts.loc["claim_lines.csv", "rows_set_aside"] == 3
        assert counts.loc["payments.csv", "rows_set_aside"] >= 2  # and the payments of the lines set aside
        broken = [p.row for p in parts.inputs.problems if p.column == "(whole row)"]
        assert broken == [123]  # row 122 in messy_values: the blank line before it counts, as in a spreadsheet
    if folder_name == "rows_of_commas":
        assert (parts.inputs.counts["blank_rows_skipped"] == [4, 4, 4, 4, 0, 0, 0, 0]).all()
        assert (parts.inputs.counts["rows_read"] == parts.inputs.counts[
            ["rows_used", "rows_set_aside", "blank_rows_skipped"]].sum(axis=1)).all()


def test_a_blank_line_is_skipped_as_the_in_memory_audit_skips_it(practice, tmp_path, in_memory_files):
    """A blank line in a claim_lines.csv without quotes was read in partitions as a row blank in every
    column (one more row read and set aside, rejected.csv naming each of its columns); the in-memory audit
    skips it, counting it only in the row numbers of the rows below."""
    folder = tmp_path / "practice"
    shutil.copytree(practice, folder)
    lines = (folder / "claim_lines.csv").read_text().splitlines()
    lines.insert(80, "")
    (folder / "claim_lines.csv").write_text("\n".join(lines) + "\n")
    assert '"' not in (folder / "claim_lines.csv").read_text()  # the fast reader's file: no quoted values
    parts = audit_folder_partitioned(folder, "1GB", workers=1, partitions=2)
    assert _written(parts, tmp_path / "parts") == in_memory_files(folder)
    counts = parts.inputs.counts.set_index("file")
    assert counts.loc["claim_lines.csv", "rows_read"] == len(lines) - 2
    assert counts.loc["claim_lines.csv", "rows_set_aside"] == 0


def test_partitioned_audit_finds_exactly_the_labels(practice):
    result = audit_folder(practice, max_memory="600MB", workers=1)
    table = score(result.findings, read_table(practice / "labels.csv").data).set_index("error_type")
    assert table.loc["all", "false_positives"] == 0 and table.loc["all", "false_negatives"] == 0
    assert table.loc["all", "exact_amounts"] == table.loc["all", "true_positives"] > 0
    with pytest.raises(InvalidParameterError, match="not kept in memory"):
        result.lines


def test_custom_rules_must_say_they_are_patient_local(practice, tmp_path):
    @custom_rule("big_payment", category="overpayment")
    def big_payment(ctx):
        """Paid lines over $300."""
        return ctx.lines["paid_cents"] > 30_000

    with pytest.raises(InvalidParameterError, match="big_payment .*patient_local=True"):
        audit_folder(practice, extra_rules=[big_payment], max_memory="1GB")
    local = custom_rule("big_payment", category="overpayment", patient_local=True)(big_payment.func)
    memory = audit_folder(practice, extra_rules=[local])
    parts = audit_folder_partitioned(practice, "1GB", extra_rules=[local], partitions=3, workers=2)
    assert (memory.findings["error_type"] == "big_payment").sum() > 0
    pd.testing.assert_frame_equal(parts.findings.drop(columns="_line"), memory.findings.drop(columns="_line"))


def test_sizes_and_plans():
    assert parse_size("1GB") == 10**9 and parse_size("2GiB") == 2 * 2**30 and parse_size("512 mb") == 512 * 10**6
    assert parse_size(123) == 123
    for bad in ("lots", "-1GB", "0", "1XB", True):
        with pytest.raises(InvalidParameterError, match="max_memory"):
            parse_size(bad)
    count, side_by_side = plan_partitions(540 * 10**6, 10**9, 2)
    assert count >= 8 and 1 <= side_by_side <= 2
    assert plan_partitions(10**6, 10**9, 4)[0] == 1
    with pytest.raises(InvalidParameterError, match="too small"):
        plan_partitions(10**9, 200 * 10**6, 2)


def test_the_plan_follows_the_measured_memory_model():
    """Within 1 GB a ten-million-line practice (1.82 GB of CSV) is audited by two workers in partitions
    of about 42 MB (peak measured: 0.81-0.86 GB); a budget below what the process needs before any
    partition is refused, naming the smallest that works, and that one is planned."""
    count, side_by_side = plan_partitions(1_816 * 10**6, 10**9, 2)
    assert side_by_side == 2 and 40 <= count <= 46
    assert plan_partitions(532 * 10**6, 350 * 10**6, 2)[1] == 1
    with pytest.raises(InvalidParameterError, match="give at least 350 MB"):
        plan_partitions(532 * 10**6, 349 * 10**6, 2)


def test_a_file_is_streamed_a_few_small_blocks_ahead(tmp_path, monkeypatch):
    """Arrow's streaming reader reads up to 32 blocks ahead of the rows taken from it: read in blocks
    as large as a piece, a file under 32 pieces was held whole (256 MB of a ten-million-line
    claim_lines.csv). Small blocks, gathered into pieces, hold a few megabytes whatever the file."""
    import pyarrow as pa

    from recoup_lib.rules import _split

    monkeypatch.setattr(_split, "_PIECE_BYTES", 1 << 20)
    monkeypatch.setattr(_split, "_READ_BYTES", 64 << 10, raising=False)
    header = ["claim_id", "line_no", "payment_id", "payment_date", "allowed", "paid"]
    path = tmp_path / "payments.csv"
    lines = 240_000
    with open(path, "w", encoding="utf-8") as handle:
        handle.write(",".join(header) + "\n")
        handle.writelines(f"C{n:07d},1,PAY-{n:07d},2025-03-01,100.00,80.00\n" for n in range(lines))
    assert path.stat().st_size > 9 * 2**20
    before, held, taken = pa.total_allocated_bytes(), 0, 0
    for frame, rows in _split._arrow_pieces(path, header):
        held = max(held, pa.total_allocated_bytes() - before)
        assert rows[0] == taken + 2 and frame["claim_id"].iloc[0] == f"C{taken:07d}"
        taken += len(frame)
    assert taken == lines
    assert held < 6 * 2**20


def test_a_file_is_searched_without_holding_it(tmp_path):
    """Whether a file holds a quote, and how many line breaks, is looked at 16 MB at a time: a file
    mapped whole counted among the process's memory while it was searched (865 MB of a
    ten-million-line claim_lines.csv, over the whole budget of ``--max-memory 800MB``)."""
    import subprocess
    import sys

    import recoup_lib

    path = tmp_path / "claim_lines.csv"
    with open(path, "wb") as handle:
        handle.truncate(256 << 20)
    code = ("import resource, sys; from pathlib import Path; "
            "from recoup_lib.csvread import has_quote, _has_blank_lines; "
            "before = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss; path = Path(sys.argv[1]); "
            "assert not has_quote(path) and _has_blank_lines(path, 1); "
            "print(resource.getrusage(resource.RUSAGE_SELF).ru_maxrss - before)")
    root = str(Path(recoup_lib.__file__).parents[1])
    grown = subprocess.run([sys.executable, "-c", code, str(path)], capture_output=True, text=True, check=True,
                           cwd=root, env={**__import__("os").environ, "PYTHONPATH": root}).stdout
    assert int(grown) * 1024 < 64 << 20


def test_the_fast_reader_gives_each_piece_with_its_rows_numbers_in_the_file(tmp_path):
    from recoup_lib.rules._split import _arrow_pieces

    path = tmp_path / "payments.csv"
    path.write_text("claim_id,line_no\nC1,1\nC2,1\nC2,2\n", encoding="utf-8")
    pieces = list(_arrow_pieces(path, ["claim_id", "line_no"]))
    assert [len(piece) for piece in pieces] == [2] * len(pieces)
    (frame, rows), = pieces
    assert frame["claim_id"].tolist() == ["C1", "C2", "C2"] and rows.tolist() == [2, 3, 4]


def test_stable_hash_is_the_same_for_the_same_text_in_any_column():
    a = stable_hash(pd.Series(["P1", "P2", "", "a much longer identifier than thirty-two characters, really"]))
    b = stable_hash(pd.Series(["x", "P2", "P1", "a much longer identifier than thirty-two characters, really"]))
    assert a[0] == b[2] and a[1] == b[1] and a[3] == b[3] and a[0] != a[1]


def test_cli_max_memory_and_its_usage_errors(practice, tmp_path, capsys):
    assert main(["audit", str(practice), "--out", str(tmp_path / "a"), "--max-memory", "700MB",
                 "--workers", "2"]) == 0
    assert main(["audit", str(practice), "--out", str(tmp_path / "b")]) == 0
    assert filecmp.cmp(tmp_path / "a" / "findings.csv", tmp_path / "b" / "findings.csv", shallow=False)
    capsys.readouterr()
    assert main(["audit", str(practice), "--out", str(tmp_path / "c"), "--max-memory", "lots"]) == 2
    assert "--max-memory must be a size" in capsys.readouterr().err
    assert main(["audit", str(practice), "--out", str(tmp_path / "d"), "--max-memory", "1GB", "--xlsx"]) == 2
    assert main(["audit", str(practice), "--out", str(tmp_path / "e"), "--workers", "-1"]) == 2


def test_a_small_budget_merges_many_sorted_runs_into_the_in_memory_audits_files(messy, tmp_path, monkeypatch):
    """Under a budget that makes many partitions, each partition's findings go to disk sorted and are
    merged a few rows at a time: every file written is the in-memory audit's, byte for byte, and the
    findings are never all in memory at once."""
    from recoup_lib.rules import _partition, _runs

    monkeypatch.setattr(_partition, "_BYTES_PER_INPUT_BYTE", 1500)
    monkeypatch.setattr(_partition, "_SMALLEST_PART", 1000)
    monkeypatch.setattr(_runs, "MERGED_ROWS", 40)
    monkeypatch.setattr(_runs, "_LEAST_RUN_ROWS", 2)
    input_bytes = sum((messy / name).stat().st_size for name in INPUT_FILES if (messy / name).is_file())
    count, _ = plan_partitions(input_bytes, parse_size("400MB"), 1)
    assert count >= 6
    assert main(["audit", str(messy), "--out", str(tmp_path / "memory")]) == 0
    assert main(["audit", str(messy), "--out", str(tmp_path / "parts"), "--max-memory", "400MB",
                 "--workers", "1"]) == 0
    memory = sorted(p.relative_to(tmp_path / "memory") for p in (tmp_path / "memory").rglob("*") if p.is_file())
    parts = sorted(p.relative_to(tmp_path / "parts") for p in (tmp_path / "parts").rglob("*") if p.is_file())
    assert parts == memory and len(memory) >= 8
    for name in memory:
        assert (tmp_path / "parts" / name).read_bytes() == (tmp_path / "memory" / name).read_bytes(), name

    result = audit_folder(messy, max_memory="400MB", workers=1)
    assert result.runs.count == count
    batches = [len(batch) for batch in result.runs.batches()]
    assert sum(batches) == result.finding_count > 0 and len(batches) > 10
    assert max(batches) <= 2 * count * result.runs.batch_rows
    result.write(tmp_path / "again")
    assert result.__dict__.get("_findings") is None  # written from the runs, never read whole
    folder = result.runs.folder
    del result
    gc.collect()
    assert not folder.exists()  # the runs went with their result


def test_problems_and_rows_set_aside_stay_on_disk_and_are_read_a_batch_at_a_time(messy, tmp_path, monkeypatch):
    """A file with many bad rows grew the audit's memory with its size: every problem and row set aside
    was held from the split to the end. Each claim bucket's (and each piece's) are written to disk now
    and merged back into the file's order a bounded batch at a time; the result's problems still read
    as a list, and every file written is the in-memory audit's."""
    from recoup_lib.rules import _aside, _runs

    folder = tmp_path / "many_bad"
    shutil.copytree(messy, folder)
    lines = (folder / "claim_lines.csv").read_text().split("\n")
    units = lines[0].split(",").index("units")
    for n in range(1, len(lines), 4):
        cells = lines[n].split(",")
        if len(cells) > units and not lines[n].startswith("C-BROKEN"):
            cells[units] = "two"
            lines[n] = ",".join(cells)
    (folder / "claim_lines.csv").write_text("\n".join(lines))
    monkeypatch.setattr(_runs, "MERGED_ROWS", 200)
    monkeypatch.setattr(_runs, "_LEAST_RUN_ROWS", 2)
    memory = audit_folder(folder)
    parts = audit_folder_partitioned(folder, "1GB", workers=1, partitions=7)
    problems, expected = parts.inputs.problems, memory.inputs.problems
    batch_rows = max(2, 200 // 7)
    assert len(problems) == len(expected) > 700
    assert max(len(batch) for batch in problems.batches()) <= 2 * 7 * batch_rows
    assert list(problems) == expected
    assert problems[:3] == expected[:3] and problems[400] == expected[400] and problems[-1] == expected[-1]
    assert list(parts.inputs.rejected_rows) == list(memory.inputs.rejected_rows)
    batches = [len(batch) for batch in _aside.row_batches(parts.inputs.rejected_rows, "payments.csv")]
    assert sum(batches) == len(memory.inputs.rejected_rows["payments.csv"]) and max(batches) <= 2 * 7 * batch_rows
    assert parts.summary() == memory.summary()
    assert _written(parts, tmp_path / "parts") == _written(memory, tmp_path / "memory")


@pytest.mark.parametrize("unusable", [0.6, 1.0], ids=["most", "all"])
def test_a_file_mostly_set_aside_is_said_alike_from_problems_on_disk(practice, tmp_path, capsys, unusable):
    """The warning (more than half of claim_lines.csv set aside) and the refusal (all of it, the rows set
    aside still written) name the column, the reason and values as the in-memory audit does, the
    problems read once from disk."""
    folder = tmp_path / "practice"
    shutil.copytree(practice, folder)
    lines = (folder / "claim_lines.csv").read_text().splitlines()
    units = lines[0].split(",").index("units")
    bad = int((len(lines) - 1) * unusable)
    for n in range(1, bad + 1):
        cells = lines[n].split(",")
        cells[units] = ["two", "lots", "2.5"][n % 3]
        lines[n] = ",".join(cells)
    (folder / "claim_lines.csv").write_text("\n".join(lines) + "\n")
    said, written = [], []
    for memory in ([], ["--max-memory", "1GB", "--workers", "1"]):
        out = tmp_path / f"out{len(memory)}"
        assert main(["audit", str(folder), "--out", str(out), *memory]) == (1 if unusable == 1 else 0)
        said.append(capsys.readouterr().err.replace(str(out), "OUT"))
        written.append({p.name: p.read_bytes() for p in sorted(out.rglob("*.csv"))})
    assert said[0] == said[1] and written[0] == written[1] and "rejected.csv" in written[0]
    assert f"column 'units' ({bad:,} rows)" in said[0] and "'lots', '2.5', 'two'" in said[0]


# --------------------------------------------------------------------------- Spark (local mode)


@pytest.fixture(scope="session")
def spark():
    if shutil.which("java") is None:
        pytest.skip("Spark needs Java: no `java` on PATH (Java 17 runs it)")
    from recoup_lib.rules._spark import local_session

    session = local_session(cores=2, memory="1g", app="recoupkit-tests", quick_start=True)
    yield session
    session.stop()


@pytest.mark.parametrize("folder_name", ["practice", "rows_of_commas"])
def test_spark_engine_writes_the_in_memory_audits_files(request, spark, tmp_path, in_memory_files, folder_name):
    """On Spark, a clean practice and one with what users' files carry (rows_of_commas: messy_values'
    bad values, repeated key, malformed row, orphan payment, repeated note and extra column, plus
    Excel's empty rows) give the in-memory audit's files byte for byte."""
    folder = request.getfixturevalue(folder_name)
    on_spark = audit_folder(folder, engine="spark") if folder_name == "practice" else None
    if on_spark is None:
        from recoup_lib.rules._spark import audit_folder_spark

        on_spark = audit_folder_spark(folder, spark=spark, partitions=3)
    assert _written(on_spark, tmp_path / "spark") == in_memory_files(folder)
    if folder_name == "practice":
        table = score(on_spark.findings, read_table(folder / "labels.csv").data).set_index("error_type")
        assert table.loc["all", "false_positives"] == 0 and table.loc["all", "false_negatives"] == 0
        assert table.loc["all", "exact_amounts"] == table.loc["all", "true_positives"] > 0
    else:
        counts = on_spark.inputs.counts.set_index("file")
        assert counts.loc["claim_lines.csv", "rows_set_aside"] == 3
        assert counts.loc["payments.csv", "rows_set_aside"] >= 2
        assert counts.loc["claim_lines.csv", "blank_rows_skipped"] == 4


def test_workers_read_files_side_by_side_with_the_same_result(practice, tmp_path):
    import os

    from recoup_lib.folder import worker_count

    assert worker_count(None) == worker_count(0) == (os.cpu_count() or 1) and worker_count(3) == 3
    with pytest.raises(InvalidParameterError, match="workers"):
        worker_count(-2)
    assert _written(audit_folder(practice, workers=1), tmp_path / "one") == \
        _written(audit_folder(practice, workers=4), tmp_path / "four")
    with pytest.raises(InvalidParameterError, match="engine"):
        audit_folder(practice, engine="dask")
    with pytest.raises(InvalidParameterError, match="max_memory is for the pandas engine"):
        audit_folder(practice, engine="spark", max_memory="1GB")


def test_rules_run_side_by_side_give_the_same_files(practice, tmp_path, monkeypatch):
    """Forked workers sharing the rules (a large audit) write the serial audit's files; a custom rule
    written here runs in a worker too, and one that fails there fails as it would serially."""
    from recoup_lib.rules import _side_by_side

    monkeypatch.setattr(_side_by_side, "SIDE_BY_SIDE_LINES", 0)
    flagged = custom_rule("tiny_charge", category="overpayment", rule_id="X-TINY", patient_local=True)(
        lambda ctx: ctx.lines["charge_cents"] < 2000)
    serial = _written(audit_folder(practice, workers=1, extra_rules=[flagged]), tmp_path / "one")
    assert _written(audit_folder(practice, workers=3, extra_rules=[flagged]), tmp_path / "three") == serial

    def broken(ctx):
        raise ZeroDivisionError("the same error as in a serial audit")

    # Needing coverage, it runs beside coverage_lapsed (see test_rules_sharing_inputs_stay_in_one_group).
    broken_rule = custom_rule("broken", category="overpayment", needs=("coverage",))(broken)
    with pytest.raises(InvalidParameterError, match="rule 'broken' .* failed: ZeroDivisionError: the same error"):
        audit_folder(practice, workers=2, extra_rules=[broken_rule])


def test_rules_sharing_inputs_stay_in_one_group():
    from recoup_lib.rules import default_registry
    from recoup_lib.rules._side_by_side import groups

    rules = list(default_registry())
    grouped = groups(rules)
    assert sorted(p for group in grouped for p in group) == list(range(len(rules)))
    assert all(len({tuple(sorted(rules[p].needs)) for p in group}) == 1 for group in grouped)
    documentation = [p for p, rule in enumerate(rules) if "documentation" in rule.needs]
    assert documentation in grouped
    assert [len(g) for g in grouped] == sorted((len(g) for g in grouped), reverse=True)
    assert groups(rules[:1]) == [[0]]


def test_the_plan_drops_workers_before_partitions_get_tiny_or_too_many_to_keep_open(monkeypatch):
    """Sharing 1 GB among eight workers made partitions of 5 MB: a 1.7 GB practice got 340 of them, and
    the split's writer per file and partition ran past ``ulimit -n 1024``. Workers are dropped until a
    partition keeps 16 MB, and while the files kept open would pass the limit; a folder no plan fits is
    refused saying why and what to do."""
    from recoup_lib.rules import _partition

    count, side_by_side = plan_partitions(1_700 * 10**6, 10**9, 8, open_files=1024)
    assert side_by_side == 4 and count <= 110 and _partition.files_open(count, side_by_side) <= 1024
    assert plan_partitions(40 * 10**6, 10**9, 8, open_files=1024)[1] >= 5  # a small folder keeps its workers
    monkeypatch.setattr(_partition, "open_file_limit", lambda: 300)
    count, side_by_side = plan_partitions(1_700 * 10**6, 10**9, 8)
    assert side_by_side < 4 and _partition.files_open(count, side_by_side) <= 300
    with pytest.raises(InvalidParameterError, match=r"limit of 100 open files; raise the limit \(ulimit -n \d+\)"):
        plan_partitions(1_700 * 10**6, 10**9, 8, open_files=100)


@pytest.fixture
def few_open_files(monkeypatch):
    """This process may open 200 files (restored after), and partitions are planned tiny, many of them."""
    import resource

    from recoup_lib.rules import _partition

    soft, hard = resource.getrlimit(resource.RLIMIT_NOFILE)
    monkeypatch.setattr(_partition, "_BYTES_PER_INPUT_BYTE", 25_000)
    monkeypatch.setattr(_partition, "_SMALLEST_PART", 1000)
    monkeypatch.setattr(_partition, "_SENSIBLE_PART", 1000)
    resource.setrlimit(resource.RLIMIT_NOFILE, (200, hard))
    yield
    resource.setrlimit(resource.RLIMIT_NOFILE, (soft, hard))


def test_an_audit_under_a_low_open_file_limit_plans_fewer_partitions(practice, tmp_path, in_memory_files,
                                                                     few_open_files):
    """Four workers would take about 95 partitions (380 files open in the split, over 200): one worker
    takes about 18, and the files written are the in-memory audit's."""
    result = audit_folder_partitioned(practice, "1GB", workers=4, scratch=tmp_path)
    assert result.runs.count < 40
    assert _written(result, tmp_path / "out") == in_memory_files(practice)


def test_running_out_of_open_files_says_so_and_leaves_nothing_behind(practice, tmp_path, few_open_files):
    """Too many partitions for the limit failed as "cannot be read (Too many open files)" naming a temporary
    folder, and left it behind."""
    from recoup_lib.errors import RecoupError

    with pytest.raises(RecoupError, match=r"too many open files: the audit in 90 patient partitions keeps "
                                          r"about [\d,]+ files open at once, and this process may open 200"):
        audit_folder_partitioned(practice, "1GB", workers=1, scratch=tmp_path, partitions=90)
    assert list(tmp_path.iterdir()) == []


def test_an_audit_that_raises_removes_all_it_wrote_at_once(practice, tmp_path, monkeypatch):
    """The rows set aside's folder stayed until the garbage collector took the audit's frames."""
    from recoup_lib.rules import _partition

    def fail(*args):
        raise RuntimeError("stop")

    monkeypatch.setattr(_partition, "_audit_partitions", fail)
    with pytest.raises(RuntimeError, match="stop"):
        audit_folder_partitioned(practice, "1GB", workers=1, scratch=tmp_path)
    assert list(tmp_path.iterdir()) == []


def test_a_budget_just_under_the_least_is_shown_as_given(practice, tmp_path, capsys):
    """--max-memory 349.9MB was refused as "max_memory 350 MB is too small ... give at least 350 MB"."""
    assert main(["audit", str(practice), "--out", str(tmp_path / "a"), "--max-memory", "349.9MB"]) == 2
    err = capsys.readouterr().err
    assert "--max-memory 349.9MB is too small" in err and "give at least 350 MB" in err
    with pytest.raises(InvalidParameterError, match="max_memory 349,900,000 bytes is too small"):
        audit_folder_partitioned(practice, 349_900_000)
