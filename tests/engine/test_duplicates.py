"""Duplicates by name (title_key, drop_title_duplicates) and the artist spread."""

import numpy as np
import pytest
from hypothesis import given
from hypothesis import strategies as st

from segue.engine import VARIETY_WINDOWS, artist_variety, drop_title_duplicates, title_key


@pytest.mark.parametrize(
    ("a", "b"),
    [
        (("Cruise 84", "Retro Boulevard"), ("cruise 84", "Retro Boulevard - Remastered 2011")),
        (("Queen", "Bohemian Rhapsody"), ("QUEEN", "Bohemian Rhapsody - Remastered")),
        (("Daft Punk", "Get Lucky"), ("Daft Punk", "Get Lucky (Radio Edit)")),
        (("Daft Punk", "Get Lucky"), ("Daft Punk", "Get Lucky [feat. Pharrell Williams]")),
        (("Daft Punk", "Get Lucky"), ("Daft Punk feat. Pharrell", "Get Lucky")),
        (("Drake", "One Dance"), ("Drake", "One Dance (feat. Wizkid & Kyla)")),
        (("The Beatles", "Help!"), ("The Beatles", "Help! - Mono Version")),
        (("Sia", "Cheap Thrills"), ("Sia", "Cheap Thrills - Single Version")),
        (("Beyoncé", "Halo"), ("beyonce\u0301", "halo")),  # NFKC: composed vs combining
        (("\uff21\uff22\uff22\uff21", "Waterloo"), ("abba", "Waterloo!")),  # full width
        (("Muse", "Uprising"), ("Muse", "  Uprising   ")),
        (("SHAED", "Trampoline"), ("SHAED", "Trampoline (with ZAYN)")),
        (("Herve Pagez", "Spicy"), ("Herve Pagez", "Spicy - with Diplo & Charli XCX")),
        (("Calvin Harris", "Promises - Remix"), ("Calvin Harris", "Promises (with X) - Remix")),
        (("ZAYN", "Dusk"), ("ZAYN", 'Dusk - From "Some Film" Soundtrack')),
        (("Straße", "Lied"), ("STRASSE", "lied")),  # case folding, not lowering
    ],
)
def test_same_recording_same_key(a, b):
    assert title_key(*a) == title_key(*b)


@pytest.mark.parametrize(
    ("a", "b"),
    [
        (("Muse", "Uprising"), ("Muse", "Uprising - Live")),
        (("Muse", "Uprising"), ("Muse", "Uprising (Acoustic)")),
        (("Muse", "Uprising"), ("Blur", "Uprising")),
        (("Avicii", "Levels"), ("Avicii", "Levels - Skrillex Remix")),
        (("A", "BC"), ("AB", "C")),  # the separator keeps artist and title apart
        (("Billy Idol", "Dancing with Myself"), ("Billy Idol", "Dancing")),
    ],
)
def test_other_recordings_other_keys(a, b):
    assert title_key(*a) != title_key(*b)


def test_drop_title_duplicates_keeps_first_and_skips_seen():
    keys = ["x", "y", "x", "z", "y", "w"]
    assert drop_title_duplicates(keys).tolist() == [0, 1, 3, 5]
    assert drop_title_duplicates(keys, seen={"z"}).tolist() == [0, 1, 5]
    assert drop_title_duplicates([], seen=["a"]).dtype == np.intp


def test_artist_variety_examples():
    assert artist_variety(list("aaabc"), max_per_artist=1).tolist() == [0, 3, 4, 1, 2]
    assert artist_variety(list("aaabc"), max_per_artist=0).tolist() == [0, 1, 2, 3, 4]
    # Nothing else to take: the same artist stays in place, nothing is dropped.
    assert artist_variety(list("aaaa"), max_per_artist=1).tolist() == [0, 1, 2, 3]
    # 1 among the first 3, 2 among the first 10.
    order = artist_variety(list("aaaabbbbcdefghijk"), max_per_artist=1)
    top = ["aaaabbbbcdefghijk"[i] for i in order]
    assert top[:3] == ["a", "b", "c"]
    assert top[:10].count("a") == 2
    assert top[:10].count("b") == 2
    with pytest.raises(ValueError, match="non-negative"):
        artist_variety(["a"], max_per_artist=-1)


@given(st.lists(st.integers(0, 4), max_size=30), st.integers(1, 3))
def test_property_variety_is_a_permutation_within_caps_when_possible(artists, cap):
    order = artist_variety(artists, max_per_artist=cap)
    assert sorted(order.tolist()) == list(range(len(artists)))
    placed = [artists[i] for i in order]
    counts = {a: artists.count(a) for a in set(artists)}
    for size, mult in VARIETY_WINDOWS:
        # The caps hold whenever the window can be filled within them at all.
        if sum(min(c, mult * cap) for c in counts.values()) >= size:
            assert all(placed[:size].count(a) <= mult * cap for a in counts)
    # Tracks of one artist keep their relative order (demoted, never reordered).
    for a in set(artists):
        assert [i for i in order if artists[i] == a] == [
            i for i in range(len(artists)) if artists[i] == a
        ]
