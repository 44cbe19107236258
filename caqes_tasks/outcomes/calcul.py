"""Assemble the outcome rows of one year from the stage's inputs (no I/O here).

Intéressement (rules.md §6), sanctions (§7) and the procedure state (§7, procedure). Rows are
dicts keyed by the outcome tables' columns (``run_id`` is added by the stage); money is Decimal
euros with two decimals, computed from integer cents.
"""

from __future__ import annotations

from collections import defaultdict
from datetime import date
from decimal import Decimal

from caqes_tasks.outcomes import interessement as it
from caqes_tasks.outcomes import procedure as pr
from caqes_tasks.outcomes import sanctions as sa
from caqes_tasks.outcomes.lecture import Entrees
from caqes_tasks.outcomes.money import cents_to_euros


def _eur(cents: int | None) -> Decimal | None:
    return None if cents is None else cents_to_euros(cents)


def retenue(finess_ej: str, annee: int, objet: str, raison: str) -> dict:
    return {"finess_ej": finess_ej, "annee": annee, "objet": objet, "raison": raison}


# -- intéressement ----------------------------------------------------------------------------


def _sous_contrat(e: Entrees) -> list[dict]:
    return [r for r in e.evaluation if r["sous_contrat"]]


def interessement_national(e: Entrees, ref) -> tuple[list[dict], list[dict]]:
    """One row per ET x national indicator under contract (volet 1 art. 4, rules §6 national)."""
    rows, retenues = [], []
    for r in _sous_contrat(e):
        if r["type_indicateur"] != "national":
            continue
        ind = ref.by_code.get(r["indicateur"])
        part = ind.part_nationale if ind and ind.part_nationale is not None else ref.part_nationale_defaut
        objet = f"interessement_national:{r['indicateur']}:{r['finess_geo']}"
        if r["montant"] is None or r["montant_reference"] is None:
            retenues.append(retenue(r["finess_ej"], e.annee, objet,
                                    "montant de l'année N ou N-1 absent: économie non calculable"))
            continue
        eco = it.economie_cents(r["montant_reference"], r["montant"])
        montant = it.interessement_national_cents(part, eco)
        rows.append({
            "finess_ej": r["finess_ej"], "annee": e.annee, "type": "national", "code": r["indicateur"],
            "finess_geo": r["finess_geo"], "montant_plafond": None, "montant_calcule": _eur(montant),
            "coefficient_modulation": None, "montant": montant, "score": None, "economie": _eur(eco),
            "part": part,
            "detail": f"économie = {_eur(eco)} EUR (N-1 {r['montant_reference']} - N {r['montant']}); "
                      f"intéressement = {part} x max(économie, 0), arrondi au centime supérieur à 0,5",
        })
    return rows, retenues


def interessement_regional(e: Entrees, ref) -> tuple[list[dict], list[dict], dict]:
    """One row per theme x concerned EJ (rules §6.1–6.5); returns rows, retenues, theme totals."""
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
                retenues.append(retenue(ej, e.annee, f"interessement_regional:{theme}",
                                        "aucune enveloppe régionale pour ce thème et cette année"))
            continue
        env = enveloppes[theme]
        scores = {ej: e.scores.get((ej, "theme", theme)) for ej in ejs}
        parts = it.repartir_theme(theme, env, scores, None, ref.redistribuer_non_consomme)
        totaux[theme] = {"enveloppe": env, "distribue": sum(p.montant for p in parts), "nb_ej": len(ejs)}
        for p in parts:
            rows.append({
                "finess_ej": p.finess_ej, "annee": e.annee, "type": "regional", "code": theme,
                "finess_geo": None, "montant_plafond": _eur(p.plafond), "montant_calcule": _eur(p.montant),
                "coefficient_modulation": None, "montant": p.montant, "score": p.score, "economie": None,
                "part": None,
                "detail": f"enveloppe du thème {_eur(env)} EUR, {len(ejs)} EJ concernée(s); "
                          f"plafond x score / 100; ET sous contrat: {', '.join(sorted(ejs[p.finess_ej]))}",
            })
            if not p.evaluable:
                retenues.append(retenue(p.finess_ej, e.annee, f"interessement_regional:{theme}",
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
    """DG ARS modulation per EJ over all its intéressement lines (rules §6.6); returns retenues."""
    retenues = []
    by_ej: dict[str, list[int]] = defaultdict(list)
    for i, r in enumerate(rows):
        by_ej[r["finess_ej"]].append(i)
    for ej, (coef, motif) in sorted(e.modulations.items()):
        idx = by_ej.get(ej)
        if not idx:
            continue
        before = {str(i): rows[i]["montant"] for i in idx}
        after = it.moduler(before, coef)
        for i in idx:
            rows[i]["coefficient_modulation"] = coef
            rows[i]["montant"] = after[str(i)]
        libere = sum(before.values()) - sum(after.values())
        if libere:
            retenues.append(retenue(ej, e.annee, "interessement:modulation",
                                    f"coefficient {coef} ({motif or 'sans motif'}): {_eur(libere)} EUR non versés, "
                                    "non redistribués"))
    return retenues


# -- sanctions --------------------------------------------------------------------------------


def sanctions_calculees(e: Entrees, ref) -> tuple[dict[str, list[sa.Sanction]], list[dict]]:
    """Refusal and non-attainment components per EJ, capped at 5 % (L162-30-2, L162-30-4).

    CAPES (L162-30-3) has no input source yet: nothing is emitted for it.
    """
    refus: dict[str, set[str]] = defaultdict(set)
    volets_signes: dict[str, set[str]] = defaultdict(set)
    retenues = []
    for c in e.contrats:
        ej = c["finess_ej"]
        if c["propose"] and c["statut"] == "refus":
            refus[ej].add(c["volet"])
        elif c["statut"] == "signe" and c["en_vigueur"]:
            volets_signes[ej].add(c["volet"])
        elif c["propose"]:
            retenues.append(retenue(ej, e.annee, f"sanction:refus:{c['volet']}",
                                    f"volet proposé, contrat au statut '{c['statut']}': ni signé ni refusé, "
                                    "aucune sanction de refus"))
    shortfalls: dict[str, list[tuple[str, Decimal]]] = defaultdict(list)
    for ej, volets in volets_signes.items():
        for v in sorted(volets):
            score = e.scores.get((ej, "volet", v))
            if score is None:
                retenues.append(retenue(ej, e.annee, f"sanction:non_atteinte:{v}",
                                        "score du volet non évaluable: aucune sanction de non-atteinte"))
            elif score < 100:
                shortfalls[ej].append((v, score))
    out: dict[str, list[sa.Sanction]] = {}
    for ej in sorted(set(refus) | set(shortfalls)):
        if ej in e.produits_am_conflits or ej not in e.produits_am:
            why = "valeurs contradictoires" if ej in e.produits_am_conflits else "absents"
            retenues.append(retenue(ej, e.annee, "sanction",
                                    f"produits AM de l'exercice {e.exercice_base} {why}: sanction non calculée"))
            continue
        p = e.produits_am[ej]
        items = []
        s = sa.sanction_refus(ej, p, refus.get(ej, ()), ref.sanctions["refus"])
        if s:
            items.append(s)
        for v, score in shortfalls.get(ej, []):
            s = sa.sanction_non_atteinte(ej, p, v, score, ref.non_atteinte_taux, ref.sanctions["non_atteinte"])
            if s:
                items.append(s)
        for s in items:
            if not s.active:
                retenues.append(retenue(ej, e.annee, f"sanction:{s.motif}:{s.volet or ''}",
                                        "voie de sanction désactivée par le référentiel: manquement signalé, "
                                        "aucun montant"))
        out[ej] = sa.appliquer_plafond_annuel(items)
    return out, retenues


# -- procedure --------------------------------------------------------------------------------


def _faits(items: list[sa.Sanction]) -> str:
    return "; ".join(f"{s.motif} {s.volet or ''}: {s.detail}".replace("  ", " ") for s in items if s.active)


def procedures(
    e: Entrees, ref, sanctions: dict[str, list[sa.Sanction]], as_of: date, run_id: str
) -> tuple[list[pr.EtatProcedure], dict[str, pr.EtatProcedure], list[dict]]:
    """Advance each EJ's procedure to ``as_of``; returns new snapshots, current states, retenues."""
    nouveaux, courants, retenues = [], {}, []
    for ej in sorted(set(sanctions) | set(e.procedures)):
        historique = e.procedures.get(ej, [])
        items = sanctions.get(ej, [])
        total = sum(s.montant for s in items if s.active)
        emise = total > 0
        obs = e.observations.get(ej)
        new = pr.avancer(
            historique[-1] if historique else None,
            finess_ej=ej, annee=e.annee, emise=emise, montant=total, faits=_faits(items),
            observation=obs, as_of=as_of, delai_observations_jours=ref.delai_observations_jours,
            delai_recours_mois=ref.delai_recours_mois, recours=ref.recours, run_id=run_id,
        )
        nouveaux.extend(new)
        etats = [s for s in historique + new if s.date_evenement <= as_of]
        if etats:
            courant = etats[-1]
            courants[ej] = courant
            if obs is not None and courant.etape == pr.NOTIFICATION:
                why = pr.observation_recevable(courant, obs, as_of)
                if why:
                    retenues.append(retenue(ej, e.annee, "procedure:observations", f"observations non retenues: {why}"))
            if courant.etape == pr.DECISION and courant.montant_notifie != total:
                retenues.append(retenue(ej, e.annee, "procedure:decision",
                                        f"montant recalculé {_eur(total)} EUR différent du montant décidé sur "
                                        f"notification ({_eur(courant.montant_notifie)} EUR): décision maintenue"))
    return nouveaux, courants, retenues


def lignes_sanction(e: Entrees, sanctions: dict[str, list[sa.Sanction]], courants: dict[str, pr.EtatProcedure]) -> list[dict]:
    """fct_sanction rows: each component with its status in the procedure."""
    rows = []
    for ej, items in sorted(sanctions.items()):
        etat = courants.get(ej)
        total = sum(s.montant for s in items if s.active)
        final_items = items
        statut_emise = "calculee"
        if etat is not None and etat.etape in pr.EN_COURS:
            statut_emise = "notifiee"
        elif etat is not None and etat.etape == pr.DECISION:
            if etat.montant_notifie == total:
                final_items = sa.repartir_montant_final(items, etat.montant_final)
                statut_emise = "decidee" if etat.montant_final > 0 else "abandonnee"
            else:
                statut_emise = "recalculee_apres_decision"
        for s in final_items:
            statut = statut_emise if s.active and s.calcule > 0 else ("signalement" if not s.active else "sans_montant")
            rows.append({
                "finess_ej": ej, "annee": e.annee, "motif": s.motif, "volet": s.volet,
                "base_produits_am": _eur(s.base), "exercice_base": e.exercice_base, "taux": s.taux,
                "montant_calcule": _eur(s.calcule) if s.active else None, "montant": s.montant,
                "plafond": _eur(s.plafond), "plafond_applique": s.plafond_applique,
                "type_decision": s.type_decision, "statut": statut, "detail": s.detail,
            })
    return rows


def lignes_procedure(courants: dict[str, pr.EtatProcedure]) -> list[dict]:
    """fct_procedure rows: the state of each EJ's procedure at the run's date."""
    return [
        {
            "finess_ej": s.finess_ej, "annee": s.annee, "etape": s.etape,
            "date_notification": s.date_notification, "date_limite_observations": s.date_limite_observations,
            "date_reception_observations": s.date_reception_observations,
            "suite_observations": s.suite_observations, "date_decision": s.date_decision,
            "montant_notifie": _eur(s.montant_notifie), "montant_final": _eur(s.montant_final),
        }
        for _, s in sorted(courants.items())
    ]
