"""The playlists whose co-occurrences strategies may use in an evaluation (``--corpus``).

The evaluated playlists count too, each leaving itself out (so never its hidden tracks),
and a corpus playlist with the id of an evaluated one is that playlist: it is read once.
The list for one playlist is sampled exactly as the catalog samples it
(:class:`segue.engine.CooccurrenceSample`, ``segue.catalog.cooccurring_tracks``): the
playlists holding a seed in corpus order stand for the catalog's index order.

    >>> c = build_corpus([EvalPlaylist("a", np.array([1, 2])), EvalPlaylist("b", np.array([2, 3]))])
    >>> c.cooccurring("a", np.array([2]), CooccurrenceSample()).tolist()
    [3]
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from dataclasses import dataclass

import numpy as np
from numpy.typing import NDArray

from segue.engine import (
    CooccurrenceSample,
    IdArray,
    cooccurrence_ranking,
    playlist_weights,
    seed_positions,
)

from ._data import EvalPlaylist

__all__ = ["POPULAR_SHARE", "Corpus", "build_corpus", "popular_tracks"]

#: "popular": among this share of the corpus's tracks most often in a playlist
POPULAR_SHARE = 0.01


@dataclass(frozen=True, slots=True)
class Corpus:
    """Playlists as one flat array (``tracks[starts[p]:starts[p + 1]]``) and, per track,
    the playlists holding it, in corpus order (``holders[first[t]:first[t + 1]]``)."""

    ids: list[str]
    starts: NDArray[np.intp]
    tracks: IdArray
    first: NDArray[np.intp]
    holders: NDArray[np.intp]
    position: dict[str, int]

    def __len__(self) -> int:
        return len(self.ids)

    @property
    def counts(self) -> NDArray[np.intp]:
        """How many corpus playlists hold each track (by track id)."""
        out: NDArray[np.intp] = np.diff(self.first)
        return out

    def index_of(self, playlist_id: str) -> int:
        """The corpus position of a playlist, or -1."""
        return self.position.get(playlist_id, -1)

    def cooccurring(self, playlist_id: str, seeds: IdArray, sample: CooccurrenceSample) -> IdArray:
        """The co-occurrence list of a playlist with ``seeds`` (in playlist order), best
        first, as the catalog would read it: never from the playlist itself."""
        own = self.index_of(playlist_id)
        every = np.asarray(seeds, np.int64)
        used = every[seed_positions(every.size, sample.max_seeds, spread=sample.spread_seeds)]
        picked: list[NDArray[np.intp]] = []
        for seed in used[used < self.first.size - 1].tolist():
            holders = self.holders[self.first[seed] : self.first[seed + 1]]
            picked.append(holders[holders != own][: sample.playlists_per_seed])
        chosen = np.concatenate(picked) if picked else np.empty(0, np.intp)
        if not chosen.size:
            return np.empty(0, np.int64)
        lengths = np.minimum(
            self.starts[chosen + 1] - self.starts[chosen], sample.items_per_playlist
        )
        rows = np.concatenate(
            [self.tracks[s : s + n] for s, n in zip(self.starts[chosen], lengths, strict=True)]
        )
        weights = np.repeat(
            playlist_weights(lengths, length_exponent=sample.length_exponent), lengths
        )
        damped = sample.popularity_exponent > 0
        return cooccurrence_ranking(
            rows,
            weights,
            exclude=every,
            limit=sample.limit,
            # the other playlists: the catalog's count of visible playlists, since no
            # candidate is in the playlist there (its held-out tracks are here)
            playlist_counts=self.without(playlist_id) if damped else None,
            popularity_exponent=sample.popularity_exponent,
            popularity_cap=sample.popularity_cap,
            popularity_pool=sample.popularity_pool,
        )

    def without(self, playlist_id: str) -> NDArray[np.intp]:
        """Each track's number of playlists, not counting ``playlist_id``'s own."""
        counts = self.counts.copy()
        own = self.index_of(playlist_id)
        if own >= 0:
            counts[self.tracks[self.starts[own] : self.starts[own + 1]]] -= 1
        return counts


def build_corpus(
    evaluated: Sequence[EvalPlaylist], *extra: Iterable[EvalPlaylist], n_tracks: int = 0
) -> Corpus:
    """The evaluated playlists, then each extra corpus in turn; an id seen before is
    skipped (it is the same playlist)."""
    seen: set[str] = set()
    lists: list[EvalPlaylist] = []
    for group in (evaluated, *extra):
        for playlist in group:
            if playlist.id not in seen:
                seen.add(playlist.id)
                lists.append(playlist)
    sizes = np.array([p.tracks.size for p in lists], np.intp)
    starts = np.concatenate([[0], np.cumsum(sizes)]).astype(np.intp)
    tracks = (
        np.concatenate([p.tracks for p in lists]).astype(np.int64)
        if lists
        else np.empty(0, np.int64)
    )
    owner = np.repeat(np.arange(len(lists), dtype=np.intp), sizes)
    width = max(n_tracks, int(tracks.max()) + 1 if tracks.size else 0)
    # Stable by track: each track's holders stay in corpus order.
    order = np.argsort(tracks, kind="stable")
    first = np.concatenate([[0], np.cumsum(np.bincount(tracks, minlength=width))]).astype(np.intp)
    ids = [p.id for p in lists]
    return Corpus(ids, starts, tracks, first, owner[order], {pid: i for i, pid in enumerate(ids)})


def popular_tracks(corpus: Corpus, share: float = POPULAR_SHARE) -> IdArray:
    """The ``share`` of the corpus's tracks held by the most playlists (ties by id)."""
    counts = corpus.counts
    held = np.flatnonzero(counts > 0)
    n = max(1, round(held.size * share))
    top: IdArray = held[np.lexsort((held, -counts[held]))][:n].astype(np.int64)
    return top
