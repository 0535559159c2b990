"""RecoupKit: audit and training kit for recoupment in US medical billing.

The pipeline, one module per step::

    synthetic   generate a labelled practice        recoup generate
    rules       audit it                            recoup audit / recoup score
    sampling    sample and extrapolate              recoup sample / recoup extrapolate
    remit       read 835 remittances, recoupments   recoup remit / recoup reconcile
    appeals     decide appeals, deadlines, letters  recoup appeal
    report      metrics, plots, Excel               recoup report

Lower layers: money (integer cents), errors, schema (column contracts),
reference (shipped tables), folder (reading and writing the audit folder).
"""

__version__ = "0.1.0"
