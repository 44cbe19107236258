"""Outcomes of the annual evaluation: intéressement, sanctions and the contradictory procedure.

legal (invariants of L162-30-2/3/4), vocabulary (the codes the outcome tables hold), money (exact
cents), interessement, sanctions, procedure, lecture (inputs), calcul (rows), stage
(``outcomes_stage(ctx)``: read, compute, write).
"""
