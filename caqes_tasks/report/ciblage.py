"""Why an ET was targeted, in plain French, from the figures of ``marts.fct_ciblage``.

The mart's ``motif`` column is a technical trace (``valeur 0.450249 > seuil 0.350000 =>
ciblé``); the report never shows it. It words instead the row's own figures, in the
indicator's unit (rates and shares in percent, amounts in euros): « taux 45,0 % au-dessus du
seuil de 35,0 % ». The verdict is the mart's ``cible`` column: this module describes the
numbers, the targeting rule itself lives in dbt (``int_06_ciblage``, docs/rules.md §4).
"""

from __future__ import annotations

from decimal import Decimal

from caqes_tasks.report import fmt

POURCENTAGES = {"rate", "share"}  # référentiel mesures whose value is a fraction shown in percent
NOMS_VALEUR = {"rate": "taux", "share": "part", "amount": "montant", "ratio": "ratio"}


def valeur(value, mesure: str | None, places: int = 1) -> str:
    """A targeting or evaluation value in the indicator's unit: ``0.45`` of a rate → ``45,0 %``."""
    if value is None:
        return fmt.DASH
    if mesure in POURCENTAGES:
        return fmt.ratio_percent(value, places)
    if mesure == "amount":
        return fmt.euros(Decimal(value).quantize(Decimal("0.01")))
    return fmt.plain(value)


def _position(value: Decimal, seuil: Decimal) -> str:
    if value > seuil:
        return "au-dessus"
    if value < seuil:
        return "en dessous"
    return "au niveau"


def raisons(row: dict, mesure: str | None) -> list[str]:
    """The figures that made the targeting of ``row`` (one ``fct_ciblage`` row), in words."""
    out: list[str] = []
    if row.get("regle_ciblage") == "liste":
        return ["établissement inscrit sur la liste régionale de ciblage"]
    nom = NOMS_VALEUR.get(mesure or "", "valeur")
    v, seuil = row.get("valeur_ciblage"), row.get("seuil_valeur")
    annee_ref = row.get("annee_reference")
    en = f" en {annee_ref}" if annee_ref else ""
    if v is not None and seuil is not None:
        out.append(f"{nom}{en} de {valeur(v, mesure)}, {_position(v, seuil)} du seuil de {valeur(seuil, mesure)}")
    elif v is None and seuil is not None:
        out.append(f"{nom}{en} non connu")
    evol, maxi = row.get("taux_evolution_ciblage"), row.get("max_taux_evolution")
    if evol is not None and maxi is not None:
        sens = "hausse" if evol >= 0 else "baisse"
        periode = f" de {annee_ref - 1} à {annee_ref}" if annee_ref else ""
        out.append(
            f"dépenses en {sens} de {fmt.ratio_percent(abs(evol))}{periode}, {_position(evol, maxi)} "
            f"de l'évolution maximale de {fmt.ratio_percent(maxi)}"
        )
    base, mini = row.get("base_ciblage"), row.get("min_base")
    if base is not None and mini is not None and row.get("type_indicateur") == "national":
        unite = (lambda x: fmt.euros(Decimal(x).quantize(Decimal("0.01")))) if mesure == "amount" else fmt.plain
        out.append(f"base de {unite(base)} pour un minimum de {unite(mini)}")
    return out


def phrase(row: dict, mesure: str | None) -> str:
    """« taux en 2022 de 45,0 %, au-dessus du seuil de 35,0 % : ciblé »."""
    verdict = "ciblé" if row.get("cible") else "non ciblé"
    parts = raisons(row, mesure)
    return f"{' ; '.join(parts)} : {verdict}" if parts else verdict
