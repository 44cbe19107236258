"""Demo generator: a landing folder that follows the data contract, for demos, tests and volumes.

Not part of the production pipeline (``caqes_tasks``); the ``caqes generate`` and ``caqes demo``
commands call it. ``generate_demo`` writes every source of a campaign (FINESS extracts of the
establishments and of the legal entities, PHEV and its lines,
regional indicators, action plans, contracts with their proposals, avenants, produits AM,
envelopes, modulations, and the procedure's receipts, CPAM avis, DG ARS decisions and
observations, the EJs' self-assessments) for a small set, a region or the whole country;
``generate_phev_lines`` writes line-level prescriptions as partitioned Parquet
(volumes for benchmarks).
"""

from caqes_demo.generator import OPTIONAL_SOURCES, SIZES, SOURCES, generate_demo
from caqes_demo.phev_lines import generate_phev_lines

__all__ = ["OPTIONAL_SOURCES", "SIZES", "SOURCES", "generate_demo", "generate_phev_lines"]
