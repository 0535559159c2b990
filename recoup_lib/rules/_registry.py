"""Rules: small, named, registered functions over an audit context.

A rule is a function ``fn(ctx) -> hits`` wrapped in a :class:`Rule` that
records its stable id, the error_type it emits, its category and the inputs
it needs. :class:`RuleRegistry` holds rules by error_type; registering one
twice raises and names both, and asking for an unknown one suggests the
closest name.

What a rule may return (the engine normalises it):

- a boolean Series aligned with ``ctx.lines`` (flagged lines; at_risk =
  what was paid on the line);
- a DataFrame with a ``line`` column (positions in ``ctx.lines``) or aligned
  with ``ctx.lines``, an ``at_risk_cents`` column and optionally ``evidence``.

A custom rule that raises, or answers in another shape (a Series on another
index, amounts that are not whole cents), is refused with an
:class:`~recoup_lib.errors.InvalidParameterError` that names it.
"""

from __future__ import annotations

import difflib
from dataclasses import dataclass, field
from typing import Callable

from ..errors import InvalidParameterError
from ._vocabulary import CATEGORIES, ERROR_TYPES

__all__ = ["Rule", "RuleRegistry", "default_registry", "register", "custom_rule"]


@dataclass(frozen=True)
class Rule:
    """One audit rule.

    Attributes
    ----------
    error_type : str
        What the rule flags (the contract's vocabulary, or a new name for a
        custom check).
    rule_id : str
        Stable identifier written to findings.csv (e.g. ``"OVP-DUP-CLAIM"``).
    category : str
        One of the contract's five categories.
    func : callable
        ``func(ctx)``; see the module docstring for what it returns.
    needs : tuple of str
        Optional inputs the rule cannot run without (``"documentation"``,
        ``"coverage"``, ``"fee_schedule"``, ``"ncci_ptp"``, ``"mue"``,
        ``"payer_policies"``). Missing ones switch the rule off, and the run
        says so.
    summary : str
        One line saying what the rule checks (shown in reports and lessons).
    builtin : bool
        True for the contract's ten rules.
    patient_local : bool
        The rule compares a line only with lines of the same patient (and the
        reference tables), so auditing patient by patient finds exactly what
        auditing everything at once finds. True for the ten contract rules.
        Audits that split the data (``max_memory``, ``engine="spark"``) refuse
        a rule that does not say so; the in-memory audit runs every rule.
    """

    error_type: str
    rule_id: str
    category: str
    func: Callable
    needs: tuple[str, ...] = ()
    summary: str = ""
    builtin: bool = False
    patient_local: bool = False

    @property
    def doc(self) -> str:
        return (self.func.__doc__ or "").strip()

    @property
    def named(self) -> str:
        """How messages name the rule: ``rule 'level_5_visit' (CUSTOM-LEVEL_5_VISIT)``."""
        return f"rule {self.error_type!r} ({self.rule_id})"

    def __call__(self, ctx):
        """The rule's answer; an error a custom rule raises is raised again with the rule's name."""
        if self.builtin:
            return self.func(ctx)
        try:
            return self.func(ctx)
        except Exception as error:  # noqa: BLE001 - any fault of the user's function, named and chained
            raise InvalidParameterError(f"{self.named} failed: {type(error).__name__}: {error}") from error


@dataclass
class RuleRegistry:
    """An ordered set of rules keyed by error_type."""

    rules: dict[str, Rule] = field(default_factory=dict)

    def add(self, rule: Rule) -> Rule:
        if rule.category not in CATEGORIES:
            raise InvalidParameterError(
                f"rule {rule.rule_id!r}: category {rule.category!r} is not one of {', '.join(CATEGORIES)}"
            )
        if rule.error_type in self.rules:
            old = self.rules[rule.error_type]
            raise InvalidParameterError(
                f"error_type {rule.error_type!r} is already registered by rule {old.rule_id!r} "
                f"({old.func.__module__}.{old.func.__name__}); cannot register rule {rule.rule_id!r} "
                f"({rule.func.__module__}.{rule.func.__name__}) for it too"
            )
        for other in self.rules.values():
            if other.rule_id == rule.rule_id:
                raise InvalidParameterError(f"rule_id {rule.rule_id!r} is already used by {other.error_type!r}")
        self.rules[rule.error_type] = rule
        return rule

    def get(self, error_type: str) -> Rule:
        try:
            return self.rules[error_type]
        except KeyError:
            close = difflib.get_close_matches(error_type, list(self.rules), n=1)
            hint = f"; did you mean {close[0]!r}?" if close else ""
            raise KeyError(f"no rule for error_type {error_type!r}{hint}") from None

    def select(self, error_types) -> "RuleRegistry":
        """A registry with only the named rules (in registry order)."""
        wanted = [self.get(e).error_type for e in error_types]
        return RuleRegistry({k: v for k, v in self.rules.items() if k in wanted})

    def copy(self) -> "RuleRegistry":
        return RuleRegistry(dict(self.rules))

    def __iter__(self):
        return iter(self.rules.values())

    def __len__(self) -> int:
        return len(self.rules)

    def __contains__(self, error_type: str) -> bool:
        return error_type in self.rules


_DEFAULT = RuleRegistry()


def default_registry() -> RuleRegistry:
    """The built-in rules (a copy: changing it never changes the kit's defaults)."""
    from . import builtin  # noqa: F401  (registers the ten contract rules once)

    order = {e: i for i, e in enumerate(ERROR_TYPES)}
    ranked = sorted(_DEFAULT.rules.items(), key=lambda kv: order.get(kv[0], len(order)))
    return RuleRegistry(dict(ranked))


def register(error_type: str, rule_id: str, needs: tuple[str, ...] = (), summary: str = ""):
    """Decorator registering one of the contract's built-in rules."""

    def wrap(func: Callable) -> Callable:
        _DEFAULT.add(Rule(error_type, rule_id, ERROR_TYPES[error_type], func, tuple(needs),
                          summary, builtin=True, patient_local=True))
        return func

    return wrap


def custom_rule(error_type: str, category: str, rule_id: str | None = None,
                needs: tuple[str, ...] = (), summary: str = "", patient_local: bool = False):
    """Turn a function written in a notebook into a :class:`Rule`.

    The rule is not registered anywhere: pass it to
    ``run_audit(..., extra_rules=[rule])`` so it runs beside the built-in
    ones. No hidden state is left behind in the kernel.

    ``patient_local=True`` declares that the rule compares a line only with
    lines of the same patient (a per-line check, or a group-by that includes
    the patient), so it may run on patient partitions: ``max_memory`` and
    ``engine="spark"`` audits need that. The default is False because a
    check that looks across patients (a provider's outlier rate, a payer's
    share) would silently give other answers on a part of the data; such a
    rule runs only in the in-memory audit, and a partitioned audit refuses it
    by name.

    Examples
    --------
    >>> @custom_rule("level_5_visit", category="incorrect_billing")
    ... def level_5_visit(ctx):
    ...     '''Every paid level-5 established visit, for a second look.'''
    ...     return ctx.lines["procedure_code"].eq("99215")
    >>> level_5_visit.rule_id
    'CUSTOM-LEVEL_5_VISIT'
    """

    def wrap(func: Callable) -> Rule:
        if category not in CATEGORIES:
            raise InvalidParameterError(f"category must be one of {', '.join(CATEGORIES)}; got {category!r}")
        rid = rule_id or f"CUSTOM-{error_type.upper()}"
        doc = (func.__doc__ or "").strip()
        text = summary or (doc.splitlines()[0] if doc else "")
        return Rule(error_type, rid, category, func, tuple(needs), text, patient_local=patient_local)

    return wrap
