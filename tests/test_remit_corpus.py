"""Public 835 files from other projects, and messy variants of them: every cent a person can read.

``tests/data/835/public/`` holds sample files of other open-source projects
(sources, commits and licences in ``tests/data/835/SOURCES.md``), with their
expected totals established by hand in ``expected.csv``.
"""

from __future__ import annotations

import shutil
from pathlib import Path

import pandas as pd
import pytest

from recoup_lib.remit import read_835

DATA = Path(__file__).parent / "data" / "835"
PUBLIC = DATA / "public"
EXPECTED = pd.read_csv(PUBLIC / "expected.csv", dtype=str, keep_default_na=False)
FILES = sorted(EXPECTED["file"].unique())
#: Public files that hold no 835 payment at all: every transaction is set aside, each with its one reason.
REFUSED = {"pyx12-mult_isa.txt": {"ST01 = 835 (a health care claim payment)": 8,
                                  "a BPR financial information segment (without it the payment cannot be read)": 4}}


def cents(text: str) -> int:
    dollars, _, frac = text.partition(".")
    sign = -1 if dollars.startswith("-") else 1
    return sign * (abs(int(dollars)) * 100 + int((frac + "00")[:2]))


def test_the_corpus_has_at_least_twenty_public_files_each_with_a_recorded_source():
    on_disk = sorted(p.name for p in PUBLIC.iterdir() if p.is_file()
                     and p.suffix not in (".csv", ".md"))
    assert on_disk == sorted(FILES + list(REFUSED)) and len(FILES) >= 20
    sources = (DATA / "SOURCES.md").read_text(encoding="utf-8")
    for name in on_disk:
        row = next((line for line in sources.splitlines() if line.startswith(f"| {name} |")), "")
        cells = [c.strip() for c in row.split("|")]
        assert len(cells) >= 6 and len(cells[4]) == 40 and cells[5], name  # commit and licence


@pytest.mark.parametrize("name", FILES)
def test_public_file_is_read_to_the_cent(name):
    remit = read_835([PUBLIC / name])
    want = EXPECTED.loc[(EXPECTED["file"] == name) & ~EXPECTED.index.isin(_repeat_rows(name))]
    want = want.reset_index(drop=True)
    t = remit.transactions.reset_index(drop=True)
    assert len(remit.rejected) == 0, remit.rejected["message"].tolist()
    assert t["trace_number"].tolist() == want["trace_number"].tolist()
    assert t["bpr_amount_cents"].tolist() == [cents(v) for v in want["bpr_amount"]]
    assert t["claim_paid_total_cents"].tolist() == [cents(v) for v in want["claim_paid_total"]]
    assert t["provider_adjustment_total_cents"].tolist() == [
        cents(v) for v in want["provider_adjustment_total"]]
    assert t["claims"].tolist() == want["claims"].astype(int).tolist()
    assert t["service_lines"].tolist() == want["service_lines"].astype(int).tolist()
    assert t["balanced"].tolist() == (want["balanced"] == "true").tolist()
    assert remit.files["status"].tolist() == ["read"]


#: What is off in each file, as the warnings must say it (see SOURCES.md).
DEFECTS = {
    "affect-nevada_medicaid.txt": ["fixed 106 characters", "the ISA13 control number"],
    "affect-sample_835.txt": ["(read as 0.00", "SE01"],
    "affect-sample_835_with_interests.txt": ["a segment id of two or three", "SE01"],
    "badx12-error_validation.edi": ["the number of segments from ST to SE", "the ST02 control",
                                    "GE01", "GS06", "IEA01", "ISA13"],
    "chs-test.835": ["the number of segments from ST to SE, 16"],
    "edicli-835-minimal.edi": ["a TRN reassociation trace number", "the deposit is undated"],
    "edicli-835-no-payer-payee.edi": ["a TRN reassociation trace number", "the deposit is undated"],
    "edicli-835.edi": ["the DTM*405 production date is used", "SE01"],
    "edicli-sample-835.edi": ["the DTM*405 production date is used"],
    "stupidedi-X091A1-case-1.edi": ["fixed 106 characters"],
    "stupidedi-X221-case-1.edi": ["text before it was skipped"],
    "stupidedi-X221-case-2.edi": ["text before it was skipped", "read as Latin-1"],
    "stupidedi-X221-case-3a.edi": ["text before it was skipped", "SE01"],
    "tigershark-835-example-2.txt": ["line breaks come before it", "GE01"],
    "tigershark-835-example.txt": ["line breaks come before it", "no original in the files read",
                                   "after the last segment"],
    "edi835parser-blue_cross_nc_sample.txt": ["an amount in SVC02", "SE01"],
    "gunajii-sample_835.edi": ["fixed 106 characters"],
    "oopfactory-4010-Example1_GripElements.txt": ["spaces or tabs before"],
    "oopfactory-5010-Example1.txt": ["spaces or tabs before", "an amount in CLP04"],
    "pyx12-bad_header_looping.txt": ["a date between 1900-01-01 and 2100-12-31", "SE01"],
    "stupidedi-notes-recover.txt": ["read as Latin-1", "text before it was skipped",
                                    "a segment id of two or three"],
    "stupidedi-notes-split.edi": ["read as Latin-1", "text before it was skipped", "SE01", "GE01", "IEA01",
                                  "which is kept because it comes first in the file: check which is right"],
}


@pytest.mark.parametrize("name", sorted(DEFECTS))
def test_what_is_off_in_a_public_file_is_a_warning(name):
    remit = read_835([PUBLIC / name])
    messages = "\n".join(remit.warnings["message"])
    for text in DEFECTS[name]:
        assert text in messages, (text, messages)
    assert "ÿ" not in messages


@pytest.mark.parametrize("name", sorted(REFUSED))
def test_a_public_file_without_a_payment_is_refused_one_reason_per_transaction(name):
    remit = read_835([PUBLIC / name])
    assert len(remit.transactions) == 0 and remit.files["status"].tolist() == ["set aside"]
    assert remit.rejected["expected"].value_counts().to_dict() == REFUSED[name]
    assert remit.rejected["segment"].is_unique


def test_the_whole_corpus_in_one_batch_counts_each_remittance_once(tmp_path):
    remit = read_835([PUBLIC])
    totals = remit.totals()
    # Ten transactions repeat one read before (same ISA sender, trace and amount): two
    # versions of the eMedNY sample, the badX12 error file, the OopFactory pair, both
    # transactions of the "with interests" file (its second adds an interest BPR02 leaves out),
    # the TigerShark example its second example repeats with other claims, pyx12's looping
    # header (mult_loops with its claim twice) and the three of stupidedi's 'split' note (the
    # 'recover' note's payment, without its service line, then twice without its claim).
    assert totals["transactions_repeated"] == 10
    refused = sum(sum(reasons.values()) for reasons in REFUSED.values())
    assert totals["transactions_read"] == len(EXPECTED) + refused
    assert totals["transactions_used"] == len(EXPECTED) - 10
    problems = remit.problems.loc[remit.problems["action"] == "counted once"]
    assert sorted(problems["file"]) == [
        "affect-sample_835_with_interests.txt", "affect-sample_835_with_interests.txt",
        "badx12-error_validation.edi", "edi835parser-emedny_sample.txt",
        "oopfactory-5010-Example1.txt", "pyx12-bad_header_looping.txt", "stupidedi-notes-split.edi",
        "stupidedi-notes-split.edi", "stupidedi-notes-split.edi", "tigershark-835-example.txt"]
    # The 'with interests' second transaction, the 5010 OopFactory one (an extra CLP), the
    # eMedNY versions (CLP07 written differently), the TigerShark pair, the looping header and
    # the 'split' note's three.
    assert problems["message"].str.contains("differ from that one's").sum() == 8
    # The guide's scenario 1 from two other senders than badX12's copy: all counted, each warned.
    routes = remit.warnings.loc[remit.warnings["message"].str.contains("came from another sender")]
    assert routes["file"].tolist() == ["linuxforhealth-demo.835", "stupidedi-X221-case-1.edi"]
    used = EXPECTED.loc[~EXPECTED.index.isin(_repeat_rows())]
    assert totals["payment_total_cents"] == sum(cents(v) for v in used["bpr_amount"])
    files = remit.files.set_index("file")["status"]
    assert files["badx12-error_validation.edi"] == "repeat"
    assert files["affect-sample_835_with_interests.txt"] == "repeat"
    # The same folder given twice, and a copy under another name, change nothing.
    copy = tmp_path / "again"
    shutil.copytree(PUBLIC, copy / "2025" / "Q1")
    shutil.copy(PUBLIC / "chs-test.835", copy / "chs-test (1).835")
    again = read_835([PUBLIC, PUBLIC, copy]).totals()
    assert again["payment_total_cents"] == totals["payment_total_cents"]
    assert again["taken_back_cents"] == totals["taken_back_cents"]
    assert again["transactions_used"] == totals["transactions_used"]


def _repeat_rows(name: str | None = None) -> list[int]:
    """Rows of expected.csv that repeat an earlier row (same sender, trace and amount).

    With ``name``, only the repeats inside that file (what reading it alone counts once);
    without, those of the whole folder, where a file's earlier row can be in another file
    (the pairs below share their ISA sender; other rows of one trace and amount do not).
    """
    seen, rows = {}, []
    pairs = {("edi835parser-emedny_sample.txt", "affect-emedny_sample.txt"),
             ("badx12-error_validation.edi", "badx12-X221-dollars-and-data-sent-separate.edi"),
             ("oopfactory-5010-Example1.txt", "oopfactory-4010-Example1_GripElements.txt"),
             ("affect-sample_835_with_interests.txt", "affect-sample_835.txt"),
             ("tigershark-835-example.txt", "tigershark-835-example-2.txt"),
             ("pyx12-bad_header_looping.txt", "pyx12-835_mult_loops.txt"),
             ("stupidedi-notes-split.edi", "stupidedi-notes-recover.txt")}
    for i, row in EXPECTED.iterrows():
        if name is not None and row.file != name:
            continue
        earlier = seen.setdefault((row.trace_number, row.bpr_amount), [])
        if any(f == row.file or (row.file, f) in pairs for f in earlier):
            rows.append(i)
        earlier.append(row.file)
    return rows


# ---------------------------------------------------------------------------
# Messy variants made on purpose: the same money, with a warning for what is off
# ---------------------------------------------------------------------------

BASE = PUBLIC / "badx12-X221-multiple-claims-single-check.edi"


def _segments() -> list[str]:
    return [s.strip() for s in BASE.read_text().split("~") if s.strip()]


def _variants() -> dict[str, tuple[bytes, str]]:
    segs = _segments()
    isa = segs[0]
    short = isa.split("*")
    short[6], short[8] = short[6].strip(), short[8].strip()
    return {
        "section-sign separator": ("~".join(s.replace("*", "§") for s in segs).encode() + b"~",
                                   "'§' (U+00A7) was read as a separator"),
        "Latin-1 separator byte": (("~".join(s.replace("*", "§") for s in segs) + "~")
                                   .encode("latin-1"), "read as Latin-1"),
        "pilcrow terminator": (("¶\n".join(s.replace("*", "|") for s in segs) + "¶\n").encode(),
                               "'¶' (U+00B6) was read as a separator"),
        "indented": ("\n".join("  " * min(i, 5) + s + "~" for i, s in enumerate(segs)).encode(),
                     "spaces or tabs before"),
        "line break before the terminator": (
            (segs[0] + "\n" + "\n".join("~" + s for s in segs[1:]) + "\n~").encode(),
            "line breaks come before it"),
        "text before the ISA": (("Remittance for March\r\n\r\n" + "~\n".join(segs) + "~\n")
                                .encode(), "text before it was skipped"),
        "ISA split over two lines": ((isa[:50] + "\r\n" + isa[50:] + "~\n" + "~\n".join(segs[1:])
                                      + "~\n").encode(), "an ISA header on one line"),
        "ISA not fixed width": (("*".join(short) + "~" + "~".join(segs[1:]) + "~").encode(),
                                "fixed 106 characters"),
        "ISA16 missing": ((isa.rsplit("*", 1)[0] + "~" + "~".join(segs[1:]) + "~").encode(),
                          "ISA16, the component separator"),
        "UTF-16": (("~\r\n".join(segs) + "~\r\n").encode("utf-16"), "read as UTF-16"),
        "wrapped at 80 columns": ("\r\n".join(("~".join(segs) + "~")[i: i + 80] for i in range(
            0, len("~".join(segs)) + 1, 80)).encode(), "an ISA header on one line"),
        "one segment per line, one broken": (
            ("\n".join(segs).replace("*CO*131*184\n", "*CO*\n131*184\n") + "\n").encode(),
            "do not start with a segment id"),
    }


VARIANTS = _variants()


@pytest.mark.parametrize("kind", sorted(VARIANTS))
def test_messy_variant_is_read_to_the_same_cent_with_a_warning(tmp_path, kind):
    data, warning = VARIANTS[kind]
    path = tmp_path / "messy.835"
    path.write_bytes(data)
    base, messy = read_835([BASE]), read_835([path])
    assert len(messy.rejected) == 0, messy.rejected["message"].tolist()
    for table, cols in (("transactions", ["bpr_amount_cents", "claim_paid_total_cents",
                                          "balanced", "claims", "service_lines"]),
                        ("payments", ["claim_id", "charge_cents", "paid_cents"]),
                        ("adjustments", ["group_code", "reason_code", "amount_cents"])):
        pd.testing.assert_frame_equal(getattr(messy, table)[cols], getattr(base, table)[cols])
    assert warning in "\n".join(messy.warnings["message"]), messy.warnings["message"].tolist()


def test_a_plb_reason_written_with_another_separator_than_isa16_is_still_an_offset(tmp_path):
    """ISA16 says '>' but the PLB writes its reason with ':' (as the choo_choo gem's sample does): a WO offset."""
    isa, rest = (PUBLIC / "badx12-X221-dollars-and-data-sent-together.edi").read_text().split("~", 1)
    isa = isa.replace("*>*00501*", "*^*00501*")[:-1] + ">"
    rest = rest.replace("*CV:CP*-1.27~", "*WO:ICN-0001*1.27~")
    path = tmp_path / "colon.835"
    path.write_text(isa + "~" + rest)
    remit = read_835([path])
    plb = remit.provider_adjustments
    assert plb[["reason_code", "reference", "amount_cents"]].values.tolist() == [["WO", "ICN-0001", 127]]
    assert remit.recoupments[["mechanism", "amount_cents"]].values.tolist() == [["offset", 127]]
    assert remit.totals()["taken_back_cents"] == 127
    warned = remit.warnings.loc[remit.warnings["element"] == "PLB03", "expected"].tolist()
    assert warned == ["components separated by ISA16 '>'; read with ':', which this file uses instead"]


def test_one_unreadable_file_never_stops_the_batch(tmp_path):
    folder = tmp_path / "era"
    (folder / "2025" / "Q1").mkdir(parents=True)
    (folder / ".git").mkdir()
    (folder / ".git" / "config").write_text("[core]")
    shutil.copy(BASE, folder / "2025" / "Q1" / "march.835")
    (folder / "binary.835").write_bytes(bytes(range(256)) * 4)
    (folder / "empty.835").write_bytes(b"")
    (folder / "only-isa.835").write_bytes(b"ISA\xff\xfe00\xff\xfe")
    (folder / "notes.pdf").write_bytes(b"%PDF-1.4")
    (folder / ".DS_Store").write_bytes(b"\x00\x00")
    remit = read_835([folder])
    assert remit.totals()["payment_total_cents"] == 81_080
    status = remit.files.set_index("file")["status"].to_dict()
    assert status["march.835"] == "read"
    assert status["notes.pdf"] == status[".DS_Store"] == status[".git"] == "skipped"
    assert remit.problems.loc[remit.problems["action"] == "skipped", "expected"].str.contains(
        "hidden").sum() == 2
    for message in remit.problems["message"]:
        assert "ÿÿÿ" not in message and "Traceback" not in message


def test_a_long_segment_id_is_shown_as_written(tmp_path):
    text = BASE.read_text().replace("LX*2~", "LX*2~ABCD*1~", 1)
    path = tmp_path / "id.835"
    path.write_text(text)
    remit = read_835([path])
    row = remit.warnings.loc[remit.warnings["value"].str.startswith("ABCD")].iloc[0]
    assert row.segment_id == "ABCD" and "ÿ" not in row.message
    assert remit.transactions["balanced"].all()


@pytest.mark.parametrize("written", ["WO:ICN:0001", "WO>ICN:0001"])
def test_a_plb_reference_keeps_its_own_colon_when_the_reason_is_written_with_another_separator(tmp_path, written):
    """ISA16 '>' and PLB03 'WO:ICN:0001': only the separator after the reason code is read as ISA16's, so the
    reference is 'ICN:0001' as the file holds it (as 'WO>ICN:0001' gives), not 'ICN>0001', text it never held."""
    isa, rest = (PUBLIC / "badx12-X221-dollars-and-data-sent-together.edi").read_text().split("~", 1)
    isa = isa.replace("*>*00501*", "*^*00501*")[:-1] + ">"
    path = tmp_path / "colon.835"
    path.write_text(isa + "~" + rest.replace("*CV:CP*-1.27~", f"*{written}*1.27~"))
    plb = read_835([path]).provider_adjustments
    assert plb[["reason_code", "reference", "amount_cents"]].values.tolist() == [["WO", "ICN:0001", 127]]


def test_an_svc01_written_with_another_separator_than_isa16_has_every_component_read(tmp_path):
    """SVC01 holds up to eight components: under ISA16 '>', 'AD:D0120:25:59' is read with ':' throughout."""
    segs = _segments()
    isa = segs[0][:-1] + ">"
    body = "~".join(segs[1:]).replace("SVC*AD:D0120*46*25", "SVC*AD:D0120:25:59*46*25", 1)
    path = tmp_path / "colon.835"
    path.write_text(isa + "~" + body + "~")
    lines = read_835([path]).service_lines
    first = lines.loc[lines["procedure_code"] == "D0120"].iloc[0]
    assert (first["procedure_qualifier"], first["modifiers"]) == ("AD", "25;59")
