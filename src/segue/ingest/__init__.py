"""Getting tracks and their embeddings into Segue."""

from ._synthetic import SyntheticCatalog, synthetic_catalog
from ._vectors_file import VectorFile, read_npy_with_ids

__all__ = ["SyntheticCatalog", "VectorFile", "read_npy_with_ids", "synthetic_catalog"]
