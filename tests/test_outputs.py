"""recoup_lib.outputs: result folders and files written whole, only over what the kit wrote."""

from __future__ import annotations

import json
import os

import pytest

from recoup_lib.errors import UsageError
from recoup_lib.formulas import guard_text, unguard_text
from recoup_lib.outputs import MANIFEST, check_file, check_folder, output_file, output_folder, staged


def _write(folder, files):
    with output_folder(folder, written_by="test") as stage:
        for name, text in files.items():
            (stage / name).parent.mkdir(parents=True, exist_ok=True)
            (stage / name).write_text(text, encoding="utf-8")
    return folder


def test_a_folder_appears_whole_with_a_manifest_of_every_file(tmp_path):
    out = _write(tmp_path / "out", {"a.csv": "x\n", "sub/b.csv": "y\n"})
    manifest = json.loads((out / MANIFEST).read_text(encoding="utf-8"))
    assert sorted(manifest["files"]) == ["a.csv", "sub/b.csv"]
    assert manifest["files"]["a.csv"]["bytes"] == 2 and manifest["written_by"] == "test"
    assert sorted(p.name for p in tmp_path.iterdir()) == ["out"]


def test_a_rerun_replaces_the_kits_files_and_leaves_nothing_stale(tmp_path):
    out = _write(tmp_path / "out", {"a.csv": "x\n", "letters/1.md": "old"})
    _write(out, {"a.csv": "new\n"})
    assert not (out / "letters").exists() and (out / "a.csv").read_text() == "new\n"


def test_an_error_inside_leaves_the_previous_result_untouched(tmp_path):
    out = _write(tmp_path / "out", {"a.csv": "x\n"})
    with pytest.raises(RuntimeError):
        with output_folder(out, written_by="test") as stage:
            (stage / "a.csv").write_text("half", encoding="utf-8")
            raise RuntimeError("failed half way")
    assert (out / "a.csv").read_text() == "x\n"
    assert sorted(p.name for p in tmp_path.iterdir()) == ["out"]


@pytest.mark.parametrize("change", ["user_file", "edited", "empty_manifest", "symlink"])
def test_a_folder_holding_what_the_kit_did_not_write_is_refused(tmp_path, change):
    out = _write(tmp_path / "out", {"a.csv": "x\n"})
    if change == "user_file":
        (out / "notes.txt").write_text("mine", encoding="utf-8")
    elif change == "edited":
        (out / "a.csv").write_text("x, edited\n", encoding="utf-8")
    elif change == "empty_manifest":
        (out / MANIFEST).write_text("{}", encoding="utf-8")
    else:
        (out / "link").symlink_to(tmp_path)
    with pytest.raises(UsageError, match="did not write"):
        check_folder(out, written_by="test")
    with pytest.raises(UsageError):
        _write(out, {"a.csv": "new\n"})
    assert (out / "a.csv").exists()


def test_a_long_list_of_files_is_cut_the_same_way_in_every_message(tmp_path):
    """The refusal of a folder holding the user's files and a command's last line ("wrote N files")
    list the first few names and how many more, with one helper (:func:`recoup_lib.wording.listed`, still
    importable from :mod:`recoup_lib.outputs`, where it was first)."""
    from recoup_lib import outputs
    from recoup_lib.cli import files_written
    from recoup_lib.wording import listed

    assert outputs.listed is listed

    out = _write(tmp_path / "out", {"a.csv": "x\n"})
    mine = [f"mine{n}.txt" for n in range(5)]
    for name in mine:
        (out / name).write_text("mine", encoding="utf-8")
    with pytest.raises(UsageError) as refused:
        check_folder(out, written_by="test")
    assert "(mine0.txt, mine1.txt, mine2.txt and 2 more)" in str(refused.value)
    assert files_written(out, [out / name for name in mine], shown=3) == f"5 files to {out} ({listed(mine)})"
    assert listed([f"f{n}" for n in range(1204)], 1) == "f0 and 1,203 more"


def test_the_refusal_of_a_folder_counts_every_file_of_the_users(tmp_path):
    """A folder holding 1,004 of the user's files (two of them in a subfolder, one the kit's file edited
    since) was refused naming three and "47 more": the count stopped at 50."""
    out = _write(tmp_path / "out", {"a.csv": "x\n", "b.csv": "y\n"})
    (out / "a.csv").write_text("edited\n", encoding="utf-8")
    (out / "sub").mkdir()
    for n in range(1003):
        (out / ("sub" if n < 2 else ".") / f"mine{n:04d}.txt").write_text("mine", encoding="utf-8")
    with pytest.raises(UsageError) as refused:
        check_folder(out, written_by="test")
    assert "(a.csv, mine0002.txt, mine0003.txt and 1,001 more)" in str(refused.value)


def test_force_replaces_the_kits_files_even_edited_but_keeps_the_users(tmp_path):
    out = tmp_path / "out"
    with output_folder(out) as stage:
        (stage / "a.csv").write_text("kit\n", encoding="utf-8")
    (out / "a.csv").write_text("edited by hand\n", encoding="utf-8")
    (out / "mine.835").write_text("user", encoding="utf-8")
    with output_folder(out, force=True) as stage:
        (stage / "a.csv").write_text("kit again\n", encoding="utf-8")
    assert (out / "mine.835").read_text() == "user" and (out / "a.csv").read_text() == "kit again\n"
    assert list(json.loads((out / MANIFEST).read_text())["files"]) == ["a.csv"]


def test_force_never_writes_over_a_users_file_under_a_results_name(tmp_path):
    out = tmp_path / "out"
    out.mkdir()
    (out / "a.csv").write_text("not the kit's", encoding="utf-8")
    (out / "mine.835").write_text("user", encoding="utf-8")
    with pytest.raises(UsageError, match=r"did not write under the names of its results \(a\.csv\)"):
        with output_folder(out, force=True) as stage:
            (stage / "a.csv").write_text("kit\n", encoding="utf-8")
            (stage / "b.csv").write_text("kit\n", encoding="utf-8")
    assert sorted(p.name for p in out.iterdir()) == ["a.csv", "mine.835"]
    assert (out / "a.csv").read_text() == "not the kit's"


@pytest.mark.parametrize("where", ["is_input", "inside_input", "holds_input"])
def test_an_output_touching_an_input_is_refused(tmp_path, where):
    data = tmp_path / "data"
    data.mkdir()
    (data / "claims.csv").write_text("x", encoding="utf-8")
    out = {"is_input": data, "inside_input": data / "out", "holds_input": tmp_path}[where]
    with pytest.raises(UsageError, match="input"):
        check_folder(out, inputs=[data])


def test_an_out_that_is_a_file_or_under_one_is_refused(tmp_path):
    (tmp_path / "f").write_text("x", encoding="utf-8")
    with pytest.raises(UsageError, match="a file is in the way"):
        check_folder(tmp_path / "f")
    with pytest.raises(UsageError, match="is a file, not a folder"):
        check_folder(tmp_path / "f" / "out")


def test_the_working_folder_itself_is_swapped_by_its_contents(tmp_path, monkeypatch):
    here = tmp_path / "here"
    here.mkdir()
    monkeypatch.chdir(here)
    _write(".", {"a.csv": "1\n"})
    _write(".", {"b.csv": "2\n"})
    assert sorted(p.name for p in here.iterdir()) == [MANIFEST, "b.csv"]
    assert os.getcwd() == str(here) and sorted(p.name for p in tmp_path.iterdir()) == ["here"]


def test_a_killed_runs_leftovers_are_tidied_and_a_result_put_aside_comes_back(tmp_path):
    out = _write(tmp_path / "out", {"a.csv": "x\n"})
    dead = 2**22 + 12345  # above the usual pid range: no such process
    (tmp_path / f".out.recoup-new-{dead}-0badcafe").mkdir()
    out.rename(tmp_path / f".out.recoup-old-{dead}-0badcafe")
    _write(out, {"b.csv": "y\n"})
    assert sorted(p.name for p in tmp_path.iterdir()) == ["out"]
    assert (out / "b.csv").exists()


def test_one_file_is_written_whole_and_replaced_only_when_the_kit_wrote_it(tmp_path):
    target = tmp_path / "scores.csv"
    for text in ("first\n", "second\n"):
        with output_file(target) as temporary:
            temporary.write_text(text, encoding="utf-8")
    assert target.read_text() == "second\n"
    assert sorted(p.name for p in tmp_path.iterdir()) == ["scores.csv"]
    target.write_text("edited by hand\n", encoding="utf-8")
    with pytest.raises(UsageError, match="cannot tell it wrote"):
        check_file(target)
    with pytest.raises(UsageError, match="a folder is in the way"):
        check_file(tmp_path)


def test_one_file_in_a_result_folder_joins_its_manifest_under_its_own_writer(tmp_path):
    """score.csv written into an audit's folder: its own step may write it again; the audit, rerun into
    the folder, is refused naming it (it would delete the score), as is another single-file step."""
    out = _write(tmp_path / "out", {"a.csv": "x\n"})
    for text in ("s\n", "s again\n"):
        with output_file(out / "score.csv", written_by="recoup score") as temporary:
            temporary.write_text(text, encoding="utf-8")
    manifest = json.loads((out / MANIFEST).read_text())
    assert manifest["written_by"] == "test" and manifest["files"]["score.csv"]["written_by"] == "recoup score"
    assert "written_by" not in manifest["files"]["a.csv"]
    with pytest.raises(UsageError, match=r"holds the results of `recoup score` \(score\.csv\)"):
        check_folder(out, written_by="test")
    with pytest.raises(UsageError, match="holds a result of `recoup score`"):
        check_file(out / "score.csv", written_by="recoup exercises grade")
    assert (out / "score.csv").read_text() == "s again\n" and (out / "a.csv").read_text() == "x\n"


def test_writes_inside_a_staging_folder_go_straight_in(tmp_path):
    with output_folder(tmp_path / "out") as stage:
        assert staged(stage / "x.csv") and not staged(tmp_path)
        with output_file(stage / "x.csv") as path:
            assert path == stage / "x.csv"
            path.write_text("x", encoding="utf-8")
    assert (tmp_path / "out" / "x.csv").read_text() == "x"


@pytest.mark.parametrize("text", ["=1+1", "+A1", "-A1", "@SUM(A1)", "\tx", "\rx", "'=x", "''-y"])
def test_guarded_text_is_inert_and_comes_back(text):
    guarded = guard_text(text)
    assert guarded.startswith("'") and unguard_text(guarded) == text


@pytest.mark.parametrize("text", ["-40.50", "+3", "1e5", "-.5", "plain", "'quoted", "", "a=b"])
def test_numbers_and_plain_text_are_left_alone(text):
    assert guard_text(text) == text and unguard_text(text) == text


def test_tables_written_side_by_side_all_join_the_folders_manifest(tmp_path):
    """write_csvs writes in threads: each file is the one write_csv writes alone, and none of their
    manifest entries is lost to another thread reading and writing the manifest at the same time."""
    import pandas as pd

    from recoup_lib.csvout import write_csv, write_csvs

    out = _write(tmp_path / "out", {"a.csv": "x\n"})
    tables = {out / f"t{i}.csv": pd.DataFrame({"n": range(i * 500), "text": "a, \"b\""}) for i in range(1, 9)}
    assert write_csvs(tables) == {path: path for path in tables}
    manifest = json.loads((out / MANIFEST).read_text(encoding="utf-8"))
    assert sorted(manifest["files"]) == ["a.csv"] + sorted(p.name for p in tables)
    for path, frame in tables.items():
        alone = write_csv(frame, tmp_path / f"alone_{path.name}")
        assert path.read_bytes() == alone.read_bytes()
        check_file(path)  # the kit recognises each as its own, so a rerun may replace it
    (tmp_path / "users.csv").write_text("mine\n")
    with pytest.raises(UsageError, match="cannot tell it wrote"):
        write_csvs({tmp_path / "users.csv": pd.DataFrame({"n": [1]}), tmp_path / "new.csv": pd.DataFrame({"n": [2]})})
    assert (tmp_path / "users.csv").read_text() == "mine\n" and (tmp_path / "new.csv").read_text() == "n\n2\n"


def test_the_output_writer_uses_only_the_manifest_modules_public_names():
    import ast
    from pathlib import Path

    import recoup_lib.manifest
    import recoup_lib.outputs

    tree = ast.parse(Path(recoup_lib.outputs.__file__).read_text(encoding="utf-8"))
    taken = [alias.name for node in ast.walk(tree) if isinstance(node, ast.ImportFrom) and node.module == "manifest"
             for alias in node.names]
    assert taken and set(taken) <= set(recoup_lib.manifest.__all__), taken


def test_the_refusal_of_a_huge_folder_stops_counting_and_says_at_least(tmp_path, monkeypatch):
    """An --out given as a home folder is refused at once: counting stops at COUNT_CAP entries (here
    lowered to 100) and the message says "at least", never a figure that understates."""
    import recoup_lib.manifest as manifest

    monkeypatch.setattr(manifest, "COUNT_CAP", 100)
    monkeypatch.setattr("recoup_lib.outputs.COUNT_CAP", 100)
    out = tmp_path / "home"
    for folder in range(5):
        (out / f"d{folder}").mkdir(parents=True)
        for n in range(60):
            (out / f"d{folder}" / f"f{n:02d}.txt").write_text("mine", encoding="utf-8")
    found, count = manifest.foreign_entries(out, limit=3)
    assert (len(found), count) == (3, 100)
    assert manifest.foreign_entries(out, limit=None)[1] == 300
    with pytest.raises(UsageError) as refused:
        check_folder(out)
    assert "(d0/f00.txt, d0/f01.txt, d0/f02.txt and at least 97 more)" in str(refused.value)


def test_a_folder_another_step_wrote_is_refused_naming_it_and_left_whole(tmp_path):
    """Any step accepted any file the manifest listed: an audit's --out mistyped as another command's
    folder deleted every file there. Now only the step that wrote a folder replaces it."""
    out = _write(tmp_path / "out", {"a.csv": "x\n", "sub/b.csv": "y\n"})
    with pytest.raises(UsageError, match=r"holds the results of `test` \(a\.csv, sub/b\.csv\); `recoup audit` "
                                         r"writes over only its own results.*Choose a new or empty folder"):
        with output_folder(out, written_by="recoup audit") as stage:
            (stage / "findings.csv").write_text("f\n", encoding="utf-8")
    assert sorted(p.relative_to(out).as_posix() for p in out.rglob("*.csv")) == ["a.csv", "sub/b.csv"]
    _write(out, {"c.csv": "z\n"})  # the step that wrote it replaces it, stale files gone
    assert sorted(p.name for p in out.iterdir()) == [MANIFEST, "c.csv"]


def test_force_keeps_another_steps_files_with_their_records(tmp_path):
    out = _write(tmp_path / "out", {"findings.csv": "f\n", "letters/1.md": "l"})
    (out / "notes.txt").write_text("mine", encoding="utf-8")
    with output_folder(out, force=True, written_by="recoup generate") as stage:
        (stage / "claim_lines.csv").write_text("c\n", encoding="utf-8")
    assert (out / "findings.csv").read_text() == "f\n" and (out / "letters/1.md").read_text() == "l"
    assert (out / "notes.txt").read_text() == "mine"
    manifest = json.loads((out / MANIFEST).read_text(encoding="utf-8"))
    assert manifest["written_by"] == "recoup generate"
    assert {rel: entry.get("written_by") for rel, entry in manifest["files"].items()} == {
        "claim_lines.csv": None, "findings.csv": "test", "letters/1.md": "test"}
    with pytest.raises(UsageError, match=r"holds files `recoup generate` did not write under the names of its "
                                         r"results \(findings\.csv\).*nothing was changed"):
        with output_folder(out, force=True, written_by="recoup generate") as stage:
            (stage / "findings.csv").write_text("g\n", encoding="utf-8")
    assert (out / "findings.csv").read_text() == "f\n" and (out / "claim_lines.csv").read_text() == "c\n"


def test_records_of_an_older_kit_count_as_the_folders_writer_or_another_steps(tmp_path):
    """An older manifest names only the folder's writer, for the command line the step's name, from Python
    its package: a package two steps share (remit: remit and reconcile) or no name at all is another
    step's, so neither step deletes it."""
    out = _write(tmp_path / "out", {"a.csv": "x\n"})
    document = json.loads((out / MANIFEST).read_text(encoding="utf-8"))
    for older, step, accepted in [("recoup_lib.rules", "recoup audit", True), ("recoup audit", "recoup audit", True),
                                  ("recoup_lib.remit", "recoup remit", False),
                                  ("recoup_lib.remit", "recoup reconcile", False),
                                  (None, "recoup audit", False), ("recoup_lib.rules", "recoup report", False)]:
        (out / MANIFEST).write_text(json.dumps({**document, "written_by": older}), encoding="utf-8")
        if accepted:
            check_folder(out, written_by=step)
            check_file(out / "a.csv", written_by=step)
        else:
            with pytest.raises(UsageError, match="holds the results of"):
                check_folder(out, written_by=step)
            with pytest.raises(UsageError, match="holds a result of"):
                check_file(out / "a.csv", written_by=step)


def test_a_callers_own_check_never_overrides_the_kits_record_of_another_step(tmp_path):
    """``owned`` was asked before the kit's record, so a caller recognising any JSON as its own replaced
    another step's result, and a file named as the manifest could be written over a folder's record. The
    record now decides where there is one; ``owned`` only for a file the kit holds no record of."""
    out = _write(tmp_path / "out", {"a.csv": "x\n"})
    (tmp_path / "theirs.csv").write_text("t\n", encoding="utf-8")
    with pytest.raises(UsageError, match="holds a result of `test`; `recoup score` writes over only its own"):
        check_file(out / "a.csv", written_by="recoup score", owned=lambda path: True)
    check_file(tmp_path / "theirs.csv", written_by="recoup score", owned=lambda path: True)
    for folder in (out, tmp_path / "new"):
        with pytest.raises(UsageError, match=f"{MANIFEST} is the name of the kit's record"):
            check_file(folder / MANIFEST, written_by="test", owned=lambda path: True)


def test_a_single_file_an_older_kit_listed_in_a_folder_stays_its_marks_step(tmp_path):
    """An older kit listed a single file written into a folder (score.csv into an audit's) with no writer of
    its own, so it counted as the folder's: the audit run again deleted it. The mark on the file says a single
    write put it there: it is the mark's step's, or an older kit's when the mark names none."""
    from recoup_lib.manifest import fingerprint

    out = _write(tmp_path / "audit", {"findings.csv": "f\n"})
    score = out / "score.csv"
    score.write_text("s\n", encoding="utf-8")
    try:
        os.setxattr(score, "user.recoupkit.written", json.dumps(fingerprint(score)).encode())
    except OSError:
        pytest.skip("the file system keeps no extended attributes")
    document = json.loads((out / MANIFEST).read_text(encoding="utf-8"))
    document["files"]["score.csv"] = fingerprint(score)
    (out / MANIFEST).write_text(json.dumps(document), encoding="utf-8")
    with pytest.raises(UsageError, match=r"holds the results of an older version of the kit .*\(score\.csv\)"):
        with output_folder(out, written_by="test") as stage:
            (stage / "findings.csv").write_text("g\n", encoding="utf-8")
    marked = {**fingerprint(score), "written_by": "recoup score"}
    os.setxattr(score, "user.recoupkit.written", json.dumps(marked).encode())
    with pytest.raises(UsageError, match=r"holds the results of `recoup score` \(score\.csv\)"):
        check_folder(out, written_by="test")
    check_file(score, written_by="recoup score")
    assert score.read_text() == "s\n" and (out / "findings.csv").read_text() == "f\n"


def test_a_single_file_replaced_only_by_the_step_its_mark_names(tmp_path):
    from recoup_lib.manifest import fingerprint

    target = tmp_path / "score.csv"
    with output_file(target, written_by="recoup score") as temporary:
        temporary.write_text("s\n", encoding="utf-8")
    try:
        mark = json.loads(os.getxattr(target, "user.recoupkit.written"))
    except OSError:
        pytest.skip("the file system keeps no extended attributes")
    assert mark["written_by"] == "recoup score"
    check_file(target, written_by="recoup score")
    with pytest.raises(UsageError, match="holds a result of `recoup score`; `recoup exercises grade` writes over"):
        check_file(target, written_by="recoup exercises grade")
    os.setxattr(target, "user.recoupkit.written", json.dumps(fingerprint(target)).encode())  # an older kit's mark
    with pytest.raises(UsageError, match="an older version of the kit"):
        check_file(target, written_by="recoup score")


def test_every_step_writes_under_a_name_of_its_own_that_its_command_uses_too():
    """``result.write(out)`` and the command line record one name per step, so a folder either wrote is
    the same step's to write again; remit and reconcile (one package) were both "recoup_lib.remit". The
    command passes its result class's name, so the two cannot drift apart."""
    import importlib
    import inspect

    from recoup_lib.results import StepResult

    for package in ("synthetic", "ingest", "rules", "remit", "appeals", "report", "sampling"):
        importlib.import_module(f"recoup_lib.{package}")
    steps = {cls: cls.written_by for cls in _subclasses(StepResult)  # a partitioned audit is the audit's step
             if cls.__module__.startswith("recoup_lib.") and "written_by" in vars(cls)}
    assert len(steps) >= 9 and len(set(steps.values())) == len(steps), steps
    for cls, name in steps.items():
        command = name.removeprefix("recoup ")
        if command != "extrapolate":  # it prints its estimate, writes no folder
            source = inspect.getsource(importlib.import_module(f"recoup_lib.cli._{command}"))
            assert f"written_by={cls.__name__}.written_by" in source, (cls, name)


def test_every_step_name_is_written_once_where_the_step_lives():
    """score, score-appeals, exercises grade and the reference imports passed their step names to the
    output writer as literals, each typed twice or more on the command line's side: a name mistyped once
    would make a file that step can never replace. Each is now a constant beside the step it names."""
    import ast
    from pathlib import Path

    import recoup_lib
    from recoup_lib.appeals import RATES_WRITTEN_BY, SCORE_APPEALS_WRITTEN_BY
    from recoup_lib.exercises import GRADE_WRITTEN_BY
    from recoup_lib.reference.cms import WRITTEN_BY as CMS_WRITTEN_BY
    from recoup_lib.rules import SCORE_WRITTEN_BY

    package = Path(recoup_lib.__file__).parent
    literals = []
    for path in sorted(package.rglob("*.py")):
        for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
            if isinstance(node, ast.keyword) and node.arg == "written_by" and isinstance(
                    node.value, (ast.Constant, ast.JoinedStr)):
                literals.append(f"{path.relative_to(package)}:{node.value.lineno}")
    assert not literals, literals
    names = [SCORE_WRITTEN_BY, SCORE_APPEALS_WRITTEN_BY, GRADE_WRITTEN_BY, RATES_WRITTEN_BY,
             *CMS_WRITTEN_BY.values()]
    assert names == ["recoup score", "recoup score-appeals", "recoup exercises grade",
                     "recoup reference import-interest-rates", "recoup reference import-ptp",
                     "recoup reference import-mue"]


def _subclasses(cls):
    for sub in cls.__subclasses__():
        yield sub
        yield from _subclasses(sub)


def test_a_hand_edited_manifest_naming_paths_outside_the_folder_is_never_followed(tmp_path):
    out = _write(tmp_path / "out", {"a.csv": "x\n"})
    (tmp_path / "victim.csv").write_text("v\n", encoding="utf-8")
    document = json.loads((out / MANIFEST).read_text(encoding="utf-8"))
    far = {"bytes": 2, "crc32": "00000000", "written_by": "recoup audit"}
    document["files"].update({"../victim.csv": far, str(tmp_path / "victim.csv"): far})
    (out / MANIFEST).write_text(json.dumps(document), encoding="utf-8")
    check_folder(out, written_by="test")
    with output_folder(out, force=True, written_by="test") as stage:
        (stage / "b.csv").write_text("y\n", encoding="utf-8")
    assert (tmp_path / "victim.csv").read_text() == "v\n"
    assert sorted(json.loads((out / MANIFEST).read_text(encoding="utf-8"))["files"]) == ["b.csv"]
