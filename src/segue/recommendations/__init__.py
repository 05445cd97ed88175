"""The recommendation service: what the playlist page's "Recommended tracks" section shows.

:class:`Recommender` owns the service (cache, single flight, strategy and its cheaper
fallback under load, hydration); build one per process in the app's lifespan.
:func:`recommend` is the pipeline underneath: the vector store's two round trips around
the pure engine, usable on its own (``segue recommend``, ``segue eval``):

    >>> ranking = await recommend(store, [12, 40, 7], limit=3)  # doctest: +SKIP
    >>> first = PageRequest(limit=3)
    >>> page = await recommender.recommend("3kq2d7x4m5abc", first, user_did=did)  # doctest: +SKIP
"""

from ._admission import Admission, Degrade
from ._key import CacheKeys
from ._open import OpenedRecommender, open_recommender
from ._paging import PageRequest, RecommendationPage
from ._pipeline import recommend, resolve_strategy
from ._service import MAX_OFFSET, Recommender
from ._subjects import ListenersPlaylist, OwnersPlaylist, SimilarTrack, Subject

__all__ = [
    "MAX_OFFSET",
    "Admission",
    "CacheKeys",
    "Degrade",
    "ListenersPlaylist",
    "OpenedRecommender",
    "OwnersPlaylist",
    "PageRequest",
    "RecommendationPage",
    "Recommender",
    "SimilarTrack",
    "Subject",
    "open_recommender",
    "recommend",
    "resolve_strategy",
]
