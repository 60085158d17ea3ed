"""Exclusions (CONTRACT §4, §7.3-7.4, §7.7): which checked records are left out, and why, before counting.

The reasons are tried in the contract's order and the first that applies is
the one recorded. The audited period is settled here too, since
``out_of_period`` is the last reason.
"""

from __future__ import annotations

import duckdb

from auditor.duck import insert_rows, one, run
from auditor.errors import InputError
from auditor.io.records import drop_scratch, records_select
from auditor.policy.model import Pack


def load_accounts(con: duckdb.DuckDBPyConnection, accounts: list[tuple[str, str]]) -> None:
    """The shops' own accounts, (shop_id, account), from --shops."""
    run(con, "CREATE OR REPLACE TABLE shop_accounts (shop_id VARCHAR, account VARCHAR)")
    if accounts:
        insert_rows(con, "shop_accounts", sorted(set(accounts)))


def settle_period(con: duckdb.DuckDBPyConnection, pack: Pack, as_of_day: int | None) -> tuple[int, int]:
    """(start_day, end_day) of the audit, as local day numbers; default end is the latest day seen (§7.7)."""
    if as_of_day is None:
        row = one(con, "SELECT max(local_day) FROM records_t WHERE code IS NULL")
        if row is None or row[0] is None:
            raise InputError("no record could be read, so there is no day to audit", hint="see the rejections listed above, or give --as-of")
        as_of_day = int(row[0])
    return as_of_day - (pack.period.days - 1), as_of_day


def materialize_records(con: duckdb.DuckDBPyConnection, pack: Pack, source: str = "staged") -> None:
    """Create ``records_t``: every staged row checked (``io.records``), with the reasons a record can be left out for on its own.

    The one full copy of the records the audit makes. ``pre`` holds the first of system, non_genuine
    and same_shop that applies (needs ``load_accounts`` first); duplicates and the period, which depend
    on other records, are added by ``apply_exclusions`` without copying the table again.
    """
    ex = pack.exclusions
    # non_genuine_kinds is a list of Literal["ad", "notice"] in the validated model: fixed strings, never a pack's free text
    kinds = ", ".join(f"'{k}'" for k in ex.non_genuine_kinds if k in ("ad", "notice")) or "''"
    run(con, f"""
CREATE OR REPLACE TABLE records_t AS
SELECT r.*,
  CASE
    WHEN r.code IS NOT NULL THEN NULL
    WHEN {_bool(ex.system)} AND r.role = 'system' THEN 'system'
    WHEN r.role = 'buyer' AND r.kind IN ({kinds}) THEN 'non_genuine'
    WHEN {_bool(ex.same_shop)} AND o.account IS NOT NULL THEN 'same_shop'
  END AS pre
FROM ({records_select(con, pack.timezone, source)}) r
LEFT JOIN shop_accounts o ON o.shop_id = r.shop_id AND o.account = r.buyer_id
""")
    drop_scratch(con)


def _bool(flag: bool) -> str:
    return "TRUE" if flag else "FALSE"


def apply_exclusions(con: duckdb.DuckDBPyConnection, pack: Pack, start_day: int, end_day: int) -> None:
    """Make ``records``: ``records_t`` with ``exclusion``, NULL for used records, a reason code for the left-out ones.

    Duplicates (§7.3): of the checked records sharing (shop_id, msg_id), the earliest instant (then input
    order) is kept, whatever else excludes it. Only keys whose hash repeats are ranked, so the sort
    touches the few re-exported messages, not every record. ``records`` is a view: the reasons that depend
    on other records cost a join with the small ``dups`` table, not a second copy of every record.
    """
    run(con, "CREATE OR REPLACE TABLE dups (rec_id BIGINT)")
    if pack.exclusions.duplicates:
        run(con, """
INSERT INTO dups
WITH keyed AS (
  SELECT rec_id, shop_id, msg_id, utc_ns, hash(shop_id, msg_id) AS h FROM records_t WHERE code IS NULL AND msg_id IS NOT NULL
), repeated AS (
  SELECT h FROM keyed GROUP BY h HAVING count(*) > 1
), ranked AS (
  SELECT k.rec_id, row_number() OVER (PARTITION BY k.shop_id, k.msg_id ORDER BY k.utc_ns, k.rec_id) AS n
  FROM keyed k JOIN repeated USING (h)
)
SELECT rec_id FROM ranked WHERE n > 1
""")
    # start_day and end_day are integers computed here, never text from a pack or a record
    run(con, f"""
CREATE OR REPLACE VIEW records AS
SELECT t.* EXCLUDE (pre),
  CASE
    WHEN t.code IS NOT NULL THEN NULL
    WHEN t.pre IS NOT NULL THEN t.pre
    WHEN d.rec_id IS NOT NULL THEN 'duplicate'
    WHEN t.local_day < {int(start_day)} OR t.local_day > {int(end_day)} THEN 'out_of_period'
  END AS exclusion
FROM records_t t LEFT JOIN dups d ON d.rec_id = t.rec_id
""")
