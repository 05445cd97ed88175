"""``ClapEmbedder``: one CLAP audio window in, one unit vector out."""

from __future__ import annotations

from collections.abc import Sequence

import numpy as np
import numpy.typing as npt
import torch
from transformers import ClapAudioConfig, ClapFeatureExtractor, ClapModel
from transformers.utils import logging as hf_logging

from segue.engine import FloatMatrix
from segue.errors import ModelUnavailable

__all__ = ["ClapEmbedder"]


class ClapEmbedder:
    """One CLAP audio window (10 s at 48 kHz for the LAION checkpoints) in, one unit vector out.

    Load it once per run and reuse it; it holds the model in memory.

        >>> clap = ClapEmbedder.load("laion/clap-htsat-unfused")  # doctest: +SKIP
        >>> clap.embed_windows([np.zeros(clap.window_samples, np.float32)]).shape  # doctest: +SKIP
        (1, 512)
    """

    def __init__(
        self,
        model: ClapModel,
        features: ClapFeatureExtractor,
        *,
        name: str,
        device: torch.device | None = None,
    ) -> None:
        self.name = name
        self.device = device or torch.device("cpu")
        # Both act in place; called through torch's base class because transformers'
        # overrides are typed in ways mypy cannot follow.
        torch.nn.Module.to(model, self.device)
        torch.nn.Module.eval(model)
        self._model = model
        self._features = features
        #: the rate the model was trained on; audio is decoded to it
        self.sample_rate = int(features.sampling_rate)
        #: the model's input length; longer audio is cut into windows of this many samples
        self.window_samples = int(features.nb_max_samples)
        self.dimension = int(model.config.projection_dim)
        # Fused checkpoints take four stacked mel views, unfused ones one; derive the choice
        # from the model so a preprocessor config that disagrees cannot break it.
        audio_config = model.config.audio_config
        fused = isinstance(audio_config, ClapAudioConfig) and audio_config.enable_fusion
        self._truncation = "fusion" if fused else "rand_trunc"

    @classmethod
    def load(cls, name_or_path: str) -> ClapEmbedder:
        """Load a ``ClapModel`` and its feature extractor from a local folder or the hub.

        Raises :class:`ModelUnavailable` when neither has it (this project's machines reach no
        model hub, so there it must be a folder made with ``save_pretrained``).
        """
        # transformers draws its own bar while loading weights, which would tear through
        # the caller's progress bar; it is put back as it was afterwards.
        bar_was_on = hf_logging.is_progress_bar_enabled()
        hf_logging.disable_progress_bar()  # type: ignore[no-untyped-call]  # unannotated upstream
        try:
            model = ClapModel.from_pretrained(name_or_path)
            features = ClapFeatureExtractor.from_pretrained(name_or_path)
        # transformers raises OSError for a missing folder, file or hub entry, ValueError
        # (and TypeError) for a folder that holds some other kind of model.
        except (OSError, ValueError, TypeError) as exc:
            raise ModelUnavailable(
                f"cannot load the CLAP model {name_or_path!r}: {str(exc).rstrip('.')}. Set "
                "SEGUE_CLAP_MODEL to a folder holding a saved ClapModel and its "
                "preprocessor_config.json."
            ) from None
        finally:
            if bar_was_on:
                hf_logging.enable_progress_bar()  # type: ignore[no-untyped-call]
        device = torch.device("cuda" if torch.cuda.is_available() else "cpu")
        return cls(model, features, name=name_or_path, device=device)

    def embed_windows(self, windows: Sequence[npt.NDArray[np.float32]]) -> FloatMatrix:
        """Unit-length audio embeddings, one row per window, computed in one model call.

        A window shorter than :attr:`window_samples` is padded by the feature extractor as
        the checkpoint was trained (for LAION CLAP: repeated, then zero-padded).
        """
        if not windows:
            return np.empty((0, self.dimension), np.float32)
        longest = max(w.size for w in windows)
        if longest > self.window_samples:
            raise ValueError(
                f"a window has {longest} samples, the model takes {self.window_samples}"
            )
        inputs = self._features(
            list(windows),
            sampling_rate=self.sample_rate,
            truncation=self._truncation,
            return_tensors="pt",
        )
        # No window is longer than the model's input, but the extractor flags a random one
        # as "longer" when none is, which would make fused embeddings differ run to run.
        is_longer = torch.zeros_like(inputs["is_longer"], dtype=torch.bool)
        with torch.inference_mode():
            output = self._model.get_audio_features(
                input_features=inputs["input_features"].to(self.device),
                is_longer=is_longer.to(self.device),
            )
            projected = output if isinstance(output, torch.Tensor) else output.pooler_output
            unit = torch.nn.functional.normalize(projected.float(), dim=-1)
        return np.ascontiguousarray(unit.cpu().numpy(), dtype=np.float32)
