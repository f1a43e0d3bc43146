"""How statistics read for people: probabilities and p-values with bounds where
rounding would turn them into certainties."""

DASH = "–"


def bounded_probability(value: float | None, decimals: int = 1) -> str:
    """A probability as a percentage that never rounds to certainty: 0.9996 →
    > 99.9 %, 0.0004 → < 0.1 %."""
    if value is None:
        return DASH
    decimals = int(decimals)
    step = 10.0**-decimals
    shown = float(value) * 100
    if shown >= 100 - step / 2:
        return f"> {100 - step:.{decimals}f} %"
    if shown < step / 2:
        return f"< {step:.{decimals}f} %"
    return f"{shown:.{decimals}f} %"


def bounded_p_value(value: float | None) -> str:
    """A p-value with three decimals, bounded where they would round it to 0 or
    to 1 (only equal rates have a p-value of exactly 1)."""
    if value is None:
        return DASH
    if value < 0.001:
        return "< 0.001"
    if 0.9995 <= value < 1:
        return "> 0.999"
    return f"{value:.3f}"
