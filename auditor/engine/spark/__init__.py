"""The Spark engine (``--engine spark``): the engine's DuckDB SQL compiled to Spark SQL and run through a DuckDB-like connection.

``dialect`` transpiles (no pyspark needed), ``session`` owns the process's
Spark context, ``connection`` is the adapter the engine talks to, and
``parquet`` stages Parquet input. Importing this package does not import
pyspark; opening a connection does.
"""
