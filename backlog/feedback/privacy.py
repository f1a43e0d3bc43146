"""Keeping customers' personal details out of stored feedback.

Emails and phone numbers inside feedback text are masked (backlog.feedback.phone_numbers
says which numbers are phone numbers); customer references are
replaced by a keyed hash, so the same customer is recognised across items and
imports without storing who they are.
"""

import hashlib
import hmac
import re
from functools import lru_cache

from django.conf import settings

from backlog.configuration import settings_for
from backlog.feedback.phone_numbers import has_digit_run, phone_spans

# A local part of the characters RFC 5322 allows (any script's letters too), not
# starting with a dot, then a domain of at least two labels whose last starts
# with a letter: "@mention" and "user@" are left alone. Tried only where a word
# starts, which keeps the search fast.
EMAIL = re.compile(
    r"(?<![\w!#$%&'*+/=?^`{|}~-])[\w!#$%&'*+/=?^`{|}~-][\w.!#$%&'*+/=?^`{|}~-]*"
    r"@(?:[^\W_](?:[\w-]*[^\W_])?\.)+[^\W\d_](?:[\w-]*[^\W_])?"
)
EMAIL_MASK = "[email]"
PHONE_MASK = "[phone]"


def _mask_email(match: re.Match) -> str:
    # In 'jo@example.com' the quotes are the sentence's, not the address's.
    quoted = match.group().startswith("'") and match.string.startswith("'", match.end())
    return f"'{EMAIL_MASK}" if quoted else EMAIL_MASK


def mask_contact_details(text: str, region: str | None = None) -> str:
    """`text` with emails and phone numbers replaced by [email] and [phone].

    `region` is the country whose national numbers the text may hold
    (None: settings.PHONE_REGION); backlog.feedback.phone_numbers says what counts.
    """
    if not text:
        return text
    if "@" in text:
        text = EMAIL.sub(_mask_email, text)
    if not has_digit_run(text):
        return text
    spans = phone_spans(text, region or settings.PHONE_REGION)
    pieces, last = [], 0
    for start, end in spans:
        pieces += [text[last:start], PHONE_MASK]
        last = end
    return "".join(pieces) + text[last:]


@lru_cache(maxsize=65536)
def pseudonymise(reference: str, key: bytes) -> str:
    """A stable, keyed stand-in for a customer reference ("" stays "")."""
    normalised = reference.strip().lower()
    if not normalised:
        return ""
    digest = hmac.digest(key, normalised.encode(), "sha256")
    return f"cust-{digest[:10].hex()}"


def pseudonym_key(organisation) -> bytes:
    """The organisation's key for customer pseudonyms (stable across restarts)."""
    base = settings.PSEUDONYM_KEY or settings.SECRET_KEY
    return hashlib.sha256(f"{base}:pseudonym:{organisation.pk}".encode()).digest()


def masks_contacts(organisation) -> bool:
    """Whether emails and phone numbers in the organisation's feedback are masked."""
    return settings_for(organisation).mask_contact_details


def contact_region(organisation) -> str:
    """The country whose national phone numbers the organisation's feedback holds."""
    return settings_for(organisation).phone_region
