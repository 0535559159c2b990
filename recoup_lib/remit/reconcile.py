"""Reconcile remittances: where every dollar of a deposit went, and which recoupment was which.

The one call is :func:`recoup_lib.remit.reconcile` (it runs the parts below
in order and returns a result with ``write`` and ``summary``). This module
gathers the parts, for lessons and widgets that show one of them; they live
in private modules of one idea each (``_items``, ``_links``, ``_deposits``,
``_ledger``).

Pure functions over the tables of :class:`~recoup_lib.remit.Remit` (what
:func:`~recoup_lib.remit.read_835` returns) and, optionally, the contract's
``notices.csv`` (parsed: ``amount_cents``, ``notice_date``). Nothing here
reads or writes files or draws; money stays in integer cents.

==============================  ===============================================
:func:`deposit_items`           every money item of every deposit, with its effect
:func:`link_recoupments`        each recoupment -> its original payment, its notice
:func:`explain_deposits`        one row per deposit: the parts and a sentence
:func:`open_ledger`             per notice: taken so far, still open, aging
:func:`cash_flow`               by month: paid, reversed, offset, deferred, net
:func:`recoupments_by_cause`    money taken back by month and cause
:func:`deposit_options`         the labels of a deposit picker (widget)
:func:`deposit_detail`          one deposit's items, ready to show (widget)
==============================  ===============================================

A *deposit* is one 835 transaction (ST...SE): one check or EFT. Deposits are
numbered by their row in ``remit.transactions``; the other tables are placed
in them by file and segment position.

The arithmetic (docs/sources.md §5.4): BPR02 = sum of CLP04 - sum of PLB amounts,
with a positive PLB amount taking money from the provider. Every CLP and PLB
pair is one *item* here, classified as exactly one kind, so a balanced
deposit is explained to the cent (``unexplained_cents`` is 0).
"""

from ._deposits import DEPOSIT_COLUMNS, DETAIL_COLUMNS, deposit_detail, deposit_options, \
    explain_deposits
from ._items import ITEM_KINDS, deposit_items
from ._ledger import (AGING_BUCKETS, CASH_FLOW_COLUMNS, LEDGER_COLUMNS, cash_flow, open_ledger,
                      recoupments_by_cause)
from ._links import LINK_COLUMNS, OFFSET_DAY, link_recoupments

__all__ = [
    "ITEM_KINDS",
    "AGING_BUCKETS",
    "LINK_COLUMNS",
    "DEPOSIT_COLUMNS",
    "LEDGER_COLUMNS",
    "CASH_FLOW_COLUMNS",
    "DETAIL_COLUMNS",
    "OFFSET_DAY",
    "deposit_items",
    "link_recoupments",
    "explain_deposits",
    "open_ledger",
    "cash_flow",
    "recoupments_by_cause",
    "deposit_options",
    "deposit_detail",
]
