"""Demo generator: a complete landing folder that follows the data contract.

``generate_demo(landing, size="small" | "region" | "france", seed=2022)`` writes one folder per
source and ``sources.yml``; the same seed gives byte-identical files (one ``random.Random(seed)``,
no clock). "region" is sized like Nouvelle-Aquitaine (~300 ETs, ~200 EJs, 12 départements);
"france" like the whole country (18 regions, 101 départements with Corsica and overseas, ~4,500
ETs under ~2,900 EJs, no line-level PHEV unless asked: ``phev_lines=N``); "small" (~12 EJs, ~20
ETs, 3 départements) still exercises every path of the campaign:
targeted and non-targeted ETs; signed / refused / pending contracts, each dated by its
proposal (refused twice, refused then signed on a new proposal, refused once); a perimeter
fixed at signature and changed by avenants (ajout, retrait, résiliation); full, partial and
zero attainment, values missing for year N (not evaluable); line-level PHEV for the first
year's period, missing for a few ETs (prorated); modulations; action-plan items, some outside
the contract; and the procedure: receipts (missing, late), CPAM avis (each sens, some absent),
the DG ARS's decisions (each choice) and observations. Every size also writes the optional
FINESS legal-entity extracts (``finess_ej``) and the EJs' self-assessments (``autoevaluations``).
"""

from __future__ import annotations

import random
from pathlib import Path

from caqes_demo import campaign, finess_ej_extract
from caqes_demo.autoevaluations import autoevaluations
from caqes_demo.csv_files import ddmmyyyy, money, number, write_csv
from caqes_demo.finess_extract import write_extract
from caqes_demo.france_places import DEPARTEMENTS as DEPARTEMENTS_FRANCE
from caqes_demo.measures import ANNEES_DONNEES, Mesures, generate_mesures
from caqes_demo.perimetre import Perimetre, avenants as generate_avenants
from caqes_demo.phev_lines import write_lines_from_amounts, write_lines_volume
from caqes_demo.procedure import generate_procedure
from caqes_demo.register import ANNEES_REGISTRE, Registre, build_registre
from caqes_demo.targeting import ciblage
from caqes_tasks.referentiel import Referentiel, load_referentiel

SIZES = ("small", "region", "france")
SOURCES = ("finess", "phev", "phev_lines", "regional", "engagements", "contrats", "avenants", "produits_am",
           "enveloppes", "modulations", "notifications", "avis_cpam", "decisions_dg", "observations", "finess_ej",
           "autoevaluations")
# sources of the demo that the data contract marks optional: a landing without them is complete
OPTIONAL_SOURCES = ("phev_lines", "finess_ej", "autoevaluations")
ANNEES_LIGNES = (2021, 2022)  # phev_lines: the first year's period and the same dates a year earlier
ANNEES_LIGNES_VOLUME = (2021, 2022, 2023, 2024)  # --phev-lines N: every year from the first reference year on
PART_SANS_LIGNES = {"region": 0.15, "small": 0.10, "france": 0.15}  # ETs whose PHEV comes as yearly amounts only
# what differs from the landing defaults (utf-8, ';'): observations come from a Windows tool
SOURCES_YML = """\
# Encoding and separator of each source where they differ from the defaults (utf-8, ';').
observations:
  encoding: cp1252
"""
REGIONS_DES_DEPARTEMENTS = {code: d.region for code, d in DEPARTEMENTS_FRANCE.items()}
TAUX_LACUNES = 0.01  # region: share of values missing at random (years 2021-2024)


def _cibles(ref: Referentiel, mesures: Mesures, registre: Registre) -> set[tuple[str, int, str]]:
    out: set[tuple[str, int, str]] = set()
    for annee in ref.annees_evaluation:
        out |= ciblage(ref, mesures, [et.finess_geo for et in registre.ets_de(annee)], [annee])
    return out


def _lacunes_aleatoires(rng: random.Random, mesures: Mesures) -> None:
    for valeurs in (mesures.nationales, mesures.regionales):
        for key in sorted(valeurs):
            if key[1] > 2020 and rng.random() < TAUX_LACUNES:
                del valeurs[key]


def _non_evaluables(ref: Referentiel, mesures: Mesures, registre: Registre,
                    cibles: set[tuple[str, int, str]]) -> set[str]:
    """Remove a value of one national and one regional ET × indicator of volet 1 targeted for
    the campaign's first year (so in the perimeter of an EJ that signs then): the national one
    in the second year (not evaluable then and the year after), the regional one in the last
    year. Returns the EJs concerned, which must sign from the start."""
    debut, fin = min(ref.annees_evaluation), max(ref.annees_evaluation)
    stables = {et.finess_geo: et.ej_par_annee[debut] for et in registre.ets
               if debut in et.ej_par_annee and all(et.ej_par_annee.get(a) == et.ej_par_annee[debut]
                                                   for a in range(debut, fin + 1))}
    proteges: set[str] = set()
    for type_, annee in (("national", debut + 1), ("regional", fin)):
        valeurs = mesures.nationales if type_ == "national" else mesures.regionales
        candidats = sorted(
            (f, c) for f, a, c in cibles
            if a == debut and f in stables and ref.by_code[c].type == type_ and ref.by_code[c].volet == "V1"
            and (f, annee, c) in valeurs and (f, annee - 1, c) in valeurs
        )
        if candidats:
            f, c = candidats[len(candidats) // 2]
            del valeurs[(f, annee, c)]
            proteges.add(stables[f])
    return proteges


def _sans_lignes(rng: random.Random, size: str, mesures: Mesures, vigueur: dict) -> set[str]:
    """ETs whose PHEV comes as yearly amounts only (the first year is then prorated by days):
    a seeded share of the ETs, with at least one under contract in the campaign's first year."""
    ets = sorted({f for f, a, _ in mesures.nationales if a in ANNEES_LIGNES})
    n = max(1, round(len(ets) * PART_SANS_LIGNES[size]))
    choisis = set(rng.sample(ets, n))
    sous_contrat = sorted({f for paires in vigueur.values() for f, _ in paires} & set(ets))
    if sous_contrat and not choisis & set(sous_contrat):
        choisis.add(rng.choice(sous_contrat))
    if sous_contrat and set(sous_contrat) <= choisis:
        choisis.discard(sous_contrat[0])
    return choisis


def _par_annee(valeurs: dict) -> dict[int, list]:
    """The (key, value) items of a measure dict, sorted by key, per year (sorted once)."""
    out: dict[int, list] = {}
    for item in sorted(valeurs.items()):
        out.setdefault(item[0][1], []).append(item)
    return out


def _phev_rows(ref: Referentiel, items: list) -> list[list[str]]:
    rows = []
    for (f, a, code), v in items:
        mesure = ref.by_code[code].mesure
        if mesure == "amount":
            num = den = ""
        elif mesure == "rate":
            num, den = number(v.numerateur), number(v.denominateur)
        else:
            num, den = number(v.numerateur, places=2, comma=True), number(v.denominateur, places=2, comma=True)
        rows.append([f, str(a), code, money(v.montant, comma=True), str(v.volume), num, den])
    return rows


def _regional_rows(items: list) -> list[list[str]]:
    return [[f, str(a), code, number(v.valeur, places=6), number(v.numerateur), number(v.denominateur)]
            for (f, a, code), v in items]


def generate_demo(landing: Path, *, size: str = "region", seed: int = 2022, referentiel: Path | None = None,
                  phev_lines: int | None = None, regions: int | None = None) -> dict:
    """Write a demo landing folder; return the row counts per source and the files written.

    ``phev_lines``: None gives the size's default line-level PHEV (small and region: up to
    ``LIGNES_PAR_SERIE`` lines per ET × year × indicator for 2021–2022; france: none); a number
    N > 0 writes about N lines instead, over 2021–2024, one Parquet file per month, adding up
    exactly to the yearly PHEV amounts (``write_lines_volume``); 0 writes none.
    ``regions`` (france only): keep the first k of the 18 regions (cost curves).
    """
    if size not in SIZES:
        raise ValueError(f"size must be one of {SIZES}, not {size!r}")
    if phev_lines is not None and phev_lines < 0:
        raise ValueError(f"phev_lines must be >= 0, not {phev_lines}")
    landing = Path(landing)
    ref = load_referentiel(referentiel)
    rng = random.Random(seed)

    registre = build_registre(rng, size)
    if regions is not None:
        if size != "france":
            raise ValueError("regions applies to the france size only")
        from caqes_demo.france_register import first_regions

        registre = first_regions(registre, regions)
    mesures = generate_mesures(rng, registre, ref, size)
    if size != "small":
        _lacunes_aleatoires(rng, mesures)
    proteges = _non_evaluables(ref, mesures, registre, _cibles(ref, mesures, registre))
    cibles = _cibles(ref, mesures, registre)
    proposes = campaign.volets_proposes(registre, ref, cibles)
    contrats = campaign.contrats(rng, size, ref, proposes, registre, proteges,
                                 campaign.volets_cibles(registre, ref, cibles))
    perimetre = Perimetre(ref, registre, cibles, contrats)
    refusants = {c.finess_ej for c in contrats if c.statut != "signe"}
    avenants = generate_avenants(rng, size, ref, registre, mesures, cibles, perimetre, proteges | refusants,
                                 proteges)
    perimetre = perimetre.avec(avenants)
    vigueur = {annee: perimetre.en_vigueur(annee) for annee in ref.annees_evaluation}
    engagements = campaign.engagements(rng, size, ref, registre, vigueur)
    produits = campaign.produits_am(rng, registre, ref.annees_donnees)
    enveloppes = campaign.enveloppes(rng, size, ref)
    modulations = campaign.modulations(rng, size, ref, vigueur)
    procedure = generate_procedure(rng, size, ref, mesures, contrats, vigueur, produits)
    sans_lignes = _sans_lignes(rng, size, mesures, vigueur[min(ref.annees_evaluation)])

    files: list[Path] = []
    counts = dict.fromkeys(SOURCES, 0)
    for source in SOURCES:
        if source != "phev_lines":
            (landing / source).mkdir(parents=True, exist_ok=True)

    if phev_lines is None and size != "france":  # the default lines: a first year's period, exact
        series = {(f, a, code): (v.montant, v.volume) for (f, a, code), v in sorted(mesures.nationales.items())
                  if a in ANNEES_LIGNES and f not in sans_lignes}
        paths, counts["phev_lines"] = write_lines_from_amounts(landing / "phev_lines", series, seed=seed)
        files += paths
    elif phev_lines:  # a volume of lines, over every year of data from the first year's reference on
        series = {(f, a, code): (v.montant, v.volume) for (f, a, code), v in sorted(mesures.nationales.items())
                  if a in ANNEES_LIGNES_VOLUME and f not in sans_lignes}
        paths, counts["phev_lines"] = write_lines_volume(landing / "phev_lines", series, phev_lines, seed=seed)
        files += paths

    for annee in ANNEES_REGISTRE:
        path, n = write_extract(landing / "finess", registre, annee)
        files.append(path)
        counts["finess"] += n

    nationales, regionales = _par_annee(mesures.nationales), _par_annee(mesures.regionales)
    for annee in ANNEES_DONNEES:
        rows = _phev_rows(ref, nationales.get(annee, []))
        files.append(write_csv(landing / "phev" / f"phev_{annee}.csv",
                               ["finess_geo", "annee", "indicateur", "montant_rembourse", "volume",
                                "numerateur", "denominateur"], rows))
        counts["phev"] += len(rows)
        rows = _regional_rows(regionales.get(annee, []))
        files.append(write_csv(landing / "regional" / f"regional_{annee}.csv",
                               ["finess_geo", "annee", "indicateur", "valeur", "numerateur", "denominateur"], rows))
        counts["regional"] += len(rows)

    for annee in ref.annees_evaluation:
        rows = [[e.finess_geo, str(e.annee), e.theme, e.engagement_id, e.libelle, "oui" if e.realise else "non"]
                for e in engagements if e.annee == annee]
        files.append(write_csv(landing / "engagements" / f"engagements_{annee}.csv",
                               ["finess_geo", "annee", "theme", "engagement_id", "libelle", "realise"], rows))
        counts["engagements"] += len(rows)

    simples = {
        "contrats": (["finess_ej", "volet", "statut", "date_proposition", "date_signature", "date_effet",
                      "date_fin"], [
            [c.finess_ej, c.volet, c.statut, ddmmyyyy(c.date_proposition), ddmmyyyy(c.date_signature),
             ddmmyyyy(c.date_effet), ddmmyyyy(c.date_fin)]
            for c in sorted(contrats, key=lambda c: (c.finess_ej, c.volet, c.date_proposition))]),
        "avenants": (["finess_ej", "volet", "finess_geo", "indicateur", "action", "date_signature", "motif"], [
            [a.finess_ej, a.volet, a.finess_geo or "", a.indicateur or "", a.action, ddmmyyyy(a.date_signature),
             a.motif] for a in sorted(avenants, key=lambda a: (a.date_signature, a.finess_ej, a.volet))]),
        "produits_am": (["finess_ej", "exercice", "produits_am"], [
            [ej, str(ex), money(cents)] for (ej, ex), cents in sorted(produits.items())]),
        "enveloppes": (["annee", "theme", "montant"], [
            [str(a), theme, money(cents)] for (a, theme), cents in sorted(enveloppes.items())]),
        "modulations": (["finess_ej", "annee", "coefficient", "motif"], [
            [m.finess_ej, str(m.annee), number(m.coefficient, places=2), m.motif] for m in modulations]),
        # receipts as exported by the postal tracking service: ISO dates
        "notifications": (["finess_ej", "annee", "document", "date_envoi", "date_reception"], [
            [n.finess_ej, str(n.annee), n.document, n.date_envoi.isoformat(),
             "" if n.date_reception is None else n.date_reception.isoformat()] for n in procedure.notifications]),
        "avis_cpam": (["finess_ej", "annee", "date_avis", "sens", "commentaire"], [
            [a.finess_ej, str(a.annee), ddmmyyyy(a.date_avis), a.sens, a.commentaire] for a in procedure.avis]),
        "decisions_dg": (["finess_ej", "annee", "objet", "choix", "montant_base", "motif"], [
            [d.finess_ej, str(d.annee), d.objet, d.choix, money(d.montant_base, comma=True), d.motif]
            for d in procedure.decisions]),
    }
    for source, (header, rows) in simples.items():
        files.append(write_csv(landing / source / f"{source}.csv", header, rows))
        counts[source] = len(rows)

    rows = [[o.finess_ej, str(o.annee), ddmmyyyy(o.date_reception), o.suite, money(o.montant_retenu, comma=True),
             o.motif] for o in procedure.observations]
    files.append(write_csv(landing / "observations" / "observations.csv",
                           ["finess_ej", "annee", "date_reception", "suite", "montant_retenu", "motif"], rows,
                           encoding="cp1252", newline="\r\n"))
    counts["observations"] = len(rows)

    for annee in ANNEES_REGISTRE:
        path, n = finess_ej_extract.write_extract(landing / "finess_ej", registre, annee)
        files.append(path)
        counts["finess_ej"] += n

    for annee, rows in autoevaluations(seed, ref, vigueur).items():
        files.append(write_csv(landing / "autoevaluations" / f"autoevaluations_{annee}.csv",
                               ["finess_ej", "annee", "theme", "realisation", "commentaire"], rows))
        counts["autoevaluations"] += len(rows)

    sources_yml = landing / "sources.yml"
    sources_yml.write_bytes(SOURCES_YML.encode("utf-8"))
    files.append(sources_yml)

    return {
        "landing": str(landing),
        "size": size,
        "seed": seed,
        "counts": counts,
        "files": [str(p) for p in files],
        "etablissements": len(registre.ets),
        "departements": len({et.commune.departement for et in registre.ets}),
        "regions": len({REGIONS_DES_DEPARTEMENTS[et.commune.departement] for et in registre.ets}),
        "entites_juridiques": len(registre.ejs),
    }
