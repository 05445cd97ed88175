"""CLAP audio embeddings for ``segue embed``; needs the optional extra ``segue[clap]``.

Each file's first ``MAX_SECONDS`` (ten minutes) are decoded to 48 kHz mono, cut into
consecutive 10-second windows (the model's input length), each window embedded by a Hugging
Face ``ClapModel``, and the window vectors mean-pooled and L2-normalised into the track's
vector. See ``docs/embedding.md``.

>>> from segue.ingest.clap import ClapEmbedder, decode_audio, split_windows  # doctest: +SKIP
>>> clap = ClapEmbedder.load("path/to/saved-clap-model")  # doctest: +SKIP
>>> audio = decode_audio(Path("song.mp3"), clap.sample_rate)  # doctest: +SKIP
>>> windows = split_windows(  # doctest: +SKIP
...     audio.samples, clap.window_samples, min_tail=clap.sample_rate)
>>> vector = pool_windows(clap.embed_windows(windows))  # doctest: +SKIP
"""

from ._audio import (
    AUDIO_SUFFIXES,
    MAX_SECONDS,
    DecodedAudio,
    decode_audio,
    find_audio_files,
    split_windows,
)
from ._batch import WindowQueue
from ._manifest import Manifest, ManifestEntry, artist_identity, content_id, write_tracks_jsonl
from ._model import ClapEmbedder
from ._outcomes import Outcome, Outcomes
from ._run import (
    Embedder,
    EmbedReport,
    FileOutcome,
    FileResult,
    embed_files,
    load_checked,
    pool_windows,
)

__all__ = [
    "AUDIO_SUFFIXES",
    "MAX_SECONDS",
    "ClapEmbedder",
    "DecodedAudio",
    "EmbedReport",
    "Embedder",
    "FileOutcome",
    "FileResult",
    "Manifest",
    "ManifestEntry",
    "Outcome",
    "Outcomes",
    "WindowQueue",
    "artist_identity",
    "content_id",
    "decode_audio",
    "embed_files",
    "find_audio_files",
    "load_checked",
    "pool_windows",
    "split_windows",
    "write_tracks_jsonl",
]
