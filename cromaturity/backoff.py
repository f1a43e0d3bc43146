"""How long to wait before trying again after failures in a row."""

# 2**30 times the first wait is already far beyond any sensible longest wait;
# the exponent stops there so that no count of failures overflows a float.
_LARGEST_EXPONENT = 30


def backoff(failures: int, *, first: float, longest: float) -> float:
    """Seconds to wait after the `failures`-th failure in a row.

    `first` after the first failure, doubling with each further one, never more
    than `longest`.
    """
    if failures < 1:
        raise ValueError(f"failures counts from 1, not {failures}")
    return min(longest, first * 2 ** min(failures - 1, _LARGEST_EXPONENT))
