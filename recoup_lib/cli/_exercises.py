"""``recoup exercises build|grade``: trainee copies from masters; scores from recorded answers.

Both work from any working folder: the exercises folder is ``--folder``, else
``$RECOUP_EXERCISES``, else the repository's ``exercises/`` (found from where
the kit is installed), else ``exercises/`` here.
"""

from __future__ import annotations

ORDER = 90

_FOLDER_HELP = ("the exercises folder, holding masters/ (default: $RECOUP_EXERCISES, else the kit's own "
                "exercises/ folder, else ./exercises)")


def add_parser(sub):
    p = sub.add_parser(
        "exercises", help="build trainee exercise notebooks; grade trainees' answers",
        description="Trainer tools for the exercises in exercises/: `build` writes the trainee "
        "copies from exercises/masters (solutions removed, outputs stripped); `grade` runs the "
        "public and hidden checks on the answer files trainees' check() calls wrote. Both find the "
        "kit's exercises/ folder from any working folder.")
    actions = p.add_subparsers(dest="action", metavar="ACTION")
    actions.required = True
    b = actions.add_parser("build", help="write trainee copies from the masters",
                           description="Write exercises/exNN_name.ipynb from exercises/masters/.")
    b.add_argument("--folder", help=_FOLDER_HELP)
    b.add_argument("--out", help="write the copies here instead of the exercises folder")
    b.add_argument("--check", action="store_true",
                   help="write nothing; exit 1 when a trainee copy differs from a fresh build")
    b.add_argument("--force", action="store_true",
                   help="replace trainee copies someone edited since they were built (the edits are lost; "
                        "without it the build stops with exit 2 and names them)")
    b.set_defaults(run=run)
    g = actions.add_parser("grade", help="score recorded answers (public + hidden checks)",
                           description="Grade answer files (*.json written by check()), folders "
                           "of them (e.g. answers/), or trainees' notebooks (their answers are found "
                           "in answers/<TRAINEE>/ beside them) and write scores per trainee and "
                           "question: public and hidden checks. With no path, grades $RECOUP_ANSWERS, "
                           "else the answers/ folder inside the exercises folder (where trainees' "
                           "notebooks write them).")
    g.add_argument("answers", nargs="*", help="answer files, folders of them, or trainee notebooks")
    g.add_argument("--folder", help=_FOLDER_HELP + "; its answers/ is graded when no path is given")
    g.add_argument("--out", help="write the scores to this CSV file")
    g.set_defaults(run=run)
    p.set_defaults(run=run)
    return p


def _default_answers(folder) -> str:
    import os

    from ..errors import UsageError
    from ..exercises import ANSWERS_ENV, exercises_folder

    path = os.environ.get(ANSWERS_ENV) or exercises_folder(folder) / "answers"
    if not os.path.isdir(path):
        raise UsageError(f"no answers to grade in {path} (trainees' check() calls write them there); "
                         "name the answer files, folders or trainee notebooks to grade")
    return str(path)


def run(args) -> int:
    from ..errors import RecoupError

    if args.action == "build":
        from ..exercises import build_all, exercises_folder

        folder = exercises_folder(args.folder)
        if args.check:
            touched = build_all(folder, args.out, check=True)
            edited = [] if args.force else touched.edited
            stale = [p.name for p in touched if p not in edited]
            problems = ([f"trainee copies out of date: {', '.join(stale)} (run `recoup exercises build`"
                         + (" --force" if args.force else "") + ")"] if stale else []) + (
                [f"trainee copies edited since they were built: {', '.join(p.name for p in edited)} "
                 "(a build would stop rather than write over the edits: rename or move them to keep the "
                 "edits, or build with --force to replace them)"] if edited else [])
            if problems:
                raise RecoupError("; ".join(problems))
            print(f"trainee copies up to date in {folder}")
            return 0
        touched = build_all(folder, args.out, force=args.force)
        print(f"{len(touched)} trainee cop{'y' if len(touched) == 1 else 'ies'} written"
              + (f" (masters in {folder / 'masters'})" if args.folder is None else "")
              + "".join(f"\n  {p}" for p in touched))
        return 0

    from ..errors import InputError
    from ..exercises import GRADE_WRITTEN_BY, grade_records, read_answer_files
    from ..folder import write_csv
    from ..outputs import check_file, output_file
    from ..wording import rows_counted

    paths = args.answers or [_default_answers(args.folder)]
    if args.out:
        check_file(args.out, inputs=paths, written_by=GRADE_WRITTEN_BY)
    if not args.answers:
        print(f"grading the answers in {paths[0]}")
    set_aside: list[str] = []
    records = read_answer_files(paths, set_aside=set_aside)
    read = len(records) + len(set_aside)
    table = grade_records(records, set_aside=set_aside)
    used = read - len(set_aside)
    if set_aside and not used:
        more = f" (and {len(set_aside) - 1:,} more file(s) like it)" if len(set_aside) > 1 else ""
        raise InputError(set_aside[0] + more)
    if set_aside:
        print(f"answer files: {rows_counted(read, used, len(set_aside), read_words='read')} (not graded):")
        print("\n".join(f"  {message}" for message in set_aside))
    per_trainee = table.groupby(["trainee", "exercise"], sort=True).agg(
        score=("score", "sum"), questions=("score", "size"), answered=("answered", "sum"))
    for (trainee, exercise), r in per_trainee.iterrows():
        print(f"{trainee:<20} {exercise:<28} {r['score']:>3} / {r['questions']:<3}"
              f" ({r['answered']} answered)")
    if args.out:
        with output_file(args.out, inputs=paths, written_by=GRADE_WRITTEN_BY) as path:
            write_csv(table, path)
        print(f"scores written to {args.out}")
    return 0
