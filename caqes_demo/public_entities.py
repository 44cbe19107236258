"""Public hospitals, cancer centre and dialysis associations of the demo region.

Names follow the real establishments of Nouvelle-Aquitaine (CHU and CH sites); the FINESS
numbers, addresses and every figure attached to them are generated. ``small`` marks the entries
kept in the small demo set.
"""

from __future__ import annotations

from dataclasses import dataclass

from caqes_demo import categories as cat


@dataclass(frozen=True)
class Site:
    rs: str
    commune: str
    categorie: cat.Categorie
    taille: float  # activity scale (1 = main site of a mid-size CH)
    small: bool = True


@dataclass(frozen=True)
class Entite:
    kind: str  # chu, ch, chs, clcc, dialyse
    departement: str
    rs: str
    sites: tuple[Site, ...]
    public: bool = True
    small: bool = False


def _ch(dep: str, rs: str, *sites: Site, small: bool = False) -> Entite:
    return Entite("ch", dep, rs, tuple(sites), small=small)


def _s(rs: str, commune: str, categorie: cat.Categorie, taille: float, small: bool = True) -> Site:
    return Site(rs, commune, categorie, taille, small)


ENTITES: tuple[Entite, ...] = (
    # CHU
    Entite("chu", "33", "CHU DE BORDEAUX", (
        _s("CHU BORDEAUX GH PELLEGRIN", "BORDEAUX", cat.CHR, 5.0),
        _s("CHU BORDEAUX GH SUD HAUT-LEVEQUE", "PESSAC", cat.CHR, 3.5),
        _s("CHU BORDEAUX GH SAINT-ANDRE", "BORDEAUX", cat.CHR, 2.5),
    ), small=True),
    Entite("chu", "87", "CHU DE LIMOGES", (
        _s("CHU DUPUYTREN", "LIMOGES", cat.CHR, 4.0),
        _s("CHU HOPITAL DE LA MERE ET DE L'ENFANT", "LIMOGES", cat.CHR, 1.2),
    )),
    Entite("chu", "86", "CHU DE POITIERS", (
        _s("CHU POITIERS SITE DE LA MILETRIE", "POITIERS", cat.CHR, 4.0),
        _s("CHU POITIERS SITE DE LUSIGNAN", "LUSIGNAN", cat.CHR, 0.4),
    )),
    # CH
    _ch("16", "CH D'ANGOULEME", _s("CH D'ANGOULEME", "ANGOULEME", cat.CH, 1.8),
        _s("HAD DU CH D'ANGOULEME", "ANGOULEME", cat.HAD, 0.5)),
    _ch("16", "CH DE COGNAC", _s("CH DE COGNAC", "COGNAC", cat.CH, 0.9)),
    _ch("16", "CH DE RUFFEC", _s("CH DE RUFFEC", "RUFFEC", cat.CH, 0.3)),
    _ch("16", "CH DE BARBEZIEUX", _s("CH DE BARBEZIEUX", "BARBEZIEUX ST HILAIRE", cat.CH, 0.3)),
    _ch("16", "CH DE CONFOLENS", _s("CH DE CONFOLENS", "CONFOLENS", cat.CH, 0.25)),
    _ch("17", "GH LA ROCHELLE RE AUNIS", _s("CH DE LA ROCHELLE", "LA ROCHELLE", cat.CH, 2.0),
        _s("CH LA ROCHELLE UNITE DE DIALYSE", "LA ROCHELLE", cat.DIALYSE, 0.3)),
    _ch("17", "CH DE ROCHEFORT", _s("CH DE ROCHEFORT", "ROCHEFORT", cat.CH, 1.0)),
    _ch("17", "CH DE SAINTES", _s("CH DE SAINTES", "SAINTES", cat.CH, 1.3)),
    _ch("17", "CH DE ROYAN", _s("CH DE ROYAN", "ROYAN", cat.CH, 0.7)),
    _ch("17", "CH DE JONZAC", _s("CH DE JONZAC", "JONZAC", cat.CH, 0.4)),
    _ch("17", "CH DE SAINT-JEAN-D'ANGELY", _s("CH DE SAINT-JEAN-D'ANGELY", "ST JEAN D ANGELY", cat.CH, 0.4)),
    _ch("19", "CH DE TULLE", _s("CH DE TULLE", "TULLE", cat.CH, 0.8)),
    _ch("19", "CH DE BRIVE", _s("CH DE BRIVE", "BRIVE LA GAILLARDE", cat.CH, 1.4),
        _s("HAD DU CH DE BRIVE", "BRIVE LA GAILLARDE", cat.HAD, 0.4)),
    _ch("19", "CH D'USSEL", _s("CH D'USSEL", "USSEL", cat.CH, 0.5)),
    _ch("23", "CH DE GUERET", _s("CH DE GUERET", "GUERET", cat.CH, 0.9)),
    _ch("23", "CH D'AUBUSSON", _s("CH D'AUBUSSON", "AUBUSSON", cat.CH, 0.3)),
    _ch("23", "CH DE LA SOUTERRAINE", _s("CH DE LA SOUTERRAINE", "LA SOUTERRAINE", cat.CH, 0.3)),
    _ch("23", "CH DE BOURGANEUF", _s("CH DE BOURGANEUF", "BOURGANEUF", cat.CH, 0.2)),
    _ch("24", "CH DE PERIGUEUX", _s("CH DE PERIGUEUX", "PERIGUEUX", cat.CH, 1.7),
        _s("CH PERIGUEUX CENTRE DE DIALYSE", "TRELISSAC", cat.DIALYSE, 0.3)),
    _ch("24", "CH DE BERGERAC", _s("CH DE BERGERAC", "BERGERAC", cat.CH, 1.0)),
    _ch("24", "CH DE SARLAT", _s("CH DE SARLAT", "SARLAT LA CANEDA", cat.CH, 0.6)),
    _ch("24", "CH DE RIBERAC", _s("CH DE RIBERAC", "RIBERAC", cat.CH, 0.25)),
    _ch("24", "CH DE NONTRON", _s("CH DE NONTRON", "NONTRON", cat.CH, 0.25)),
    _ch("33", "CH D'ARCACHON", _s("CH D'ARCACHON", "LA TESTE DE BUCH", cat.CH, 1.0)),
    _ch("33", "CH DE LIBOURNE", _s("CH DE LIBOURNE", "LIBOURNE", cat.CH, 1.5),
        _s("HAD DU CH DE LIBOURNE", "LIBOURNE", cat.HAD, 0.4)),
    _ch("33", "CH SUD GIRONDE", _s("CH SUD GIRONDE", "LANGON", cat.CH, 0.8)),
    _ch("33", "CH DE LESPARRE", _s("CH DE LESPARRE", "LESPARRE MEDOC", cat.CH, 0.4)),
    _ch("33", "CH DE LA HAUTE GIRONDE", _s("CH DE LA HAUTE GIRONDE", "BLAYE", cat.CH, 0.5)),
    _ch("40", "CH DE MONT-DE-MARSAN", _s("CH DE MONT-DE-MARSAN", "MONT DE MARSAN", cat.CH, 1.3),
        _s("HAD DU CH DE MONT-DE-MARSAN", "MONT DE MARSAN", cat.HAD, 0.4)),
    _ch("40", "CH DE DAX", _s("CH DE DAX COTE D'ARGENT", "DAX", cat.CH, 1.2)),
    _ch("40", "CH D'AIRE-SUR-L'ADOUR", _s("CH D'AIRE-SUR-L'ADOUR", "AIRE SUR L ADOUR", cat.CH, 0.25)),
    _ch("47", "CH D'AGEN-NERAC", _s("CH D'AGEN", "AGEN", cat.CH, 1.4),
        _s("CH AGEN-NERAC SITE DE NERAC", "NERAC", cat.CH, 0.3)),
    _ch("47", "CH DE MARMANDE-TONNEINS", _s("CH DE MARMANDE", "MARMANDE", cat.CH, 0.8)),
    _ch("47", "POLE DE SANTE DU VILLENEUVOIS", _s("PSV VILLENEUVE-SUR-LOT", "VILLENEUVE SUR LOT", cat.CH, 0.8)),
    _ch("64", "CH DE PAU", _s("CH DE PAU", "PAU", cat.CH, 2.0),
        _s("HAD DU CH DE PAU", "PAU", cat.HAD, 0.5), small=True),
    _ch("64", "CH DE LA COTE BASQUE", _s("CH DE LA COTE BASQUE", "BAYONNE", cat.CH, 2.0),
        _s("CH COTE BASQUE SITE DE ST-JEAN-DE-LUZ", "ST JEAN DE LUZ", cat.CH, 0.3)),
    _ch("64", "CH D'OLORON", _s("CH D'OLORON", "OLORON STE MARIE", cat.CH, 0.5)),
    _ch("64", "CH D'ORTHEZ", _s("CH D'ORTHEZ", "ORTHEZ", cat.CH, 0.5)),
    _ch("79", "CH DE NIORT", _s("CH DE NIORT", "NIORT", cat.CH, 1.5)),
    _ch("79", "CH NORD DEUX-SEVRES", _s("CHNDS SITE DE BRESSUIRE", "BRESSUIRE", cat.CH, 0.8),
        _s("CHNDS SITE DE PARTHENAY", "PARTHENAY", cat.CH, 0.3),
        _s("CHNDS SITE DE THOUARS", "THOUARS", cat.CH, 0.3)),
    _ch("86", "CH DE CHATELLERAULT", _s("CH CAMILLE GUERIN", "CHATELLERAULT", cat.CH, 0.9)),
    _ch("86", "CH DE MONTMORILLON", _s("CH DE MONTMORILLON", "MONTMORILLON", cat.CH, 0.3)),
    _ch("86", "CH DE LOUDUN", _s("CH DE LOUDUN", "LOUDUN", cat.CH, 0.25)),
    _ch("87", "CH DE SAINT-JUNIEN", _s("CH DE SAINT-JUNIEN", "ST JUNIEN", cat.CH, 0.4), small=True),
    _ch("87", "CH DE SAINT-YRIEIX", _s("CH DE SAINT-YRIEIX", "ST YRIEIX LA PERCHE", cat.CH, 0.3)),
    _ch("87", "CH DE SAINT-LEONARD", _s("CH DE SAINT-LEONARD", "ST LEONARD DE NOBLAT", cat.CH, 0.25)),
    # CH spécialisés en psychiatrie
    Entite("chs", "16", "CH CAMILLE CLAUDEL", (_s("CH CAMILLE CLAUDEL", "ANGOULEME", cat.CHS, 0.7),)),
    Entite("chs", "17", "CH MARIUS LACROIX", (_s("CH MARIUS LACROIX", "LA ROCHELLE", cat.CHS, 0.6),)),
    Entite("chs", "24", "CH DE VAUCLAIRE", (_s("CH DE VAUCLAIRE", "MONTPON MENESTEROL", cat.CHS, 0.6),)),
    Entite("chs", "33", "CH CHARLES PERRENS", (_s("CH CHARLES PERRENS", "BORDEAUX", cat.CHS, 1.0),)),
    Entite("chs", "33", "CH DE CADILLAC", (_s("CH DE CADILLAC", "CADILLAC", cat.CHS, 0.8),)),
    Entite("chs", "47", "CH LA CANDELIE", (_s("CH LA CANDELIE", "AGEN", cat.CHS, 0.6),)),
    Entite("chs", "64", "CH DES PYRENEES", (_s("CH DES PYRENEES", "PAU", cat.CHS, 0.8),)),
    Entite("chs", "86", "CH HENRI LABORIT", (_s("CH HENRI LABORIT", "POITIERS", cat.CHS, 0.8),)),
    Entite("chs", "87", "CH ESQUIROL", (_s("CH ESQUIROL", "LIMOGES", cat.CHS, 0.8),), small=True),
    # Centre de lutte contre le cancer
    Entite("clcc", "33", "INSTITUT BERGONIE", (_s("INSTITUT BERGONIE", "BORDEAUX", cat.CLCC, 1.5),),
           public=False, small=True),
    # Dialysis associations (their sites may sit in other départements than the EJ)
    Entite("dialyse", "33", "ASSOCIATION DIALYSE AQUITAINE", (
        _s("UNITE DE DIALYSE DE BORDEAUX", "BORDEAUX", cat.DIALYSE, 0.5),
        _s("UNITE DE DIALYSE DE MERIGNAC", "MERIGNAC", cat.DIALYSE, 0.3),
        _s("UNITE DE DIALYSE DE LIBOURNE", "LIBOURNE", cat.DIALYSE, 0.3, small=False),
        _s("UNITE DE DIALYSE DE BERGERAC", "BERGERAC", cat.DIALYSE, 0.25, small=False),
        _s("UNITE DE DIALYSE D'AGEN", "AGEN", cat.DIALYSE, 0.25, small=False),
        _s("UNITE DE DIALYSE DE PAU", "PAU", cat.DIALYSE, 0.3),
    ), public=False, small=True),
    Entite("dialyse", "87", "ASSOCIATION DIALYSE LIMOUSIN", (
        _s("UNITE DE DIALYSE DE LIMOGES", "LIMOGES", cat.DIALYSE, 0.4),
        _s("UNITE DE DIALYSE DE BRIVE", "BRIVE LA GAILLARDE", cat.DIALYSE, 0.3),
        _s("UNITE DE DIALYSE DE GUERET", "GUERET", cat.DIALYSE, 0.2),
        _s("UNITE DE DIALYSE DE TULLE", "TULLE", cat.DIALYSE, 0.2),
    ), public=False),
    Entite("dialyse", "86", "ASSOCIATION DIALYSE POITOU-CHARENTES", (
        _s("UNITE DE DIALYSE DE POITIERS", "POITIERS", cat.DIALYSE, 0.4),
        _s("UNITE DE DIALYSE DE NIORT", "NIORT", cat.DIALYSE, 0.3),
        _s("UNITE DE DIALYSE D'ANGOULEME", "ANGOULEME", cat.DIALYSE, 0.3),
        _s("UNITE DE DIALYSE DE SAINTES", "SAINTES", cat.DIALYSE, 0.25),
    ), public=False),
    Entite("dialyse", "64", "ASSOCIATION DIALYSE PAYS DE L'ADOUR", (
        _s("UNITE DE DIALYSE DE BAYONNE", "BAYONNE", cat.DIALYSE, 0.35),
        _s("UNITE DE DIALYSE DE DAX", "DAX", cat.DIALYSE, 0.25),
    ), public=False),
)
