"""Relevance of texts by BM25 over English and German stems, and grouping texts
that say the same."""

import pytest

from backlog.similarity import (
    gist,
    group_alike,
    language,
    rank,
    says_the_same,
    shared_words,
    words,
)


@pytest.mark.parametrize(
    ("text", "stems"),
    [
        (
            "The deliveries were late, and the boxes! Dress sizes.",
            ["deliveri", "late", "box", "dress", "size"],
        ),
        (
            "Images load so slowly, pages loading",
            ["imag", "load", "slowli", "page", "load"],
        ),
        (
            "Die Zahlungen mit PayPal brechen immer ab, die Seiten laden langsam",
            ["zahlung", "paypal", "brech", "seit", "lad", "langsam"],
        ),
    ],
)
def test_words_are_stems_of_the_texts_language(text, stems):
    assert words(text) == stems


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("Die Größentabelle ist verwirrend", "german"),
        ("The size guide is in cm only", "english"),
        ("PayPal", "english"),
    ],
)
def test_the_language_is_the_one_whose_stop_words_the_text_uses(text, expected):
    assert language(text) == expected


def test_rank_prefers_shared_rare_words_and_leaves_out_unrelated_texts():
    candidates = [
        ("sizes", "Size guide is confusing, sizes run small"),
        ("page", "The page is nice, the page is good, what a page"),
        ("delivery", "Delivery date unknown until checkout"),
        ("nothing", "Love the colours"),
    ]
    ranked = rank("Which size? The size guide page is unclear", candidates)
    assert [key for key, _ in ranked] == ["sizes", "page"]
    assert ranked[0][1] > ranked[1][1] > 0


def test_rank_finds_other_forms_of_a_word():
    ranked = rank(
        "Images load slowly",
        [("slow", "Slow loading of images on 4G"), ("other", "Lovely packaging")],
    )
    assert [key for key, _ in ranked] == ["slow"]


def test_shared_words_are_named_as_the_text_writes_them_once_per_stem():
    assert shared_words(
        "Faster loading of images", "Images load so slowly, loading the image"
    ) == ["images", "load"]


@pytest.mark.parametrize(
    ("one", "other", "same"),
    [
        (
            "Price on the category page was £39 but £45 in the basket. Order #1.",
            "Price on the category page was £12 but £14 in the basket.",
            True,
        ),
        (
            "The returns portal keeps saying my order number is invalid.",
            "The returns portal keeps saying my order number is invalid. Please "
            "reply to g***@example.com",
            True,
        ),
        (
            "Apple Pay button spins forever on iPhone, had to switch to card.",
            "Payment failed three times with my Visa card, no error message.",
            False,
        ),
        (
            "Delivery late",
            "Delivery late, the parcel came a week after the date",
            False,
        ),
        ("", "", True),
    ],
)
def test_near_identical_texts_say_the_same(one, other, same):
    assert says_the_same(gist(one), gist(other)) is same


def test_group_alike_keeps_the_order_of_first_appearance():
    entries = [
        (1, "Apple Pay button spins forever on iPhone."),
        (2, "The site is really slow tonight."),
        (3, "Apple Pay button spins forever on iPhone, had to switch to card."),
        (4, "Apple pay button spins forever on iphone"),
    ]
    assert group_alike(entries) == [[1, 3, 4], [2]]
