"""What-if before the DG ARS decides: rerun a year's outcomes under changed parameters, publish
nothing, and write a comparison per EJ (``caqes simulate``, the ``caqes_simulation`` DAG)."""
