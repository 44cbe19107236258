"""Jinja2 rendering of the notices (autoescape on, undefined names are errors)."""

from __future__ import annotations

from decimal import Decimal
from functools import lru_cache
from pathlib import Path

from jinja2 import Environment, FileSystemLoader, StrictUndefined

from caqes_tasks.notices import formatting as f

TEMPLATES = Path(__file__).parent / "templates"
VIDE = "—"


def _or_dash(fn):
    def wrapped(value, *args, **kwargs):
        return VIDE if value is None or value == "" else fn(value, *args, **kwargs)

    wrapped.__name__ = fn.__name__
    return wrapped


def valeur_indicateur(value: Decimal | None, mesure: str = "") -> str:
    """An indicator value as its measure reads: euros for an amount, percent for a share or an
    action plan's share of items done, a plain decimal number for a rate or an unknown measure."""
    if value is None:
        return VIDE
    if mesure == "amount":
        return f.euros(value)
    if mesure in ("share", "plan"):
        return f.taux(value, 2)
    return f.nombre(value, 4, rogner=True)


def phrase(value) -> str:
    """Free text (a stated reason) to be followed by the notice's own punctuation: without its
    trailing full stop, so that the sentence never ends with « .. »."""
    return "" if value is None else str(value).strip().rstrip(".").rstrip()


def oui_non(value) -> str:
    return VIDE if value is None else ("Oui" if value else "Non")


@lru_cache(maxsize=1)
def environment() -> Environment:
    env = Environment(
        loader=FileSystemLoader(str(TEMPLATES)),
        autoescape=True,
        undefined=StrictUndefined,
        trim_blocks=True,
        lstrip_blocks=True,
        keep_trailing_newline=True,
    )
    env.filters.update(
        euros=_or_dash(f.euros),
        pourcent=_or_dash(f.pourcent),
        taux=_or_dash(f.taux),
        nombre=_or_dash(f.nombre),
        date_fr=_or_dash(f.date_fr),
        finess=_or_dash(f.finess),
        valeur=valeur_indicateur,
        oui_non=oui_non,
        phrase=phrase,
    )
    return env


def render_html(kind: str, context: dict) -> str:
    """The full HTML document of a notice (``templates/<kind>.html.j2``)."""
    return environment().get_template(f"{kind}.html.j2").render(**context)
