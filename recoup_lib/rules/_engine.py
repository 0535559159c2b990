"""The engine: run rules over an audit context and turn their hits into findings.

Rules only say which lines they flag, for how much, and why. The engine adds
everything else (claim and line identity, error_type, category, rule_id, the
office's next action), drops anything on a line with nothing paid, and checks
that each rule's answer is well formed. Its result, :class:`AuditResult`,
gives the summaries, with every line's total capped at what was paid on it
(computed in :mod:`recoup_lib.rules._summary`).
"""

from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path

import numpy as np
import pandas as pd
import pyarrow as pa

from ..errors import InvalidParameterError
from ..folder import (AuditInputs, counts_said, counts_worth_saying, read_audit_folder, required_file_alarms,
                      why_absent, worker_count)
from ..money import dollars, whole_floats
from ..outputs import writes_folder
from ..results import StepResult
from ..schema import SPECS, ClaimKeys, checked_frame
from ._context import AuditContext, build_context
from ._registry import Rule, RuleRegistry, default_registry
from ._side_by_side import answers
from ._summary import _capped_with_line_keys, _with_summary_keys, summarise
from ._vocabulary import ACTIONS, ERROR_TYPES

__all__ = [
    "AuditResult",
    "FINDING_COLUMNS",
    "run_audit",
    "audit_folder",
    "audit_tables",
]

#: Contract columns of findings.csv, in order (money in cents in memory).
FINDING_COLUMNS = ["claim_id", "line_no", "error_type", "category", "rule_id", "at_risk_cents",
                   "action", "evidence"]
#: Extra columns carried for summaries and drill-down.
FINDING_EXTRAS = ["payer_id", "rendering_npi", "patient_id", "service_date", "procedure_code",
                  "paid_cents"]


#: How many of the input problems :meth:`AuditResult.summary` lists before counting the rest.
SHOWN_PROBLEMS = 10


@dataclass
class AuditResult(StepResult):
    """What an audit produced: the result of :func:`audit_folder`.

    Attributes
    ----------
    findings : pandas.DataFrame
        One row per (line, error_type): the contract columns
        (:data:`FINDING_COLUMNS`), then payer_id, rendering_npi, patient_id,
        service_date, procedure_code, paid_cents.
    context : AuditContext
        The lines (with ``paid_cents``) and tables the rules saw.
    rules_run : list of Rule
    switched_off : pandas.DataFrame
        error_type, rule_id, missing (the inputs it needed), message.
    inputs : AuditInputs or None
        When the audit read a folder: counts, problems and set-aside rows.

    Methods
    -------
    write(out)
        findings.csv, summary.csv, summary.md, rejected.csv and run.json
        (:func:`write_audit`).
    summary()
        What was read and found, in plain words and dollars.
    totals(by)
        At-risk dollars by one dimension (:func:`summarise`).
    """

    written_by = "recoup audit"

    findings: pd.DataFrame
    context: AuditContext
    rules_run: list[Rule] = field(default_factory=list)
    switched_off: pd.DataFrame = field(default_factory=pd.DataFrame)
    inputs: AuditInputs | None = None

    @property
    def lines(self) -> pd.DataFrame:
        return self.context.lines

    @property
    def input_paths(self) -> list[Path]:
        """The folder the audit read: :meth:`write` never writes into it (see :mod:`recoup_lib.outputs`)."""
        folder = None if self.inputs is None else self.inputs.folder
        return [] if folder is None else [Path(folder)]

    @property
    def lines_audited(self) -> int:
        """How many usable claim lines the audit read."""
        return int(len(self.lines))

    @property
    def lines_paid(self) -> int:
        """How many of them have something paid (> 0)."""
        return int((self.lines["paid_cents"] > 0).sum())

    def totals(self, by: str = "category") -> pd.DataFrame:
        """At-risk dollars by ``category``, ``error_type``, ``payer``, ``provider``, ``month`` or ``code``."""
        return summarise(self.findings, by=by, capped=self.capped)

    def summary(self, by: str | None = None):
        """What the audit read and found, in plain words; with ``by``, the totals table.

        ``summary()`` returns the text ``recoup audit`` prints: rows read per
        file, the first problems, rules switched off, and the money at risk by
        category (each line capped at what was paid). ``summary(by)`` is the
        older spelling of :meth:`totals` and returns its table.
        """
        if by is not None:
            return self.totals(by)
        out = []
        if self.inputs is not None:
            for row in self.inputs.counts.itertuples():
                out.append(f"{counts_said(row)} ({row.source})")
            problems = self.inputs.problems
            out += [f"  {problem.message}" for problem in problems[:SHOWN_PROBLEMS]]
            if len(problems) > SHOWN_PROBLEMS:
                out.append(f"  ... and {len(problems) - SHOWN_PROBLEMS} more problems in rejected.csv")
        out += list(self.switched_off["message"]) if len(self.switched_off) else []
        out.append(f"{self.finding_count} findings on {self.lines_flagged} lines; "
                   f"{dollars(self.total_at_risk_cents)} at risk (each line capped at what was paid)")
        for row in self.totals("category").itertuples():
            if row.findings:
                out.append(f"  {row.category}: {row.findings} findings, {dollars(row.at_risk_capped_cents)}")
        return "\n".join(out)

    @writes_folder
    def write(self, out: str | Path) -> list[Path]:
        """Write findings.csv, summary.csv, summary.md, rejected.csv and run.json to ``out``.

        Returns the paths written (see :func:`write_audit`).
        """
        from ._write import write_audit

        return list(write_audit(self, out).values())

    @property
    def finding_count(self) -> int:
        """How many findings (rows of findings.csv)."""
        return int(len(self.findings))

    def _spilled(self):
        """The findings' sorted runs on disk (:class:`~recoup_lib.rules._runs.FindingRuns`) when the
        audit kept them there, else None: :func:`write_audit` then writes them batch by batch."""
        return None

    @property
    def capped(self) -> pd.DataFrame:
        """The findings with ``at_risk_capped_cents`` (computed once)."""
        return self._capped_and_line_keys()[0]

    def _capped_and_line_keys(self) -> tuple:
        """:func:`_capped_with_line_keys` of the findings (computed once)."""
        return self._once("_capped", lambda: _capped_with_line_keys(self.findings))

    @property
    def lines_flagged(self) -> int:
        """How many distinct lines (claim_id, line_no) the findings name (computed once): the line keys
        :func:`capped_findings` numbered from 0 in order, where it made them."""
        def distinct_lines() -> int:
            keys = self._capped_and_line_keys()[1]
            if keys is not None:
                return int(keys[1][-1]) + 1
            return int(self.findings[["claim_id", "line_no"]].drop_duplicates().shape[0])

        return self._once("_flagged", distinct_lines)

    def _once(self, name: str, make):
        """``make()``, kept until ``findings`` is replaced (the figures of one set of findings)."""
        cached = self.__dict__.get(name)
        if cached is None or cached[0] is not self.findings:
            cached = (self.findings, make())
            self.__dict__[name] = cached
        return cached[1]

    @property
    def summary_keyed(self) -> pd.DataFrame:
        """:attr:`capped` with the keys the summaries group on (:func:`_with_summary_keys`), reusing the
        line order :func:`capped_findings` found."""
        return _with_summary_keys(*self._capped_and_line_keys())

    @property
    def total_at_risk_cents(self) -> int:
        """Money at risk over all lines, each line capped at what was paid on it."""
        return int(self.capped["at_risk_capped_cents"].sum())

    def explain(self, claim_id: str) -> str:
        """A plain-English account of one claim: its lines, payments and findings."""
        return explain_claim(self, claim_id)

    @property
    def messages(self) -> list[str]:
        """What a person should know about the run (rules switched off, rows set aside)."""
        out = list(self.switched_off["message"]) if len(self.switched_off) else []
        if self.inputs is not None:
            out += counts_worth_saying(self.inputs.counts)
        return out


def _normalise_hits(rule: Rule, raw, ctx: AuditContext) -> pd.DataFrame:
    """Accept the shapes a rule may return and check them; a fault is refused with the rule's name."""
    n = len(ctx.lines)
    if isinstance(raw, pd.Series) and pd.api.types.is_bool_dtype(raw.dtype):
        if not raw.index.equals(ctx.lines.index):
            raise InvalidParameterError(
                f"{rule.named} returned a boolean Series of {len(raw)} values whose index is not ctx.lines' "
                f"({n} lines, 0 to {n - 1}); expected one value per line of ctx.lines (for some of the lines "
                "only: .reindex(ctx.lines.index, fill_value=False))")
        idx = np.flatnonzero(raw.fillna(False).to_numpy(dtype=bool))
        frame = pd.DataFrame({"line": idx, "at_risk_cents": ctx.paid.to_numpy()[idx],
                              "evidence": rule.summary or rule.error_type})
    elif isinstance(raw, pd.DataFrame):
        frame = raw.copy()
        if "line" not in frame.columns:
            if len(frame) == n and frame.index.equals(ctx.lines.index):
                if "flag" in frame.columns:
                    frame = frame.loc[frame["flag"].astype(bool)]
                frame = frame.assign(line=frame.index)
            else:
                raise InvalidParameterError(
                    f"{rule.named} returned a DataFrame of {len(frame)} rows without a 'line' column (columns: "
                    f"{', '.join(map(str, frame.columns[:8])) or 'none'}{', ...' if len(frame.columns) > 8 else ''}); "
                    f"expected a 'line' column (positions in ctx.lines) or one row per line of ctx.lines "
                    f"({n}), on its index")
        if "at_risk_cents" not in frame.columns:
            lines = _whole_numbers(rule, frame["line"], "line")
            frame["at_risk_cents"] = ctx.paid.to_numpy()[np.clip(lines, 0, max(n - 1, 0))] if n else lines
        if "evidence" not in frame.columns:
            frame["evidence"] = rule.summary or rule.error_type
    else:
        kind = type(raw).__name__ + (f" of {raw.dtype}" if isinstance(raw, (pd.Series, np.ndarray)) else "")
        raise InvalidParameterError(f"{rule.named} returned {kind}; expected a boolean Series aligned with "
                                    "ctx.lines or a DataFrame with a 'line' column")
    frame = frame[["line", "at_risk_cents", "evidence"]]
    line = _whole_numbers(rule, frame["line"], "line")
    if len(line) and (line.min() < 0 or line.max() >= n):
        raise InvalidParameterError(f"{rule.named}: line positions outside ctx.lines (0 to {n - 1}); got "
                                    f"{int(line[(line < 0) | (line >= n)][0])}")
    if pd.Series(line).duplicated().any():
        raise InvalidParameterError(f"{rule.named} flagged the same line twice")
    risk = _whole_numbers(rule, frame["at_risk_cents"], "at_risk_cents")
    # The evidence stays Arrow text: as Python strings it would be made again when the findings are built.
    return pd.DataFrame({"line": line, "at_risk_cents": risk,
                         "evidence": frame["evidence"].astype("str").array})


#: What each column of a rule's DataFrame answer holds.
_WHOLE_NUMBER_MEANING = {"line": "whole-number positions in ctx.lines", "at_risk_cents": "whole cents (int)"}


def _whole_numbers(rule: Rule, values: pd.Series, column: str) -> np.ndarray:
    """A column of a rule's answer as int64; refused, with the rule's name and the first bad row, where a
    value is missing, not a number or not whole (a float is used only where it is a whole number)."""
    numeric = pd.api.types.is_numeric_dtype(values.dtype) and not pd.api.types.is_bool_dtype(values.dtype)
    if numeric and pd.api.types.is_integer_dtype(values.dtype) and not values.hasnans:
        return values.to_numpy(dtype=np.int64)
    numbers = (values.astype("float64").to_numpy(na_value=np.nan) if numeric
               else np.full(len(values), np.nan))
    whole = whole_floats(numbers)
    if not whole.all():
        at = int(np.flatnonzero(~whole)[0])
        raise InvalidParameterError(
            f"{rule.named}: column '{column}' must hold {_WHOLE_NUMBER_MEANING[column]}; "
            f"got {values.iloc[at:at + 1].tolist()[0]!r} at position {at} of its answer ({values.dtype})")
    return numbers.astype(np.int64)


def audit_tables(claim_lines: pd.DataFrame, payments: pd.DataFrame, *, coverage=None,
                 documentation=None, fee_schedule=None, ncci_ptp=None, mue=None,
                 payer_policies=None, rules: RuleRegistry | None = None,
                 extra_rules=(), only=None, workers: int = 1, claim_keys: ClaimKeys | None = None,
                 check: bool = True) -> AuditResult:
    """Audit in-memory tables: a notebook's DataFrames, or what the folder reader typed.

    Parameters
    ----------
    claim_lines, payments : pandas.DataFrame
    coverage, documentation, fee_schedule, ncci_ptp, mue, payer_policies : pandas.DataFrame, optional
        ``None`` switches off the rules that need the table. Each table is
        checked and typed as its file would be (:func:`recoup_lib.schema.checked_frame`:
        money as ``*_cents`` whole cents or as dollars under the file's
        column name, dates as dates, text or date objects).
    rules : RuleRegistry, optional
        Defaults to the ten built-in rules.
    extra_rules : iterable of Rule
        Custom rules (see :func:`recoup_lib.rules.custom_rule`) run beside them.
    only : iterable of str, optional
        Run only these error types.
    workers : int, default 1
        Cores to use: identifier columns hashed side by side, and the rules
        of a large audit shared by forked processes (see
        :mod:`recoup_lib.rules._side_by_side`); the findings are the same.
    claim_keys : ClaimKeys, optional
        Claim keys already made of these tables (see :func:`build_context`).
        Used with ``check=False`` only: checked tables are new frames, whose
        claim_id column the keys were not made of (keys hold for the very
        column they came from), so they are made afresh.
    check : bool, default True
        False for tables the kit itself typed (:func:`run_audit`, the
        partitioned and Spark audits), which are not checked again.

    Returns
    -------
    AuditResult

    Raises
    ------
    InputError
        A table lacks a required column or holds a value its contract does
        not allow (the message names the table, index label and column).
    """
    if check:
        tables = {"claim_lines": claim_lines, "payments": payments, "coverage": coverage,
                  "documentation": documentation, "fee_schedule": fee_schedule, "ncci_ptp": ncci_ptp,
                  "mue": mue, "payer_policies": payer_policies}
        typed = {name: None if frame is None else checked_frame(frame, SPECS[name + ".csv"], name)
                 for name, frame in tables.items()}
        return audit_tables(**typed, rules=rules, extra_rules=extra_rules, only=only, workers=workers,
                            check=False)
    ctx = build_context(claim_lines, payments, workers=workers, claim_keys=claim_keys, coverage=coverage,
                        documentation=documentation, fee_schedule=fee_schedule, ncci_ptp=ncci_ptp, mue=mue,
                        payer_policies=payer_policies)
    registry = (rules if rules is not None else default_registry()).copy()
    for rule in extra_rules:
        registry.add(rule)
    if only is not None:
        registry = registry.select(only)
    return _run(ctx, registry, workers=workers)


def _values(column: pd.Series):
    """A column's values for a new frame: text stays in Arrow (no round trip through Python strings)."""
    return column.array if isinstance(column.dtype, pd.StringDtype) else column.to_numpy()


def _run(ctx: AuditContext, registry: RuleRegistry, inputs: AuditInputs | None = None,
         workers: int = 1) -> AuditResult:
    frames, ran, off, runnable = [], [], [], []
    lines = ctx.lines
    for rule in registry:
        missing = [name for name in rule.needs if not ctx.has(name)]
        if missing:
            off.append((rule.error_type, rule.rule_id, ";".join(missing),
                        f"rule {rule.error_type} switched off: "
                        + "; ".join(why_absent(m + ".csv") for m in missing)))
        else:
            runnable.append(rule)
    frames = []
    for number, (rule, answer) in enumerate(zip(runnable, answers(ctx, runnable, workers))):
        found = _normalise_hits(rule, answer, ctx)
        paid = lines["paid_cents"].to_numpy()[found["line"].to_numpy()]
        frames.append(found.loc[paid > 0].assign(_rule=number))
        ran.append(rule)
    order = {e: i for i, e in enumerate(list(ERROR_TYPES) + [r.error_type for r in registry])}
    hits = pd.concat(frames, ignore_index=True) if frames else pd.DataFrame(
        {"line": pd.Series([], dtype="int64"), "at_risk_cents": pd.Series([], dtype="int64"),
         "evidence": pd.Series([], dtype="str"), "_rule": pd.Series([], dtype="int64")})
    # Sorted by claim_id, line_no and the rules' order before anything is taken from the lines: the
    # integer ``_claim`` ranks claim ids as their text sorts, so the sort needs no text.
    rule_of = hits["_rule"].to_numpy(dtype=np.int64)
    pos = hits["line"].to_numpy(dtype=np.int64)
    rank = np.array([order[rule.error_type] for rule in ran], dtype=np.int64)[rule_of]
    by_line = np.lexsort((rank, lines["line_no"].to_numpy()[pos], lines["_claim"].to_numpy()[pos]))
    rule_of, pos = rule_of[by_line], pos[by_line]
    sel = lines[["claim_id", "line_no", *FINDING_EXTRAS]].iloc[pos]

    def per_rule(values: list) -> pd.api.extensions.ExtensionArray:
        """One text per rule, repeated on each of its findings."""
        return pd.array(pa.array(values, pa.large_string()).take(pa.array(rule_of)), dtype="str")

    findings = pd.DataFrame({
        "claim_id": _values(sel["claim_id"]),
        "line_no": sel["line_no"].to_numpy(dtype=np.int64),
        "error_type": per_rule([rule.error_type for rule in ran]),
        "category": per_rule([rule.category for rule in ran]),
        "rule_id": per_rule([rule.rule_id for rule in ran]),
        "at_risk_cents": hits["at_risk_cents"].to_numpy(dtype=np.int64)[by_line],
        "action": per_rule([ACTIONS.get(rule.category, "review") for rule in ran]),
        "evidence": hits["evidence"].astype("str").array.take(by_line),
        **{c: _values(sel[c]) for c in FINDING_EXTRAS},
        "_line": pos,
    })
    findings = findings.astype({"claim_id": "str", "payer_id": "str", "rendering_npi": "str", "patient_id": "str",
                                "procedure_code": "str"})
    switched_off = pd.DataFrame(off, columns=["error_type", "rule_id", "missing", "message"])
    return AuditResult(findings=findings, context=ctx, rules_run=ran, switched_off=switched_off,
                       inputs=inputs)


def run_audit(inputs: AuditInputs, rules: RuleRegistry | None = None, extra_rules=(),
              only=None, workers: int = 1) -> AuditResult:
    """Audit what :func:`recoup_lib.folder.read_audit_folder` read (``workers``: see :func:`audit_tables`)."""
    inputs.require_usable()
    # The claim keys the reader made go to this audit's context, which owns them from now on.
    claim_keys, inputs.claim_keys = inputs.claim_keys, None
    result = audit_tables(
        inputs.claim_lines, inputs.payments, coverage=inputs.coverage,
        documentation=inputs.documentation, fee_schedule=inputs.fee_schedule,
        ncci_ptp=inputs.ncci_ptp, mue=inputs.mue, payer_policies=inputs.payer_policies,
        rules=rules, extra_rules=extra_rules, only=only, workers=workers, claim_keys=claim_keys, check=False)
    result.inputs = inputs
    return result


def audit_folder(folder, *, rules: RuleRegistry | None = None, extra_rules=(), only=None,
                 use_defaults: bool = True, engine: str = "pandas", max_memory=None,
                 workers: int | None = None) -> AuditResult:
    """Read an audit folder and audit it: the pipeline's audit step (``recoup audit``).

    Parameters
    ----------
    folder : path-like
        An audit folder (docs/contract.md, "The audit folder"): claim_lines.csv,
        payments.csv and the optional files.
    rules : RuleRegistry, optional
        Defaults to the ten built-in rules.
    extra_rules : iterable of Rule
        Custom rules (:func:`recoup_lib.rules.custom_rule`) run beside them.
    only : iterable of str, optional
        Run only these error types.
    use_defaults : bool, default True
        Fall back to the shipped reference tables where the folder has none.
    engine : {"pandas", "spark"}, default "pandas"
        ``"spark"`` runs the same rules on Apache Spark, patient partition by
        partition (``pip install recoup-kit[spark]``; see docs/scale.md).
    max_memory : int or str, optional
        A budget such as ``"1GB"``: the folder is split into patient
        partitions on disk and audited one by one (or a few side by side)
        within it; the findings are the same, byte for byte.
    workers : int, optional
        Cores to use (default: all): input files read side by side, the
        rules of a large audit run side by side, and partitions audited side
        by side under ``max_memory``.

    Returns
    -------
    AuditResult
        ``findings`` (one row per line and error type), ``write(out)``,
        ``summary()`` and ``totals(by)``.

    Raises
    ------
    InputError
        The folder, a required file or a required column is missing.

    Examples
    --------
    >>> result = audit_folder("synthetic/demo/family_practice")  # doctest: +SKIP
    >>> result.totals("category")  # doctest: +SKIP
    """
    if engine == "spark":
        if max_memory is not None:
            raise InvalidParameterError("max_memory is for the pandas engine; Spark's memory is set in "
                                        "its session (see docs/scale.md)")
        from ._spark import audit_folder_spark

        return _usable(audit_folder_spark(folder, rules=rules, extra_rules=extra_rules, only=only,
                                          use_defaults=use_defaults))
    if engine != "pandas":
        raise InvalidParameterError(f"engine must be 'pandas' or 'spark'; got {engine!r}")
    if max_memory is not None:
        from ._partition import audit_folder_partitioned

        return _usable(audit_folder_partitioned(folder, max_memory, workers=workers, rules=rules,
                                                extra_rules=extra_rules, only=only, use_defaults=use_defaults))
    inputs = read_audit_folder(folder, use_defaults=use_defaults, workers=workers)
    return run_audit(inputs, rules=rules, extra_rules=extra_rules, only=only, workers=worker_count(workers))


def _usable(result: AuditResult) -> AuditResult:
    """A result audited part by part, refused (exit 1) as an in-memory audit would be when a required
    file had every row set aside (see :func:`recoup_lib.folder.required_file_alarms`)."""
    if result.inputs is not None:
        result.inputs.errors, result.inputs.warnings = required_file_alarms(
            result.inputs.counts, result.inputs.problems, result.inputs.folder)
        result.inputs.require_usable()
    return result


def explain_claim(result: AuditResult, claim_id: str) -> str:
    """Plain-English account of one claim (lines, payments, findings)."""
    lines = result.lines.loc[result.lines["claim_id"] == str(claim_id)]
    if not len(lines):
        return f"Claim {claim_id} is not in this audit."
    first = lines.iloc[0]
    out = [f"Claim {claim_id}: patient {first['patient_id']}, payer {first['payer_id']}, "
           f"provider {first['rendering_npi']}, service {first['service_date']:%Y-%m-%d}, "
           f"submitted {first['submitted_date']:%Y-%m-%d}."]
    pay = result.context.payments
    found = result.findings.loc[result.findings["claim_id"] == str(claim_id)]
    for line in lines.itertuples():
        mods = f" modifiers {line.modifiers}" if line.modifiers else ""
        out.append(f"  Line {line.line_no}: {line.procedure_code}{mods} x {line.units}, "
                   f"charged {dollars(line.charge_cents)}, paid {dollars(line.paid_cents)} "
                   f"in {line.n_payments} payment(s).")
        for p in pay.loc[pay["_line"] == line.Index].itertuples():
            out.append(f"    payment {p.payment_id} on {p.payment_date:%Y-%m-%d}: {dollars(p.paid_cents)}")
        mine = found.loc[found["line_no"] == line.line_no]
        if not len(mine):
            out.append("    No finding." if line.paid_cents > 0 else
                       "    Nothing paid, so nothing can be recouped.")
        for f in mine.itertuples():
            out.append(f"    {f.error_type} ({f.category}): {dollars(f.at_risk_cents)} at risk. "
                       f"{f.evidence}. Next: {f.action}.")
    return "\n".join(out)
