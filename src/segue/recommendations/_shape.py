"""What a miss caches: the pipeline's ranking with the catalog's rules applied once.

>>> ranked = await shape(conn, ranking, seeds, asked=50, max_per_artist=1)  # doctest: +SKIP
>>> ranked.because[:1], ranked.complete  # doctest: +SKIP
([12], False)
"""

from __future__ import annotations

from segue.cache import CachedRanking
from segue.catalog import PlaylistSeeds, Reader, track_titles
from segue.engine import NO_REASON, Ranking, show_order, title_key

__all__ = ["shape"]


async def shape(
    reader: Reader,
    ranking: Ranking,
    seeds: PlaylistSeeds,
    *,
    asked: int,
    max_per_artist: int,
    before: CachedRanking | None = None,
) -> CachedRanking:
    """The ranking as it is cached: no duplicate by (artist, normalised title) of a
    playlist track or of a better suggestion, and the artist variety rule applied, both
    as ``segue eval`` applies them (:func:`segue.engine.show_order`). One read of the
    candidates' artists and titles; done once per miss, so a hit costs what it did.

    Tracks hidden or deleted now keep their places, so one shown again appears at once
    (hydration skips them meanwhile), but the rules see only the tracks shown: a hidden
    track neither hides a duplicate of itself nor takes an artist's place at the top. It
    is dropped if its title repeats a playlist track or a suggestion. ``asked`` is how
    many candidates the pipeline was asked for: fewer back means the store has no more.

    ``before``, a shorter ranking of the same version (cached, and perhaps shown page by
    page), is kept as it is at the start; the new one only adds the tracks it lacks, none
    repeating the title of one of them.
    """
    complete = len(ranking.ids) < asked
    ids = ranking.ids.tolist()
    prefix = list(before) if before is not None else []
    prefix_because = (before.because if before else []) or [NO_REASON] * len(prefix)
    if not ids:
        return CachedRanking(prefix, because=prefix_because, asked=asked, complete=complete)
    in_prefix = set(prefix)
    titles = await track_titles(reader, [*ids, *(t for t in prefix if t not in set(ids))])
    dismissed = set(seeds.dismissed_ids) | in_prefix
    known = [i for i, t in enumerate(ids) if t in titles and t not in dismissed]
    shown = [i for i in known if titles[ids[i]][2]]
    hidden = [i for i in known if not titles[ids[i]][2]]
    key = {i: title_key(titles[ids[i]][0], titles[ids[i]][1]) for i in known}
    claimed = {title_key(artist, title) for artist, title in seeds.seed_titles}
    claimed.update(title_key(*titles[t][:2]) for t in prefix if t in titles)
    order = show_order(
        [key[i] for i in shown],
        [titles[ids[i]][0] for i in shown],
        seen=claimed,
        max_per_artist=max_per_artist,
    )
    kept = [shown[j] for j in order.tolist()]
    claimed.update(key[i] for i in kept)
    hidden = [i for i in hidden if key[i] not in claimed]
    # The shown tracks' places, filled in their new order; the hidden keep theirs.
    reordered = iter(kept)
    hidden_at = set(hidden)
    final = [i if i in hidden_at else next(reordered) for i in sorted(kept + hidden)]
    return CachedRanking(
        prefix + [ids[i] for i in final],
        because=prefix_because + ranking.because[final].tolist(),
        asked=asked,
        complete=complete,
    )
