"""Benchmark: write and read a batch of 835 files, and compare with edi-835-parser.

Builds a seeded synthetic batch (numpy) of remittances totalling ``--lines``
service lines (default 1,000,000): ordinary payments with CO-45 and PR
adjustments, reversals of claims paid in earlier files followed by their
corrections, PLB WO offsets whose reference carries an earlier claim's CLP07
(plus the patient's id, as Medicare writes it), and L6 interest. One
transaction per file, because edi-835-parser reads one payer per file.

Half of the files (``--messy-share``) are then rewritten the way offices
receive them: a line of text before the ISA, an ISA that is not fixed width,
one segment per line with CRLF line ends, the terminator at the start of the
next line (``\r\n~``) and the segments indented by loop. Reading them goes
through the reader's tolerant paths; edi-835-parser reads these layouts too,
so both read exactly the same files.

Prints MB/s for writing and reading, peak memory, and then runs
edi-835-parser (``edi_835_parser.parse(path).to_dataframe()``) on the same
files: both times and both totals (paid, recouped). edi-835-parser has no PLB
handling, so the offsets are missing from its money; the difference is
printed. When it would take too long (``--peer-files``), it is timed on the
first files only and the full-batch time is extrapolated (labelled as such).

Usage: ``python bench/remit.py [--lines N] [--seed S] [--lines-per-file K]
[--messy-share X] [--peer-files F] [--keep DIR]``
"""

from __future__ import annotations

import argparse
import gc
import multiprocessing
import resource
import shutil
import sys
import tempfile
import time
import warnings
from concurrent.futures import ProcessPoolExecutor
from pathlib import Path

import numpy as np
import pandas as pd

from recoup_lib.money import dollars
from recoup_lib.remit import read_835, write_835_from_tables


def synthetic_tables(n_lines: int, seed: int = 835, lines_per_file: int = 10_000) -> dict:
    """Seeded tables of a batch of remittances (one transaction per file).

    Returns the five writer tables. About 3% of each later file's claims
    reverse a claim of the previous file (and are followed by a correction
    paid 60%); each later file carries PLB WO offsets of other claims of the
    previous file (reference = CLP07 + patient id) and one L6 interest amount;
    a file whose payment would be negative carries the shortfall forward (FB).
    """
    rng = np.random.default_rng(seed)
    n_files = max(1, -(-n_lines // lines_per_file))
    per_file = np.full(n_files, n_lines // n_files)
    per_file[: n_lines - per_file.sum()] += 1
    # Ordinary claims: 1-6 lines each, cut per file.
    rows_lines, rows_claims = [], []
    claim_base = 0
    for f in range(n_files):
        sizes = rng.integers(1, 7, size=per_file[f] // 3 + 10)
        sizes = sizes[np.cumsum(sizes) <= per_file[f]]
        rest = per_file[f] - sizes.sum()
        if rest:
            sizes = np.append(sizes, rest)
        k = len(sizes)
        claim_idx = np.repeat(np.arange(k), sizes)
        line_seq = np.arange(len(claim_idx)) - np.repeat(np.cumsum(sizes) - sizes, sizes) + 1
        rows_claims.append(pd.DataFrame({"f": f, "claim_seq": np.arange(k) + 1,
                                         "n": claim_base + np.arange(k)}))
        rows_lines.append(pd.DataFrame({"f": f, "claim_seq": claim_idx + 1, "line_seq": line_seq}))
        claim_base += k
    claims = pd.concat(rows_claims, ignore_index=True)
    lines = pd.concat(rows_lines, ignore_index=True)
    L = len(lines)
    codes = np.array(["99213", "99214", "99203", "36415", "80053", "93000", "71046", "97110"])
    lines["procedure_code"] = codes[rng.integers(0, len(codes), L)]
    lines["modifiers"] = np.where(rng.random(L) < 0.1, "25", "")
    charge = rng.integers(40, 600, L) * 100 + rng.integers(0, 100, L)
    co45 = (charge * rng.integers(20, 50, L)) // 100
    pr = np.where(rng.random(L) < 0.4, (charge - co45) // 5, 0)
    lines["charge_cents"] = charge
    lines["paid_cents"] = charge - co45 - pr
    lines["allowed_cents"] = charge - co45
    lines["units"] = 1.0
    day = np.datetime64("2025-01-02") + rng.integers(0, 60, L).astype("timedelta64[D]")
    lines["service_date"] = day.astype("datetime64[us]")
    lines["line_control"] = lines["line_seq"].astype("str")
    adj = pd.concat([
        pd.DataFrame({"f": lines["f"], "claim_seq": lines["claim_seq"], "line_seq":
                      lines["line_seq"], "group_code": "CO", "reason_code": "45",
                      "amount_cents": co45}),
        pd.DataFrame({"f": lines["f"], "claim_seq": lines["claim_seq"], "line_seq":
                      lines["line_seq"], "group_code": "PR", "reason_code": "2",
                      "amount_cents": pr})[pr > 0],
    ], ignore_index=True)
    sums = lines.groupby(["f", "claim_seq"])[["charge_cents", "paid_cents"]].sum()
    claims = claims.join(sums, on=["f", "claim_seq"])
    pr_sum = adj.loc[adj["group_code"] == "PR"].groupby(["f", "claim_seq"])["amount_cents"].sum()
    claims["patient_responsibility_cents"] = claims.set_index(["f", "claim_seq"]).index.map(
        pr_sum).fillna(0).astype("int64")
    claims["claim_id"] = "PCN" + claims["n"].astype("str").str.zfill(8)
    claims["payer_claim_control"] = "ICN" + (20250000000 + claims["n"]).astype("str")
    claims["member_id"] = "1EG4TE5MK" + (claims["n"] % 90 + 10).astype("str")
    claims["status_code"] = "1"
    # Reversals of claims of the previous file, each followed by a correction paid 60%,
    # and PLB WO offsets of other claims of that file.
    by_file = [np.flatnonzero(claims["f"].to_numpy() == f) for f in range(n_files)]
    rev_rows, plb = [], []
    for f in range(1, n_files):
        pool = by_file[f - 1]
        picked = rng.choice(pool, size=min(len(pool), max(1, len(by_file[f]) * 3 // 100)),
                            replace=False)
        first_seq = int(claims["claim_seq"].to_numpy()[by_file[f]].max()) + 1
        rev_rows.append(pd.DataFrame({"orig": picked, "f_new": f,
                                      "seq": first_seq + 2 * np.arange(len(picked))}))
        rest = np.setdiff1d(pool, picked)
        for i in rng.choice(rest, size=min(len(rest), 5), replace=False):
            orig = claims.iloc[i]
            plb.append({"f": f, "reason_code": "WO",
                        "amount_cents": max(1, int(orig["paid_cents"]) // 2),
                        "reference": f"{orig['payer_claim_control']} {orig['member_id']}"})
        plb.append({"f": f, "reason_code": "L6", "amount_cents": -int(rng.integers(100, 5000)),
                    "reference": ""})
    if rev_rows:
        rev = pd.concat(rev_rows, ignore_index=True)
        orig = claims.iloc[rev["orig"].to_numpy()].reset_index(drop=True)
        rev["f_orig"], rev["seq_orig"] = orig["f"].to_numpy(), orig["claim_seq"].to_numpy()
        link = rev[["f_orig", "seq_orig", "f_new", "seq"]]
        ol = lines.merge(link, left_on=["f", "claim_seq"], right_on=["f_orig", "seq_orig"])
        oa = adj.merge(link, left_on=["f", "claim_seq"], right_on=["f_orig", "seq_orig"])
        paid60 = (ol["paid_cents"] * 6) // 10
        rev_lines = ol.assign(f=ol["f_new"], claim_seq=ol["seq"],
                              charge_cents=-ol["charge_cents"], paid_cents=-ol["paid_cents"],
                              allowed_cents=-ol["allowed_cents"])
        cor_lines = ol.assign(f=ol["f_new"], claim_seq=ol["seq"] + 1, paid_cents=paid60,
                              allowed_cents=paid60)
        rev_adj = oa.assign(f=oa["f_new"], claim_seq=oa["seq"], amount_cents=-oa["amount_cents"])
        cor_adj = pd.DataFrame({"f": ol["f_new"], "claim_seq": ol["seq"] + 1,
                                "line_seq": ol["line_seq"], "group_code": "CO",
                                "reason_code": "45",
                                "amount_cents": ol["charge_cents"] - paid60})
        base = {"claim_id": orig["claim_id"], "member_id": orig["member_id"],
                "n": orig["n"], "f": rev["f_new"]}
        rev_claims = pd.DataFrame({**base, "claim_seq": rev["seq"], "status_code": "22",
                                   "charge_cents": -orig["charge_cents"],
                                   "paid_cents": -orig["paid_cents"],
                                   "patient_responsibility_cents":
                                       -orig["patient_responsibility_cents"],
                                   "payer_claim_control": orig["payer_claim_control"]})
        cor_paid = cor_lines.groupby(["f", "claim_seq"])["paid_cents"].sum()
        cor_claims = pd.DataFrame({**base, "claim_seq": rev["seq"] + 1, "status_code": "1",
                                   "charge_cents": orig["charge_cents"],
                                   "patient_responsibility_cents": 0,
                                   "payer_claim_control": orig["payer_claim_control"] + "R"})
        cor_claims["paid_cents"] = cor_claims.set_index(["f", "claim_seq"]).index.map(
            cor_paid).astype("int64")
        keep_cols = list(lines.columns)
        claims = pd.concat([claims, rev_claims, cor_claims], ignore_index=True)
        lines = pd.concat([lines, rev_lines[keep_cols], cor_lines[keep_cols]], ignore_index=True)
        adj = pd.concat([adj, rev_adj[list(adj.columns)], cor_adj], ignore_index=True)
    plb = pd.DataFrame(plb, columns=["f", "reason_code", "amount_cents", "reference"])
    trace = np.array([f"EFT{f:08d}" for f in range(n_files)], dtype=object)
    transactions = pd.DataFrame({
        "file": [f"era-{f:05d}.835" for f in range(n_files)], "trace_number": trace,
        "payment_date": (np.datetime64("2025-03-07") + 7 * np.arange(n_files).astype(
            "timedelta64[D]")).astype("datetime64[us]"),
        "payer": "EXAMPLE MEDICARE CONTRACTOR", "payer_id": "1999999999",
        "payee_name": "EXAMPLE CLINIC", "payee_id": "1999999984", "payment_method": "ACH",
        "interchange_control": np.arange(n_files) + 1,
    })
    # A payment cannot be negative: carry any shortfall forward with a negative FB.
    paid = np.zeros(n_files, dtype=np.int64)
    np.add.at(paid, claims["f"].to_numpy(), claims["paid_cents"].to_numpy(np.int64))
    np.subtract.at(paid, plb["f"].to_numpy(np.int64), plb["amount_cents"].to_numpy(np.int64))
    short = np.flatnonzero(paid < 0)
    plb = pd.concat([plb, pd.DataFrame({"f": short, "reason_code": "FB",
                                        "amount_cents": paid[short], "reference": ""})],
                    ignore_index=True)
    for frame in (claims, lines, adj, plb):
        frame["trace_number"] = trace[frame["f"].to_numpy()]
    return {
        "transactions": transactions,
        "payments": claims.drop(columns=["f", "n"]),
        "service_lines": lines.drop(columns=["f"]),
        "adjustments": adj.drop(columns=["f"]),
        "provider_adjustments": plb.drop(columns=["f"]),
    }


#: Indentation by loop of the rewritten files (segment id -> depth).
_DEPTH = {"ISA": 0, "IEA": 0, "GS": 1, "GE": 1, "ST": 2, "SE": 2, "BPR": 3, "TRN": 3, "DTM": 3,
          "N1": 3, "LX": 3, "PLB": 3, "CLP": 4, "NM1": 5, "SVC": 5}


def messy_layout(data: bytes, label: str) -> bytes:
    """The same 835 as an office may receive it: text before the ISA, an ISA that is not
    fixed width, one indented segment per CRLF line with the terminator starting the next."""
    segments = [s.strip() for s in data.decode("utf-8").split("~") if s.strip()]
    isa = segments[0].split("*")
    isa[6], isa[8] = isa[6].strip(), isa[8].strip()
    segments[0] = "*".join(isa)
    lines = ["  " * _DEPTH.get(s.split("*", 1)[0], 6) + s for s in segments]
    return (f"Remittance batch {label}\r\n\r\n" + "\r\n~".join(lines) + "\r\n~\r\n").encode()


def _messy_phase(folder: str, share: float) -> int:
    """Rewrite ``share`` of the files (evenly spread) in :func:`messy_layout`; return how many."""
    files = sorted(Path(folder).glob("*.835"))
    step = round(1 / share) if share > 0 else 0
    chosen = files[::step] if step else []
    for path in chosen:
        path.write_bytes(messy_layout(path.read_bytes(), path.stem))
    return len(chosen)


def _peak_rss_mb() -> float:
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024


def _write_phase(lines: int, seed: int, lines_per_file: int, folder: str) -> dict:
    """Build the tables and write the files (run in its own process)."""
    t0 = time.perf_counter()
    tables = synthetic_tables(lines, seed, lines_per_file)
    built = time.perf_counter() - t0
    counts = {k: len(v) for k, v in tables.items()}
    gc.collect()
    t0, c0 = time.perf_counter(), time.process_time()
    written = write_835_from_tables(**tables, out_dir=folder)
    seconds, cpu = time.perf_counter() - t0, time.process_time() - c0
    return {"built": built, "seconds": seconds, "cpu": cpu,
            "bytes": sum(len(v) for v in written.values()), "counts": counts,
            "rss_mb": _peak_rss_mb()}


def _read_phase(folder: str) -> dict:
    """Read every file of the folder (run in its own process)."""
    files = sorted(Path(folder).glob("*.835"))
    base = _peak_rss_mb()
    t0, c0 = time.perf_counter(), time.process_time()
    remit = read_835(files)
    seconds, cpu = time.perf_counter() - t0, time.process_time() - c0
    offsets = remit.recoupments.loc[remit.recoupments["mechanism"] == "offset", "claim_id"]
    return {"seconds": seconds, "cpu": cpu, "summary": remit.totals(),
            "segments": int(remit.files["segments"].sum()),
            "lines_paid": int(remit.service_lines["paid_cents"].sum()),
            "offsets": len(offsets), "offsets_linked": int((offsets != "").sum()),
            "rss_mb": _peak_rss_mb(), "rss_before_mb": base}


def _in_child(function, *args):
    context = multiprocessing.get_context("spawn")
    with ProcessPoolExecutor(max_workers=1, mp_context=context) as pool:
        return pool.submit(function, *args).result()


def _peer(files: list[Path]) -> tuple[float, float, float, float, int]:
    """Run edi-835-parser file by file; (seconds, CPU seconds, paid, recouped, rows)."""
    from edi_835_parser import parse

    paid = recouped = 0.0
    rows = 0
    start, cpu = time.perf_counter(), time.process_time()
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        for path in files:
            frame = parse(str(path)).to_dataframe()
            amounts = frame["paid_amount"].astype(float)
            paid += float(amounts.sum())
            recouped += float(-amounts[amounts < 0].sum())
            rows += len(frame)
    return time.perf_counter() - start, time.process_time() - cpu, paid, recouped, rows


def main(argv=None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--lines", type=int, default=1_000_000)
    parser.add_argument("--seed", type=int, default=835)
    parser.add_argument("--lines-per-file", type=int, default=10_000)
    parser.add_argument("--messy-share", type=float, default=0.5,
                        help="share of the files rewritten in an office's messy layout "
                             "(default 0.5)")
    parser.add_argument("--peer-files", type=int, default=None,
                        help="run edi-835-parser on this many files only and extrapolate "
                             "(default: all files)")
    parser.add_argument("--keep", type=Path, default=None, help="write the files here and keep them")
    args = parser.parse_args(argv)

    folder = args.keep or Path(tempfile.mkdtemp(prefix="remit-bench-"))
    folder.mkdir(parents=True, exist_ok=True)
    try:
        w = _in_child(_write_phase, args.lines, args.seed, args.lines_per_file, str(folder))
        c = w["counts"]
        mb = w["bytes"] / 1e6
        print(f"synthetic batch (seed {args.seed}): {c['transactions']} files, "
              f"{c['payments']:,} claim payments, {c['service_lines']:,} service lines, "
              f"{c['adjustments']:,} CAS adjustments, {c['provider_adjustments']:,} PLB pairs "
              f"(tables built in {w['built']:.1f} s)")
        print(f"write: {mb:.1f} MB in {w['seconds']:.2f} s = {mb / w['seconds']:.1f} MB/s "
              f"({w['cpu']:.2f} s CPU; peak RSS of the writing process, tables included: "
              f"{w['rss_mb']:.0f} MB)")
        messy = _messy_phase(str(folder), args.messy_share)
        mb = sum(p.stat().st_size for p in folder.glob("*.835")) / 1e6
        print(f"messy: {messy} of {c['transactions']} files rewritten as offices receive them "
              "(text before the ISA, ISA not fixed width, CRLF, '\\r\\n~' terminators, "
              f"indented segments); the batch is now {mb:.1f} MB")
        r = _in_child(_read_phase, str(folder))
        s = r["summary"]
        print(f"read:  {mb:.1f} MB, {r['segments']:,} segments in {r['seconds']:.2f} s = "
              f"{mb / r['seconds']:.1f} MB/s, {r['segments'] / r['seconds'] / 1e6:.2f} M "
              f"segments/s ({r['cpu']:.2f} s CPU; peak RSS of the reading process "
              f"{r['rss_mb']:.0f} MB, of which {r['rss_before_mb']:.0f} MB before reading)")
        print(f"       {s['transactions_used']} transactions, {s['unbalanced_transactions']} "
              f"unbalanced, {s['claim_payments']:,} claim payments, {s['service_lines']:,} "
              f"lines, {s['errors']} errors, {s['warnings']} warnings")
        ours_rec = s["recouped_total_cents"]
        print(f"ours:  claims paid {dollars(s['claim_paid_total_cents'])}, payments (BPR02) "
              f"{dollars(s['payment_total_cents'])}, taken back {dollars(s['taken_back_cents'])} "
              f"net, recouped gross {dollars(ours_rec)} "
              f"(reversals {dollars(s['reversal_total_cents'])}, offsets "
              f"{dollars(s['offset_total_cents'])}); offsets linked to their original claim: "
              f"{r['offsets_linked']} of {r['offsets']}")

        files = sorted(folder.glob("*.835"))
        subset = files if args.peer_files is None else files[: args.peer_files]
        t_peer, cpu_peer, p_paid, p_rec, rows = _peer(subset)
        scale = len(files) / len(subset)
        label = "" if scale == 1 else (f" EXTRAPOLATED from {len(subset)} of {len(files)} "
                                       f"files ({t_peer:.1f} s measured, x{scale:.1f})")
        t_peer_full, cpu_peer_full = t_peer * scale, cpu_peer * scale
        print(f"edi-835-parser: {t_peer_full:.1f} s ({cpu_peer_full:.1f} s CPU){label}; ours "
              f"{r['seconds']:.2f} s ({r['cpu']:.2f} s CPU): ours is "
              f"{t_peer_full / r['seconds']:.0f}x faster by the clock, "
              f"{cpu_peer_full / r['cpu']:.0f}x by CPU time")
        if scale == 1:
            missed = ours_rec - round(p_rec * 100)
            print(f"edi-835-parser totals: paid ${p_paid:,.2f} (sum of SVC03 over {rows:,} "
                  f"service-line rows, as float), recouped ${p_rec:,.2f} (negative paid only)")
            print(f"ours on the same basis: paid {dollars(r['lines_paid'])} over service lines "
                  f"(difference {dollars(r['lines_paid'] - round(p_paid * 100))})")
            print(f"recouped: ours {dollars(ours_rec)}, theirs ${p_rec:,.2f}: edi-835-parser "
                  f"misses {dollars(missed)}, exactly the PLB offsets "
                  f"({dollars(s['offset_total_cents'])}). It has no PLB handling, so money "
                  "taken back through WO/FB never appears and BPR02 cannot be reconciled.")
        else:
            print("totals are compared only when edi-835-parser reads every file "
                  "(run without --peer-files)")
    finally:
        if args.keep is None:
            shutil.rmtree(folder, ignore_errors=True)
    return 0


if __name__ == "__main__":
    sys.exit(main())
