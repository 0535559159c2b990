"""The claim reviewer's logic: a seeded deck of claims, grading against the answer key, a score.

No widget code lives here (see :mod:`recoup_lib.widgets.claim_reviewer`), so
everything a trainee can click is testable without a browser.

Grading is **per claim**: the trainee looks at one claim (all its lines, the
note behind each line, its payments and the patient's coverage) and picks
``clean`` or one of the contract's ten error types. A claim is clean when
the answer key (``labels.csv``) has no row for any of its lines; otherwise a
choice is right when it is the error type of any labelled line of the claim
(a claim with two causes accepts either, and the feedback names the other).
Per claim is how a biller reads a remittance or a demand letter: one claim
at a time, looking for the reason the money is at risk.

Only a generated practice has an answer key. An office's own folder
(``recoup import``) is reviewed against the audit's findings instead (the
findings given, or the audit run on the folder): the feedback says what the
audit finds on the claim and why, and nothing is scored, since the audit is
what is being reviewed, not the truth.

The feedback explains the billing rule with the audit rule's own words (its
``summary`` and the first paragraph of its docstring, from
:func:`recoup_lib.rules.default_registry`) and the next action of its
category (:data:`recoup_lib.rules.ACTIONS`, docs/contract.md "Findings").
"""

from __future__ import annotations

from dataclasses import dataclass, field

import numpy as np
import pandas as pd

from ..errors import InvalidParameterError
from ..money import dollars
from ..rules import ACTIONS, ERROR_TYPES, default_registry
from ._answer_key import ANSWER_KEY, audit_and_key

__all__ = ["CHOICES", "ReviewCard", "Grade", "ReviewSession", "build_deck", "grade", "rule_explanation",
           "choice_label", "card_html", "html_table", "TABLE_STYLE"]

#: What a trainee may answer for a claim: clean, or one of the ten error types.
CHOICES: tuple[str, ...] = ("clean", *ERROR_TYPES)

_LINE_FACTS = ["line_no", "procedure_code", "modifiers", "units", "charge_cents", "paid_cents",
               "fee_per_unit_cents", "mue_value", "mai"]


def choice_label(choice: str) -> str:
    """Button text for a choice: ``"units_over_mue"`` -> ``"Units over MUE"``."""
    if choice == "clean":
        return "Clean"
    text = choice.replace("_", " ").capitalize()
    return text.replace("mue", "MUE")


@dataclass(frozen=True)
class ReviewCard:
    """One claim as the trainee sees it, with its answer.

    Attributes
    ----------
    claim_id, patient_id, payer_id, rendering_npi : str
    service_date, submitted_date : pandas.Timestamp
    lines : pandas.DataFrame
        line_no, procedure_code, modifiers, units, charge_cents, paid_cents,
        fee_per_unit_cents (the payer's fee on that date, NA if none),
        mue_value, mai (NA where the code has no MUE).
    notes : pandas.DataFrame
        line_no, note_present, signed, documented_code (no row: no note on file).
    payments : pandas.DataFrame
        line_no, payment_id, payment_date, allowed_cents, paid_cents, denial_code.
    coverage : pandas.DataFrame
        The patient's spans with this payer: member_id, effective_date, termination_date.
    same_day : pandas.DataFrame
        Other claims' lines of the same patient and provider on the same
        day: claim_id, line_no, procedure_code, modifiers, units,
        submitted_date, paid_cents.
    ncci_pairs : pandas.DataFrame
        NCCI PTP pairs active on the day among the codes billed that day for
        the patient and provider: column_1, column_2, modifier_indicator.
    policies : pandas.DataFrame
        The payer's policy rows for the claim's codes: procedure_code,
        effective_date, announced_date, description.
    answer : tuple of str
        Error types of the claim in the answer key (empty: clean).
    key : pandas.DataFrame
        The answer key's rows: line_no, error_type, at_risk_cents, injected_as
        (from labels.csv) or evidence (from the audit's findings).
    not_given : tuple of str
        The optional files the folder does not have (``documentation.csv``,
        ``coverage.csv``): their tables are empty because nothing was given,
        not because the claim has no note or no coverage.
    answer_from : str
        Where ``answer`` comes from (:mod:`recoup_lib.widgets._answer_key`):
        ``"labels.csv"``, the answer key (graded), or ``"the audit"``, the
        audit's findings (shown, not scored).
    """

    claim_id: str
    patient_id: str
    payer_id: str
    rendering_npi: str
    service_date: pd.Timestamp
    submitted_date: pd.Timestamp
    lines: pd.DataFrame
    notes: pd.DataFrame
    payments: pd.DataFrame
    coverage: pd.DataFrame
    same_day: pd.DataFrame
    ncci_pairs: pd.DataFrame
    policies: pd.DataFrame
    answer: tuple[str, ...]
    key: pd.DataFrame
    not_given: tuple[str, ...] = ()
    answer_from: str = ANSWER_KEY

    @property
    def is_clean(self) -> bool:
        return not self.answer

    @property
    def scored(self) -> bool:
        """Whether an answer to this claim is graded (only against an answer key, labels.csv)."""
        return self.answer_from == ANSWER_KEY


@dataclass(frozen=True)
class Grade:
    """The verdict on one answer: ``correct``, what was chosen, the key, and the feedback text.

    ``correct`` is None when the answer is not scored (the claim's key is the
    audit's findings, not an answer key).
    """

    claim_id: str
    choice: str
    answer: tuple[str, ...]
    correct: bool | None
    feedback: str


def _pick_claims(labels: pd.DataFrame, paid_claims: pd.Index, size: int,
                 clean_share: float, rng: np.random.Generator) -> list[str]:
    """Erroneous claims round-robin over error types (each type shows up), then clean paid claims."""
    n_clean = int(round(size * clean_share))
    n_bad = size - n_clean
    others = sorted(set(labels["error_type"].astype(str)) - set(ERROR_TYPES))
    by_type = {et: rng.permutation(np.sort(labels.loc[labels["error_type"] == et, "claim_id"].unique()))
               for et in (*ERROR_TYPES, *others)}
    bad: list[str] = []
    depth = 0
    while len(bad) < n_bad and any(depth < len(v) for v in by_type.values()):
        for et in [*rng.permutation(list(ERROR_TYPES)), *others]:
            if depth < len(by_type[et]) and len(bad) < n_bad and by_type[et][depth] not in bad:
                bad.append(str(by_type[et][depth]))
        depth += 1
    clean_pool = np.sort(np.setdiff1d(paid_claims.to_numpy(dtype=object).astype(str),
                                      labels["claim_id"].to_numpy(dtype=object).astype(str)))
    clean = [str(c) for c in rng.choice(clean_pool, size=min(n_clean, len(clean_pool)), replace=False)]
    return [str(c) for c in rng.permutation(np.array(bad + clean, dtype=object))]


def _frame(df: pd.DataFrame | None, columns: list[str]) -> pd.DataFrame:
    if df is None:
        return pd.DataFrame(columns=columns)
    return df[[c for c in columns if c in df.columns]].reset_index(drop=True)


def build_deck(source, size: int = 12, seed: int = 0, clean_share: float = 0.4,
               findings=None, audit=None) -> list[ReviewCard]:
    """A shuffled, seeded deck of claims to review, mixing clean and erroneous ones.

    Parameters
    ----------
    source : str, pathlib.Path or recoup_lib.synthetic.Practice
        An audit folder, or a practice in memory. A folder with
        ``labels.csv`` (a generated practice) is graded against it; any other
        folder (an office's own, from ``recoup import``) is reviewed against
        the audit's findings, and not scored.
    size : int, default 12
        Number of claims (fewer if the practice has not enough).
    seed : int, default 0
        Same seed, same claims in the same order.
    clean_share : float, default 0.4
        Share of clean claims (claims with something paid and no label, or
        no finding).
    findings : pandas.DataFrame or path-like, optional
        For a folder without labels.csv: the audit's findings already made
        (a findings table, the ``findings.csv`` of ``recoup audit``, or its
        ``--out`` folder); refused with a practice. Default: the folder is
        audited here.
    audit : recoup_lib.rules.AuditResult, optional
        The folder's audit already run with every rule (``audit_folder``'s,
        or the one an appeal desk over the folder rests on): used rather
        than run again. Ignored with a practice.

    Returns
    -------
    list of ReviewCard

    Raises
    ------
    InvalidParameterError
        ``size`` < 1, ``clean_share`` is outside [0, 1], ``findings`` names
        no file or lacks the findings' columns, ``findings`` are given with a
        practice (labels.csv grades it), or no claim can be drawn.
    InputError
        A row of labels.csv or of the findings cannot be read (its claim
        would be shown as clean), or a finding is on a line the folder does
        not have.

    Notes
    -----
    Erroneous claims are drawn round-robin over the ten error types in a
    seeded order (then any other type the findings name, explained as
    such), so a deck of ten or more claims with no clean share shows
    every type the practice has. Clean claims are drawn from claims whose
    lines were paid (> 0) and carry no label (no finding): what was never
    paid cannot be recouped (docs/contract.md "Findings").

    Examples
    --------
    >>> deck = build_deck("synthetic/demo/family_practice", size=5, seed=1)  # doctest: +SKIP
    >>> [c.claim_id for c in deck] == [c.claim_id for c in build_deck(
    ...     "synthetic/demo/family_practice", size=5, seed=1)]  # doctest: +SKIP
    True
    """
    if size < 1:
        raise InvalidParameterError(f"size: expected a whole number >= 1; got {size!r}")
    if not 0 <= clean_share <= 1:
        raise InvalidParameterError(f"clean_share: expected a share between 0 and 1; got {clean_share!r}")
    audit, labels, answer_from = audit_and_key(source, findings, audit)
    ctx, inputs = audit.context, audit.inputs
    payments, coverage, documentation = inputs.payments, inputs.coverage, inputs.documentation
    ncci, mue, policies = inputs.ncci_ptp, inputs.mue, inputs.payer_policies
    cl = ctx.lines.copy()
    cl["fee_per_unit_cents"] = ctx.fee().to_numpy()
    if mue is not None and len(mue):
        cl = cl.merge(mue[["procedure_code", "mue_value", "mai"]].drop_duplicates("procedure_code"),
                      on="procedure_code", how="left")
    else:
        cl["mue_value"] = pd.NA
        cl["mai"] = pd.NA
    paid_claims = pd.Index(cl.loc[cl["paid_cents"] > 0, "claim_id"].unique())
    rng = np.random.default_rng(seed)
    chosen = _pick_claims(labels, paid_claims, size, clean_share, rng)
    if not chosen:
        flagged = "labelled" if answer_from == ANSWER_KEY else "flagged"
        raise InvalidParameterError(f"no claims to review: the practice has no {flagged} and no paid claims")
    return [_card(cid, cl, payments, coverage, documentation, ncci, policies, labels, answer_from)
            for cid in chosen]


def _card(claim_id, cl, payments, coverage, documentation, ncci, policies, labels, answer_from) -> ReviewCard:
    mine = cl.loc[cl["claim_id"] == claim_id].sort_values("line_no")
    first = mine.iloc[0]
    day = cl.loc[(cl["patient_id"] == first["patient_id"]) & (cl["rendering_npi"] == first["rendering_npi"])
                 & (cl["service_date"] == first["service_date"])]
    others = day.loc[day["claim_id"] != claim_id]
    codes = set(day["procedure_code"])
    if ncci is not None and len(ncci):
        d = first["service_date"]
        active = ncci.loc[ncci["column_1"].isin(codes) & ncci["column_2"].isin(codes)
                          & (ncci["effective_date"] <= d)
                          & (ncci["deletion_date"].isna() | (ncci["deletion_date"] > d))]
    else:
        active = None
    pol = None
    if policies is not None and len(policies):
        pol = policies.loc[(policies["payer_id"] == first["payer_id"])
                           & policies["procedure_code"].isin(set(mine["procedure_code"]))]
    cov = None
    if coverage is not None:
        cov = coverage.loc[(coverage["patient_id"] == first["patient_id"])
                           & (coverage["payer_id"] == first["payer_id"])]
    notes = None
    if documentation is not None:
        notes = documentation.loc[documentation["claim_id"] == claim_id]
    key = labels.loc[labels["claim_id"] == claim_id].sort_values(["line_no", "error_type"])
    answer = tuple(dict.fromkeys(key["error_type"].astype(str)))
    return ReviewCard(
        claim_id=str(claim_id), patient_id=str(first["patient_id"]), payer_id=str(first["payer_id"]),
        rendering_npi=str(first["rendering_npi"]), service_date=pd.Timestamp(first["service_date"]),
        submitted_date=pd.Timestamp(first["submitted_date"]),
        lines=_frame(mine, _LINE_FACTS),
        notes=_frame(notes, ["line_no", "note_present", "signed", "documented_code"]),
        payments=_frame(payments.loc[payments["claim_id"] == claim_id].sort_values(["line_no", "payment_date"]),
                        ["line_no", "payment_id", "payment_date", "allowed_cents", "paid_cents", "denial_code"]),
        coverage=_frame(cov, ["member_id", "effective_date", "termination_date"]),
        same_day=_frame(others, ["claim_id", "line_no", "procedure_code", "modifiers", "units",
                                 "submitted_date", "paid_cents"]),
        ncci_pairs=_frame(active, ["column_1", "column_2", "modifier_indicator"]),
        policies=_frame(pol, ["procedure_code", "effective_date", "announced_date", "description"]),
        answer=answer,
        key=_frame(key, ["line_no", "error_type", "at_risk_cents", "injected_as", "evidence"]),
        not_given=tuple(name for name, table in (("documentation.csv", documentation), ("coverage.csv", coverage))
                        if table is None),
        answer_from=answer_from,
    )


def rule_explanation(error_type: str) -> str:
    """The billing rule behind an error type, in the audit rule's words, with the next action.

    Examples
    --------
    >>> rule_explanation("missing_signature").startswith("Missing signature: the note exists but is not signed")
    True

    An error type outside the ten (findings.csv allows one) is explained as such, not looked up.
    """
    if error_type not in ERROR_TYPES:
        return (f"{choice_label(error_type)}: not one of the kit's ten error types (the findings given name it), "
                "so the kit has no rule to explain it; the finding's evidence says what was seen.")
    rule = default_registry().get(error_type)
    first_paragraph = " ".join(rule.doc.split("\n\n")[1].split()) if "\n\n" in rule.doc else ""
    text = f"{choice_label(error_type)}: {rule.summary}."
    if first_paragraph:
        text += f" {first_paragraph.replace('``', '')}"
    return text + f" Next step for the office: {ACTIONS[rule.category]}."


def _checked(card: ReviewCard) -> str:
    """What a clean claim was checked for, in a sentence's words (the files not given left out)."""
    checked = ["every line was paid by the rules"]
    checked += [what for name, what in (("documentation.csv", "the notes support the codes"),
                                        ("coverage.csv", "the patient was covered"))
                if name not in card.not_given]
    return checked[0] if len(checked) == 1 else ", ".join(checked[:-1]) + " and " + checked[-1]


def _not_given(card: ReviewCard) -> str:
    if not card.not_given:
        return ""
    return (f" ({' and '.join(card.not_given)} {'were' if len(card.not_given) > 1 else 'was'} not given, so that "
            "was not checked.)")


def grade(card: ReviewCard, choice: str) -> Grade:
    """Grade one answer for a claim against the answer key, with feedback.

    Parameters
    ----------
    card : ReviewCard
    choice : str
        ``"clean"`` or one of the ten error types.

    Returns
    -------
    Grade
        ``correct`` is None for a card whose answer is the audit's findings
        (``card.scored`` is False): the feedback says what the audit finds,
        whether it agrees with the choice, and why.

    Raises
    ------
    InvalidParameterError
        ``choice`` is not one of :data:`CHOICES`.

    Notes
    -----
    Per claim: right when the choice is ``clean`` and the key has no row for
    the claim, or when it is any error type the key gives for the claim.

    Examples
    --------
    >>> import pandas as pd
    >>> empty = pd.DataFrame()
    >>> card = ReviewCard("C1", "P1", "MCR", "1", pd.Timestamp("2025-01-02"), pd.Timestamp("2025-01-03"),
    ...     *[empty] * 7, answer=(), key=empty)
    >>> grade(card, "clean").correct
    True
    """
    if choice not in CHOICES:
        raise InvalidParameterError(f"choice: expected 'clean' or one of {', '.join(ERROR_TYPES)}; got {choice!r}")
    agrees = choice == "clean" if card.is_clean else choice in card.answer
    correct = agrees if card.scored else None
    if card.is_clean:
        said = _checked(card)
        if agrees and card.scored:
            text = (f"Right: claim {card.claim_id} is clean. {said[0].upper()}{said[1:]}, so nothing here can be "
                    f"recouped.{_not_given(card)}")
        elif agrees:
            text = f"The audit agrees: it finds nothing on claim {card.claim_id} ({said}).{_not_given(card)}"
        else:
            verdict = (f"Not this time: claim {card.claim_id} is clean (the answer key has no error on it)."
                       if card.scored else f"The audit finds nothing on claim {card.claim_id}.")
            text = f"{verdict} What {choice_label(choice).lower()} would need: {rule_explanation(choice)}"
        return Grade(card.claim_id, choice, (), correct, text)
    facts = []
    for row in card.key.to_dict("records"):
        how = row.get("injected_as") if card.scored else row.get("evidence")
        how = "" if how is None or pd.isna(how) or not str(how).strip() else f", {how}"
        facts.append(f"line {row['line_no']}: {choice_label(row['error_type']).lower()}{how} "
                     f"({dollars(row['at_risk_cents'])} at risk)")
    found = "; ".join(facts)
    if agrees:
        others = [e for e in card.answer if e != choice]
        text = f"{'Right' if card.scored else 'The audit finds the same'}: {found}. {rule_explanation(choice)}"
        if others:
            text += (" This claim also has: " if card.scored else " The audit also finds: ") + ", ".join(
                choice_label(e).lower() for e in others) + "."
    else:
        what = "clean" if choice == "clean" else choice_label(choice).lower()
        verdict = f"Not {what}: the answer key says" if card.scored else f"The audit does not find {what}; it finds"
        text = f"{verdict} {found}. " + " ".join(rule_explanation(e) for e in card.answer)
    return Grade(card.claim_id, choice, card.answer, correct, text)


@dataclass
class ReviewSession:
    """A trainee's pass through a deck: the current claim, the answers given, the running score.

    Only the first answer to a claim counts towards the score (trying again
    after reading the feedback shows the feedback again but scores nothing).
    A deck reviewed against the audit's findings (an office's folder, no
    labels.csv) keeps the answers but scores none (:attr:`scored`).

    Examples
    --------
    >>> session = ReviewSession(build_deck("synthetic/demo/family_practice", size=3))  # doctest: +SKIP
    >>> session.answer("clean").correct in (True, False)  # doctest: +SKIP
    True
    """

    deck: list[ReviewCard]
    position: int = 0
    grades: dict[int, Grade] = field(default_factory=dict)

    @property
    def current(self) -> ReviewCard:
        return self.deck[self.position]

    def answer(self, choice: str) -> Grade:
        result = grade(self.current, choice)
        self.grades.setdefault(self.position, result)
        return result

    def next(self) -> ReviewCard:
        """Move to the next claim (wraps around to the first after the last)."""
        self.position = (self.position + 1) % len(self.deck)
        return self.current

    @property
    def answered(self) -> int:
        return len(self.grades)

    @property
    def right(self) -> int:
        return sum(g.correct is True for g in self.grades.values())

    @property
    def scored(self) -> bool:
        """Whether the deck is graded (its claims' answers come from an answer key, labels.csv)."""
        return all(card.scored for card in self.deck)

    def score_text(self) -> str:
        if not self.scored:
            return (f"Not scored: scoring needs an answer key (labels.csv), which only a generated practice has; "
                    f"the answers shown are the audit's findings. {self.answered} of {len(self.deck)} claims "
                    "reviewed.")
        return f"Score: {self.right} right out of {self.answered} answered ({len(self.deck)} claims in the deck)"

    def results(self) -> pd.DataFrame:
        """One row per answered claim: claim_id, choice, answer (``;``-joined; blank = clean), correct.

        ``correct`` is blank (NA) for claims not scored (their answer is the audit's findings).
        """
        rows = [{"claim_id": g.claim_id, "choice": g.choice, "answer": ";".join(g.answer), "correct": g.correct}
                for _, g in sorted(self.grades.items())]
        table = pd.DataFrame(rows, columns=["claim_id", "choice", "answer", "correct"])
        if not self.scored:
            table["correct"] = pd.array([None] * len(table), dtype="boolean")
        return table


def html_table(df: pd.DataFrame, empty: str) -> str:
    """A table as HTML for a person: money (``_cents``) in dollars, dates as days, ``empty`` when no row."""
    import html

    if not len(df):
        return f"<p><i>{html.escape(empty)}</i></p>"
    shown = df.copy()
    for c in shown.columns:
        if c.endswith("_cents"):
            shown[c] = [("" if pd.isna(v) else dollars(int(v))) for v in shown[c]]
        elif pd.api.types.is_datetime64_any_dtype(shown[c]):
            shown[c] = [("" if pd.isna(v) else f"{v:%Y-%m-%d}") for v in shown[c]]
        else:
            shown[c] = ["" if v is None or (not isinstance(v, str) and pd.isna(v)) else v for v in shown[c]]
    shown.columns = [c.removesuffix("_cents").replace("_", " ") for c in shown.columns]
    return shown.to_html(index=False, escape=True, border=0, classes="recoup-table")


#: The style sheet of :func:`html_table`'s tables (shown once before them).
TABLE_STYLE = ("<style>.recoup-table {border-collapse: collapse; margin-bottom: 0.6em}"
               ".recoup-table th, .recoup-table td {padding: 2px 10px; text-align: left;"
               " border-bottom: 1px solid #ddd}</style>")


def _empty_because(name: str, card: ReviewCard, none_on_file: str) -> str:
    """What an empty table of an optional file means: nothing on file, or the file was not given."""
    if name in card.not_given:
        return f"not known: the folder has no {name}"
    return none_on_file


def card_html(card: ReviewCard) -> str:
    """The claim as HTML: header facts, then lines, notes, payments, coverage and context tables."""
    import html

    head = (f"<h4>Claim {html.escape(card.claim_id)}</h4><p>Patient {html.escape(card.patient_id)}, "
            f"payer {html.escape(card.payer_id)}, provider {html.escape(card.rendering_npi)}; "
            f"service {card.service_date:%Y-%m-%d}, submitted {card.submitted_date:%Y-%m-%d}.</p>")
    parts = [TABLE_STYLE, head,
             "<b>Lines</b> (fee per unit: the payer's schedule on the day; MUE: most units allowed)",
             html_table(card.lines, "no lines"),
             "<b>Documentation</b>", html_table(card.notes, _empty_because("documentation.csv", card,
                                                                           "no note on file for any line")),
             "<b>Payments</b> (a negative amount is a reversal)", html_table(card.payments, "no payment"),
             "<b>Coverage with this payer</b>",
             html_table(card.coverage, _empty_because("coverage.csv", card, "no coverage on file with this payer")),
             "<b>Same patient, provider and day on other claims</b>",
             html_table(card.same_day, "none"),
             "<b>NCCI pairs active that day</b>", html_table(card.ncci_pairs, "none"),
             "<b>Payer policies for these codes</b>", html_table(card.policies, "none")]
    return "\n".join(parts)
