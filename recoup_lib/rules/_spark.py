"""The audit on Apache Spark: the same pandas rules, patient partition by patient partition.

``audit_folder(FOLDER, engine="spark")`` (``recoup audit FOLDER --engine
spark``) reads the audit folder from any path Spark can see (a local folder,
``dbfs:/``, ``s3://``, ``hdfs://``), as CSV (``claim_lines.csv``) or Parquet
(``claim_lines.parquet``, a file or a folder of parts), and runs:

1. **Parse.** Every row is checked by the kit's own parser
   (:func:`recoup_lib.schema.parse_table`) in ``mapInPandas``; a row that
   cannot be used is set aside with the same reason as in memory. A repeated
   (claim_id, line_no) and a payment whose line is not usable are found with
   a window and a join.
2. **Audit.** Usable rows go to a patient partition (a hash of the
   patient_id), and ``groupBy(partition).applyInPandas`` audits each one
   with :func:`recoup_lib.rules.audit_tables` and the reference tables.
3. **Collect.** The findings, the problems and the rows set aside come back
   to the driver, sorted as the in-memory audit sorts them.

Every rule must be patient-local (see :class:`~recoup_lib.rules.Rule`). Row
numbers in messages count records from the header (row 1); unlike the
in-memory reader, Spark skips blank lines and reads a quoted value with a
line break only with ``multiLine``, so such files give other row numbers;
and it closes a stray quote at the end of its line, where the in-memory
reader sets that row aside. A row of commas (``,,,``, an empty row as Excel
saves it; spaces in a cell or fewer commas than the header, a row Spark
finds malformed, too) is a row to Spark: it is skipped and counted as the
in-memory audit counts it (:func:`~recoup_lib.blankrows.without_blank_rows`),
neither used nor set aside but among the rows read, in every file of the
folder, the reference tables included.
See docs/scale.md for running it on a cluster.
"""

from __future__ import annotations

import csv
import os
import sys
import tempfile
import warnings
from pathlib import Path

import numpy as np
import pandas as pd

from ..errors import InputError, InvalidParameterError, Problem
from ..blankrows import blank_rows, blank_texts, without_blank_rows
from ..csvread import canonical_header, broken_frame, read_header, read_table, with_broken_rows
from ..filekind import present
from ..folder import INPUT_FILES, REFERENCE_FILES, set_aside_orphans
from ..schema import SPECS, FileSpec, ParsedTable, parse_table
from ._partition import (
    PartitionedAuditResult,
    _inputs_from,
    _refuse_whole_table_rules,
    merge_findings,
)
from ._registry import RuleRegistry, default_registry
from ._split import _FileTally, empty_text, stable_hash

__all__ = ["audit_folder_spark", "local_session"]

_PREFIX = {"claim_lines": "l", "payments": "p", "documentation": "d", "coverage": "c"}
_FINDINGS_SCHEMA = ("claim_id string, line_no long, error_type string, category string, rule_id string, "
                    "at_risk_cents long, action string, evidence string, payer_id string, "
                    "rendering_npi string, patient_id string, service_date string, procedure_code string, "
                    "paid_cents long, _lines long, _paid long")


def local_session(cores: int = 2, memory: str = "1g", app: str = "recoupkit", quick_start: bool = False):
    """A quiet local Spark session for one machine (tests, a laptop); root-safe.

    The Python workers use this interpreter, the UI is off, shuffles are
    small, and logs say only errors.

    Parameters
    ----------
    cores, memory, app
        Spark's ``local[cores]`` master, the driver's memory, the application's name.
    quick_start : bool
        Start the JVM for short jobs: only its quick compiler
        (``-XX:TieredStopAtLevel=1``) and the serial garbage collector. A
        small practice (the tests, a lesson) then audits in less than half the
        time, because most of a short job is spent compiling Spark's own code;
        long jobs on large data run their hot loops slower without the
        optimising compiler, so the default keeps the JVM's own settings.
    """
    os.environ.setdefault("PYSPARK_PYTHON", sys.executable)
    os.environ.setdefault("PYSPARK_DRIVER_PYTHON", sys.executable)
    os.environ.setdefault("SPARK_LOCAL_IP", "127.0.0.1")
    from pyspark.sql import SparkSession

    quiet = Path(tempfile.gettempdir()) / "recoupkit-log4j2.properties"
    quiet.write_text("rootLogger.level = error\nrootLogger.appenderRef.stderr.ref = console\n"
                     "appender.console.type = Console\nappender.console.name = console\n"
                     "appender.console.target = SYSTEM_ERR\nappender.console.layout.type = PatternLayout\n"
                     "appender.console.layout.pattern = %d{HH:mm:ss} %p %c{1}: %m%n\n", encoding="utf-8")
    java = f"-Dlog4j2.configurationFile=file:{quiet}"
    if quick_start:
        java += " -XX:TieredStopAtLevel=1 -XX:+UseSerialGC"
    spark = (SparkSession.builder.master(f"local[{cores}]").appName(app)
             .config("spark.driver.memory", memory)
             .config("spark.driver.extraJavaOptions", java)
             .config("spark.python.worker.reuse", "true")
             .config("spark.ui.enabled", "false")
             .config("spark.ui.showConsoleProgress", "false")
             .config("spark.sql.shuffle.partitions", str(max(2, cores)))
             .config("spark.sql.execution.arrow.pyspark.enabled", "true")
             .config("spark.sql.session.timeZone", "UTC")
             .getOrCreate())
    spark.sparkContext.setLogLevel("ERROR")
    return spark


def _session(spark):
    if spark is not None:
        return spark
    try:
        from pyspark.sql import SparkSession
    except ImportError:
        raise InvalidParameterError("engine='spark' needs pyspark: pip install recoup-kit[spark]") from None
    active = SparkSession.getActiveSession()
    if active is not None:
        return active
    if os.environ.get("PYSPARK_GATEWAY_PORT") or os.environ.get("MASTER"):
        # Started by spark-submit (or told its master): the cluster's own settings apply.
        return SparkSession.builder.appName("recoupkit").getOrCreate()
    return local_session(cores=os.cpu_count() or 2, memory="2g")


def _join(folder: str, name: str) -> str:
    return folder.rstrip("/") + "/" + name


def _exists(spark, path: str) -> bool:
    jvm = spark.sparkContext._jvm
    hadoop_path = jvm.org.apache.hadoop.fs.Path(path)
    return hadoop_path.getFileSystem(spark.sparkContext._jsc.hadoopConfiguration()).exists(hadoop_path)


def _local(folder: str) -> Path | None:
    """The folder as a local path when it is one (then small files are read without Spark)."""
    if "://" in folder or folder.startswith("dbfs:"):
        return None
    return Path(folder) if Path(folder).is_dir() else None


def _read_text(spark, folder: str, name: str):
    """The file as a DataFrame of text in the contract's column names, with ``_row`` and
    ``_corrupt`` (a malformed record, else null), and its number of records; or ``(None, 0)``."""
    from pyspark.sql import functions as F

    stem = name.removesuffix(".csv")
    spec = SPECS[name]
    csv_path, parquet_path = _join(folder, name), _join(folder, stem + ".parquet")
    if _exists(spark, parquet_path):
        frame = spark.read.parquet(parquet_path)
        header = canonical_header([c.strip() for c in frame.columns], spec, stem + ".parquet")
        frame = frame.toDF(*header).select(*[F.col(c).cast("string").alias(c) for c in header])
        corrupt = None
    elif _exists(spark, csv_path):
        local = _local(folder)
        if local is not None:
            header = read_header(local / name, spec, name)
        else:
            first = spark.read.text(csv_path).limit(1).collect()
            if not first or not first[0][0].strip():
                raise InputError(f"{name}: the file is empty (expected a header row)")
            raw_header = [h.strip().lstrip("\ufeff") for h in next(csv.reader([first[0][0]]))]
            header = canonical_header(raw_header, spec, name)
        schema = ", ".join(f"`{h}` string" for h in header) + ", `_corrupt` string"
        frame = (spark.read.option("header", True).option("escape", '"').option("mode", "PERMISSIVE")
                 .option("columnNameOfCorruptRecord", "_corrupt").option("encoding", "UTF-8")
                 .schema(schema).csv(csv_path))
        corrupt = "_corrupt"
    else:
        return None, 0
    # Dense row numbers in file order: rows counted per Spark partition, then offset.
    frame = frame.withColumn("_pid", F.spark_partition_id()).withColumn("_mid", F.monotonically_increasing_id())
    frame = frame.cache()
    sizes = sorted((r["_pid"], r["count"]) for r in frame.groupBy("_pid").count().collect())
    offsets, seen = {}, 0
    for pid, size in sizes:
        offsets[pid] = seen
        seen += size
    mapping = spark.createDataFrame([(int(p), int(o)) for p, o in offsets.items()] or [(0, 0)],
                                    "_pid int, _offset long")
    frame = (frame.join(F.broadcast(mapping), "_pid")
             .withColumn("_row", F.col("_offset") + F.col("_mid") - F.shiftleft(F.col("_pid").cast("long"), 33) + 2)
             .drop("_pid", "_mid", "_offset"))
    if corrupt is None:
        frame = frame.withColumn("_corrupt", F.lit(None).cast("string"))
    return frame, seen


def _parse_rows(spec: FileSpec, name: str, header: list[str]):
    """mapInPandas function: the kit's parser on each batch; what it says about each row.

    Returns, per row: ``_bad`` and ``_reason`` (set aside, and why, as in
    memory), the row's key as the parser reads it (``_k_claim``, ``_k_line``:
    trimmed claim_id, whole line number or null; a row set aside still
    counts for "the first row of a key wins"), and ``_hash`` of its patient.
    """
    from ..schema import parse_ints, strip_text

    def parse(batches):
        unkeyed = FileSpec(spec.name, spec.columns, (), spec.required, spec.description)
        for batch in batches:
            batch = batch.reset_index(drop=True)
            broken = batch["_corrupt"].notna().to_numpy()
            raw = batch[header].fillna("").astype(pd.StringDtype("pyarrow"))
            rows = batch["_row"].to_numpy(dtype=np.int64)
            blank = np.ones(len(raw), dtype=bool)
            blank[~broken] = blank_rows(raw.loc[~broken])
            blank[broken] = blank_texts(batch.loc[broken, "_corrupt"])
            used = ~broken & ~blank
            parsed = parse_table(raw.loc[used].reset_index(drop=True), unkeyed, label=name, row_numbers=rows[used])
            reasons = dict(zip(parsed.rejected["_row"].to_numpy(dtype=np.int64), parsed.rejected["_reason"])) \
                if len(parsed.rejected) else {}
            out = pd.DataFrame({h: raw[h].astype(object) for h in header})
            out["_row"] = rows
            out["_corrupt"] = batch["_corrupt"].astype(object)
            out["_bad"] = np.array([r in reasons for r in rows], dtype=bool) | broken | blank
            out["_blank"] = blank
            out["_reason"] = pd.Series([reasons.get(r, "") for r in rows], dtype=object)
            if "claim_id" in spec.column_names:
                out["_k_claim"] = strip_text(raw["claim_id"]).to_numpy(dtype=object)
                numbers, ok = parse_ints(strip_text(raw["line_no"]))
                ok &= np.where(ok, numbers >= 1, False)
                out["_k_line"] = pd.Series(np.where(ok, numbers, 0).astype(str), dtype=object).where(ok, None)
            if "patient_id" in spec.column_names:
                patient = strip_text(raw["patient_id"])
                out["_hash"] = (stable_hash(patient) >> np.uint64(1)).astype(np.int64)
            yield out

    return parse


def _audit_group(templates: dict, headers: dict, references: dict, rules, extra_rules, only):
    """applyInPandas function: audit one patient partition (rows of every input, as text)."""
    from ._engine import audit_tables

    def audit(group: pd.DataFrame) -> pd.DataFrame:
        tables = {}
        for table in templates:
            mine = group.loc[group["_table"] == table]
            columns = [f"{_PREFIX[table]}__{h}" for h in headers[table]]
            raw = mine[columns].set_axis(headers[table], axis=1).fillna("").astype(pd.StringDtype("pyarrow"))
            rows = mine["_row"].to_numpy(dtype=np.int64)
            order = np.argsort(rows, kind="stable")
            parsed = parse_table(raw.iloc[order].reset_index(drop=True), SPECS[table + ".csv"],
                                 label=table + ".csv", row_numbers=rows[order])
            tables[table] = parsed.data
        result = audit_tables(tables["claim_lines"], tables["payments"], coverage=tables.get("coverage"),
                              documentation=tables.get("documentation"), rules=rules, extra_rules=extra_rules,
                              only=only, check=False, **references)
        found = result.findings
        out = pd.DataFrame({c: found[c] for c in ("claim_id", "line_no", "error_type", "category", "rule_id",
                                                  "at_risk_cents", "action", "evidence", "payer_id",
                                                  "rendering_npi", "patient_id", "procedure_code",
                                                  "paid_cents")})
        out["service_date"] = found["service_date"].dt.strftime("%Y-%m-%d").astype("str")
        out["_lines"] = 0
        out["_paid"] = 0
        counts = {c: "" for c in out.columns}
        counts.update(line_no=0, at_risk_cents=0, paid_cents=0, _lines=len(result.lines),
                      _paid=int((result.lines["paid_cents"] > 0).sum()))
        out = pd.concat([out, pd.DataFrame([counts])], ignore_index=True)
        for c in ("line_no", "at_risk_cents", "paid_cents", "_lines", "_paid"):
            out[c] = out[c].astype("int64")
        return out.astype({c: "object" for c in out.columns if out[c].dtype == "str"})

    return audit


def audit_folder_spark(folder, rules: RuleRegistry | None = None, extra_rules=(), only=None,
                       use_defaults: bool = True, spark=None, partitions: int | None = None
                       ) -> PartitionedAuditResult:
    """Audit a folder on Spark (see the module docstring).

    Parameters
    ----------
    folder : str or path-like
        A folder Spark can read (local path or URI).
    rules, extra_rules, only, use_defaults
        As for :func:`recoup_lib.rules.audit_folder`.
    spark : pyspark.sql.SparkSession, optional
        Default: the active session; else, under ``spark-submit`` (or with
        ``MASTER`` set), the cluster's; else a local one on every core.
    partitions : int, optional
        Patient partitions (default: ``spark.sql.shuffle.partitions``).

    Returns
    -------
    PartitionedAuditResult
    """
    from pyspark.sql import functions as F

    warnings.filterwarnings("ignore", message="PySpark does not yet fully support pandas", category=FutureWarning)
    spark = _session(spark)
    folder = str(folder)
    registry = rules if rules is not None else default_registry()
    _refuse_whole_table_rules(registry, extra_rules, only, "on Spark")
    count = int(partitions or spark.conf.get("spark.sql.shuffle.partitions"))

    texts, headers, records = {}, {}, {}
    for name in INPUT_FILES:
        frame, records[name] = _read_text(spark, folder, name)
        if frame is None:
            if SPECS[name].required:
                raise InputError(f"{name}: required file not found in {folder}")
            continue
        table = name.removesuffix(".csv")
        texts[table] = frame
        headers[table] = [c for c in frame.columns if c not in ("_row", "_corrupt")]

    tallies, broken, checked = {}, {}, {}
    for table, frame in texts.items():
        name = table + ".csv"
        tallies[name] = _FileTally(name)
        broken[name] = []
        schema = ", ".join(f"`{h}` string" for h in headers[table]) + ", _row long, _corrupt string"
        schema += ", _bad boolean, _blank boolean, _reason string"
        if "claim_id" in SPECS[name].column_names:
            schema += ", _k_claim string, _k_line string"
        if "patient_id" in SPECS[name].column_names:
            schema += ", _hash long"
        checked[table] = frame.mapInPandas(_parse_rows(SPECS[name], name, headers[table]), schema)

    # Repeated keys: the first row of a key wins, even a row set aside for another reason.
    for table in ("claim_lines", "documentation"):
        if table in checked:
            from pyspark.sql import Window

            first = Window.partitionBy("_k_claim", "_k_line", F.col("_corrupt").isNull()).orderBy("_row")
            frame = checked[table].withColumn("_nth", F.row_number().over(first))
            checked[table] = frame.withColumn(
                "_dup", (F.col("_nth") > 1) & ~F.col("_bad")).drop("_nth")
    checked = {table: frame.cache() for table, frame in checked.items()}

    for table, frame in checked.items():
        name = table + ".csv"
        spec = SPECS[name]
        dup = F.col("_dup") if "_dup" in frame.columns else F.lit(False)
        bad = frame.where(F.col("_bad") | dup).toPandas()
        blank = bad["_blank"].to_numpy(dtype=bool)
        bad = bad.loc[~blank].reset_index(drop=True)
        total = records[name] - int(blank.sum())
        torn = bad["_corrupt"].notna().to_numpy()
        for row, text in zip(bad.loc[torn, "_row"], bad.loc[torn, "_corrupt"]):
            fields = next(csv.reader([text]), [])
            broken[name].append((int(row), text, f"{len(headers[table])} fields, as in the header",
                                 f"{len(fields)} fields"))
        bad = bad.loc[~torn].reset_index(drop=True)
        tally = tallies[name]
        tally.rows_read = total - int(torn.sum())
        tally.rows_used = tally.rows_read - len(bad)
        tally.blank_rows = int(blank.sum())
        if len(bad):
            raw = bad[headers[table]].fillna("").astype(pd.StringDtype("pyarrow"))
            rows = bad["_row"].to_numpy(dtype=np.int64)
            order = np.argsort(rows, kind="stable")
            raw, rows = raw.iloc[order].reset_index(drop=True), rows[order]
            parsed = parse_table(raw, spec, label=name, row_numbers=rows)
            is_dup = bad["_dup"].to_numpy(dtype=bool)[order] if "_dup" in bad.columns else np.zeros(len(rows), bool)
            problems = list(parsed.problems)
            rejected = parsed.rejected
            if is_dup.any():
                keyed = bad.iloc[order].loc[is_dup]
                expected = "a key not used by an earlier row (" + ", ".join(spec.key) + ")"
                problems += [Problem(name, int(r), ",".join(spec.key), f"{c}|{ln}", expected)
                             for r, c, ln in zip(keyed["_row"], keyed["_k_claim"], keyed["_k_line"])]
                extra = raw.loc[is_dup].copy()
                extra.insert(0, "_reason", [f"column '{','.join(spec.key)}': expected {expected}; got "
                                            f"{f'{c}|{ln}'!r}" for c, ln in zip(keyed["_k_claim"], keyed["_k_line"])])
                extra.insert(0, "_row", rows[is_dup])
                extra.insert(0, "_file", name)
                rejected = pd.concat([rejected, extra], ignore_index=True) if len(rejected) else extra
            tally.problems = problems
            tally.rejected = [rejected] if len(rejected) else []
        checked[table] = frame.where(~(F.col("_bad") | dup))

    lines = checked["claim_lines"].withColumn("_part", F.pmod(F.col("_hash"), F.lit(count)))
    where = lines.select("_k_claim", "_k_line", "_part")
    payments = checked["payments"].join(where, ["_k_claim", "_k_line"], "left")
    orphans = payments.where(F.col("_part").isNull()).toPandas()
    orphan_problems, orphan_rows = [], []
    if len(orphans):
        raw = orphans.sort_values("_row")[headers["payments"]].fillna("").astype(pd.StringDtype("pyarrow"))
        parsed = parse_table(raw.reset_index(drop=True), SPECS["payments.csv"], label="payments.csv",
                             row_numbers=np.sort(orphans["_row"].to_numpy(dtype=np.int64)))
        _, orphan_problems, extra = set_aside_orphans(parsed.data, np.ones(len(parsed.data), dtype=bool))
        orphan_rows.append(extra)
        tallies["payments.csv"].rows_used -= len(orphans)
    parts = {"claim_lines": lines, "payments": payments.where(F.col("_part").isNotNull())}
    if "documentation" in checked:
        parts["documentation"] = checked["documentation"].join(where, ["_k_claim", "_k_line"], "inner")
    if "coverage" in checked:
        parts["coverage"] = checked["coverage"].withColumn("_part", F.pmod(F.col("_hash"), F.lit(count)))

    # The reference tables are small: read on the driver, sent with the function.
    local = _local(folder)
    if local is not None:
        def read_reference(name):
            return read_table(local / name, name, skip_blank_rows=True) if present(local / name) else None
    else:
        read_reference = _spark_reference_reader(spark, folder)
    inputs = _inputs_from(folder, list(t + ".csv" for t in texts), tallies, broken, orphan_problems, orphan_rows,
                          use_defaults, read_reference)
    references = {name.removesuffix(".csv"): inputs.table(name) for name in REFERENCE_FILES}
    templates = {table: parse_table(empty_text(headers[table]), SPECS[table + ".csv"]).data for table in parts}
    long = None
    for table, frame in parts.items():
        prefixed = frame.select(F.lit(table).alias("_table"), "_part", "_row",
                                *[F.col(f"`{h}`").alias(f"{_PREFIX[table]}__{h}") for h in headers[table]])
        long = prefixed if long is None else long.unionByName(prefixed, allowMissingColumns=True)
    # Every partition exists even when no row falls in it, so each audit runs all its rules.
    found = (long.groupBy("_part")
             .applyInPandas(_audit_group(templates, headers, references, rules, tuple(extra_rules), only),
                            _FINDINGS_SCHEMA)
             .toPandas())
    counts = found.loc[found["error_type"].isna() | (found["error_type"] == "")]
    found = found.drop(counts.index)
    findings = _typed_findings(found)
    findings = merge_findings([findings], registry, extra_rules, only)
    from ._engine import audit_tables

    # Which rules ran or were switched off depends only on which tables exist: an empty audit says.
    empty = audit_tables(templates["claim_lines"], templates["payments"], coverage=templates.get("coverage"),
                         documentation=templates.get("documentation"), rules=registry, extra_rules=extra_rules,
                         only=only, check=False, **references)
    return PartitionedAuditResult(
        findings=findings, rules_run=empty.rules_run, switched_off=empty.switched_off, inputs=inputs,
        lines_audited=int(counts["_lines"].sum()), lines_paid=int(counts["_paid"].sum()),
        how=f"on Spark in {count} patient partitions")


def _typed_findings(found: pd.DataFrame) -> pd.DataFrame:
    """Findings from Spark in the in-memory audit's columns and types."""
    out = pd.DataFrame({
        "claim_id": found["claim_id"].astype("str"),
        "line_no": found["line_no"].astype("int64"),
        "error_type": found["error_type"].astype("str"),
        "category": found["category"].astype("str"),
        "rule_id": found["rule_id"].astype("str"),
        "at_risk_cents": found["at_risk_cents"].astype("int64"),
        "action": found["action"].astype("str"),
        "evidence": found["evidence"].astype("str"),
        "payer_id": found["payer_id"].astype("str"),
        "rendering_npi": found["rendering_npi"].astype("str"),
        "patient_id": found["patient_id"].astype("str"),
        "service_date": pd.to_datetime(found["service_date"], format="%Y-%m-%d").astype("datetime64[us]"),
        "procedure_code": found["procedure_code"].astype("str"),
        "paid_cents": found["paid_cents"].astype("int64"),
    }).reset_index(drop=True)
    out["_line"] = np.full(len(out), -1, dtype=np.int64)
    return out


def _spark_reference_reader(spark, folder: str):
    """Read one reference file (CSV or Parquet) through Spark into a parsed table, or None."""

    def read(name: str) -> ParsedTable | None:
        frame, _ = _read_text(spark, folder, name)
        if frame is None:
            return None
        pdf = frame.toPandas().sort_values("_row")
        header = [c for c in frame.columns if c not in ("_row", "_corrupt")]
        bad = pdf["_corrupt"].notna()
        raw = pdf.loc[~bad, header].fillna("").astype(pd.StringDtype("pyarrow")).reset_index(drop=True)
        broken = [(int(r), t, f"{len(header)} fields, as in the header", f"{len(next(csv.reader([t]), []))} fields")
                  for r, t in zip(pdf.loc[bad, "_row"], pdf.loc[bad, "_corrupt"])]
        raw, rows, broken, blank = without_blank_rows(raw, pdf.loc[~bad, "_row"].to_numpy(dtype=np.int64),
                                                      broken_frame(broken, name))
        parsed = parse_table(raw, SPECS[name], label=name, row_numbers=rows)
        parsed.blank_rows = blank
        return with_broken_rows(parsed, broken, name)

    return read

