"""The data-contract rules of ``phev_lines`` (line-level PHEV Parquet), one place per rule.

A ``phev_lines`` file can hold 10⁸ lines: it is never loaded into pandas. Each rule is written
once, as a DuckDB SQL predicate that is TRUE for a line that satisfies it, over the columns
``finess_geo, annee (year of date_execution), indicateur, code, montant, quantite`` and two
small tables joined as ``k`` (``cle_geo, cle_ok``: the number checked by
:func:`caqes_tasks.finess.numbers.check_finess`) and ``c`` (``connu_geo, connu_annee, connu``: the ET
known to the register of the year, :class:`caqes_tasks.quality.helpers.Register`), computed once
per distinct value. The same
predicate is evaluated on the aggregated grain (ET × year × month × indicator: one scan, no
per-line output) and, only when a file fails, line by line to count the failing lines of each
file and sample them with their row number (:mod:`caqes_tasks.ingest.phev_lines`).

The flag of each rule is the column of its expectation in ``expectations/phev_lines.json``
(``expect_column_values_to_be_in_set(value_set=[True])``): the failing sample is validated by
Great Expectations like the other sources, so it appears in the same reports and Data Docs.
"""

from __future__ import annotations

from dataclasses import dataclass

COLUMNS = ("finess_geo", "date_execution", "indicateur", "code", "montant_rembourse", "quantite")
CODE_REGEX = "[0-9A-Za-z]{1,20}"  # LPP (7 digits), CIP13, NABM (4 digits), transport mode (AMB, VSL, TAX)


@dataclass(frozen=True)
class Rule:
    flag: str  # column of the expectation
    regle: str  # the rule in plain French, for the ARS reader
    colonnes: tuple[str, ...]  # columns shown for a failing line
    sql: str | None = None  # predicate TRUE for a valid line (None: a rule on the whole file)


FILE_RULES = (
    Rule("_fichier_lisible", "Le fichier doit être un fichier Parquet lisible portant les colonnes du contrat de "
         "données, typées : finess_geo, indicateur et code en texte, date_execution en date, montant_rembourse "
         "et quantite en nombres.", ("_detail",)),
    Rule("_non_vide", "Le fichier doit contenir au moins une ligne de données.", ("_detail",)),
)

LINE_RULES = (
    Rule("finess_geo__cle_ok", "« finess_geo » est obligatoire et doit être un numéro FINESS de 9 caractères "
         "[0-9][0-9AB][0-9]{7} dont le 9e est la clé de contrôle (Luhn). Les numéros corses (2A/2B) sont acceptés "
         "sur leur seul format.", ("finess_geo",),
         "finess_geo IS NOT NULL AND coalesce(k.cle_ok, false)"),
    Rule("_date_dans_annee", "« date_execution » est obligatoire et doit tomber dans une année de données de la "
         "campagne et, pour un fichier rangé sous annee=AAAA, dans cette année-là.", ("date_execution", "annee"),
         "annee IS NOT NULL AND list_contains($annees, annee)"),
    Rule("_et_connu", "Chaque établissement (finess_geo) doit figurer au répertoire FINESS de l'année de la ligne "
         "(extrait chargé le plus proche) et y être rattaché à une entité juridique.", ("finess_geo", "annee"),
         "NOT coalesce(k.cle_ok, false) OR annee IS NULL OR coalesce(c.connu, false)"),
    Rule("_indicateur_connu", "« indicateur » doit être un indicateur national du référentiel (NAT_1 à NAT_6).",
         ("indicateur",), "indicateur IS NOT NULL AND list_contains($indicateurs, indicateur)"),
    Rule("_code_ok", "« code » est obligatoire : le code du produit ou de la prestation (LPP, CIP13, NABM, mode de "
         "transport), de 1 à 20 lettres ou chiffres.", ("code",),
         f"code IS NOT NULL AND regexp_full_match(code, '{CODE_REGEX}')"),
    Rule("_montant_ok", "« montant_rembourse » est obligatoire, positif ou nul, en euros avec au plus 2 décimales.",
         ("montant_rembourse",), "montant IS NOT NULL AND montant >= 0 AND {montant_scale}"),
    Rule("_quantite_ok", "« quantite » est obligatoire : un nombre entier positif ou nul.", ("quantite",),
         "quantite IS NOT NULL AND quantite >= 0 AND {quantite_integer}"),
)

RULES = FILE_RULES + LINE_RULES
BY_FLAG = {r.flag: r for r in RULES}
# rules decided on the aggregated grain (their columns are its keys) vs on every line
GRAIN_RULES = ("finess_geo__cle_ok", "_date_dans_annee", "_et_connu", "_indicateur_connu")
CODE_RULE = "_code_ok"
VALUE_RULES = ("_montant_ok", "_quantite_ok")


def suite() -> dict:
    """The GX suite ``expectations/phev_lines.json`` (written by ``suite_builder``)."""
    expectations = [
        {"type": "expect_column_values_to_be_in_set", "kwargs": {"column": r.flag, "value_set": [True]},
         "meta": {"regle": r.regle, "colonnes": list(r.colonnes)}}
        for r in RULES
    ]
    return {"name": "phev_lines", "expectations": expectations, "meta": {"source": "phev_lines", "format": "caqes-1"}}
