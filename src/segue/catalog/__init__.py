"""The catalog: artists, tracks, users, playlists and their items, API tokens.

SQLAlchemy 2 (async) on SQLite (embedded default) or PostgreSQL, migrated by Alembic.
Open the database once per process and pass sessions to the service functions; they
raise :mod:`segue.errors` and return plain views (no ORM objects):

    >>> db = open_database(Settings())  # doctest: +SKIP
    >>> await upgrade(db)  # doctest: +SKIP
    >>> async with db.sessionmaker() as session:  # doctest: +SKIP
    ...     user = await verify_token(session, token)
    ...     playlist = await append_track(session, "3kq2d7x4m5abc", 42, actor_did=user.did)
    ...     playlist.record_cid
    'bafyrei...'

Mutations commit themselves (one transaction each, see ``_playlists.py``); reads leave
the session's transaction to the caller. The imports' bulk writes are here too
(``upsert_tracks``, ``replace_playlists``). ``segue follow``'s rules live in
``segue.follow``, which writes the tables (:mod:`segue.catalog.tables`) through the
primitives that keep the invariants crossing features: ids for record URIs
(``track_ids_for``, ``resolve_track_uris``), a playlist's items with what keys its cached
recommendations (``replace_items``), generations (``bump_seeds_generation``).
"""

from ._cooccurrence import CooccurrenceRead, cooccurring_tracks
from ._db import Database, database_errors, normalize_url, open_database
from ._dismissals import DISMISSALS_MAX, dismiss_track, undismiss_track
from ._embed_queue import (
    EmbeddingClaim,
    claim_embeddings,
    fail_embedding,
    finish_embeddings,
    release_embeddings,
    renew_leases,
)
from ._embeddings import (
    BLOB_PREFIX,
    EMBEDDING_STATES,
    FailedEmbedding,
    audio_source,
    embedding_counts,
    failed_embeddings,
    mark_vectors_imported,
    note_audio_sources,
    reconcile_audio_sources,
    url_origin,
)
from ._generations import (
    INDEX_GENERATION,
    CatalogIndexGeneration,
    bump_index_generation,
    bump_seeds_generation,
)
from ._imports import (
    PlaylistImport,
    PlaylistsResult,
    ProblemSink,
    TracksResult,
    replace_playlists,
    upsert_tracks,
)
from ._items import replace_items
from ._migrate import (
    alembic_config,
    current_revision,
    downgrade,
    ensure_schema,
    head_revision,
    known_revisions,
    upgrade,
)
from ._playlist_admin import (
    PlaylistPage,
    delete_playlist,
    list_playlists,
    playlists_page,
    rename_playlist,
)
from ._playlists import (
    PLAYLIST_MAX_TRACKS,
    append_track,
    create_playlist,
    get_playlist,
    new_playlist_id,
    remove_track,
    reorder_tracks,
)
from ._progress import Advance, Steps, no_progress
from ._reads import (
    PlaylistHead,
    PlaylistSeeds,
    Reader,
    TrackHead,
    dismissed_ids,
    has_tracks,
    playlist_head,
    playlist_seeds,
    require_owner,
    track_head,
)
from ._tokens import (
    TOKEN_PREFIX,
    check_platform_name,
    check_token,
    create_token,
    hash_token,
    list_tokens,
    revoke_token,
    token_id_of,
    touch_tokens,
    verify_token,
)
from ._track_uris import hashed_track_id, resolve_track_uris, track_ids_for
from ._tracks import (
    HYDRATE_MAX_IDS,
    SEARCH_MAX_LIMIT,
    TRACK_ID_MAX,
    all_track_ids,
    escape_like,
    hydrate,
    hydrate_suggestions,
    search_tracks,
    suggestible_track,
    track_titles,
)
from ._users import add_user_if_missing, ensure_user, find_user, get_user
from ._values import (
    PLAYLIST_ID_PATTERN,
    check_audio_url,
    check_did,
    check_playlist_id,
    check_record_uri,
    check_track_id,
    clean_display_name,
    clean_handle,
    clean_playlist_name,
    text_problem,
)
from ._views import (
    Because,
    IssuedToken,
    PlaylistSummary,
    PlaylistView,
    SuggestionView,
    TokenCheck,
    TokenInfo,
    TrackView,
    UserView,
)

__all__ = [
    "BLOB_PREFIX",
    "DISMISSALS_MAX",
    "EMBEDDING_STATES",
    "HYDRATE_MAX_IDS",
    "INDEX_GENERATION",
    "PLAYLIST_ID_PATTERN",
    "PLAYLIST_MAX_TRACKS",
    "SEARCH_MAX_LIMIT",
    "TOKEN_PREFIX",
    "TRACK_ID_MAX",
    "Advance",
    "Because",
    "CatalogIndexGeneration",
    "CooccurrenceRead",
    "Database",
    "EmbeddingClaim",
    "FailedEmbedding",
    "IssuedToken",
    "PlaylistHead",
    "PlaylistImport",
    "PlaylistPage",
    "PlaylistSeeds",
    "PlaylistSummary",
    "PlaylistView",
    "PlaylistsResult",
    "ProblemSink",
    "Reader",
    "Steps",
    "SuggestionView",
    "TokenCheck",
    "TokenInfo",
    "TrackHead",
    "TrackView",
    "TracksResult",
    "UserView",
    "add_user_if_missing",
    "alembic_config",
    "all_track_ids",
    "append_track",
    "audio_source",
    "bump_index_generation",
    "bump_seeds_generation",
    "check_audio_url",
    "check_did",
    "check_platform_name",
    "check_playlist_id",
    "check_record_uri",
    "check_token",
    "check_track_id",
    "claim_embeddings",
    "clean_display_name",
    "clean_handle",
    "clean_playlist_name",
    "cooccurring_tracks",
    "create_playlist",
    "create_token",
    "current_revision",
    "database_errors",
    "delete_playlist",
    "dismiss_track",
    "dismissed_ids",
    "downgrade",
    "embedding_counts",
    "ensure_schema",
    "ensure_user",
    "escape_like",
    "fail_embedding",
    "failed_embeddings",
    "find_user",
    "finish_embeddings",
    "get_playlist",
    "get_user",
    "has_tracks",
    "hash_token",
    "hashed_track_id",
    "head_revision",
    "hydrate",
    "hydrate_suggestions",
    "known_revisions",
    "list_playlists",
    "list_tokens",
    "mark_vectors_imported",
    "new_playlist_id",
    "no_progress",
    "normalize_url",
    "note_audio_sources",
    "open_database",
    "playlist_head",
    "playlist_seeds",
    "playlists_page",
    "reconcile_audio_sources",
    "release_embeddings",
    "remove_track",
    "rename_playlist",
    "renew_leases",
    "reorder_tracks",
    "replace_items",
    "replace_playlists",
    "require_owner",
    "resolve_track_uris",
    "revoke_token",
    "search_tracks",
    "suggestible_track",
    "text_problem",
    "token_id_of",
    "touch_tokens",
    "track_head",
    "track_ids_for",
    "track_titles",
    "undismiss_track",
    "upgrade",
    "upsert_tracks",
    "url_origin",
    "verify_token",
]
