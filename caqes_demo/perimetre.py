"""Contracted perimeter of the demo contracts and their avenants (docs/rules.md §4).

The perimeter of a signed contract is fixed at signature: the ETs attached to the EJ in the
register of the proposal's year P, on the indicators of the volet targeted for P (reference
year P − 1). It changes only by avenant: ``ajout`` / ``retrait`` of an ET × indicator take
effect on 1 January after the signature (template art. 3 and 10); a ``resiliation`` ends the
whole volet on 31 December of its signature's year (template art. 11).

The demo draws avenants of each kind, signed in the campaign's first two years, so that their
effects show in the next years.
"""

from __future__ import annotations

import random
from dataclasses import dataclass
from datetime import date, timedelta

from caqes_demo.campaign import Contrat
from caqes_demo.measures import Mesures
from caqes_demo.register import Registre
from caqes_tasks.referentiel import Referentiel

ACTIONS = ("ajout", "retrait", "resiliation")
# avenants per action and signature year
NB_AVENANTS = {"region": {"ajout": 2, "retrait": 1, "resiliation": 1},
               "small": {"ajout": 1, "retrait": 1, "resiliation": 1},
               "france": {"ajout": 25, "retrait": 12, "resiliation": 12}}

Paire = tuple[str, str]  # (finess_geo, indicateur)


@dataclass(frozen=True)
class Avenant:
    finess_ej: str
    volet: str
    finess_geo: str | None  # None for a resiliation (whole volet)
    indicateur: str | None
    action: str  # ajout / retrait / resiliation
    date_signature: date
    motif: str

    @property
    def annee_effet(self) -> int:
        """First year the avenant changes (ajout/retrait) or the last year of the volet (resiliation)."""
        return self.date_signature.year if self.action == "resiliation" else self.date_signature.year + 1


class Perimetre:
    """Perimeter of the signed contracts, at signature and in force in a year."""

    def __init__(self, ref: Referentiel, registre: Registre, cibles: set[tuple[str, int, str]],
                 contrats: list[Contrat], avenants: list[Avenant] | None = None):
        self.ref = ref
        self.signes = {(c.finess_ej, c.volet): c for c in contrats if c.statut == "signe"}
        self.avenants = sorted(avenants or [], key=lambda a: (a.date_signature, a.finess_ej, a.volet,
                                                                a.finess_geo or "", a.indicateur or ""))
        self.signature: dict[tuple[str, str], set[Paire]] = {}
        ets_de: dict[tuple[int, str], list[str]] = {}  # (register year, EJ) -> its ETs
        for et in registre.ets:
            for annee, ej in et.ej_par_annee.items():
                ets_de.setdefault((annee, ej), []).append(et.finess_geo)
        cibles_de: dict[tuple[int, str], list[str]] = {}  # (year, ET) -> indicators targeted
        for f, a, code in cibles:
            cibles_de.setdefault((a, f), []).append(code)
        for (ej, volet), c in sorted(self.signes.items()):
            p = c.date_proposition.year
            self.signature[(ej, volet)] = {
                (f, code) for f in ets_de.get((p, ej), ()) for code in cibles_de.get((p, f), ())
                if ref.by_code[code].volet == volet
            }

    def avec(self, avenants: list[Avenant]) -> Perimetre:
        out = Perimetre.__new__(Perimetre)
        out.ref, out.signes, out.signature = self.ref, self.signes, self.signature
        out.avenants = sorted([*self.avenants, *avenants], key=lambda a: (
            a.date_signature, a.finess_ej, a.volet, a.finess_geo or "", a.indicateur or ""))
        return out

    def fin(self, ej: str, volet: str) -> date:
        """Last day of the volet: its end date, or 31 December of a résiliation's year."""
        fin = self.signes[(ej, volet)].date_fin
        for a in self.avenants:
            if a.action == "resiliation" and (a.finess_ej, a.volet) == (ej, volet):
                fin = min(fin, date(a.date_signature.year, 12, 31))
        return fin

    def en_vigueur(self, annee: int) -> dict[tuple[str, str], set[Paire]]:
        """(finess_ej, volet) -> ET × indicator pairs in force in ``annee`` (signed volets in force)."""
        out = {}
        for key, c in sorted(self.signes.items()):
            if not (c.date_effet <= date(annee, 12, 31) <= self.fin(*key)):
                continue
            paires = set(self.signature[key])
            for a in self.avenants:
                if (a.finess_ej, a.volet) != key or a.action == "resiliation" or a.annee_effet > annee:
                    continue
                if a.action == "ajout":
                    paires.add((a.finess_geo, a.indicateur))
                else:
                    paires.discard((a.finess_geo, a.indicateur))
            out[key] = paires
        return out


def _rd(rng: random.Random, start: date, end: date) -> date:
    return start + timedelta(days=rng.randrange((end - start).days + 1))


def _stable(registre: Registre, ej: str, depuis: int, jusqu_a: int) -> set[str]:
    """ETs attached to ``ej`` in every register year from ``depuis`` to ``jusqu_a``."""
    if getattr(registre, "_ets_par_ej", None) is None:  # index: EJ -> ETs attached to it some year
        index: dict[str, list] = {}
        for et in registre.ets:
            for e in set(et.ej_par_annee.values()):
                index.setdefault(e, []).append(et)
        registre._ets_par_ej = index
    return {et.finess_geo for et in registre._ets_par_ej.get(ej, ())
            if all(et.ej_par_annee.get(a) == ej for a in range(depuis, jusqu_a + 1))}


def avenants(rng: random.Random, size: str, ref: Referentiel, registre: Registre, mesures: Mesures,
             cibles: set[tuple[str, int, str]], perimetre: Perimetre, exclus: set[str],
             proteges: set[str]) -> list[Avenant]:
    """Avenants of each kind signed in the campaign's first two years, on EJs whose contract is
    in force from the start: a ``resiliation`` of a volet 2 (else of a volet 1; never an EJ of
    ``proteges``), then on volet 1 (never an EJ of ``exclus``, one avenant per EJ and year)
    an ``ajout`` of an ET × national indicator outside the perimeter, with values for the
    signature year and the next (so it is evaluated from 1 January after), and a ``retrait`` of
    a perimeter pair."""
    debut, fin = min(ref.annees_evaluation), max(ref.annees_evaluation)
    nombre = NB_AVENANTS[size]
    pris_resiliation: set[str] = set(proteges)
    out: list[Avenant] = []
    for annee in (debut, debut + 1):
        pris = set(exclus) | pris_resiliation  # one avenant per EJ and year
        courant = perimetre.avec(out)
        vigueur = courant.en_vigueur(annee)
        suivant = courant.en_vigueur(annee + 1)
        # résiliation: a volet 2 in force since before this year (else a volet 1)
        volets = sorted((ej, volet) for (ej, volet) in suivant
                        if ej not in pris_resiliation and perimetre.signes[(ej, volet)].date_effet.year <= annee)
        v2 = [k for k in volets if k[1] == "V2"]
        v1 = [k for k in volets if k[1] == "V1" and k[0] not in pris and (k[0], "V2") not in perimetre.signes]
        choix = (rng.sample(v2, min(nombre["resiliation"], len(v2)))
                 or rng.sample(v1, min(nombre["resiliation"], len(v1))))
        for ej, volet in sorted(choix):
            out.append(Avenant(
                ej, volet, None, None, "resiliation", _rd(rng, date(annee, 10, 1), date(annee, 12, 15)),
                f"Résiliation du volet {volet[1:]} d'un commun accord des signataires (art. 11 du contrat) : "
                f"fin du volet au 31/12/{annee}"))
            pris.add(ej)
            pris_resiliation.add(ej)

        depuis_debut = sorted(ej for (ej, volet), c in perimetre.signes.items()
                              if volet == "V1" and c.date_effet.year == debut and (ej, volet) in suivant)
        candidats = [ej for ej in depuis_debut if ej not in pris]
        rng.shuffle(candidats)

        n = 0
        for ej in list(candidats):
            if n == nombre["ajout"]:
                break
            dedans = suivant[(ej, "V1")]
            paires = sorted(
                (f, code) for f in _stable(registre, ej, annee, fin) for code in ref.codes("national")
                if ref.by_code[code].volet == "V1" and (f, code) not in dedans
                and (f, annee, code) in mesures.nationales and (f, annee + 1, code) in mesures.nationales
            )
            if not paires:
                continue
            ciblees = [p for p in paires if (p[0], annee, p[1]) in cibles]
            f, code = rng.choice(ciblees or paires)
            libelle = ref.by_code[code].libelle
            motif = (f"Site ciblé sur {annee - 1} pour « {libelle} » au ciblage annuel : ajout au périmètre "
                     f"du contrat" if ciblees else
                     f"Ajout de « {libelle} » pour ce site à la demande de l'établissement (art. 10 du contrat)")
            out.append(Avenant(ej, "V1", f, code, "ajout", _rd(rng, date(annee, 9, 1), date(annee, 12, 15)),
                               f"{motif}, effet au 01/01/{annee + 1}"))
            pris.add(ej)
            candidats.remove(ej)
            n += 1

        n = 0
        for ej in list(candidats):
            if n == nombre["retrait"]:
                break
            stables = _stable(registre, ej, annee, fin)
            paires = sorted(p for p in suivant[(ej, "V1")] & vigueur.get((ej, "V1"), set())
                            if p[0] in stables and ref.by_code[p[1]].type == "national")
            if len(suivant[(ej, "V1")]) < 2 or not paires:
                continue
            f, code = rng.choice(paires)
            out.append(Avenant(
                ej, "V1", f, code, "retrait", _rd(rng, date(annee, 9, 1), date(annee, 12, 15)),
                f"Activité à l'origine des prescriptions « {ref.by_code[code].libelle} » transférée hors "
                f"du site : retrait de l'indicateur (art. 10 du contrat), effet au 01/01/{annee + 1}"))
            pris.add(ej)
            candidats.remove(ej)
            n += 1

    return out
