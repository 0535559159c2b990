"""``recoup exercises build|grade``: trainee copies from masters; scores from recorded answers."""

from __future__ import annotations

ORDER = 90


def add_parser(sub):
    p = sub.add_parser(
        "exercises", help="build trainee exercise notebooks; grade trainees' answers",
        description="Trainer tools for the exercises in exercises/: `build` writes the trainee "
        "copies from exercises/masters (solutions removed, outputs stripped); `grade` runs the "
        "public and hidden checks on the answer files trainees' check() calls wrote.")
    actions = p.add_subparsers(dest="action", metavar="ACTION")
    actions.required = True
    b = actions.add_parser("build", help="write trainee copies from the masters",
                           description="Write exercises/exNN_name.ipynb from exercises/masters/.")
    b.add_argument("--folder", default="exercises", help="the exercises folder (default: exercises)")
    b.add_argument("--out", help="write the copies here instead of the exercises folder")
    b.add_argument("--check", action="store_true",
                   help="write nothing; exit 1 when a trainee copy differs from a fresh build")
    b.set_defaults(run=run)
    g = actions.add_parser("grade", help="score recorded answers (public + hidden checks)",
                           description="Grade answer files (*.json written by check()), folders "
                           "of them (e.g. answers/), or trainees' notebooks (their answers are found "
                           "in answers/<TRAINEE>/ beside them) and write scores per trainee and "
                           "question: public and hidden checks.")
    g.add_argument("answers", nargs="+", help="answer files, folders of them, or trainee notebooks")
    g.add_argument("--out", help="write the scores to this CSV file")
    g.set_defaults(run=run)
    p.set_defaults(run=run)
    return p


def run(args) -> int:
    from ..errors import RecoupError

    if args.action == "build":
        from ..exercises import build_all

        touched = build_all(args.folder, args.out, check=args.check)
        if args.check:
            if touched:
                raise RecoupError("trainee copies out of date: " + ", ".join(p.name for p in touched)
                                  + " (run `recoup exercises build`)")
            print("trainee copies up to date")
            return 0
        print(f"{len(touched)} trainee cop{'y' if len(touched) == 1 else 'ies'} written"
              + "".join(f"\n  {p}" for p in touched))
        return 0

    from ..exercises import grade_paths
    from ..folder import write_csv

    table = grade_paths(args.answers)
    per_trainee = table.groupby(["trainee", "exercise"], sort=True).agg(
        score=("score", "sum"), questions=("score", "size"), answered=("answered", "sum"))
    for (trainee, exercise), r in per_trainee.iterrows():
        print(f"{trainee:<20} {exercise:<28} {r['score']:>3} / {r['questions']:<3}"
              f" ({r['answered']} answered)")
    if args.out:
        write_csv(table, args.out)
        print(f"scores written to {args.out}")
    return 0
