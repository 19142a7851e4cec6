"""iso-pipeline: land raw ISO market files; dbt on DuckDB does the rest."""

__version__ = "0.1.0"
