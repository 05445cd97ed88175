"""Ingest tests never reach a model hub: set before any test module imports transformers.

``clap_dir`` is the tiny randomly initialised CLAP model ``segue embed`` and ``segue embed
--catalog`` are tested with (built here, never downloaded).
"""

import os

os.environ["HF_HUB_OFFLINE"] = "1"

import pytest
import torch
from transformers import ClapConfig, ClapFeatureExtractor, ClapModel

PROJECTION_DIM = 16


@pytest.fixture(scope="session")
def clap_dir(tmp_path_factory):
    """A randomly initialised ClapModel small enough to run in milliseconds, on disk."""
    config = ClapConfig(
        text_config={
            "vocab_size": 64,
            "hidden_size": 16,
            "num_hidden_layers": 1,
            "num_attention_heads": 2,
            "intermediate_size": 32,
            "max_position_embeddings": 40,
        },
        audio_config={
            "patch_embeds_hidden_size": 8,
            "depths": [1, 1],
            "num_attention_heads": [1, 2],
            "hidden_size": 16,  # patch_embeds_hidden_size * 2 ** (len(depths) - 1)
            "window_size": 8,
            "num_classes": 4,
        },
        projection_dim=PROJECTION_DIM,
    )
    torch.manual_seed(0)
    path = tmp_path_factory.mktemp("tiny-clap")
    ClapModel(config).save_pretrained(path)
    # As laion/clap-htsat-unfused ships it: 48 kHz, 10 s input, repeat-padding.
    ClapFeatureExtractor(truncation="rand_trunc", padding="repeatpad").save_pretrained(path)
    return path
