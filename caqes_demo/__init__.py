"""Demo-region generator: a landing folder that follows the data contract, for demos and tests.

``generate_demo`` writes every source of a campaign (FINESS extracts, PHEV and its lines,
regional indicators, action plans, contracts with their proposals, avenants, produits AM,
envelopes, modulations, and the procedure's receipts, CPAM avis, DG ARS decisions and
observations); ``generate_phev_lines`` writes line-level prescriptions as partitioned Parquet
(volumes for benchmarks).
"""

from caqes_demo.generator import SIZES, SOURCES, generate_demo
from caqes_demo.phev_lines import generate_phev_lines

__all__ = ["SIZES", "SOURCES", "generate_demo", "generate_phev_lines"]
