"""Writes ``expectations/<source>.json``, the versioned Great Expectations suites.

The JSON files are the reference (reviewed and versioned with the code); this module only
regenerates them after a deliberate change: ``python -m caqes_tasks.quality.suite_builder``.
Each expectation carries ``meta.regle`` (the rule in plain words for the ARS reader) and
``meta.colonnes`` (the columns shown for a failing row). Values known only at run time (campaign
years, indicator codes of the référentiel) are suite parameters (``{"$PARAMETER": ...}``).
"""

from __future__ import annotations

import json
from pathlib import Path

from caqes_tasks.ingest.columns import COLUMNS
from caqes_tasks.warehouse.schema import SOURCE_KEYS as KEYS

EXPECTATIONS_DIR = Path(__file__).resolve().parents[2] / "expectations"
FORMULA_REGEX = r"^\s*[=+\-@]"
OBJET_REGEX = r"^(?:refus|sanction|non_atteinte:V[0-9]+)$"
ACTIONS_AVENANT = ("ajout", "retrait", "resiliation")
DOCUMENTS = ("notification_prealable", "decision", "interessement")
SENS_AVIS = ("favorable", "defavorable", "reserve")
REALISATIONS = ("realise", "partiel", "non_realise")
CHOIX_DG = ("reduction_liste_en_sus", "accord_prealable", "reduction", "renonciation")
KIND_RULE = {
    "int": "un nombre entier (sans décimale)",
    "dec2": "un montant en euros avec au plus 2 décimales (virgule ou point décimal)",
    "dec6": "un nombre décimal avec au plus 6 décimales (virgule ou point décimal)",
    "date": "une date au format AAAA-MM-JJ ou JJ/MM/AAAA",
}


def _e(type_: str, regle: str, colonnes: list[str] | None = None, **kwargs) -> dict:
    return {"type": type_, "kwargs": kwargs, "meta": {"regle": regle, "colonnes": colonnes or []}}


def _flag(column: str, regle: str, colonnes: list[str]) -> dict:
    return _e("expect_column_values_to_be_in_set", regle, colonnes, column=column, value_set=[True])


def _param(name: str) -> dict:
    return {"$PARAMETER": name}


def _finess_key(col: str) -> dict:
    return _flag(
        f"{col}__cle_ok",
        f"« {col} » doit être un numéro FINESS de 9 caractères [0-9][0-9AB][0-9]{{7}} dont le "
        "9e est la clé de contrôle (Luhn sur les neuf chiffres). Les numéros corses (2A/2B) sont "
        "acceptés sur leur seul format (règle de clé non confirmée). Un numéro de 8 chiffres a "
        "souvent perdu son zéro initial dans Excel.",
        [col],
    )


HEADER_RULE = (
    "Le fichier doit pouvoir être lu comme un fichier de cette source : déposé dans le bon dossier, au séparateur "
    "et dans l'encodage déclarés, son en-tête en ligne 1 (pour un extrait FINESS : sa première ligne « finess;"
    "etalab;… », tel que publié). La cause trouvée est le seul défaut signalé : les autres en découlent."
)


def _structure(source: str) -> list[dict]:
    header = _flag("_entete_ok", HEADER_RULE, ["_entete__brut"])
    header["meta"]["cause_premiere"] = True  # when it fails, only it is reported (caqes_tasks.quality.validation)
    out = [
        _e("expect_table_row_count_to_be_between", "Le fichier doit contenir au moins une ligne de données.", min_value=1),
        header,
        _flag("_encodage_ok", "Chaque ligne doit être lisible dans l'encodage du fichier : UTF-8 (avec ou sans BOM), "
              "ou Windows-1252 s'il est déclaré dans landing/sources.yml.", ["_encodage__brut"]),
        _flag("_champs_ok", "Chaque ligne doit avoir exactement le nombre de champs attendu (ligne tronquée, "
              "séparateur erroné ou champ en trop).", ["_champs__brut"]),
        _flag("_ligne_ok", "Chaque ligne doit être une ligne CSV lisible : terminée par LF ou CRLF (pas par un CR "
              "seul, format Mac OS classique), d'au plus 65 536 caractères, aux guillemets appariés.",
              ["_ligne__brut"]),
    ]
    return out


def _delimited(source: str) -> list[dict]:
    cols = COLUMNS[source]
    out = _structure(source)
    for c in cols:
        if c.may_be_absent:
            continue  # the reader adds it empty when the header lacks it
        out.append(_e("expect_column_to_exist", f"La colonne « {c.name} » doit figurer dans l'en-tête (ligne 1).", column=c.name))
    for c in cols:
        if c.kind in KIND_RULE:
            out.append(_flag(f"{c.name}__type_ok", f"« {c.name} » doit être {KIND_RULE[c.kind]}.", [f"{c.name}__brut"]))
    for c in cols:
        if c.required:
            out.append(_e("expect_column_values_to_not_be_null", f"« {c.name} » est obligatoire sur chaque ligne.", [c.name], column=c.name))
    for c in cols:
        if c.kind == "finess":
            out.append(_finess_key(c.name))
    for c in cols:
        if c.kind in ("text", "code"):
            out.append(_e("expect_column_values_to_not_match_regex",
                          f"« {c.name} » ne doit pas commencer par =, +, - ou @ (formule Excel : risque d'injection).",
                          [c.name], column=c.name, regex=FORMULA_REGEX))
    key = list(KEYS[source])
    out.append(_e("expect_compound_columns_to_be_unique",
                  f"Pas de doublon : une seule ligne par ({', '.join(key)}).", key, column_list=key))
    return out


def _years(col: str, lo: str, hi: str, what: str) -> dict:
    return _e("expect_column_values_to_be_between", f"« {col} » doit être une année {what}.", [col],
              column=col, min_value=_param(lo), max_value=_param(hi))


def _ge0(col: str, strict: bool = False) -> dict:
    regle = f"« {col} » doit être strictement positif." if strict else f"« {col} » doit être positif ou nul."
    kw = {"strict_min": True} if strict else {}
    return _e("expect_column_values_to_be_between", regle, [col], column=col, min_value=0, **kw)


def _in_set(col: str, values, what: str) -> dict:
    return _e("expect_column_values_to_be_in_set", f"« {col} » doit être {what}.", [col], column=col, value_set=values)


ET_KNOWN = _flag("_et_connu", "Chaque établissement (finess_geo) doit figurer au répertoire FINESS de l'année "
                 "(extrait chargé le plus proche de l'année de la ligne) et y être rattaché à une entité juridique.",
                 ["finess_geo", "annee", "_registre"])
EJ_KNOWN = _flag("_ej_connu", "Chaque entité juridique (finess_ej) doit figurer au répertoire FINESS chargé.", ["finess_ej"])
NUM_LE_DEN = _flag("_num_le_den", "Pour un taux ou une part, le numérateur doit être inférieur ou égal au dénominateur.",
                   ["indicateur", "numerateur", "denominateur"])
DATA_YEARS = ("annee_min", "annee_max", "comprise dans les années de données de la campagne")
EVAL_YEARS = ("annee_evaluation_min", "annee_evaluation_max", "d'évaluation de la campagne")


def specific(source: str) -> list[dict]:
    if source == "phev":
        return [
            _years("annee", *DATA_YEARS), ET_KNOWN,
            _in_set("indicateur", _param("indicateurs_nationaux"), "un indicateur national du référentiel (NAT_1 à NAT_6)"),
            _ge0("montant_rembourse"), _ge0("volume"), _ge0("numerateur"), _ge0("denominateur"),
            NUM_LE_DEN,
        ]
    if source == "regional":
        return [
            _years("annee", *DATA_YEARS), ET_KNOWN,
            _in_set("indicateur", _param("indicateurs_regionaux"), "un indicateur régional du référentiel"),
            _ge0("valeur"),
            _flag("_valeur_dans_plage", "« valeur » suit la mesure de l'indicateur au référentiel : un taux ou une part "
                  "(rate, share) doit être compris entre 0 et 1 ; un montant ou une autre mesure est positif ou nul "
                  "dans son unité (par exemple ATB en DDJ pour 1 000 journées d'hospitalisation).",
                  ["indicateur", "valeur", "_mesure"]),
            _ge0("numerateur"), _ge0("denominateur"),
            NUM_LE_DEN,
        ]
    if source == "engagements":
        return [
            _years("annee", *DATA_YEARS), ET_KNOWN,
            _in_set("theme", _param("themes"), "un thème du référentiel"),
            _in_set("realise", ["oui", "non"], "« oui » ou « non »"),
        ]
    if source == "contrats":
        return [
            EJ_KNOWN,
            _in_set("volet", _param("volets"), "un volet du référentiel"),
            _in_set("statut", ["signe", "refus", "en_cours"], "signe, refus ou en_cours"),
            _flag("_dates_ordonnees", "La date d'effet doit précéder ou égaler la date de fin du contrat.", ["date_effet", "date_fin"]),
            _flag("_dates_dans_campagne", "Les dates du contrat (proposition, signature, effet, fin) doivent être "
                  "comprises entre le 1er janvier de l'année précédant le début de la campagne et la fin de la "
                  "campagne.", ["date_proposition", "date_signature", "date_effet", "date_fin"]),
            _flag("_sans_conflit", "Une même proposition (finess_ej, volet, date_proposition) ne peut figurer avec "
                  "des valeurs différentes dans deux fichiers : les deux fichiers sont refusés. Corriger en "
                  "redéposant le fichier fautif sous son propre nom, ou retirer l'un des deux.",
                  ["finess_ej", "volet", "date_proposition", "statut", "_conflit"]),
        ]
    if source == "avenants":
        return [
            EJ_KNOWN,
            _in_set("volet", _param("volets"), "un volet du référentiel"),
            _in_set("action", list(ACTIONS_AVENANT), "ajout, retrait ou resiliation"),
            _flag("_avenant_cible", "Un avenant d'ajout ou de retrait désigne l'établissement (finess_geo) et "
                  "l'indicateur qu'il ajoute au périmètre contractualisé ou en retire.",
                  ["action", "finess_geo", "indicateur"]),
            _flag("_resiliation_sans_cible", "Un avenant de résiliation porte sur le volet entier : « finess_geo » et "
                  "« indicateur » doivent être vides.", ["action", "finess_geo", "indicateur"]),
            _flag("_et_de_l_ej", "L'établissement (finess_geo) doit figurer au répertoire FINESS de l'année de "
                  "signature (extrait chargé le plus proche) et y être rattaché à l'entité juridique de l'avenant.",
                  ["finess_ej", "finess_geo", "date_signature", "_registre"]),
            _flag("_indicateur_du_volet", "« indicateur » doit être un indicateur du référentiel appartenant au volet "
                  "de l'avenant.", ["volet", "indicateur"]),
            _flag("_signature_dans_campagne", "La date de signature de l'avenant doit être comprise entre le début et "
                  "la fin de la campagne.", ["date_signature"]),
        ]
    if source == "notifications":
        return [
            _years("annee", *EVAL_YEARS), EJ_KNOWN,
            _in_set("document", list(DOCUMENTS), "notification_prealable, decision ou interessement"),
            _flag("_reception_apres_envoi", "La date de réception ne peut pas précéder la date d'envoi.",
                  ["date_envoi", "date_reception"]),
        ]
    if source == "avis_cpam":
        return [
            _years("annee", *EVAL_YEARS), EJ_KNOWN,
            _in_set("sens", list(SENS_AVIS), "favorable, defavorable ou reserve"),
        ]
    if source == "autoevaluations":
        return [
            _years("annee", *EVAL_YEARS), EJ_KNOWN,
            _in_set("theme", _param("themes"), "un thème du référentiel"),
            _in_set("realisation", list(REALISATIONS), "realise, partiel ou non_realise"),
        ]
    if source == "decisions_dg":
        return [
            _years("annee", *EVAL_YEARS), EJ_KNOWN,
            _e("expect_column_values_to_match_regex", "« objet » doit être refus, sanction ou non_atteinte:<volet> "
               "(par exemple non_atteinte:V1).", ["objet"], column="objet", regex=OBJET_REGEX),
            _flag("_objet_volet_connu", "Le volet de « non_atteinte:<volet> » doit être un volet du référentiel.", ["objet"]),
            _in_set("choix", list(CHOIX_DG), "reduction_liste_en_sus, accord_prealable, reduction ou renonciation"),
            _flag("_choix_compatible", "reduction_liste_en_sus ne s'applique qu'à un refus ou à la non-atteinte du volet "
                  "produits de santé (non_atteinte:V1) ; accord_prealable (mise sous accord préalable) qu'à une "
                  "non-atteinte (non_atteinte:<volet>).", ["objet", "choix"]),
            _flag("_montant_base_requis", "« montant_base » est obligatoire pour reduction_liste_en_sus (part Assurance "
                  "Maladie des produits de la liste en sus) et pour reduction (montant retenu par le DG ARS).",
                  ["choix", "montant_base"]),
            _flag("_montant_base_positif", "Pour reduction_liste_en_sus, « montant_base » (part Assurance Maladie des "
                  "produits de la liste en sus) doit être strictement positif.", ["choix", "montant_base"]),
            _flag("_montant_base_vide", "Pour accord_prealable et renonciation, « montant_base » doit être vide.",
                  ["choix", "montant_base"]),
            _ge0("montant_base"),
        ]
    if source == "produits_am":
        return [_years("exercice", *DATA_YEARS), EJ_KNOWN, _ge0("produits_am")]
    if source == "enveloppes":
        return [
            _years("annee", *EVAL_YEARS),
            _in_set("theme", _param("themes_regionaux"), "un thème régional du référentiel (enveloppe FIR)"),
            _ge0("montant", strict=True),
        ]
    if source == "modulations":
        return [
            _years("annee", *EVAL_YEARS), EJ_KNOWN,
            _e("expect_column_values_to_be_between", "Le coefficient de modulation doit être compris entre 0 et 1.",
               ["coefficient"], column="coefficient", min_value=0, max_value=1),
        ]
    if source == "observations":
        return [
            _years("annee", *EVAL_YEARS), EJ_KNOWN,
            _in_set("suite", ["maintenue", "reduite", "abandonnee"], "maintenue, reduite ou abandonnee"),
            _ge0("montant_retenu"),
        ]
    raise KeyError(source)


def finess_suite() -> list[dict]:
    out = _structure("finess")
    out.append(_flag("extract_date__type_ok", "La première ligne doit être « finess;etalab;<n>;<AAAA-MM-JJ> » "
                     "(extrait FINESS officiel non modifié).", ["extract_date__brut"]))
    for col in ("date_ouverture", "date_autorisation", "date_maj"):
        out.append(_flag(f"{col}__type_ok", f"« {col} » doit être une date AAAA-MM-JJ.", [f"{col}__brut"]))
    out.append(_e("expect_column_values_to_not_be_null", "Chaque établissement doit avoir un numéro FINESS géographique.", ["finess_geo"], column="finess_geo"))
    out.append(_e("expect_column_values_to_not_be_null", "Chaque établissement doit être rattaché à une entité juridique (nofinessej).", ["finess_geo", "finess_ej"], column="finess_ej"))
    out += [_finess_key("finess_geo"), _finess_key("finess_ej")]
    out.append(_e("expect_compound_columns_to_be_unique", "Un établissement n'apparaît qu'une fois dans l'extrait.",
                  ["finess_geo"], column_list=["annee", "finess_geo"]))
    return out


def finess_ej_suite() -> list[dict]:
    """The legal entities' extract: same first line as the establishments' one, a valid and
    unique EJ number per register year, a name on every row."""
    out = _structure("finess_ej")
    out.append(_flag("extract_date__type_ok", "La première ligne doit être « finess;etalab;<n>;<AAAA-MM-JJ> » "
                     "(extrait FINESS officiel des entités juridiques non modifié).", ["extract_date__brut"]))
    for col in ("date_creation", "date_maj"):
        out.append(_flag(f"{col}__type_ok", f"« {col} » doit être une date AAAA-MM-JJ.", [f"{col}__brut"]))
    out.append(_e("expect_column_values_to_not_be_null", "Chaque entité juridique doit avoir un numéro FINESS "
                  "juridique (nofinessej).", ["finess_ej"], column="finess_ej"))
    out.append(_finess_key("finess_ej"))
    out.append(_e("expect_column_values_to_not_be_null", "Chaque entité juridique doit avoir une raison sociale (rs).",
                  ["finess_ej", "raison_sociale"], column="raison_sociale"))
    out.append(_e("expect_compound_columns_to_be_unique", "Une entité juridique n'apparaît qu'une fois dans l'extrait.",
                  ["finess_ej"], column_list=list(KEYS["finess_ej"])))
    return out


REGISTER_SUITES = {"finess": finess_suite, "finess_ej": finess_ej_suite}


def build_suite(source: str) -> dict:
    if source == "phev_lines":
        from caqes_tasks.quality.phev_lines_rules import suite

        return suite()
    expectations = REGISTER_SUITES[source]() if source in REGISTER_SUITES else _delimited(source) + specific(source)
    return {"name": source, "expectations": expectations, "meta": {"source": source, "format": "caqes-1"}}


def write_all(directory: Path = EXPECTATIONS_DIR) -> list[Path]:
    directory.mkdir(parents=True, exist_ok=True)
    paths = []
    for source in (*REGISTER_SUITES, *COLUMNS, "phev_lines"):
        path = directory / f"{source}.json"
        path.write_text(json.dumps(build_suite(source), ensure_ascii=False, indent=2) + "\n", encoding="utf-8")
        paths.append(path)
    return paths


if __name__ == "__main__":
    for p in write_all():
        print(p)
