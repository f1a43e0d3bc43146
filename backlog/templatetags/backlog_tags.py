"""How backlog numbers read on a page, and the backlog panel of the settings page."""

from django import template

from backlog.configuration import settings_for
from backlog.experiments.decisions import Recommendation
from backlog.experiments.readings import bounded_p_value, bounded_probability
from backlog.forms.configuration import BacklogSettingsForm
from backlog.scoring.frameworks import IceMode

register = template.Library()

DASH = "–"


@register.filter
def at(values, position: int):
    """The item of a list at a position: rows[i] in a nested loop."""
    try:
        return values[int(position)]
    except (IndexError, TypeError, ValueError):
        return None


@register.filter
def at_key(mapping, key):
    """The value of a dictionary for a key that is not a name: counts[step]."""
    return mapping.get(key) if hasattr(mapping, "get") else None


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


@register.filter
def amount(value):
    """A mean or a sum for reading: 12345.6 → 12,346, 19.80 → 19.8, 0.04213 →
    0.0421."""
    if value is None:
        return DASH
    value = float(value)
    if abs(value) >= 1000:
        return f"{value:,.0f}"
    if abs(value) >= 1:
        return f"{value:,.2f}".rstrip("0").rstrip(".")
    return f"{value:.3g}"


@register.filter
def signed_amount(value):
    """A difference of means with its sign: 0.153 → +0.153."""
    if value is None:
        return DASH
    text = amount(abs(float(value)))
    sign = "+" if float(value) > 0 else "-" if float(value) < 0 else "±"
    return f"{sign}{text}"


RECOMMENDATION_LABELS = {
    Recommendation.SHIP: "Ship",
    Recommendation.DONT_SHIP: "Don't ship",
    Recommendation.INCONCLUSIVE: "Inconclusive",
    Recommendation.KEEP_RUNNING: "Keep running",
}


@register.filter
def recommendation_label(value):
    """What the pre-registered rules recommend, in words: dont_ship → Don't ship."""
    if not value:
        return "No recommendation"
    return RECOMMENDATION_LABELS.get(Recommendation(value), str(value))


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
