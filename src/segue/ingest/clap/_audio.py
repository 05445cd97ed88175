"""Finding and decoding audio files, and cutting them into windows for CLAP."""

from __future__ import annotations

import os
from collections.abc import Iterable
from dataclasses import dataclass
from pathlib import Path

import numpy as np
import numpy.typing as npt
import soundfile as sf
import soxr

from segue.errors import UnreadableAudio

__all__ = [
    "AUDIO_SUFFIXES",
    "MAX_SECONDS",
    "DecodedAudio",
    "decode_audio",
    "find_audio_files",
    "split_windows",
]

#: what a folder walk picks up; a file named on the command line is tried whatever its suffix
AUDIO_SUFFIXES = frozenset({".wav", ".flac", ".ogg", ".oga", ".mp3"})

Samples = npt.NDArray[np.float32]

#: the most of a file that is decoded and embedded: its first ten minutes, sixty of CLAP's
#: 10-second windows, enough for a track's vector (the mean of its windows). The bound is on
#: decoded samples, counted as they come, not on what the header says: a small compressed file
#: can hold hours (ten minutes of FLAC silence is 89 kB), and every track decoded at once holds
#: its samples until it is embedded, so the bound keeps each to 115 MB of float32 at 48 kHz.
MAX_SECONDS = 600.0

# Read this many samples (all channels) at a time, so a long stereo file never sits in memory
# twice over: 30 seconds of 48 kHz stereo. In samples, not frames, so that a header claiming
# many channels or an odd rate cannot make one block large.
_BLOCK_SAMPLES = 30 * 48_000 * 2


@dataclass(frozen=True, slots=True)
class DecodedAudio:
    """Mono float32 samples at ``sample_rate``, and the file's title and artist tags if any."""

    samples: Samples
    sample_rate: int
    title: str | None
    artist: str | None

    @property
    def seconds(self) -> float:
        return self.samples.size / self.sample_rate


def find_audio_files(paths: Iterable[Path]) -> tuple[list[Path], list[tuple[Path, str]]]:
    """Expand folders (recursively, audio suffixes only, hidden files skipped) into files.

    Returns the files, absolute and without repeats, in a stable order (each folder sorted),
    and the paths that do not exist, each with the reason.

        >>> files, missing = find_audio_files([Path("music/"), Path("a.mp3")])  # doctest: +SKIP
    """
    files: list[Path] = []
    missing: list[tuple[Path, str]] = []
    seen: set[Path] = set()

    def add(path: Path) -> None:
        if path not in seen:
            seen.add(path)
            files.append(path)

    for given in paths:
        path = Path(os.path.abspath(given))
        if path.is_dir():
            found = [
                p
                for p in path.rglob("*")
                if p.suffix.lower() in AUDIO_SUFFIXES
                # "._x.mp3" (macOS resource forks) and the like are never audio.
                and not any(part.startswith(".") for part in p.relative_to(path).parts)
                and p.is_file()
            ]
            for p in sorted(found):
                add(p)
        elif path.is_file():
            add(path)
        else:
            missing.append((path, "no such file or folder"))
    return files, missing


def _tag(handle: sf.SoundFile, name: str) -> str | None:
    value = getattr(handle, name, "")
    text = value.strip() if isinstance(value, str) else ""
    return text or None


def decode_audio(
    path: Path, sample_rate: int = 48_000, *, max_seconds: float = MAX_SECONDS
) -> DecodedAudio:
    """Decode WAV, FLAC, Ogg Vorbis or MP3 to mono float32 at ``sample_rate`` (48 kHz for CLAP).

    Channels are averaged; other rates are resampled with soxr (high quality). Only the first
    ``max_seconds`` are decoded (:data:`MAX_SECONDS` unless told): decoding stops once that
    many samples have come, whatever the file's header says, so memory stays proportional to
    the bound however long (or compressible) the file is. Title and artist come from the
    file's tags (RIFF INFO, Vorbis comments, ID3) when present. Raises
    :class:`UnreadableAudio` when the file cannot be opened or decoded.

        >>> audio = decode_audio(Path("song.flac"))  # doctest: +SKIP
        >>> audio.sample_rate, audio.samples.dtype  # doctest: +SKIP
        (48000, dtype('float32'))
    """
    if max_seconds <= 0:
        raise ValueError(f"max_seconds must be positive, got {max_seconds}")
    limit = max(1, round(max_seconds * sample_rate))
    chunks: list[Samples] = []
    kept = 0

    def keep(chunk: Samples) -> None:
        nonlocal kept
        if chunk.size > limit - kept:
            # A copy of the part kept: a view would keep the whole chunk alive.
            chunk = chunk[: limit - kept].copy()
        if chunk.size:
            chunks.append(chunk)
            kept += chunk.size

    try:
        with sf.SoundFile(path) as handle:
            native = int(handle.samplerate)
            title, artist = _tag(handle, "title"), _tag(handle, "artist")
            stream = (
                None
                if native == sample_rate
                else soxr.ResampleStream(native, sample_rate, 1, dtype="float32", quality="HQ")
            )
            # A block is bounded both as read (all channels) and once resampled (a header
            # claiming a tiny rate would make each frame read thousands of samples).
            frames = max(
                1,
                min(
                    _BLOCK_SAMPLES // max(1, int(handle.channels)),
                    _BLOCK_SAMPLES * native // sample_rate,
                ),
            )
            while kept < limit:
                block = handle.read(frames, dtype="float32", always_2d=True)
                if not len(block):
                    break
                mono = block.mean(axis=1, dtype=np.float32)
                del block
                keep(mono if stream is None else stream.resample_chunk(mono))
            if stream is not None and kept < limit:
                keep(stream.resample_chunk(np.empty(0, np.float32), last=True))
    # soundfile raises its own errors for unknown formats and corrupt streams, OSError for
    # files that vanish or may not be read; both mean "this file, not the run, is broken".
    except (sf.SoundFileError, OSError) as exc:
        raise UnreadableAudio(f"cannot decode {path}: {exc}") from None
    if not chunks:
        raise UnreadableAudio(f"cannot decode {path}: it holds no audio")
    samples = chunks[0] if len(chunks) == 1 else np.concatenate(chunks)
    chunks.clear()
    samples = samples.astype(np.float32, copy=False)
    if not np.isfinite(samples).all():
        raise UnreadableAudio(f"cannot decode {path}: it holds NaN or infinite samples")
    return DecodedAudio(samples, sample_rate, title, artist)


def split_windows(samples: Samples, window: int, *, min_tail: int) -> list[Samples]:
    """Consecutive, non-overlapping windows of ``window`` samples (views, not copies).

    The last, partial window is kept when it has at least ``min_tail`` samples, or when it
    is the only one; the model then pads it the way it was trained (CLAP repeats it).

    >>> [w.size for w in split_windows(np.zeros(25, np.float32), 10, min_tail=3)]
    [10, 10, 5]
    >>> [w.size for w in split_windows(np.zeros(21, np.float32), 10, min_tail=3)]
    [10, 10]
    >>> [w.size for w in split_windows(np.zeros(2, np.float32), 10, min_tail=3)]
    [2]
    """
    if window < 1:
        raise ValueError(f"window must be at least 1 sample, got {window}")
    out = [samples[start : start + window] for start in range(0, samples.size, window)]
    if len(out) > 1 and out[-1].size < min(min_tail, window):
        out.pop()
    return out
