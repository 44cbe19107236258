"""Action-plan items (engagements) per regional theme of the référentiel."""

from __future__ import annotations

ENGAGEMENTS: dict[str, tuple[str, ...]] = {
    "LES": (
        "Analyse trimestrielle des prescriptions de la liste en sus par la COMEDIMS",
        "Respect des référentiels de bon usage pour les molécules onéreuses",
        "Traçabilité des dispositifs médicaux implantables dans le dossier patient",
    ),
    "ATB": (
        "Réévaluation systématique des antibiothérapies à 48-72 heures",
        "Désignation d'un référent en antibiothérapie",
        "Audit annuel de la durée des antibiothérapies",
        "Diffusion du guide régional d'antibiothérapie aux prescripteurs",
    ),
    "MIPA": (
        "Conciliation médicamenteuse à l'admission des patients de plus de 75 ans",
        "Revue des prescriptions de benzodiazépines chez la personne âgée",
        "Formation des équipes aux médicaments potentiellement inappropriés",
    ),
    "IATRO": (
        "Consultation pharmaceutique à l'initiation d'une chimiothérapie orale",
        "Évaluation de la douleur tracée à chaque séjour",
        "Protocole de surveillance des psychotropes en santé mentale",
    ),
    "GENBIO": (
        "Prescription dans le répertoire des génériques à la sortie",
        "Information des patients sur l'interchangeabilité des biosimilaires",
    ),
    "TS": (
        "Prescription du mode de transport adapté à l'autonomie du patient",
        "Sensibilisation des prescripteurs au transport partagé",
        "Audit des prescriptions d'ambulance en sortie d'hospitalisation",
    ),
    "PARCOURS": (
        "Organisation d'un chemin clinique en chirurgie ambulatoire",
        "Appel du lendemain après une prise en charge ambulatoire",
        "Lettre de liaison remise au patient le jour de la sortie",
    ),
}


def engagements_du_theme(theme: str, libelle_theme: str) -> tuple[str, ...]:
    """Items of a theme; a theme the library does not know gets generic items."""
    return ENGAGEMENTS.get(theme) or tuple(f"Action {k} du plan d'actions « {libelle_theme} »" for k in (1, 2, 3))
