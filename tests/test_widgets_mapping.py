"""The mapping widget's logic (recoup_lib.widgets.mapping), without a browser."""

from __future__ import annotations

import html
import json
import os
import subprocess
import sys
from pathlib import Path

import pytest

import recoup_lib
from recoup_lib.errors import InputError
from recoup_lib.ingest import import_files
from recoup_lib.manifest import file_writer
from recoup_lib.widgets.mapping import NOT_IN_FILE, MappingSession, mapping_widget
from recoup_lib.wording import shown_path

MESSY = Path(__file__).resolve().parents[1] / "synthetic" / "messy_export"


def test_session_proposes_the_mapping_and_counts_the_rows():
    s = MappingSession(MESSY / "charges.csv")
    assert s.mapping()["service_date"] == "DOS" and s.mapping()["modifiers"] == ["Mod 1", "Mod 2", "Mod 3", "Mod 4"]
    assert s.status() == "charges.csv: 1,505 rows read = 1,500 used + 5 set aside"
    aside = s.set_aside()
    assert aside["reason"].tolist()[:3] == ["title row above the header"] * 3
    assert aside["row_as_read"].iloc[-2].startswith("TOTAL")


def test_changing_a_dropdown_changes_what_would_be_set_aside():
    s = MappingSession(MESSY / "charges.csv")
    s.choose("service_date", "Date Billed")                    # a plausible slip: the billing date
    assert "submitted_date" not in s.mapping() and s.missing == ["submitted_date"]  # a header holds one field
    s.choose("submitted_date", "DOS")
    assert s.mapping()["service_date"] == "Date Billed" and s.report.rows_used == 1500
    s.choose("units", "Patient Name")                          # names are not units
    assert s.report.rows_used == 0
    assert "column 'Patient Name' (units)" in s.set_aside()["reason"].iloc[5]
    s.choose("rendering_npi", NOT_IN_FILE)
    assert s.report is None and s.missing == ["rendering_npi"]
    assert s.status() == "Choose a column for: rendering_npi"
    with pytest.raises(ValueError, match="'Nope' is not a header"):
        s.choose("units", "Nope")
    with pytest.raises(ValueError, match="no field 'paid'"):
        s.choose("paid", "Units")


def test_a_header_already_chosen_for_another_field_is_refused_and_not_applied():
    """A column holds one field, as recoup import --column and --map say: the widget let the billing date be
    chosen for both dates, and saved a mapping.json giving one header to two fields."""
    s = MappingSession(MESSY / "charges.csv")
    s.choose("service_date", "Date Billed")
    with pytest.raises(ValueError, match="service_date=Date Billed and submitted_date=Date Billed: two fields of "
                                         "claims files under one header 'Date Billed'; a column holds one field"):
        s.choose("submitted_date", "Date Billed")
    assert "submitted_date" not in s.settled and "submitted_date" not in s.mapping()
    s.choose("diagnosis_codes", ["Dx 1"])
    with pytest.raises(ValueError, match="one header 'Dx 1'"):
        s.choose("modifiers", ["Mod 1", "Dx 1"])              # a list field too
    s.choose("service_date", "Date Billed")                    # the same choice again is no clash
    s.choose("submitted_date", "DOS")
    assert s.report.rows_used == 1500


def test_the_widget_shows_why_a_choice_is_refused_and_keeps_the_one_in_force():
    box = mapping_widget(MESSY / "charges.csv")
    saved = box.children[len(box.pickers) + 6]
    box.pickers["service_date"].value = "Date Billed"
    box.pickers["submitted_date"].value = "DOS"
    box.pickers["submitted_date"].value = "Date Billed"
    assert "two fields of claims files under one header 'Date Billed'" in html.unescape(saved.value)
    assert box.pickers["submitted_date"].value == "DOS" and box.session.mapping()["submitted_date"] == "DOS"
    box.pickers["place_of_service"].value = NOT_IN_FILE       # a choice applied: the refusal is no longer shown
    assert saved.value == ""


def test_saved_mapping_is_accepted_back_by_the_import(tmp_path):
    s = MappingSession(MESSY / "charges.csv")
    s.choose("diagnosis_codes", ["Dx 2", "Dx 1"])
    path = s.save(tmp_path / "mapping.json")
    assert json.loads(path.read_text())["columns"]["claims"]["diagnosis_codes"] == ["Dx 2", "Dx 1"]
    result = import_files(MESSY / "charges.csv", mapping=path)
    assert result.sources[0].columns["diagnosis_codes"] == ["Dx 2", "Dx 1"]
    (tmp_path / "notes.json").write_text("{}")
    with pytest.raises(FileExistsError):
        s.save(tmp_path / "notes.json")


def test_a_saved_mapping_is_written_as_any_output_file_the_kit_writes(tmp_path):
    """save() wrote mapping.json in place with an ownership check of its own, and recorded nothing: the
    file was not known as the kit's outside its JSON. It is now written whole by recoup_lib.outputs as
    the step "recoup import mapping", which may write it again; a user's file is refused, naming it."""
    s = MappingSession(MESSY / "charges.csv")
    for _ in range(2):
        saved = s.save(tmp_path / "mapping.json")
    assert file_writer(saved) == "recoup import mapping"
    (tmp_path / "mine.json").write_text("{}", encoding="utf-8")
    with pytest.raises(FileExistsError, match=f"Save as {tmp_path / 'mine.json'}: the file exists"):
        s.save(tmp_path / "mine.json")
    assert (tmp_path / "mine.json").read_text(encoding="utf-8") == "{}"


def test_saving_a_mapping_never_takes_the_imports_mapping_json_or_a_folders_manifest(tmp_path):
    """Any JSON holding a written_by key passed for a mapping the widget saved, even one the kit recorded as
    another step's: saving into an import's folder replaced the mapping.json `recoup import` wrote (a rerun of
    the import into the folder was then refused), and saving as .recoup-manifest.json overwrote the folder's
    manifest. The kit's record now decides where it has one, and the manifest's name is never a mapping's."""
    from recoup_lib.outputs import MANIFEST, check_folder

    out = tmp_path / "imported"
    import_files(MESSY / "charges.csv").write(out)
    before = {name: (out / name).read_bytes() for name in ("mapping.json", MANIFEST)}
    s = MappingSession(MESSY / "charges.csv")
    with pytest.raises(FileExistsError, match="holds a result of `recoup import`; `recoup import mapping` writes"):
        s.save(out / "mapping.json")
    for folder in (out, tmp_path / "elsewhere"):
        with pytest.raises(FileExistsError, match="is the name of the kit's record"):
            s.save(folder / MANIFEST)
    assert {name: (out / name).read_bytes() for name in before} == before
    assert not (tmp_path / "elsewhere" / MANIFEST).exists()
    check_folder(out, written_by="recoup import")


def test_the_widget_says_what_the_import_says_of_the_same_file():
    """Extra columns kept, cells read as blank: the widget's notes are the import's, word for word."""
    s = MappingSession(MESSY / "charges.csv")
    imported = import_files(MESSY / "charges.csv").sources[0]
    assert s.notes() == imported.notes
    assert any(note.startswith("kept as extra columns") for note in s.notes())


def test_workbook_payments_session():
    s = MappingSession(MESSY / "payments.xlsx", kind="payments")
    assert s.mapping()["paid"] == "Paid Amt" and s.report.rows_set_aside == 2


def test_widget_draws_and_reacts_to_a_dropdown():
    box = mapping_widget(MESSY / "charges.csv")
    assert "recoup-mapping" in box._dom_classes
    status = box.children[len(box.pickers) + 3]
    assert "1,500 used" in status.value
    box.pickers["units"].value = "Patient Name"
    assert "0 used" in status.value


GROUPED = ["Claim #,Line #,Patient Acct,Ins Code,Rendering NPI,DOS,Date Billed,CPT,Units,Billed Amt",
           "C1,1,P1,MCR01,1234567893,01/31/2025,2/3/25,99213,1,$100.00",
           ",2,,,,,,36415,1,$15.00",
           ",,,,,,,Claim Total:,2,$115.00",
           "C2,1,P2,MCR01,1234567893,02/01/2025,2/4/25,99214,1,$120",
           ",2,,,,,,36415,1,$15.00"]


def test_a_grouped_report_says_what_to_fill_down_and_the_choice_is_saved(tmp_path):
    """Without a command line, a grouped report's claim fields are filled down from the widget: its
    notes name the fields, the choice changes the rows used, and mapping.json keeps it for the import."""
    path = tmp_path / "grouped.csv"
    path.write_text("\n".join(GROUPED) + "\n", encoding="utf-8")
    widget = mapping_widget(path, save_as=str(tmp_path / "mapping.json"))
    s = widget.session
    assert s.report.rows_used == 2 and any("--fill-down claim_id" in note for note in s.notes())
    group = ["claim_id", "patient_id", "payer_id", "rendering_npi", "service_date", "submitted_date"]
    assert s.fill_down_options() == group
    widget.fill_down.value = tuple(group)
    assert s.report.rows_used == 4 and s.report.rows_set_aside == 1
    assert "'Claim #' (claim_id): 2 blank cell(s) filled from the row above (fill-down)" in s.notes()
    with pytest.raises(ValueError, match="'units' cannot be filled down"):
        s.set_fill_down(["units"])
    saved = s.save(tmp_path / "mapping.json")
    assert json.loads(saved.read_text())["fill_down"] == group
    again = import_files(path, mapping=saved)
    assert again.tables["claim_lines.csv"]["claim_id"].tolist() == ["C1", "C1", "C2", "C2"]


@pytest.mark.parametrize("seed", [2025, 909, 3, 4])
def test_the_widget_opens_on_every_header_style_a_single_modifier_column_included(tmp_path, seed):
    from recoup_lib.synthetic import generate_practice, write_messy_export

    practice = generate_practice(lines=300, seed=seed, profile="family_practice")
    write_messy_export(practice, tmp_path, claims837=False)
    widget = mapping_widget(tmp_path / "charges.csv", save_as=str(tmp_path / "mapping.json"))
    chosen = widget.session.mapping()["modifiers"]
    assert chosen and not widget.session.missing
    assert all(header in widget.session.headers for header in ([chosen] if isinstance(chosen, str) else chosen))


DATA = Path(__file__).resolve().parents[1] / "tests" / "data"


@pytest.mark.parametrize("path, kind", [(DATA / "837" / "demo.example1.837", "claims"),
                                        (DATA / "835" / "domain-5.5.835", "payments")])
def test_an_x12_file_is_named_as_one_and_not_offered_its_first_segment_as_a_header(path, kind):
    """An office hands the widget its 837 or 835 file: the session refuses it saying the import reads it as
    it is (before, the ISA or ST segment was offered as the one header and every field was 'missing')."""
    with pytest.raises(InputError, match=rf"{path.name}: an X12 file .* reads as it is"):
        MappingSession(path, kind)
    box = mapping_widget(path, kind)
    assert box.session is None and "recoup-mapping" in box._dom_classes
    assert "an X12 file" in box.children[-1].value and "ISA*" not in box.children[-1].value


def test_the_widget_opens_on_a_file_it_cannot_read_and_says_why(tmp_path):
    empty = tmp_path / "charges.csv"
    empty.write_text("")
    box = mapping_widget(empty)
    assert box.session is None and "the file is empty" in box.children[-1].value
    assert "file not found" in mapping_widget(tmp_path / "gone.csv").children[-1].value


UNNUMBERED = ["Claim #,Patient Acct,Ins Code,Rendering NPI,DOS,CPT,Units,Billed Amt",
              "C1,P1,MCR01,1234567893,01/31/2025,99213,1,$100.00",
              "C1,P1,MCR01,1234567893,01/31/2025,36415,1,$15.00"]


def test_an_export_without_line_numbers_is_previewed_as_the_import_reads_it(tmp_path):
    """The preview stood in for line numbers and billed dates as if --infer-missing were given, while the
    `recoup import --map` it prepared stopped, naming the option. Without the "infer missing" choice the
    preview says the import stops and why; with it, it shows the stand-ins and the command carries the
    option, which the import then needs and takes."""
    from recoup_lib.ingest._claims_stand_ins import LINE_NO_NOTE

    path = tmp_path / "charges.csv"
    path.write_text("\n".join(UNNUMBERED) + "\n", encoding="utf-8")
    widget = mapping_widget(path, save_as=str(tmp_path / "mapping.json"))
    s = widget.session
    status = widget.children[len(widget.pickers) + 3]
    shown = widget.children[len(widget.pickers) + 7]
    assert s.report is None and s.missing == ["line_no", "submitted_date"]
    assert s.status() == (
        "Choose a column for: line_no, submitted_date; without a column for line_no or submitted_date the import "
        "stops, unless given --infer-missing (choose \"infer missing\") to number each claim's lines in the order "
        "the export lists them and take each line's service date as its billed date")
    assert "--infer-missing" in html.unescape(status.value)
    assert s.command() == f"recoup import --claims {path} --map mapping.json --out FOLDER"
    assert "--infer-missing" not in html.unescape(shown.value)
    saved = s.save(tmp_path / "mapping.json")
    with pytest.raises(InputError, match="give --infer-missing"):
        import_files(path, mapping=saved)
    widget.infer_missing.value = True
    assert s.missing == [] and s.report.rows_used == 2 and LINE_NO_NOTE in s.notes()
    assert f"recoup import --claims {path} --map {tmp_path / 'mapping.json'} --infer-missing --out FOLDER" in (
        html.unescape(shown.value))
    assert import_files(path, mapping=saved, infer_missing=True).tables["claim_lines.csv"]["line_no"].tolist() == [1, 2]
    pay = tmp_path / "pay.csv"
    pay.write_text("Claim #,CPT,Check #,Check Date,Paid\nC1,99213,EFT1,02/20/2025,64.00\n", encoding="utf-8")
    paid = MappingSession(pay, "payments")
    assert paid.missing == ["line_no"] and "put each payment on the line of its claim" in paid.status()
    assert paid.command("m.json") == f"recoup import --claims CLAIMS_FILE --payments {pay} --map m.json --out FOLDER"
    paid.set_infer_missing(True)
    assert paid.missing == [] and paid.report.rows_used == 1



def test_the_import_command_shown_runs_with_the_export_and_mapping_in_two_folders(tmp_path):
    """The command gave the export and mapping.json by file name only, which ran only from a folder holding
    both; lesson 09 opens the export in one folder and saves the mapping in another. It now gives their
    paths, quoted as the commands quote theirs, and runs in bash from anywhere."""
    export, work, elsewhere = tmp_path / "Q1 (2025) export", tmp_path / "O'Brien's work", tmp_path / "elsewhere"
    for folder in (export, work, elsewhere):
        folder.mkdir()
    (export / "charges.csv").write_text("\n".join(UNNUMBERED) + "\n", encoding="utf-8")
    s = MappingSession(export / "charges.csv", infer_missing=True)
    s.save(work / "mapping.json")
    command = s.command(work / "mapping.json").replace("FOLDER", shown_path(tmp_path / "imported"))
    recoup = f"{shown_path(sys.executable)} -m recoup_lib"
    env = {**os.environ, "PYTHONPATH": str(Path(recoup_lib.__file__).parents[1])}
    done = subprocess.run(["bash", "-c", command.replace("recoup ", recoup + " ", 1)], cwd=elsewhere, env=env,
                          capture_output=True, text=True)
    assert done.returncode == 0, (command, done.stderr)
    assert (tmp_path / "imported" / "claim_lines.csv").is_file()


def test_a_no_code_app_leaves_the_import_command_out(tmp_path):
    """The practice desk maps an export into a temporary folder: the command with that folder's path was on
    its page (no command for its user to run). ``show_command=False`` leaves it out."""
    path = tmp_path / "charges.csv"
    path.write_text("\n".join(UNNUMBERED) + "\n", encoding="utf-8")
    shown = mapping_widget(path, save_as=str(tmp_path / "mapping.json"))
    hidden = mapping_widget(path, save_as=str(tmp_path / "mapping.json"), show_command=False)
    texts = [[c.value for c in box.children if hasattr(c, "value") and isinstance(c.value, str)]
             for box in (shown, hidden)]
    assert any("The import: <code>recoup import" in t for t in texts[0])
    assert not any("recoup import" in t or str(tmp_path) in t for t in texts[1])


def test_a_documentation_export_without_line_numbers_is_previewed_with_what_infer_missing_does(tmp_path):
    """As for payments, the preview of notes without line numbers says how the import places them: an export
    with no line number column (once "infer missing" is chosen), and one whose line number cells are
    partly blank (set aside without the option, placed with it)."""
    visits = tmp_path / "notes.csv"
    visits.write_text("Encounter #,DOS,CPT,Note Present,Signed\nC1,01/31/2025,99213,Y,Y\nC1,01/31/2025,,Y,N\n",
                      encoding="utf-8")
    notes = MappingSession(visits, "documentation")
    assert notes.missing == ["line_no"] and "--infer-missing" in notes.status()
    notes.set_infer_missing(True)
    assert notes.missing == [] and notes.report.rows_used == 2
    assert any(n.startswith("no line number column: the import puts each note on the line of its claim with its "
                            "CPT code") and "on every line of its visit" in n for n in notes.notes())
    numbered = tmp_path / "numbered.csv"
    numbered.write_text("Encounter #,Line #,DOS,CPT,Note Present,Signed\nC1,1,01/31/2025,99213,Y,Y\n"
                        "C1,,01/31/2025,36415,Y,N\n", encoding="utf-8")
    blanks = MappingSession(numbered, "documentation")
    assert "1 row(s) with a blank line number: set aside (give --infer-missing to put each on the lines it " \
           "documents)" in blanks.notes()
    blanks.set_infer_missing(True)
    assert any(n.startswith("1 row(s) with a blank line number: the import puts each note") for n in blanks.notes())
