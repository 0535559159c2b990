"""The remittance explainer: pick a deposit, see what was paid, reversed and taken back.

A thin front end; the logic is in :mod:`recoup_lib.remit.reconcile`
(:func:`~recoup_lib.remit.reconcile.explain_deposits`,
:func:`~recoup_lib.remit.reconcile.deposit_options`,
:func:`~recoup_lib.remit.reconcile.deposit_detail`), where it is tested.
"""

from __future__ import annotations

import html

import pandas as pd

from ._review import TABLE_STYLE, html_table

__all__ = ["remittance_explainer"]


def remittance_explainer(remit, notices: pd.DataFrame | None = None, links=None):
    """A deposit picker showing each deposit's sentence and its items.

    Parameters
    ----------
    remit : Remit
        From :func:`~recoup_lib.remit.read_835`.
    notices : pandas.DataFrame, optional
        Parsed ``notices.csv``; recoupments then show their notice.
    links : pandas.DataFrame, optional
        A ready :func:`~recoup_lib.remit.reconcile.link_recoupments` table.

    Returns
    -------
    ipywidgets.VBox
        ``children``: the ``Dropdown`` of deposits (value: the deposit's
        row in ``remit.transactions``), an ``HTML`` with the deposit's
        sentence, an ``HTML`` table of its items (kind, claim,
        reference, effect in dollars, original payment, notice, note), and
        an ``HTML`` saying which files were not read whole and why (blank
        when every file was read whole).

    Examples
    --------
    >>> from recoup_lib.remit import read_835
    >>> w = remittance_explainer(read_835(["tests/data/835/domain-5.5.835"]))
    >>> "deposited" in w.children[1].value
    True
    """
    import ipywidgets as widgets

    from ..money import dollars
    from ..remit.reconcile import (deposit_detail, deposit_items, deposit_options,
                                   explain_deposits, link_recoupments)

    links = link_recoupments(remit, notices) if links is None else links
    deposits = explain_deposits(remit, links)
    items = deposit_items(remit)
    options = deposit_options(deposits)
    picker = widgets.Dropdown(options=options, description="Deposit",
                              layout=widgets.Layout(width="95%"),
                              style={"description_width": "initial"})
    sentence = widgets.HTML()
    table = widgets.HTML()
    files = widgets.HTML(_files_not_read_whole(remit))

    def show(change=None) -> None:
        if picker.value is None:
            sentence.value = ("<p>No deposit was read: no 835 transaction in these files could be used.</p>"
                              + files.value)
            table.value = files.value = ""
            return
        row = deposits.loc[deposits["deposit"] == picker.value].iloc[0]
        colour = "#1e8449" if row["balanced"] else "#c0392b"
        sentence.value = (f"<p style='font-size:1.05em'>{html.escape(row['sentence'])}</p>"
                          f"<p style='color:{colour}'>Unexplained: {dollars(int(row['unexplained_cents']))}</p>")
        detail = deposit_detail(remit, int(picker.value), links, items)
        table.value = TABLE_STYLE + html_table(detail, "no item in this deposit")

    picker.observe(show, names="value")
    show()
    return widgets.VBox([picker, sentence, table, files])


def _files_not_read_whole(remit) -> str:
    """The batch's own account (:meth:`~recoup_lib.remit.Remit.report`) when a file was set aside,
    skipped or repeated, or a transaction set aside: otherwise its deposits would be missing without a
    word. Blank when every file was read whole."""
    whole = (remit.files["status"] == "read").all() and not remit.files["transactions_set_aside"].any()
    if whole and remit.loaded:
        return ""
    lines = "".join(f"<li>{html.escape(line)}</li>" for line in remit.report(limit=5))
    return f"<p><b>Not every file was read whole:</b></p><ul>{lines}</ul>"
