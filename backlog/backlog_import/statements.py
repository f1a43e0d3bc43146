"""A whole hypothesis written in one cell, split into the app's parts.

Three templates CRO teams write hypotheses in are recognised:

* "Because we saw <observation>, we expect that <change> for <audience> will
  cause <impact>. We'll measure this by <metric>." (the app's own order);
* "If we <change>, then <impact>, because <observation>." (the classic one);
* "We believe that <change> for <audience> will <impact>. We'll know when we
  see <metric>." (the one of Lean UX).

A statement in none of them is kept whole as the change ("we expect that"), so
that nothing is lost and people can split it by hand.
"""

import re

END = r"[\s.;!]*$"
METRIC_TAIL = (
    r"(?:[.;,]?\s*(?:and\s+)?(?:we(?:'|’)?ll|we will|we can)?\s*"
    r"(?:measure(?:d)?(?:\s+(?:this|it|that))?\s+(?:by|using|with|through|in)"
    r"|know(?:\s+(?:this|it))?(?:\s+is true)?\s+when(?:\s+we\s+see)?)"
    r"\s+(?P<metric>.+?))?"
)
TEMPLATES = [
    re.compile(
        r"^because\s+we\s+(?:saw|observed|noticed|know|see)(?:\s+that)?\s+"
        r"(?P<observation>.+?),?\s+we\s+(?:expect|believe)\s+that\s+"
        r"(?P<change>.+?)\s+for\s+(?P<audience>.+?)\s+will\s+(?:cause\s+)?"
        r"(?P<impact>.+?)" + METRIC_TAIL + END,
        re.IGNORECASE | re.DOTALL,
    ),
    re.compile(
        r"^if\s+(?:we\s+)?(?P<change>.+?),?\s+then\s+(?P<impact>.+?)"
        r"(?:,?\s+(?:because|since|as)\s+(?P<observation>.+?))?" + METRIC_TAIL + END,
        re.IGNORECASE | re.DOTALL,
    ),
    re.compile(
        r"^we\s+believe(?:\s+that)?\s+(?P<change>.+?)"
        r"(?:\s+for\s+(?P<audience>.+?))?\s+will\s+(?P<impact>.+?)" + METRIC_TAIL + END,
        re.IGNORECASE | re.DOTALL,
    ),
]
PARTS = ["observation", "change", "audience", "impact", "metric"]


def split_statement(text: str) -> tuple[dict[str, str], bool]:
    """The parts of a free-text hypothesis, and whether a template matched.

    Parts the statement does not give are left out, never guessed.
    """
    text = " ".join(text.split())
    if not text:
        return {}, True
    for template in TEMPLATES:
        match = template.match(text)
        if match:
            parts = {
                name: _tidy(value)
                for name, value in match.groupdict().items()
                if value and _tidy(value)
            }
            return parts, True
    return {"change": text}, False


def _tidy(value: str) -> str:
    return value.strip(" ,;")
