"""Which notices a year's results call for, and which are withheld and why.

- notification préalable: the EJ's ``fct_procedure.etape`` is notification or later
  (L162-30-2, L162-30-4: no sanction before the EJ could present its observations);
- décision de sanction: ``fct_procedure`` says the decision is issued, and the procedure holds
  what a décision rests on (docs/rules.md §7): the receipt date of the notification préalable
  (the deadline ran from it), nothing awaited (``en_attente``), and the avis of the organisme
  local d'assurance maladie when a non-attainment sanction is decided; otherwise the décision is
  withheld and listed with the reason;
- a procedure that waits (``fct_procedure.en_attente``: receipt, deadline, avis) is listed with
  what it waits for;
- notification d'intéressement: the EJ has ``fct_interessement`` lines;
- nothing for an (EJ, notice) that ``fct_retenue`` withholds (``notices.vocabulary.OBJET_KINDS``);
  a reservation on one component only (``head:detail``) withholds nothing and is listed in the
  notice (``notices.vocabulary.COMPOSANT_KINDS``);
- nothing for a procedure closed without sanction (``classee_sans_suite``).
"""

from __future__ import annotations

from dataclasses import dataclass

from caqes_tasks.notices import vocabulary as v
from caqes_tasks.notices.data import YearData
from caqes_tasks.notices.model import procedure_row
from caqes_tasks.outcomes.vocabulary import STATUTS_SANS_MONTANT, MotifSanction, TypeDecision


@dataclass(frozen=True)
class Retenue:
    finess_ej: str
    objet: str
    raison: str
    origine: str  # "résultats" (fct_retenue) or "notices" (this stage)
    notices: tuple[str, ...]  # notices actually withheld (may be empty: nothing was due)
    mentionnee_dans: tuple[str, ...] = ()  # component left out: notices that list it


@dataclass(frozen=True)
class Selection:
    notices: tuple[tuple[str, str], ...]  # (finess_ej, kind), sorted
    retenues: tuple[Retenue, ...]
    en_attente: tuple[dict, ...]  # procedures not engaged, not yet notified, or waiting (receipt, deadline, avis)


def _decision_incomplete(proc: dict, sanctions: list[dict]) -> str:
    """Why a décision cannot go out on this procedure row ('' when it can)."""
    attente = proc.get("en_attente") or ""
    if attente:
        return f"décision retenue : procédure {v.EN_ATTENTE.get(attente, f'en attente : {attente}')}"
    if proc.get("date_reception_notification") is None:
        return "décision retenue : date de réception de la notification préalable inconnue, le délai d'observations n'a pas couru"
    # a non-attainment line at stake: an amount, or a measure in addition (mise sous accord préalable)
    non_atteinte = any(
        r["motif"] == MotifSanction.NON_ATTEINTE
        and r["statut"] not in STATUTS_SANS_MONTANT
        and ((r["montant"] or 0) > 0 or r.get("type_decision") == TypeDecision.MISE_SOUS_ACCORD_PREALABLE)
        for r in sanctions
    )
    if non_atteinte and proc.get("date_avis_cpam") is None:
        return "décision retenue : avis de l'organisme local d'assurance maladie absent (sanction de non-atteinte)"
    return ""


def select_notices(data: YearData) -> Selection:
    due: set[tuple[str, str]] = set()
    retenues: list[Retenue] = []
    en_attente: list[dict] = []

    for ej in sorted(set(data.ejs("fct_procedure")) | set(data.ejs("fct_sanction"))):
        proc = procedure_row(data, ej)
        if proc is None:
            en_attente.append({"finess_ej": ej, "etape": None, "raison": "aucune procédure engagée"})
            continue
        etape = proc["etape"] or ""
        if etape in v.ETAPES_CLOSES:
            retenues.append(Retenue(ej, "procedure", f"procédure « {proc['etape']} » : aucune notice émise", "notices", ()))
            continue
        rang = v.ETAPE_RANG.get(etape)
        if rang is None:
            retenues.append(Retenue(ej, "procedure", f"étape de procédure inconnue « {proc['etape']} »", "notices", ()))
            continue
        if not data.rows("fct_sanction", ej):
            kinds = (v.PREALABLE, v.DECISION) if rang >= v.RANG_DECISION else (v.PREALABLE,)
            retenues.append(Retenue(ej, "sanction", "procédure sans ligne de sanction", "notices", kinds))
            continue
        due.add((ej, v.PREALABLE))
        attente = proc.get("en_attente") or ""
        if attente:
            en_attente.append(
                {"finess_ej": ej, "etape": proc["etape"], "raison": v.EN_ATTENTE.get(attente, f"en attente : {attente}")}
            )
        if rang >= v.RANG_DECISION:
            manque = _decision_incomplete(proc, data.rows("fct_sanction", ej))
            if manque:
                retenues.append(Retenue(ej, "procedure", manque, "notices", (v.DECISION,)))
            else:
                due.add((ej, v.DECISION))

    for ej in data.ejs("fct_interessement"):
        due.add((ej, v.INTERESSEMENT))

    initial = frozenset(due)
    for ej in data.ejs("fct_retenue"):
        for row in data.rows("fct_retenue", ej):
            kinds, known = v.kinds_withheld(row["objet"])
            withheld = tuple(k for k in v.KINDS if k in kinds and (ej, k) in initial)
            due.difference_update((ej, k) for k in kinds)
            raison = row["raison"] if known else f"{row['raison']} (objet inconnu : toutes les notices de l'EJ sont retenues)"
            listed = tuple(k for k in v.kinds_listing(row["objet"]) if (ej, k) in initial)
            retenues.append(Retenue(ej, row["objet"], raison, "résultats", withheld, listed))

    order = {k: i for i, k in enumerate(v.KINDS)}
    return Selection(
        notices=tuple(sorted(due, key=lambda x: (x[0], order[x[1]]))),
        retenues=tuple(sorted(retenues, key=lambda r: (r.finess_ej, r.origine, r.objet, r.raison))),
        en_attente=tuple(en_attente),
    )
