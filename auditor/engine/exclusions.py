"""Exclusions (CONTRACT §4, §7.3-7.4, §7.7): which checked records are left out, and why, before counting.

The reasons are tried in the contract's order and the first that applies is
the one recorded. The audited period is settled here too, since
``out_of_period`` is the last reason.
"""

from __future__ import annotations

import duckdb

from auditor.duck import insert_rows, one, run
from auditor.errors import InputError
from auditor.policy.model import Pack


def load_accounts(con: duckdb.DuckDBPyConnection, accounts: list[tuple[str, str]]) -> None:
    """The shops' own accounts, (shop_id, account), from --shops."""
    run(con, "CREATE OR REPLACE TABLE shop_accounts (shop_id VARCHAR, account VARCHAR)")
    if accounts:
        insert_rows(con, "shop_accounts", sorted(set(accounts)))


def settle_period(con: duckdb.DuckDBPyConnection, pack: Pack, as_of_day: int | None) -> tuple[int, int]:
    """(start_day, end_day) of the audit, as local day numbers; default end is the latest day seen (§7.7)."""
    if as_of_day is None:
        row = one(con, "SELECT max(local_day) FROM records WHERE code IS NULL")
        if row is None or row[0] is None:
            raise InputError("no record could be read, so there is no day to audit", hint="see the rejections listed above, or give --as-of")
        as_of_day = int(row[0])
    return as_of_day - (pack.period.days - 1), as_of_day


def apply_exclusions(con: duckdb.DuckDBPyConnection, pack: Pack, start_day: int, end_day: int) -> None:
    """Add ``exclusion`` to ``records``: NULL for used records, a reason code for the left-out ones."""
    ex = pack.exclusions
    run(con, 
        """
CREATE OR REPLACE TABLE records AS
WITH ranked AS (
  SELECT *,
    CASE WHEN code IS NULL AND msg_id IS NOT NULL
         THEN row_number() OVER (PARTITION BY shop_id, msg_id ORDER BY utc_ns, rec_id) END AS dup_rank
  FROM records
), own AS (
  SELECT DISTINCT shop_id, account FROM shop_accounts
)
SELECT r.* EXCLUDE (dup_rank),
  CASE
    WHEN r.code IS NOT NULL THEN NULL
    WHEN $system AND r.role = 'system' THEN 'system'
    WHEN r.role = 'buyer' AND list_contains($non_genuine, r.kind) THEN 'non_genuine'
    WHEN $same_shop AND o.account IS NOT NULL THEN 'same_shop'
    WHEN $duplicates AND r.dup_rank > 1 THEN 'duplicate'
    WHEN r.local_day < $start_day OR r.local_day > $end_day THEN 'out_of_period'
  END AS exclusion
FROM ranked r LEFT JOIN own o ON o.shop_id = r.shop_id AND o.account = r.buyer_id
ORDER BY r.rec_id
""",
        {
            "system": ex.system,
            "non_genuine": list(ex.non_genuine_kinds) or [""],
            "same_shop": ex.same_shop,
            "duplicates": ex.duplicates,
            "start_day": start_day,
            "end_day": end_day,
        },
    )
