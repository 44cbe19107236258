"""Départements and communes of Nouvelle-Aquitaine used by the demo register.

Each commune: INSEE code, postal code, name as printed in the FINESS ``ligneacheminement``
(upper case, no accents) and approximate latitude/longitude (only used to place the
demo establishments on the map; Lambert-93 coordinates are derived from them).
"""

from __future__ import annotations

import functools
import math
from dataclasses import dataclass


@dataclass(frozen=True)
class Commune:
    insee: str
    code_postal: str
    nom: str
    lat: float
    lon: float

    @property
    def departement(self) -> str:
        return self.insee[:2]

    @property
    def code_commune(self) -> str:
        """The ``commune`` field of the FINESS extract: INSEE code without the département."""
        return self.insee[2:]


# Département code -> label as written in the FINESS extract (upper case, no accents).
DEPARTEMENTS: dict[str, str] = {
    "16": "CHARENTE",
    "17": "CHARENTE-MARITIME",
    "19": "CORREZE",
    "23": "CREUSE",
    "24": "DORDOGNE",
    "33": "GIRONDE",
    "40": "LANDES",
    "47": "LOT-ET-GARONNE",
    "64": "PYRENEES-ATLANTIQUES",
    "79": "DEUX-SEVRES",
    "86": "VIENNE",
    "87": "HAUTE-VIENNE",
}

# Relative weight of each département in the private sector (roughly its population).
POIDS_DEPARTEMENT: dict[str, int] = {
    "16": 6, "17": 11, "19": 4, "23": 2, "24": 7, "33": 27,
    "40": 7, "47": 5, "64": 12, "79": 6, "86": 7, "87": 6,
}

_COMMUNES: tuple[Commune, ...] = (
    # 16 Charente
    Commune("16015", "16000", "ANGOULEME", 45.649, 0.156),
    Commune("16102", "16100", "COGNAC", 45.695, -0.329),
    Commune("16374", "16800", "SOYAUX", 45.641, 0.200),
    Commune("16292", "16700", "RUFFEC", 46.028, 0.198),
    Commune("16028", "16300", "BARBEZIEUX ST HILAIRE", 45.472, -0.154),
    Commune("16106", "16500", "CONFOLENS", 46.013, 0.672),
    # 17 Charente-Maritime
    Commune("17300", "17000", "LA ROCHELLE", 46.160, -1.151),
    Commune("17299", "17300", "ROCHEFORT", 45.942, -0.963),
    Commune("17415", "17100", "SAINTES", 45.746, -0.633),
    Commune("17306", "17200", "ROYAN", 45.624, -1.030),
    Commune("17197", "17500", "JONZAC", 45.446, -0.434),
    Commune("17347", "17400", "ST JEAN D ANGELY", 45.946, -0.521),
    Commune("17200", "17140", "LAGORD", 46.189, -1.154),
    Commune("17291", "17138", "PUILBOREAU", 46.186, -1.117),
    # 19 Corrèze
    Commune("19272", "19000", "TULLE", 45.267, 1.771),
    Commune("19031", "19100", "BRIVE LA GAILLARDE", 45.159, 1.533),
    Commune("19275", "19200", "USSEL", 45.548, 2.310),
    # 23 Creuse
    Commune("23096", "23000", "GUERET", 46.171, 1.871),
    Commune("23008", "23200", "AUBUSSON", 45.956, 2.168),
    Commune("23176", "23300", "LA SOUTERRAINE", 46.238, 1.487),
    Commune("23030", "23400", "BOURGANEUF", 45.954, 1.755),
    # 24 Dordogne
    Commune("24322", "24000", "PERIGUEUX", 45.184, 0.718),
    Commune("24037", "24100", "BERGERAC", 44.853, 0.483),
    Commune("24520", "24200", "SARLAT LA CANEDA", 44.890, 1.216),
    Commune("24557", "24750", "TRELISSAC", 45.197, 0.780),
    Commune("24294", "24700", "MONTPON MENESTEROL", 45.009, 0.159),
    Commune("24352", "24600", "RIBERAC", 45.250, 0.338),
    Commune("24311", "24300", "NONTRON", 45.529, 0.662),
    # 33 Gironde
    Commune("33063", "33000", "BORDEAUX", 44.838, -0.579),
    Commune("33318", "33600", "PESSAC", 44.806, -0.631),
    Commune("33522", "33400", "TALENCE", 44.803, -0.589),
    Commune("33281", "33700", "MERIGNAC", 44.843, -0.646),
    Commune("33243", "33500", "LIBOURNE", 44.915, -0.244),
    Commune("33529", "33260", "LA TESTE DE BUCH", 44.631, -1.146),
    Commune("33249", "33310", "LORMONT", 44.879, -0.522),
    Commune("33039", "33130", "BEGLES", 44.808, -0.548),
    Commune("33227", "33210", "LANGON", 44.553, -0.249),
    Commune("33240", "33340", "LESPARRE MEDOC", 45.307, -0.938),
    Commune("33058", "33390", "BLAYE", 45.128, -0.662),
    Commune("33081", "33410", "CADILLAC", 44.637, -0.318),
    Commune("33075", "33520", "BRUGES", 44.883, -0.612),
    Commune("33550", "33140", "VILLENAVE D ORNON", 44.781, -0.566),
    Commune("33069", "33110", "LE BOUSCAT", 44.866, -0.600),
    Commune("33009", "33120", "ARCACHON", 44.658, -1.168),
    Commune("33119", "33150", "CENON", 44.857, -0.531),
    # 40 Landes
    Commune("40192", "40000", "MONT DE MARSAN", 43.890, -0.500),
    Commune("40088", "40100", "DAX", 43.710, -1.053),
    Commune("40279", "40990", "ST PAUL LES DAX", 43.726, -1.052),
    Commune("40001", "40800", "AIRE SUR L ADOUR", 43.702, -0.262),
    # 47 Lot-et-Garonne
    Commune("47001", "47000", "AGEN", 44.203, 0.616),
    Commune("47157", "47200", "MARMANDE", 44.500, 0.165),
    Commune("47323", "47300", "VILLENEUVE SUR LOT", 44.408, 0.705),
    Commune("47195", "47600", "NERAC", 44.136, 0.339),
    Commune("47201", "47520", "LE PASSAGE", 44.201, 0.604),
    # 64 Pyrénées-Atlantiques
    Commune("64445", "64000", "PAU", 43.295, -0.371),
    Commune("64102", "64100", "BAYONNE", 43.493, -1.475),
    Commune("64122", "64200", "BIARRITZ", 43.483, -1.559),
    Commune("64024", "64600", "ANGLET", 43.485, -1.516),
    Commune("64422", "64400", "OLORON STE MARIE", 43.194, -0.607),
    Commune("64430", "64300", "ORTHEZ", 43.488, -0.772),
    Commune("64483", "64500", "ST JEAN DE LUZ", 43.388, -1.663),
    Commune("64348", "64140", "LONS", 43.315, -0.409),
    Commune("64160", "64250", "CAMBO LES BAINS", 43.358, -1.401),
    # 79 Deux-Sèvres
    Commune("79191", "79000", "NIORT", 46.323, -0.459),
    Commune("79049", "79300", "BRESSUIRE", 46.841, -0.489),
    Commune("79202", "79200", "PARTHENAY", 46.649, -0.248),
    Commune("79329", "79100", "THOUARS", 46.976, -0.215),
    # 86 Vienne
    Commune("86194", "86000", "POITIERS", 46.580, 0.340),
    Commune("86066", "86100", "CHATELLERAULT", 46.817, 0.546),
    Commune("86165", "86500", "MONTMORILLON", 46.427, 0.871),
    Commune("86137", "86200", "LOUDUN", 47.010, 0.083),
    Commune("86062", "86360", "CHASSENEUIL DU POITOU", 46.651, 0.373),
    Commune("86139", "86600", "LUSIGNAN", 46.436, 0.124),
    # 87 Haute-Vienne
    Commune("87085", "87000", "LIMOGES", 45.834, 1.262),
    Commune("87154", "87200", "ST JUNIEN", 45.888, 0.902),
    Commune("87187", "87500", "ST YRIEIX LA PERCHE", 45.516, 1.206),
    Commune("87161", "87400", "ST LEONARD DE NOBLAT", 45.836, 1.490),
    Commune("87011", "87300", "BELLAC", 46.122, 1.049),
)

COMMUNES: dict[str, Commune] = {c.nom: c for c in _COMMUNES}


def communes_of(departement: str) -> list[Commune]:
    return [c for c in _COMMUNES if c.departement == departement]


@functools.lru_cache(maxsize=None)
def lambert93(lat: float, lon: float) -> tuple[float, float]:
    """Lambert-93 (EPSG:2154) projection of a WGS84/RGF93 point (GRS80 ellipsoid)."""
    a, e = 6378137.0, 0.0818191910428158
    lat0, lon0 = math.radians(46.5), math.radians(3.0)
    lat1, lat2 = math.radians(44.0), math.radians(49.0)
    x0, y0 = 700000.0, 6600000.0

    def m(phi: float) -> float:
        return math.cos(phi) / math.sqrt(1 - (e * math.sin(phi)) ** 2)

    def t(phi: float) -> float:
        s = e * math.sin(phi)
        return math.tan(math.pi / 4 - phi / 2) / ((1 - s) / (1 + s)) ** (e / 2)

    n = (math.log(m(lat1)) - math.log(m(lat2))) / (math.log(t(lat1)) - math.log(t(lat2)))
    f = m(lat1) / (n * t(lat1) ** n)
    r0 = a * f * t(lat0) ** n
    phi, lam = math.radians(lat), math.radians(lon)
    r = a * f * t(phi) ** n
    theta = n * (lam - lon0)
    return x0 + r * math.sin(theta), y0 + r0 - r * math.cos(theta)


@functools.lru_cache(maxsize=None)
def utm(lat: float, lon: float, zone: int, south: bool) -> tuple[float, float]:
    """UTM projection (GRS80) of a point, for the overseas territories (zone, southern hemisphere)."""
    a, f, k0 = 6378137.0, 1 / 298.257222101, 0.9996
    e2 = f * (2 - f)
    ep2 = e2 / (1 - e2)
    phi, lam = math.radians(lat), math.radians(lon)
    lam0 = math.radians(zone * 6 - 183)
    n = a / math.sqrt(1 - e2 * math.sin(phi) ** 2)
    t, c = math.tan(phi) ** 2, ep2 * math.cos(phi) ** 2
    aa = math.cos(phi) * (lam - lam0)
    m = a * ((1 - e2 / 4 - 3 * e2**2 / 64 - 5 * e2**3 / 256) * phi
             - (3 * e2 / 8 + 3 * e2**2 / 32 + 45 * e2**3 / 1024) * math.sin(2 * phi)
             + (15 * e2**2 / 256 + 45 * e2**3 / 1024) * math.sin(4 * phi)
             - (35 * e2**3 / 3072) * math.sin(6 * phi))
    x = 500000.0 + k0 * n * (aa + (1 - t + c) * aa**3 / 6 + (5 - 18 * t + t**2 + 72 * c - 58 * ep2) * aa**5 / 120)
    y = k0 * (m + n * math.tan(phi) * (aa**2 / 2 + (5 - t + 9 * c + 4 * c**2) * aa**4 / 24
                                        + (61 - 58 * t + t**2 + 600 * c - 330 * ep2) * aa**6 / 720))
    return x, y + (10_000_000.0 if south else 0.0)
