"""Finding customers' phone numbers in feedback text, and leaving other numbers alone.

The rule. A *run* is a stretch of digits joined by spaces, dots, dashes, slashes
and brackets, with an optional leading + or opening bracket; only runs of at least
seven digits are looked at, so most texts never reach libphonenumber.

1. A run that has the shape of another kind of number is left whole: a date
   (29.03.2026, 2026-03-29 03:30, 03/29/2026), an IP address, thousands written
   with separators (1.234.567, 20 000 000) and anything printed in four or more
   blocks of four digits (card numbers, IBAN digits, USPS tracking numbers).
2. Inside a run, libphonenumber's PhoneNumberMatcher (leniency POSSIBLE, see
   below) proposes numbers. A proposed number is a phone number when it is:

   a. in international form: a leading + (or 00, or 011 from North America, if
      the number is also grouped or valid), with a length possible for its
      country code: +44 7126 781098, +49 (0)30 1234567, 0044 7126 781098;
   b. in the national form of the organisation's country, with the trunk
      prefix that country dials (0 in GB, DE, FR, NL, AU, IE; 1 optional in
      North America), and either grouped exactly as libphonenumber formats that
      country's numbers, whatever the separators (07700 900123, 020 7946 0958,
      (415) 555-0100, 415.555.0100, 555-867-5309, 1-800-555-0199, 867-5309),
      or valid in that country's numbering plan however it is grouped
      (07911123456, 0171 123 4567);
   c. in the national form of one of the major regions in ABROAD, with their
      trunk prefix and at least nine digits, grouped exactly as libphonenumber
      formats that region's numbers (030 1234567, 06 12 34 56 78 or
      (415) 555-0100 in a British organisation's feedback). An unformatted
      number of another country is never guessed at.

3. A phone-shaped number is still left alone when its surroundings say it is
   something else:

   * it is glued to a word: a letter or digit right next to it, a letter
     beyond a - _ / or =, or a lower-case letter beyond a dot after it (SKUs,
     versions, file names, invoice and tracking numbers such as
     INV-2026-00123, 1Z999AA10123456784, AB123456789GB, JJD0012345678901,
     paths and queries in links);
   * it lies inside a web address or an IBAN (GB29 NWBK 6016 1331 9268 19);
   * the word before it names another kind of number: order, customer,
     account, invoice, reference, tracking, parcel, ticket, card, ... in
     English, German, French, Dutch, Spanish and Italian, perhaps followed by
     "number", "no.", "ID" or "#" (Order 4500012345, order no. 0012345678,
     customer number 0044123456, Kundennummer 01234567), or just "#";
   * a currency sign or code stands right before or after it.

Why leniency POSSIBLE (the right length for the region) and not VALID, which
also checks the numbering plan: the plan leaves out the ranges kept for drama
and tests (555 numbers, 07700 900xxx) and any range allocated after the
library's metadata was built, and customers write those numbers all the same.
The precision VALID would give comes instead from the trunk prefix, the exact
grouping (libphonenumber's own formatting, which is what EXACT_GROUPING checks,
but that leniency requires VALID too), validity for unformatted numbers, and the
context rules. The organisation's country is the region every national number
is first read in; the regions in ABROAD are tried only for what is left.
"""

import re
from functools import lru_cache

import phonenumbers
from phonenumbers import (
    Leniency,
    PhoneNumberFormat,
    PhoneNumberMatcher,
    ValidationResult,
)

# The regions help desks most often hear from besides their own (Canada shares
# North America's +1 plan with the United States).
ABROAD = ("US", "GB", "DE", "FR", "NL", "ES", "IT", "AU", "IE")
MIN_DIGITS = 7
MIN_DIGITS_ABROAD = 9

_SEPARATORS = " \t\u00a0\u2009\u202f().\\-/\u2010\u2013"
# Without the leading + or bracket and a closing bracket, which are added after
# the match: an optional first character would slow every search down.
RUN = re.compile(rf"\d[\d{_SEPARATORS}]{{5,}}\d")
GROUPED = re.compile(rf"\d[{_SEPARATORS}]+\d")

OTHER_NUMBER_SHAPES = re.compile(
    "|".join(
        [
            # Dates: day or month first, or the year first.
            r"(?<![\d./-])(?:[0-3]?\d(?P<a>[./-])[0-3]?\d(?P=a)(?:\d\d)?\d\d"
            r"|(?:1[89]|2\d)\d\d(?P<b>[./-])[01]?\d(?P=b)[0-3]?\d)(?!\d|[./-]\d)",
            # IP addresses.
            r"(?<![\d.])\d{1,3}(?:\.\d{1,3}){3}(?!\d|\.\d)",
            # Thousands: 1.234.567, 20 000 000.
            r"(?<![\d+.])(?<!\d\s)(?:[1-9]\d{0,2}(?:\.\d{3}){2,}"
            r"|[1-9]\d?(?:[ \u00a0\u202f]\d{3}){2,})(?!\d|[.\s]\d)",
            # Cards, IBAN digits, tracking numbers: blocks of four.
            r"(?<!\d)\d{4}(?:[ -]\d{4}){3,}(?:[ -]\d{1,4})?(?!\d)",
        ]
    )
)

# Words that name another kind of number when they stand right before one,
# perhaps followed by "number", "no." or "#": "Order 4500012345", "customer
# number 0044123456", "Kundennummer 01234567", "numéro de commande 0612345678".
REFERENCE_WORDS = frozenset(
    """
    order customer client account acct invoice inv reference ref tracking parcel
    package shipment consignment ticket case sku item article product serial
    model part batch build version iban card voucher coupon member membership
    policy contract transaction booking reservation confirmation receipt rma
    claim zip postcode id
    bestellung kunde rechnung sendung auftrag konto vertrag artikel referenz plz
    commande facture colis suivi compte référence dossier
    bestelling klant zending factuur
    pedido factura cliente envío seguimiento ordine fattura spedizione
    """.split()
)
# The first halves of compounds ending in -nummer or -nr: Kundennummer, Bestellnr.
COMPOUND_STEMS = frozenset(
    """
    kunden bestell auftrags rechnungs sendungs vertrags referenz artikel konto
    mitglieds vorgangs klant bestel factuur order
    """.split()
)
NUMBER_WORDS = frozenset(
    "number no nr num id code nummer numéro número numero n° nº".split()
)
CURRENCY_SIGNS = "$£€¥₹"
CURRENCY_CODES = frozenset(
    "EUR USD GBP CHF AUD CAD NZD SEK NOK DKK PLN CZK JPY".split()
)
AMOUNT_AFTER = re.compile(
    rf"(?:[.,]\d\d?)?\s?(?:[{CURRENCY_SIGNS}]|(?:{'|'.join(CURRENCY_CODES)})\b)"
)
WEB_ADDRESS = re.compile(r"(?:https?://|www\.)\S+")
IBAN = re.compile(r"\b[A-Z]{2}\d\d(?: ?[A-Z0-9]{4}){2,7}(?: ?[A-Z0-9]{1,3})?\b")
GLUE_BEFORE = "-_/="
GLUE_AFTER = "-_/.="
IS_POSSIBLE = ValidationResult.IS_POSSIBLE
# How far back the words before a number are read.
WORDS_BEFORE = 40


DIGITS = re.compile(r"\d+")


def _digit_groups(text: str) -> list[str]:
    return [
        group if group.isascii() else phonenumbers.normalize_digits_only(group)
        for group in DIGITS.findall(text)
    ]


def _digit_count(text: str) -> int:
    return sum(map(str.isdigit, text))


def _is_phone(match: phonenumbers.PhoneNumberMatch, region: str, *, home: bool) -> bool:
    number = match.number
    written = _digit_groups(match.raw_string)
    digits = "".join(written)
    grouped = len(written) > 1
    possible = phonenumbers.is_possible_number_with_reason(number) == IS_POSSIBLE
    if match.raw_string.lstrip("(").startswith("+"):
        return possible
    code = str(number.country_code)
    if digits.startswith((f"00{code}", f"011{code}")):
        return possible and (grouped or phonenumbers.is_valid_number(number))
    national = _digit_groups(
        phonenumbers.format_number(number, PhoneNumberFormat.NATIONAL)
    )
    trunk = phonenumbers.ndd_prefix_for_region(region, True) or ""
    if digits not in ("".join(national), trunk + "".join(national)):
        return False
    if not home and len(digits) < MIN_DIGITS_ABROAD:
        return False
    if grouped and written in (national, [trunk, *national]):
        return True
    return home and phonenumbers.is_valid_number(number)


def _add_phones(run: str, region: str, found: list[tuple[int, int]], *, home: bool):
    for match in PhoneNumberMatcher(run, region, leniency=Leniency.POSSIBLE):
        overlaps = any(s < match.end and match.start < e for s, e in found)
        if not overlaps and _is_phone(match, region, home=home):
            raw = match.raw_string
            # "(020 7946 0958)": the opening bracket belongs to the sentence.
            unclosed = raw.startswith("(") and raw.count("(") > raw.count(")")
            found.append((match.start + unclosed, match.end))


@lru_cache(maxsize=65536)
def _phones_in_run(run: str, region: str) -> tuple[tuple[int, int], ...]:
    """Where the phone numbers are in one run, by the number alone.

    Cached: help desks repeat the same numbers (their own, in every reply).
    """
    if OTHER_NUMBER_SHAPES.search(run):
        return ()
    found: list[tuple[int, int]] = []
    _add_phones(run, region, found, home=True)
    for other in ABROAD:
        left = _digit_count(run) - sum(_digit_count(run[s:e]) for s, e in found)
        if left < MIN_DIGITS_ABROAD or not (
            GROUPED.search(run) or run.startswith("00")
        ):
            break
        if other != region:
            _add_phones(run, other, found, home=False)
    return tuple(sorted(found))


def _glued(text: str, start: int, end: int) -> bool:
    # A + starts a number of its own: "1234567+44 20 7946 0958" is two numbers.
    before = text[start - 1] if start and text[start] != "+" else " "
    after = text[end] if end < len(text) else " "
    if before.isalnum() or after.isalnum():
        return True
    if before in GLUE_BEFORE and start > 1 and text[start - 2].isalpha():
        return True
    # A dot after a number joins it to a lower-case word (a file extension, a
    # domain) but ends the sentence before a capital.
    following = text[end + 1] if end + 1 < len(text) else " "
    return (after in GLUE_AFTER and following.isalpha()) and (
        after != "." or following.islower()
    )


def _is_reference_word(word: str) -> bool:
    word = word.lstrip("([{\"'").lower()
    if word in REFERENCE_WORDS or word.removesuffix("s") in REFERENCE_WORDS:
        return True
    stem = word.removesuffix("nummer").removesuffix("nr")
    return stem != word and stem in COMPOUND_STEMS


def _introduced(text: str, start: int) -> bool:
    """Whether a reference word, "#" or a currency stands right before `start`."""
    before = text[max(0, start - WORDS_BEFORE) : start].rstrip()
    if before.endswith(("#", *CURRENCY_SIGNS)):
        return True
    words = before.rstrip(".:#").rsplit(None, 2)[-2:]
    if not words:
        return False
    if words[-1] in CURRENCY_CODES:
        return True
    if len(words) == 2 and words[-1].lower() in NUMBER_WORDS:
        return _is_reference_word(words[0])
    return _is_reference_word(words[-1])


def _another_kind_of_number(text: str, start: int, end: int) -> bool:
    """Whether the number's surroundings say it is not a phone number."""
    if _glued(text, start, end) or _introduced(text, start):
        return True
    if AMOUNT_AFTER.match(text, end):
        return True
    window = max(0, start - 60), min(len(text), end + 40)
    # An IBAN has no +: international numbers skip the search.
    embedding = [] if text[start] == "+" else [*IBAN.finditer(text, *window)]
    if "://" in text or "www." in text:
        embedding += WEB_ADDRESS.finditer(text, *window)
    return any(m.start() < end and start < m.end() for m in embedding)


def has_digit_run(text: str) -> bool:
    """Whether `text` has a run of digits long enough to be a phone number."""
    return RUN.search(text) is not None


def _run_span(text: str, run: re.Match) -> tuple[int, int]:
    start, end = run.span()
    if start and text[start - 1] in "+(":
        start -= 1
    if (
        end < len(text)
        and text[end] == ")"
        and text.count("(", start, end) > text.count(")", start, end)
    ):
        end += 1
    return start, end


def phone_spans(text: str, region: str) -> list[tuple[int, int]]:
    """Where the phone numbers in `text` are, read as the feedback of `region`.

    `region` is the organisation's country (two letters, as phonenumbers knows
    them); the spans are (start, end) offsets in order.
    """
    region = region.upper()
    spans = []
    for run in RUN.finditer(text):
        start, end = _run_span(text, run)
        number = text[start:end]
        if _digit_count(number) < MIN_DIGITS or _glued(text, start, end):
            continue
        if not GROUPED.search(number) and _another_kind_of_number(text, start, end):
            continue  # one order or reference number: no need to ask the library
        for phone_start, phone_end in _phones_in_run(number, region):
            phone_start, phone_end = phone_start + start, phone_end + start
            if not _another_kind_of_number(text, phone_start, phone_end):
                spans.append((phone_start, phone_end))
    return spans
