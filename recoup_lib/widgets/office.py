"""The practice desk over an office's own folder: each desk doing what it can without an answer key.

A generated practice has labels.csv, notices.csv and 835s. An office's
folder (``recoup import``) has claim_lines.csv and payments.csv, perhaps
notices.csv and payers.csv, perhaps its remittances (``remits/`` of 835s,
or the recoupments.csv of ``recoup remit``). :func:`office_desks` makes the
desks the app shows (``make desk FOLDER=...``) from such a folder: the
claims are reviewed against the audit's findings (not scored), the notices
decided when there are any (else the money taken back is listed), and the
835s' deposits explained when there are any. A desk that cannot be made
says why in its tab, so the others still open. The folder is audited once
and its 835s read once, whatever the desks that use them.
"""

from __future__ import annotations

import html
from pathlib import Path

import ipywidgets as w

from ..errors import InvalidParameterError, RecoupError
from ..folder import existing_folder
from ._appeal_desk import desk_from_folder
from .appeal_desk import AppealDeskWidget, appeal_desk
from .claim_reviewer import claim_reviewer

__all__ = ["office_desks"]


def _said(text: str) -> w.HTML:
    return w.HTML(f"<p>{html.escape(text)}</p>")


def _made(lead: str, make):
    """What ``make()`` returns, or a paragraph starting with ``lead`` that says why it could not be made."""
    try:
        return make()
    except (RecoupError, InvalidParameterError) as exc:
        return _said(f"{lead}: {exc}")


def _remits(folder: Path):
    """The 835s of ``folder/remits`` read, or None when it holds none (a path that is no folder is
    named as what it is, as the other desks name it)."""
    from ..remit import read_835, remits_in

    files = remits_in(existing_folder(folder, "an audit folder with the payers' 835 files in remits/"))
    return read_835(files) if files else None


def _deposits(folder: Path, remit, notices):
    """The remittance explainer over the 835s read (``remit``), or why there is none."""
    from .remittance import remittance_explainer

    if remit is None:
        return _said(f"{folder} has no 835 remittances to explain: put the payers' 835 files in "
                     f"{folder / 'remits'} (a recoupments.csv lists what was taken back, not the deposits).")
    return remittance_explainer(remit, notices=notices)


def office_desks(folder, size: int = 12, seed: int = 0, findings=None) -> list[tuple[str, w.Widget]]:
    """The desks over an office's own folder, each with its tab title.

    Parameters
    ----------
    folder : path-like
        An audit folder: claim_lines.csv and payments.csv (``recoup
        import`` writes them), with whatever else the office has.
    size, seed : int
        The claim reviewer's deck (:func:`recoup_lib.widgets.build_deck`).
    findings : pandas.DataFrame or path-like, optional
        The audit's findings already made (``recoup audit``'s findings.csv
        or its ``--out`` folder); default: the folder is audited here.

    Returns
    -------
    list of (str, ipywidgets.Widget)
        ``Review claims`` (:func:`~recoup_lib.widgets.claim_reviewer`),
        ``Decide notices`` (:func:`~recoup_lib.widgets.appeal_desk`) and
        ``Explain a deposit`` (:func:`~recoup_lib.widgets.remittance_explainer`).
        A desk the folder cannot give is a paragraph saying why, in its tab.

    Examples
    --------
    >>> desks = office_desks("office")  # doctest: +SKIP
    >>> [title for title, _ in desks]  # doctest: +SKIP
    ['Review claims', 'Decide notices', 'Explain a deposit']
    """
    folder = Path(folder)
    remit = _made("No deposit to explain", lambda: _remits(folder))
    read = None if isinstance(remit, w.HTML) else remit
    appeals = _made("No notice to decide", lambda: appeal_desk(desk_from_folder(folder, remit=read)))
    deciding = isinstance(appeals, AppealDeskWidget)
    audit = appeals.desk.audit if deciding else None
    reviewer = _made("No claim to review", lambda: claim_reviewer(folder, size=size, seed=seed, findings=findings,
                                                                  audit=audit).widget)
    notices = appeals.desk.notices if deciding and appeals.desk.notice_ids else None
    deposits = remit if isinstance(remit, w.HTML) else _made("No deposit to explain",
                                                              lambda: _deposits(folder, read, notices))
    return [("Review claims", reviewer), ("Decide notices", appeals.widget if deciding else appeals),
            ("Explain a deposit", deposits)]
