"""Who produces each landing source: who must correct a refused file and deposit it again.

Named only where the data contract says it: the FINESS extracts are the official open data the
ARS downloads unchanged, the avis come from the CPAM (organisme local d'assurance maladie). Every
other source reads « le fournisseur du fichier ».
"""

from __future__ import annotations

FINESS = "le service de l'ARS qui dépose l'extrait FINESS (téléchargé sur data.gouv.fr)"
PRODUCERS = {
    "finess": FINESS,
    "finess_ej": FINESS,
    "avis_cpam": "la CPAM (organisme local d'assurance maladie)",
}
DEFAULT = "le fournisseur du fichier"


def producer(source: str) -> str:
    return PRODUCERS.get(source, DEFAULT)


def redeposit(source: str) -> str:
    """What to do with a refused file of ``source``, in one sentence."""
    return (f"À corriger par {producer(source)}, puis à redéposer sous le même nom dans le dossier {source}/ du "
            "dépôt : il remplace le fichier refusé et libère les années bloquées une fois accepté.")
