"""Input: finding files, reading them raw-first, checking records, and the row ledger."""

from auditor.io import csv, jsonl, parquet  # noqa: F401  (registers the readers)
