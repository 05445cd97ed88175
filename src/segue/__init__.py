"""Segue: playlist recommendations from the audio embeddings of the tracks already in it.

>>> from segue.engine import plan_queries, rrf_merge
>>> from segue.vectors import LocalVectorStore
"""

__all__ = ["__version__"]

__version__ = "0.1.0"
