"""The 101 départements of the 18 regions, for the France-sized demo register.

One row per département: FINESS code (``2A``/``2B`` for Corsica, ``9A``..``9F`` overseas, as
in the official extract), label as written in the extract, region, its préfecture (INSEE code,
postal code, name as printed in ``ligneacheminement``, approximate latitude/longitude) and a
weight (population, hundreds of thousands) that spreads the private establishments. Demo data:
the positions are approximate and the commune codes are only there to fill the extract's
fields (``commune`` = the INSEE code without its département part); the establishments of a
département outside Nouvelle-Aquitaine sit in its préfecture.
"""

from __future__ import annotations

from dataclasses import dataclass

from caqes_demo.places import COMMUNES as COMMUNES_NA
from caqes_demo.places import DEPARTEMENTS as DEPARTEMENTS_NA
from caqes_demo.places import Commune, communes_of as communes_na


@dataclass(frozen=True)
class Departement:
    code: str  # FINESS code
    libelle: str
    region: str
    insee: str  # préfecture
    code_postal: str
    prefecture: str
    lat: float
    lon: float
    poids: int


REGIONS: dict[str, str] = {
    "ARA": "Auvergne-Rhône-Alpes", "BFC": "Bourgogne-Franche-Comté", "BRE": "Bretagne",
    "CVL": "Centre-Val de Loire", "COR": "Corse", "GES": "Grand Est", "HDF": "Hauts-de-France",
    "IDF": "Île-de-France", "NOR": "Normandie", "NAQ": "Nouvelle-Aquitaine", "OCC": "Occitanie",
    "PDL": "Pays de la Loire", "PAC": "Provence-Alpes-Côte d'Azur", "GUA": "Guadeloupe",
    "MAR": "Martinique", "GUY": "Guyane", "REU": "La Réunion", "MAY": "Mayotte",
}
OUTRE_MER = ("9A", "9B", "9C", "9D", "9F")

_D = Departement
_DEPARTEMENTS: tuple[Departement, ...] = (
    _D("01", "AIN", "ARA", "01053", "01000", "BOURG EN BRESSE", 46.205, 5.225, 7),
    _D("02", "AISNE", "HDF", "02408", "02000", "LAON", 49.564, 3.620, 5),
    _D("03", "ALLIER", "ARA", "03190", "03000", "MOULINS", 46.566, 3.333, 3),
    _D("04", "ALPES-DE-HAUTE-PROVENCE", "PAC", "04070", "04000", "DIGNE LES BAINS", 44.092, 6.236, 2),
    _D("05", "HAUTES-ALPES", "PAC", "05061", "05000", "GAP", 44.559, 6.079, 1),
    _D("06", "ALPES-MARITIMES", "PAC", "06088", "06000", "NICE", 43.710, 7.262, 11),
    _D("07", "ARDECHE", "ARA", "07186", "07000", "PRIVAS", 44.735, 4.599, 3),
    _D("08", "ARDENNES", "GES", "08105", "08000", "CHARLEVILLE MEZIERES", 49.773, 4.720, 3),
    _D("09", "ARIEGE", "OCC", "09122", "09000", "FOIX", 42.965, 1.607, 2),
    _D("10", "AUBE", "GES", "10387", "10000", "TROYES", 48.297, 4.074, 3),
    _D("11", "AUDE", "OCC", "11069", "11000", "CARCASSONNE", 43.213, 2.353, 4),
    _D("12", "AVEYRON", "OCC", "12202", "12000", "RODEZ", 44.350, 2.575, 3),
    _D("13", "BOUCHES-DU-RHONE", "PAC", "13055", "13000", "MARSEILLE", 43.296, 5.370, 20),
    _D("14", "CALVADOS", "NOR", "14118", "14000", "CAEN", 49.183, -0.370, 7),
    _D("15", "CANTAL", "ARA", "15014", "15000", "AURILLAC", 44.926, 2.440, 1),
    _D("16", "CHARENTE", "NAQ", "16015", "16000", "ANGOULEME", 45.649, 0.156, 4),
    _D("17", "CHARENTE-MARITIME", "NAQ", "17300", "17000", "LA ROCHELLE", 46.160, -1.151, 7),
    _D("18", "CHER", "CVL", "18033", "18000", "BOURGES", 47.081, 2.399, 3),
    _D("19", "CORREZE", "NAQ", "19272", "19000", "TULLE", 45.267, 1.771, 2),
    _D("21", "COTE-D'OR", "BFC", "21231", "21000", "DIJON", 47.322, 5.041, 5),
    _D("22", "COTES-D'ARMOR", "BRE", "22278", "22000", "SAINT BRIEUC", 48.514, -2.765, 6),
    _D("23", "CREUSE", "NAQ", "23096", "23000", "GUERET", 46.171, 1.871, 1),
    _D("24", "DORDOGNE", "NAQ", "24322", "24000", "PERIGUEUX", 45.184, 0.718, 4),
    _D("25", "DOUBS", "BFC", "25056", "25000", "BESANCON", 47.238, 6.024, 5),
    _D("26", "DROME", "ARA", "26362", "26000", "VALENCE", 44.933, 4.892, 5),
    _D("27", "EURE", "NOR", "27229", "27000", "EVREUX", 49.024, 1.151, 6),
    _D("28", "EURE-ET-LOIR", "CVL", "28085", "28000", "CHARTRES", 48.446, 1.489, 4),
    _D("29", "FINISTERE", "BRE", "29232", "29000", "QUIMPER", 47.996, -4.102, 9),
    _D("2A", "CORSE-DU-SUD", "COR", "2A004", "20000", "AJACCIO", 41.919, 8.739, 2),
    _D("2B", "HAUTE-CORSE", "COR", "2B033", "20200", "BASTIA", 42.697, 9.451, 2),
    _D("30", "GARD", "OCC", "30189", "30000", "NIMES", 43.837, 4.360, 7),
    _D("31", "HAUTE-GARONNE", "OCC", "31555", "31000", "TOULOUSE", 43.605, 1.444, 14),
    _D("32", "GERS", "OCC", "32013", "32000", "AUCH", 43.646, 0.586, 2),
    _D("33", "GIRONDE", "NAQ", "33063", "33000", "BORDEAUX", 44.838, -0.579, 16),
    _D("34", "HERAULT", "OCC", "34172", "34000", "MONTPELLIER", 43.611, 3.877, 12),
    _D("35", "ILLE-ET-VILAINE", "BRE", "35238", "35000", "RENNES", 48.117, -1.678, 11),
    _D("36", "INDRE", "CVL", "36044", "36000", "CHATEAUROUX", 46.811, 1.686, 2),
    _D("37", "INDRE-ET-LOIRE", "CVL", "37261", "37000", "TOURS", 47.394, 0.685, 6),
    _D("38", "ISERE", "ARA", "38185", "38000", "GRENOBLE", 45.188, 5.725, 13),
    _D("39", "JURA", "BFC", "39300", "39000", "LONS LE SAUNIER", 46.675, 5.555, 3),
    _D("40", "LANDES", "NAQ", "40192", "40000", "MONT DE MARSAN", 43.890, -0.500, 4),
    _D("41", "LOIR-ET-CHER", "CVL", "41018", "41000", "BLOIS", 47.586, 1.336, 3),
    _D("42", "LOIRE", "ARA", "42218", "42000", "SAINT ETIENNE", 45.440, 4.387, 8),
    _D("43", "HAUTE-LOIRE", "ARA", "43157", "43000", "LE PUY EN VELAY", 45.043, 3.885, 2),
    _D("44", "LOIRE-ATLANTIQUE", "PDL", "44109", "44000", "NANTES", 47.218, -1.554, 15),
    _D("45", "LOIRET", "CVL", "45234", "45000", "ORLEANS", 47.903, 1.909, 7),
    _D("46", "LOT", "OCC", "46042", "46000", "CAHORS", 44.448, 1.441, 2),
    _D("47", "LOT-ET-GARONNE", "NAQ", "47001", "47000", "AGEN", 44.203, 0.616, 3),
    _D("48", "LOZERE", "OCC", "48095", "48000", "MENDE", 44.518, 3.500, 1),
    _D("49", "MAINE-ET-LOIRE", "PDL", "49007", "49000", "ANGERS", 47.474, -0.554, 8),
    _D("50", "MANCHE", "NOR", "50502", "50000", "SAINT LO", 49.116, -1.091, 5),
    _D("51", "MARNE", "GES", "51108", "51000", "CHALONS EN CHAMPAGNE", 48.957, 4.363, 6),
    _D("52", "HAUTE-MARNE", "GES", "52121", "52000", "CHAUMONT", 48.111, 5.139, 2),
    _D("53", "MAYENNE", "PDL", "53130", "53000", "LAVAL", 48.073, -0.770, 3),
    _D("54", "MEURTHE-ET-MOSELLE", "GES", "54395", "54000", "NANCY", 48.692, 6.184, 7),
    _D("55", "MEUSE", "GES", "55029", "55000", "BAR LE DUC", 48.773, 5.160, 2),
    _D("56", "MORBIHAN", "BRE", "56260", "56000", "VANNES", 47.658, -2.760, 8),
    _D("57", "MOSELLE", "GES", "57463", "57000", "METZ", 49.120, 6.176, 10),
    _D("58", "NIEVRE", "BFC", "58194", "58000", "NEVERS", 46.990, 3.159, 2),
    _D("59", "NORD", "HDF", "59350", "59000", "LILLE", 50.629, 3.057, 26),
    _D("60", "OISE", "HDF", "60057", "60000", "BEAUVAIS", 49.430, 2.081, 8),
    _D("61", "ORNE", "NOR", "61001", "61000", "ALENCON", 48.432, 0.091, 3),
    _D("62", "PAS-DE-CALAIS", "HDF", "62041", "62000", "ARRAS", 50.291, 2.778, 15),
    _D("63", "PUY-DE-DOME", "ARA", "63113", "63000", "CLERMONT FERRAND", 45.778, 3.087, 7),
    _D("64", "PYRENEES-ATLANTIQUES", "NAQ", "64445", "64000", "PAU", 43.295, -0.371, 7),
    _D("65", "HAUTES-PYRENEES", "OCC", "65440", "65000", "TARBES", 43.233, 0.078, 2),
    _D("66", "PYRENEES-ORIENTALES", "OCC", "66136", "66000", "PERPIGNAN", 42.699, 2.895, 5),
    _D("67", "BAS-RHIN", "GES", "67482", "67000", "STRASBOURG", 48.573, 7.752, 11),
    _D("68", "HAUT-RHIN", "GES", "68224", "68000", "COLMAR", 48.079, 7.358, 8),
    _D("69", "RHONE", "ARA", "69123", "69000", "LYON", 45.764, 4.836, 19),
    _D("70", "HAUTE-SAONE", "BFC", "70550", "70000", "VESOUL", 47.623, 6.155, 2),
    _D("71", "SAONE-ET-LOIRE", "BFC", "71270", "71000", "MACON", 46.307, 4.828, 5),
    _D("72", "SARTHE", "PDL", "72181", "72000", "LE MANS", 48.006, 0.199, 6),
    _D("73", "SAVOIE", "ARA", "73065", "73000", "CHAMBERY", 45.564, 5.918, 4),
    _D("74", "HAUTE-SAVOIE", "ARA", "74010", "74000", "ANNECY", 45.899, 6.129, 8),
    _D("75", "PARIS", "IDF", "75056", "75012", "PARIS", 48.857, 2.352, 21),
    _D("76", "SEINE-MARITIME", "NOR", "76540", "76000", "ROUEN", 49.443, 1.100, 12),
    _D("77", "SEINE-ET-MARNE", "IDF", "77288", "77000", "MELUN", 48.539, 2.661, 14),
    _D("78", "YVELINES", "IDF", "78646", "78000", "VERSAILLES", 48.805, 2.130, 14),
    _D("79", "DEUX-SEVRES", "NAQ", "79191", "79000", "NIORT", 46.323, -0.459, 4),
    _D("80", "SOMME", "HDF", "80021", "80000", "AMIENS", 49.894, 2.296, 6),
    _D("81", "TARN", "OCC", "81004", "81000", "ALBI", 43.929, 2.148, 4),
    _D("82", "TARN-ET-GARONNE", "OCC", "82121", "82000", "MONTAUBAN", 44.018, 1.355, 3),
    _D("83", "VAR", "PAC", "83137", "83000", "TOULON", 43.124, 5.928, 11),
    _D("84", "VAUCLUSE", "PAC", "84007", "84000", "AVIGNON", 43.949, 4.806, 6),
    _D("85", "VENDEE", "PDL", "85191", "85000", "LA ROCHE SUR YON", 46.670, -1.426, 7),
    _D("86", "VIENNE", "NAQ", "86194", "86000", "POITIERS", 46.580, 0.340, 4),
    _D("87", "HAUTE-VIENNE", "NAQ", "87085", "87000", "LIMOGES", 45.834, 1.262, 4),
    _D("88", "VOSGES", "GES", "88160", "88000", "EPINAL", 48.173, 6.450, 4),
    _D("89", "YONNE", "BFC", "89024", "89000", "AUXERRE", 47.798, 3.567, 3),
    _D("90", "TERRITOIRE DE BELFORT", "BFC", "90010", "90000", "BELFORT", 47.640, 6.863, 1),
    _D("91", "ESSONNE", "IDF", "91228", "91000", "EVRY COURCOURONNES", 48.629, 2.441, 13),
    _D("92", "HAUTS-DE-SEINE", "IDF", "92050", "92000", "NANTERRE", 48.892, 2.207, 16),
    _D("93", "SEINE-SAINT-DENIS", "IDF", "93008", "93000", "BOBIGNY", 48.908, 2.440, 16),
    _D("94", "VAL-DE-MARNE", "IDF", "94028", "94000", "CRETEIL", 48.790, 2.455, 14),
    _D("95", "VAL-D'OISE", "IDF", "95500", "95000", "PONTOISE", 49.051, 2.101, 12),
    _D("9A", "GUADELOUPE", "GUA", "97105", "97100", "BASSE TERRE", 15.998, -61.726, 4),
    _D("9B", "MARTINIQUE", "MAR", "97209", "97200", "FORT DE FRANCE", 14.616, -61.059, 4),
    _D("9C", "GUYANE", "GUY", "97302", "97300", "CAYENNE", 4.933, -52.330, 3),
    _D("9D", "LA REUNION", "REU", "97411", "97400", "ST DENIS", -20.882, 55.451, 9),
    _D("9F", "MAYOTTE", "MAY", "97611", "97600", "MAMOUDZOU", -12.780, 45.228, 3),
)

DEPARTEMENTS: dict[str, Departement] = {d.code: d for d in _DEPARTEMENTS}
LIBELLES: dict[str, str] = {d.code: d.libelle for d in _DEPARTEMENTS}
POIDS: dict[str, int] = {d.code: d.poids for d in _DEPARTEMENTS}
# first digits of the FINESS numbers of a département (overseas: 97/98 and the territory)
PREFIXES_FINESS = {"9A": "9701", "9B": "9702", "9C": "9703", "9D": "9704", "9F": "9805"}


@dataclass(frozen=True)
class FranceCommune:
    """A commune whose FINESS département is given (2A/2B and 9A..9F are not INSEE prefixes)."""

    insee: str
    code_postal: str
    nom: str
    lat: float
    lon: float
    departement: str

    @property
    def code_commune(self) -> str:
        """The ``commune`` field of the FINESS extract: the last three digits of the INSEE code."""
        return self.insee[-3:]


def communes_of(code: str) -> list[Commune | FranceCommune]:
    """The communes of a département: the demo-region ones in Nouvelle-Aquitaine, else its préfecture."""
    if code in DEPARTEMENTS_NA:
        return communes_na(code)
    d = DEPARTEMENTS[code]
    return [FranceCommune(d.insee, d.code_postal, d.prefecture, d.lat, d.lon, d.code)]


def prefecture(code: str) -> Commune | FranceCommune:
    d = DEPARTEMENTS[code]
    if code in DEPARTEMENTS_NA:
        return COMMUNES_NA[d.prefecture]
    return communes_of(code)[0]


def departements_of(region: str) -> list[str]:
    return [d.code for d in _DEPARTEMENTS if d.region == region]
