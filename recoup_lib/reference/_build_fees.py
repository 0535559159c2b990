"""Derive the shipped fee schedules from the code catalog and the payer table.

``fee_schedule.csv`` is generated, not typed by hand: every payer prices every
code in ``procedure_codes.csv``, so the generator can never bill a code its
payers cannot price. Run ``python -m recoup_lib.reference._build_fees`` after
changing either table; ``tests/test_reference.py`` fails if the shipped file
drifts from what this produces.

The figures are ILLUSTRATIVE, shaped like real schedules:

- ``base_fee`` is a Medicare-like 2025 national amount per unit;
- Medicare and Medicaid schedules change every January 1 (2024 is 2.9%
  higher than 2025, mirroring the 2025 cut of the physician fee schedule
  conversion factor; 2026 is 3.3% higher than 2025);
- commercial contracts renew every July 1 with a 3% step;
- each payer multiplies by its ``fee_factor`` (payers.csv).
"""

from __future__ import annotations

from decimal import ROUND_HALF_UP, Decimal

import pandas as pd

from . import DATA_DIR

GOVERNMENT_YEARS = [("2024-01-01", "2024-12-31", "1.029"), ("2025-01-01", "2025-12-31", "1"),
                    ("2026-01-01", "", "1.033")]
COMMERCIAL_YEARS = [("2024-01-01", "2025-06-30", "1"), ("2025-07-01", "2026-06-30", "1.03"),
                    ("2026-07-01", "", "1.0609")]


def build_fee_schedule(codes: pd.DataFrame, payers: pd.DataFrame) -> pd.DataFrame:
    """Every payer x code x period, amounts as dollar text with two decimals."""
    rows = []
    for payer in payers.itertuples():
        periods = COMMERCIAL_YEARS if payer.payer_type == "commercial" else GOVERNMENT_YEARS
        for code in codes.itertuples():
            for start, end, step in periods:
                amount = (Decimal(code.base_fee) * Decimal(payer.fee_factor) * Decimal(step)).quantize(
                    Decimal("0.01"), rounding=ROUND_HALF_UP)
                rows.append((payer.payer_id, code.procedure_code, f"{amount:.2f}", start, end))
    return pd.DataFrame(rows, columns=["payer_id", "procedure_code", "allowed", "effective_date",
                                       "end_date"])


def main() -> None:
    codes = pd.read_csv(DATA_DIR / "procedure_codes.csv", dtype="str", keep_default_na=False)
    payers = pd.read_csv(DATA_DIR / "payers.csv", dtype="str", keep_default_na=False)
    build_fee_schedule(codes, payers).to_csv(DATA_DIR / "fee_schedule.csv", index=False,
                                              lineterminator="\n")


if __name__ == "__main__":
    main()
