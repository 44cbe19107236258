"""The demo FINESS register: legal entities (EJ), establishments (ET) and their history.

Everything is drawn from one ``random.Random``: the same seed gives the same register. The ET
→ EJ attachment is kept per register year, because a few establishments change EJ, open or
close during the campaign.
"""

from __future__ import annotations

import random
from dataclasses import dataclass, field
from datetime import date, timedelta

from caqes_demo import categories as cat
from caqes_demo import names
from caqes_demo.places import COMMUNES, DEPARTEMENTS, POIDS_DEPARTEMENT, Commune, communes_of
from caqes_demo.public_entities import ENTITES
from caqes_tasks.finess.numbers import luhn_key

ANNEES_REGISTRE = (2020, 2021, 2022, 2023, 2024)

SMALL_DEPARTEMENTS = ("33", "64", "87")


@dataclass(frozen=True)
class Plan:
    """How many private entities the register holds, per kind."""

    departements: tuple[str, ...]
    public_small_only: bool
    cliniques: int
    ssr: int
    had: int
    changements_ej: int  # ETs that move to another EJ during the campaign
    ouvertures: int
    fermetures: int
    poids: dict[str, int] = field(default_factory=lambda: POIDS_DEPARTEMENT)  # spread of the private EJs
    libelles: dict[str, str] = field(default_factory=lambda: DEPARTEMENTS)  # département labels


PLANS: dict[str, Plan] = {
    "region": Plan(tuple(DEPARTEMENTS), False, cliniques=60, ssr=60, had=14,
                   changements_ej=3, ouvertures=2, fermetures=2),
    "small": Plan(SMALL_DEPARTEMENTS, True, cliniques=3, ssr=2, had=1,
                  changements_ej=1, ouvertures=1, fermetures=1),
}


@dataclass
class EntiteJuridique:
    finess_ej: str
    raison_sociale: str
    kind: str
    departement: str
    public: bool


@dataclass
class Etablissement:
    finess_geo: str
    rs: str
    rslongue: str
    categorie: cat.Categorie
    kind: str  # chu, ch, chs, clcc, clinique, ssr, had, dialyse
    public: bool
    commune: Commune
    numvoie: str
    typvoie: str
    voie: str
    lieuditbp: str
    ligneacheminement: str
    telephone: str
    telecopie: str
    siret: str
    dateouv: date
    dateautor: date
    taille: float
    ej_par_annee: dict[int, str] = field(default_factory=dict)
    mises_a_jour: list[date] = field(default_factory=list)
    calme: bool = False  # low activity, good practice: targeted on nothing

    @property
    def annees(self) -> list[int]:
        return sorted(self.ej_par_annee)

    def datemaj(self, annee: int) -> date:
        limite = date(annee, 12, 31)
        return max(d for d in self.mises_a_jour if d <= limite)


@dataclass
class Registre:
    ejs: list[EntiteJuridique]
    ets: list[Etablissement]
    _par_numero: dict | None = field(default=None, repr=False, compare=False)
    _ets_par_ej: dict | None = field(default=None, repr=False, compare=False)

    def ets_de(self, annee: int) -> list[Etablissement]:
        return [e for e in self.ets if annee in e.ej_par_annee]

    def ej(self, finess_ej: str) -> EntiteJuridique:
        if getattr(self, "_par_numero", None) is None or len(self._par_numero) != len(self.ejs):
            self._par_numero = {e.finess_ej: e for e in self.ejs}
        return self._par_numero[finess_ej]


# First characters of the FINESS numbers where they are not the département code (overseas)
PREFIXES_FINESS = {"9A": "9701", "9B": "9702", "9C": "9703", "9D": "9704", "9F": "9805"}
# Phone prefix per territory (metropolitan numbers are 0 + zone digit; overseas 4 digits)
INDICATIFS = {"9A": "0590", "9B": "0596", "9C": "0594", "9D": "0262", "9F": "0269"}


class _Numeros:
    """Distinct FINESS numbers: département (overseas: 97/98 and the territory) + digits + Luhn
    key, 9 characters. Corsican numbers (2A/2B) get a key computed the same way on their
    characters: no public source confirms the key rule there (the checks accept them on format)."""

    def __init__(self, rng: random.Random):
        self.rng = rng
        self.used: set[str] = set()

    def finess(self, departement: str) -> str:
        while True:
            prefixe = PREFIXES_FINESS.get(departement, departement)
            k = 8 - len(prefixe)
            body = prefixe + f"{self.rng.randrange(1, 10**k):0{k}d}"
            numero = body + luhn_key(body)
            if numero not in self.used:
                self.used.add(numero)
                return numero

    def siren(self, public: bool, departement: str) -> str:
        chiffres = "20" if departement in ("2A", "2B") else "97" if departement[0] == "9" and not departement.isdigit() \
            else departement
        body = ("26" + chiffres + f"{self.rng.randrange(10**4):04d}") if public else (
            str(self.rng.randint(3, 8)) + f"{self.rng.randrange(10**7):07d}")
        return body + luhn_key(body)

    def siret(self, siren: str) -> str:
        body = siren + f"{self.rng.randrange(1, 10**4):04d}"
        return body + luhn_key(body)


def _rd(rng: random.Random, start: date, end: date) -> date:
    return start + timedelta(days=rng.randrange((end - start).days + 1))


def _telephone(rng: random.Random, indicatif: str = "05") -> str:
    return indicatif + f"{rng.randrange(10**8):08d}"[len(indicatif) - 2:]


def _longue(rs: str) -> str:
    for court, long in (("CHU ", "CENTRE HOSPITALIER UNIVERSITAIRE "), ("CH ", "CENTRE HOSPITALIER "),
                        ("HAD ", "HOSPITALISATION A DOMICILE "), ("GH ", "GROUPE HOSPITALIER "),
                        ("CHNDS ", "CENTRE HOSPITALIER NORD DEUX-SEVRES ")):
        if rs.startswith(court):
            return long + rs[len(court):]
    return rs


def _etablissement(rng: random.Random, nums: _Numeros, *, rs: str, categorie: cat.Categorie, kind: str,
                   public: bool, commune: Commune, taille: float, siren: str, grand: bool,
                   indicatif: str = "05") -> Etablissement:
    dateouv = _rd(rng, date(1955, 1, 1), date(2005, 12, 31)) if public else _rd(rng, date(1970, 1, 1), date(2015, 12, 31))
    dateautor = dateouv if rng.random() < 0.6 else _rd(rng, dateouv, date(2018, 12, 31))
    mises_a_jour = sorted({dateautor, *(_rd(rng, date(2012, 1, 1), date(2024, 11, 30)) for _ in range(3))})
    cedex = grand and rng.random() < 0.7
    acheminement = (f"{commune.code_postal[:3]}{rng.randrange(10, 100)} {commune.nom} CEDEX" if cedex
                    else f"{commune.code_postal} {commune.nom}")
    return Etablissement(
        finess_geo=nums.finess(commune.departement),
        rs=rs[:38].rstrip(),
        rslongue=_longue(rs),
        categorie=categorie,
        kind=kind,
        public=public,
        commune=commune,
        numvoie=str(rng.randint(1, 150)) if rng.random() < 0.85 else "",
        typvoie=rng.choice(names.TYPES_VOIE),
        voie=rng.choice(names.VOIES),
        lieuditbp=f"{'CS' if rng.random() < 0.5 else 'BP'} {rng.randrange(1, 99999):05d}" if cedex else "",
        ligneacheminement=acheminement,
        telephone=_telephone(rng, indicatif),
        telecopie=_telephone(rng, indicatif) if rng.random() < 0.7 else "",
        siret=nums.siret(siren),
        dateouv=dateouv,
        dateautor=dateautor,
        taille=taille,
        mises_a_jour=mises_a_jour,
    )


def _publics(rng: random.Random, nums: _Numeros, plan: Plan) -> tuple[list[EntiteJuridique], list[Etablissement]]:
    ejs, ets = [], []
    for entite in ENTITES:
        if plan.public_small_only and not entite.small:
            continue
        sites = [s for s in entite.sites if s.small or not plan.public_small_only]
        ej = EntiteJuridique(nums.finess(entite.departement), entite.rs, entite.kind, entite.departement, entite.public)
        siren = nums.siren(entite.public, entite.departement)
        ejs.append(ej)
        for i, site in enumerate(sites):
            kind = {"127": "had", "141": "dialyse"}.get(site.categorie.code, entite.kind)
            et = _etablissement(rng, nums, rs=site.rs, categorie=site.categorie, kind=kind, public=entite.public,
                                commune=COMMUNES[site.commune], taille=site.taille * rng.uniform(0.85, 1.15),
                                siren=siren, grand=i == 0 and entite.kind in ("chu", "ch", "chs", "clcc"))
            et.ej_par_annee = {a: ej.finess_ej for a in ANNEES_REGISTRE}
            ets.append(et)
    return ejs, ets


def _departements_prives(rng: random.Random, plan: Plan, n: int) -> list[str]:
    """n départements, each in proportion to its weight (largest remainder), in random order."""
    deps = list(plan.departements)
    if plan.public_small_only:
        return [deps[i % len(deps)] for i in range(n)]
    total = sum(plan.poids[d] for d in deps)
    exact = {d: n * plan.poids[d] / total for d in deps}
    parts = {d: int(x) for d, x in exact.items()}
    for d in sorted(deps, key=lambda d: exact[d] - parts[d], reverse=True)[: n - sum(parts.values())]:
        parts[d] += 1
    out = [d for d in deps for _ in range(parts[d])]
    rng.shuffle(out)
    return out


def _prives(rng: random.Random, nums: _Numeros, plan: Plan, kind: str, n: int, noms_pris: set[str],
            communes_of=communes_of, indicatif=lambda dep: "05") -> tuple[list[EntiteJuridique], list[Etablissement]]:
    ejs, ets = [], []
    for k, dep in enumerate(_departements_prives(rng, plan, n)):
        communes = communes_of(dep)
        commune = rng.choice(communes)
        if kind == "clinique":
            prefix, code = rng.choice(names.PREFIXES_CLINIQUE)
            nom = f"{prefix} {rng.choice(names.NOMS_CLINIQUE)}"
            if k == 0:
                nom = 'CLINIQUE "LES CEDRES"'  # quoted name: the extract doubles the quotes
            nb_sites = rng.choices((1, 2, 3), weights=(55, 30, 15))[0]
            taille = rng.uniform(0.3, 1.2)
        elif kind == "ssr":
            prefix, code = rng.choice(names.PREFIXES_SSR)
            nom = f"{prefix} {rng.choice(names.NOMS_CLINIQUE)}"
            nb_sites = rng.choices((1, 2, 3), weights=(60, 30, 10))[0]
            taille = rng.uniform(0.15, 0.5)
        else:
            code = "127"
            nom = f"HAD {rng.choice(names.NOMS_HAD)} {plan.libelles[dep]}"
            nb_sites = rng.choices((1, 2), weights=(70, 30))[0]
            taille = rng.uniform(0.3, 1.0)
        if plan.public_small_only and kind == "clinique" and k == 0:
            nb_sites = 2  # the small set needs a multi-site clinic (one site changes EJ)
        if nom in noms_pris:
            nom = f"{nom} {commune.nom}"
        noms_pris.add(nom)
        ej = EntiteJuridique(nums.finess(dep), f"SAS {nom}".replace('"', ""), kind, dep, False)
        siren = nums.siren(False, dep)
        ejs.append(ej)
        for i in range(nb_sites):
            site_commune = commune if i == 0 else rng.choice(communes)
            rs = nom if i == 0 else f"{nom} SITE {site_commune.nom}"
            et = _etablissement(rng, nums, rs=rs, categorie=cat.CATEGORIES[code], kind=kind, public=False,
                                commune=site_commune, taille=taille * (1 if i == 0 else rng.uniform(0.3, 0.7)),
                                siren=siren, grand=False, indicatif=indicatif(dep))
            et.ej_par_annee = {a: ej.finess_ej for a in ANNEES_REGISTRE}
            ets.append(et)
    return ejs, ets


def _evenements(rng: random.Random, plan: Plan, ejs: list[EntiteJuridique], ets: list[Etablissement]) -> None:
    """A few ETs change EJ, open or close during the campaign (per-year attachment)."""
    par_ej: dict[str, list[Etablissement]] = {}
    for et in ets:
        par_ej.setdefault(et.ej_par_annee[2020], []).append(et)
    secondaires = [et for lst in par_ej.values() for et in lst[1:]]
    # changes of EJ: a secondary clinic site is sold to another clinic EJ
    cliniques = [ej for ej in ejs if ej.kind == "clinique"]
    mobiles = [et for et in secondaires if et.kind == "clinique"]
    pris: set[str] = set()
    for i, et in enumerate(rng.sample(mobiles, min(plan.changements_ej, len(mobiles)))):
        depart = et.ej_par_annee[2020]
        arrivee = rng.choice([ej for ej in cliniques if ej.finess_ej != depart])
        annee = (2023, 2022, 2024)[i % 3]
        for a in ANNEES_REGISTRE:
            if a >= annee:
                et.ej_par_annee[a] = arrivee.finess_ej
        et.mises_a_jour.append(_rd(rng, date(annee, 1, 1), date(annee, 6, 30)))
        pris.add(et.finess_geo)
    reste = [et for et in secondaires if et.finess_geo not in pris and et.kind != "chu"]
    choisis = rng.sample(reste, min(plan.ouvertures + plan.fermetures, len(reste)))
    for i, et in enumerate(choisis[: plan.ouvertures]):
        annee = (2023, 2022)[i % 2]
        et.dateouv = et.dateautor = _rd(rng, date(annee, 1, 15), date(annee, 9, 30))
        et.mises_a_jour = [et.dateouv, *(d for d in et.mises_a_jour if d > et.dateouv)]
        et.ej_par_annee = {a: ej for a, ej in et.ej_par_annee.items() if a >= annee}
    for i, et in enumerate(choisis[plan.ouvertures:]):
        derniere = (2022, 2021)[i % 2]
        et.ej_par_annee = {a: ej for a, ej in et.ej_par_annee.items() if a <= derniere}
        et.mises_a_jour = [d for d in et.mises_a_jour if d.year <= derniere] or [et.dateautor]


def build_registre(rng: random.Random, size: str) -> Registre:
    if size == "france":
        from caqes_demo.france_register import build_registre_france

        return build_registre_france(rng)
    plan = PLANS[size]
    nums = _Numeros(rng)
    ejs, ets = _publics(rng, nums, plan)
    noms: set[str] = set()
    for kind, n in (("clinique", plan.cliniques), ("ssr", plan.ssr), ("had", plan.had)):
        e, t = _prives(rng, nums, plan, kind, n, noms)
        ejs += e
        ets += t
    _evenements(rng, plan, ejs, ets)
    if size == "small":
        # one low-activity establishment with good practice: targeted on nothing
        next(et for et in ets if et.kind == "ssr").calme = True
    return Registre(ejs, ets)
