"""What the campaign report shows, read from the marts only (read-only connection).

Every figure of the report comes from one query below, so a reader can check any number
against the marts: totals are ``sum(montant)`` of the outcome marts for year N, scores are
``marts.fct_score`` as stored (already rounded half-up to two decimals), counts are distinct
FINESS numbers.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date
from decimal import Decimal

from caqes_tasks.notices import vocabulary as voc
from caqes_tasks.outcomes.vocabulary import TypeDecision

ZERO = Decimal("0.00")
# fct_sanction.motif in a few words, for lists (the notices word the full fact: voc.MOTIFS)
MOTIF_MOTS = {"refus": "refus de signer", "non_atteinte": "non-atteinte des objectifs", "capes": "CAPES"}
# head of fct_retenue.objet (before « : ») → what was left out, in words
OBJETS_RETENUE = {
    "procedure": "procédure de sanction", "sanction": "sanction", "sanctions": "sanction",
    "interessement": "intéressement", "interessement_national": "intéressement national",
    "interessement_regional": "intéressement régional", "etablissement": "établissement",
}  # fmt: skip
# fct_sanction.type_decision of the lines that are not a financial sanction (docs/rules.md §7)
MESURES = frozenset(set(TypeDecision) - {TypeDecision.SANCTION_FINANCIERE})
SCORE_BINS = tuple(range(0, 100, 10))  # [0,10) … [80,90) and [90,100]


def _rows(con, sql: str, params: list | None = None) -> list[dict]:
    cur = con.execute(sql, params or [])
    names = [d[0] for d in cur.description]
    return [dict(zip(names, r)) for r in cur.fetchall()]


def _marts(con) -> set[str]:
    return {
        r[0]
        for r in con.execute(
            "SELECT table_name FROM information_schema.tables WHERE table_schema = 'marts'"
        ).fetchall()
    }


def _columns(con, mart: str) -> set[str]:
    return {
        r[0]
        for r in con.execute(
            "SELECT column_name FROM information_schema.columns WHERE table_schema = 'marts' AND table_name = ?",
            [mart],
        ).fetchall()
    }


@dataclass
class EnvelopeTheme:
    theme: str
    enveloppe: Decimal
    distribue: Decimal
    nb_ej: int

    @property
    def taux(self) -> Decimal | None:
        return (self.distribue / self.enveloppe * 100) if self.enveloppe else None


@dataclass
class IndicatorTrend:
    indicateur: str
    sens: str
    nb_et: int
    evolution: Decimal  # Σ valeur / Σ valeur_reference − 1
    objectif: Decimal  # Σ objectif / Σ valeur_reference − 1

    @property
    def atteint(self) -> bool:
        if self.sens == "higher_is_better":
            return self.evolution >= self.objectif
        return self.evolution <= self.objectif


@dataclass
class EjSection:
    finess_ej: str
    nom: str | None  # raison sociale of the EJ (dim_etablissement.raison_sociale_ej); None when unknown
    etablissements: list[dict] = field(default_factory=list)
    contrats: list[dict] = field(default_factory=list)
    volets_proposes: list[dict] = field(default_factory=list)
    scores: list[dict] = field(default_factory=list)
    evaluations: list[dict] = field(default_factory=list)
    interessement: list[dict] = field(default_factory=list)
    sanctions: list[dict] = field(default_factory=list)
    procedure: list[dict] = field(default_factory=list)
    documents: list[dict] = field(default_factory=list)  # {libelle, href}: rapport d'évaluation, analyses
    ciblage: list[dict] = field(default_factory=list)  # fct_ciblage rows of its ETs targeted for the year
    retenues: list[dict] = field(default_factory=list)  # fct_retenue: what was withheld, and why

    @property
    def departements(self) -> list[str]:
        return sorted({e["departement"] for e in self.etablissements if e.get("departement")})

    @property
    def categories(self) -> list[str]:
        """Categories of its ETs as the FINESS register words them (``libelle_categorie``)."""
        return sorted({e.get("libelle_categorie") or e.get("categorie") for e in self.etablissements} - {None, ""})

    def nom_et(self, finess_geo: str | None) -> str:
        """The name of one of its ETs (FINESS register), else « ET <n°> »."""
        if not finess_geo:
            return ""
        nom = next((e["raison_sociale"] for e in self.etablissements if e["finess_geo"] == finess_geo), None)
        return nom or f"ET {finess_geo}"

    @property
    def sanctions_financieres(self) -> list[dict]:
        return [r for r in self.sanctions if r["montant"] and r["montant"] > 0]

    @property
    def mesures(self) -> list[dict]:
        return [r for r in self.sanctions if r.get("type_decision") in MESURES]

    @property
    def retenues_bloquantes(self) -> list[dict]:
        """fct_retenue rows that withhold a notice of the EJ (a computation not done, or an object
        the notices do not know: never let a notice out on an unread reservation)."""
        return [r for r in self.retenues if voc.kinds_withheld(r["objet"])[0]]

    @property
    def elements_non_retenus(self) -> list[dict]:
        """fct_retenue rows of one component left out; the notices still go out and list it."""
        return [r for r in self.retenues if not voc.kinds_withheld(r["objet"])[0]]

    @property
    def score_non_evaluable(self) -> bool:
        return any(s["niveau"] == "contrat" and s["score"] is None for s in self.scores)

    @property
    def risques(self) -> list[str]:
        """Why this EJ needs the officer's attention before the DG decides, in words: a financial
        sanction or a measure at stake, a contract score that cannot be evaluated, a notice
        withheld. Empty: nothing at stake. The one place the report's « EJ à risque » is defined."""
        out = [f"sanction ({MOTIF_MOTS.get(r['motif'], r['motif'])})" for r in self.sanctions_financieres]
        out += [voc.TYPES_DECISION.get(r["type_decision"], r["type_decision"]) for r in self.mesures]
        if self.score_non_evaluable:
            out.append("score contrat non évaluable")
        out += [f"notification retenue : {r['raison']}" for r in self.retenues_bloquantes]
        return list(dict.fromkeys(out))

    @property
    def modulations(self) -> list[tuple]:
        """Distinct (coefficient, motif) of the DG ARS's modulation of this EJ's intéressement."""
        seen: dict[tuple, None] = {}
        for r in self.interessement:
            coef = r.get("coefficient_modulation")
            if coef is not None and coef != 1:
                seen[(coef, r.get("motif_modulation") or "")] = None
        return list(seen)

    @property
    def titre(self) -> str:
        """The EJ's name, or « Entité juridique <n°> » when no FINESS extract gives it."""
        return self.nom or f"Entité juridique {self.finess_ej}"

    @property
    def score_contrat(self) -> Decimal | None:
        return next((s["score"] for s in self.scores if s["niveau"] == "contrat"), None)

    @property
    def total_interessement(self) -> Decimal:
        return sum((r["montant"] for r in self.interessement), ZERO)

    @property
    def total_sanctions(self) -> Decimal:
        return sum((r["montant"] for r in self.sanctions), ZERO)


@dataclass
class Campaign:
    annee: int
    marts: set[str]
    as_of: date | None = None  # the date the run acts on: what is due is counted from it
    nb_et: int = 0
    nb_et_cibles: int = 0
    nb_ej_volets: int = 0
    volets_proposes: list[dict] = field(default_factory=list)
    contractualisation: list[dict] = field(default_factory=list)
    scores_contrat: list[dict] = field(default_factory=list)
    total_interessement: Decimal = ZERO
    interessement_par_type: list[dict] = field(default_factory=list)
    total_sanctions: Decimal = ZERO
    sanctions_par_motif: list[dict] = field(default_factory=list)
    mesures_par_type: list[dict] = field(default_factory=list)  # fct_sanction lines other than financial
    perimetre_par_origine: list[dict] = field(default_factory=list)  # fct_perimetre: signature / avenant
    nb_candidats_avenant: int | None = None  # targeted ET × indicator not in the perimeter in force
    procedures_en_attente: list[dict] = field(default_factory=list)  # fct_procedure.en_attente
    enveloppe_source: str = ""  # "arretee" (fct_enveloppe, set by the ARS) or "plafonds" (sum of ceilings)
    enveloppes: list[EnvelopeTheme] = field(default_factory=list)
    tendances: list[IndicatorTrend] = field(default_factory=list)
    ej: list[EjSection] = field(default_factory=list)
    par_annee: list[dict] = field(default_factory=list)  # amounts per year of the campaign up to annee
    libelles_statut: dict[str, str] = field(default_factory=dict)  # marts.dim_statut: code -> libellé

    def statut(self, code: str | None) -> str:
        """A contract status in words, as ``dim_statut`` (the analysts' dimension) says it."""
        return self.libelles_statut.get(code or "", code or "–")

    def retenues(self) -> list[dict]:
        """fct_retenue of the year by kind: {objet (its head, in words), bloquante, nb_ej}."""
        counts: dict[tuple[str, bool], set[str]] = {}
        for e in self.ej:
            for r in e.retenues:
                bloquante = bool(voc.kinds_withheld(r["objet"])[0])
                head = (r["objet"] or "").partition(":")[0].strip().lower()
                counts.setdefault((OBJETS_RETENUE.get(head, head or "non précisé"), bloquante), set()).add(e.finess_ej)
        rows = [{"objet": o, "bloquante": b, "nb_ej": len(ej)} for (o, b), ej in counts.items()]
        return sorted(rows, key=lambda r: (not r["bloquante"], -r["nb_ej"], r["objet"]))

    @property
    def ej_a_risque(self) -> list[EjSection]:
        """EJs with something at stake (``EjSection.risques``), largest sanction first."""
        return sorted((e for e in self.ej if e.risques), key=lambda e: (-e.total_sanctions, e.titre, e.finess_ej))

    def plus_gros(self, attr: str, n: int = 10) -> list[EjSection]:
        """The ``n`` EJs with the largest ``attr`` (total_interessement, total_sanctions), above zero."""
        return sorted((e for e in self.ej if getattr(e, attr) > 0), key=lambda e: (-getattr(e, attr), e.finess_ej))[:n]

    @property
    def scores_evaluables(self) -> list[Decimal]:
        return [s["score"] for s in self.scores_contrat if s["score"] is not None]

    @property
    def nb_non_evaluables(self) -> int:
        return sum(1 for s in self.scores_contrat if s["score"] is None)

    def histogram(self) -> list[tuple[str, int]]:
        """Contract scores per 10-point bin; the last bin holds 90 to 100 included."""
        counts = [0] * len(SCORE_BINS)
        for s in self.scores_evaluables:
            counts[min(int(s // 10), len(SCORE_BINS) - 1)] += 1
        return [(f"{lo}–{lo + 10}", n) for lo, n in zip(SCORE_BINS, counts)]


def _one(con, sql: str, params: list) -> object:
    return con.execute(sql, params).fetchone()[0]


def _montants(con, mart: str, par: str, params: list, nb_ej: str = "count(DISTINCT finess_ej)") -> tuple:
    """The year's total ``montant`` of an outcome mart, and its rows per ``par`` (nb_ej, montant)."""
    total = _one(con, f"SELECT coalesce(sum(montant), 0) FROM marts.{mart} WHERE annee = ?", params)
    rows = _rows(
        con,
        f"SELECT {par}, {nb_ej} AS nb_ej, sum(montant) AS montant "
        f"FROM marts.{mart} WHERE annee = ? GROUP BY {par} ORDER BY {par}",
        params,
    )
    return total, rows


def _overview(con, c: Campaign) -> None:
    y = [c.annee]
    if "dim_etablissement" in c.marts:
        c.nb_et = _one(con, "SELECT count(DISTINCT finess_geo) FROM marts.dim_etablissement WHERE annee = ?", y)
    if "fct_ciblage" in c.marts:
        c.nb_et_cibles = _one(con, "SELECT count(DISTINCT finess_geo) FROM marts.fct_ciblage WHERE annee = ? AND cible", y)
    if "fct_volet_propose" in c.marts:
        c.nb_ej_volets = _one(con, "SELECT count(DISTINCT finess_ej) FROM marts.fct_volet_propose WHERE annee = ?", y)
        c.volets_proposes = _rows(
            con,
            "SELECT volet, count(DISTINCT finess_ej) AS nb_ej FROM marts.fct_volet_propose "
            "WHERE annee = ? GROUP BY volet ORDER BY volet",
            y,
        )
    if "fct_contractualisation" in c.marts:
        c.contractualisation = _rows(
            con,
            "SELECT volet, statut, count(*) AS nb_ej FROM marts.fct_contractualisation "
            "WHERE annee = ? AND propose GROUP BY volet, statut ORDER BY volet, statut",
            y,
        )
    if "fct_score" in c.marts:
        c.scores_contrat = _rows(
            con,
            "SELECT finess_ej, score FROM marts.fct_score WHERE annee = ? AND niveau = 'contrat' "
            "ORDER BY finess_ej",
            y,
        )
    if "fct_interessement" in c.marts:
        c.total_interessement, c.interessement_par_type = _montants(con, "fct_interessement", "type", y)
    if "fct_sanction" in c.marts:
        # EJs counted where a sanction is due (a sanction line of 0 € is not one)
        c.total_sanctions, c.sanctions_par_motif = _montants(
            con, "fct_sanction", "motif", y, nb_ej="count(DISTINCT finess_ej) FILTER (WHERE montant <> 0)"
        )


def _revision_2(con, c: Campaign) -> None:
    """What revision 2 of the rules added (docs/rules.md §4, §7): the perimeter by origin, the
    targeted pairs outside it (candidates for an avenant), the measures that are not financial
    sanctions (liste en sus reduction, mise sous accord préalable) and the procedures waiting.
    Each is read only when its mart or column exists (a warehouse from before stays readable)."""
    y = [c.annee]
    if "fct_perimetre" in c.marts:
        c.perimetre_par_origine = _rows(
            con,
            "SELECT origine, count(*) AS nb, count(DISTINCT finess_ej) AS nb_ej FROM marts.fct_perimetre "
            "WHERE annee = ? GROUP BY origine ORDER BY origine",
            y,
        )
    if "fct_ciblage" in c.marts and "dans_perimetre" in _columns(con, "fct_ciblage"):
        c.nb_candidats_avenant = _one(
            con,
            "SELECT count(*) FROM (SELECT DISTINCT finess_geo, indicateur FROM marts.fct_ciblage "
            "WHERE annee = ? AND cible AND NOT coalesce(dans_perimetre, false))",
            y,
        )
    if "fct_sanction" in c.marts:
        mesures = sorted(m.value for m in MESURES)
        c.mesures_par_type = _rows(
            con,
            "SELECT type_decision, count(DISTINCT finess_ej) AS nb_ej, sum(montant) AS montant "
            f"FROM marts.fct_sanction WHERE annee = ? AND type_decision IN ({', '.join('?' * len(mesures))}) "
            "GROUP BY type_decision ORDER BY type_decision",
            y + mesures,
        )
    if "fct_procedure" in c.marts and "en_attente" in _columns(con, "fct_procedure"):
        c.procedures_en_attente = _rows(
            con,
            "SELECT en_attente, count(DISTINCT finess_ej) AS nb_ej FROM marts.fct_procedure "
            "WHERE annee = ? AND en_attente IS NOT NULL GROUP BY en_attente ORDER BY en_attente",
            y,
        )


def _envelopes(con, c: Campaign) -> None:
    """Regional envelope per theme vs what was distributed (regional intéressement lines).

    The envelope is ``marts.fct_enveloppe`` (annee, theme, montant, written by the outcomes
    stage) when it holds the year, else (a warehouse from before that table) the sum of the
    ceilings (``montant_plafond``) of the EJs concerned by the theme.
    """
    if "fct_interessement" not in c.marts:
        return
    distributed = {
        r["theme"]: r
        for r in _rows(
            con,
            "SELECT code AS theme, sum(montant) AS distribue, sum(montant_plafond) AS plafonds, "
            "count(DISTINCT finess_ej) AS nb_ej FROM marts.fct_interessement "
            "WHERE annee = ? AND type = 'regional' GROUP BY code",
            [c.annee],
        )
    }
    envelope = {}
    if "fct_enveloppe" in c.marts:
        envelope = {
            r["theme"]: r["montant"]
            for r in _rows(
                con,
                "SELECT theme, sum(montant) AS montant FROM marts.fct_enveloppe WHERE annee = ? GROUP BY theme",
                [c.annee],
            )
        }
    if envelope:
        c.enveloppe_source = "arretee"
    else:
        c.enveloppe_source = "plafonds"
        envelope = {t: r["plafonds"] or ZERO for t, r in distributed.items()}
    for theme in sorted(set(envelope) | set(distributed)):
        d = distributed.get(theme, {})
        c.enveloppes.append(
            EnvelopeTheme(theme, envelope.get(theme, ZERO), d.get("distribue") or ZERO, d.get("nb_ej") or 0)
        )


def _trends(con, c: Campaign) -> None:
    if "fct_evaluation" not in c.marts:
        return
    rows = _rows(
        con,
        "SELECT indicateur, any_value(sens) AS sens, count(DISTINCT finess_geo) AS nb_et, "
        "sum(valeur) AS v, sum(valeur_reference) AS r, sum(objectif) AS o "
        "FROM marts.fct_evaluation WHERE annee = ? AND sous_contrat "
        "AND coalesce(type_indicateur, '') <> 'plan_action' AND valeur IS NOT NULL "
        "AND valeur_reference IS NOT NULL AND objectif IS NOT NULL "
        "GROUP BY indicateur HAVING sum(valeur_reference) <> 0 ORDER BY indicateur",
        [c.annee],
    )
    for r in rows:
        ref = Decimal(r["r"])
        c.tendances.append(
            IndicatorTrend(
                r["indicateur"], r["sens"] or "lower_is_better", r["nb_et"],
                Decimal(r["v"]) / ref - 1, Decimal(r["o"]) / ref - 1,
            )
        )


def _ej_sections(con, c: Campaign) -> None:
    y = [c.annee]
    sections: dict[str, EjSection] = {}

    def section(ej: str) -> EjSection:
        return sections.setdefault(ej, EjSection(ej, None))

    def collect(mart: str, sql: str, attr: str) -> None:
        if mart in c.marts:
            for r in _rows(con, sql, y):
                getattr(section(r["finess_ej"]), attr).append(r)

    collect("fct_volet_propose", "SELECT * FROM marts.fct_volet_propose WHERE annee = ? ORDER BY ALL", "volets_proposes")
    collect(
        "fct_contractualisation",
        "SELECT * FROM marts.fct_contractualisation WHERE annee = ? AND propose ORDER BY volet",
        "contrats",
    )
    collect(
        "fct_score",
        "SELECT * FROM marts.fct_score WHERE annee = ? ORDER BY finess_ej, "
        "CASE niveau WHEN 'contrat' THEN 0 WHEN 'volet' THEN 1 ELSE 2 END, volet, code",
        "scores",
    )
    collect(
        "fct_interessement",
        "SELECT * FROM marts.fct_interessement WHERE annee = ? ORDER BY finess_ej, type, code, finess_geo",
        "interessement",
    )
    collect(
        "fct_sanction",
        "SELECT * FROM marts.fct_sanction WHERE annee = ? ORDER BY finess_ej, motif, volet, type_decision",
        "sanctions",
    )
    collect("fct_procedure", "SELECT * FROM marts.fct_procedure WHERE annee = ? ORDER BY finess_ej, etape", "procedure")
    collect("fct_retenue", "SELECT * FROM marts.fct_retenue WHERE annee = ? ORDER BY finess_ej, objet, raison", "retenues")
    if "fct_evaluation" in c.marts:
        for r in _rows(
            con,
            "SELECT * FROM marts.fct_evaluation WHERE annee = ? AND sous_contrat "
            "ORDER BY finess_ej, finess_geo, volet, theme, indicateur",
            y,
        ):
            if r["finess_ej"] in sections:
                sections[r["finess_ej"]].evaluations.append(r)
    if "fct_ciblage" in c.marts:
        for r in _rows(
            con,
            "SELECT * FROM marts.fct_ciblage WHERE annee = ? AND cible ORDER BY finess_ej, finess_geo, volet, indicateur",
            y,
        ):
            if r["finess_ej"] in sections:
                sections[r["finess_ej"]].ciblage.append(r)
    if "dim_etablissement" in c.marts:
        present = _columns(con, "dim_etablissement")

        def col(name: str) -> str:
            return name if name in present else f"NULL AS {name}"

        for r in _rows(
            con,
            f"SELECT finess_ej, finess_geo, raison_sociale, {col('raison_sociale_ej')}, departement, "
            f"{col('categorie')}, {col('libelle_categorie')} "
            "FROM marts.dim_etablissement WHERE annee = ? ORDER BY finess_ej, finess_geo",
            y,
        ):
            if r["finess_ej"] in sections:
                s = sections[r["finess_ej"]]
                s.etablissements.append(r)
                if r["raison_sociale_ej"]:
                    s.nom = r["raison_sociale_ej"]
    c.ej = [sections[k] for k in sorted(sections)]


def _years(con, c: Campaign) -> None:
    """Amounts per year of the campaign up to ``c.annee`` (the years the marts hold): intéressement
    national and régional, financial sanctions, and how many EJs each concerns."""
    per: dict[int, dict] = {}

    def year(a: int) -> dict:
        return per.setdefault(a, {
            "annee": a, "national": ZERO, "regional": ZERO, "sanctions": ZERO,
            "nb_ej_interessement": 0, "nb_ej_sanctions": 0,
        })  # fmt: skip

    if "fct_interessement" in c.marts:
        for r in _rows(
            con,
            "SELECT annee, type, sum(montant) AS montant FROM marts.fct_interessement WHERE annee <= ? "
            "GROUP BY annee, type ORDER BY annee, type",
            [c.annee],
        ):
            if r["type"] in ("national", "regional"):
                year(r["annee"])[r["type"]] = r["montant"]
        for a, n in con.execute(
            "SELECT annee, count(DISTINCT finess_ej) FROM marts.fct_interessement WHERE annee <= ? AND montant > 0 "
            "GROUP BY annee",
            [c.annee],
        ).fetchall():
            year(a)["nb_ej_interessement"] = n
    if "fct_sanction" in c.marts:
        for a, montant, n in con.execute(
            "SELECT annee, sum(montant), count(DISTINCT finess_ej) FILTER (WHERE montant > 0) FROM marts.fct_sanction "
            "WHERE annee <= ? GROUP BY annee",
            [c.annee],
        ).fetchall():
            year(a).update(sanctions=montant, nb_ej_sanctions=n)
    c.par_annee = [per[a] for a in sorted(per)]


def load_campaign(con, year: int, as_of: date | None = None) -> Campaign:
    """Everything the report of year ``year`` shows, from the marts of ``con``; ``as_of``: the
    date the run acts on (the procedure's calendar counts what is due from it)."""
    c = Campaign(annee=year, marts=_marts(con), as_of=as_of)
    if "dim_statut" in c.marts:
        c.libelles_statut = dict(con.execute("SELECT statut, libelle FROM marts.dim_statut").fetchall())
    _overview(con, c)
    _revision_2(con, c)
    _envelopes(con, c)
    _trends(con, c)
    _years(con, c)
    _ej_sections(con, c)
    return c
