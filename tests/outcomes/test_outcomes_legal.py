"""Legal invariants: the référentiel may not raise a number fixed by law."""

from __future__ import annotations

from decimal import Decimal

import pytest
import yaml

from caqes_tasks.outcomes import legal
from caqes_tasks.referentiel import DEFAULT_REFERENTIEL, load_referentiel


def test_constants_are_the_legal_numbers():
    assert legal.TAUX_SANCTION_REFUS == Decimal("0.01")  # L162-30-2
    assert legal.PLAFOND_NON_ATTEINTE_VOLET == Decimal("0.01")  # L162-30-4
    assert legal.PLAFOND_GLOBAL_ANNUEL == Decimal("0.05")  # L162-30-2, L162-30-4
    assert legal.PLAFOND_CAPES == Decimal("0.01")  # L162-30-3
    assert legal.PLAFOND_REDUCTION_LISTE_EN_SUS == Decimal("0.30")
    assert legal.DELAI_RECOURS_MOIS == 2 and legal.JURIDICTION_RECOURS == "tribunal administratif"


def test_campaign_referentiel_passes():
    ref = load_referentiel()
    assert legal.check_referentiel(ref) is None  # raises LegalLimitError on any breach
    # what the check accepted is the campaign's actual parameters, inside the legal limits
    assert Decimal(0) < ref.non_atteinte_taux <= legal.PLAFOND_NON_ATTEINTE_VOLET
    assert (ref.delai_recours_mois, ref.recours) == (legal.DELAI_RECOURS_MOIS, legal.JURIDICTION_RECOURS)
    assert ref.delai_observations_jours >= 1
    parts = [i.part_nationale for i in ref.indicateurs if i.part_nationale is not None]
    assert parts and all(Decimal(0) <= p <= Decimal(1) for p in parts)


def _variant(tmp_path, mutate):
    data = yaml.safe_load(DEFAULT_REFERENTIEL.read_text(encoding="utf-8"))
    mutate(data)
    path = tmp_path / "ref.yml"
    path.write_text(yaml.safe_dump(data, allow_unicode=True), encoding="utf-8")
    return load_referentiel(path)


@pytest.mark.parametrize(
    "mutate",
    [
        lambda d: d["sanctions"].update(non_atteinte_taux="0.02"),  # > 1 % per volet
        lambda d: d["sanctions"].update(plafond_global="0.10"),  # tries to set the 5 % cap
        lambda d: d["sanctions"].update(taux_refus="0.02"),
        lambda d: d["procedure"].update(delai_recours_mois=1),
        lambda d: d["procedure"].update(recours="médiateur"),
        lambda d: d["procedure"].update(delai_observations_jours=0),
    ],
)
def test_referentiel_cannot_raise_a_legal_limit(tmp_path, mutate):
    with pytest.raises(legal.LegalLimitError):
        legal.check_referentiel(_variant(tmp_path, mutate))


def test_lower_rate_and_switches_are_parameters(tmp_path):
    ref = _variant(tmp_path, lambda d: d["sanctions"].update(non_atteinte_taux="0.005", refus=False, impact="aucun"))
    legal.check_referentiel(ref)
    assert ref.sanctions["refus"] is False and ref.impact_non_atteinte == "aucun"


def test_voies_de_recours_cja_r421_1():
    text = legal.voies_de_recours()
    assert "tribunal administratif territorialement compétent" in text
    assert "2 mois à compter de sa réception" in text
    assert "code de justice administrative, art. R. 421-1" in text
    assert "Télérecours citoyens" in text and "www.telerecours.fr" in text
    assert "recommandée" not in text
    interessement = legal.voies_de_recours_interessement()
    assert "article 12 du contrat" in interessement and "R. 421-1" in interessement
    assert "recommandée" not in interessement
    with pytest.raises(legal.LegalLimitError):
        legal.voies_de_recours(3)


def test_other_limits():
    with pytest.raises(legal.LegalLimitError):
        legal.check_capes_taux(Decimal("0.011"))
    with pytest.raises(legal.LegalLimitError):
        legal.check_reduction_liste_en_sus(Decimal("0.31"))
    with pytest.raises(legal.LegalLimitError):
        legal.check_coefficient_modulation(Decimal("1.01"))
    legal.check_reduction_liste_en_sus(Decimal("0.30"))
