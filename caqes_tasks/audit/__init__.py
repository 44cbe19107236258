"""Audit drill-down: from each amount of an EJ and a year to the input lines it came from.

``tracabilite``: the chain as rows (one per amount x input line: source, file, line, sha256),
published as the ``tracabilite`` feed; ``explication``: the same chain for one EJ in plain French
(``caqes explain``).
"""
