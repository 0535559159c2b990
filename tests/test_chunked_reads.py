"""Every command that reads a user's CSV writes the same bytes when Arrow reads it in 1 KB blocks.

Arrow's CSV reader hands a file over one block (1 MB by default) as several chunks, and code that
assumed one chunk worked on small files only: ``recoup sample`` ended in "unexpected error:
AttributeError" on any frame over a megabyte. Here each command runs in-process on files of a few
hundred rows, once as it is and once with ``pyarrow.csv.read_csv`` and ``open_csv`` reading in
1 KB blocks (tens of chunks a file), and what it writes and prints must not change.

The reference imports (``recoup reference import-ptp``/``import-mue``) read CMS's files with Python's
csv module, not Arrow: they are run too, so that a move to Arrow is covered the day it is made.
"""

from __future__ import annotations

import contextlib
import copy
import io
from pathlib import Path

import pyarrow.csv as pacsv
import pytest

from recoup_lib.cli import main
from recoup_lib.synthetic import generate_practice
from recoup_lib.synthetic._export import write_messy_export

BLOCK_BYTES = 1024
CMS = Path(__file__).parent / "data" / "cms"
#: Commands that read no CSV through Arrow (see the module docstring).
NOT_THROUGH_ARROW = {"reference import-ptp", "reference import-mue"}


@pytest.fixture
def small_blocks(monkeypatch):
    """A context manager: inside it, every ``pyarrow.csv.read_csv`` and ``open_csv`` reads in
    :data:`BLOCK_BYTES` blocks (whatever block size the caller asked for); it gives the list of the
    reads made so. Both functions are restored when it ends."""
    @contextlib.contextmanager
    def patched():
        reads = []
        with monkeypatch.context() as patch:
            for name in ("read_csv", "open_csv"):
                patch.setattr(pacsv, name, _in_small_blocks(getattr(pacsv, name), reads))
            yield reads
    return patched


def _in_small_blocks(arrow_reader, reads: list):
    def read(source, read_options=None, *args, **kwargs):
        options = copy.copy(read_options) if read_options is not None else pacsv.ReadOptions()
        options.block_size = BLOCK_BYTES
        reads.append(source)
        return arrow_reader(source, options, *args, **kwargs)
    return read


def _with_blank_rows(path: Path, every: int) -> None:
    """Rows of commas (Excel's empty rows) every ``every`` lines of a Windows export's body."""
    lines = path.read_bytes().split(b"\r\n")
    blank = b"," * lines[4].count(b",")
    body = []
    for number, line in enumerate(lines[5:], 1):
        body += [line, blank] if number % every == 0 else [line]
    path.write_bytes(b"\r\n".join(lines[:5] + body))


def _cms_file(source: Path, target: Path, row: str, rows: int, keep_lines: int, end: str) -> Path:
    """A CMS table of ``rows`` rows under the fixture's preamble and header (its first ``keep_lines``)."""
    head = source.read_bytes().decode("latin-1").split(end)[:keep_lines]
    body = [row.format(i=i, code=f"{10_000 + i:05d}", next_code=f"{20_000 + i:05d}") for i in range(rows)]
    target.write_bytes(end.join(head + body + [""]).encode("latin-1"))
    return target


@pytest.fixture(scope="module")
def inputs(tmp_path_factory) -> Path:
    """A generated practice (with notices, payers, 835s and its audit's findings), a messy export of
    another, a sample frame, a reviewed sample and CMS tables: each a few hundred rows, many 1 KB blocks."""
    root = tmp_path_factory.mktemp("chunked")
    with contextlib.redirect_stdout(io.StringIO()), contextlib.redirect_stderr(io.StringIO()):
        assert main(["generate", "--lines", "400", "--seed", "38", "--error-rate", "0.3",
                     "--out", str(root / "practice")]) == 0
        assert main(["audit", str(root / "practice"), "--out", str(root / "audited"), "--workers", "1"]) == 0
    write_messy_export(generate_practice(lines=300, seed=38), root / "messy", style="charge_detail",
                       payments_as="csv", claims837=False)
    _with_blank_rows(root / "messy" / "charges.csv", every=40)
    (root / "frame.csv").write_text("claim_id,payer,paid\n" + "".join(
        f"C{i:06d},P{i % 3},{'(1.50)' if i % 7 == 0 else f'{i % 90}.25'}\n" for i in range(600)), encoding="utf-8")
    (root / "reviewed.csv").write_text("sample_id,overpayment,note\n" + "".join(
        f"C{i:06d},{'(2.00)' if i % 5 == 0 else f'{i % 40}.50'},reviewed\n" for i in range(400)), encoding="utf-8")
    _cms_file(CMS / "ccipra-v990r0-f1.txt", root / "ptp.txt", "{code}\t{next_code}\t\t20200101\t*\t1\tRationale",
              rows=300, keep_lines=6, end="\n")
    _cms_file(CMS / "MCR_MUE_PractitionerServices_Eff_01-01-2099.csv", root / "mue.csv",
              '{code},{i},"2 Date of Service Edit: Policy","Clinical: Data"', rows=300, keep_lines=6, end="\n")
    for name in ("practice/claim_lines.csv", "practice/notices.csv", "audited/findings.csv", "messy/charges.csv",
                 "messy/payments.csv", "frame.csv", "reviewed.csv", "ptp.txt", "mue.csv"):
        assert (root / name).stat().st_size > 3 * BLOCK_BYTES, name
    assert b"($" in (root / "messy" / "payments.csv").read_bytes()
    return root


#: Each command on the inputs (``{in}``), writing to ``out`` in its own working folder.
COMMANDS = {
    "import": "import --claims {in}/messy/charges.csv --payments {in}/messy/payments.csv "
              "--coverage {in}/messy/coverage.csv --documentation {in}/messy/documentation.csv --out out",
    "audit": "audit {in}/practice --out out --workers 1",
    "audit --max-memory": "audit {in}/practice --out out --max-memory 1GB --workers 1",
    "reconcile --notices": "reconcile {in}/practice/remits --notices {in}/practice/notices.csv --out out",
    "appeal": "appeal {in}/practice --out out",
    "report": "report {in}/practice --out out",
    "sample": "sample {in}/frame.csv --id-column claim_id --amount-column paid --strata-bounds=-10,0,50 "
              "--size 60 --spares 3 --seed 7 --out out",
    "extrapolate": "extrapolate {in}/reviewed.csv --universe-size 5000",
    "score": "score {in}/audited/findings.csv {in}/practice/labels.csv --out out/score.csv",
    "reference import-ptp": "reference import-ptp {in}/ptp.txt --out out/ncci_ptp.csv",
    "reference import-mue": "reference import-mue {in}/mue.csv --out out/mue.csv",
}


def _run(argv: list[str], folder: Path) -> dict[str, bytes]:
    """Run ``recoup ARGV`` in ``folder``; what it printed and every file it wrote, by name."""
    folder.mkdir(parents=True)
    stdout, stderr = io.StringIO(), io.StringIO()
    with contextlib.redirect_stdout(stdout), contextlib.redirect_stderr(stderr), contextlib.chdir(folder):
        status = main(argv)
    written = {p.relative_to(folder).as_posix(): p.read_bytes() for p in sorted(folder.rglob("*")) if p.is_file()}
    assert status == 0, stderr.getvalue()
    return {"status": str(status).encode(), "stdout": stdout.getvalue().encode(),
            "stderr": stderr.getvalue().encode(), **written}


@pytest.mark.parametrize("command", list(COMMANDS))
def test_a_file_read_in_many_blocks_gives_the_same_bytes(command, inputs, small_blocks, tmp_path):
    argv = COMMANDS[command].replace("{in}", str(inputs)).split()
    whole = _run(argv, tmp_path / "whole")
    with small_blocks() as reads:
        in_blocks = _run(argv, tmp_path / "blocks")
    assert (len(reads) > 0) is (command not in NOT_THROUGH_ARROW)
    assert in_blocks.keys() == whole.keys()
    for name in whole:
        assert in_blocks[name] == whole[name], f"{command}: {name} differs when read in {BLOCK_BYTES}-byte blocks"
