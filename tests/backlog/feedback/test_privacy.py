"""Masking emails and phone numbers: what is a phone number, and what is not."""

import pytest
from hypothesis import given
from hypothesis import strategies as st

from backlog.api import FeedbackIn, _row
from backlog.configuration import update_backlog_settings
from backlog.feedback.capture import FeedbackInput, record_feedback, update_feedback
from backlog.feedback.phone_numbers import ABROAD
from backlog.feedback.privacy import contact_region, mask_contact_details

P = "[phone]"

PHONE_NUMBERS = [
    # International form, whatever the organisation's country.
    ("GB", "call me on +44 7126 781098 please", f"call me on {P} please"),
    ("GB", "Tel: +49 (0)30 1234567", f"Tel: {P}"),
    ("GB", "from abroad 0044 7126 781098", f"from abroad {P}"),
    ("GB", "+44 (0) 20 7946 0958.", f"{P}."),
    ("US", "dial 011 44 20 7946 0958", f"dial {P}"),
    ("US", "UK mobile 0044 7126 781098", f"UK mobile {P}"),
    ("DE", "+33 6 12 34 56 78 oder +1 (415) 555-0100", f"{P} oder {P}"),
    ("FR", "+353 87 123 4567", P),
    ("AU", "+61 412 345 678", P),
    # The organisation's own national formats.
    ("GB", "ring 07700 900123 after six", f"ring {P} after six"),
    ("GB", "office (020 7946 0958)", f"office ({P})"),
    ("GB", "mobile 07911123456", f"mobile {P}"),
    ("US", "call (415) 555-0100", f"call {P}"),
    ("US", "call 415.555.0100 or 415-555-0100", f"call {P} or {P}"),
    ("US", "toll free 1-800-555-0199", f"toll free {P}"),
    ("US", "Jenny: 555-867-5309", f"Jenny: {P}"),
    ("US", "locally 867-5309 tonight", f"locally {P} tonight"),
    ("US", "text 4155550100", f"text {P}"),
    ("CA", "Vancouver (604) 555-0100", f"Vancouver {P}"),
    ("DE", "Ruf 030 1234567 an", f"Ruf {P} an"),
    ("DE", "Handy 0171 1234567, Büro 030/12345678", f"Handy {P}, Büro {P}"),
    ("DE", "Telefonnummer: 0171 123 4567", f"Telefonnummer: {P}"),
    ("FR", "appelez le 06 12 34 56 78", f"appelez le {P}"),
    ("FR", "ou 06.12.34.56.78 ou 0612345678", f"ou {P} ou {P}"),
    ("NL", "bel 06-12345678 of 020 123 4567", f"bel {P} of {P}"),
    ("AU", "call 0412 345 678 or (02) 9876 5432", f"call {P} or {P}"),
    ("ES", "llame al 612 34 56 78 o al 91 123 45 67", f"llame al {P} o al {P}"),
    ("IT", "chiama 06 1234 5678 o 333 123 4567", f"chiama {P} o {P}"),
    ("IE", "ring 087 123 4567", f"ring {P}"),
    # Other major regions' national formats, grouped the way they are written.
    ("GB", "Berlin office 030 1234567", f"Berlin office {P}"),
    ("GB", "Tel. 030/12345678", f"Tel. {P}"),
    ("GB", "en France 06 12 34 56 78", f"en France {P}"),
    ("GB", "US desk (555) 123-4567 or 415.555.0100", f"US desk {P} or {P}"),
    ("GB", "call 1-800-555-0199", f"call {P}"),
    ("DE", "UK 07700 900123 or 020 7946 0958", f"UK {P} or {P}"),
    ("DE", "Sydney 0412 345 678", f"Sydney {P}"),
    ("US", "Amsterdam 020 123 4567", f"Amsterdam {P}"),
    ("US", "Madrid 612 34 56 78, Roma 06 1234 5678", f"Madrid {P}, Roma {P}"),
    ("FR", "Dublin 087 123 4567", f"Dublin {P}"),
    ("GB", "two: 020 7946 0958 / 07700 900123", f"two: {P} / {P}"),
    ("GB", "020 7946 0958 ext. 123", f"{P} ext. 123"),
]

OTHER_NUMBERS = [
    # Orders, customers, invoices: the word before says so.
    ("GB", "Order #619501 on 2026-08-28 19:28:00", None),
    ("US", "Order 4500012345 arrived", None),
    ("GB", "order no. 0012345678", None),
    ("US", "Order ID: 415-555-0100", None),
    ("GB", "customer number 0044123456", None),
    ("DE", "Kundennummer 01234567", None),
    ("DE", "Kundennummer: 0171 1234567", None),
    ("DE", "Bestellnr. 0171 1234567", None),
    ("FR", "numéro de commande 0612345678", None),
    ("NL", "klantnummer 0612345678", None),
    ("ES", "pedido 612345678", None),
    ("GB", "invoice INV-2026-00123", None),
    ("GB", "ticket 4155550100", None),
    ("GB", "app 4.18.2 (build 2026031512)", None),
    # Parcel tracking numbers.
    ("GB", "UPS 1Z999AA10123456784", None),
    ("GB", "Royal Mail AB123456789GB", None),
    ("DE", "DHL JJD0012345678901", None),
    ("US", "USPS 9400100000000000000000", None),
    ("US", "USPS 9400 1000 0000 0000 0000 00", None),
    ("GB", "DPD 15501234567890", None),
    ("DE", "Sendungsnummer 00340434161234567890", None),
    # IBANs, whole or in part, and card numbers.
    ("GB", "IBAN GB29 NWBK 6016 1331 9268 19", None),
    ("DE", "DE89 3704 0044 0532 0130 00", None),
    ("DE", "DE89370400440532013000", None),
    ("NL", "NL91 ABNA 0417 1643 00", None),
    ("FR", "FR76 3000 6000 0112 3456 7890 189", None),
    ("GB", "paid with 4111 1111 1111 1111", None),
    ("GB", "4111-1111-1111-1111 or 4111111111111111", None),
    ("US", "amex 3782 822463 10005", None),
    # Prices and quantities.
    ("GB", "£1,299.99 or €1.234.567,89", None),
    ("DE", "12.345.678,90 EUR", None),
    ("DE", "USD 12345678", None),
    ("FR", "1 299 000 € HT", None),
    ("DE", "1.234.567 Stück", None),
    ("US", "2 345 678 visitors", None),
    ("GB", "20 000 000 users", None),
    ("AU", "ABN 51 824 753 556", None),
    # Dates and times.
    ("GB", "on 29.03.2026 at 2026-03-29 03:30", None),
    ("US", "since 03/29/2026", None),
    ("DE", "am 29.03.2026 um 14:05", None),
    ("FR", "le 29/03/2026 à 14h05", None),
    # Postcodes.
    ("US", "San Francisco, CA 94105-1234", None),
    ("GB", "London SW1A 1AA", None),
    ("DE", "10115 Berlin", None),
    ("NL", "1011 AB Amsterdam", None),
    # Product codes, versions, addresses.
    ("GB", "SKU AB-1234-5678", None),
    ("GB", "part 123-456-7890", None),
    ("GB", "version 10.2.3.4567 and v10.2.3.4567", None),
    ("GB", "from 192.168.100.200", None),
    ("GB", "see https://shop.example/p/02079460958", None),
    ("GB", "see www.shop.example/track?id=4155550100", None),
    ("GB", "see shop.example/orders/4155550100", None),
    ("GB", "file scan_02079460958.pdf", None),
    ("GB", "the 2025-2026 season", None),
]

EMAILS = [
    ("GB", "mail jo.doe+x@shop.co.uk now", "mail [email] now"),
    ("GB", "chloé@example.net wrote", "[email] wrote"),
    ("GB", "to o'brien@mail.example.ie.", "to [email]."),
    ("GB", "send it to 'jo@example.com' please", "send it to '[email]' please"),
    ("GB", "CC: ADMIN@Example.COM, ops@a.b.example.org", "CC: [email], [email]"),
    (
        "GB",
        "reply to kate.77@example.com or call me on +44 7776 521980",
        f"reply to [email] or call me on {P}",
    ),
    ("GB", "write to 02079460958@example.com", "write to [email]"),
    ("GB", "thanks @maria, user@ and @ 2pm", None),
]


@pytest.mark.parametrize(
    ("region", "text", "expected"), PHONE_NUMBERS + OTHER_NUMBERS + EMAILS
)
def test_contact_details_are_masked_and_other_numbers_kept(region, text, expected):
    assert mask_contact_details(text, region) == (
        text if expected is None else expected
    )


def test_every_region_abroad_is_tried_from_every_other():
    for home in ABROAD:
        masked = mask_contact_details("ring 06 12 34 56 78 or 0412 345 678", home)
        assert masked == "ring [phone] or [phone]", home


def test_the_server_region_is_the_default(settings):
    settings.PHONE_REGION = "US"
    assert mask_contact_details("call 867-5309") == "call [phone]"
    settings.PHONE_REGION = "GB"
    assert mask_contact_details("call 867-5309") == "call 867-5309"


WITHOUT_DIGITS_OR_AT = st.text(
    alphabet=st.characters(exclude_categories=["Nd"], exclude_characters="@")
)
FRAGMENTS = st.sampled_from(
    [text for _, text, _ in PHONE_NUMBERS + OTHER_NUMBERS + EMAILS]
    + [" ", "\n", "#", "(", ")", "+", "-", ".", "/", "order ", "EUR", "x", "0", "7"]
)


@given(WITHOUT_DIGITS_OR_AT, st.sampled_from(ABROAD))
def test_text_without_digits_or_at_is_never_changed(text, region):
    assert mask_contact_details(text, region) == text


@given(st.lists(FRAGMENTS | st.text(max_size=12), max_size=8), st.sampled_from(ABROAD))
def test_masking_twice_changes_nothing_more(fragments, region):
    once = mask_contact_details("".join(fragments), region)
    assert mask_contact_details(once, region) == once


@given(st.emails())
def test_every_email_in_a_sentence_is_masked_whole(email):
    assert mask_contact_details(f"write to {email} today") == "write to [email] today"


@pytest.mark.django_db
def test_an_organisation_reads_numbers_as_its_country_or_the_servers(org, settings):
    settings.PHONE_REGION = "FR"
    assert contact_region(org) == "FR"
    update_backlog_settings(org, country="US")
    assert contact_region(org) == "US"


@pytest.mark.django_db
def test_feedback_filed_and_edited_by_hand_is_masked_in_the_organisations_country(
    org, admin_user
):
    update_backlog_settings(org, country="US")
    item = record_feedback(
        org,
        FeedbackInput(text="call 867-5309 or 07700 900123", source="call"),
        by=admin_user,
        team=None,
        mask_contacts=True,
        pseudonym_key=b"k",
    )
    assert item.text == "call [phone] or [phone]"
    update_backlog_settings(org, country="")
    update_feedback(
        item,
        FeedbackInput(text="now 867-5309, still 07700 900123", source="call"),
        mask_contacts=True,
        pseudonym_key=b"k",
    )
    item.refresh_from_db()
    assert item.text == "now 867-5309, still [phone]"


def test_pushed_feedback_is_masked_in_the_given_country_or_not_at_all():
    item = FeedbackIn(
        external_id="7",
        source="chat",
        text="call 867-5309, mail jo@example.org",
        page="Callback form, agent line 867-5309",
        received_at="2026-03-29T10:00:00Z",
    )
    masked = _row(item, "US", b"k")
    assert (masked.text, masked.page) == (
        "call [phone], mail [email]",
        "Callback form, agent line [phone]",
    )
    unmasked = _row(item, None, b"k")
    assert (unmasked.text, unmasked.page) == (item.text, item.page)
