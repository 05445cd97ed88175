"""A stand-in for the turbopuffer HTTP API, for tests: in process, inspectable, exact unless
a test asks for approximate answers.

This is not a mock of PostgreSQL or Redis (those run for real in the tests). turbopuffer
is a cloud service this machine cannot reach, so this is the allowed *faithful stand-in*:
the official ``turbopuffer`` client talks to it over HTTP exactly as it talks to
turbopuffer, either through an ``httpx2.MockTransport`` handed to the client as its
``http_client`` (:meth:`TurbopufferStandin.http_client`), or through a real server on
127.0.0.1 (:class:`LoopbackServer`) reached by the client's own aiohttp transport.

Modelled after turbopuffer's documentation (docs/write, docs/query, docs/limits):

* ``POST /v2/namespaces/:ns`` writes: ``upsert_rows``, ``upsert_columns`` (vectors as
  number arrays or base64 little-endian f32), ``deletes``, ``distance_metric`` (required
  on the first write of vectors, immutable after), ``disable_backpressure``. A write is
  validated whole, then applied (atomic); the first write creates the namespace and
  fixes its dimension.
* ``POST /v2/namespaces/:ns/query``: ``rank_by ["vector", "ANN", [...]]`` (exact
  search by default, ties broken by id; approximate with ``recall``),
  ``rank_by [attr, "asc"|"desc"]``,
  ``filters`` (Eq, NotEq, In, NotIn, Lt, Lte, Gt, Gte, And, Or, Not), ``top_k`` or
  ``limit`` (1..1200), ``include_attributes`` / ``exclude_attributes``,
  ``aggregate_by {"label": ["Count"]}``, ``vector_encoding``, ``consistency`` (strong, or
  eventual with ``max_staleness_seconds``);
  multi-queries (a ``queries`` array of up to 16), answered as ``results`` in order.
  ``$dist`` is ``1 - cosine similarity`` (or squared Euclidean), computed with numpy.
* ``GET /v2/namespaces/:ns/metadata``, ``GET /v1/namespaces/:ns/schema`` (vector type
  ``[N]f32``), ``GET /v1/namespaces/:ns/hint_cache_warm``, ``DELETE /v2/namespaces/:ns``.
* Errors as ``{"status": "error", "error": msg}``: 401 without the API key, 404 for a
  namespace never written, 413 past the request size limit, 400 for what the documents
  reject (wrong dimension, top_k past the maximum, unknown filter operators or fields,
  malformed JSON, more than 16 queries, a changed distance metric).

Not modelled (a request using them gets a 400 saying so, never a silent pass): string
and UUID ids, patches, conditional and filtered writes, BM25/kNN/sparse ranking, group_by,
rerank_by, offsets, array filters (Contains...), glob/regex/fuzzy, schema changes,
namespace listing, copy/branch, pinning, encryption. Also not modelled: the staleness
of eventual reads (they see the latest write), cold-cache latency, billing, and the
``respond-async`` polling protocol (the client asks for it with ``Prefer: respond-async``;
a server may ignore a preference, and this one does).

What production does and exact answers never show, when a test asks for it: 429s and
5xx (:meth:`TurbopufferStandin.fail_next`, with headers such as ``Retry-After``), the
per-namespace limit of concurrent queries (``max_concurrent_queries``, 16; ``latency``
makes queries overlap), approximate search (``recall`` below 1: some true neighbours
missing, the list still full and nearest first), and write backpressure
(``max_unindexed_bytes`` drained at ``index_bytes_per_second``; ``disable_backpressure``
honoured).
"""

from ._api import Recorded, TurbopufferStandin
from ._errors import ApiError
from ._server import LoopbackServer

__all__ = ["ApiError", "LoopbackServer", "Recorded", "TurbopufferStandin"]
