"""The draft as a printable HTML form (Japanese, marked 下書き)."""

from __future__ import annotations

import datetime as dt
from functools import lru_cache

from jinja2 import Environment, PackageLoader, Template, select_autoescape

from karte.reporting.diseases.forms import Forms, form_has_identity
from karte.reporting.diseases.table import Disease
from karte.reporting.notify.result import Notification


@lru_cache(maxsize=1)
def _template() -> Template:
    env = Environment(
        loader=PackageLoader("karte.reporting.notify", "templates"),
        autoescape=select_autoescape(["html", "j2"]),
    )
    return env.get_template("notify_form.html.j2")


def render_html(notification: Notification, disease: Disease, forms: Forms, as_of: dt.date) -> str:
    fields = forms.fields(disease.form, form_has_identity(disease.category))
    missing = {m.field: m for m in notification.missing}
    return _template().render(
        n=notification,
        fields=fields,
        missing=missing,
        as_of=as_of.isoformat(),
        category_label=disease.class_label(),
    )
