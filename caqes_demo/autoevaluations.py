"""Self-assessments of the contracted EJs (source ``autoevaluations``): EJ × year × theme.

For most EJs with a volet in force in year N (not all: a few never send theirs), one row per
theme of the perimeter in force (the référentiel's theme codes), with ``realisation`` among
``realise`` / ``partiel`` / ``non_realise`` (better as the campaign goes on) and a free comment,
sometimes empty. Drawn from their own seeded generator, so the other sources do not change.
"""

from __future__ import annotations

import random

from caqes_tasks.referentiel import Referentiel

REALISATIONS = ("realise", "partiel", "non_realise")
POIDS_PAR_ANNEE = {0: (40, 35, 25), 1: (55, 30, 15), 2: (65, 25, 10)}  # by rank of the evaluation year
PART_SANS_AUTOEVALUATION = 0.12  # EJ-years without a self-assessment
COMMENTAIRES = {
    "realise": ("Actions du plan menées à leur terme, résultats présentés en CME.",
                "Objectifs atteints, suivi trimestriel assuré par le référent.", ""),
    "partiel": ("Actions engagées, déploiement à poursuivre sur les services restants.",
                "Recrutement du pharmacien référent intervenu en cours d'année.", ""),
    "non_realise": ("Actions reportées faute de moyens humains.",
                    "Priorité donnée à la réorganisation des services cette année.", ""),
}


def autoevaluations(seed: int, ref: Referentiel,
                    vigueur: dict[int, dict[tuple[str, str], set[tuple[str, str]]]]) -> dict[int, list[list[str]]]:
    """Year -> rows ``finess_ej, annee, theme, realisation, commentaire`` (sorted, one per grain)."""
    rng = random.Random(f"autoevaluations-{seed}")
    out: dict[int, list[list[str]]] = {}
    for rang, annee in enumerate(sorted(vigueur)):
        themes: dict[str, set[str]] = {}
        for (ej, _volet), paires in sorted(vigueur[annee].items()):
            themes.setdefault(ej, set()).update(ref.by_code[code].theme for _f, code in paires)
        rows = []
        poids = POIDS_PAR_ANNEE.get(rang, POIDS_PAR_ANNEE[2])
        for ej in sorted(themes):
            if not themes[ej] or rng.random() < PART_SANS_AUTOEVALUATION:
                continue
            for theme in sorted(themes[ej]):
                realisation = rng.choices(REALISATIONS, weights=poids)[0]
                rows.append([ej, str(annee), theme, realisation, rng.choice(COMMENTAIRES[realisation])])
        out[annee] = rows
    return out
