"""The contradictory procedure's calendar for the campaign report (docs/rules.md §7).

Read from each EJ's ``fct_procedure`` row as the outcome stage left it at the run's date:
notifications préalables sent and received, deadlines for observations (running or passed),
observations and avis received, décisions taken and décisions due (deadline passed, no décision
yet). Steps are read through the notices' vocabulary (``ETAPE_RANG``, ``ETAPES_CLOSES``), the
one reader of ``fct_procedure.etape``.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date

from caqes_tasks.notices import vocabulary as voc
from caqes_tasks.report.data import Campaign, EjSection

# fct_procedure.etape written by caqes_tasks.outcomes.procedure, in words; another known step is
# worded by its rank in the procedure
ETAPES = {
    "notification_prealable": "notification préalable envoyée",
    "observations_recues": "observations reçues",
    "decision": "décision prise",
    "classee_sans_suite": "classée sans suite",
}
RANGS = {
    0: "sanction calculée, notification préalable à envoyer",
    1: "notification préalable envoyée",
    2: "phase d'observations",
    3: "décision prise",
}


def etape(code: str | None) -> str:
    """``fct_procedure.etape`` in words (an unknown step is shown as written)."""
    if not code:
        return "–"
    if code in ETAPES:
        return ETAPES[code]
    if code in voc.ETAPES_CLOSES:
        return "classée sans suite"
    rang = voc.ETAPE_RANG.get(code)
    return RANGS[rang] if rang is not None else code


@dataclass
class Echeance:
    ej: EjSection
    procedure: dict
    a_faire: str  # what comes next, in words
    date: date | None  # when (deadline or décision date), None when unknown
    due: bool  # the next step is due at the run's date


@dataclass
class Groupe:
    """EJs at the same point of the procedure: same next step, notice date and deadline."""

    a_faire: str
    due: bool
    date_notification: date | None
    date_limite: date | None
    ej: list[EjSection] = field(default_factory=list)


@dataclass
class Calendrier:
    as_of: date | None
    notifications: int = 0
    premiere_notification: date | None = None
    derniere_notification: date | None = None
    receptions: int = 0
    delais_en_cours: int = 0
    delais_echus: int = 0
    observations: int = 0
    avis_cpam: int = 0
    decisions: int = 0
    decisions_dues: int = 0
    echeances: list[Echeance] = field(default_factory=list)

    @property
    def groupes(self) -> list[Groupe]:
        """The échéances grouped by next step, notice date and deadline, in the échéances' order."""
        out: dict[tuple, Groupe] = {}
        for x in self.echeances:
            key = (x.a_faire, x.due, x.procedure.get("date_notification"), x.procedure.get("date_limite_observations"))
            out.setdefault(key, Groupe(*key)).ej.append(x.ej)
        return list(out.values())


def _next(p: dict, as_of: date | None) -> tuple[str, date | None, bool]:
    code = p.get("etape")
    rang = voc.ETAPE_RANG.get(code or "")
    if code in voc.ETAPES_CLOSES:
        return "classée sans suite", p.get("date_decision"), False
    if rang == voc.RANG_DECISION or p.get("date_decision"):
        return "décision prise", p.get("date_decision"), False
    limite = p.get("date_limite_observations")
    if p.get("en_attente"):
        return voc.EN_ATTENTE.get(p["en_attente"], p["en_attente"]), limite, False
    if rang is None or rang < voc.RANG_NOTIFICATION:
        return "notification préalable à envoyer", None, True
    if limite is None:
        return "date de réception de la notification préalable à connaître", None, False
    if as_of is not None and limite < as_of:
        return "décision à prendre (délai d'observations échu)", limite, True
    return "observations possibles jusqu'à l'échéance", limite, False


def calendrier(c: Campaign) -> Calendrier:
    """The calendar of year ``c.annee``'s procedures at ``c.as_of``."""
    cal = Calendrier(as_of=c.as_of)
    envois = []
    for e in c.ej:
        for p in e.procedure:
            if p.get("date_notification"):
                envois.append(p["date_notification"])
            if p.get("date_reception_notification"):
                cal.receptions += 1
            if p.get("date_reception_observations"):
                cal.observations += 1
            if p.get("date_avis_cpam"):
                cal.avis_cpam += 1
            if p.get("date_decision"):
                cal.decisions += 1
            a_faire, quand, due = _next(p, c.as_of)
            limite = p.get("date_limite_observations")
            if limite is not None and not p.get("date_decision") and p.get("etape") not in voc.ETAPES_CLOSES:
                if c.as_of is not None and limite < c.as_of:
                    cal.delais_echus += 1
                else:
                    cal.delais_en_cours += 1
            if due and a_faire.startswith("décision"):
                cal.decisions_dues += 1
            cal.echeances.append(Echeance(e, p, a_faire, quand, due))
    cal.notifications = len(envois)
    if envois:
        cal.premiere_notification, cal.derniere_notification = min(envois), max(envois)
    cal.echeances.sort(key=lambda x: (not x.due, x.date is None, x.date or date.max, x.ej.titre, x.ej.finess_ej))
    return cal
