"""The benchmark harness behind `make bench` (issue 10): data generator, yardstick query, pandas reference, runner.

A development tool, kept out of the ``auditor`` package; it uses the auditor
only through ``auditor.api`` and its command line.
"""
