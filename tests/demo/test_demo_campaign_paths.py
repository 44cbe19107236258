"""Both demo sizes exercise every path of the campaign's contracts and procedure (docs/rules.md
§4–§7), checked from the landing files alone: proposals and refusals, the perimeter fixed at
signature and its avenants, the first year's period from line-level PHEV, receipts, avis, the
DG ARS's decisions and observations."""

from collections import Counter
from datetime import date, timedelta
from decimal import Decimal

import pyarrow as pa
import pyarrow.parquet as pq
import pytest

from caqes_tasks.referentiel import load_referentiel
from demo_checks import (Perimeter, contracts, dec, ej_by_year, national_targeted, national_values, overshoot_ejs,
                         parse_date, read_source, refusing_ejs, regional_targeted)

DELAI = timedelta(days=30)


@pytest.fixture(scope="module", params=["small", "region"])
def demo(request):
    landing = request.getfixturevalue(f"{request.param}_demo")[0]
    ref = load_referentiel()
    values = national_values(landing, ref)
    perimeter = Perimeter(landing, ref)
    overshoot = {a: overshoot_ejs(landing, ref, a, values, perimeter) for a in ref.annees_evaluation}
    refusing = {a: refusing_ejs(landing, a) for a in ref.annees_evaluation}
    return landing, ref, values, perimeter, overshoot, refusing


def _notified(demo, annee):
    *_, overshoot, refusing = demo
    return overshoot[annee] | refusing[annee]


def _receipts(landing):
    """(finess_ej, annee) -> receipt date (None: a line without receipt)."""
    df = read_source(landing, "notifications")
    return {(r.finess_ej, int(r.annee)): parse_date(r.date_reception) for r in df.itertuples(index=False)}


def test_every_proposal_follows_the_targeting_of_the_year_before(demo):
    landing, ref, values, perimeter, *_ = demo
    ejs = ej_by_year(landing)
    targeted = {}
    for c in contracts(landing):
        p = c["date_proposition"].year
        if p not in targeted:
            ets = {f for (f, a) in ejs if a == p}
            targeted[p] = national_targeted(values, ref, p, ets) | regional_targeted(landing, ref, p, ets)
        assert any(ejs.get((f, p)) == c["finess_ej"] and ref.by_code[code].volet == c["volet"]
                   for f, code in targeted[p]), c
        if c["statut"] == "signe":
            assert c["date_proposition"] < c["date_signature"] < c["date_effet"] <= c["date_fin"]
            assert c["date_effet"] == (ref.date_debut if p == ref.date_debut.year else date(p, 7, 1))
    for key, pairs in perimeter.signature.items():
        assert pairs, key  # a signed contract always has an annex


def test_growth_test_reads_the_spending(demo):
    """On a rate/share indicator below its value threshold, the growth of the spending decides:
    some pairs are targeted although the rate itself grew less than the limit, and some are not
    although the rate grew more."""
    landing, ref, values, *_ = demo
    ejs = ej_by_year(landing)
    spending_only = rate_only = 0
    for annee in ref.annees_evaluation:
        ets = {f for (f, a) in ejs if a == annee}
        targeted = national_targeted(values, ref, annee, ets)
        for (f, a, code), (valeur, base, montant) in values.items():
            ind = ref.by_code[code]
            avant = values.get((f, a - 1, code))
            if (a != annee - 1 or f not in ets or ind.mesure == "amount" or ind.max_taux_evolution is None
                    or avant is None or base < (ind.min_base or 0) or valeur > ind.seuil_valeur):
                continue
            spending = montant / avant[2] - 1 > ind.max_taux_evolution
            rate = valeur / avant[0] - 1 > ind.max_taux_evolution
            assert ((f, code) in targeted) == spending
            spending_only += spending and not rate
            rate_only += rate and not spending
    assert spending_only and rate_only


def test_refusal_paths(demo):
    landing, ref, *_, refusing = demo
    debut = min(ref.annees_evaluation)
    by_ej = {}
    for c in sorted(contracts(landing), key=lambda c: c["date_proposition"]):
        if c["volet"] == "V1":
            by_ej.setdefault(c["finess_ej"], []).append((c["date_proposition"].year, c["statut"]))
    paths = Counter()
    for lines in by_ej.values():
        if lines == [(debut, "refus"), (debut + 1, "refus")]:
            paths["refused twice"] += 1
        elif lines == [(debut, "refus"), (debut + 1, "signe")]:
            paths["refused then signed"] += 1
        elif lines == [(debut, "refus")]:
            paths["refused once"] += 1
    assert paths["refused twice"] and paths["refused then signed"] and paths["refused once"], paths
    assert refusing[debut] and refusing[debut + 1]


def test_avenants_of_each_kind_in_two_years(demo):
    landing, ref, values, perimeter, *_ = demo
    avenants = read_source(landing, "avenants")
    debut = min(ref.annees_evaluation)
    kinds = {(r.action, int(r.date_signature[-4:])) for r in avenants.itertuples(index=False)}
    assert {(a, s) for a in ("ajout", "retrait", "resiliation") for s in (debut, debut + 1)} <= kinds
    for r in avenants.itertuples(index=False):
        s, key = int(r.date_signature[-4:]), (r.finess_ej, r.volet)
        before, after = perimeter.in_force(s), perimeter.in_force(s + 1)
        assert key in before, r  # on a volet in force when signed
        if r.action == "resiliation":
            assert key not in after and perimeter.end(*key) == date(s, 12, 31)
        elif r.action == "ajout":
            pair = (r.finess_geo, r.indicateur)
            assert pair not in before[key] and pair in after[key], r
            assert (r.finess_geo, s, r.indicateur) in values and (r.finess_geo, s + 1, r.indicateur) in values
        else:
            pair = (r.finess_geo, r.indicateur)
            assert pair in before[key] and pair not in after[key], r


def test_receipts_most_on_time_some_missing_some_late(demo):
    landing, ref, *_ = demo
    notifications = read_source(landing, "notifications")
    receipts = _receipts(landing)
    missing_line = empty = late = on_time = 0
    for annee in ref.annees_evaluation:
        notified = _notified(demo, annee)
        rows = notifications[notifications.annee == str(annee)]
        assert set(rows.finess_ej) <= notified, annee
        assert (rows.date_envoi == f"{annee + 1}-04-15").all()
        for ej in notified:
            recu = receipts.get((ej, annee), "no line")
            if recu == "no line":
                missing_line += 1
            elif recu is None:
                empty += 1
            elif recu + DELAI >= date(annee + 1, 7, 1):
                late += 1  # the 1 July run is still inside the deadline
            else:
                assert date(annee + 1, 4, 17) <= recu <= date(annee + 1, 4, 24)
                on_time += 1
    assert missing_line and empty and late
    assert on_time > 3 * (missing_line + empty + late)


def test_avis_for_most_non_attainment_each_sens_some_absent(demo):
    landing, ref, *_, overshoot, _ = demo
    avis = read_source(landing, "avis_cpam")
    receipts = _receipts(landing)
    absent = 0
    for annee in ref.annees_evaluation:
        rows = avis[avis.annee == str(annee)]
        assert set(rows.finess_ej) <= overshoot[annee], annee
        for r in rows.itertuples(index=False):
            assert receipts.get((r.finess_ej, annee)) is not None  # the notice was received
            assert date(annee + 1, 4, 15) < parse_date(r.date_avis) <= date(annee + 1, 6, 30)
            assert r.commentaire
        received = {ej for ej in overshoot[annee] if receipts.get((ej, annee)) is not None}
        absent += len(received - set(rows.finess_ej))
    assert absent > 0
    assert len(avis) > 2 * absent
    assert set(avis.sens) == {"favorable", "defavorable", "reserve"}


def test_each_decision_of_the_dg_ars(demo):
    landing, ref, *_, overshoot, refusing = demo
    decisions = read_source(landing, "decisions_dg")
    avis = {(r.finess_ej, int(r.annee)) for r in read_source(landing, "avis_cpam").itertuples(index=False)}
    produits = {(r.finess_ej, int(r.exercice)): dec(r.produits_am)
                for r in read_source(landing, "produits_am").itertuples(index=False)}
    receipts = _receipts(landing)
    seen = set()
    for r in decisions.itertuples(index=False):
        annee, montant = int(r.annee), dec(r.montant_base)
        seen.add((r.objet.split(":")[0], r.choix))
        assert r.motif
        if r.objet == "refus":
            assert r.finess_ej in refusing[annee]
        else:  # the décision follows on 1 July N+1: receipt in time and the CPAM's avis
            assert r.finess_ej in overshoot[annee] and (r.finess_ej, annee) in avis
            assert receipts[(r.finess_ej, annee)] + DELAI < date(annee + 1, 7, 1)
        if r.choix == "reduction_liste_en_sus":
            assert r.objet in ("refus", "non_atteinte:V1") and montant > 0
            assert montant * Decimal("0.30") <= produits[(r.finess_ej, annee)] / 100
        elif r.choix == "reduction":
            assert Decimal(0) <= montant <= produits[(r.finess_ej, annee)] / 100
        else:
            assert montant is None
    assert {("refus", "reduction_liste_en_sus"), ("non_atteinte", "reduction_liste_en_sus"),
            ("non_atteinte", "accord_prealable"), ("refus", "reduction")} <= seen, seen
    assert {c for o, c in seen if c == "renonciation"}


def test_observations_within_the_deadline(demo):
    landing, ref, *_, refusing = demo
    observations = read_source(landing, "observations", encoding="cp1252")
    receipts = _receipts(landing)
    produits = {(r.finess_ej, int(r.exercice)): dec(r.produits_am)
                for r in read_source(landing, "produits_am").itertuples(index=False)}
    for r in observations.itertuples(index=False):
        annee, recu = int(r.annee), parse_date(r.date_reception)
        assert r.finess_ej in _notified(demo, annee)
        assert receipts[(r.finess_ej, annee)] < recu <= min(receipts[(r.finess_ej, annee)] + DELAI,
                                                            date(annee + 1, 6, 30))
        if r.suite == "reduite":
            assert r.finess_ej in refusing[annee] and dec(r.montant_retenu) <= produits[(r.finess_ej, annee)] / 100
    for annee, ejs in refusing.items():
        assert ejs <= set(observations[observations.annee == str(annee)].finess_ej)


def test_modulation_reasons_are_plain_french(demo):
    landing, ref, _, perimeter, *_ = demo
    for r in read_source(landing, "modulations").itertuples(index=False):
        assert len(r.motif) > 20 and "_" not in r.motif
        assert (r.finess_ej, "V1") in perimeter.in_force(int(r.annee))


def test_action_plan_items_outside_the_contract(demo):
    landing, ref, _, perimeter, *_ = demo
    engagements = read_source(landing, "engagements")
    outside = 0
    for (f, annee, theme), _ in engagements.groupby(["finess_geo", "annee", "theme"]):
        themes = {ref.by_code[c].theme for pairs in perimeter.in_force(int(annee)).values() for g, c in pairs if g == f}
        outside += theme not in themes
    assert outside > 0


def test_phev_lines_add_up_to_the_yearly_amounts(demo):
    landing, ref, values, perimeter, *_ = demo
    files = sorted((landing / "phev_lines").glob("annee=*/*.parquet"))
    assert [p.parent.name for p in files] == ["annee=2021", "annee=2022"]
    table = pa.concat_tables([pq.read_table(p) for p in files])
    assert table.schema.field("montant_rembourse").type == pa.decimal128(18, 2)
    assert table.schema.field("date_execution").type == pa.date32()
    sums: dict[tuple[str, int, str], list] = {}
    for f, d, code, montant, q in zip(*(table.column(c).to_pylist() for c in (
            "finess_geo", "date_execution", "indicateur", "montant_rembourse", "quantite"))):
        s = sums.setdefault((f, d.year, code), [Decimal(0), 0])
        s[0] += montant
        s[1] += q
    phev = read_source(landing, "phev")
    volumes = {(r.finess_geo, int(r.annee), r.indicateur): int(r.volume) for r in phev.itertuples(index=False)}
    for key, (montant, volume) in sums.items():
        assert montant == values[key][2] and volume == volumes[key], key
    with_lines = {f for f, _, _ in sums}
    first_year = {f for (ej, volet), pairs in perimeter.in_force(min(ref.annees_evaluation)).items()
                  for f, code in pairs if ref.by_code[code].type == "national"}
    assert first_year & with_lines and first_year - with_lines  # exact period, and prorated by days
