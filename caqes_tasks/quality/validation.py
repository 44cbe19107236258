"""Run a source's Great Expectations suite (GX 1.x, pandas datasource) on one delivered file.

One ephemeral GX context per ingest run: each file is validated through a validation definition
and a checkpoint; the run's Data Docs (``<run_dir>/data_docs``) are built once for the files
validated (``Validator.build_docs``), from an escaped copy of each result, and made static and
offline (see ``caqes_tasks.quality.data_docs``); the file name reaches GX only as a safe label. The GX
result is turned into a :class:`Validation`: per failing expectation, the rule in plain words
(``meta.regle`` of the suite), the count and a sample of failing rows (line number and values,
as the file wrote them when the reader gives its cells). When an expectation marked
``meta.cause_premiere`` fails (the file's first line cannot be read: see
:mod:`caqes_tasks.ingest.readers.header_cause`), it is the only failure kept: the others follow from it.
GX is imported only when a file has to be validated, so a night with nothing new stays fast.
"""

from __future__ import annotations

import json
import os
import re
from dataclasses import asdict, dataclass, field
from pathlib import Path

import pandas as pd

from caqes_tasks.quality.data_docs import escaped_result, sanitize_site
from caqes_tasks.quality.suite_builder import EXPECTATIONS_DIR

SAMPLE_SIZE = 10


@dataclass
class Failure:
    expectation: str
    column: str | None
    regle: str
    count: int | None
    sample: list[dict] = field(default_factory=list)  # {"ligne": n, "valeurs": {col: text}}
    detail: str = ""

    def lines(self) -> list[int]:
        return [s["ligne"] for s in self.sample if s.get("ligne") is not None]


@dataclass
class Validation:
    source: str
    file_name: str
    rows: int
    success: bool
    failures: list[Failure] = field(default_factory=list)
    notes: list[str] = field(default_factory=list)
    evaluated: int = 0
    warnings: list[str] = field(default_factory=list)  # accepted, but to be looked at (report, alert)

    def to_dict(self) -> dict:
        return asdict(self)


def load_suite_dict(source: str, directory: Path = EXPECTATIONS_DIR) -> dict:
    return json.loads((directory / f"{source}.json").read_text(encoding="utf-8"))


def safe_label(text: str) -> str:
    """A name GX may put in a page or a path: letters, digits, ``_ . -`` only."""
    return re.sub(r"[^A-Za-z0-9_.-]", "_", text)


def _text(value) -> str:
    if value is None or (not isinstance(value, str) and pd.isna(value)):
        return ""
    return str(value)


def _columns_of(config_kwargs: dict, meta: dict) -> list[str]:
    cols = []
    if config_kwargs.get("column"):
        cols.append(config_kwargs["column"])
    cols += list(config_kwargs.get("column_list") or [])
    return cols + [c for c in meta.get("colonnes", []) if c not in cols]


def _shown(cols: list[str]) -> list[str]:
    """Helper flags are not shown to the reader; the columns they are about are."""
    return [c for c in cols if not c.endswith("_ok") and c != "_line"]


def _exception_text(info: dict) -> str:
    """GX 1.x keeps exceptions either flat or per metric: return the first message found."""
    if info.get("raised_exception"):
        return str(info.get("exception_message") or "")
    for value in info.values():
        if isinstance(value, dict) and value.get("raised_exception"):
            return str(value.get("exception_message") or "")
    return ""


def _set_totals(result, totals: dict[str, int], rows: int | None) -> None:
    """Counts of the whole file in place of those of the sample GX was given (see Validator.run)."""
    for vr in result.run_results.values():
        for er in vr.results:
            column = er.expectation_config.kwargs.get("column")
            res = er.result
            if res is None or "element_count" not in res:
                continue
            count = int(totals.get(column, 0)) if column in totals else res.get("unexpected_count")
            total = rows if rows is not None else res.get("element_count")
            res["element_count"] = total
            res["unexpected_count"] = count
            if count is not None and total:
                res["unexpected_percent"] = 100.0 * count / total
                res["unexpected_percent_total"] = 100.0 * count / total
                res["unexpected_percent_nonmissing"] = 100.0 * count / total
            res["missing_count"] = 0
            res["missing_percent"] = 0.0


class Validator:
    """Holds one GX context and the Data Docs site of a run."""

    def __init__(self, data_docs_dir: Path, suites_dir: Path = EXPECTATIONS_DIR):
        os.environ.setdefault("GX_ANALYTICS_ENABLED", "False")
        import great_expectations as gx
        from great_expectations.data_context.types.base import ProgressBarsConfig

        self._gx = gx
        self.suites_dir = suites_dir
        self.data_docs_dir = Path(data_docs_dir)
        self.context = gx.get_context(mode="ephemeral")
        self.context.variables.progress_bars = ProgressBarsConfig(globally=False)
        self.context.add_data_docs_site(
            site_name="caqes",
            site_config={
                "class_name": "SiteBuilder",
                "store_backend": {"class_name": "TupleFilesystemStoreBackend", "base_directory": str(self.data_docs_dir)},
                "site_index_builder": {"class_name": "DefaultSiteIndexBuilder"},
            },
        )
        self.datasource = self.context.data_sources.add_pandas("landing")
        self._batches: dict[str, object] = {}
        self._suites: dict[str, object] = {}
        self._count = 0
        self._sanitized: dict[str, int] = {}
        self._pending: list = []  # results whose Data Docs pages are not built yet

    @property
    def index(self) -> Path:
        return self.data_docs_dir / "index.html"

    def _batch(self, source: str):
        if source not in self._batches:
            asset = self.datasource.add_dataframe_asset(name=source)
            self._batches[source] = asset.add_batch_definition_whole_dataframe(f"{source}_fichier")
        return self._batches[source]

    def _suite(self, source: str):
        if source not in self._suites:
            d = load_suite_dict(source, self.suites_dir)
            suite = self._gx.ExpectationSuite(name=d["name"], expectations=d["expectations"], meta=d.get("meta"))
            self._suites[source] = self.context.suites.add(suite)
        return self._suites[source]

    def run(self, source: str, file_name: str, frame: pd.DataFrame, parameters: dict, run_name: str,
            totals: dict[str, int] | None = None, rows: int | None = None,
            cells=None) -> tuple[Validation, object]:
        """Validate ``frame`` (one file of ``source``); return the summary and the raw GX result.

        ``totals`` and ``rows``: for a file checked outside pandas (``phev_lines``), ``frame`` holds
        only a sample of its failing lines; the failing count of each flag column over the whole
        file (``totals``) and its number of lines (``rows``) replace what GX counted on the sample,
        in the summary and in the Data Docs. ``cells``: line number -> ``{column: text as written}``
        (``ReadResult.cells``), the values a failing row shows."""
        from great_expectations.core.run_identifier import RunIdentifier

        self._count += 1
        name = f"{self._count:03d}_{source}_{safe_label(file_name)}"
        vd = self.context.validation_definitions.add(
            self._gx.ValidationDefinition(data=self._batch(source), suite=self._suite(source), name=name)
        )
        checkpoint = self.context.checkpoints.add(
            self._gx.Checkpoint(
                name=name,
                validation_definitions=[vd],
                actions=[],
                result_format={"result_format": "COMPLETE", "unexpected_index_column_names": ["_line"]},
            )
        )
        result = checkpoint.run(
            batch_parameters={"dataframe": frame},
            expectation_parameters=parameters,
            run_id=RunIdentifier(run_name=safe_label(f"{run_name} {source} {file_name}")),
        )
        if totals is not None or rows is not None:
            _set_totals(result, totals or {}, rows)
        self._queue_docs(result)
        order = {e.id: i for i, e in enumerate(self._suite(source).expectations)}
        validation = self._summarise(source, file_name, frame, result, order, cells)
        if rows is not None:
            validation.rows = rows
        return validation, result

    def _queue_docs(self, result) -> None:
        """Keep an escaped copy of this result for the Data Docs, built by :meth:`build_docs`."""
        from great_expectations.data_context.types.resource_identifiers import ExpectationSuiteIdentifier

        store = self.context.validation_results_store
        for key, suite_result in result.run_results.items():
            store.set(key, escaped_result(suite_result))
            self._pending += [key, ExpectationSuiteIdentifier(name=suite_result.suite_name)]

    def build_docs(self) -> None:
        """The Data Docs of the results validated since the last call, built in one pass, then
        made static and offline. One pass for the run's files instead of one per file: GX
        renders every page and the index again on each build (measured on the region demo's 37
        files: 36 builds took 42 % of the ingest)."""
        if not self._pending:
            return
        keys, self._pending = list(dict.fromkeys(self._pending)), []
        self.context.build_data_docs(site_names=["caqes"], resource_identifiers=keys)
        sanitize_site(self.data_docs_dir, self._sanitized)

    def _summarise(self, source: str, file_name: str, frame: pd.DataFrame, result, order: dict,
                   cells=None) -> Validation:
        by_line = {int(line): pos for pos, line in enumerate(frame["_line"])} if "_line" in frame.columns else {}
        present = set(frame.columns)
        failures: list[Failure] = []
        causes: list[Failure] = []
        evaluated = 0
        for vr in result.run_results.values():
            for er in sorted(vr.results, key=lambda r: order.get(r.expectation_config.id, len(order))):
                evaluated += 1
                if er.success:
                    continue
                cfg = er.expectation_config
                kwargs, meta = dict(cfg.kwargs), dict(cfg.meta or {})
                cols = _columns_of(kwargs, meta)
                exc = er.exception_info or {}
                if cfg.type != "expect_column_to_exist" and any(c not in present for c in cols if c != "_registre"):
                    continue  # a check on a column the file lacks: expect_column_to_exist reports it
                if kwargs.get("value_set") == [True]:
                    cols = [c for c in cols if c != kwargs.get("column")]  # a helper flag: show what it is about
                res = er.result or {}
                sample = []
                for item in (res.get("unexpected_index_list") or [])[:SAMPLE_SIZE]:
                    line = int(item["_line"]) if isinstance(item, dict) and "_line" in item else None
                    values = {}
                    if line is not None and line in by_line:
                        row = frame.iloc[by_line[line]]
                        written = cells(line) if cells is not None else {}
                        values = {c: written[c] if c in written else _text(row[c]) for c in _shown(cols) if c in present}
                    sample.append({"ligne": line, "valeurs": values})
                failures.append(
                    Failure(
                        expectation=cfg.type,
                        column=kwargs.get("column") or (",".join(kwargs.get("column_list") or []) or None),
                        regle=meta.get("regle", cfg.type),
                        count=None if res.get("unexpected_count") is None else int(res["unexpected_count"]),
                        sample=sample,
                        detail=_exception_text(exc),
                    )
                )
                if meta.get("cause_premiere"):
                    causes.append(failures[-1])
        failures = causes or failures
        return Validation(source, file_name, len(frame), not failures, failures, [], evaluated)
