"""PDF of the campaign report.

``chromium`` engine: the HTML page printed by headless Chromium (``--print-to-pdf``), so the PDF
is the page as a reader sees it. ``fpdf2`` engine (no browser on the machine, or it failed): a
plain A4 document with DejaVu fonts holding the same figures (overview, envelope, per-EJ
tables) and the charts as embedded SVG. ``auto`` tries Chromium, then fpdf2, except for a
campaign of more than ``CHROMIUM_MAX_EJ`` EJs, which goes to fpdf2 directly: Chromium prints
one page per EJ from a single HTML page, and for France (≈2,750 EJs, a 24 MB page) that took
216 s on 2 cores for a 174 MB PDF, past its time limit, where fpdf2 takes ≈40 s of one core
for 4.8 MB.

The PDF carries no wall-clock date: its creation and modification dates are the date the run
acts on (``created``, midnight UTC), or are blanked out when none is given, so that two runs on
the same inputs give the same bytes. Chromium's profile is a folder beside the PDF being
written (inside the report's staging folder, see ``caqes_tasks.report.publish``), removed when
Chromium ends; a killed run's is removed with its staging folder by the next publish.
"""

from __future__ import annotations

import logging
import os
import re
import shutil
import subprocess
from datetime import date, datetime, timezone
from pathlib import Path

from caqes_tasks.feeds.publish import staging_name
from caqes_tasks.notices.pdf import creation_datetime
from caqes_tasks.notices.render import phrase
from caqes_tasks.outcomes.vocabulary import TypeInteressement
from caqes_tasks.report import charts, fmt
from caqes_tasks.report.data import Campaign

log = logging.getLogger(__name__)

CHROMIUM_NAMES = ("chromium", "chromium-browser", "google-chrome", "google-chrome-stable")
CHROMIUM_FLAGS = (
    "--headless",
    "--no-sandbox",
    "--disable-gpu",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
    "--no-first-run",
    "--no-pdf-header-footer",
)
FONT_DIRS = (Path("/usr/share/fonts/truetype/dejavu"), Path("/usr/share/fonts/dejavu"))
# above this many EJs, ``auto`` does not start Chromium (see the module docstring); a region's
# report (≈200 EJs) prints in 15-22 s
CHROMIUM_MAX_EJ = 1000


def find_chromium() -> str | None:
    """The Chromium binary: ``$CAQES_CHROMIUM`` if set, else the first found on PATH."""
    configured = os.environ.get("CAQES_CHROMIUM")
    if configured:
        return configured if Path(configured).exists() else None
    return next((p for p in map(shutil.which, CHROMIUM_NAMES) if p), None)


_PDF_DATE = re.compile(rb"/(?:CreationDate|ModDate)\s*\((D:[^)]*)\)")
FILE_MODE = 0o644


def set_pdf_dates(content: bytes, created: date | None) -> bytes:
    """The PDF ``content`` with its creation and modification dates set to ``created`` (midnight
    UTC), or blanked out when ``created`` is None. Every byte keeps its offset (the
    cross-reference table stays valid): a date is rewritten in a form of the same length, or the
    entry is replaced by spaces when no such form exists."""

    def repl(m: re.Match) -> bytes:
        whole, old = m.group(0), m.group(1)
        if created is not None:
            day = f"{created:%Y%m%d}"
            for form in (f"D:{day}000000+00'00'", f"D:{day}000000+00'00", f"D:{day}000000Z", f"D:{day}000000", f"D:{day}"):
                if len(form) == len(old):
                    return whole.replace(old, form.encode())
        return b" " * len(whole)

    return _PDF_DATE.sub(repl, content)


def write_bytes(path: Path, content: bytes) -> None:
    """Write ``content`` to ``path`` via a temporary file in the same folder (mode 0644, fsync)."""
    tmp = path.with_name(staging_name(path.name))
    try:
        fd = os.open(tmp, os.O_WRONLY | os.O_CREAT | os.O_EXCL, FILE_MODE)
        with os.fdopen(fd, "wb") as fh:
            os.fchmod(fh.fileno(), FILE_MODE)
            fh.write(content)
            fh.flush()
            os.fsync(fh.fileno())
        os.replace(tmp, path)
    except BaseException:
        tmp.unlink(missing_ok=True)
        raise


def chromium_pdf(
    html_path: Path, pdf_path: Path, binary: str, timeout_s: int = 180, created: date | None = None
) -> None:
    """Print ``html_path`` to ``pdf_path`` with headless Chromium (fresh profile, no network)."""
    tmp_pdf = pdf_path.with_name(staging_name(pdf_path.name))
    profile = pdf_path.parent / staging_name("chromium")  # beside the PDF, never in the system temp
    try:
        # Chromium also puts a socket folder in $TMPDIR: a relative one inside the profile (from
        # the profile as working folder), short enough for a socket path wherever OUT is
        (profile / "tmp").mkdir(parents=True)
        subprocess.run(
            [binary, *CHROMIUM_FLAGS, f"--user-data-dir={profile.resolve()}", f"--print-to-pdf={tmp_pdf.resolve()}",
             html_path.resolve().as_uri()],
            check=True, capture_output=True, timeout=timeout_s, cwd=profile, env={**os.environ, "TMPDIR": "tmp"},
        )  # fmt: skip
        if not tmp_pdf.exists() or tmp_pdf.stat().st_size == 0:
            raise RuntimeError(f"chromium wrote no PDF for {html_path}")
        write_bytes(pdf_path, set_pdf_dates(tmp_pdf.read_bytes(), created))
    finally:
        tmp_pdf.unlink(missing_ok=True)
        shutil.rmtree(profile, ignore_errors=True)


def _font_dir() -> Path:
    for d in FONT_DIRS:
        if (d / "DejaVuSans.ttf").exists():
            return d
    raise FileNotFoundError("DejaVu fonts not found (Debian package fonts-dejavu-core)")


def fpdf_pdf(c: Campaign, pdf_path: Path, *, run_id: str, ref, created: date | None = None) -> None:
    """A plain A4 rendering of the same figures with fpdf2 (see module docstring)."""
    from fpdf import FPDF
    from fpdf.fonts import FontFace

    fonts = _font_dir()
    pdf = FPDF(format="A4")
    pdf.set_auto_page_break(True, margin=14)
    pdf.add_font("DejaVu", "", str(fonts / "DejaVuSans.ttf"))
    pdf.add_font("DejaVu", "B", str(fonts / "DejaVuSans-Bold.ttf"))
    pdf.set_creator("caqes")
    # the run's date, never the clock (a fixed date, then blanked, when there is none)
    pdf.set_creation_date(creation_datetime(created) if created else datetime(2000, 1, 1, tzinfo=timezone.utc))
    pdf.set_title(f"CAQES – rapport de campagne {c.annee}")
    pdf.add_page()
    head = FontFace(emphasis="BOLD", fill_color=(240, 244, 248))

    def title(text: str, size: int = 14) -> None:
        pdf.set_font("DejaVu", "B", size)
        pdf.multi_cell(0, size * 0.55, text, new_x="LMARGIN", new_y="NEXT")
        pdf.ln(1)
        pdf.set_font("DejaVu", "", 9)

    def table(header: list[str], rows: list[list[str]], align: str = "LEFT") -> None:
        pdf.set_font("DejaVu", "", 8.5)
        with pdf.table(headings_style=head, line_height=5, text_align=align, first_row_as_headings=True) as t:
            for r in [header, *rows]:
                t.row([str(x) for x in r])
        pdf.ln(2)

    def svg(markup: str, width: float) -> None:
        import io

        markup = markup.replace(charts.FONT, 'font-family="DejaVu"')  # the font registered above
        markup = re.sub(r"<title>.*?</title>", "", markup)  # tooltips: no meaning on paper
        pdf.image(io.BytesIO(markup.encode("utf-8")), w=width)
        pdf.ln(2)

    title(f"CAQES – rapport de campagne, année d'évaluation {c.annee}", 16)
    pdf.multi_cell(0, 4.5, f"Campagne {ref.campagne} · référentiel {ref.version} · run {run_id}", new_x="LMARGIN", new_y="NEXT")
    pdf.ln(3)
    title("Synthèse régionale")
    table(
        ["Indicateur", "Valeur"],
        [
            ["ET du registre", c.nb_et],
            ["ET ciblés", c.nb_et_cibles],
            ["EJ avec au moins un volet proposé", c.nb_ej_volets],
            ["Scores contrat évaluables / non évaluables", f"{len(c.scores_evaluables)} / {c.nb_non_evaluables}"],
            ["Intéressement total", fmt.euros(c.total_interessement)],
            ["Sanctions totales", fmt.euros(c.total_sanctions)],
            *[[f"dont mesure : {fmt.type_decision(r['type_decision'])}", f"{r['nb_ej']} EJ, {fmt.euros(r['montant'])}"] for r in c.mesures_par_type],
            *[[f"Périmètre contractualisé {fmt.origine(r['origine'])}", f"{r['nb']} ET × indicateur ({r['nb_ej']} EJ)"] for r in c.perimetre_par_origine],
            *([["Ciblés hors périmètre (candidats à un avenant)", c.nb_candidats_avenant]] if c.nb_candidats_avenant is not None else []),
            *[[f"Procédures {fmt.en_attente(r['en_attente'])}", f"{r['nb_ej']} EJ"] for r in c.procedures_en_attente],
        ],
    )
    if c.par_annee:
        title("Évolution sur les années de la campagne", 12)
        table(
            ["Année", "Intéressement national", "Intéressement régional", "Sanctions", "EJ sanctionnées"],
            [[y["annee"], fmt.euros(y["national"]), fmt.euros(y["regional"]), fmt.euros(y["sanctions"]), y["nb_ej_sanctions"]]
             for y in c.par_annee],
        )  # fmt: skip
    if c.ej_a_risque:
        title("EJ à risque", 12)
        table(
            ["EJ", "Ce qui est en jeu", "Sanctions"],
            [[e.titre, " ; ".join(e.risques), fmt.euros(e.total_sanctions)] for e in c.ej_a_risque],
        )
    title("Répartition des scores contrat", 12)
    svg(charts.score_histogram(c.histogram(), c.nb_non_evaluables), 150)
    if c.enveloppes:
        title("Enveloppe régionale par thème", 12)
        table(
            ["Thème", "EJ", "Enveloppe", "Distribué", "Taux"],
            [[e.theme, e.nb_ej, fmt.euros(e.enveloppe), fmt.euros(e.distribue), fmt.percent(e.taux, 1)] for e in c.enveloppes],
        )
        svg(charts.envelope_bars(c.enveloppes), 180)
    if c.tendances:
        title("Évolution des indicateurs par rapport à l'objectif", 12)
        table(
            ["Indicateur", "ET", "Évolution", "Objectif", "Atteint"],
            [[t.indicateur, t.nb_et, fmt.ratio_percent(t.evolution), fmt.ratio_percent(t.objectif), "oui" if t.atteint else "non"] for t in c.tendances],
        )
        svg(charts.trend_bars(c.tendances), 180)
    for e in c.ej:
        pdf.add_page()
        title(f"{e.titre} – FINESS EJ {e.finess_ej}" if e.nom else e.titre, 12)
        if e.scores:
            table(["Niveau", "Code", "Score"], [[s["niveau"], s["code"], fmt.percent(s["score"]) if s["score"] is not None else "non évaluable"] for s in e.scores])
        rows = [
            [
                r["type"], r["code"], r["finess_geo"] or "",
                fmt.formule(r.get("formule")) if r["type"] == TypeInteressement.NATIONAL else "",
                fmt.ratio_percent(r.get("atteinte"), 2) if r["type"] == TypeInteressement.NATIONAL else "",
                fmt.plain(r.get("coefficient_modulation")), fmt.euros(r["montant"]),
            ]
            for r in e.interessement
        ]  # fmt: skip
        table(
            ["Intéressement", "Code", "ET", "Formule", "Atteinte", "Coef.", "Montant"],
            rows + [["Total", "", "", "", "", "", fmt.euros(e.total_interessement)]],
        )
        for coef, motif in e.modulations:
            pdf.multi_cell(0, 4.5, f"Intéressement adapté par le directeur général de l'ARS, coefficient "
                                   f"{fmt.plain(coef)} : {phrase(motif) or 'motif non renseigné'}.", new_x="LMARGIN", new_y="NEXT")  # fmt: skip
            pdf.ln(1)
        rows = [
            [fmt.motif(r["motif"]), r["volet"] or "–", fmt.type_decision(r["type_decision"]), r["statut"], fmt.euros(r["montant"])]
            for r in e.sanctions
        ]
        table(["Sanction", "Volet", "Décision", "Statut", "Montant"], rows + [["Total", "", "", "", fmt.euros(e.total_sanctions)]])
        for r in e.sanctions:
            if r.get("motif_dg"):
                pdf.multi_cell(0, 4.5, f"{fmt.motif(r['motif'])} ({fmt.type_decision(r['type_decision'])}) : décision du "
                                       f"directeur général de l'ARS, motif : {phrase(r['motif_dg'])}.", new_x="LMARGIN", new_y="NEXT")  # fmt: skip
                pdf.ln(1)
    content = bytes(pdf.output())
    write_bytes(pdf_path, content if created else set_pdf_dates(content, None))


def write_pdf(
    html_path: Path, pdf_path: Path, c: Campaign, *, run_id: str, ref, engine: str = "auto", created: date | None = None
) -> str:
    """Write the PDF with ``engine`` (auto | chromium | fpdf2); return the engine used.
    ``created``: the date the run acts on, the PDF's creation date (None: no date)."""
    if engine == "auto" and len(c.ej) > CHROMIUM_MAX_EJ:
        engine = "fpdf2"
    if engine in ("auto", "chromium"):
        binary = find_chromium()
        if binary:
            try:
                chromium_pdf(html_path, pdf_path, binary, created=created)
                return "chromium"
            except (OSError, subprocess.SubprocessError, RuntimeError) as exc:
                if engine == "chromium":
                    raise
                log.warning("chromium PDF failed (%s); falling back to fpdf2", exc)
        elif engine == "chromium":
            raise FileNotFoundError("no chromium binary found (set CAQES_CHROMIUM)")
    fpdf_pdf(c, pdf_path, run_id=run_id, ref=ref, created=created)
    return "fpdf2"
