"""The remittance explainer: pick a deposit, see what was paid, reversed and taken back.

A thin front end; the logic is in :mod:`recoup_lib.remit.reconcile`
(:func:`~recoup_lib.remit.reconcile.explain_deposits`,
:func:`~recoup_lib.remit.reconcile.deposit_options`,
:func:`~recoup_lib.remit.reconcile.deposit_detail`), where it is tested.
"""

from __future__ import annotations

import html

import pandas as pd

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
        sentence, and an ``HTML`` table of its items (kind, claim,
        reference, effect in dollars, original payment, notice, note).

    Examples
    --------
    >>> from recoup_lib.remit import read_835
    >>> w = remittance_explainer(read_835(["tests/data/835/domain-5.5.835"]))
    >>> "deposited" in w.children[1].value
    True
    """
    import ipywidgets as widgets

    from ..folder import to_text_frame
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

    def show(change=None) -> None:
        if picker.value is None:
            sentence.value, table.value = "<p>No deposit was read.</p>", ""
            return
        row = deposits.loc[deposits["deposit"] == picker.value].iloc[0]
        colour = "#1e8449" if row["balanced"] else "#c0392b"
        sentence.value = (f"<p style='font-size:1.05em'>{html.escape(row['sentence'])}</p>"
                          f"<p style='color:{colour}'>Unexplained: "
                          f"{html.escape(to_text_frame(deposits.loc[[row.name], ['unexplained_cents']]).iloc[0, 0])}"
                          "</p>")
        detail = deposit_detail(remit, int(picker.value), links, items)
        table.value = to_text_frame(detail).to_html(index=False, escape=True)

    picker.observe(show, names="value")
    show()
    return widgets.VBox([picker, sentence, table])
