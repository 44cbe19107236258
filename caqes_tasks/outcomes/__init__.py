"""Outcomes of the annual evaluation: intéressement, sanctions and the contradictory procedure.

legal (invariants of L162-30-2/3/4), money (exact cents), interessement, sanctions, procedure,
lecture (inputs), calcul (rows), stage (``outcomes_stage(ctx)``).
"""
