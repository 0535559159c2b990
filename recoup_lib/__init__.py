"""RecoupKit: audit and training kit for recoupment in US medical billing.

The pipeline, one call per step, each returning a result with ``write(out)``
and ``summary()`` (:class:`recoup_lib.results.StepResult`)::

    synthetic.generate_practice     generate a labelled practice        recoup generate
    rules.audit_folder              audit it                            recoup audit
    sampling.select_sample          sample                              recoup sample
    sampling.appraise_variable      extrapolate                         recoup extrapolate
    remit.read_835                  read 835 remittances, recoupments   recoup remit
    appeals.appeal_folder           decide appeals, deadlines, letters  recoup appeal
    report.build_report             metrics, plots, Excel               recoup report

Lower layers: money (integer cents), errors, results, schema (column
contracts), reference (shipped tables), folder (reading and writing the audit
folder). The README's "Layout" lists every layer.
"""

__version__ = "0.1.0"
