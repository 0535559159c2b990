"""Appeal letters, one per appealed or partly appealed notice, in Markdown and HTML.

The letters are drafts for a person to finish and sign: they state the claim
facts, what we ask, why we disagree (the arguments a payer should read, not
our internal advice), the rules that apply and the documents to enclose, and
end with a "before sending" box listing what to fill in and check.

Everything that comes from the input files is escaped: HTML by jinja2's
autoescape; Markdown by :func:`markdown_escape`, applied to every value the
template prints, so a claim id such as ``<script>`` or
``[x](http://evil)`` stays text in any Markdown viewer.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from pathlib import Path

import jinja2
import pandas as pd

from ..money import dollars
from ._dates import day_of
from ._profiles import PayerProfile, Profiles, load_profiles, profile_for, rule_keys
from ._reasons import CONTRACT_PLANS

__all__ = ["Letter", "markdown_escape", "letter_stem", "letters", "write_letters"]

_TEMPLATES = Path(__file__).parent / "templates"
_MD_SPECIAL = re.compile(r"([\\`*_\[\]|~#])")


def markdown_escape(value) -> str:
    """Make any value inert text in Markdown (CommonMark and GitHub's dialect).

    Backslash-escapes the characters that start emphasis, code, links,
    tables and strikethrough; turns ``&``, ``<`` and ``>`` into entities so
    no raw HTML survives; breaks autolinks (``://`` and ``www.``); joins
    lines so a value cannot start a block of its own.

    >>> markdown_escape("<script>alert(1)</script> [x](http://e.vil) a_b|c")
    '&lt;script&gt;alert(1)&lt;/script&gt; \\\\[x\\\\](http:\\\\/\\\\/e.vil) a\\\\_b\\\\|c'
    """
    if value is None or (not isinstance(value, str) and pd.isna(value)):
        return ""
    text = re.sub(r"[\r\n]+", " ", str(value))
    text = text.replace("&", "&amp;").replace("<", "&lt;").replace(">", "&gt;")
    text = _MD_SPECIAL.sub(r"\\\1", text)
    text = text.replace("://", r":\/\/")
    return re.sub(r"(?i)\bwww\.", r"www\\.", text)


def _environments() -> tuple[jinja2.Environment, jinja2.Environment]:
    loader = jinja2.FileSystemLoader(_TEMPLATES)
    common = {"loader": loader, "trim_blocks": True, "lstrip_blocks": True,
              "undefined": jinja2.StrictUndefined, "keep_trailing_newline": True}
    html = jinja2.Environment(autoescape=True, **common)
    markdown = jinja2.Environment(autoescape=False, finalize=markdown_escape, **common)
    return markdown, html


@dataclass(frozen=True)
class Letter:
    """One letter: the notice it answers, a safe file stem, and both texts."""

    notice_id: str
    stem: str
    markdown: str
    html: str


def letter_stem(notice_id: str, taken: set[str] | None = None) -> str:
    """A file-name stem that is safe on any system and unique within ``taken``.

    ``taken`` holds the lower-cased stems already used (file systems may ignore case).

    >>> letter_stem("../../etc/passwd"), letter_stem("N 1", {"letter_n_1"})
    ('letter_etc_passwd', 'letter_N_1_2')
    """
    slug = re.sub(r"[^A-Za-z0-9-]+", "_", str(notice_id)).strip("_")[:80] or "notice"
    stem = f"letter_{slug}"
    if taken is not None:
        base, k = stem, 2
        while stem.lower() in taken:
            stem = f"{base}_{k}"
            k += 1
        taken.add(stem.lower())
    return stem


def _d(value) -> str:
    return "" if value is None or pd.isna(value) else f"{pd.Timestamp(value):%Y-%m-%d}"


def _text(value) -> str:
    return "" if value is None or (not isinstance(value, str) and pd.isna(value)) else str(value)


def _readable(error_type: str) -> str:
    return str(error_type).replace("_", " ")


def _arguments(r: dict, profile: PayerProfile) -> list[str]:
    amount = int(r["amount_cents"])
    at_risk = r["audit_at_risk_cents"]
    found = at_risk is not None and not pd.isna(at_risk)
    basis = r["merit_basis"]
    out = []
    if basis == "lookback":
        lookback = profile.rule("lookback")
        origin = "served" if r["lookback_from"] == "service_date" else "paid"
        authority = lookback.source if (profile.has_state_rows or profile.payer_type == "medicare") \
            else "the look-back our provider agreement allows"
        out.append(f"The notice is dated {_d(r['notice_date'])}, after the limit of {lookback.describe()} "
                   f"({authority}): the line was {origin} on {_d(r['lookback_basis_date'])}, so the last day "
                   f"was {_d(r['lookback_limit'])}. The recovery is untimely.")
        if not found and not r.get("_audit_unchecked"):
            out.append(f"Independently, our review does not support the stated reason "
                       f"({_readable(r['error_type'])}).")
    elif basis == "retroactive_policy":
        pass
    elif basis == "partial":
        out.append(f"Our review supports an overpayment of {dollars(int(at_risk))} on this line "
                   f"({_readable(r['error_type'])}), not the {dollars(amount)} demanded.")
    elif r.get("_audit_unchecked"):
        out.append(f"[Why the stated reason ({_readable(r['error_type'])}) does not hold, from your review of the "
                   f"record: RecoupKit's audit could not check it ({r['_audit_unchecked']}).]")
    else:
        out.append(f"Our review of the claim, the remittance and the medical record does not support the "
                   f"stated reason ({_readable(r['error_type'])}).")
    if r.get("policy_retroactive"):
        announced = _d(r.get("policy_announced_date"))
        service = _d(r.get("service_date"))
        when = f"on {announced}, after" if announced else "after"
        out.append(f"The coverage policy this recovery rests on was announced {when} the date of service"
                   f"{' (' + service + ')' if service else ''}. "
                   "A policy cannot be applied to services furnished before it was announced: the provider had no "
                   "notice of it when the service was given and billed.")
    if basis == "documentation_on_file":
        out.append("The medical record holds a note for this service that is present and signed; a copy "
                   "is enclosed.")
    code = r.get("procedure_code")
    documented = r.get("documented_code")
    note = r.get("note_present")
    if (r["error_type"] == "upcoding" and note is not None and not pd.isna(note) and bool(note)
            and isinstance(code, str) and (documented is None or pd.isna(documented) or documented in ("", code))):
        out.append(f"The note supports the billed code {code}.")
    paid = r.get("paid_cents")
    if paid is not None and not pd.isna(paid) and amount > int(paid):
        out.append(f"The amount demanded ({dollars(amount)}) is more than the {dollars(int(paid))} paid on "
                   "this line.")
    if profile.payer_type == "medicare" and r.get("reopening_needs_good_cause") and basis != "lookback":
        out.append(f"The claim was paid on {_d(r['lookback_basis_date'])}, more than a year before this "
                   "notice: please state the good cause for reopening it.")
    return out


def _rules(profile: PayerProfile, stay_applies: bool) -> list[str]:
    level = profile.first_level
    out = []
    if profile.payer_type == "medicare":
        receipt = profile.rule("receipt_days")
        out.append(f"A {level['name'].lower()} may be requested within {level['filing_window']} days of "
                   f"receiving the initial determination, and receipt is presumed "
                   f"{receipt.number if receipt else 0} days after its date (Medicare Claims Processing "
                   "Manual, Pub. 100-04, ch. 29).")
        if stay_applies:
            out.append("A valid redetermination request received within 30 days of the demand letter stops "
                       "recoupment until it is decided (SSA §1893(f)(2); 42 CFR 405.379).")
    elif profile.payer_type == "medicaid":
        out.append("The state Medicaid program's provider appeal rules apply.")
    elif profile.has_state_rows:
        statute = profile.text("statute")
        requirements = profile.text("notice_requirements")
        if requirements:
            out.append(f"{statute}: {requirements}")
        else:
            out.append(statute)
        if stay_applies:
            out.append(f"A timely appeal stops recovery until it is decided ({statute}).")
    else:
        out.append("The dispute terms of our provider agreement apply.")
    return out


def _facts(r: dict, medicare: bool) -> list[tuple[str, str]]:
    reason = _readable(r["error_type"])
    if _text(r.get("reason_code")):
        reason += f" (CARC {r['reason_code']})"
    facts = [
        ("Notice", f"{r['notice_id']} dated {_d(r['notice_date'])}"),
        ("Amount demanded", dollars(int(r["amount_cents"]))),
        ("Stated reason", reason),
        ("Claim and line", f"{r['claim_id']}, line {int(r['line_no'])}"),
        ("Beneficiary" if medicare else "Patient",
         f"{_text(r.get('patient_id')) or '[patient id]'}; name: [fill in]"),
    ]
    if medicare:
        facts.append(("Medicare number (MBI)", "[fill in]"))
    service = _text(r.get("procedure_code"))
    if service:
        if _text(r.get("modifiers")):
            service += f" with modifiers {r['modifiers']}"
        units = r.get("units")
        if units is not None and not pd.isna(units):
            service += f", {int(units)} unit{'s' if int(units) != 1 else ''}"
    facts.append(("Service", service or "[fill in]"))
    facts.append(("Date of service", _d(r.get("service_date")) or "[fill in]"))
    paid = r.get("paid_cents")
    if paid is not None and not pd.isna(paid):
        first = _d(r.get("first_payment_date"))
        facts.append(("Paid on this line", dollars(int(paid)) + (f" (first payment {first})" if first else "")))
    return facts


def _before_sending(r: dict, profile: PayerProfile, medicare: bool, stay_applies: bool, today) -> list[str]:
    fill = "your practice's name and address, the patient's name"
    if medicare:
        fill += ", the Medicare number (MBI)"
    out = [f"Fill in {fill}, and sign."]
    stop, file_by = _d(r.get("stop_offset_by")), _d(r.get("file_by"))
    if stay_applies and stop == file_by:
        out.append(f"Send it so that it is received by {stop}: a timely appeal keeps the money from being taken "
                   "while it runs.")
    elif stay_applies:
        out.append(f"Send it so that it is received by {stop}, to keep the money from being taken while the "
                   f"appeal runs (a request mailed by then but received later does not); the last day "
                   f"to file at all is {file_by}.")
    elif file_by and pd.Timestamp(file_by) < pd.Timestamp(today):
        out.append(f"The filing deadline ({file_by}) has passed: a late request must explain why it is late "
                   "(good cause), or it may be dismissed.")
    elif file_by:
        out.append(f"File by {file_by}.")
    if medicare:
        out.append("Check that the request has every element the contractor's redetermination form "
                   "(CMS-20027) asks for, and send it to the address on the demand letter.")
    if profile.payer_type == "medicaid":
        out.append("RecoupKit's Medicaid deadlines are assumptions: cite your state program's appeal rule and "
                   "check its deadline.")
    elif r.get("plan_type") in CONTRACT_PLANS:
        out.append("Needs review: this payer is treated as a managed-care or self-funded plan, so the dispute "
                   "clause of the provider contract (or the plan document) applies, not Section 935 or a state "
                   "statute; replace the rule lines with it.")
    elif profile.payer_type == "commercial" and not profile.has_state_rows:
        out.append("Needs review: RecoupKit has no state statute for this payer; replace the rule lines with the "
                   "dispute clause of your provider agreement and check the state's law.")
    if r.get("audit_notice_late") and r["merit_basis"] != "lookback":
        out.append(f"Ask the payer for its written notice of intent to audit; if it was not delivered by "
                   f"{_d(r.get('audit_notice_by'))}, add that the recovery is barred ({profile.text('statute')}).")
    if r["merit_basis"] == "lookback" and r.get("audit_at_risk_cents") is not None \
            and not pd.isna(r.get("audit_at_risk_cents")):
        out.append(f"Our own audit supports {dollars(int(r['audit_supported_cents']))} on this line: read the "
                   "reasons in decisions.csv before relying on timing alone.")
    params = ["offset_starts"] + (["lookback"] if r["merit_basis"] == "lookback" else [])
    unconfirmed = profile.unconfirmed(params)
    if unconfirmed:
        out.append("Check these rules, which RecoupKit could not confirm in a primary source: "
                   + "; ".join(unconfirmed) + " (see recoup_lib/appeals/data).")
    return out


def letters(decisions: pd.DataFrame, as_of, profiles: Profiles | None = None,
            practice: str = "[Your practice name]", signature: str = "[Name, title, phone]") -> list[Letter]:
    """Draft a letter for every ``appeal`` and ``partial`` decision.

    Parameters
    ----------
    decisions : pandas.DataFrame
        As returned by :func:`decide` (with the claim facts when claim_lines
        was given).
    as_of : date-like
        The letters' date; also decides whether the stay sentence still
        applies (only on or before ``stop_offset_by``).
    profiles : Profiles, optional
    practice, signature : str
        Sender lines; placeholders by default.

    Returns
    -------
    list of Letter
        In the order of ``decisions``; stems are unique and file-safe.

    Notes
    -----
    Medicare requests name the beneficiary, the claim and the service with
    its date, and say why we disagree, as a redetermination request must
    (docs/sources.md §2); the Section 935 stay is claimed when the request is received by
    day 30 (docs/sources.md §1.3). Commercial letters cite the state statute and its
    notice rules (docs/sources.md §8).
    """
    profiles = profiles or load_profiles()
    markdown_env, html_env = _environments()
    md_template = markdown_env.get_template("letter.md.j2")
    html_template = html_env.get_template("letter.html.j2")
    today = day_of(as_of)
    taken: set[str] = set()
    cache: dict[tuple[str, str], PayerProfile] = {}
    out = []
    rows = decisions.loc[decisions["recommendation"].isin(["appeal", "partial"])]
    types, states = rule_keys(rows)
    for r, key in zip(rows.to_dict("records"), zip(types, states)):
        if key not in cache:
            cache[key] = profile_for(profiles, *key)
        profile = cache[key]
        medicare = profile.payer_type == "medicare"
        stop = r.get("stop_offset_by")
        stay_applies = stop is not None and not pd.isna(stop) and pd.Timestamp(stop) >= pd.Timestamp(today)
        amount, agreed, disputed = (dollars(int(r[c])) for c in
                                    ("amount_cents", "agreed_amount_cents", "disputed_amount_cents"))
        if r["recommendation"] == "partial":
            ask = (f"We accept {agreed} of the {amount} demanded and ask you to reverse the remaining "
                   f"{disputed}.")
        else:
            ask = f"We ask you to reverse the overpayment determination of {amount} in full."
        stay = ""
        if stay_applies:
            stay = ("This request is sent to reach you within 30 days of the demand letter: under Section 935 (SSA "
                    "§1893(f)(2); 42 CFR 405.379) please do not recoup the disputed amount while it is "
                    "decided." if medicare else
                    "This appeal is filed within the time the statute allows: please make no recovery "
                    "while it is decided.")
        context = {
            "title": "Request for Redetermination" if medicare else "Appeal of an overpayment recovery",
            "subject": (f"{r['appeal_level']} of overpayment notice {r['notice_id']}" if medicare
                        else f"Appeal of overpayment notice {r['notice_id']}"),
            "notice_id": r["notice_id"],
            "letter_date": f"{pd.Timestamp(today):%Y-%m-%d}",
            "payer_name": r["payer_name"],
            "payer_id": r["payer_id"],
            "practice": practice,
            "rendering_npi": _text(r.get("rendering_npi")) or "[NPI]",
            "facts": _facts(r, medicare),
            "ask": ask,
            "stay": stay,
            "arguments": _arguments(r, profile),
            "rules": _rules(profile, stay_applies),
            "enclosures": [x for x in _text(r.get("evidence_checklist")).split("; ") if x],
            "signature": signature,
            "before_sending": _before_sending(r, profile, medicare, stay_applies, today),
        }
        out.append(Letter(
            notice_id=str(r["notice_id"]),
            stem=letter_stem(r["notice_id"], taken),
            markdown=md_template.render(**context),
            html=html_template.render(**context),
        ))
    return out


def write_letters(drafts: list[Letter], folder: str | Path) -> list[Path]:
    """Write each letter as ``<stem>.md`` and ``<stem>.html`` under ``folder``.

    Returns the paths written, Markdown then HTML for each letter.
    """
    folder = Path(folder)
    folder.mkdir(parents=True, exist_ok=True)
    written = []
    for letter in drafts:
        for suffix, text in ((".md", letter.markdown), (".html", letter.html)):
            path = folder / f"{letter.stem}{suffix}"
            path.write_text(text, encoding="utf-8", newline="\n")
            written.append(path)
    return written
