"""The 837 reader on small hand-written files: the edge cases its vectorised steps must get right.

Each file is written here, so the expected claim lines are read off the segments by eye:
a claim with no service line, repeated segments (the first one counts), elements left off
the end of a segment, a file without any ST, and terminators followed by CR, LF or nothing.
"""

from __future__ import annotations

import gc
import gzip
import os
import zipfile
from pathlib import Path

import numpy as np
import pyarrow as pa
import pytest
from ingest_helpers import in_forked_child

from recoup_lib.errors import InputError
from recoup_lib.ingest import import_files, read_837
from recoup_lib.ingest._x12spans import Parts, span_codes
from recoup_lib.ingest._x837_envelope import CUT_SHORT, NO_IEA, NO_SE, SE_AFTER_ENVELOPE, SE_COUNT, STRAY_SE
from recoup_lib.x12 import LOWER_CASE_X12, segment_code

ISA = ("ISA*00*          *00*          *ZZ*SENDER         *ZZ*RECEIVER       *250102*1200*^*00501*"
       "000000001*0*P*:~")
HEAD = ["GS*HC*SENDER*RECEIVER*20250102*1200*1*X*005010X222A1", "ST*837*0001*005010X222A1",
        "BHT*0019*00*B1*20250102*1200*CH", "NM1*41*2*CLINIC*****46*111", "NM1*40*2*PAYER*****46*P1",
        "HL*1**20*1", "NM1*85*2*CLINIC*****XX*1111111111"]
SUBSCRIBER = ["HL*{hl}*1*22*0", "SBR*P*18*******CI", "NM1*IL*1*DOE*JANE****MI*{member}",
              "NM1*PR*2*PAYER*****PI*P1"]
TAIL = ["SE*0*0001", "GE*1*1", "IEA*1*000000001"]


def x12(segments: list[str], term: str = "~", after: str = "\n") -> bytes:
    """An interchange: the ISA (which declares ``~``), then the segments, each ended by ``term`` and ``after``."""
    isa = ISA if term == "~" else ISA[:-1] + term
    return (isa + after + "".join(s + term + after for s in HEAD + segments + TAIL)).encode()


def rows(claims) -> list[dict]:
    columns = {k: (v.to_pylist() if hasattr(v, "to_pylist") else list(v)) for k, v in claims.lines.items()}
    return [dict(zip(columns, values)) for values in zip(*columns.values())]


CLAIMS = (SUBSCRIBER
          # A claim without any LX: no line, no error.
          + ["CLM*C1*50***11:B:1*Y*A*Y*Y", "HI*ABK:J069"]
          # Repeated segments: the first SV1, DTP*472 and REF*6R of a line count.
          + ["CLM*C2*90***11:B:1*Y*A*Y*Y", "HI*ABK:E119*ABF:I10", "NM1*82*1*ROE*RAY****XX*2222222222",
             "LX*1", "SV1*HC:99213:25*60*UN*1***1:2", "SV1*HC:99999*1*UN*9***2",
             "DTP*472*D8*20250105", "DTP*472*D8*20250106", "REF*6R*C2-1", "REF*6R*C2-X",
             # Elements left off: no place of service or pointers (SV105, SV107), no DTP (claim date
             # missing too, so blank), rendering provider without NPI (skipped: the claim's is used).
             "LX*2", "SV1*HC:87070*30*UN*2", "NM1*82*1*NONE*NO"]
          # A second subscriber whose claim has its own date and one line.
          + [s.format(hl=3, member="M2") if "{" in s else s for s in SUBSCRIBER]
          + ["CLM*C3*10***22:B:1*Y*A*Y*Y", "DTP*472*D8*20250110", "HI*ABK:Z0000", "LX*1",
             "SV1*HC:99211*10*UN*1***1"])


def expected() -> list[tuple]:
    return [("C2", "1", "M1", "P1", "2222222222", "2025-01-05", "2025-01-02", "99213", "25", "1", "60.00",
             "E11.9;I10", "11", "C2-1"),
            ("C2", "2", "M1", "P1", "2222222222", "", "2025-01-02", "87070", "", "2", "30.00", "", "11", ""),
            ("C3", "1", "M2", "P1", "1111111111", "2025-01-10", "2025-01-02", "99211", "", "1", "10.00",
             "Z00.00", "22", "")]


KEYS = ["claim_id", "line_no", "patient_id", "payer_id", "rendering_npi", "service_date", "submitted_date",
        "procedure_code", "modifiers", "units", "charge", "diagnosis_codes", "place_of_service", "line_control"]


def claims_file(**layout) -> bytes:
    body = [s.format(hl=2, member="M1") if "{" in s else s for s in CLAIMS]
    return x12(body, **layout)


@pytest.mark.parametrize("layout", [{}, {"after": ""}, {"after": "\r\n"}, {"after": "\r"},
                                    {"term": "\n", "after": ""}])
def test_edge_cases_read_as_written_whatever_follows_the_terminator(tmp_path, layout):
    path = tmp_path / "edges.837"
    path.write_bytes(claims_file(**layout))
    claims = read_837(path)
    assert claims.set_aside == []
    assert not [p for p in claims.problems if "warning" not in p[2]]
    assert [tuple(r[k] for k in KEYS) for r in rows(claims)] == expected()


def test_a_file_without_st_sets_its_lines_aside_alone_as_in_a_folder(tmp_path):
    """No ST at all (``st`` in lower case): its lines are set aside, never an exception, and the
    same whether the file is read alone or next to a good one."""
    bad = claims_file().replace(b"ST*837*", b"st*837*")
    (tmp_path / "a_bad.837").write_bytes(bad)
    (tmp_path / "b_good.837").write_bytes(claims_file())
    alone = read_837(tmp_path / "a_bad.837")
    together = read_837(tmp_path)
    reason = "a service line outside any ST...SE transaction"
    assert len(alone) == 0 and {why for _, _, why, _ in alone.set_aside} == {reason}
    assert alone.set_aside == [entry for entry in together.set_aside if entry[0] == "a_bad.837"]
    assert len(together) == len(expected())


def test_spans_of_absent_elements_are_empty_and_codes_read_one_to_three_bytes():
    values = pa.array(["HC:99213:25", "HC", "", "HC::", "ABCD:E"])
    parts = Parts(values, ":")
    assert parts[0].to_pylist() == ["HC", "HC", "", "HC", "ABCD"]
    assert parts[1].to_pylist() == ["99213", "", "", "", "E"]
    assert parts[2].to_pylist() == ["25", "", "", "", ""]
    assert parts.text_or_null(2).to_pylist() == ["25", None, None, None, None]
    begin, end = parts.span(3)
    assert np.all(begin == end) and np.all(end <= parts.ends) and np.all(begin >= parts.starts)
    codes = span_codes(parts.buf, *parts.span(0))
    assert codes.tolist() == [segment_code("HC"), segment_code("HC"), 0, segment_code("HC"), 0xFFFFFF]


def test_reading_leaves_no_reference_cycles_behind():
    """Each batch's arrays are freed as soon as it is read (a cycle would keep them all until the
    garbage collector ran: on a million lines, hundreds of MB more at the peak)."""
    folder = Path(__file__).parent / "data" / "837"
    read_837(folder)
    gc.collect()
    gc.disable()
    try:
        read_837(folder)
        assert gc.collect() == 0
    finally:
        gc.enable()


@pytest.mark.parametrize("bad_name", ["a_bad.837", "z_bad.837"])
def test_a_file_without_st_never_borrows_the_transaction_of_the_file_before_it(tmp_path, bad_name):
    """Files with the same separators are read as one run of segments: a file without ST read
    after a good one must not take over the good file's transaction (its submission date, its
    ST01), whatever the order of the two files."""
    (tmp_path / bad_name).write_bytes(claims_file().replace(b"ST*837*", b"st*837*"))
    (tmp_path / "m_good.837").write_bytes(claims_file())
    together = read_837(tmp_path)
    reason = "a service line outside any ST...SE transaction"
    assert {why for label, _, why, _ in together.set_aside if label == bad_name} == {reason}
    assert len(together) == len(expected())
    assert together.set_aside == [entry for entry in together.set_aside if entry[0] == bad_name]
    assert read_837(tmp_path / bad_name).set_aside == together.set_aside


@pytest.mark.parametrize("pointers, codes", [(["1:3", "5", "2"], ["E11.9", "", "I10"]),
                                             (["0", "A:2", "1"], ["", "I10", "E11.9"])])
def test_a_pointer_past_the_claims_diagnoses_is_left_out_with_a_warning_naming_the_segment(tmp_path, pointers,
                                                                                           codes):
    """SV107 points into the claim's HI list; a pointer past its end, ``0`` or not a number (``A``, a
    letter as on the paper form) names no diagnosis. The line is read with the diagnoses its other
    pointers name, and one warning per file counts such lines."""
    first, second, third = (f"SV1*HC:{code}*{charge}*UN*1***{p}" for code, charge, p in
                            zip(("99213", "87070", "99211"), (60, 30, 10), pointers))
    segments = (SUBSCRIBER + ["CLM*C9*90***11:B:1*Y*A*Y*Y", "HI*ABK:E119*ABF:I10", "DTP*472*D8*20250105",
                              "LX*1", first, "LX*2", second, "LX*3", third])
    path = tmp_path / "pointers.837"
    path.write_bytes(x12(segments))
    claims = read_837(path)
    assert [r["diagnosis_codes"] for r in rows(claims)] == codes
    warnings = [p for p in claims.problems if "SV107" in p[2]]
    lx_1 = 1 + len(HEAD) + segments.index(first)
    assert warnings == [("pointers.837", lx_1, "warning: 2 service line(s) point (SV107) to a diagnosis their "
                         "claim's HI does not list, this one first; those pointers are left out of "
                         "diagnosis_codes (read)")]


def test_a_file_sent_without_its_isa_envelope_is_still_read_as_x12(tmp_path):
    """Some senders strip the interchange envelope: the file starts at GS. Found in a folder or named,
    it is an 837, never an export to read as CSV."""
    segments = SUBSCRIBER + ["CLM*C9*90***11:B:1*Y*A*Y*Y", "HI*ABK:E119", "DTP*472*D8*20250105", "LX*1",
                             "SV1*HC:99213*60*UN*1***1"]
    text = "".join(s + "~\n" for s in HEAD + segments + TAIL[:-1]).encode()
    assert text.startswith(b"GS*")
    folder = tmp_path / "claims"
    folder.mkdir()
    (folder / "no_envelope.txt").write_bytes(text)
    claims = read_837(folder)
    assert [(r["claim_id"], r["procedure_code"]) for r in rows(claims)] == [("C9", "99213")]


def test_an_institutional_line_with_only_a_revenue_code_is_set_aside_with_its_own_reason(tmp_path):
    segments = SUBSCRIBER + ["CLM*C8*9196***11:A:1*Y*A*Y*Y", "HI*ABK:E119", "DTP*434*RD8*20250105-20250106",
                             "LX*1", "SV2*0124**9148*UN*4", "LX*2", "SV2*0300*HC:80053*48*UN*1"]
    path = tmp_path / "inpatient.837"
    path.write_bytes(x12(segments))
    result = import_files(path)
    lines = result.tables["claim_lines.csv"]
    assert lines[["claim_id", "line_no", "procedure_code"]].values.tolist() == [["C8", 2, "80053"]]
    aside = result.sources[0].aside
    assert len(aside) == 1 and aside["_reason"].iloc[0].startswith(
        "an institutional line with a revenue code and no procedure code (SV202-2 blank)")


def test_a_claim_whose_every_service_line_is_set_aside_is_warned_about_naming_its_clm(tmp_path):
    """The reader sets aside a line without SV1 or SV2 and an 837I line with a revenue code and no
    procedure code, each with its reason; a claim left without any usable line is counted in a
    warning naming its CLM, as a claim without any line is."""
    no_service = ["CLM*C7*60***11:B:1*Y*A*Y*Y", "HI*ABK:E119", "DTP*472*D8*20250105", "LX*1",
                  "NM1*82*1*ROE*RAY****XX*2222222222"]
    revenue_only = ["CLM*C8*9196***11:A:1*Y*A*Y*Y", "HI*ABK:E119", "DTP*434*RD8*20250105-20250106", "LX*1",
                    "SV2*0124**9148*UN*4"]
    usable = ["CLM*C9*60***11:B:1*Y*A*Y*Y", "HI*ABK:E119", "DTP*472*D8*20250105", "LX*1", "SV1*HC:99213*60*UN*1***1"]
    segments = SUBSCRIBER + no_service + revenue_only + usable
    path = tmp_path / "unusable.837"
    path.write_bytes(x12(segments))

    def number(segment: str, after: int = 0) -> int:
        return 2 + len(HEAD) + segments.index(segment, after)

    claims = read_837(path)
    assert [r["claim_id"] for r in rows(claims)] == ["C9"]
    lx_c7, lx_c8 = number("LX*1"), number("LX*1", segments.index(revenue_only[0]))
    assert [(f, seg, why[:40], text) for f, seg, why, text in claims.set_aside] == [
        ("unusable.837", lx_c7, "an LX service line without SV1 (837P) or", "LX*1"),
        ("unusable.837", lx_c8, "an institutional line with a revenue cod", "claim C8 line 1: revenue code 0124, "
                                                                           "charge 9148.00")]
    warnings = [p for p in claims.problems if "claim(s)" in p[2]]
    assert warnings == [("unusable.837", number(no_service[0]), "warning: 2 claim(s) whose every service line is "
                         "set aside (see the lines set aside), this one first: they give no claim line")]
    result = import_files(path)
    assert result.tables["claim_lines.csv"]["claim_id"].tolist() == ["C9"]
    assert result.sources[0].aside["_row"].tolist() == [lx_c7, lx_c8]
    assert f"unusable.837, segment {number(no_service[0])}: warning: 2 claim(s)" in "\n".join(result.messages)


def test_a_file_whose_claims_have_no_service_line_at_all_is_warned_about(tmp_path):
    path = tmp_path / "cut_short.837"
    path.write_bytes(x12(SUBSCRIBER + ["CLM*C1*50***11:B:1*Y*A*Y*Y", "HI*ABK:J069"]))
    assert [p for p in read_837(path).problems if "no service line" in p[2]] == [
        ("cut_short.837", 2 + len(HEAD) + len(SUBSCRIBER), "warning: 1 claim(s) with no service line (no SV1 or "
         "SV2 after the CLM), this one first: they give no claim line (a file cut short?)")]


def test_a_claim_with_no_service_line_is_counted_in_a_warning_naming_its_clm(tmp_path):
    """A CLM with no SV1 or SV2 after it gives no claim line; a file cut short ends that way, so the
    reader says so instead of dropping the claim in silence."""
    path = tmp_path / "edges.837"
    path.write_bytes(claims_file())
    warnings = [p for p in read_837(path).problems if "no service line" in p[2]]
    clm = 1 + len(HEAD) + CLAIMS.index("CLM*C1*50***11:B:1*Y*A*Y*Y") + 1
    assert warnings == [("edges.837", clm, "warning: 1 claim(s) with no service line (no SV1 or SV2 after the "
                         "CLM), this one first: they give no claim line (a file cut short?)")]


def test_a_pipe_or_a_link_to_nothing_in_a_folder_of_837s_is_named_not_passed_over(tmp_path):
    folder = tmp_path / "claims"
    folder.mkdir()
    (folder / "a.837").write_bytes(claims_file())
    os.mkfifo(folder / "b_pipe.837")
    (folder / "c_link.837").symlink_to(tmp_path / "gone.837")
    claims = read_837(folder)
    assert sorted({r["claim_id"] for r in rows(claims)}) == ["C2", "C3"]
    assert [p for p in claims.problems if p[0] != "a.837"] == [
        ("b_pipe.837", 0, "skipped (in a folder of 837s): not a regular file (a device, pipe or socket)"),
        ("c_link.837", 0, f"skipped (in a folder of 837s): a link to {tmp_path / 'gone.837'}, which does not exist")]


def test_a_folder_given_to_import_is_told_from_an_export_without_listing_it_first(tmp_path, monkeypatch):
    """import asks whether a folder holds anything to read before reading it; the answer stops at
    the first file found (the whole folder was listed, then listed again by the reader). A folder
    holding nothing to read is refused saying what the walk passed over and why."""
    from recoup_lib.ingest._run import _is_x12_source

    folder = tmp_path / "sent"
    (folder / ".git").mkdir(parents=True)
    (folder / ".git" / "HEAD").write_text("ref")
    for k in range(30):
        (folder / f"{2000 + k}").mkdir()
        (folder / f"{2000 + k}" / "c.837").write_bytes(b"")
    listed, listing = [], os.scandir

    def counted(path="."):
        listed.append(Path(path))
        return listing(path)

    monkeypatch.setattr(os, "scandir", counted)
    assert _is_x12_source(folder)
    assert len(listed) <= 3
    for k in range(30):
        (folder / f"{2000 + k}" / "c.837").unlink()
    (folder / "2000" / "notes.pdf").write_bytes(b"%PDF-1.7")
    with pytest.raises(InputError, match=r"sent: the folder holds no file to read \(\.git: a hidden folder \(not "
                                         r"read\); 2000/notes\.pdf: a \.pdf document, not an 837\); give the folder"):
        _is_x12_source(folder)


def test_a_named_link_to_nothing_is_set_aside_naming_its_target(tmp_path):
    """A link named on its own, whose target is gone, is set aside in the words a folder's walk uses
    (:func:`recoup_lib.filekind.not_a_file` gives them to every reader), not as a missing file."""
    (tmp_path / "c_link.837").symlink_to(tmp_path / "gone.837")
    claims = read_837(tmp_path / "c_link.837")
    assert claims.problems == [("c_link.837", 0, f"file set aside: a link to {tmp_path / 'gone.837'}, which does "
                                                 "not exist")]


def _problems_of_837s(paths: list) -> list:
    return read_837(paths).problems


def test_a_pipe_named_as_an_837_is_skipped_without_waiting_on_it(tmp_path):
    """Reading a named pipe waits for a writer for ever: read_837 skips it unopened, as read_835 does
    (run in a child process so that a hang fails the test)."""
    pipe = tmp_path / "claims.837"
    os.mkfifo(pipe)
    assert in_forked_child(_problems_of_837s, [pipe, tmp_path / "missing.837"]) == [
        ("missing.837", 0, "file set aside: no such file"),
        ("claims.837", 0, "skipped: not a regular file (a device, pipe or socket)")]


def test_an_837_downloaded_with_a_banner_line_before_its_isa_is_imported_as_an_837(tmp_path):
    """A clearinghouse download that starts with a line of its own before the ISA is still an 837: its
    claim lines are imported (the banner is a warning), not read as a spreadsheet export."""
    path = tmp_path / "batch.txt"
    path.write_bytes(b"Claims batch exported 2025-01-02 12:00\r\n" + claims_file())
    result = import_files(path)
    # C2's second line has no date of service (set aside, as in the file without the banner).
    assert result.tables["claim_lines.csv"]["claim_id"].tolist() == ["C2", "C3"]
    assert any("batch.txt, segment 1: warning" in m and "text before it was skipped" in m for m in result.messages)


def x12_raw(transactions: list[str], groups: int = 1) -> bytes:
    """An interchange holding ``transactions`` (segments from ST on) in one group."""
    segments = [HEAD[0]] + transactions + [f"GE*{groups}*1", "IEA*1*000000001"]
    return (ISA + "\n" + "".join(s + "~\n" for s in segments)).encode()


def enveloped(body: list[str]) -> bytes:
    """An interchange whose SE01 counts its transaction's segments, GE and IEA closing it."""
    return x12_raw(_transaction(body, "0001"))


def test_a_file_cut_short_between_segments_is_warned_about_by_its_envelopes(tmp_path):
    """Cut between two segments, a file still reads as good X12: its missing SE and IEA (or an SE01
    that does not count the segments) are the only sign that claims are missing, so each is warned
    about, naming the ST or ISA segment."""
    body = [s.format(hl=2, member="M1") if "{" in s else s for s in SUBSCRIBER] + [
        "CLM*C1*90***11:B:1*Y*A*Y*Y", "HI*ABK:E119", "DTP*472*D8*20250105", "LX*1", "SV1*HC:99213*60*UN*1***1",
        "LX*2", "SV1*HC:87070*30*UN*1***1"]
    whole = enveloped(body)
    (tmp_path / "whole.837").write_bytes(whole)
    (tmp_path / "cut.837").write_bytes(whole[:whole.index(b"LX*2")])
    (tmp_path / "miscounted.837").write_bytes(whole.replace(f"SE*{len(HEAD) + len(body)}*".encode(), b"SE*9*"))
    assert read_837(tmp_path / "whole.837").problems == []
    cut = read_837(tmp_path / "cut.837")
    assert [r["line_no"] for r in rows(cut)] == ["1"]
    assert cut.problems == [("cut.837", 1, "warning: " + NO_IEA.format(count="1")),
                            ("cut.837", 3, "warning: " + NO_SE.format(count="1"))]
    assert read_837(tmp_path / "miscounted.837").problems == [
        ("miscounted.837", 3, "warning: " + SE_COUNT.format(count="1"))]


@pytest.mark.parametrize("order", ["GE before SE", "no SE"])
def test_a_group_closed_before_its_se_is_read_alike_by_the_835_and_837_readers(tmp_path, order):
    """A GE before the SE (the SE missing, or written after the GE): the 835 reader read the
    transaction up to the GE with a warning at its ST, then warned that the SE closed nothing and
    set it aside as a segment outside any transaction too (an error for a warning's segment); the
    837 reader took the SE after the GE as the transaction's (with no word of the GE), and with no
    SE warned the file was cut short. Both now warn at the ST that the transaction is read up to
    the GE, once at a stray SE that it is ignored, and keep what was read."""
    from recoup_lib.remit import read_835

    body = [s.format(hl=2, member="M1") if "{" in s else s for s in SUBSCRIBER] + [
        "CLM*C1*90***11:B:1*Y*A*Y*Y", "HI*ABK:E119", "DTP*472*D8*20250105", "LX*1", "SV1*HC:99213*60*UN*1***1"]
    claims = enveloped(body).decode()
    remittance = (Path(__file__).parent / "data" / "835" / "medicare-part-a.835").read_text()
    for name, text in (("claims.837", claims), ("paid.835", remittance)):
        se = text[text.index("SE*"): text.index("GE*")]
        ge = text[text.index("GE*"): text.index("IEA*")]
        (tmp_path / name).write_text(text.replace(se + ge, ge + se if order == "GE before SE" else ge))
    se_at = (claims.count("~") - 1) if order == "GE before SE" else None  # the SE, now the segment before IEA
    read = read_837(tmp_path / "claims.837")
    assert [r["line_no"] for r in rows(read)] == ["1"]
    assert read.problems == [("claims.837", 3, "warning: " + SE_AFTER_ENVELOPE.format(count="1"))] + (
        [("claims.837", se_at, "warning: " + STRAY_SE.format(count="1"))] if se_at else [])
    remit = read_835([tmp_path / "paid.835"])
    assert remit.loaded and len(remit.transactions) == 1 and remit.transactions["balanced"].all()
    assert remit.files["status"].tolist() == ["read"]
    said = remit.problems[["segment", "expected", "severity", "action"]].values.tolist()
    assert [s[1:] for s in said] == [
        ["SE closing transaction '1234' before GE at segment 30 (the transaction is read up to there)", "warning",
         "kept"]] + ([["ST before SE (SE closes no open transaction; it is ignored)", "warning", "kept"]]
                     if se_at else [])
    assert said[0][0] == 3


def _claim_body(claim: str, member: str = "M1") -> list[str]:
    """A subscriber's claim with one service line, inside a transaction after HEAD."""
    return [s.format(hl=2, member=member) if "{" in s else s for s in SUBSCRIBER] + [
        f"CLM*{claim}*60***11:B:1*Y*A*Y*Y", "HI*ABK:E119", "DTP*472*D8*20250105", "LX*1", "SV1*HC:99213*60*UN*1***1"]


def _transaction(body: list[str], control: str, se: bool = True) -> list[str]:
    """ST (with HEAD's header segments) to SE around ``body``; SE01 counts them."""
    segments = [s.replace("ST*837*0001", f"ST*837*{control}") for s in HEAD[1:]] + body
    return segments + ([f"SE*{len(segments) + 1}*{control}"] if se else [])


def _remittance(missing_se: bool = False, between: list[str] = ()) -> str:
    """medicare-part-a.835 with a second transaction (trace 67890) after the first, which has no SE when
    ``missing_se``; ``between``: segments after the first transaction's GE, before the second ST (no GS)."""
    text = (Path(__file__).parent / "data" / "835" / "medicare-part-a.835").read_text()
    first = text[text.index("ST*835*1234"): text.index("GE*1*1~")]
    second = first.replace("ST*835*1234", "ST*835*1235").replace("SE*28*1234", "SE*28*1235").replace(
        "TRN*1*12345*", "TRN*1*67890*")
    if missing_se:
        first = first.replace("SE*28*1234~\n", "")
    rest = "GE*1*1~\n" + "".join(f"{s}~\n" for s in between) + second if between else second + "GE*2*1~\n"
    return text[: text.index("ST*835*1234")] + first + rest + "IEA*1*000000907~\n"


@pytest.mark.parametrize("where", ["before the next ST", "at the end of the file"])
def test_a_transaction_without_its_se_is_read_alike_by_the_835_and_837_readers(tmp_path, where):
    """An SE missing before the next ST: the 837 reader warned "cut short? Claims ... would be missing",
    which the next ST shows it is not, while the 835 reader read it up to there. At the end of the file
    (a file cut short between two segments) the 837 reader kept the claims read, while the 835 reader
    set the transaction aside. Both now read it up to the next ST, saying so, and at the end of the file
    keep what was read with a warning that claims after it would be missing."""
    from recoup_lib.remit import read_835

    if where == "before the next ST":
        claims = x12_raw(_transaction(_claim_body("C1"), "0001", se=False) + _transaction(_claim_body("C2"), "0002"),
                         groups=1)
        paid = _remittance(missing_se=True)
    else:
        whole = enveloped(_claim_body("C1"))
        claims = whole[: whole.index(b"SE*")]
        text = (Path(__file__).parent / "data" / "835" / "medicare-part-a.835").read_text()
        paid = text[: text.index("SE*28*1234")]
    (tmp_path / "claims.837").write_bytes(claims)
    (tmp_path / "paid.835").write_text(paid)
    read = read_837(tmp_path / "claims.837")
    assert [r["claim_id"] for r in rows(read)] == (["C1", "C2"] if where == "before the next ST" else ["C1"])
    if where == "before the next ST":
        assert read.problems == [("claims.837", 3, "warning: " + SE_AFTER_ENVELOPE.format(count="1"))]
    else:
        assert read.problems == [("claims.837", 1, "warning: " + NO_IEA.format(count="1")),
                                 ("claims.837", 3, "warning: " + NO_SE.format(count="1"))]
    remit = read_835([tmp_path / "paid.835"])
    assert remit.loaded and remit.files["status"].tolist() == ["read"] and len(remit.rejected) == 0
    assert remit.transactions["trace_number"].tolist() == (["12345", "67890"] if where == "before the next ST"
                                                           else ["12345"])
    said = remit.warnings.loc[remit.warnings["element"] == "SE01", "expected"].tolist()
    assert said == (["SE closing transaction '1234' before the next ST at segment 30 (the transaction is read up to "
                     "there)"] if where == "before the next ST" else
                    ["SE closing transaction '1234'; the file ends at segment 29 without it: cut short? Claims after "
                     "the last one read would be missing (the transaction is read up to there)"])


def test_segments_between_a_ge_and_the_next_st_are_set_aside_alike_by_the_835_and_837_readers(tmp_path):
    """Segments after a group's GE and before the next ST (sent without its GS) lie outside any
    transaction. The 835 reader set them aside; the 837 reader gave them to the transaction before,
    whose SE and GE had closed it, and read its claim. Both now set them aside, with the same reason
    (the next transaction is read, with a warning that it has no GS)."""
    from recoup_lib.remit import read_835

    stray = [s.format(hl=3, member="M9") if "{" in s else s for s in SUBSCRIBER] + [
        "CLM*C9*60***11:B:1*Y*A*Y*Y", "LX*1", "SV1*HC:99213*60*UN*1***1"]
    first, second = _transaction(_claim_body("C1"), "0001"), _transaction(_claim_body("C2"), "0002")
    segments = [HEAD[0]] + first + ["GE*1*1"] + stray + second + ["GE*1*2", "IEA*2*000000001"]
    (tmp_path / "claims.837").write_bytes((ISA + "\n" + "".join(s + "~\n" for s in segments)).encode())
    (tmp_path / "paid.835").write_text(_remittance(between=["CLP*STRAY*1*10*10**MB*ICN9"]))
    read = read_837(tmp_path / "claims.837")
    assert [r["claim_id"] for r in rows(read)] == ["C1", "C2"]
    lx = 2 + len(first) + 1 + len(stray) - 1
    assert read.set_aside == [("claims.837", lx, "a service line outside any ST...SE transaction", "LX*1")]
    remit = read_835([tmp_path / "paid.835"])
    assert remit.transactions["trace_number"].tolist() == ["12345", "67890"]
    assert remit.rejected["expected"].tolist() == ["ST before CLP (the segment is outside any ST...SE transaction)"]


def test_the_service_line_a_file_ends_inside_is_set_aside_not_read_with_its_cut_values(tmp_path):
    """Cut inside its last segment, a file's last element may be cut (units 12 read as 1) while the
    line has all it needs (here the claim's date): that line is set aside with the reason, the
    others are read. A file only missing the terminator after its IEA loses nothing."""
    body = [s.format(hl=2, member="M1") if "{" in s else s for s in SUBSCRIBER] + [
        "CLM*C1*420***11:B:1*Y*A*Y*Y", "DTP*472*D8*20250105", "HI*ABK:E119", "LX*1", "SV1*HC:99213*60*UN*1***1",
        "LX*2", "SV1*HC:97110*360*UN*12***1"]
    whole = enveloped(body)
    cut = whole[:whole.index(b"*UN*12") + len(b"*UN*1")]
    (tmp_path / "cut.837").write_bytes(cut)
    (tmp_path / "unended.837").write_bytes(whole.rstrip(b"~\n"))
    claims = read_837(tmp_path / "cut.837")
    assert [(r["line_no"], r["units"]) for r in rows(claims)] == [("1", "1")]
    last = 1 + len(HEAD) + len(body)
    assert claims.set_aside == [("cut.837", last - 1, CUT_SHORT.format(segment=last), "LX*2")]
    unended = read_837(tmp_path / "unended.837")
    assert [(r["line_no"], r["units"]) for r in rows(unended)] == [("1", "1"), ("2", "12")]
    assert unended.set_aside == []


def test_a_name_holding_the_element_separator_does_not_shift_the_id_read(tmp_path):
    """``O*BRIEN`` written as is pushes NM108 into NM109: the subscriber's id was read as ``MI``, the
    rendering NPI as ``XX``. NM110-NM112 are unused in 837s, so the id is the last filled element,
    with one warning per file naming the first such NM1."""
    subscriber = ["HL*2*1*22*0", "SBR*P*18*******CI", "NM1*IL*1*O*BRIEN*JANE****MI*M1", "NM1*PR*2*PAYER*****PI*P1"]
    body = subscriber + ["CLM*C1*60***11:B:1*Y*A*Y*Y", "HI*ABK:E119", "NM1*82*1*DE*LA ROSA*RAY****XX*2222222222",
                         "LX*1", "SV1*HC:99213*60*UN*1***1", "DTP*472*D8*20250105"]
    path = tmp_path / "names.837"
    path.write_bytes(enveloped(body))
    claims = read_837(path)
    assert [(r["patient_id"], r["payer_id"], r["rendering_npi"]) for r in rows(claims)] == [("M1", "P1", "2222222222")]
    assert [(f, seg, why[:59]) for f, seg, why in claims.problems] == [
        ("names.837", 2 + len(HEAD) + 2, "warning: 2 NM1 segment(s) with elements filled past NM109, ")]


def test_codes_written_in_lower_case_are_read_in_capitals(tmp_path):
    """Procedure, modifier and diagnosis codes in lower case (``g0439``, ``rt``, ``e119``) are read in
    capitals, as from an export: the audit's fee schedules and edits list them so and would never
    match them otherwise."""
    body = [s.format(hl=2, member="M1") if "{" in s else s for s in SUBSCRIBER] + [
        "CLM*C1*60***11:B:1*Y*A*Y*Y", "HI*ABK:e119*ABF:i10", "LX*1", "SV1*HC:g0439:rt*60*UN*1***1:2",
        "DTP*472*D8*20250105"]
    path = tmp_path / "lower.837"
    path.write_bytes(enveloped(body))
    got = [(r["procedure_code"], r["modifiers"], r["diagnosis_codes"]) for r in rows(read_837(path))]
    assert got == [("G0439", "RT", "E11.9;I10")]
    # The qualifiers too: read as written, 'abk' named no diagnosis and the line's were dropped.
    path.write_bytes(enveloped([s.replace("HI*ABK:e119*ABF:i10", "HI*abk:e119*abf:i10") for s in body]))
    claims = read_837(path)
    assert [r["diagnosis_codes"] for r in rows(claims)] == ["E11.9;I10"]
    assert not [m for _, _, m in claims.problems if "SV107" in m]



def test_diagnoses_an_export_writes_without_their_point_read_as_the_837_of_the_same_claim_does(tmp_path):
    """Billing systems keep and export diagnosis codes as X12 sends them, without the point: from a CSV
    ``E119`` stayed ``E119`` while the 837 of the same claim gave ``E11.9`` (and matched the reference
    tables, which keep the point). The point goes where the 837 import puts it; a code already dotted,
    and one not shaped as an ICD-10-CM code, stays as sent."""
    (tmp_path / "claims.837").write_bytes(claims_file())
    from_837 = import_files(tmp_path / "claims.837").tables["claim_lines.csv"]
    export = tmp_path / "charges.csv"
    export.write_text("\n".join([
        "Claim #,Line #,Patient Acct,Ins Code,Rendering NPI,DOS,Date Billed,CPT,Units,Billed Amt,Dx 1,Dx 2",
        "C2,1,M1,P1,2222222222,01/05/2025,01/02/2025,99213,1,60.00,E119,I10",
        "C3,1,M2,P1,1111111111,01/10/2025,01/02/2025,99211,1,10.00,z0000,",
        "C4,1,M2,P1,1111111111,01/10/2025,01/02/2025,99211,1,10.00,'S72001A,E11.9",
        "C5,1,M2,P1,1111111111,01/10/2025,01/02/2025,99211,1,10.00,25000,99213X",
        'C6,1,M2,P1,1111111111,01/10/2025,01/02/2025,99211,1,10.00,"M545, Z3A1",']) + "\n")
    from_csv = import_files(export).tables["claim_lines.csv"]
    codes = dict(zip(from_csv["claim_id"], from_csv["diagnosis_codes"]))
    expected = dict(zip(from_837["claim_id"] + "/" + from_837["line_no"].astype(str), from_837["diagnosis_codes"]))
    assert (codes["C2"], codes["C3"]) == (expected["C2/1"], expected["C3/1"]) == ("E11.9;I10", "Z00.00")
    assert (codes["C4"], codes["C5"], codes["C6"]) == ("S72.001A;E11.9", "25000;99213X", "M54.5;Z3A.1")


def test_a_diagnosis_an_export_gives_twice_is_read_once_where_it_first_stands(tmp_path):
    """``Dx 1`` = ``E119`` and ``Dx 2`` = ``E11.9`` are one code once the point is put back: the line
    read ``E11.9;E11.9``. Each code is kept once, in the order first given, as the 837 import keeps a
    claim's code listed twice; codes written alike twice, or in one cell, are kept once too."""
    export = tmp_path / "charges.csv"
    export.write_text("\n".join([
        "Claim #,Line #,Patient Acct,Ins Code,Rendering NPI,DOS,Date Billed,CPT,Units,Billed Amt,Dx 1,Dx 2,Dx 3",
        "C1,1,M1,P1,2222222222,01/05/2025,01/02/2025,99213,1,60.00,E119,E11.9,",
        "C1,2,M1,P1,2222222222,01/05/2025,01/02/2025,99214,1,60.00,I10,e119,I10",
        'C2,1,M2,P1,1111111111,01/10/2025,01/02/2025,99211,1,10.00,"Z0000; I10; Z00.00",,Z23',
        "C3,1,M2,P1,1111111111,01/10/2025,01/02/2025,99211,1,10.00,25000,25000,"]) + "\n")
    lines = import_files(export).tables["claim_lines.csv"]
    assert lines["diagnosis_codes"].tolist() == ["E11.9", "I10;E11.9", "Z00.00;I10;Z23", "25000"]


def test_an_archive_of_837s_is_named_as_one_with_what_to_do(tmp_path):
    """837s are often sent zipped. A zip given as --claims was "not a readable workbook
    (InvalidFileException: openpyxl does not support .zip file format ...)", a .gz "binary data: a PDF,
    an image or a damaged file?", a zip in a folder of 837s "not an X12 file": each now says it is an
    archive, what it holds, and to unpack it."""
    with zipfile.ZipFile(tmp_path / "claims.zip", "w") as archive:
        archive.writestr("a.837", claims_file())
        archive.writestr("b.837", claims_file())
    (tmp_path / "claims.837.gz").write_bytes(gzip.compress(claims_file()))
    with pytest.raises(InputError, match=r"claims\.zip: not a workbook but a zip archive holding a\.837, b\.837 "
                                         r"\(unzip it"):
        import_files(tmp_path / "claims.zip")
    with pytest.raises(InputError, match=r"claims\.837\.gz: .*binary data: a gzip archive, to unpack first"):
        import_files(tmp_path / "claims.837.gz")
    folder = tmp_path / "sent"
    folder.mkdir()
    (folder / "claims.zip").write_bytes((tmp_path / "claims.zip").read_bytes())
    (folder / "c.837").write_bytes(claims_file())
    (folder / "claims.7z").write_bytes(b"7z\xbc\xaf\x27\x1c\x00\x04" + bytes(range(64)))
    claims = read_837(folder)
    assert len(claims) == len(expected())
    assert [p for p in claims.problems if p[0] in ("claims.zip", "claims.7z")] == [
        ("claims.7z", 0, "skipped (in a folder of 837s): a 7-Zip archive, to unpack first"),
        ("claims.zip", 0, "skipped (in a folder of 837s): a zip archive holding a.837, b.837 "
                          "(unzip it and give the files it holds, or their folder)")]


def test_each_x12_reader_asks_what_a_file_is_once_before_cutting_it(tmp_path, monkeypatch):
    """Whether a file is a zip, a PDF or a web page was asked inside the tokenizer the 837 reader cuts
    files with, once for the header and again for a file of two interchanges, and the 837 reader
    asked the signature again itself. Each reader now asks once per file, before cutting it."""
    import recoup_lib.filekind as filekind
    from recoup_lib.remit import read_835

    asked = []
    signature = filekind.byte_signature
    monkeypatch.setattr(filekind, "byte_signature", lambda head: asked.append(1) or signature(head))
    folder = tmp_path / "sent"
    folder.mkdir()
    (folder / "two.837").write_bytes(claims_file() + claims_file().replace(b"000000001", b"000000002"))
    (folder / "print.837").write_bytes(b"%PDF-1.7")
    remittance = Path(__file__).parent / "data" / "835" / "medicare-part-a.835"
    (folder / "two.835").write_bytes(remittance.read_bytes() * 2)
    for read in (read_837, read_835):
        asked.clear()
        read([folder, remittance])
        assert len(asked) == 4, read


def _claim(number: str, frequency: str, code: str, charge: str, bht_date: str = "20250102",
           member: str = "M1") -> bytes:
    """One 837 file holding claim ``number`` sent with CLM05-3 ``frequency`` and one line."""
    subscriber = [s.format(hl=2, member=member) for s in SUBSCRIBER]
    segments = subscriber + [f"CLM*{number}*{charge}***11:B:{frequency}*Y*A*Y*Y", "HI*ABK:J069",
                             "LX*1", f"SV1*HC:{code}*{charge}*UN*1***1", "DTP*472*D8*20250101"]
    return x12(segments).replace(b"*20250102*1200*CH", f"*{bht_date}*1200*CH".encode())


def test_a_replacement_claim_takes_its_claims_place_and_a_void_cancels_it(tmp_path):
    """CLM05-3 7 (replacement) and 8 (void) with the same CLM01: read as plain claims, the corrected
    line was set aside as a repeat (the wrong code stayed billed) and a voided claim stayed billed."""
    (tmp_path / "a_original.837").write_bytes(_claim("C1", "1", "99214", "120") + b"")
    (tmp_path / "b_fixed.837").write_bytes(_claim("C1", "7", "99213", "90", "20250110"))
    (tmp_path / "c_other.837").write_bytes(_claim("C2", "1", "99212", "60"))
    (tmp_path / "d_void.837").write_bytes(_claim("C2", "8", "99212", "60", "20250111"))
    (tmp_path / "e_alone.837").write_bytes(_claim("C3", "7", "99211", "30"))
    # Another patient's claim under the same number: its void cancels only itself.
    (tmp_path / "f_other_patient.837").write_bytes(_claim("C3", "8", "99211", "30", "20250112", member="M9"))
    claims = read_837(tmp_path)
    got = [(r["claim_id"], r["procedure_code"], r["charge"], r["_file"]) for r in rows(claims)]
    assert got == [("C1", "99213", "90.00", "b_fixed.837"), ("C3", "99211", "30.00", "e_alone.837")]
    aside = {(f, reason.split(" (")[0]) for f, _, reason, _ in claims.set_aside}
    assert aside == {("a_original.837", "replaced by the corrected claim in b_fixed.837, segment 13"),
                     ("c_other.837", "voided by the claim in d_void.837, segment 13"),
                     ("d_void.837", "a void"), ("f_other_patient.837", "a void")}
    warned = [(f, message) for f, _, message in claims.problems if "CLM05-3" in message]
    assert [f for f, _ in warned] == ["b_fixed.837", "d_void.837", "f_other_patient.837"]
    # The order the files are given in changes nothing: the later submission (BHT04) decides.
    again = read_837(sorted(tmp_path.iterdir(), reverse=True))
    assert sorted((r["claim_id"], r["procedure_code"]) for r in rows(again)) == [("C1", "99213"), ("C3", "99211")]
    result = import_files(tmp_path)
    assert result.tables["claim_lines.csv"]["procedure_code"].tolist() == ["99213", "99211"]
    assert sum(s.rows_set_aside for s in result.sources) == 4


def test_a_claim_whose_lx_numbers_repeat_has_its_lines_numbered_by_their_order(tmp_path):
    """Some systems write LX*1 on every line: read as written, every line after the first repeated
    the key (claim, line 1) and was set aside. Such a claim's lines are numbered 1, 2, 3 with a
    warning; a claim numbered properly keeps its numbers (here 1 and 5)."""
    subscriber = [s.format(hl=2, member="M1") for s in SUBSCRIBER]
    segments = subscriber + [
        "CLM*C1*60***11:B:1*Y*A*Y*Y", "HI*ABK:J069", "DTP*472*D8*20250101",
        "LX*1", "SV1*HC:99213*30*UN*1***1", "LX*1", "SV1*HC:87070*20*UN*1***1", "LX*1", "SV1*HC:36415*10*UN*1***1",
        "CLM*C2*40***11:B:1*Y*A*Y*Y", "HI*ABK:J069", "DTP*472*D8*20250101",
        "LX*1", "SV1*HC:99212*30*UN*1***1", "LX*5", "SV1*HC:36415*10*UN*1***1",
        # A line set aside (no SV1) still holds its place: the line after it is the third.
        "CLM*C3*40***11:B:1*Y*A*Y*Y", "HI*ABK:J069", "DTP*472*D8*20250101",
        "LX*1", "SV1*HC:99212*30*UN*1***1", "LX*1", "LX*1", "SV1*HC:36415*10*UN*1***1"]
    (tmp_path / "c.837").write_bytes(x12(segments))
    claims = read_837(tmp_path / "c.837")
    got = [(r["claim_id"], r["line_no"], r["procedure_code"]) for r in rows(claims)]
    assert got == [("C1", "1", "99213"), ("C1", "2", "87070"), ("C1", "3", "36415"),
                   ("C2", "1", "99212"), ("C2", "5", "36415"), ("C3", "1", "99212"), ("C3", "3", "36415")]
    [warning] = [m for _, _, m in claims.problems if "LX line numbers repeat" in m]
    assert warning.startswith("warning: 2 claim(s)")
    assert len(import_files(tmp_path / "c.837").tables["claim_lines.csv"]) == 7


def test_a_bad_value_in_an_837_is_named_by_its_segment_and_element(tmp_path, capsys):
    """An 837 has no columns or rows: a value the contract refuses is named by the element it was
    read from and the line's segment, and the advice is about the files, not --column."""
    from recoup_lib.cli import main

    subscriber = [s.format(hl=2, member="M1") for s in SUBSCRIBER]
    (tmp_path / "bad.837").write_bytes(x12(subscriber + [
        "CLM*C1*60***11:B:1*Y*A*Y*Y", "HI*ABK:J069", "DTP*472*D8*20250101",
        "LX*1", "SV1*HC:99213*30*UN*abc***1", "LX*2", "SV1*HC:99214*30.999*UN*1***1"]))
    assert main(["import", "--claims", str(tmp_path / "bad.837"), "--out", str(tmp_path / "out")]) == 1
    out, err = capsys.readouterr()
    assert "element SV104/SV205 (units): expected a whole number >= 1; e.g. segment 16 had 'abc'" in out
    assert "element SV102/SV203 (charge)" in out and "segment 18 had '30.999'" in out
    assert "most often element SV104/SV205 (1 rows)" in err and "ask their sender" in err
    assert "--column" not in err


@pytest.mark.parametrize(("bht", "dtp", "said"), [
    ("20251307", "D8*20250101", "element BHT04 (submitted_date): expected a real date written CCYYMMDD, from "
                                "19000101 to 21001231; e.g. segment 15 had '20251307'"),
    ("20250102", "D8*20250231", "element DTP*472 DTP03 (service_date): expected a real date written CCYYMMDD "
                                "(DTP02 D8) or CCYYMMDD-CCYYMMDD (RD8: the first is read, the second not before "
                                "it), from 19000101 to 21001231; e.g. segment 15 had '20250231'"),
    ("20250102", "RD8*20250230-20250302", "segment 15 had '20250230-20250302'"),
    # A range whose end is no real date was read from its start alone, in silence.
    ("20250102", "RD8*20250105-20250231", "element DTP*472 DTP03 (service_date): expected a real date written "
                                          "CCYYMMDD (DTP02 D8) or CCYYMMDD-CCYYMMDD"),
    ("20250102", "RD8*20250105-20250231", "segment 15 had '20250105-20250231'"),
    # A range that ends before it starts was read from its start alone, in silence.
    ("20250102", "RD8*20250110-20250105", "element DTP*472 DTP03 (service_date): expected a real date written "
                                          "CCYYMMDD (DTP02 D8) or CCYYMMDD-CCYYMMDD (RD8: the first is read, the "
                                          "second not before it)"),
    ("20250102", "RD8*20250110-20250105", "bad.837 (claims: 837): 1 rows read = 0 used + 1 set aside"),
    ("20250102", "RD8*20250110-20250105", "segment 15 had '20250110-20250105'"),
    # A real day outside the days the kit represents was quoted as the import wrote it ('0000-01-01').
    ("00000101", "D8*20250101", "element BHT04 (submitted_date): expected a real date written CCYYMMDD, from "
                                "19000101 to 21001231; e.g. segment 15 had '00000101'"),
    ("20250102", "D8*18991231", "segment 15 had '18991231'"),
    ("20250102", "RD8*20250105-21010101", "segment 15 had '20250105-21010101'"),
])
def test_a_bad_date_in_an_837_is_named_in_the_x12_format_as_the_file_wrote_it(tmp_path, capsys, bht, dtp, said):
    """A BHT04 or DTP03 that is no real date was reported as "expected a real date written YYYY-MM-DD", the CSVs'
    wording, quoting the text the import made of it ('2025-13-07'): an 837 writes CCYYMMDD (D8, RD8)."""
    from recoup_lib.cli import main

    subscriber = [s.format(hl=2, member="M1") for s in SUBSCRIBER]
    text = x12(subscriber + ["CLM*C1*30***11:B:1*Y*A*Y*Y", "HI*ABK:J069", "LX*1", "SV1*HC:99213*30*UN*1***1",
                             f"DTP*472*{dtp}"]).replace(b"B1*20250102*", f"B1*{bht}*".encode())
    (tmp_path / "bad.837").write_bytes(text)
    assert main(["import", "--claims", str(tmp_path / "bad.837"), "--out", str(tmp_path / "out")]) == 1
    out, err = capsys.readouterr()
    assert said in out and "YYYY-MM-DD" not in out + err


def test_dependents_who_share_their_subscribers_id_are_named_in_a_warning(tmp_path):
    """Twins with no member ID of their own (HL level 23, 2010CA without NM109) are both keyed by
    their parent's ID, as the format leaves no other: the same flu shot on one day then reads as
    a duplicate. The lines are read as the contract says, and a warning names the risk; a
    dependent alone under a subscriber (the same person on every claim) is not warned about."""
    twins = ["HL*2*1*22*1", "SBR*P*18*******CI", "NM1*IL*1*DOE*JANE****MI*M1", "NM1*PR*2*PAYER*****PI*P1",
             "HL*3*2*23*0", "PAT*19", "NM1*QC*1*DOE*ANNA", "DMG*D8*20200101*F",
             "CLM*C1*20***11:B:1*Y*A*Y*Y", "HI*ABK:Z23", "LX*1", "SV1*HC:90686*20*UN*1***1", "DTP*472*D8*20250101",
             "HL*4*2*23*0", "PAT*19", "NM1*QC*1*Doe *Ben", "DMG*D8*20200101*M",
             "CLM*C2*20***11:B:1*Y*A*Y*Y", "HI*ABK:Z23", "LX*1", "SV1*HC:90686*20*UN*1***1", "DTP*472*D8*20250101"]
    alone = ["HL*5*1*22*1", "SBR*P*18*******CI", "NM1*IL*1*ROE*RAY****MI*M2", "NM1*PR*2*PAYER*****PI*P1",
             "HL*6*5*23*0", "PAT*19", "NM1*QC*1*ROE*SAM", "CLM*C3*20***11:B:1*Y*A*Y*Y", "HI*ABK:Z23", "LX*1",
             "SV1*HC:90686*20*UN*1***1", "DTP*472*D8*20250101",
             "HL*7*5*23*0", "PAT*19", "NM1*QC*1*roe*sam", "CLM*C4*20***11:B:1*Y*A*Y*Y", "HI*ABK:Z23", "LX*1",
             "SV1*HC:99213*20*UN*1***1", "DTP*472*D8*20250102"]
    (tmp_path / "twins.837").write_bytes(x12(twins))
    (tmp_path / "alone.837").write_bytes(x12(alone))
    claims = read_837([tmp_path / "twins.837", tmp_path / "alone.837"])
    assert [(r["claim_id"], r["patient_id"]) for r in rows(claims)] == [
        ("C1", "M1"), ("C2", "M1"), ("C3", "M2"), ("C4", "M2")]
    warned = [(f, seg, m) for f, seg, m in claims.problems if "HL level 23" in m]
    assert [(f, seg) for f, seg, _ in warned] == [("twins.837", 17)]
    assert warned[0][2].startswith("warning: 2 claim(s) of dependents") and "duplicate_claim" in warned[0][2]


def test_units_given_in_minutes_are_read_as_written_with_a_warning(tmp_path):
    """Anesthesia time is sent in minutes (SV103 MJ): 61 minutes read as 61 units of service would
    break units_over_mue and the fee times units, so each file says how many lines do so, at the
    first; lines in units (UN) are not counted. The public X12 example 9 (00142, 61 minutes) too."""
    subscriber = [s.format(hl=2, member="M1") for s in SUBSCRIBER]
    (tmp_path / "anesthesia.837").write_bytes(x12(subscriber + [
        "CLM*C1*900***22:B:1*Y*A*Y*Y", "HI*ABK:H2510", "DTP*472*D8*20250101",
        "LX*1", "SV1*HC:00142:QK*827*MJ*61***1", "LX*2", "SV1*HC:99100*40*UN*1***1",
        "LX*3", "SV1*HC:01996*60*mj*30***1"]))
    claims = read_837(tmp_path / "anesthesia.837")
    assert [r["units"] for r in rows(claims)] == ["61", "1", "30"]
    [(segment, message)] = [(seg, m) for _, seg, m in claims.problems if "minutes" in m]
    assert segment == 16 and message.startswith("warning: 2 service line(s) give their units in minutes")
    public = read_837(Path(__file__).parent / "data" / "837" / "demo.example9.837")
    assert [m for _, _, m in public.problems if "SV103 MJ" in m][0].startswith("warning: 1 service line(s)")


def test_a_warning_about_the_layout_says_what_was_expected_without_an_empty_found(tmp_path):
    # The indented segments of a pretty-printed file: the note has nothing to quote as found.
    text = x12(CLAIMS).decode().replace("\nLX*", "\n    LX*")
    (tmp_path / "indented.837").write_text(text)
    notes = [msg for _, _, msg in read_837(tmp_path).problems if "at the margin" in msg]
    assert notes == ["warning: expected segments that start at the margin (spaces or tabs before "
                     f"{text.count('    LX*')} segment(s) were ignored) (read)"]


def test_a_payer_named_as_the_insurer_in_a_4010_file_is_the_claims_payer(tmp_path):
    # 4010 samples name the 2010BB payer NM1*IN; a 2330B other payer (NM1*PR after SBR) is not it.
    subscriber = ["HL*2*1*22*0", "SBR*S*18*******CI", "NM1*IL*1*DOE*JANE****MI*M1",
                  "NM1*IN*2*GREAT PRAIRIES HEALTH*****24*INS1"]
    claim = ["CLM*C1*50***11::1*Y*A*Y*Y", "HI*BK:4779", "SBR*P*32***CI****CI", "OI***Y*B**Y",
             "NM1*IL*1*DOE*JOHN****MI*M0", "NM1*PR*2*OTHER PAYER*****PI*OTHER",
             "LX*1", "SV1*HC:99213*50*UN*1***1", "DTP*472*D8*20250101"]
    (tmp_path / "insurer.837").write_bytes(x12(subscriber + claim))
    assert [(r["patient_id"], r["payer_id"]) for r in rows(read_837(tmp_path))] == [("M1", "INS1")]


def test_composites_written_with_a_colon_although_isa16_declares_another_are_read_with_a_warning(tmp_path):
    # OopFactory's 837I Spec_3.1.1 declares '^' in ISA16 (as in ISA11) and writes 'HC:85025'.
    segments = SUBSCRIBER + ["CLM*C1*50***14:A:1*Y*A*Y*Y", "HI*BK:3669", "HI*BF:4019", "LX*1",
                             "SV2*0305*HC:85025:QW*13.39*UN*1", "DTP*472*D8*20250101"]
    data = x12([s.format(hl=2, member="M1") for s in segments])
    (tmp_path / "caret.837").write_bytes(data.replace(b"*P*:~", b"*P*^~", 1))
    claims = read_837(tmp_path)
    got = [(r["procedure_code"], r["modifiers"], r["diagnosis_codes"], r["place_of_service"]) for r in rows(claims)]
    assert got == [("85025", "QW", "366.9;401.9", "14")]
    assert [m for _, _, m in claims.problems if "ISA16" in m] == [
        "warning: composites use ':' although ISA16 declares '^'; read with ':' (e.g. 'HC:85025:QW')"]


@pytest.mark.parametrize("codec", ["utf-16", "utf-16-le", "utf-16-be"])
def test_x12_saved_as_utf16_is_read_as_the_835_reader_reads_it_and_lower_case_is_named(tmp_path, codec):
    """An 837 saved as UTF-16 was refused ("save it as plain text") where ``recoup remit`` reads a UTF-16
    835: it is now transcoded once and read, with the 835 reader's warning, in a folder and named alone.
    X12 in lower case is named as such, in the words the 835 reader now uses too."""
    # OopFactory X12Parser's UnicodeExample.txt is an 837 saved as UTF-16 (little-endian, no mark).
    good = claims_file().decode()
    (tmp_path / "unicode.837").write_bytes(good.encode(codec))
    (tmp_path / "lower.837").write_text(good.lower())
    read = read_837(tmp_path)
    assert [tuple(r[k] for k in KEYS) for r in rows(read)] == expected()
    messages = [(f, m) for f, _, m in read.problems if f in ("unicode.837", "lower.837")]
    assert ("unicode.837", "warning: expected UTF-8 text (the file was read as UTF-16); found UTF-16 text (read)") \
        in messages
    assert ("lower.837", f"skipped (in a folder of 837s): {LOWER_CASE_X12}") in messages
    alone = read_837(tmp_path / "unicode.837")
    assert [tuple(r[k] for k in KEYS) for r in rows(alone)] == expected()
    assert read_837(tmp_path / "lower.837").problems == [("lower.837", 0, f"file set aside: {LOWER_CASE_X12}")]


def test_a_file_that_gives_no_line_says_why_once(tmp_path, capsys):
    """A 999 given as claims: its reason is the file's note in the summary, and was printed a
    second time in the list of messages under it."""
    from recoup_lib.cli import main

    ack = Path(__file__).parent / "data" / "837" / "imsweb-x12_999_accepted.txt"
    assert main(["import", "--claims", str(ack), "--out", str(tmp_path / "out")]) == 1
    shown = capsys.readouterr()
    assert (shown.out + shown.err).count("ST01 is '999'") == 1


@pytest.mark.parametrize("codec", ["utf-16", "utf-16-le"])
def test_a_utf16_x12_file_cut_short_by_an_odd_byte_is_read_up_to_the_cut(tmp_path, codec):
    """A UTF-16 file cut inside a character (an odd number of bytes) failed to decode and was handed on
    as raw bytes: every claim of the 837 was lost, and the 835's transaction, behind a garbled
    'expected an ISA interchange header; got ...'. The half character is dropped and the rest read."""
    from recoup_lib.remit import read_835

    good = claims_file().decode()
    (tmp_path / "cut.837").write_bytes(good.encode(codec)[:-41])
    read = read_837(tmp_path / "cut.837")
    assert [tuple(r[k] for k in KEYS) for r in rows(read)] == expected()
    assert not any("ISA interchange header" in m for _, _, m in read.problems)
    remit = Path(__file__).parent / "data" / "835" / "managed-care.835"
    text = remit.read_bytes().decode("utf-8")
    (tmp_path / "cut.835").write_bytes(text.encode(codec)[:-41])
    result = read_835([tmp_path / "cut.835"])
    assert len(result.transactions) == 1


@pytest.mark.parametrize("other_claim", [["HI*ABK:J069"], ["HI*ABK:J069*ABF:T1491XXA1"]])
def test_a_diagnosis_the_claim_lists_twice_is_read_once_per_line_and_pointers_keep_their_place(tmp_path,
                                                                                              other_claim):
    """A claim's HI can list a code twice (in one segment or two, in lower case once) and a line can point
    to it twice: diagnosis_codes holds each code once, in the order first met. The pointers still
    number the HI list as sent, so ``3:2`` names I10 then S01.00. Another claim's code too long to be
    an ICD code (read another way to find repeats) changes nothing."""
    body = [s.format(hl=2, member="M1") if "{" in s else s for s in SUBSCRIBER] + [
        "CLM*C1*240***11:B:1*Y*A*Y*Y", "HI*ABK:S0100*ABF:S0100*ABF:I10", "HI*ABF:s0100",
        "DTP*472*D8*20250105", "LX*1", "SV1*HC:99213*60*UN*1***1:2:3", "LX*2", "SV1*HC:12001*60*UN*1***3:2",
        "LX*3", "SV1*HC:12002*60*UN*1***4:3:1", "LX*4", "SV1*HC:99211*60*UN*1***3:3",
        "CLM*C2*300***13:A:1*Y*A*Y*Y", "HI*ABK:S72001A*ABF:E119*ABF:S72001A", "DTP*434*RD8*20250105-20250106",
        "LX*1", "SV2*0450*HC:99284*300*UN*1",
        "CLM*C3*50***11:B:1*Y*A*Y*Y", *other_claim, "DTP*472*D8*20250105", "LX*1", "SV1*HC:99212*50*UN*1***1"]
    path = tmp_path / "repeats.837"
    path.write_bytes(enveloped(body))
    got = [(r["claim_id"], r["diagnosis_codes"]) for r in rows(read_837(path))]
    assert got == [("C1", "S01.00;I10"), ("C1", "I10;S01.00"), ("C1", "S01.00;I10"), ("C1", "I10"),
                   ("C2", "S72.001A;E11.9"), ("C3", "J06.9")]
