"""Documents the contract asks of the ARS besides the notices (contrat type art. 8–9, volet 1 art. 4).

- ``rapport_evaluation``: the rapport d'évaluation annuel per EJ and year (art. 8–9), produced by
  the annual run after the notices and, like them, immutable once issued;
- ``analyse_semestrielle``: the half-yearly analysis of prescriptions per EJ (volet 1 art. 4),
  produced by ``caqes semester`` and the ``caqes_semestriel`` DAG, with its distribution list
  (``distribution``).

Rendering (HTML → PDF with fpdf2) and immutable publication reuse ``caqes_tasks.notices``.
"""
