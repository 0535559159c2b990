"""Merits beyond the contract: evidence to enclose, chance of winning, expected value."""

from __future__ import annotations

from dataclasses import dataclass

from ..money import apply_rate
from ._profiles import Profiles, load_profiles

__all__ = ["evidence_checklist", "WinChance", "win_probability", "expected_value"]


def evidence_checklist(error_type: str, bases: tuple[str, ...] = (), profiles: Profiles | None = None
                       ) -> list[str]:
    """Documents to enclose with an appeal of a notice citing ``error_type``.

    Parameters
    ----------
    error_type : str
        The payer's stated reason (contract vocabulary).
    bases : tuple of str
        Merit bases of this appeal (``not_found``, ``documentation_on_file``,
        ``lookback``, ``partial``); items listed for them are added.
    profiles : Profiles, optional

    Returns
    -------
    list of str
        The error type's own items first, then the general ones; each once.

    Examples
    --------
    >>> evidence_checklist("missing_signature")[0]
    'The note showing the signature and its date'
    """
    table = (profiles or load_profiles()).evidence
    wanted = {"*", *bases}
    own = table.loc[(table["error_type"] == error_type) & table["basis"].isin(wanted), "item"]
    general = table.loc[(table["error_type"] == "*") & table["basis"].isin(wanted), "item"]
    return list(dict.fromkeys([*own, *general]))


@dataclass(frozen=True)
class WinChance:
    """A probability of winning an appeal, with where it comes from."""

    p_win: str
    basis: str
    era: str
    source: str
    status: str

    def describe(self) -> str:
        return f"{self.source} ({self.era}; {self.status})"


def win_probability(payer_type: str, level: int, bases: tuple[str, ...] = (),
                    profiles: Profiles | None = None) -> WinChance | None:
    """P(win | payer type, level, reason) from ``overturn_rates.csv``.

    The first row marked ``use`` that matches the payer type, the level and
    one of ``bases`` (tried in order) wins; ``*`` matches any reason.

    Returns None when the table has nothing for that payer type and level.

    Examples
    --------
    >>> win_probability("medicare", 1).p_win
    '0.11'
    """
    profiles = profiles or load_profiles()
    table = profiles.memo("overturn_used", lambda: {
        (r.payer_type, r.level, r.basis): WinChance(r.p_win, r.basis, r.era, r.source, r.status)
        for r in profiles.overturn.loc[profiles.overturn["use"]].itertuples(index=False)})
    for basis in (*bases, "*"):
        hit = table.get((payer_type, int(level), basis))
        if hit is not None:
            return hit
    return None


def expected_value(disputed_cents: int, p_win: str, cost_cents: int) -> int:
    """Expected value of appealing: disputed x P(win) - cost, half-up to the cent.

    >>> expected_value(100_000, "0.11", 4_000)
    7000
    """
    return apply_rate(int(disputed_cents), p_win) - int(cost_cents)
