"""Bring your own data: practice-management exports, workbooks, 837s and 835s -> an audit folder.

Layer: above :mod:`recoup_lib.remit` (it reads 835s with it and cuts 837s
with its tokenizer), below appeals, report, widgets and the CLI. One public
call, :func:`import_files`, returns an :class:`ImportResult` (``.write(out)``,
``.summary()``); ``recoup import`` is its command.

==========================  ================================================
:mod:`._tables`             CSV (UTF-8 / Windows-1252, detected) and workbook
                            (python-calamine, openpyxl) reading; header row
:mod:`._exact`              the exact CSV reader: values over several lines,
                            a stray quote set aside where it opens
:mod:`._fields`             which header holds which field (names billing
                            systems use), ambiguity and missing-field errors
:mod:`._values`             $ and (12.00) (common forms: recoup_lib.amounts), Y/N flags, whole numbers, lists, codes
:mod:`._calendar`           US dates and Excel serials; the usual shapes read from the bytes
:mod:`._distinct`           a repetitive column read once per distinct value
:mod:`._build`              rows to contract rows; title, total, footer rows
:mod:`._claims_stand_ins`   claims exports without line numbers (numbered in order) or a billed date
:mod:`._x837`               X12 837P/837I files read, on threads, in batches
:mod:`._x837_lines`         one run of 837 segments -> claim lines (vectorised)
:mod:`._x12cut`             837 files cut into segments, every delimiter found
:mod:`._x12spans`           elements as byte spans; text made only for kept values
:mod:`._x837_values`        837 dates, charges, modifiers, diagnoses as the contract writes them
:mod:`._x837_envelope`      837 envelopes that tell a file cut short (SE, SE01, IEA)
:mod:`._x837_frequency`     837 claims resent: a replacement takes its claim's place, a void cancels it
:mod:`._remit_payments`     835 service-line payments as payments.csv rows
:mod:`._unnumbered`         the contracts of payment and note exports with and without line numbers
:mod:`._line_match`         payments of a report without line numbers put on their claim lines
:mod:`._placing`            those payments (or a report's rows with a blank line number) placed or set aside
:mod:`._mapping`            mapping.json loaded and checked; --column, --fill-down
:mod:`._run`                :func:`import_files`: files in, tables out
:mod:`._result`             :class:`ImportResult`: summary, alarms, the folder
==========================  ================================================
"""

from ._fields import (FIELD_NAMES, GROUP_FIELDS, KINDS, LIST_FIELDS, TARGET_FILES, normalise_header, propose,
                      recognised_fields)
from ._result import MANIFEST_KEY, ImportResult, SourceReport, mapping_document
from ._claims_stand_ins import INFERABLE
from ._mapping import fields_sharing_a_header, load_mapping, one_field_per_header
from ._run import import_files, preview_file
from ._tables import read_export
from ._x837 import LINE_COLUMNS, Claims837, read_837

__all__ = ["import_files", "preview_file", "mapping_document", "ImportResult", "SourceReport", "load_mapping",
           "read_837", "Claims837", "LINE_COLUMNS", "read_export", "propose", "recognised_fields", "normalise_header",
           "FIELD_NAMES", "KINDS", "TARGET_FILES", "LIST_FIELDS", "GROUP_FIELDS", "INFERABLE", "MANIFEST_KEY",
           "fields_sharing_a_header", "one_field_per_header"]
