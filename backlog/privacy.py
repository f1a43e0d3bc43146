"""Keeping customers' personal details out of stored feedback.

Emails and phone numbers inside feedback text are masked; customer references are
replaced by a keyed hash, so the same customer is recognised across items and
imports without storing who they are.
"""

import hashlib
import hmac
import re
from functools import lru_cache

from django.conf import settings

EMAIL = re.compile(r"[\w.+-]+@[\w-]+(?:\.[\w-]+)+", re.UNICODE)
# Phone numbers start with + or 0 (international or national format) and have at
# least eight digits; order numbers such as "#619501" are left alone.
PHONE = re.compile(
    r"(?<![\w#./:+-])(?:\+|00|0)\d(?:[\s./-]?\(?\d+\)?){2,}(?!\w)"
    r"|\(\d{3}\)\s?\d{3}[\s.-]\d{4}"
)
EMAIL_MASK = "[email]"
PHONE_MASK = "[phone]"


def _mask_phone(match: re.Match) -> str:
    digits = sum(ch.isdigit() for ch in match.group(0))
    return PHONE_MASK if digits >= 8 else match.group(0)


# A phone number has a digit after "+", "0" or "(": texts without one are skipped
# cheaply, which matters when an import masks hundreds of thousands of them.
MAYBE_PHONE = re.compile(r"[+0(]\d")


def mask_contact_details(text: str, region: str | None = None) -> str:
    if "@" in text:
        text = EMAIL.sub(EMAIL_MASK, text)
    if MAYBE_PHONE.search(text):
        text = PHONE.sub(_mask_phone, text)
    return text


@lru_cache(maxsize=65536)
def pseudonymise(reference: str, key: bytes) -> str:
    """A stable, keyed stand-in for a customer reference ("" stays "")."""
    normalised = reference.strip().lower()
    if not normalised:
        return ""
    digest = hmac.new(key, normalised.encode(), hashlib.sha256).hexdigest()
    return f"cust-{digest[:20]}"


def pseudonym_key(organisation) -> bytes:
    """The organisation's key for customer pseudonyms (stable across restarts)."""
    base = settings.PSEUDONYM_KEY or settings.SECRET_KEY
    return hashlib.sha256(f"{base}:pseudonym:{organisation.pk}".encode()).digest()


def masks_contacts(organisation) -> bool:
    """Whether emails and phone numbers in the organisation's feedback are masked."""
    from backlog.configuration import settings_for

    return settings_for(organisation).mask_contact_details


def contact_region(organisation) -> str:
    """The country whose phone numbers the organisation's feedback writes."""
    from backlog.configuration import settings_for

    return settings_for(organisation).phone_region
