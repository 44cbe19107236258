"""Legal invariants of the CAQES outcomes: numbers fixed by law, never parameters.

Each constant names its article. The campaign référentiel may switch a sanction path off or lower
a rate, but it can never raise a legal limit: ``check_referentiel`` refuses any référentiel that
tries to (docs/rules.md §7–8).
"""

from __future__ import annotations

from decimal import Decimal
from pathlib import Path

import yaml

# L162-30-2 al. 3: refusal to conclude the contract or one of its volets -> 1 % of produits AM.
TAUX_SANCTION_REFUS = Decimal("0.01")
# L162-30-4 al. 1: non-attainment sanction, per volet, at most 1 % of produits AM.
PLAFOND_NON_ATTEINTE_VOLET = Decimal("0.01")
# L162-30-2 al. 3 and L162-30-4 al. 1: refusal + non-attainment sanctions <= 5 % per EJ and year.
PLAFOND_GLOBAL_ANNUEL = Decimal("0.05")
# L162-30-3 II: CAPES penalty (breach or refusal to sign) at most 1 % of produits AM.
PLAFOND_CAPES = Decimal("0.01")
# L162-30-2 al. 3: on refusal of the produits de santé volets, reduction of the liste en sus
# coverage (L162-22-7) by 30 % instead of the 1 % sanction.
TAUX_REDUCTION_LISTE_EN_SUS_REFUS = Decimal("0.30")
# L162-30-4 al. 2: on non-attainment about produits de santé, reduction up to 30 %.
PLAFOND_REDUCTION_LISTE_EN_SUS = Decimal("0.30")
# Code de justice administrative art. R. 421-1 (and contract template art. 12 for an intéressement
# amount): recourse before the tribunal administratif within 2 months of receipt of the decision.
JURIDICTION_RECOURS = "tribunal administratif"
DELAI_RECOURS_MOIS = 2
# L162-30-2, L162-30-4: the EJ is heard before any sanction; the référentiel sets the delay for its
# observations (procedure.delai_observations_jours, at least 1 day), counted from the receipt of
# the notification préalable; without it, 30 days (docs/rules.md §7).
DELAI_OBSERVATIONS_JOURS = 30
TELERECOURS = "Télérecours citoyens (www.telerecours.fr)"
# L162-30-2 al. 3, L162-30-4: the difference is never billed to the patient.
MENTION_PATIENT = (
    "La différence entre le montant remboursable et le montant remboursé ne peut être facturée "
    "aux patients (art. L162-30-2 et L162-30-4 CSS)."
)

#: keys of the référentiel's ``sanctions`` block that are parameters; anything else (a cap, a
#: fixed rate) would be an attempt to set a legal number and is refused.
SANCTION_PARAMETRES = frozenset({"refus", "non_atteinte", "capes", "surveillance", "non_atteinte_taux", "impact"})
#: keys of the ``procedure`` block that are parameters.
PROCEDURE_PARAMETRES = frozenset({"delai_observations_jours", "recours", "delai_recours_mois"})


class LegalLimitError(ValueError):
    """A parameter or an input would exceed a limit fixed by law; the message names it."""


def voies_de_recours(delai_mois: int = DELAI_RECOURS_MOIS, juridiction: str = JURIDICTION_RECOURS) -> str:
    """Voies et délais de recours of a sanction décision (code de justice administrative R. 421-1)."""
    check_recours(delai_mois, juridiction)
    return (
        f"La présente décision peut faire l'objet d'un recours devant le {juridiction} territorialement "
        f"compétent dans un délai de {delai_mois} mois à compter de sa réception (code de justice "
        f"administrative, art. R. 421-1). Le tribunal peut être saisi par l'application {TELERECOURS}."
    )


def voies_de_recours_interessement(delai_mois: int = DELAI_RECOURS_MOIS, juridiction: str = JURIDICTION_RECOURS) -> str:
    """Contesting an intéressement amount: contract template art. 12, within the CJA R. 421-1 delay."""
    check_recours(delai_mois, juridiction)
    return (
        "En cas de contestation du montant de l'intéressement (article 12 du contrat), l'établissement de "
        f"santé peut saisir le {juridiction} dans le ressort duquel l'autorité qui a pris la décision a "
        f"légalement son siège, dans un délai de {delai_mois} mois à compter de la réception de la "
        f"notification (code de justice administrative, art. R. 421-1), notamment par l'application {TELERECOURS}."
    )


def check_non_atteinte_taux(taux: Decimal) -> None:
    """L162-30-4: the non-attainment rate may not exceed the 1 % per-volet limit."""
    if not isinstance(taux, Decimal):
        raise TypeError("non_atteinte_taux must be a Decimal")
    if taux < 0 or taux > PLAFOND_NON_ATTEINTE_VOLET:
        raise LegalLimitError(
            f"sanctions.non_atteinte_taux = {taux}: must be in [0, {PLAFOND_NON_ATTEINTE_VOLET}] (L162-30-4)"
        )


def check_capes_taux(taux: Decimal) -> None:
    """L162-30-3 II: a CAPES penalty rate is at most 1 %."""
    if taux < 0 or taux > PLAFOND_CAPES:
        raise LegalLimitError(f"CAPES rate {taux}: must be in [0, {PLAFOND_CAPES}] (L162-30-3)")


def check_reduction_liste_en_sus(taux: Decimal) -> None:
    """L162-30-2 / L162-30-4: a liste en sus reduction is at most 30 %."""
    if taux < 0 or taux > PLAFOND_REDUCTION_LISTE_EN_SUS:
        raise LegalLimitError(
            f"liste en sus reduction {taux}: must be in [0, {PLAFOND_REDUCTION_LISTE_EN_SUS}] (L162-30-2, L162-30-4)"
        )


def check_recours(delai_mois: int, juridiction: str) -> None:
    """Code de justice administrative R. 421-1, contract template art. 12: 2 months, tribunal administratif."""
    if delai_mois != DELAI_RECOURS_MOIS:
        raise LegalLimitError(
            f"procedure.delai_recours_mois = {delai_mois}: fixed at {DELAI_RECOURS_MOIS} (CJA R. 421-1)"
        )
    if juridiction.strip().lower() != JURIDICTION_RECOURS:
        raise LegalLimitError(f"procedure.recours = {juridiction!r}: fixed as {JURIDICTION_RECOURS!r} (CJA R. 421-1)")


def check_delai_observations(jours: int) -> None:
    """L162-30-2, L162-30-4: the EJ must be able to present observations -> a positive delay."""
    if jours < 1:
        raise LegalLimitError(f"procedure.delai_observations_jours = {jours}: must be at least 1 day")


def check_coefficient_modulation(coefficient: Decimal, where: str = "") -> None:
    """docs/rules.md §6: the DG ARS modulation coefficient lies in [0, 1] (it can only lower)."""
    if not isinstance(coefficient, Decimal):
        raise TypeError(f"{where}modulation coefficient must be a Decimal")
    if coefficient < 0 or coefficient > 1:
        raise LegalLimitError(f"{where}modulation coefficient {coefficient} outside [0, 1]")


def check_referentiel_file(path: Path) -> None:
    """Refuse a référentiel file whose sanctions/procedure blocks declare a legal number."""
    data = yaml.safe_load(Path(path).read_bytes()) or {}
    extra = set((data.get("sanctions") or {})) - SANCTION_PARAMETRES
    if extra:
        raise LegalLimitError(
            f"référentiel {Path(path).name}: sanctions keys {sorted(extra)} are not parameters "
            "(legal limits live in code: 1 % refusal, 1 % per volet, 5 % per year, 30 % reduction)"
        )
    extra = set((data.get("procedure") or {})) - PROCEDURE_PARAMETRES
    if extra:
        raise LegalLimitError(f"référentiel {Path(path).name}: procedure keys {sorted(extra)} are not parameters")


def check_referentiel(ref) -> None:
    """Validate every outcome parameter of a loaded référentiel against the legal invariants."""
    check_referentiel_file(ref.path)
    check_non_atteinte_taux(ref.non_atteinte_taux)
    check_recours(ref.delai_recours_mois, ref.recours)
    check_delai_observations(ref.delai_observations_jours)
    for ind in ref.indicateurs:
        if ind.part_nationale is not None and not (Decimal(0) <= ind.part_nationale <= Decimal(1)):
            raise LegalLimitError(f"indicateur {ind.code}: part_nationale {ind.part_nationale} outside [0, 1]")
