"""Vector stores: the :class:`VectorStore` protocol and its backends.

>>> from segue.settings import Settings
>>> store = open_store(Settings(data_dir="/tmp/segue-doc"))
>>> type(store).__name__
'LocalVectorStore'
"""

from ._attributes import check_attributes
from ._factory import max_cache_seconds, open_store, warm_cache
from ._local import INDEX_DTYPES, LocalVectorStore
from ._protocol import FetchedVectors, VectorStore
from ._sync import SyncReport, sync_stores
from ._tpuf_calls import read_deadline
from ._turbopuffer import TurbopufferVectorStore
from ._writes import IndexGeneration, changed_rows, write_vectors

__all__ = [
    "INDEX_DTYPES",
    "FetchedVectors",
    "IndexGeneration",
    "LocalVectorStore",
    "SyncReport",
    "TurbopufferVectorStore",
    "VectorStore",
    "changed_rows",
    "check_attributes",
    "max_cache_seconds",
    "open_store",
    "read_deadline",
    "sync_stores",
    "warm_cache",
    "write_vectors",
]
