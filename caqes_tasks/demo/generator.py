"""Demo-region generator: a complete landing folder that follows the data contract.

``generate_demo(landing, size="region" | "small", seed=2022)`` writes one folder per source
and ``sources.yml``; the same seed gives byte-identical files (one ``random.Random(seed)``, no
clock). "region" is sized like Nouvelle-Aquitaine (~300 ETs, ~200 EJs, 12 départements);
"small" (~12 EJs, ~20 ETs, 3 départements) still exercises every path of the campaign:
targeted and non-targeted ETs, signed / refused / pending contracts, full, partial and zero
attainment, values missing for year N (not evaluable), modulations, observations and
action-plan items.
"""

from __future__ import annotations

import random
from pathlib import Path

from caqes_tasks.demo import campaign
from caqes_tasks.demo.csv_files import ddmmyyyy, money, number, write_csv
from caqes_tasks.demo.finess_extract import write_extract
from caqes_tasks.demo.measures import ANNEES_DONNEES, Mesures, generate_mesures
from caqes_tasks.demo.register import ANNEES_REGISTRE, Registre, build_registre
from caqes_tasks.demo.targeting import ciblage
from caqes_tasks.referentiel import Referentiel, load_referentiel

SIZES = ("small", "region")
SOURCES = ("finess", "phev", "regional", "engagements", "contrats", "produits_am", "enveloppes",
           "modulations", "observations")
# what differs from the landing defaults (utf-8, ';'): observations come from a Windows tool
SOURCES_YML = """\
# Encoding and separator of each source where they differ from the defaults (utf-8, ';').
observations:
  encoding: cp1252
"""
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
    """Remove the year-N value of one national and one regional ET × indicator targeted in N
    (under an EJ that signs from the campaign start): both become not evaluable. Returns the
    EJs concerned, which must sign."""
    debut = min(ref.annees_evaluation)
    ej_de = {et.finess_geo: et.ej_par_annee for et in registre.ets}
    ej_v1_debut = {ej_de[f][a] for f, a, c in cibles if a == debut and ref.by_code[c].volet == "V1"}
    proteges: set[str] = set()
    for type_, annee in (("national", debut + 1), ("regional", max(ref.annees_evaluation))):
        valeurs = mesures.nationales if type_ == "national" else mesures.regionales
        candidats = sorted(
            (f, a, c) for f, a, c in cibles
            if a == annee and ref.by_code[c].type == type_ and ref.by_code[c].volet == "V1"
            and ej_de[f].get(annee) in ej_v1_debut and (f, a, c) in valeurs
        )
        if candidats:
            f, a, c = candidats[len(candidats) // 2]
            del valeurs[(f, a, c)]
            proteges.add(ej_de[f][a])
    return proteges


def _phev_rows(ref: Referentiel, mesures: Mesures, annee: int) -> list[list[str]]:
    rows = []
    for (f, a, code), v in sorted(mesures.nationales.items()):
        if a != annee:
            continue
        mesure = ref.by_code[code].mesure
        if mesure == "amount":
            num = den = ""
        elif mesure == "rate":
            num, den = number(v.numerateur), number(v.denominateur)
        else:
            num, den = number(v.numerateur, places=2, comma=True), number(v.denominateur, places=2, comma=True)
        rows.append([f, str(a), code, money(v.montant, comma=True), str(v.volume), num, den])
    return rows


def _regional_rows(mesures: Mesures, annee: int) -> list[list[str]]:
    return [
        [f, str(a), code, number(v.valeur, places=6), number(v.numerateur), number(v.denominateur)]
        for (f, a, code), v in sorted(mesures.regionales.items())
        if a == annee
    ]


def generate_demo(landing: Path, *, size: str = "region", seed: int = 2022, referentiel: Path | None = None) -> dict:
    """Write a demo landing folder; return the row counts per source and the files written."""
    if size not in SIZES:
        raise ValueError(f"size must be one of {SIZES}, not {size!r}")
    landing = Path(landing)
    ref = load_referentiel(referentiel)
    rng = random.Random(seed)

    registre = build_registre(rng, size)
    mesures = generate_mesures(rng, registre, ref, size)
    if size == "region":
        _lacunes_aleatoires(rng, mesures)
    proteges = _non_evaluables(ref, mesures, registre, _cibles(ref, mesures, registre))
    cibles = _cibles(ref, mesures, registre)
    proposes = campaign.volets_proposes(registre, ref, cibles)
    contrats = campaign.contrats(rng, size, ref, proposes, registre, proteges)
    signes = {(c.finess_ej, c.volet): c.date_effet for c in contrats if c.statut == "signe"}
    engagements = campaign.engagements(rng, registre, ref, cibles, signes)
    produits = campaign.produits_am(rng, registre, ref.annees_donnees)
    enveloppes = campaign.enveloppes(rng, size, ref)
    modulations = campaign.modulations(rng, size, ref, signes)
    observations = campaign.observations(rng, size, ref, contrats, produits)

    files: list[Path] = []
    counts = dict.fromkeys(SOURCES, 0)
    for source in SOURCES:
        (landing / source).mkdir(parents=True, exist_ok=True)

    for annee in ANNEES_REGISTRE:
        path, n = write_extract(landing / "finess", registre, annee)
        files.append(path)
        counts["finess"] += n

    for annee in ANNEES_DONNEES:
        rows = _phev_rows(ref, mesures, annee)
        files.append(write_csv(landing / "phev" / f"phev_{annee}.csv",
                               ["finess_geo", "annee", "indicateur", "montant_rembourse", "volume",
                                "numerateur", "denominateur"], rows))
        counts["phev"] += len(rows)
        rows = _regional_rows(mesures, annee)
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
        "contrats": (["finess_ej", "volet", "statut", "date_signature", "date_effet", "date_fin"], [
            [c.finess_ej, c.volet, c.statut, ddmmyyyy(c.date_signature), ddmmyyyy(c.date_effet), ddmmyyyy(c.date_fin)]
            for c in contrats]),
        "produits_am": (["finess_ej", "exercice", "produits_am"], [
            [ej, str(ex), money(cents)] for (ej, ex), cents in sorted(produits.items())]),
        "enveloppes": (["annee", "theme", "montant"], [
            [str(a), theme, money(cents)] for (a, theme), cents in sorted(enveloppes.items())]),
        "modulations": (["finess_ej", "annee", "coefficient", "motif"], [
            [m.finess_ej, str(m.annee), number(m.coefficient, places=2), m.motif] for m in modulations]),
    }
    for source, (header, rows) in simples.items():
        files.append(write_csv(landing / source / f"{source}.csv", header, rows))
        counts[source] = len(rows)

    rows = [[o.finess_ej, str(o.annee), ddmmyyyy(o.date_reception), o.suite, money(o.montant_retenu, comma=True),
             o.motif] for o in observations]
    files.append(write_csv(landing / "observations" / "observations.csv",
                           ["finess_ej", "annee", "date_reception", "suite", "montant_retenu", "motif"], rows,
                           encoding="cp1252", newline="\r\n"))
    counts["observations"] = len(rows)

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
        "entites_juridiques": len(registre.ejs),
    }
