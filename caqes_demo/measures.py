"""Indicator values of the demo region: national (PHEV) and regional, per ET and year.

Values are simulated with floats, then fixed once as exact numbers (integer cents or
integer counts, ``Decimal`` rates): everything written or compared afterwards is exact.

National indicators: a level per ET (category profile × site size × noise), a free growth in
2021, then from 2022 on one of three regimes per ET × indicator × year, placed against the
référentiel's target so that attainment is spread: ``atteint`` (beyond the target), ``partiel``
(between the reference and the target), ``nul`` (no improvement).
Regional indicators: a rate in [0, 1] drawn around the targeting threshold, drifting slowly
in the good direction with noise.
"""

from __future__ import annotations

import random
from dataclasses import dataclass
from decimal import ROUND_HALF_UP, Decimal

from caqes_demo.register import Etablissement, Registre
from caqes_tasks.referentiel import Indicateur, Referentiel

ANNEES_DONNEES = (2020, 2021, 2022, 2023, 2024)
REGIMES = ("atteint", "partiel", "nul")
SIX = Decimal("0.000001")


@dataclass(frozen=True)
class ProfilNational:
    base: float  # yearly amount (euros) for a site of size 1; for rate/share: the denominator
    unite: float  # euros per unit (volume = amount / unit)
    kinds: dict[str, float]  # activity multiplier per kind of establishment (absent: no data)
    ratio: float = 0.0  # rate/share indicators: median value of numerator / denominator


_TOUS = {"chu": 1.0, "ch": 1.0, "chs": 0.5, "clcc": 1.0, "clinique": 0.8, "ssr": 0.4, "had": 0.5, "dialyse": 0.4}

PROFILS_NATIONAUX: dict[str, ProfilNational] = {
    "NAT_1": ProfilNational(260_000, 38.0, {"chu": 1.0, "ch": 1.0, "chs": 0.08, "clcc": 1.6, "clinique": 0.7,
                                            "ssr": 0.25, "had": 1.4, "dialyse": 0.15}),
    "NAT_2": ProfilNational(110_000, 6.5, {"chu": 1.0, "ch": 1.0, "chs": 0.9, "clcc": 0.5, "clinique": 0.8,
                                           "ssr": 0.5, "had": 0.3, "dialyse": 0.3}),
    # actes (denominator) for a site of size 1; examens per acte around `ratio`; EPA cost per examen
    "NAT_3": ProfilNational(3_200, 24.0, {"chu": 1.0, "ch": 1.0, "clcc": 0.5, "clinique": 1.3}, ratio=0.52),
    "NAT_4": ProfilNational(140_000, 9.0, {"chu": 1.0, "ch": 1.0, "chs": 0.2, "clcc": 0.6, "clinique": 0.6,
                                           "ssr": 0.5, "had": 1.5, "dialyse": 0.1}),
    "NAT_5": ProfilNational(32_000, 21.0, {"chu": 1.0, "ch": 1.0, "chs": 0.4, "clcc": 0.2, "clinique": 0.8,
                                           "ssr": 0.4, "had": 0.1, "dialyse": 0.6}),
    # transport spending (denominator); ambulance share around `ratio`; euros per ambulance trip
    "NAT_6": ProfilNational(1_300_000, 110.0, {"chu": 1.0, "ch": 1.0, "chs": 0.5, "clcc": 1.2, "clinique": 0.5,
                                               "ssr": 0.4, "had": 0.15, "dialyse": 1.6}, ratio=0.17),
}
PROFIL_NATIONAL_DEFAUT = ProfilNational(100_000, 10.0, _TOUS, ratio=0.3)

_TOUS_KINDS = frozenset(_TOUS)
KINDS_REGIONAUX: dict[str, frozenset[str]] = {
    "MEDCOUTINN": frozenset({"chu", "ch", "clcc", "clinique"}),
    "DMI": frozenset({"chu", "ch", "clinique"}),
    "ATB": frozenset({"chu", "ch", "clcc", "clinique", "ssr", "chs"}),
    "MIPA": frozenset({"chu", "ch", "ssr", "chs", "had"}),
    "CHO": frozenset({"chu", "ch", "clcc", "had"}),
    "DLR": frozenset({"chu", "ch", "clcc", "clinique", "ssr", "had"}),
    "PSY": frozenset({"chs", "ch", "chu"}),
    "GEN": _TOUS_KINDS,
    "BIOSIM": frozenset({"chu", "ch", "clcc", "clinique", "dialyse"}),
    "TS": _TOUS_KINDS - {"had"},
    "CHIR_AMBU": frozenset({"chu", "ch", "clcc", "clinique"}),
    "REHOSP": frozenset({"chu", "ch", "clinique", "ssr", "chs"}),
}
# regional indicators whose numerator and denominator are amounts in euros (others: counts)
REGIONAUX_EN_MONTANT = frozenset({"MEDCOUTINN", "DMI", "TS"})


@dataclass
class ValeurNationale:
    montant: int  # cents
    volume: int
    numerateur: Decimal | None = None  # rate: examens (count); share: ambulance spending (euros)
    denominateur: Decimal | None = None  # rate: actes (count); share: transport spending (euros)


@dataclass
class ValeurRegionale:
    numerateur: Decimal
    denominateur: Decimal
    valeur: Decimal


@dataclass
class Mesures:
    nationales: dict[tuple[str, int, str], ValeurNationale]
    regionales: dict[tuple[str, int, str], ValeurRegionale]


def euros(cents: int) -> Decimal:
    return Decimal(cents).scaleb(-2)


def valeur_nationale(ind: Indicateur, v: ValeurNationale) -> tuple[Decimal, Decimal]:
    """(value, base) of a national indicator as the targeting rule reads them."""
    if ind.mesure == "amount":
        m = euros(v.montant)
        return m, m
    return v.numerateur / v.denominateur, v.denominateur


class _Regimes:
    """Evolution regime per ET × indicator × year: random, or round-robin for the small set."""

    def __init__(self, rng: random.Random, tourniquet: bool):
        self.rng, self.tourniquet, self.serie = rng, tourniquet, 0

    def nouvelle_serie(self) -> None:
        self.serie += 1

    def suivant(self, annee: int) -> str:
        if self.tourniquet:  # every regime in every year, shifted from one series to the next
            return REGIMES[(self.serie + annee) % 3]
        return self.rng.choices(REGIMES, weights=(30, 30, 40))[0]


def _facteur(rng: random.Random, regime: str, cible: float) -> float:
    """Year-on-year factor for a lower-is-better value whose target is ``R × (1 + cible)``."""
    if regime == "atteint":
        return 1 + rng.uniform(cible - 0.06, cible - 0.004)
    if regime == "partiel":
        return 1 + rng.uniform(cible + 0.004, -0.004)
    return 1 + rng.uniform(0.0, 0.06)


def _cible(ind: Indicateur, valeur_ref: float) -> float:
    if ind.objectif_taux_evolution is not None:
        return float(ind.objectif_taux_evolution)
    return min(-0.02, float(ind.objectif_valeur) / valeur_ref - 1) if valeur_ref else -0.05


def _nationales(rng: random.Random, registre: Registre, ref: Referentiel, regimes: _Regimes,
                out: dict[tuple[str, int, str], ValeurNationale]) -> None:
    for et in registre.ets:
        for code in ref.codes("national"):
            ind = ref.by_code[code]
            profil = PROFILS_NATIONAUX.get(code, PROFIL_NATIONAL_DEFAUT)
            mult = profil.kinds.get(et.kind)
            if not mult:
                continue
            regimes.nouvelle_serie()
            echelle = profil.base * et.taille * mult * rng.lognormvariate(0, 0.45) * (0.05 if et.calme else 1)
            if ind.mesure == "amount":
                _serie_montant(rng, et, ind, profil, echelle, regimes, out)
            else:
                _serie_ratio(rng, et, ind, profil, echelle, regimes, out)


def _serie_montant(rng, et: Etablissement, ind: Indicateur, profil: ProfilNational, niveau: float,
                   regimes: _Regimes, out) -> None:
    valeur = niveau
    for annee in ANNEES_DONNEES:
        if annee == 2021:
            valeur *= 1 + rng.gauss(0.005, 0.04)
        elif annee > 2021:
            valeur *= _facteur(rng, regimes.suivant(annee), _cible(ind, valeur))
        if annee in et.ej_par_annee:
            cents = max(100, round(valeur * 100))
            out[(et.finess_geo, annee, ind.code)] = ValeurNationale(cents, max(1, round(cents / 100 / profil.unite)))


def _serie_ratio(rng, et: Etablissement, ind: Indicateur, profil: ProfilNational, denominateur: float,
                 regimes: _Regimes, out) -> None:
    ratio = min(0.9, max(0.03, profil.ratio * rng.lognormvariate(0, 0.3)))
    if et.calme:
        ratio = profil.ratio * 0.5
    for annee in ANNEES_DONNEES:
        if annee == 2021:
            ratio *= 1 + rng.gauss(0.005, 0.04)
        elif annee > 2021:
            ratio *= _facteur(rng, regimes.suivant(annee), _cible(ind, ratio))
        ratio = min(0.95, max(0.02, ratio))
        if annee > 2020:
            denominateur *= 1 + rng.gauss(0.01, 0.04)
        if annee not in et.ej_par_annee:
            continue
        if ind.mesure == "rate":  # examens per acte: counts; spending = examens × cost
            actes = max(20, round(denominateur))
            examens = min(actes, round(ratio * actes))
            cout = round(profil.unite * 100 * (0.8 + 0.4 * ((int(et.finess_geo[2:8]) % 97) / 97)))
            out[(et.finess_geo, annee, ind.code)] = ValeurNationale(
                examens * cout, examens, Decimal(examens), Decimal(actes))
        else:  # share of ambulance in transport spending: amounts
            total = max(10_000, round(denominateur * 100))
            ambulance = min(total, round(ratio * total))
            out[(et.finess_geo, annee, ind.code)] = ValeurNationale(
                ambulance, max(1, round(ambulance / 100 / profil.unite)), euros(ambulance), euros(total))


def _regionales(rng: random.Random, registre: Registre, ref: Referentiel,
                out: dict[tuple[str, int, str], ValeurRegionale]) -> None:
    for et in registre.ets:
        for code in ref.codes("regional"):
            ind = ref.by_code[code]
            if et.kind not in KINDS_REGIONAUX.get(code, _TOUS_KINDS):
                continue
            seuil = float(ind.seuil_valeur) if ind.seuil_valeur is not None else 0.3
            bas = ind.sens == "lower_is_better"
            if et.calme:
                valeur, bruit = (seuil * 0.6 if bas else min(0.97, seuil * 1.4)), 0.01
            else:
                valeur, bruit = seuil * rng.lognormvariate(-0.3 if bas else 0.3, 0.35 if bas else 0.3), 0.10
            derive = -0.02 if bas else 0.02
            en_montant = code in REGIONAUX_EN_MONTANT
            denominateur = (2_000_000 if en_montant else 1_500) * et.taille * rng.lognormvariate(0, 0.4)
            for annee in ANNEES_DONNEES:
                if annee > 2020:
                    valeur *= rng.lognormvariate(derive, bruit)
                    denominateur *= 1 + rng.gauss(0.01, 0.04)
                valeur = min(0.98, max(0.005, valeur))
                if annee not in et.ej_par_annee:
                    continue
                if en_montant:
                    den_c = max(100_000, round(denominateur * 100))
                    num_c = min(den_c, round(valeur * den_c))
                    num, den = euros(num_c), euros(den_c)
                else:
                    den_n = max(30, round(denominateur))
                    num, den = Decimal(min(den_n, round(valeur * den_n))), Decimal(den_n)
                val = (num / den).quantize(SIX, rounding=ROUND_HALF_UP)
                out[(et.finess_geo, annee, code)] = ValeurRegionale(num, den, val)


def generate_mesures(rng: random.Random, registre: Registre, ref: Referentiel, size: str) -> Mesures:
    mesures = Mesures({}, {})
    _nationales(rng, registre, ref, _Regimes(rng, tourniquet=size == "small"), mesures.nationales)
    _regionales(rng, registre, ref, mesures.regionales)
    return mesures
