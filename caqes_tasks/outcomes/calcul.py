"""Assemble the outcome rows of one year from the stage's inputs (no I/O here).

Intéressement (docs/rules.md §6), sanctions and the DG ARS's choices (§7) and the procedure
state (§7, procedure). Rows are dicts keyed by the outcome tables' columns (``run_id`` is added
by the stage); money is Decimal euros with two decimals, computed from integer cents.
"""

from __future__ import annotations

from collections import defaultdict
from dataclasses import replace
from datetime import date
from decimal import Decimal
from fractions import Fraction

from caqes_tasks.outcomes import interessement as it
from caqes_tasks.outcomes import procedure as pr
from caqes_tasks.outcomes import sanctions as sa
from caqes_tasks.outcomes.lecture import Entrees
from caqes_tasks.outcomes.money import cents_to_euros, exact, floor_cents, half_up_cents
from caqes_tasks.outcomes.vocabulary import (
    ETAPES_EN_COURS,
    ChoixDG,
    EnAttente,
    Etape,
    Formule,
    MethodePeriode,
    MotifSanction,
    ObjetRetenue,
    StatutSanction,
    TypeDecision,
    TypeInteressement,
)


def _eur(cents: int | None) -> Decimal | None:
    return None if cents is None else cents_to_euros(cents)


def retenue(finess_ej: str, annee: int, objet: str, raison: str) -> dict:
    return {"finess_ej": finess_ej, "annee": annee, "objet": objet, "raison": raison}


def _fr(d: date | None) -> str:
    return d.strftime("%d/%m/%Y") if d else "—"


def et_hors_repertoire(e: Entrees) -> list[dict]:
    """Retenues of the ETs under contract that dim_etablissement does not place under the same EJ."""
    out, seen = [], set()
    for r in e.evaluation:
        if not r["sous_contrat"] or (r["finess_ej"], r["finess_geo"]) in seen:
            continue
        seen.add((r["finess_ej"], r["finess_geo"]))
        if e.et_ej.get(r["finess_geo"]) != r["finess_ej"]:
            out.append(retenue(r["finess_ej"], e.annee, ObjetRetenue.ETABLISSEMENT.composant(r["finess_geo"]),
                               "ET sous contrat absent du répertoire de l'année sous cette EJ"))
    return out


# -- intéressement ----------------------------------------------------------------------------


def _sous_contrat(e: Entrees) -> list[dict]:
    return [r for r in e.evaluation if r["sous_contrat"]]


def _ligne_interessement(**values) -> dict:
    row = {
        "finess_geo": None, "montant_plafond": None, "montant_calcule": None, "coefficient_modulation": None,
        "score": None, "economie": None, "part": None, "atteinte": None, "formule": None,
        "debut_periode": None, "methode_periode": None, "motif_modulation": None,
    }
    row.update(values)
    return row


def interessement_national(e: Entrees, ref) -> tuple[list[dict], list[dict]]:
    """One row per ET x national indicator under contract and evaluable (volet 1 art. 4, §6).

    Savings over the period of ``fct_evaluation`` (calendar year, or from the contract's
    date_effet in its first year: dated lines or days prorata), then the référentiel's formula
    with the ET's attainment on the indicator; rounded once, half-up to the cent.
    """
    rows, retenues = [], []
    formule, seuil = ref.formule_nationale, ref.seuil_atteinte_nationale
    for r in _sous_contrat(e):
        if r["type_indicateur"] != "national":
            continue
        ind = ref.by_code.get(r["indicateur"])
        part = ind.part_nationale if ind and ind.part_nationale is not None else ref.part_nationale_defaut
        objet = ObjetRetenue.INTERESSEMENT_NATIONAL.composant(r["indicateur"], r["finess_geo"])
        if not r["evaluable"] or r["atteinte"] is None:
            retenues.append(retenue(r["finess_ej"], e.annee, objet,
                                    "indicateur non évaluable: aucun intéressement national"))
            continue
        periode = it.Periode(r["methode_periode"] or MethodePeriode.ANNEE_CIVILE,
                             r["debut_periode"] or date(e.annee, 1, 1))
        try:
            eco = it.economie_exacte(periode, e.annee, r["montant"], r["montant_reference"],
                                     r["montant_periode"], r["montant_periode_reference"])
        except it.EconomieError as exc:
            retenues.append(retenue(r["finess_ej"], e.annee, objet, str(exc)))
            continue
        atteinte = r["atteinte"]
        montant_exact = it.interessement_national_exact(part, eco, atteinte, formule, seuil)
        montant = half_up_cents(montant_exact)
        if formule == Formule.SEUIL:
            regle = (f"intéressement = {part} x max(économie, 0) si atteinte {atteinte} >= {seuil}, sinon 0")
        else:
            regle = f"intéressement = {part} x max(économie, 0) x atteinte {atteinte}"
        rows.append(_ligne_interessement(
            finess_ej=r["finess_ej"], annee=e.annee, type=TypeInteressement.NATIONAL, code=r["indicateur"],
            finess_geo=r["finess_geo"], montant_calcule=_eur(montant), montant=montant,
            economie=_eur(half_up_cents(eco)), part=part, atteinte=atteinte, formule=formule,
            debut_periode=periode.debut, methode_periode=periode.methode,
            detail=f"économie {periode.libelle(e.annee)} = {_eur(half_up_cents(eco))} EUR; {regle}; "
                   "calcul exact, arrondi une fois au centime (au demi-centime supérieur)",
        ))
    return rows, retenues


def interessement_regional(e: Entrees, ref) -> tuple[list[dict], list[dict], dict]:
    """One row per theme x concerned EJ (docs/rules.md §6, regional steps 1–5)."""
    poids_themes = {t["code"]: Decimal(str(t["poids"])) for t in ref.themes if t["enveloppe_regionale"]}
    enveloppes = it.enveloppes_par_theme(e.enveloppes, poids_themes)
    concernes: dict[str, dict[str, set[str]]] = defaultdict(lambda: defaultdict(set))
    for r in _sous_contrat(e):
        if r["theme"] in poids_themes:
            concernes[r["theme"]][r["finess_ej"]].add(r["finess_geo"])
    rows, retenues, totaux = [], [], {}
    for theme in sorted(set(concernes) | set(enveloppes)):
        ejs = concernes.get(theme, {})
        if theme not in enveloppes:
            for ej in sorted(ejs):
                retenues.append(retenue(ej, e.annee, ObjetRetenue.INTERESSEMENT_REGIONAL.composant(theme),
                                        "aucune enveloppe régionale pour ce thème et cette année"))
            continue
        env = enveloppes[theme]
        scores = {ej: e.scores.get((ej, "theme", theme)) for ej in ejs}
        parts = it.repartir_theme(theme, env, scores, None, ref.redistribuer_non_consomme)
        totaux[theme] = {"enveloppe": env, "distribue": sum(p.montant for p in parts), "nb_ej": len(ejs)}
        for p in parts:
            rows.append(_ligne_interessement(
                finess_ej=p.finess_ej, annee=e.annee, type=TypeInteressement.REGIONAL, code=theme,
                montant_plafond=_eur(p.plafond), montant_calcule=_eur(p.montant), montant=p.montant, score=p.score,
                detail=f"enveloppe du thème {_eur(env)} EUR, {len(ejs)} EJ concernée(s); plafond exact = enveloppe "
                       f"/ {len(ejs)} (affiché au centime par la règle des plus forts restes); montant = plafond "
                       "exact x score / 100, arrondi une fois (plus forts restes); "
                       f"ET sous contrat: {', '.join(sorted(ejs[p.finess_ej]))}",
            ))
            if not p.evaluable:
                retenues.append(retenue(p.finess_ej, e.annee, ObjetRetenue.INTERESSEMENT_REGIONAL.composant(theme),
                                        "thème non évaluable: place conservée dans le prorata, montant 0"))
    return rows, retenues, totaux


def lignes_enveloppe(annee: int, totaux: dict) -> list[dict]:
    """One row per regional theme: the envelope and what step 5 distributed (before modulation)."""
    return [
        {"annee": annee, "theme": theme, "montant": _eur(t["enveloppe"]),
         "montant_distribue": _eur(t["distribue"]), "nb_ej_concernees": t["nb_ej"]}
        for theme, t in sorted(totaux.items())
    ]


def appliquer_modulations(rows: list[dict], e: Entrees) -> list[dict]:
    """DG ARS modulation of an EJ's whole intéressement, national and regional lines (§6).

    Every modulated line carries the coefficient and the DG ARS's stated reason
    (``motif_modulation``); the modulated total is rounded down to the cent and what it frees is
    not redistributed. Returns retenues.
    """
    retenues = []
    by_ej: dict[str, list[int]] = defaultdict(list)
    for i, r in enumerate(rows):
        by_ej[r["finess_ej"]].append(i)
    for ej, (coef, motif) in sorted(e.modulations.items()):
        idx = by_ej.get(ej)
        if not idx:
            retenues.append(retenue(ej, e.annee, ObjetRetenue.INTERESSEMENT.composant("modulation"),
                                    "modulation sans ligne d'intéressement pour cette EJ et cette année"))
            continue
        before = {str(i): rows[i]["montant"] for i in idx}
        after = it.moduler(before, coef)
        for i in idx:
            rows[i]["coefficient_modulation"] = coef
            rows[i]["motif_modulation"] = motif
            rows[i]["montant"] = after[str(i)]
        libere = sum(before.values()) - sum(after.values())
        if libere:
            retenues.append(retenue(ej, e.annee, ObjetRetenue.INTERESSEMENT.composant("modulation"),
                                    f"modulation par le DG ARS ({motif or 'motif non communiqué'}): "
                                    f"{_eur(libere)} EUR non versés, non redistribués"))
    return retenues


# -- sanctions --------------------------------------------------------------------------------


def impact_depenses(e: Entrees, ref, finess_ej: str, volet: str) -> Fraction:
    """Spending above target of an EJ's volet, in cents (L162-30-4 "impact sur les dépenses").

    Σ over the volet's rows under contract, evaluable, whose measure is ``amount`` (euros), of
    ``max(A - T, 0)`` (``max(T - A, 0)`` for a ``higher_is_better`` indicator, §5).
    """
    total = Fraction(0)
    for r in e.evaluation:
        if r["finess_ej"] != finess_ej or r["volet"] != volet or not r["sous_contrat"] or not r["evaluable"]:
            continue
        ind = ref.by_code.get(r["indicateur"])
        mesure = r["mesure"] or (ind.mesure if ind else None)
        if mesure != "amount" or r["valeur"] is None or r["objectif"] is None:
            continue
        ecart = exact(r["valeur"]) - exact(r["objectif"])
        if r["sens"] == "higher_is_better":
            ecart = -ecart
        total += max(ecart, Fraction(0)) * 100
    return total


def _objet_volet(objet: str) -> tuple[str, str | None]:
    head, _, volet = objet.partition(":")
    return head.strip(), (volet.strip() or None)


def _appliquer_decisions(
    items: list[sa.Sanction], decisions: list[sa.DecisionDG], ej: str, annee: int
) -> tuple[list[sa.Sanction], list[sa.DecisionDG], list[dict]]:
    """The DG ARS's choices on single lines (objets refus, non_atteinte:<volet>).

    Returns the lines, the decisions on the whole sanction (applied after the 5 % cap), retenues.
    """
    retenues, globales = [], []
    par_objet: dict[str, dict[str, sa.DecisionDG]] = defaultdict(dict)
    for d in decisions:
        objet = ObjetRetenue.SANCTION.composant("decision_dg", d.objet, d.choix)
        if d.choix not in tuple(ChoixDG):
            retenues.append(retenue(ej, annee, objet, f"choix du DG ARS inconnu '{d.choix}': non appliqué"))
        elif d.objet == sa.OBJET_SANCTION:
            if d.choix in (ChoixDG.REDUCTION, ChoixDG.RENONCIATION):
                globales.append(d)
            else:
                retenues.append(retenue(ej, annee, objet, f"'{d.choix}' porte sur un refus ou un volet, pas sur "
                                                          "l'ensemble de la sanction: non appliqué"))
        else:
            par_objet[d.objet][d.choix] = d
    for objet, choix in sorted(par_objet.items()):
        head, volet = _objet_volet(objet)
        if head == sa.OBJET_REFUS and volet is None:
            cibles = [i for i, s in enumerate(items) if s.motif == MotifSanction.REFUS]
        elif head == sa.OBJET_NON_ATTEINTE and volet:
            cibles = [i for i, s in enumerate(items) if s.motif == MotifSanction.NON_ATTEINTE and s.volet == volet
                      and s.type_decision == TypeDecision.SANCTION_FINANCIERE]
        else:
            retenues.append(retenue(ej, annee, ObjetRetenue.SANCTION.composant("decision_dg", objet), "objet de décision inconnu: non appliqué"))
            continue
        if len(cibles) != 1:
            why = "aucune sanction correspondante cette année" if not cibles else "plusieurs refus sanctionnés cette année"
            retenues.append(retenue(ej, annee, ObjetRetenue.SANCTION.composant("decision_dg", objet), f"décision du DG ARS non appliquée: {why}"))
            continue
        i = cibles[0]
        if ChoixDG.REDUCTION_LISTE_EN_SUS in choix:
            d = choix[ChoixDG.REDUCTION_LISTE_EN_SUS]
            try:
                items[i] = sa.reduction_liste_en_sus(items[i], d.montant_base, d.motif)
            except sa.DecisionError as exc:
                retenues.append(retenue(ej, annee, ObjetRetenue.SANCTION.composant("decision_dg", objet), f"réduction liste en sus non appliquée: {exc}"))
        if ChoixDG.REDUCTION in choix and ChoixDG.RENONCIATION in choix:
            retenues.append(retenue(ej, annee, ObjetRetenue.SANCTION.composant("decision_dg", objet),
                                    "réduction et renonciation contradictoires: aucune des deux appliquée"))
        elif ChoixDG.RENONCIATION in choix:
            items[i] = sa.renoncer(items[i], choix[ChoixDG.RENONCIATION].motif)
        elif ChoixDG.REDUCTION in choix:
            try:
                items[i] = sa.reduire(items[i], choix[ChoixDG.REDUCTION].montant_base, choix[ChoixDG.REDUCTION].motif)
            except sa.DecisionError as exc:
                retenues.append(retenue(ej, annee, ObjetRetenue.SANCTION.composant("decision_dg", objet), f"réduction non appliquée: {exc}"))
        if ChoixDG.ACCORD_PREALABLE in choix:
            try:
                items.insert(i + 1, sa.accord_prealable(items[i], choix[ChoixDG.ACCORD_PREALABLE].motif))
            except sa.DecisionError as exc:
                retenues.append(retenue(ej, annee, ObjetRetenue.SANCTION.composant("decision_dg", objet), f"accord préalable non retenu: {exc}"))
    return items, globales, retenues


def sanctions_calculees(e: Entrees, ref) -> tuple[dict[str, list[sa.Sanction]], list[dict]]:
    """Refusal and non-attainment lines per EJ, the DG ARS's choices, the 5 % cap (§7).

    A refusal is sanctioned once per refused proposal, in its proposal's year
    (``fct_contractualisation.refus_a_sanctionner``). CAPES (L162-30-3) has no input source yet:
    nothing is emitted for it.
    """
    refus: dict[str, dict[date | None, set[str]]] = defaultdict(lambda: defaultdict(set))
    volets_signes: dict[str, dict[str, dict]] = defaultdict(dict)
    retenues = []
    for c in e.contrats:
        ej = c["finess_ej"]
        if c["statut"] == "refus" and c["refus_a_sanctionner"]:
            refus[ej][c["date_proposition"]].add(c["volet"])
        elif c["statut"] == "refus":
            retenues.append(retenue(ej, e.annee, ObjetRetenue.SANCTION.composant(MotifSanction.REFUS, c["volet"]),
                                    f"refus de la proposition du {_fr(c['date_proposition'])}: sanctionné l'année de "
                                    "la proposition, pas de nouvelle sanction sans nouvelle proposition"))
        elif c["statut"] == "signe" and c["en_vigueur"]:
            volets_signes[ej][c["volet"]] = c
        elif c["propose"]:
            retenues.append(retenue(ej, e.annee, ObjetRetenue.SANCTION.composant(MotifSanction.REFUS, c["volet"]),
                                    f"volet proposé, contrat au statut '{c['statut']}': ni signé ni refusé, "
                                    "aucune sanction de refus"))
    shortfalls: dict[str, list[tuple[str, Decimal, dict]]] = defaultdict(list)
    for ej, volets in volets_signes.items():
        for v, c in sorted(volets.items()):
            score = e.scores.get((ej, "volet", v))
            if score is None:
                retenues.append(retenue(ej, e.annee, ObjetRetenue.SANCTION.composant(MotifSanction.NON_ATTEINTE, v),
                                        "score du volet non évaluable: aucune sanction de non-atteinte"))
            elif score < 100:
                shortfalls[ej].append((v, score, c))
    out: dict[str, list[sa.Sanction]] = {}
    for ej in sorted(set(refus) | set(shortfalls)):
        if ej in e.produits_am_conflits or ej not in e.produits_am:
            why = "valeurs contradictoires" if ej in e.produits_am_conflits else "absents"
            retenues.append(retenue(ej, e.annee, ObjetRetenue.SANCTION,
                                    f"produits AM de l'exercice {e.exercice_base} {why}: sanction non calculée"))
            continue
        p = e.produits_am[ej]
        items: list[sa.Sanction] = []
        for when, volets in sorted(refus.get(ej, {}).items(), key=lambda kv: (kv[0] is None, kv[0])):
            items.append(sa.sanction_refus(ej, p, volets, ref.sanctions[MotifSanction.REFUS], when))
        for v, score, c in shortfalls.get(ej, []):
            impact = impact_depenses(e, ref, ej, v) if ref.impact_non_atteinte == "depenses" else None
            items.append(sa.sanction_non_atteinte(ej, p, v, score, ref.non_atteinte_taux, ref.sanctions[MotifSanction.NON_ATTEINTE],
                                                  impact, c["date_proposition"]))
        for s in items:
            if not s.active:
                retenues.append(retenue(ej, e.annee, ObjetRetenue.SANCTION.composant(s.motif, s.volet or ""),
                                        "voie de sanction désactivée par le référentiel: manquement signalé, "
                                        "aucun montant"))
        items, globales, ret_dg = _appliquer_decisions(items, list(e.decisions_dg.get(ej, [])), ej, e.annee)
        retenues.extend(ret_dg)
        items = sa.appliquer_plafond_annuel(items)
        if len(globales) > 1:
            retenues.append(retenue(ej, e.annee, ObjetRetenue.SANCTION.composant("decision_dg", sa.OBJET_SANCTION),
                                    "réduction et renonciation contradictoires sur l'ensemble de la sanction: "
                                    "aucune des deux appliquée"))
        elif globales:
            try:
                items = sa.appliquer_decision_globale(items, globales[0])
            except sa.DecisionError as exc:
                retenues.append(retenue(ej, e.annee, ObjetRetenue.SANCTION.composant("decision_dg", sa.OBJET_SANCTION, globales[0].choix),
                                        f"décision du DG ARS non appliquée: {exc}"))
        out[ej] = [replace(s, reference_article=ref.reference_article(sa.voie(s))) for s in items]
    for ej in sorted(set(e.decisions_dg) - set(out)):
        for d in e.decisions_dg[ej]:
            retenues.append(retenue(ej, e.annee, ObjetRetenue.SANCTION.composant("decision_dg", d.objet, d.choix),
                                    "décision du DG ARS sans sanction calculée pour cette EJ et cette année"))
    return out, retenues


# -- procedure --------------------------------------------------------------------------------


def _faits(items: list[sa.Sanction]) -> str:
    return "; ".join(f"{s.motif} {s.volet or ''}: {s.detail}".replace("  ", " ") for s in items if s.active)


def _avis_requis(items: list[sa.Sanction]) -> bool:
    """A non-attainment line is at stake: L162-30-4 asks the CPAM's avis before the décision."""
    return any(s.motif == MotifSanction.NON_ATTEINTE and s.emise for s in items)


def procedures(
    e: Entrees, ref, sanctions: dict[str, list[sa.Sanction]], as_of: date, run_id: str
) -> tuple[list[pr.EtatProcedure], dict[str, tuple[pr.EtatProcedure, str | None]], list[dict]]:
    """Advance each EJ's procedure to ``as_of``.

    Returns the new snapshots, the current state of each EJ with what it waits for, retenues.
    """
    nouveaux, courants, retenues = [], {}, []
    for ej in sorted(set(sanctions) | set(e.procedures)):
        historique = e.procedures.get(ej, [])
        items = sanctions.get(ej, [])
        x = pr.EntreesProcedure(
            finess_ej=ej, annee=e.annee, as_of=as_of,
            emise=any(s.emise for s in items), montant=sum(s.montant for s in items if s.active),
            faits=_faits(items), delai_observations_jours=ref.delai_observations_jours,
            avis_requis=_avis_requis(items), receptions=e.receptions.get(ej, ()),
            observation=e.observations.get(ej), avis=e.avis_cpam.get(ej),
            delai_recours_mois=ref.delai_recours_mois, recours=ref.recours, run_id=run_id,
        )
        new = pr.avancer(historique[-1] if historique else None, x)
        nouveaux.extend(new)
        etats = [s for s in historique + new if s.date_evenement <= as_of]
        if not etats:
            continue
        courant = etats[-1]
        attente = pr.attente(courant, x)
        courants[ej] = (courant, attente)
        if attente == EnAttente.ACCUSE_RECEPTION:
            retenues.append(retenue(ej, e.annee, ObjetRetenue.PROCEDURE.composant(EnAttente.ACCUSE_RECEPTION),
                                    f"notification préalable du {_fr(courant.date_notification)} sans date de "
                                    "réception connue: le délai d'observations ne court pas, aucune décision"))
        elif attente == EnAttente.AVIS_CPAM:
            retenues.append(retenue(ej, e.annee, ObjetRetenue.PROCEDURE.composant(EnAttente.AVIS_CPAM),
                                    f"délai d'observations expiré le {_fr(courant.date_limite_observations)}: la "
                                    "décision de non-atteinte attend l'avis de l'organisme local d'assurance maladie"))
        obs = x.observation
        if obs is not None and courant.etape == Etape.NOTIFICATION_PREALABLE and attente != EnAttente.ACCUSE_RECEPTION:
            why = pr.observation_recevable(courant, obs, as_of)
            if why:
                retenues.append(retenue(ej, e.annee, ObjetRetenue.PROCEDURE.composant("observations"), f"observations non retenues: {why}"))
        if courant.etape == Etape.DECISION and courant.montant_notifie != x.montant:
            retenues.append(retenue(ej, e.annee, ObjetRetenue.PROCEDURE.composant(Etape.DECISION),
                                    f"montant recalculé {_eur(x.montant)} EUR différent du montant décidé sur "
                                    f"notification ({_eur(courant.montant_notifie)} EUR): décision maintenue"))
    return nouveaux, courants, retenues


def lignes_sanction(
    e: Entrees, sanctions: dict[str, list[sa.Sanction]], courants: dict[str, tuple[pr.EtatProcedure, str | None]]
) -> list[dict]:
    """fct_sanction rows: each line with its status in the procedure."""
    rows = []
    for ej, items in sorted(sanctions.items()):
        etat = courants.get(ej, (None, None))[0]
        total = sum(s.montant for s in items if s.active)
        final_items = items
        statut_emise = StatutSanction.CALCULEE
        if etat is not None and etat.etape in ETAPES_EN_COURS:
            statut_emise = StatutSanction.NOTIFIEE
        elif etat is not None and etat.etape == Etape.DECISION:
            if etat.montant_notifie == total:
                final_items = sa.repartir_montant_final(items, etat.montant_final)
                statut_emise = StatutSanction.DECIDEE if etat.montant_final > 0 or not total else StatutSanction.ABANDONNEE
            else:
                statut_emise = StatutSanction.RECALCULEE_APRES_DECISION
        for s in final_items:
            if not s.active:
                statut = StatutSanction.SIGNALEMENT
            elif s.calcule > 0 or s.type_decision == TypeDecision.MISE_SOUS_ACCORD_PREALABLE:
                statut = statut_emise
            else:
                statut = StatutSanction.SANS_MONTANT
            rows.append({
                "finess_ej": ej, "annee": e.annee, "motif": s.motif, "volet": s.volet,
                "base_produits_am": _eur(s.base), "exercice_base": e.exercice_base, "taux": s.taux,
                "montant_calcule": _eur(s.calcule) if s.active else None, "montant": s.montant,
                "plafond": _eur(s.plafond), "plafond_applique": s.code_plafond and s.code_plafond.note,
                "code_plafond": s.code_plafond,
                "type_decision": s.type_decision, "statut": statut, "detail": s.detail,
                "impact": None if s.impact is None else _eur(floor_cents(s.impact)),
                "date_proposition": s.date_proposition, "reference_article": s.reference_article,
                "motif_dg": s.motif_dg, "choix_dg": s.choix_dg, "base_liste_en_sus": _eur(s.base_liste_en_sus),
            })
    return rows


def lignes_procedure(courants: dict[str, tuple[pr.EtatProcedure, str | None]]) -> list[dict]:
    """fct_procedure rows: the state of each EJ's procedure at the run's date."""
    return [
        {
            "finess_ej": s.finess_ej, "annee": s.annee, "etape": s.etape,
            "date_notification": s.date_notification, "date_reception_notification": s.date_reception_notification,
            "date_limite_observations": s.date_limite_observations,
            "date_reception_observations": s.date_reception_observations,
            "suite_observations": s.suite_observations, "date_avis_cpam": s.date_avis_cpam,
            "sens_avis_cpam": s.sens_avis_cpam, "commentaire_avis_cpam": s.commentaire_avis_cpam,
            "date_decision": s.date_decision, "montant_notifie": _eur(s.montant_notifie),
            "montant_final": _eur(s.montant_final), "en_attente": attente,
        }
        for _, (s, attente) in sorted(courants.items())
    ]
