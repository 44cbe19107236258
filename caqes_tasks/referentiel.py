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

REPO_ROOT = Path(__file__).resolve().parent.parent
DEFAULT_REFERENTIEL = REPO_ROOT / "referentiels" / "caqes-2022-2024.yml"

MESURES = {"amount", "rate", "share"}
SENS = {"lower_is_better", "higher_is_better"}
TYPES = {"national", "regional"}


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

    @cached_property
    def by_code(self) -> dict[str, Indicateur]:
        return {i.code: i for i in self.indicateurs}

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
    proc = data.get("procedure", {})
    return Referentiel(
        path=path,
        sha256=hashlib.sha256(content).hexdigest(),
        version=str(data["version"]),
        campagne=str(data["campagne"]),
        date_debut=data["date_debut"],
        date_fin=data["date_fin"],
        annees_evaluation=tuple(int(y) for y in data["annees_evaluation"]),
        decalage_reference=int(data.get("decalage_reference", 1)),
        delai_observations_jours=int(proc.get("delai_observations_jours", 30)),
        recours=str(proc.get("recours", "tribunal administratif")),
        delai_recours_mois=int(proc.get("delai_recours_mois", 2)),
        sanctions={k: bool(sanctions.get(k, True)) for k in ("refus", "non_atteinte", "capes", "surveillance")},
        non_atteinte_taux=_dec(sanctions.get("non_atteinte_taux", "0.01"), "sanctions"),
        part_nationale_defaut=defaut_part,
        redistribuer_non_consomme=bool(interet.get("redistribuer_non_consomme", False)),
        volets=tuple(data["volets"]),
        themes=tuple(data["themes"]),
        indicateurs=indicateurs,
    )
