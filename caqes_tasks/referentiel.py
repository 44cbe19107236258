"""The campaign référentiel: the versioned YAML that holds every ARS parameter of a campaign.

Legal invariants are not here (see ``caqes_tasks.outcomes.legal``); this module only reads,
checks and exposes the parameters, and turns them into the ``raw.ref_*`` tables dbt reads.
"""

from __future__ import annotations

import hashlib
from dataclasses import dataclass, field
from datetime import date
from decimal import Decimal
from functools import cached_property
from pathlib import Path

import yaml

from caqes_tasks.outcomes import legal
from caqes_tasks.outcomes.vocabulary import Formule

REPO_ROOT = Path(__file__).resolve().parent.parent
DEFAULT_REFERENTIEL = REPO_ROOT / "referentiels" / "caqes-2022-2024.yml"

#: amount: euros of spending; rate / share: a proportion in [0, 1]; ratio: a value in its own
#: unit (e.g. DDJ per 1,000 journées d'hospitalisation), >= 0, for regional indicators only
#: (docs/rules.md §3). Only ``amount`` counts as spending in a non-attainment impact (§7).
MESURES = {"amount", "rate", "share", "ratio"}
SENS = {"lower_is_better", "higher_is_better"}
TYPES = {"national", "regional"}
#: national intéressement formula (docs/rules.md §6): share x savings x attainment, or a threshold
FORMULES_NATIONALES = {f.value for f in Formule}
#: non-attainment sanction (docs/rules.md §7): limited by the impact on spending, or not
IMPACTS = {"depenses", "aucun"}
#: produits AM exercice used as the base P (docs/rules.md §2, §7)
EXERCICES_BASE = {"N": 0, "N-1": 1}
#: DSS: the national share is "de l'ordre de 20 % ou 30 %"; outside, accepted with a warning
PART_NATIONALE_USUELLE = (Decimal("0.20"), Decimal("0.30"))
#: what an article of the ``articles`` block can govern (docs/rules.md §7). A sanction line cites
#: the articles of its path (``Referentiel.reference_article``).
VOIES_ARTICLE = frozenset({
    "refus", "reduction_liste_en_sus_refus", "non_atteinte", "reduction_liste_en_sus_non_atteinte",
    "accord_prealable", "capes", "surveillance", "plafond_global", "observations", "avis_cpam",
    "recours", "interessement", "recours_interessement", "ciblage",
})
#: sanction paths (``sanctions`` switches) that need the article they apply when switched on
VOIES_SANCTION_ARTICLE = ("refus", "non_atteinte", "capes")


class ReferentielError(ValueError):
    """The référentiel file is inconsistent; the message names the entry."""


def _dec(value, where: str) -> Decimal | None:
    if value is None:
        return None
    try:
        return Decimal(str(value))
    except Exception as exc:  # noqa: BLE001 - reported with context
        raise ReferentielError(f"{where}: '{value}' is not a number") from exc


@dataclass(frozen=True)
class Indicateur:
    code: str
    libelle: str
    type: str
    volet: str
    theme: str
    mesure: str
    sens: str
    min_base: Decimal | None
    max_taux_evolution: Decimal | None
    seuil_valeur: Decimal | None
    regle_ciblage: str
    liste_ciblage: tuple[str, ...]
    objectif_taux_evolution: Decimal | None
    objectif_valeur: Decimal | None
    poids: Decimal
    part_nationale: Decimal | None
    source: str


@dataclass(frozen=True)
class Article:
    """The version of one legal text that applies to the campaign (docs/rules.md §7).

    ``version`` says which wording applies, as the text itself states it (its NOTA, the law that
    last modified it); ``en_vigueur_du`` / ``en_vigueur_au`` are None when the text does not say.
    ``voies``: what the article governs (``VOIES_ARTICLE``).
    """

    code: str
    texte: str
    version: str
    en_vigueur_du: date | None
    en_vigueur_au: date | None
    voies: tuple[str, ...]
    source: str = ""

    @property
    def reference(self) -> str:
        """How a sanction line and its notice cite it: the text and its version."""
        return f"{self.texte}, {self.version}"


@dataclass(frozen=True)
class Referentiel:
    path: Path
    sha256: str
    version: str
    campagne: str
    date_debut: date
    date_fin: date
    annees_evaluation: tuple[int, ...]
    decalage_reference: int
    delai_observations_jours: int
    recours: str
    delai_recours_mois: int
    sanctions: dict[str, bool]
    non_atteinte_taux: Decimal
    part_nationale_defaut: Decimal
    redistribuer_non_consomme: bool
    volets: tuple[dict, ...]
    themes: tuple[dict, ...]
    indicateurs: tuple[Indicateur, ...] = field(repr=False)
    formule_nationale: str = Formule.PROPORTIONNELLE
    seuil_atteinte_nationale: Decimal | None = None
    impact_non_atteinte: str = "depenses"
    exercice_base: str = "N"
    articles: tuple[Article, ...] = ()

    @cached_property
    def by_code(self) -> dict[str, Indicateur]:
        return {i.code: i for i in self.indicateurs}

    def exercice_produits_am(self, annee: int) -> int:
        """Exercice of the produits AM that is the base P for evaluation year ``annee``."""
        return annee - EXERCICES_BASE[self.exercice_base]

    def articles_pour(self, voie: str) -> list[Article]:
        """Articles that govern ``voie`` for this campaign, in the référentiel's order."""
        return [a for a in self.articles if voie in a.voies]

    def reference_article(self, *voies: str) -> str | None:
        """Citation of the articles governing the given paths (None when the référentiel has none)."""
        seen: list[Article] = []
        for voie in voies:
            for a in self.articles_pour(voie):
                if a not in seen:
                    seen.append(a)
        return "; ".join(a.reference for a in seen) or None

    def avertissements(self) -> list[str]:
        """Accepted but unusual parameters, for the run report (docs/rules.md §6, §7)."""
        out = []
        low, high = PART_NATIONALE_USUELLE
        for i in self.indicateurs:
            if i.type == "national" and i.part_nationale is not None and not low <= i.part_nationale <= high:
                out.append(
                    f"indicateur {i.code}: part nationale {i.part_nationale} hors de la fourchette usuelle "
                    f"{low}–{high} (« de l'ordre de 20 % ou 30 % des économies réalisées »): acceptée"
                )
        for a in self.articles:
            if a.en_vigueur_au is not None and a.en_vigueur_au < self.date_fin:
                out.append(f"article {a.code}: version en vigueur jusqu'au {a.en_vigueur_au}, avant la fin de la "
                           f"campagne ({self.date_fin})")
            if a.en_vigueur_du is not None and a.en_vigueur_du > self.date_debut:
                out.append(f"article {a.code}: version en vigueur à partir du {a.en_vigueur_du}, après le début "
                           f"de la campagne ({self.date_debut})")
        return out

    def codes(self, type_: str | None = None) -> list[str]:
        return [i.code for i in self.indicateurs if type_ is None or i.type == type_]

    @property
    def themes_regionaux(self) -> list[str]:
        return [t["code"] for t in self.themes if t["enveloppe_regionale"]]

    @property
    def annees_donnees(self) -> range:
        """Years of data the campaign reads: targeting looks two years back (data-contract)."""
        return range(min(self.annees_evaluation) - 2, max(self.annees_evaluation) + 1)

    def tables(self) -> dict[str, list[dict]]:
        """Rows of the raw.ref_* tables (one list of dicts per table)."""
        c = self.campagne
        return {
            "ref_campagne": [
                {
                    "campagne": c,
                    "version": self.version,
                    "sha256": self.sha256,
                    "date_debut": self.date_debut,
                    "date_fin": self.date_fin,
                    "decalage_reference": self.decalage_reference,
                    "annee_evaluation": y,
                }
                for y in self.annees_evaluation
            ],
            "ref_volet": [
                {"campagne": c, "volet": v["code"], "libelle": v["libelle"], "poids": Decimal(str(v["poids"]))}
                for v in self.volets
            ],
            "ref_theme": [
                {
                    "campagne": c,
                    "theme": t["code"],
                    "volet": t["volet"],
                    "libelle": t["libelle"],
                    "poids": Decimal(str(t["poids"])),
                    "enveloppe_regionale": bool(t["enveloppe_regionale"]),
                }
                for t in self.themes
            ],
            "ref_indicateur": [
                {
                    "campagne": c,
                    "indicateur": i.code,
                    "libelle": i.libelle,
                    "type_indicateur": i.type,
                    "volet": i.volet,
                    "theme": i.theme,
                    "mesure": i.mesure,
                    "sens": i.sens,
                    "regle_ciblage": i.regle_ciblage,
                    "min_base": i.min_base,
                    "max_taux_evolution": i.max_taux_evolution,
                    "seuil_valeur": i.seuil_valeur,
                    "objectif_taux_evolution": i.objectif_taux_evolution,
                    "objectif_valeur": i.objectif_valeur,
                    "poids": i.poids,
                    "part_nationale": i.part_nationale,
                    "source": i.source,
                }
                for i in self.indicateurs
            ],
            "ref_ciblage_liste": [
                {"campagne": c, "indicateur": i.code, "finess_geo": f}
                for i in self.indicateurs
                for f in i.liste_ciblage
            ],
        }


def _indicateur(raw: dict, volets: set[str], themes: dict[str, str], defaut_part: Decimal) -> Indicateur:
    code = raw.get("code")
    where = f"indicateur {code}"
    for key in ("code", "libelle", "type", "volet", "theme", "mesure", "sens"):
        if key not in raw:
            raise ReferentielError(f"{where}: missing '{key}'")
    if raw["type"] not in TYPES:
        raise ReferentielError(f"{where}: type must be one of {sorted(TYPES)}")
    if raw["mesure"] not in MESURES:
        raise ReferentielError(f"{where}: mesure must be one of {sorted(MESURES)}")
    if raw["mesure"] == "ratio" and raw["type"] != "regional":
        raise ReferentielError(f"{where}: mesure ratio is for regional indicators (national ones are spending)")
    if raw["sens"] not in SENS:
        raise ReferentielError(f"{where}: sens must be one of {sorted(SENS)}")
    if raw["volet"] not in volets:
        raise ReferentielError(f"{where}: unknown volet {raw['volet']}")
    if themes.get(raw["theme"]) != raw["volet"]:
        raise ReferentielError(f"{where}: theme {raw['theme']} is not a theme of volet {raw['volet']}")
    ciblage = raw.get("ciblage") or {}
    objectif = raw.get("objectif") or {}
    if ("taux_evolution" in objectif) == ("valeur" in objectif):
        raise ReferentielError(f"{where}: objectif needs exactly one of taux_evolution / valeur")
    poids = _dec(raw.get("poids", 1), where)
    if poids <= 0:
        raise ReferentielError(f"{where}: poids must be > 0")
    part = _dec(raw.get("part_nationale"), where)
    if raw["type"] == "national" and part is None:
        part = defaut_part
    if part is not None and not (Decimal(0) <= part <= Decimal(1)):
        raise ReferentielError(f"{where}: part_nationale must be in [0, 1]")
    return Indicateur(
        code=code,
        libelle=raw["libelle"],
        type=raw["type"],
        volet=raw["volet"],
        theme=raw["theme"],
        mesure=raw["mesure"],
        sens=raw["sens"],
        min_base=_dec(ciblage.get("min_base"), where),
        max_taux_evolution=_dec(ciblage.get("max_taux_evolution"), where),
        seuil_valeur=_dec(ciblage.get("seuil_valeur"), where),
        regle_ciblage=ciblage.get("regle", "seuil"),
        liste_ciblage=tuple(str(f) for f in ciblage.get("finess", [])),
        objectif_taux_evolution=_dec(objectif.get("taux_evolution"), where),
        objectif_valeur=_dec(objectif.get("valeur"), where),
        poids=poids,
        part_nationale=part,
        source=str(raw.get("source", "")),
    )


def _date(value, where: str) -> date | None:
    if value is None:
        return None
    if isinstance(value, date):
        return value
    try:
        return date.fromisoformat(str(value))
    except ValueError as exc:
        raise ReferentielError(f"{where}: '{value}' is not a date (YYYY-MM-DD)") from exc


def _articles(raw, sanctions: dict[str, bool]) -> tuple[Article, ...]:
    """The ``articles`` block: which version of each legal text applies (docs/rules.md §7)."""
    if raw is None:
        raw = []
    if not isinstance(raw, list):
        raise ReferentielError("articles: a list of articles is expected")
    out = []
    for entry in raw:
        code = entry.get("code") if isinstance(entry, dict) else None
        where = f"article {code}"
        for key in ("code", "texte", "version", "voies"):
            if not isinstance(entry, dict) or not entry.get(key):
                raise ReferentielError(f"{where}: missing '{key}'")
        voies = tuple(str(v) for v in entry["voies"])
        unknown = sorted(set(voies) - VOIES_ARTICLE)
        if unknown:
            raise ReferentielError(f"{where}: unknown voies {unknown} (known: {sorted(VOIES_ARTICLE)})")
        du, au = _date(entry.get("en_vigueur_du"), where), _date(entry.get("en_vigueur_au"), where)
        if du and au and au < du:
            raise ReferentielError(f"{where}: en_vigueur_au before en_vigueur_du")
        out.append(Article(str(code), str(entry["texte"]), str(entry["version"]), du, au, voies,
                           str(entry.get("source", ""))))
    codes = [a.code for a in out]
    if len(codes) != len(set(codes)):
        raise ReferentielError("articles: codes must be unique")
    for voie in VOIES_SANCTION_ARTICLE:
        if sanctions.get(voie) and not any(voie in a.voies for a in out):
            raise ReferentielError(
                f"articles: the sanction path '{voie}' is switched on but no article says which text applies"
            )
    return tuple(out)


def load_referentiel(path: Path | str | None = None) -> Referentiel:
    """Read and check a campaign référentiel; raise ReferentielError naming the faulty entry."""
    path = Path(path) if path else DEFAULT_REFERENTIEL
    content = path.read_bytes()
    data = yaml.safe_load(content)
    volets = {v["code"] for v in data["volets"]}
    themes = {t["code"]: t["volet"] for t in data["themes"]}
    for t in data["themes"]:
        if t["volet"] not in volets:
            raise ReferentielError(f"theme {t['code']}: unknown volet {t['volet']}")
    for entry in (*data["volets"], *data["themes"]):
        if _dec(entry.get("poids", 1), f"{entry['code']}") <= 0:
            raise ReferentielError(f"{entry['code']}: poids must be > 0")
    interet = data.get("interessement", {})
    defaut_part = _dec(interet.get("part_nationale_defaut", "0.30"), "interessement")
    indicateurs = tuple(_indicateur(i, volets, themes, defaut_part) for i in data["indicateurs"])
    codes = [i.code for i in indicateurs]
    if len(codes) != len(set(codes)):
        raise ReferentielError("indicator codes must be unique")
    sanctions = data.get("sanctions", {})
    switches = {k: bool(sanctions.get(k, True)) for k in ("refus", "non_atteinte", "capes", "surveillance")}
    impact = str(sanctions.get("impact", "depenses"))
    if impact not in IMPACTS:
        raise ReferentielError(f"sanctions.impact must be one of {sorted(IMPACTS)}, got '{impact}'")
    proc = data.get("procedure", {})
    national = data.get("national") or {}
    formule = str(national.get("formule", Formule.PROPORTIONNELLE))
    if formule not in FORMULES_NATIONALES:
        raise ReferentielError(f"national.formule must be one of {sorted(FORMULES_NATIONALES)}, got '{formule}'")
    seuil = _dec(national.get("seuil_atteinte"), "national.seuil_atteinte")
    if formule == Formule.SEUIL and seuil is None:
        raise ReferentielError("national.seuil_atteinte is required with national.formule: seuil")
    if seuil is not None and not Decimal(0) <= seuil <= Decimal(1):
        raise ReferentielError("national.seuil_atteinte must be an attainment in [0, 1]")
    exercice_base = data.get("exercice_base", "N")
    if not isinstance(exercice_base, str) or exercice_base.strip().upper() not in EXERCICES_BASE:
        raise ReferentielError(f"exercice_base must be one of {sorted(EXERCICES_BASE)} (quoted), got {exercice_base!r}")
    return Referentiel(
        path=path,
        sha256=hashlib.sha256(content).hexdigest(),
        version=str(data["version"]),
        campagne=str(data["campagne"]),
        date_debut=data["date_debut"],
        date_fin=data["date_fin"],
        annees_evaluation=tuple(int(y) for y in data["annees_evaluation"]),
        decalage_reference=int(data.get("decalage_reference", 1)),
        delai_observations_jours=int(proc.get("delai_observations_jours", legal.DELAI_OBSERVATIONS_JOURS)),
        recours=str(proc.get("recours", legal.JURIDICTION_RECOURS)),
        delai_recours_mois=int(proc.get("delai_recours_mois", legal.DELAI_RECOURS_MOIS)),
        sanctions=switches,
        non_atteinte_taux=_dec(sanctions.get("non_atteinte_taux", legal.PLAFOND_NON_ATTEINTE_VOLET), "sanctions"),
        part_nationale_defaut=defaut_part,
        redistribuer_non_consomme=bool(interet.get("redistribuer_non_consomme", False)),
        volets=tuple(data["volets"]),
        themes=tuple(data["themes"]),
        indicateurs=indicateurs,
        formule_nationale=formule,
        seuil_atteinte_nationale=seuil,
        impact_non_atteinte=impact,
        exercice_base=exercice_base.strip().upper(),
        articles=_articles(data.get("articles"), switches),
    )
