"""Line-level PHEV prescriptions (source ``phev_lines``) as partitioned Parquet.

``generate_phev_lines(folder, year=…, finess_geo=[…], rows=…)`` writes
``folder/annee=<year>/part-<k>.parquet`` with the columns of the data contract:
``finess_geo`` (string), ``date_execution`` (date), ``indicateur`` (string), ``code`` (string),
``montant_rembourse`` (decimal(18,2), built from integer cents) and ``quantite`` (int32).
Vectorised with numpy so that large volumes (benchmarks) stay fast; deterministic for a given
seed and year. The product codes are demo codes in the shape of the real nomenclatures (LPP
7 digits, CIP13, NABM 4 digits, transport mode).
"""

from __future__ import annotations

from datetime import date
from pathlib import Path

ROWS_PER_PART = 1_000_000

# indicator -> (share of lines, [(code, unit price in cents), ...])
CODES: dict[str, tuple[float, tuple[tuple[str, int], ...]]] = {
    "NAT_1": (0.15, (("1108330", 4250), ("1134240", 8900), ("1190980", 1530), ("1161204", 2675))),
    "NAT_2": (0.30, (("3400930000017", 412), ("3400930000123", 675), ("3400930000246", 318),
                     ("3400930000352", 529))),
    "NAT_3": (0.15, (("1104", 540), ("1127", 760), ("0126", 1350), ("1610", 810), ("0593", 2430))),
    "NAT_4": (0.20, (("1314007", 1190), ("1385403", 455), ("1318503", 2040), ("1362950", 780))),
    "NAT_5": (0.05, (("3400930000468", 2215), ("3400930000574", 3160))),
    "NAT_6": (0.15, (("AMB", 10450), ("VSL", 4380), ("TAX", 5120))),
}
_EPOCH = date(1970, 1, 1)


def _table(rng, n: int, year: int, finess_geo: list[str]):
    import numpy as np
    import pyarrow as pa
    import pyarrow.compute as pc

    codes, indicateurs, prix, probas = [], [], [], []
    noms = list(CODES)
    for i, nom in enumerate(noms):
        part, liste = CODES[nom]
        for code, cents in liste:
            codes.append(code)
            indicateurs.append(i)
            prix.append(cents)
            probas.append(part / len(liste))
    probas = np.array(probas) / sum(probas)
    poids_et = rng.lognormal(0.0, 1.0, len(finess_geo))
    poids_et /= poids_et.sum()

    et_idx = rng.choice(len(finess_geo), size=n, p=poids_et)
    code_idx = rng.choice(len(codes), size=n, p=probas)
    debut = (date(year, 1, 1) - _EPOCH).days
    jours = (date(year + 1, 1, 1) - date(year, 1, 1)).days
    dates = (debut + rng.integers(0, jours, n)).astype(np.int32)
    quantite = rng.integers(1, 7, n).astype(np.int32)
    # price noise in whole cents: the amount is an exact integer number of cents
    cents = quantite.astype(np.int64) * (np.array(prix, dtype=np.int64)[code_idx] + rng.integers(-30, 31, n))
    cents = np.maximum(cents, 1)
    int128 = np.zeros((n, 2), dtype="<i8")  # little-endian two's complement, non-negative values
    int128[:, 0] = cents
    montant = pa.Array.from_buffers(pa.decimal128(18, 2), n, [None, pa.py_buffer(int128.tobytes())])

    return pa.table({
        "finess_geo": pc.take(pa.array(finess_geo, pa.string()), pa.array(et_idx)),
        "date_execution": pa.array(dates, pa.int32()).cast(pa.date32()),
        "indicateur": pc.take(pa.array(noms, pa.string()), pa.array(np.array(indicateurs)[code_idx])),
        "code": pc.take(pa.array(codes, pa.string()), pa.array(code_idx)),
        "montant_rembourse": montant,
        "quantite": pa.array(quantite, pa.int32()),
    })


def generate_phev_lines(folder: Path, *, year: int, finess_geo: list[str], rows: int, seed: int = 2022,
                        rows_per_part: int = ROWS_PER_PART) -> list[Path]:
    """Write ``rows`` prescription lines of ``year`` for the given ETs; return the files written."""
    import numpy as np
    import pyarrow.parquet as pq

    if not finess_geo:
        raise ValueError("finess_geo must list at least one establishment")
    if rows < 0 or rows_per_part <= 0:
        raise ValueError("rows must be >= 0 and rows_per_part > 0")
    partition = Path(folder) / f"annee={year}"
    partition.mkdir(parents=True, exist_ok=True)
    rng = np.random.default_rng([seed, year])
    written = []
    for k, start in enumerate(range(0, rows, rows_per_part)):
        n = min(rows_per_part, rows - start)
        path = partition / f"part-{k}.parquet"
        pq.write_table(_table(rng, n, year, sorted(finess_geo)), path)
        written.append(path)
    return written


LIGNES_PAR_SERIE = 36  # lines per ET × year × indicator in the demo landing
# codes of the lines that make up a yearly PHEV amount: NAT_6 measures ambulance spending only
CODES_DU_MONTANT = {nom: tuple(c for c, _ in liste if nom != "NAT_6" or c == "AMB") for nom, (_, liste) in CODES.items()}


def _repartir(rng, total: int, poids) -> list[int]:
    """Split ``total`` into integers proportional to ``poids`` (largest remainder, exact sum)."""
    somme = int(poids.sum())
    parts = [total * int(w) // somme for w in poids]
    restes = sorted(range(len(parts)), key=lambda i: (-(total * int(poids[i]) % somme), i))
    for i in restes[: total - sum(parts)]:
        parts[i] += 1
    return parts


def write_lines_from_amounts(folder: Path, series: dict[tuple[str, int, str], tuple[int, int]], *,
                             seed: int = 2022) -> tuple[list[Path], int]:
    """Line-level prescriptions that add up EXACTLY to yearly PHEV amounts and volumes.

    ``series`` maps (finess_geo, annee, indicateur) to (amount in cents, volume). Each series
    becomes up to ``LIGNES_PAR_SERIE`` lines spread over the calendar year (quantities ≥ 1
    summing to the volume, amounts ≥ 1 cent summing to the amount), so that a period inside
    the year (e.g. from a contract's date d'effet) can be summed from the lines. Writes
    ``folder/annee=<year>/part-0.parquet`` per year; deterministic for a given seed. Returns the
    files written and their number of lines.
    """
    import numpy as np
    import pyarrow as pa
    import pyarrow.parquet as pq

    rng = np.random.default_rng([seed, 7])
    written, lignes = [], 0
    for year in sorted({a for _, a, _ in series}):
        debut = (date(year, 1, 1) - _EPOCH).days
        jours = (date(year + 1, 1, 1) - date(year, 1, 1)).days
        cols: dict[str, list] = {"finess_geo": [], "date_execution": [], "indicateur": [], "code": [],
                                 "cents": [], "quantite": []}
        for (f, a, nom), (cents, volume) in sorted(series.items()):
            if a != year or cents <= 0 or volume <= 0:
                continue
            k = min(LIGNES_PAR_SERIE, volume, cents)
            quantites = 1 + rng.multinomial(volume - k, [1 / k] * k)
            poids = quantites * rng.integers(90, 111, k)
            montants = [1 + m for m in _repartir(rng, cents - k, poids)]
            jours_ = np.sort(rng.integers(0, jours, k))
            codes = CODES_DU_MONTANT[nom]
            cols["finess_geo"] += [f] * k
            cols["date_execution"] += [int(debut + j) for j in jours_]
            cols["indicateur"] += [nom] * k
            cols["code"] += [codes[int(i)] for i in rng.integers(0, len(codes), k)]
            cols["cents"] += montants
            cols["quantite"] += [int(q) for q in quantites]
        n = len(cols["cents"])
        int128 = np.zeros((n, 2), dtype="<i8")
        int128[:, 0] = np.array(cols["cents"], dtype=np.int64)
        table = pa.table({
            "finess_geo": pa.array(cols["finess_geo"], pa.string()),
            "date_execution": pa.array(np.array(cols["date_execution"], dtype=np.int32), pa.int32()).cast(pa.date32()),
            "indicateur": pa.array(cols["indicateur"], pa.string()),
            "code": pa.array(cols["code"], pa.string()),
            "montant_rembourse": pa.Array.from_buffers(pa.decimal128(18, 2), n, [None, pa.py_buffer(int128.tobytes())]),
            "quantite": pa.array(np.array(cols["quantite"], dtype=np.int32), pa.int32()),
        })
        partition = Path(folder) / f"annee={year}"
        partition.mkdir(parents=True, exist_ok=True)
        path = partition / "part-0.parquet"
        pq.write_table(table, path)
        written.append(path)
        lignes += n
    return written, lignes


LIGNES_PAR_LOT = 4_000_000
SKEW = 1.6  # lines per series ~ volume ** SKEW  # lines built at once (memory bound), appended per month as row groups


def _split_exact(totaux, seg, poids, rang):
    """Split ``totaux[s]`` over the lines of each series ``s`` in proportion to ``poids``: integers
    whose sum per series is exactly ``totaux[s]`` (floor, then one more to the first lines)."""
    import numpy as np

    n = len(totaux)
    somme = np.bincount(seg, weights=poids, minlength=n).astype(np.int64)
    parts = totaux[seg] * poids // somme[seg]
    reste = totaux - np.bincount(seg, weights=parts, minlength=n).astype(np.int64)
    return parts + (rang < reste[seg])


def _nombre_de_lignes(volumes, plafonds, rows: int):
    """Lines per series: about ``rows`` in all, growing faster than the volume (``volume ** SKEW``:
    the large sites' prescriptions are many small lines, the small sites' fewer grouped ones, so a
    few university hospitals carry most lines), at least one and at most ``plafonds`` (each line
    holds ≥ 1 unit and ≥ 1 cent)."""
    import numpy as np

    poids = volumes.astype(np.float64) ** SKEW
    n = np.minimum(np.maximum(1, np.floor(rows * poids / poids.sum())).astype(np.int64), plafonds)
    for _ in range(8):  # hand the lines lost to the caps to the series that have room
        manque = rows - int(n.sum())
        libres = n < plafonds
        if manque <= 0 or not libres.any():
            break
        ajout = np.where(libres, np.floor(manque * poids / poids[libres].sum()), 0).astype(np.int64)
        if not ajout.any():
            ajout = np.where(libres & (np.cumsum(libres) <= manque), 1, 0)
        n = np.minimum(n + ajout, plafonds)
    manque = rows - int(n.sum())
    if manque > 0:  # the last lines, to the series in order while they have room
        place = plafonds - n
        avant = np.cumsum(place) - place
        n = n + np.clip(manque - avant, 0, place)
    return n


def write_lines_volume(folder: Path, series: dict[tuple[str, int, str], tuple[int, int]], rows: int, *,
                       seed: int = 2022, lines_per_batch: int = LIGNES_PAR_LOT) -> tuple[list[Path], int]:
    """About ``rows`` prescription lines that add up EXACTLY to yearly PHEV amounts and volumes.

    ``series`` maps (finess_geo, annee, indicateur) to (amount in cents, volume), as for
    ``write_lines_from_amounts``. The lines are spread over the series in proportion to their
    volume (a few large university hospitals carry most of them) and over the days of the year;
    quantities ≥ 1 sum to the volume and amounts ≥ 1 cent to the amount of each series. Written
    with numpy and pyarrow, batch by batch, as ``folder/annee=<year>/part-<MM>.parquet`` (one file
    per month, row groups of up to a batch). Deterministic for a given seed. Returns the files
    written and their number of lines (at least one line per series, so a little more than
    ``rows`` when there are more series than rows).
    """
    import numpy as np
    import pyarrow as pa
    import pyarrow.parquet as pq

    cles = sorted(k for k, (c, v) in series.items() if c > 0 and v > 0)
    noms = list(CODES)
    ets = sorted({f for f, _, _ in cles})
    et_de = {f: i for i, f in enumerate(ets)}
    et_array = pa.array(ets, pa.string())
    codes = sorted({c for liste in CODES_DU_MONTANT.values() for c in liste})
    code_array = pa.array(codes, pa.string())
    nom_array = pa.array(noms, pa.string())
    # per indicator: the candidate codes' positions in ``codes``
    choix = [np.array([codes.index(c) for c in CODES_DU_MONTANT[nom]]) for nom in noms]
    volumes = np.array([series[k][1] for k in cles], dtype=np.int64)
    montants = np.array([series[k][0] for k in cles], dtype=np.int64)
    nombres = _nombre_de_lignes(volumes, np.minimum(volumes, montants), rows)
    annees = np.array([a for _, a, _ in cles])
    schema = pa.schema([("finess_geo", pa.string()), ("date_execution", pa.date32()), ("indicateur", pa.string()),
                        ("code", pa.string()), ("montant_rembourse", pa.decimal128(18, 2)), ("quantite", pa.int32())])
    written, total = [], 0
    for year in sorted(set(annees.tolist())):
        rng = np.random.default_rng([seed, 11, year])
        debut = (date(year, 1, 1) - _EPOCH).days
        debuts_mois = np.array([(date(year, m, 1) - date(year, 1, 1)).days for m in range(1, 13)])
        jours = (date(year + 1, 1, 1) - date(year, 1, 1)).days
        partition = Path(folder) / f"annee={year}"
        partition.mkdir(parents=True, exist_ok=True)
        paths = [partition / f"part-{m:02d}.parquet" for m in range(1, 13)]
        writers = [pq.ParquetWriter(p, schema) for p in paths]
        try:
            idx = np.flatnonzero(annees == year)
            lots = np.cumsum(nombres[idx]) // lines_per_batch
            for lot in np.unique(lots):
                s = idx[lots == lot]
                n = nombres[s]
                seg = np.repeat(np.arange(len(s)), n)
                depart = np.cumsum(n) - n
                rang = np.arange(len(seg)) - depart[seg]
                quantite = 1 + _split_exact(volumes[s] - n, seg, rng.integers(50, 151, len(seg)), rang)
                cents = 1 + _split_exact(montants[s] - n, seg, quantite * rng.integers(90, 111, len(seg)), rang)
                ind = np.array([noms.index(cles[k][2]) for k in s])[seg]
                code = np.empty(len(seg), dtype=np.int64)
                for i, positions in enumerate(choix):
                    m = ind == i
                    code[m] = positions[rng.integers(0, len(positions), int(m.sum()))]
                jour = rng.integers(0, jours, len(seg))
                mois = np.searchsorted(debuts_mois, jour, side="right") - 1
                et = np.array([et_de[cles[k][0]] for k in s])[seg]
                ordre = np.argsort(mois, kind="stable")
                bornes = np.searchsorted(mois[ordre], np.arange(13))
                for m in range(12):
                    sel = ordre[bornes[m]:bornes[m + 1]]
                    if not len(sel):
                        continue
                    int128 = np.zeros((len(sel), 2), dtype="<i8")
                    int128[:, 0] = cents[sel]
                    writers[m].write_table(pa.table({
                        "finess_geo": et_array.take(pa.array(et[sel])),
                        "date_execution": pa.array((debut + jour[sel]).astype(np.int32), pa.int32()).cast(pa.date32()),
                        "indicateur": nom_array.take(pa.array(ind[sel])),
                        "code": code_array.take(pa.array(code[sel])),
                        "montant_rembourse": pa.Array.from_buffers(pa.decimal128(18, 2), len(sel),
                                                                   [None, pa.py_buffer(int128.tobytes())]),
                        "quantite": pa.array(quantite[sel].astype(np.int32), pa.int32()),
                    }, schema=schema))
                total += len(seg)
        finally:
            for w in writers:
                w.close()
        written += paths
    return written, total
