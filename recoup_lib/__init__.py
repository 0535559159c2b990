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


def _use_jemalloc() -> None:
    """Give Arrow's buffers the jemalloc pool, unless ``ARROW_DEFAULT_MEMORY_POOL`` chooses one.

    Imported before pyarrow (the command line, a script), the whole of Arrow
    uses it; imported after (a notebook that imported pandas first), the
    buffers pyarrow's Python calls allocate do.

    With Arrow's default (mimalloc), the kernel time spent giving a process
    fresh pages grew to as much as the work itself: a 1,000,000-line audit
    took 6.6-8.6 s of system CPU beside 6.8 s of user CPU, against 1.5-1.7 s
    with jemalloc, at a lower peak (measured on the project's 2-core machine;
    docs/scale.md). Set ``ARROW_DEFAULT_MEMORY_POOL`` (``mimalloc``,
    ``jemalloc`` or ``system``) to choose otherwise.
    """
    import os
    import sys

    if os.environ.get("ARROW_DEFAULT_MEMORY_POOL"):
        return
    if "pyarrow" not in sys.modules:
        # Read by Arrow's C++ side (its readers and kernels allocate from the default pool) when
        # pyarrow loads; worker processes inherit it.
        os.environ["ARROW_DEFAULT_MEMORY_POOL"] = "jemalloc"
    try:
        import pyarrow as pa

        pa.set_memory_pool(pa.jemalloc_memory_pool())
    except (ImportError, NotImplementedError, AttributeError):
        pass  # a build of Arrow without jemalloc keeps its own default


def _use_small_pages() -> None:
    """Stop NumPy asking the kernel for huge pages, unless ``NUMPY_MADVISE_HUGEPAGE`` says otherwise.

    NumPy marks every large array for transparent huge pages. Where the kernel
    then assembles 2 MB pages on demand (``defrag`` set to ``madvise``, the
    usual default), each first touch of a new array can wait for the kernel to
    find and clear a huge page. On the project's 2-core machine that was most
    of the system CPU: reading 1,000,000 lines of 835s took 1.3-1.7 s of system
    CPU with huge pages and 0.5 s without; auditing 1,000,000 lines 3.1-3.8 s
    against 1.0-1.3 s; user CPU and peak memory did not change (docs/scale.md).
    Set ``NUMPY_MADVISE_HUGEPAGE=1`` to keep NumPy's default.
    """
    import os
    import sys

    if os.environ.get("NUMPY_MADVISE_HUGEPAGE"):
        return
    # Read by NumPy when it loads; worker processes inherit it.
    os.environ["NUMPY_MADVISE_HUGEPAGE"] = "0"
    if "numpy" in sys.modules:
        try:
            from numpy._core.multiarray import _set_madvise_hugepage
        except ImportError:
            return  # a NumPy without the switch keeps its own default
        _set_madvise_hugepage(False)


_use_jemalloc()
_use_small_pages()
