"""How backlog numbers read on a page, and the backlog panel of the settings page."""

from django import template

from backlog.configuration import settings_for
from backlog.experiments.readings import bounded_p_value, bounded_probability
from backlog.forms.configuration import BacklogSettingsForm
from backlog.scoring.frameworks import IceMode

register = template.Library()

DASH = "–"


@register.filter
def score(value, decimals: int = 1):
    """A framework score with one decimal, or a dash when nobody scored."""
    if value is None or value == "":
        return DASH
    return f"{float(value):.{int(decimals)}f}"


@register.filter
def percent(value, decimals: int = 2):
    """A fraction shown as a percentage: 0.0325 → 3.25 %."""
    if value is None:
        return DASH
    return f"{float(value) * 100:.{int(decimals)}f} %"


@register.filter
def short_percent(value):
    """A fraction as a percentage with up to three decimals: 0.025 → 2.5 %."""
    if value is None:
        return DASH
    text = f"{float(value) * 100:.3f}".rstrip("0").rstrip(".")
    return f"{text} %"


@register.filter
def thousands(value):
    """A whole number with thin separators for reading: 60280 → 60,280."""
    if value is None or value == "":
        return DASH
    return f"{int(value):,}"


@register.filter
def signed_percent(value, decimals: int = 1):
    """A relative change with its sign: 0.08 → +8.0 %."""
    if value is None:
        return DASH
    return f"{float(value) * 100:+.{int(decimals)}f} %"


@register.filter
def points(value, decimals: int = 2):
    """A difference of rates in percentage points: 0.008 → +0.80 pp."""
    if value is None:
        return DASH
    return f"{float(value) * 100:+.{int(decimals)}f} pp"


@register.filter
def number(value):
    """A stored decimal without trailing zeros: 7.500 → 7.5."""
    if value is None:
        return DASH
    text = f"{value:f}"
    return text.rstrip("0").rstrip(".") if "." in text else text


@register.filter
def probability(value, decimals: int = 1):
    return bounded_probability(value, decimals)


@register.filter
def pvalue(value):
    return bounded_p_value(value)


@register.filter
def meter_value(value):
    """A probability as a whole percentage for a <meter>."""
    return 0 if value is None else round(float(value) * 100)


@register.inclusion_tag("backlog/_settings_panel.html", takes_context=True)
def backlog_settings_panel(context):
    request = context["request"]
    current = settings_for(request.organisation)
    return {
        "request": request,
        "organisation": request.organisation,
        "csrf_token": context.get("csrf_token"),
        "form": BacklogSettingsForm(instance=current),
        "current": current,
        "ice_product": current.ice_mode == IceMode.PRODUCT,
    }
