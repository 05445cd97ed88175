"""The protocol's split: seed derivation, shuffle, mode sizes."""

import hashlib

import numpy as np
import pytest
from hypothesis import given
from hypothesis import strategies as st

from segue.errors import InvalidInput
from segue.evaluation import DEFAULT_MODES, parse_mode, playlist_seed, shuffled, split


def test_seed_is_first_8_bytes_of_sha256_little_endian():
    digest = hashlib.sha256(b"37i9dQZF1DX2ENAPP1Tyed").digest()
    expected = sum(b << (8 * i) for i, b in enumerate(digest[:8]))
    assert playlist_seed("37i9dQZF1DX2ENAPP1Tyed") == expected
    # UTF-8, not the platform's encoding.
    assert playlist_seed("café") == int.from_bytes(
        hashlib.sha256("café".encode()).digest()[:8], "little"
    )


def test_shuffle_is_numpy_permutation_with_that_seed():
    tracks = np.arange(100, 120)
    order = np.random.default_rng(playlist_seed("p1")).permutation(20)
    assert shuffled(tracks, "p1").tolist() == tracks[order].tolist()
    assert shuffled(tracks, "p1").tolist() != shuffled(tracks, "p2").tolist()


@pytest.mark.parametrize(("mode", "n", "seeds", "hidden"), [
    ("n=1", 10, 1, 9),
    ("n=3", 25, 3, 22),
    ("n=5", 12, 5, 7),
    ("n=10", 13, 10, 3),
    ("n=10", 10, 10, 0),
    ("80%", 10, 8, 2),
    ("80%", 13, 10, 3),  # round(2.6) = 3
    ("80%", 12, 10, 2),  # round(2.4) = 2
    ("80%", 100, 80, 20),
    ("80%", 3, 2, 1),  # at least one hidden
])  # fmt: skip
def test_mode_sizes(mode, n, seeds, hidden):
    parts = split(np.arange(n), "pl", parse_mode(mode))
    assert (parts.seeds.size, parts.hidden.size) == (seeds, hidden)


def test_n_k_seeds_with_the_first_k_shuffled():
    tracks = np.arange(50, 80)
    order = shuffled(tracks, "abc")
    parts = split(tracks, "abc", parse_mode("n=5"))
    assert parts.seeds.tolist() == order[:5].tolist()
    assert parts.hidden.tolist() == order[5:].tolist()


def test_percent_mode_hides_the_last_of_the_shuffle():
    tracks = np.arange(50, 80)
    order = shuffled(tracks, "abc")
    parts = split(tracks, "abc", parse_mode("80%"))
    assert parts.hidden.tolist() == order[-6:].tolist()
    assert parts.seeds.tolist() == order[:-6].tolist()


@given(
    st.integers(min_value=2, max_value=300),
    st.sampled_from(DEFAULT_MODES),
    st.text(min_size=1, max_size=20),
)
def test_split_partitions_the_playlist(n, mode, pid):
    tracks = np.arange(1000, 1000 + n)
    parts = split(tracks, pid, parse_mode(mode))
    assert parts.seeds.size >= 1
    assert sorted(np.concatenate([parts.seeds, parts.hidden]).tolist()) == tracks.tolist()


@pytest.mark.parametrize("bad", ["n=0", "n=", "0%", "100%", "80", "half", "n=-1"])
def test_bad_modes(bad):
    with pytest.raises(InvalidInput, match="mode"):
        parse_mode(bad)
