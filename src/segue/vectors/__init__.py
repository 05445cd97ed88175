"""Vector stores: the :class:`VectorStore` protocol and its backends.

>>> from segue.settings import Settings
>>> store = open_store(Settings(data_dir="/tmp/segue-doc"))
>>> type(store).__name__
'LocalVectorStore'
"""

from ._factory import open_store
from ._local import LocalVectorStore
from ._protocol import FetchedVectors, VectorStore

__all__ = ["FetchedVectors", "LocalVectorStore", "VectorStore", "open_store"]
