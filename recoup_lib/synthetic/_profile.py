"""Practice profiles: what kind of practice to simulate, as data.

A profile (``synthetic/profiles/<name>.json``) says who works there, which
payers its patients have, how often each kind of visit happens and which
lines each visit bills, the E/M level mix, and the relative frequency of each
error type. :func:`load_profile` reads and checks one; :func:`expand_visits`
turns visit templates into claim lines, vectorised.

Line templates nest three ways:

- ``{"code": "36415", "units": [1, 1], "modifiers": "", "p": 1.0}`` a line;
- ``{"group": [...], "p": 0.5}`` several lines that come together;
- ``{"choose": [{"weight": 0.6, "lines": [...]}, ...], "p": 1.0}`` one of
  several alternatives.

A line may name a ``specialty`` when someone else renders it (the
pathologist reading a biopsy taken during a colonoscopy).
"""

from __future__ import annotations

import json
import os
from dataclasses import dataclass
from pathlib import Path

import numpy as np

from ..errors import InvalidParameterError

__all__ = ["Profile", "load_profile", "profile_names", "profiles_dir", "unknown_profile", "expand_visits",
           "places_by_visit", "expected_lines", "template_lines", "PAYER_REVIEW_DEFAULTS", "payer_review"]

#: How the payers review paid lines and take money back (a profile's ``payer_review``
#: section overrides any of these; nested dicts are merged key by key). Shares are
#: probabilities; day pairs are inclusive ranges. The CARC per error_type follows
#: docs/sources.md §6.2 and ``reference/data/carc.csv``.
PAYER_REVIEW_DEFAULTS: dict = {
    "found_share": 0.35,
    "false_accusation_share": 0.15,
    "false_error_mix": {"missing_documentation": 0.45, "upcoding": 0.35, "missing_signature": 0.20},
    "late_share": 0.03,
    "review_lag_days": [30, 180],
    "late_days": [1, 60],
    "notice_margin_days": 240,
    "appeal_share": {"valid": 0.15, "invalid": 0.60},
    "mechanism_mix": {"reversal": 0.30, "offset": 0.50, "deferred": 0.20},
    "offset_cap_share": {"medicare": 1.0, "medicaid": 1.0, "commercial": 0.5},
    "carc": {"duplicate_claim": "18", "duplicate_payment": "B13", "overpaid_rate": "45",
             "upcoding": "150", "unbundling": "236", "units_over_mue": "151",
             "missing_documentation": "226", "missing_signature": "B12", "coverage_lapsed": "27",
             "policy_change": "204"},
}


def profiles_dir() -> Path:
    """Where profiles live: ``$RECOUP_PROFILES`` or the repository's ``synthetic/profiles``."""
    env = os.environ.get("RECOUP_PROFILES")
    if env:
        return Path(env)
    return Path(__file__).resolve().parents[2] / "synthetic" / "profiles"


def profile_names() -> list[str]:
    return sorted(p.stem for p in profiles_dir().glob("*.json"))


def unknown_profile(name) -> InvalidParameterError:
    """The error for a profile name that names no profile: it lists the profiles there are."""
    known = ", ".join(profile_names()) or "(none found)"
    return InvalidParameterError(f"unknown profile {str(name)!r}; known profiles: {known}")


@dataclass(frozen=True)
class Profile:
    """A loaded practice profile (see the module docstring and the JSON files)."""

    name: str
    data: dict

    def __getitem__(self, key):
        return self.data[key]

    def get(self, key, default=None):
        return self.data.get(key, default)

    @property
    def title(self) -> str:
        return self.data.get("title", self.name)


def load_profile(name_or_path: str | Path) -> Profile:
    """Load a profile by name (``family_practice``) or by path to a JSON file.

    Raises
    ------
    InvalidParameterError
        Unknown profile name (the message lists the known ones) or a profile
        that does not follow the format.
    """
    path = Path(name_or_path)
    if path.suffix != ".json":
        path = profiles_dir() / f"{name_or_path}.json"
    if not path.is_file():
        raise unknown_profile(name_or_path)
    try:
        data = json.loads(path.read_text(encoding="utf-8"))
    except json.JSONDecodeError as exc:
        raise InvalidParameterError(f"{path.name}: not valid JSON (line {exc.lineno}): {exc.msg}") from exc
    _check(data, path.name)
    return Profile(name=data.get("name", path.stem), data=data)


def _check(data: dict, label: str) -> None:
    for key in ("period", "providers", "payer_mix", "em_levels", "visit_types", "error_mix",
                "lines_per_patient"):
        if key not in data:
            raise InvalidParameterError(f"{label}: missing key {key!r}")
    total = sum(data["payer_mix"].values())
    if abs(total - 1) > 1e-6:
        raise InvalidParameterError(f"{label}: payer_mix shares add up to {total}, not 1")
    _check_payer_review(data, label)
    specialties = {p["specialty"] for p in data["providers"]}
    for vt in data["visit_types"]:
        for sp in vt.get("specialties", []):
            if sp not in specialties:
                raise InvalidParameterError(f"{label}: visit type {vt['name']!r} names unknown specialty {sp!r}")
        for line in template_lines(vt.get("lines", [])):
            if line.get("specialty") and line["specialty"] not in specialties:
                raise InvalidParameterError(f"{label}: line {line['code']} names unknown specialty "
                                 f"{line['specialty']!r}")


def payer_review(profile: "Profile | dict") -> dict:
    """The profile's ``payer_review`` settings merged over :data:`PAYER_REVIEW_DEFAULTS`."""
    data = profile.data if isinstance(profile, Profile) else profile
    own = data.get("payer_review", {}) or {}
    merged = {}
    for key, default in PAYER_REVIEW_DEFAULTS.items():
        value = own.get(key, default)
        if isinstance(default, dict) and isinstance(value, dict) and key != "false_error_mix" \
                and key != "mechanism_mix":
            value = {**default, **value}
        merged[key] = value
    return merged


def _check_payer_review(data: dict, label: str) -> None:
    from ..reference import load
    from ..rules import ERROR_TYPES

    own = data.get("payer_review", {})
    if not isinstance(own, dict):
        raise InvalidParameterError(f"{label}: payer_review must be an object")
    unknown = sorted(set(own) - set(PAYER_REVIEW_DEFAULTS))
    if unknown:
        raise InvalidParameterError(f"{label}: payer_review has unknown key(s) {', '.join(unknown)}; "
                         f"known: {', '.join(PAYER_REVIEW_DEFAULTS)}")
    r = payer_review(data)
    where = f"{label}: payer_review"
    for key in ("found_share", "false_accusation_share", "late_share"):
        if not isinstance(r[key], (int, float)) or not 0 <= r[key] <= 1:
            raise InvalidParameterError(f"{where}.{key} must be a number from 0 to 1; got {r[key]!r}")
    for key in ("review_lag_days", "late_days"):
        pair = r[key]
        if (not isinstance(pair, list) or len(pair) != 2 or not all(isinstance(v, int) for v in pair)
                or not 1 <= pair[0] <= pair[1]):
            raise InvalidParameterError(f"{where}.{key} must be [low, high] whole days with 1 <= low <= high; "
                                        f"got {pair!r}")
    if not isinstance(r["notice_margin_days"], int) or r["notice_margin_days"] < 0:
        raise InvalidParameterError(f"{where}.notice_margin_days must be a whole number of days >= 0; "
                         f"got {r['notice_margin_days']!r}")
    for key, allowed in (("false_error_mix", set(ERROR_TYPES)), ("mechanism_mix", {"reversal", "offset", "deferred"})):
        mix = r[key]
        bad = sorted(set(mix) - allowed)
        if bad:
            named = "error types" if key[0] == "f" else "mechanisms"
            raise InvalidParameterError(f"{where}.{key} names unknown {named} "
                                        f"{', '.join(bad)}; expected some of {', '.join(sorted(allowed))}")
        if any(not isinstance(v, (int, float)) or v < 0 for v in mix.values()) or abs(sum(mix.values()) - 1) > 1e-6:
            raise InvalidParameterError(f"{where}.{key} shares must be >= 0 and add up to 1; got {mix}")
    for key, allowed in (("appeal_share", {"valid", "invalid"}),
                         ("offset_cap_share", {"medicare", "medicaid", "commercial"})):
        values = r[key]
        if set(values) != allowed or any(not isinstance(v, (int, float)) or not 0 <= v <= 1
                                         for v in values.values()):
            raise InvalidParameterError(f"{where}.{key} must give {', '.join(sorted(allowed))} each a share "
                                        f"from 0 to 1; got {values}")
    if min(r["offset_cap_share"].values()) <= 0:
        raise InvalidParameterError(f"{where}.offset_cap_share must be above 0 for every payer type")
    carc = r["carc"]
    missing = [e for e in ERROR_TYPES if e not in carc]
    known = set(load("carc")["code"].astype(str))
    bad = {e: c for e, c in carc.items() if e not in ERROR_TYPES or str(c) not in known}
    if missing or bad:
        raise InvalidParameterError(f"{where}.carc needs a CARC from reference carc.csv for each error type; "
                         f"missing: {', '.join(missing) or 'none'}; unknown: {bad or 'none'}")


def template_lines(specs) -> list[dict]:
    """Every line spec in a template tree, flattened (for checks and tests)."""
    out = []
    for spec in specs:
        if "code" in spec:
            out.append(spec)
        elif "group" in spec:
            out += template_lines(spec["group"])
        elif "choose" in spec:
            for option in spec["choose"]:
                out += template_lines(option["lines"])
    return out


def expected_lines(specs) -> float:
    """Expected number of lines a template tree emits."""
    total = 0.0
    for spec in specs:
        p = spec.get("p", 1.0)
        if "code" in spec:
            total += p
        elif "group" in spec:
            total += p * expected_lines(spec["group"])
        elif "choose" in spec:
            weights = np.array([o["weight"] for o in spec["choose"]], dtype=float)
            weights /= weights.sum()
            total += p * sum(w * expected_lines(o["lines"]) for w, o in zip(weights, spec["choose"]))
    return total


def expand_visits(specs, encounters: np.ndarray, rng: np.random.Generator) -> list[dict]:
    """Emit the lines of a template tree for many encounters at once.

    Parameters
    ----------
    specs : list of dict
        A visit type's ``lines``.
    encounters : numpy.ndarray of int
        Encounter numbers of that visit type.
    rng : numpy.random.Generator

    Returns
    -------
    list of dict
        One entry per template line that some encounter bills: ``encounter``
        (the encounters billing it, in order), ``units`` (one per
        encounter), ``slot`` (order of the line within the visit), and the
        line's ``code``, ``modifiers`` and ``specialty`` ("" = the visit's
        provider).
    """
    parts: list[dict] = []
    counter = [0]

    def walk(nodes, enc: np.ndarray) -> None:
        for spec in nodes:
            p = spec.get("p", 1.0)
            keep = enc[rng.random(len(enc)) < p] if p < 1.0 else enc
            if not len(keep):
                if "code" in spec:
                    counter[0] += 1
                continue
            if "code" in spec:
                lo, hi = spec.get("units", [1, 1])
                units = rng.integers(lo, hi + 1, len(keep)) if hi > lo else np.full(len(keep), lo)
                parts.append({"encounter": keep, "units": units.astype(np.int64), "slot": counter[0],
                              "code": spec["code"], "modifiers": spec.get("modifiers", ""),
                              "specialty": spec.get("specialty", "")})
                counter[0] += 1
            elif "group" in spec:
                walk(spec["group"], keep)
            elif "choose" in spec:
                weights = np.array([o["weight"] for o in spec["choose"]], dtype=float)
                pick = rng.choice(len(weights), size=len(keep), p=weights / weights.sum())
                for i, option in enumerate(spec["choose"]):
                    walk(option["lines"], keep[pick == i])

    walk(specs, np.asarray(encounters, dtype=np.int64))
    return parts


def places_by_visit(encounter: np.ndarray, sizes: list[int]) -> np.ndarray:
    """Where each line goes when lines are ordered by encounter, then place in the visit, without a sort.

    ``encounter`` is the lines of the parts :func:`expand_visits` emits (and
    a visit's E/M line before them), one part after another (``sizes``): a
    part bills each visit at most once and a visit's parts come in the order
    of their place in it, so each line goes after the lines of its visit
    already placed.
    """
    base = int(encounter.min()) if len(encounter) else 0
    count = np.bincount(encounter - base)
    free = np.cumsum(count) - count
    place = np.empty(len(encounter), dtype=np.int64)
    for end, size in zip(np.cumsum(sizes), sizes):
        visits = encounter[end - size:end] - base
        place[end - size:end] = free[visits]
        free[visits] += 1
    return place
