"""The France-sized demo register: 18 regions, 101 départements (Corsica 2A/2B, overseas 9A..9F).

Nouvelle-Aquitaine keeps the public entities of the region demo (real names); the other regions
get generated public entities: CHU/CHR in the university cities (multi-site, the Paris one much
larger), a CH per préfecture with its HAD or dialysis sites, other CH, psychiatric CHS, one cancer
centre per mainland region and dialysis associations. Private clinics, rehabilitation (SSR) and
HAD entities are spread over every département in proportion to its population. Same
``random.Random`` as the other sizes: the same seed gives the same register.
"""

from __future__ import annotations

import random

from caqes_demo import categories as cat
from caqes_demo import france_places as fr
from caqes_demo.register import (ANNEES_REGISTRE, INDICATIFS, EntiteJuridique, Etablissement, Plan, Registre,
                                 _etablissement, _evenements, _Numeros, _prives, _publics)
from caqes_demo.places import DEPARTEMENTS as DEPARTEMENTS_NA

PLAN_FRANCE = Plan(tuple(fr.DEPARTEMENTS), False, cliniques=1000, ssr=900, had=200,
                   changements_ej=30, ouvertures=20, fermetures=20, poids=fr.POIDS, libelles=fr.LIBELLES)

# CHU / CHR outside Nouvelle-Aquitaine: département, name, number of sites
CHU: tuple[tuple[str, str, int], ...] = (
    ("75", "ASSISTANCE PUBLIQUE HOPITAUX DE PARIS", 24), ("69", "HOSPICES CIVILS DE LYON", 8),
    ("13", "ASSISTANCE PUBLIQUE HOPITAUX DE MARSEILLE", 4), ("59", "CHU DE LILLE", 5),
    ("31", "CHU DE TOULOUSE", 4), ("67", "HOPITAUX UNIVERSITAIRES DE STRASBOURG", 3),
    ("44", "CHU DE NANTES", 3), ("34", "CHU DE MONTPELLIER", 4), ("38", "CHU GRENOBLE ALPES", 3),
    ("42", "CHU DE SAINT-ETIENNE", 3), ("63", "CHU DE CLERMONT-FERRAND", 3), ("21", "CHU DIJON BOURGOGNE", 2),
    ("25", "CHU DE BESANCON", 2), ("35", "CHU DE RENNES", 3), ("37", "CHRU DE TOURS", 4),
    ("45", "CHU D'ORLEANS", 2), ("54", "CHRU DE NANCY", 3), ("57", "CHR METZ-THIONVILLE", 2),
    ("80", "CHU AMIENS-PICARDIE", 2), ("14", "CHU DE CAEN NORMANDIE", 2), ("76", "CHU DE ROUEN", 3),
    ("30", "CHU DE NIMES", 2), ("49", "CHU D'ANGERS", 2), ("06", "CHU DE NICE", 3),
    ("9A", "CHU DE LA GUADELOUPE", 2), ("9B", "CHU DE MARTINIQUE", 3), ("9C", "CHU DE GUYANE", 2),
    ("9D", "CHU DE LA REUNION", 3),
)
NOMS_SITES_CHU = (
    "HOPITAL CENTRAL", "HOPITAL NORD", "HOPITAL SUD", "HOPITAL DE LA MERE ET DE L'ENFANT", "HOPITAL PASTEUR",
    "HOPITAL SAINT-JACQUES", "HOPITAL DE LA CROIX-ROUSSE", "HOPITAL EDOUARD HERRIOT", "HOPITAL SAINT-ROCH",
    "HOPITAL PITIE-SALPETRIERE", "HOPITAL SAINT-LOUIS", "HOPITAL LARIBOISIERE", "HOPITAL NECKER",
    "HOPITAL COCHIN", "HOPITAL BICHAT", "HOPITAL ROBERT-DEBRE", "HOPITAL TENON", "HOPITAL SAINT-ANTOINE",
    "HOPITAL EUROPEEN GEORGES POMPIDOU", "HOPITAL BEAUJON", "HOPITAL BICETRE", "HOPITAL HENRI-MONDOR",
    "HOPITAL AVICENNE", "HOPITAL AMBROISE-PARE", "HOPITAL LOUIS-MOURIER", "HOPITAL JEAN-VERDIER",
    "HOPITAL PAUL-BROUSSE", "HOPITAL ANTOINE-BECLERE", "HOPITAL RAYMOND-POINCARE",
)
# AP-HP sites outside Paris: the département of the site (its FINESS number follows it)
SITES_HORS_PARIS = {"HOPITAL BEAUJON": "92", "HOPITAL BICETRE": "94", "HOPITAL HENRI-MONDOR": "94",
                    "HOPITAL AVICENNE": "93", "HOPITAL AMBROISE-PARE": "92", "HOPITAL LOUIS-MOURIER": "92",
                    "HOPITAL JEAN-VERDIER": "93", "HOPITAL PAUL-BROUSSE": "94", "HOPITAL ANTOINE-BECLERE": "92",
                    "HOPITAL RAYMOND-POINCARE": "92"}
LIEUX_CH = ("DU PAYS", "DES COTEAUX", "DE LA VALLEE", "DU PLATEAU", "DES MARCHES", "DU BOCAGE", "DU LITTORAL",
            "DE LA FORET", "DES DEUX RIVES", "DU HAUT PAYS", "DES COLLINES", "DU BASSIN", "DES LACS", "DE LA PLAINE")
NOMS_CHS = ("CH SAINTE-ANNE", "CH GEORGES DAUMEZON", "CH PHILIPPE PINEL", "CH ESQUIROL", "CH DU VINATIER",
            "CH SAINT-JEAN-DE-DIEU", "CH GUILLAUME REGNIER", "CH SPECIALISE DE LA SAVOIE", "CH HENRI EY",
            "CH DE BLAIN", "CH PAUL GUIRAUD", "CH SAINTE-MARIE", "CH DU ROUVRAY", "CH LE VALMONT")
# regions without a cancer centre in this demo (Nouvelle-Aquitaine has Bergonié among its entities)
SANS_CLCC = {"COR", "GUA", "MAR", "GUY", "REU", "MAY", "NAQ"}


def _indicatif(dep: str) -> str:
    if dep in INDICATIFS:
        return INDICATIFS[dep]
    region = fr.DEPARTEMENTS[dep].region
    return {"IDF": "01", "NOR": "02", "BRE": "02", "PDL": "02", "CVL": "02", "HDF": "03", "GES": "03",
            "BFC": "03", "ARA": "04", "PAC": "04", "COR": "04", "OCC": "04"}.get(region, "05")


class _Publics:
    def __init__(self, rng: random.Random, nums: _Numeros):
        self.rng, self.nums = rng, nums
        self.ejs: list[EntiteJuridique] = []
        self.ets: list[Etablissement] = []

    def entite(self, kind: str, dep: str, rs: str, sites: list[tuple[str, str, cat.Categorie, float]],
               public: bool = True) -> None:
        """One EJ and its sites: (site name, site département, category, size)."""
        rng, nums = self.rng, self.nums
        ej = EntiteJuridique(nums.finess(dep), rs, kind, dep, public)
        siren = nums.siren(public, dep)
        self.ejs.append(ej)
        for i, (nom, site_dep, categorie, taille) in enumerate(sites):
            site_kind = {"127": "had", "141": "dialyse"}.get(categorie.code, kind)
            et = _etablissement(rng, nums, rs=nom, categorie=categorie, kind=site_kind, public=public,
                                commune=rng.choice(fr.communes_of(site_dep)), taille=taille * rng.uniform(0.85, 1.15),
                                siren=siren, grand=i == 0 and kind in ("chu", "ch", "chs", "clcc"),
                                indicatif=_indicatif(site_dep))
            et.ej_par_annee = {a: ej.finess_ej for a in ANNEES_REGISTRE}
            self.ets.append(et)


def _publics_hors_na(rng: random.Random, nums: _Numeros) -> tuple[list[EntiteJuridique], list[Etablissement]]:
    out = _Publics(rng, nums)
    for dep, rs, n in CHU:
        noms = list(NOMS_SITES_CHU[9:9 + n]) if dep == "75" else rng.sample(NOMS_SITES_CHU[:9], min(n, 9))
        sites = []
        for k, nom in enumerate(noms):
            site_dep = SITES_HORS_PARIS.get(nom, dep) if dep == "75" else dep
            sites.append((f"{rs[:14]} {nom}" if dep != "75" else f"APHP {nom}", site_dep, cat.CHR,
                          (rng.uniform(4.0, 7.0) if k == 0 else rng.uniform(1.2, 3.5))))
        out.entite("chu", dep, rs, sites)
    noms_pris: set[str] = set()
    for dep, d in fr.DEPARTEMENTS.items():
        if dep in DEPARTEMENTS_NA:
            continue
        pref = d.prefecture
        # the CH of the préfecture (not where a CHU stands), with its HAD or dialysis site
        if not any(c[0] == dep for c in CHU) or dep == "9F":
            nom = f"CH DE {pref}" if dep != "9F" else "CENTRE HOSPITALIER DE MAYOTTE"
            sites = [(nom[:38], dep, cat.CH, rng.uniform(1.2, 2.2))]
            if rng.random() < 0.5:
                sites.append((f"HAD DU {nom}"[:38], dep, cat.HAD, rng.uniform(0.3, 0.6)))
            if rng.random() < 0.4:
                sites.append((f"{nom} UNITE DE DIALYSE"[:38], dep, cat.DIALYSE, rng.uniform(0.2, 0.4)))
            out.entite("ch", dep, nom, sites)
        for _ in range(max(1, round(d.poids * 0.8))):
            nom = f"CH {rng.choice(LIEUX_CH)} {d.libelle}"
            if nom in noms_pris:
                nom = f"CH INTERCOMMUNAL {rng.choice(LIEUX_CH)} {d.libelle}"
            noms_pris.add(nom)
            n = rng.choices((1, 2, 3), weights=(65, 27, 8))[0]
            sites = [(nom[:38] if k == 0 else f"{nom[:30]} SITE {k + 1}", dep, cat.CH,
                      rng.uniform(0.3, 1.2) * (1 if k == 0 else 0.4)) for k in range(n)]
            out.entite("ch", dep, nom, sites)
        for k in range(1 if d.poids < 8 else 2):
            nom = rng.choice(NOMS_CHS) + ("" if k == 0 else " 2") + f" {pref}"
            out.entite("chs", dep, nom, [(nom[:38], dep, cat.CHS, rng.uniform(0.5, 1.0))])
    for region in fr.REGIONS:
        deps = fr.departements_of(region)
        if region not in SANS_CLCC:
            dep = max(deps, key=lambda x: fr.POIDS[x])
            nom = f"INSTITUT DE CANCEROLOGIE {fr.DEPARTEMENTS[dep].prefecture}"
            out.entite("clcc", dep, nom, [(nom[:38], dep, cat.CLCC, rng.uniform(1.0, 2.0))], public=False)
        if region == "NAQ":
            continue
        for k in range(1 + len(deps) // 4):
            siege = deps[k % len(deps)]
            nom = f"ASSOCIATION DIALYSE {fr.REGIONS[region].upper()}" + ("" if k == 0 else f" {k + 1}")
            sites = [(f"UNITE DE DIALYSE {fr.DEPARTEMENTS[x].prefecture}"[:38], x, cat.DIALYSE,
                      rng.uniform(0.2, 0.5)) for x in rng.sample(deps * 3, min(len(deps) * 3, rng.randint(3, 7)))]
            out.entite("dialyse", siege, nom, sites, public=False)
    return out.ejs, out.ets


def build_registre_france(rng: random.Random) -> Registre:
    plan = PLAN_FRANCE
    nums = _Numeros(rng)
    ejs, ets = _publics(rng, nums, plan)  # Nouvelle-Aquitaine's public entities, real names
    e, t = _publics_hors_na(rng, nums)
    ejs += e
    ets += t
    noms: set[str] = set()
    for kind, n in (("clinique", plan.cliniques), ("ssr", plan.ssr), ("had", plan.had)):
        e, t = _prives(rng, nums, plan, kind, n, noms, communes_of=fr.communes_of, indicatif=_indicatif)
        ejs += e
        ets += t
    _evenements(rng, plan, ejs, ets)
    return Registre(ejs, ets)



def first_regions(registre: Registre, count: int) -> Registre:
    """The France register cut to its first ``count`` regions (Nouvelle-Aquitaine first, then
    the others in ``REGIONS`` order): the entities of those regions and the establishments
    attached only to them. For cost curves from one region to the whole country."""
    order = ["NAQ", *(r for r in fr.REGIONS if r != "NAQ")]
    if not 1 <= count <= len(order):
        raise ValueError(f"regions must be between 1 and {len(order)}, not {count}")
    kept = set(order[:count])
    ejs = [e for e in registre.ejs if fr.DEPARTEMENTS[e.departement].region in kept]
    numbers = {e.finess_ej for e in ejs}
    ets = [t for t in registre.ets if set(t.ej_par_annee.values()) <= numbers]
    return Registre(ejs, ets)
