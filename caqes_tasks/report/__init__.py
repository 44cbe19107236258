"""Campaign report per year: self-contained HTML (inline CSS and SVG charts) and PDF."""

from caqes_tasks.report.stage import report_stage  # noqa: F401
