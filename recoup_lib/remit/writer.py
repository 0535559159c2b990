"""Where the 835 writer was defined; kept so that older imports keep working.

The writer now lives in private modules of one idea each: text helpers
(``_x12text``), input checks (``_write_input``), segments
(``_write_segments``) and the public calls (``_writer``). Import from
:mod:`recoup_lib.remit`.
"""

from ._writer import (RemitWriteError, UnbalancedRemittance, WriteOptions, amount_text,
                      format_835, tables_from_models, write_835, write_835_from_tables)

__all__ = ["RemitWriteError", "UnbalancedRemittance", "WriteOptions", "tables_from_models",
           "write_835_from_tables", "format_835", "write_835", "amount_text"]
