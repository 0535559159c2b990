"""Labelled synthetic practices: claims, payments, coverage, notes, and the answer key.

``generate_practice(lines=20000, seed=11)`` simulates a practice described by
a profile (``synthetic/profiles/*.json``), injects the contract's ten error
types at a chosen overall rate, and returns it in memory as a
:class:`GeneratedPractice`; its ``write(out)`` writes the self-contained audit
folder that ``recoup generate`` produces, and ``summary()`` says what it holds.
The same seed always gives the same bytes.

The answer key (``labels.csv``) is, by construction, exactly the findings the
contract's rules produce for the folder: one row per (line, error type) with
the contract's at-risk amount. The test suite checks this against the audit
engine for many seeds and all profiles.

The payers' side (:mod:`._payer`) adds what happens after payment:
``notices.csv`` (overpayment notices, some of them wrong or late) and their
answer key ``recoupment_labels.csv``. ``payments.csv`` stays the snapshot of
what was paid at adjudication, so ``labels.csv`` does not change.
"""

from __future__ import annotations

import contextlib
import json
from dataclasses import dataclass, fields
from pathlib import Path

import numpy as np
import pandas as pd

from .. import __version__
from .. import reference
from ..errors import InvalidParameterError
from ..folder import write_csv
from ..outputs import output_folder, writes_folder
from ..results import StepResult
from ..schema import RECOUPMENT_LABELS_SPEC
from ._claims837 import CLAIMS837_FOLDER, write_claims_837
from ._export import write_messy_export
from ._identities import npi_numbers
from ._inject import inject_errors, plan_counts
from ._payer import NOTICE_COLUMNS, simulate_notices
from ._remits import TAKE_COLUMNS, plan_remits, remit_tables, write_remits
from ._practice import Practice, References, build_clean
from ._profile import Profile, load_profile, profile_names, profiles_dir
from ._random import stream

__all__ = ["generate_practice", "write_practice", "generate", "Practice", "GeneratedPractice", "load_profile",
           "profile_names", "profiles_dir", "default_references", "DEFAULT_ERROR_RATE",
           "FOLDER_FILES", "PAYER_FILES", "RECOUPMENT_LABEL_COLUMNS", "plan_remits", "remit_tables",
           "REMITS_FOLDER", "CLAIMS837_FOLDER", "write_messy_export"]

DEFAULT_ERROR_RATE = 0.08

#: Files of a generated folder, in the order they are written.
FOLDER_FILES = ("claim_lines.csv", "payments.csv", "coverage.csv", "documentation.csv",
                "fee_schedule.csv", "ncci_ptp.csv", "mue.csv", "payer_policies.csv", "payers.csv",
                "labels.csv", "patients.csv", "providers.csv", "practice.json")

#: The payers' files of a generated folder (see :mod:`._payer`); ``remits/`` holds the 835s.
PAYER_FILES = ("notices.csv", "recoupment_labels.csv")
#: Where a generated folder keeps the payers' 835 remittances (one file per payer and month).
REMITS_FOLDER = "remits"

#: recoupment_labels.csv columns before the take-back ones (money in cents in memory, dollars in the
#: file), as its spec lists them (:data:`recoup_lib.schema.RECOUPMENT_LABELS_SPEC`).
RECOUPMENT_LABEL_COLUMNS = [c.memory_name for c in RECOUPMENT_LABELS_SPEC.columns if c.memory_name not in TAKE_COLUMNS]


def default_references() -> References:
    """The shipped tables, typed."""
    return References(
        codes=reference.load("procedure_codes"),
        payers=reference.load("payers"),
        fee_schedule=reference.load_default("fee_schedule"),
        ncci_ptp=reference.load_default("ncci_ptp"),
        mue=reference.load_default("mue"),
        payer_policies=reference.load_default("payer_policies"),
    )


class GeneratedPractice(Practice, StepResult):
    """A simulated practice and its answer key: what :func:`generate_practice` returns.

    The attributes are those of :class:`Practice` (``lines``, ``payments``,
    ``documentation``, ``spans``, ``labels``, ``notices``, ...).
    :meth:`write` writes the audit folder ``recoup generate`` writes and
    :meth:`summary` says in plain words what the practice holds.
    """

    @writes_folder
    def write(self, out: str | Path, *, payer: bool = True, remits: bool = True,
              claims837: bool | None = None) -> list[Path]:
        """Write the practice as a self-contained audit folder; return the files written.

        ``payer``, ``remits`` and ``claims837`` as in :func:`write_practice`.
        """
        return _write_practice(self, out, payer=payer, remits=remits, claims837=claims837)

    def summary(self) -> str:
        """The profile, the size, the injected errors by type and the payers' notices."""
        labels = self.labels
        out = [f"{self.profile.title}: {len(self.lines):,} claim lines, seed {self.seed}, "
               f"{labels[['claim', 'line_no']].drop_duplicates().shape[0]:,} lines with errors "
               f"({len(labels):,} labels)"]
        out += [f"  {error_type}: {count}"
                for error_type, count in labels["error_type"].value_counts().sort_index().items()]
        notices = self.notices
        if notices is not None:
            out.append(f"payer review: {len(notices):,} notices ({int(notices['valid'].sum()):,} valid, "
                       f"{int((notices['accusation'] == 'false').sum()):,} false accusations, "
                       f"{int((~notices['within_lookback']).sum()):,} after the look-back limit)")
        return "\n".join(out)


#: The most lines and the longest period (in days) a generated practice may have: more would run
#: for hours and fill the disk (a practice of a million lines takes a minute).
MAX_LINES = 10_000_000
MAX_PERIOD_DAYS = 3_660
_FIRST, _LAST = np.datetime64("1900-01-01"), np.datetime64("2100-12-31")


@contextlib.contextmanager
def _profile_problems(profile=None):
    """A profile, period or rate the generator cannot use is a bad argument (same message).

    A profile file of the user's whose values have the wrong shape (a number
    where a table is expected, a missing key) is one too: the message names it.
    """
    try:
        yield
    except InvalidParameterError:
        raise
    except ValueError as exc:
        raise InvalidParameterError(str(exc)) from exc
    except (KeyError, TypeError, AttributeError, IndexError, ZeroDivisionError) as exc:
        if profile is None:
            raise
        raise InvalidParameterError(f"profile {profile}: a value is not in the expected form "
                                    f"({type(exc).__name__}: {exc}); compare it with a shipped profile "
                                    "(synthetic/profiles/)") from None


def generate_practice(lines: int = 20000, seed: int = 0, error_rate: float = DEFAULT_ERROR_RATE,
                      profile: str | Profile = "family_practice", start: str | None = None,
                      end: str | None = None, refs: References | None = None) -> GeneratedPractice:
    """Simulate a practice with exactly ``lines`` claim lines and its answer key: the generate step.

    Parameters
    ----------
    lines : int, default 20000
        Claim lines in the result, errors included.
    seed : int, default 0
        Same seed, same practice, byte for byte.
    error_rate : float, default 0.08
        Share of lines carrying at least one contract error (about 8%).
    profile : str or Profile, default "family_practice"
        A profile name (see :func:`profile_names`) or a loaded profile.
    start, end : str, optional
        First and last date of service (``YYYY-MM-DD``); default: the
        profile's period.
    refs : References, optional
        Reference tables to price and edit with (default: the shipped ones).

    Returns
    -------
    GeneratedPractice
        ``lines``, ``payments``, ``documentation``, ``spans`` (coverage),
        ``labels``, ``policies``, ``patients``, ``providers``, ``notices`` and
        more; ``write(out)`` and ``summary()``.

    Raises
    ------
    InvalidParameterError
        Fewer than 50 or more than :data:`MAX_LINES` lines, an error rate
        outside 0-0.5 or too high for so few lines, an unknown or malformed
        profile, a date that is not a date or lies outside 1900-2100, or a
        period that ends before it starts or is longer than ten years.

    Examples
    --------
    >>> practice = generate_practice(lines=2000, seed=3)
    >>> len(practice.lines)
    2000
    """
    if lines < 50:
        raise InvalidParameterError(f"a practice needs at least 50 lines; got {lines}")
    if lines > MAX_LINES:
        raise InvalidParameterError(f"a practice has at most {MAX_LINES:,} lines; got {lines:,}")
    named = None if isinstance(profile, Profile) else str(profile)
    with _profile_problems(named):
        prof = profile if isinstance(profile, Profile) else load_profile(profile)
    refs = refs or default_references()
    with _profile_problems(named):
        period = prof["period"]
        start = np.datetime64(start or period["start"], "D")
        end = np.datetime64(end or period["end"], "D")
    if np.isnat(start) or np.isnat(end) or start < _FIRST or end > _LAST:
        raise InvalidParameterError(f"the period ({start} to {end}) must lie between {_FIRST} and {_LAST}")
    if end < start:
        raise InvalidParameterError(f"the period ends ({end}) before it starts ({start})")
    if (end - start).astype(int) > MAX_PERIOD_DAYS:
        raise InvalidParameterError(f"the period ({start} to {end}) is longer than {MAX_PERIOD_DAYS:,} days "
                                    "(about ten years)")
    with _profile_problems(named):
        plan = plan_counts(lines, error_rate, prof["error_mix"])
        practice = build_clean(prof, seed, lines - plan["added"], start, end, refs,
                               claim_width=max(7, len(str(lines))))
        practice = inject_errors(practice, plan)
        practice.error_rate = error_rate
        practice.plan = plan
        practice.notices = simulate_notices(practice)
    return GeneratedPractice(**{f.name: getattr(practice, f.name) for f in fields(Practice)})


@dataclass
class _Tables:
    claim_lines: pd.DataFrame
    payments: pd.DataFrame
    coverage: pd.DataFrame
    documentation: pd.DataFrame
    fee_schedule: pd.DataFrame
    ncci_ptp: pd.DataFrame
    mue: pd.DataFrame
    payer_policies: pd.DataFrame
    payers: pd.DataFrame
    labels: pd.DataFrame
    patients: pd.DataFrame
    providers: pd.DataFrame
    notices: pd.DataFrame | None = None
    recoupment_labels: pd.DataFrame | None = None


def contract_tables(practice: Practice, notices: pd.DataFrame | None = None) -> _Tables:
    """The practice as the contract's tables (typed, in memory, in file order).

    ``notices`` (default ``practice.notices``) may carry the take-back columns
    of :func:`plan_remits`; they go to recoupment_labels.csv.
    """
    lines = practice.lines
    order = np.lexsort((lines["line_no"].to_numpy(), lines["claim"].to_numpy()))
    lines = lines.iloc[order].reset_index(drop=True)
    claim_lines = pd.DataFrame({
        "claim_id": practice.claim_id_column(lines["claim"].to_numpy()),
        "line_no": lines["line_no"].to_numpy(dtype=np.int64),
        "patient_id": practice.patient_id_column(lines["patient"].to_numpy()),
        "payer_id": lines["payer_id"].astype(object),
        "rendering_npi": lines["rendering_npi"].astype(object),
        "service_date": lines["service_date"].to_numpy(),
        "submitted_date": lines["submitted_date"].to_numpy(),
        "procedure_code": np.asarray(lines["procedure_code"], dtype=object),
        "modifiers": lines["modifiers"].astype(object),
        "units": lines["units"].to_numpy(dtype=np.int64),
        "charge_cents": lines["charge_cents"].to_numpy(dtype=np.int64),
        "diagnosis_codes": lines["diagnosis_codes"].astype(object),
        "place_of_service": lines["place_of_service"].astype(object),
    })
    pay = practice.payments.reset_index(drop=True)
    payments = pd.DataFrame({
        "claim_id": practice.claim_id_column(pay["claim"].to_numpy()),
        "line_no": pay["line_no"].to_numpy(dtype=np.int64),
        "payment_id": pay["payment_id"].astype(object), "payment_date": pay["payment_date"].to_numpy(),
        **{c: pay[c].to_numpy(dtype=np.int64) for c in ("allowed_cents", "paid_cents", "deductible_cents",
                                                        "coinsurance_cents", "copay_cents")},
        "denial_code": pay["denial_code"].fillna("").to_numpy(dtype=object),
    })
    spans = practice.spans.reset_index(drop=True)
    coverage = pd.DataFrame({
        "patient_id": practice.patient_id_column(spans["patient"].to_numpy()),
        "payer_id": spans["payer_id"].astype(object), "member_id": spans["member_id"].astype(object),
        "effective_date": spans["effective_date"].to_numpy(), "termination_date": spans["termination_date"].to_numpy(),
    })
    doc = practice.documentation
    doc = doc.iloc[np.lexsort((doc["line_no"].to_numpy(), doc["claim"].to_numpy()))].reset_index(drop=True)
    documentation = pd.DataFrame({
        "claim_id": practice.claim_id_column(doc["claim"].to_numpy()),
        "line_no": doc["line_no"].to_numpy(dtype=np.int64),
        "note_present": doc["note_present"].array, "signed": doc["signed"].array,
        "documented_code": doc["documented_code"].fillna("").to_numpy(dtype=object),
    })
    payer_ids = list(practice.profile["payer_mix"])
    fee = practice.refs.fee_schedule
    fee_schedule = fee.loc[fee["payer_id"].isin(payer_ids)].drop(columns=["_row"], errors="ignore")
    ncci = practice.refs.ncci_ptp.drop(columns=["_row"], errors="ignore")
    mue = practice.refs.mue.drop(columns=["_row"], errors="ignore")
    policies = practice.policies[["payer_id", "procedure_code", "effective_date", "announced_date", "description"]]
    policies = policies.sort_values(["payer_id", "procedure_code", "effective_date"], kind="stable")
    payers = practice.refs.payers
    payers = payers.loc[payers["payer_id"].isin(payer_ids), ["payer_id", "name", "payer_type", "state"]]
    lab = practice.labels.reset_index(drop=True)
    labels = pd.DataFrame({
        "claim_id": practice.claim_id_column(lab["claim"].to_numpy()),
        "line_no": lab["line_no"].to_numpy(dtype=np.int64),
        "error_type": lab["error_type"].astype(object), "at_risk_cents": lab["at_risk_cents"].to_numpy(),
        "category": lab["category"].astype(object), "injected_as": lab["injected_as"].astype(object),
    })
    pat = practice.patients
    patients = pd.DataFrame({"patient_id": practice.patient_id_column(pat["patient"].to_numpy()),
                             "first_name": pat["first_name"].to_numpy(), "last_name": pat["last_name"].to_numpy(),
                             "birth_date": pat["birth_date"].to_numpy(), "sex": pat["sex"].to_numpy()})
    nt = notices if notices is not None else practice.notices
    notices = recoupment_labels = None
    if nt is not None:
        with_ids = nt.assign(claim_id=practice.claim_id_column(nt["claim"].to_numpy()).to_numpy())
        notices = with_ids[NOTICE_COLUMNS].reset_index(drop=True)
        recoupment_labels = with_ids[[c for c in RECOUPMENT_LABEL_COLUMNS if c in with_ids.columns]
                                     + [c for c in nt.columns if c in _TAKE_COLUMNS]].reset_index(drop=True)
    return _Tables(claim_lines, payments, coverage, documentation, fee_schedule.reset_index(drop=True),
                   ncci, mue, policies.reset_index(drop=True), payers.reset_index(drop=True),
                   labels, patients, practice.providers, notices, recoupment_labels)


#: Take-back columns of recoupment_labels.csv, filled by the remittance simulation.
_TAKE_COLUMNS = tuple(TAKE_COLUMNS)


def write_practice(practice: Practice, out: str | Path, payer: bool = True, remits: bool = True,
                   claims837: bool | None = None, force: bool = False) -> Path:
    """Write the practice as a self-contained audit folder (see :data:`FOLDER_FILES`).

    Parameters
    ----------
    practice : Practice
    out : path-like
        The folder to write (created if needed).
    payer : bool, default True
        Also write the payers' files (:data:`PAYER_FILES`) when the practice
        has notices; False writes a plain audit folder.
    remits : bool, default True
        Also simulate the take-backs and write the payers' 835 remittances
        under ``remits/`` (and the take-back columns of
        recoupment_labels.csv). False keeps the notices and skips the
        remittances (``recoup generate --no-remits``).
    claims837 : bool, optional
        Also write the claims as the clearinghouse sent them, X12 837P files
        under ``claims837/`` (:mod:`._claims837`). Default: with the 835s.
    force : bool, default False
        Replace a folder holding files the kit did not write, or edited
        since (they are kept); see :func:`recoup_lib.outputs.output_folder`.

    Returns
    -------
    pathlib.Path
        ``out``.
    """
    with output_folder(out, force=force, written_by="recoup generate") as folder:
        _write_practice(practice, folder, payer=payer, remits=remits, claims837=claims837)
    return Path(out)


def _write_practice(practice: Practice, out: str | Path, payer: bool, remits: bool,
                    claims837: bool | None = None) -> list[Path]:
    """:func:`write_practice`, returning every file written."""
    out = Path(out)
    out.mkdir(parents=True, exist_ok=True)
    plan = plan_remits(practice) if (payer and remits and practice.notices is not None) else None
    t = contract_tables(practice, plan.notices if plan is not None else None)
    if not payer:
        t.notices = t.recoupment_labels = None
    paths = [write_csv(getattr(t, name.removesuffix(".csv")), out / name) for name in FOLDER_FILES[:-1]]
    if t.notices is not None:
        paths += [write_csv(getattr(t, name.removesuffix(".csv")), out / name) for name in PAYER_FILES]
    if plan is not None:
        folder = out / REMITS_FOLDER
        written = write_remits(practice, plan, folder)
        paths += [folder / name for name in written]
    claims_written = None
    if plan is not None if claims837 is None else claims837:
        claims_written = write_claims_837(
            t.claim_lines, t.patients, practice.providers, practice.refs.payers, out / CLAIMS837_FOLDER,
            billing_name=practice.profile.name.replace("_", " "),
            billing_npi=npi_numbers(stream(practice.seed, "payee"), 1)[0],
            state=str(practice.profile.get("state", "GA")))
        paths += [out / CLAIMS837_FOLDER / name for name in claims_written]
    labels = t.labels
    summary = {
        "generator": "recoup generate",
        "kit_version": __version__,
        "profile": practice.profile.name,
        "profile_title": practice.profile.title,
        "seed": practice.seed,
        "lines": int(len(t.claim_lines)),
        "error_rate": practice.error_rate,
        "period": {"start": str(practice.start), "end": str(practice.end)},
        "export_date": str(practice.export_date),
        "files": {name: int(len(getattr(t, name.removesuffix(".csv")))) for name in FOLDER_FILES[:-1]},
        "labels_by_error_type": {k: int(v) for k, v in labels["error_type"].value_counts().sort_index().items()},
        "lines_with_errors": int(labels[["claim_id", "line_no"]].drop_duplicates().shape[0]),
        "coverage_changes": [{k: str(v) for k, v in c.items()} for c in practice.coverage_changes],
    }
    if t.notices is not None:
        rl = t.recoupment_labels
        summary["payer_review"] = {
            "notices": int(len(t.notices)),
            "valid": int(rl["valid"].sum()),
            "false_accusations": int((rl["accusation"] == "false").sum()),
            "after_lookback": int((~rl["within_lookback"]).sum()),
            "appealed": int(rl["appealed"].sum()),
        }
        if plan is not None:
            summary["payer_review"].update({
                "remit_files": len(written),
                "remit_transactions": int(len(plan.tx)),
                "taken": {k: int(v) for k, v in rl["mechanism"].where(rl["taken_cents"] > 0, "none")
                          .value_counts().sort_index().items()},
                "taken_total": f"{int(rl['taken_cents'].sum()) / 100:.2f}",
            })
    if claims_written is not None:
        summary["claims837_files"] = len(claims_written)
    (out / "practice.json").write_text(json.dumps(summary, indent=2) + "\n", encoding="utf-8")
    return paths + [out / "practice.json"]


def generate(out: str | Path, lines: int = 20000, seed: int = 0, error_rate: float = DEFAULT_ERROR_RATE,
             profile: str = "family_practice", start: str | None = None, end: str | None = None) -> Path:
    """Generate a practice and write its folder; returns ``out``."""
    practice = generate_practice(lines=lines, seed=seed, error_rate=error_rate, profile=profile,
                                 start=start, end=end)
    practice.write(out)
    return Path(out)
