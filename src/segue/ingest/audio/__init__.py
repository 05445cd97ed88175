"""``segue embed --catalog``: catalog tracks' audio, fetched strictly and embedded.

Needs the optional extra ``segue[clap]`` (the model, the decoders); see docs/embedding.md.

    >>> async with AudioFetcher(origins=settings.audio_origin_list) as fetcher:  # doctest: +SKIP
    ...     report = await embed_catalog(database, store, fetcher=fetcher, blobs=None,
    ...         load_embedder=lambda: ClapEmbedder.load(name),
    ...         options=EmbedOptions(worker="host-1", model_name=name))
"""

from ._blobs import PdsBlobFetcher
from ._fetch import AudioFetcher
from ._worker import (
    BlobFetcher,
    CatalogEmbedReport,
    EmbedOptions,
    EmbedResult,
    TrackOutcome,
    backoff,
    embed_catalog,
)

__all__ = [
    "AudioFetcher",
    "BlobFetcher",
    "CatalogEmbedReport",
    "EmbedOptions",
    "EmbedResult",
    "PdsBlobFetcher",
    "TrackOutcome",
    "backoff",
    "embed_catalog",
]
