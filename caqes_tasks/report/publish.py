"""Publishing the campaign report of a year: its HTML and PDF switch as one.

Layout (``ctx.reports`` is ``OUT/reports``)::

    OUT/reports/runs/<N>/<run_id>/campagne_<N>.html | campagne_<N>.pdf
    OUT/reports/<N> -> runs/<N>/<run_id>            relative symlink, the path readers use

Both files are written in a staging folder under ``runs/<N>/`` (Chromium's profile too), then
the folder is placed and ``OUT/reports/<N>`` swapped in one atomic step
(``caqes_tasks.feeds.publish.publish_folder``): a reader sees the previous HTML and PDF or the
new ones, never one of each. A run killed at any moment leaves the previous report published
and a staging folder the next publish removes. The PDF's creation date is the date the run acts
on, so the same run gives the same bytes and a rerun changes nothing. A report folder of the
earlier layout (a real ``OUT/reports/<N>`` folder) is kept as ``runs/<N>/anterieur``.
"""

from __future__ import annotations

import re
from pathlib import Path

from caqes_tasks.context import RunContext
from caqes_tasks.feeds.publish import publish_folder
from caqes_tasks.report.data import Campaign
from caqes_tasks.report.pdf import write_bytes, write_pdf

LEGACY = "anterieur"


def report_names(year: int) -> tuple[str, str]:
    return f"campagne_{year}.html", f"campagne_{year}.pdf"


_FILE_LINK = re.compile(r'<a\s+href="(?!#|https?:|mailto:)[^"]*"[^>]*>(.*?)</a>', re.S)


def without_file_links(html: str) -> str:
    """``html`` with its links to other files (relative paths) unwrapped to their text."""
    return _FILE_LINK.sub(r"\1", html)


def publish_report(ctx: RunContext, html: str, campaign: Campaign, ref, *, engine: str = "auto") -> dict:
    """Write the report's HTML and PDF aside, then switch ``ctx.reports/<N>`` to them at once.

    Returns ``{"html", "pdf"}`` (paths through ``OUT/reports/<N>``), ``engine`` (the PDF engine
    used), ``folder`` (the run's folder), ``switched`` and ``swept`` (leftovers removed)."""
    link = ctx.reports / str(ctx.year)
    html_name, pdf_name = report_names(ctx.year)
    used: dict[str, str] = {}

    def build(folder: Path) -> None:
        html_path = folder / html_name
        write_bytes(html_path, html.encode("utf-8"))
        # printed from a copy whose links to other files are plain text: a browser prints such
        # a link as the absolute path of this machine, which would make the PDF depend on where
        # the out folder is (and be wrong once it moves)
        printed = folder / f".print-{html_name}"
        write_bytes(printed, without_file_links(html).encode("utf-8"))
        try:
            used["engine"] = write_pdf(
                printed, folder / pdf_name, campaign, run_id=ctx.run_id, ref=ref, engine=engine, created=ctx.as_of_date
            )
        finally:
            printed.unlink(missing_ok=True)

    published = publish_folder(
        ctx.reports / "runs" / str(ctx.year), link, ctx.run_id or "pending", build, legacy_name=LEGACY
    )
    return {
        "html": str(link / html_name),
        "pdf": str(link / pdf_name),
        "engine": used.get("engine", ""),
        "folder": str(published["folder"]),
        "switched": published["latest_changed"],
        "swept": published["swept"],
    }
