"""Monitoring: run history, freshness, `iso-pipeline status` and `iso-pipeline check`.

    history    the run history tables in the warehouse (schema `monitoring`), written by every landing (here)
               and every dbt invocation (macros/monitoring/run_history.sql), and the queries over them
    freshness  newest landed file per report format against the thresholds of the sources YAML
               (the same thresholds `dbt source freshness` applies)
    cadence    when each report is published, hence which intervals are expected by a given time
    alerts     the alerts: missing files, schema changes, unusual prices, vanished points, failed runs, disk
    webhook    alerts POSTed as JSON to $ALERT_WEBHOOK_URL
    status     the one-screen summary

Time: every evaluation takes an "as of" time (`--as-of`, else $ISO_PIPELINE_NOW, else now), so a past state can be
judged as it was; nothing is written with it.
"""

from .common import evaluation_time, parse_time

__all__ = ["evaluation_time", "parse_time"]
