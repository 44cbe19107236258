"""Feeds for reporting tools (Parquet + Excel-friendly CSV per mart, atomic ``latest``, BI file)
and the run manifest."""

from caqes_tasks.feeds.manifest import write_run_manifest  # noqa: F401
from caqes_tasks.feeds.stage import feeds_stage  # noqa: F401
