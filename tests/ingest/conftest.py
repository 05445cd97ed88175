"""Ingest tests never reach a model hub: set before any test module imports transformers."""

import os

os.environ["HF_HUB_OFFLINE"] = "1"
