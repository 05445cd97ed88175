// Generated from openapi.json by scripts/openapi-types.mjs (openapi-typescript): do not edit.
// After changing the API: `make types` from the repository root.

export interface paths {
    "/auth/logout": {
        parameters: {
            query?: never;
            header?: never;
            path?: never;
            cookie?: never;
        };
        get?: never;
        put?: never;
        /** Sign out: revoke the token this request carries */
        post: operations["logout_auth_logout_post"];
        delete?: never;
        options?: never;
        head?: never;
        patch?: never;
        trace?: never;
    };
    "/healthz": {
        parameters: {
            query?: never;
            header?: never;
            path?: never;
            cookie?: never;
        };
        /** The process is alive */
        get: operations["healthz_healthz_get"];
        put?: never;
        post?: never;
        delete?: never;
        options?: never;
        head?: never;
        patch?: never;
        trace?: never;
    };
    "/readyz": {
        parameters: {
            query?: never;
            header?: never;
            path?: never;
            cookie?: never;
        };
        /** Each dependency's state; 503 while a required one is unusable */
        get: operations["readyz_readyz_get"];
        put?: never;
        post?: never;
        delete?: never;
        options?: never;
        head?: never;
        patch?: never;
        trace?: never;
    };
    "/me": {
        parameters: {
            query?: never;
            header?: never;
            path?: never;
            cookie?: never;
        };
        /** The signed-in user */
        get: operations["me_me_get"];
        put?: never;
        post?: never;
        delete?: never;
        options?: never;
        head?: never;
        patch?: never;
        trace?: never;
    };
    "/me/playlists": {
        parameters: {
            query?: never;
            header?: never;
            path?: never;
            cookie?: never;
        };
        /** The signed-in user's playlists, a page at a time */
        get: operations["my_playlists_me_playlists_get"];
        put?: never;
        post?: never;
        delete?: never;
        options?: never;
        head?: never;
        patch?: never;
        trace?: never;
    };
    "/playlists/{playlist_id}/recommendations": {
        parameters: {
            query?: never;
            header?: never;
            path?: never;
            cookie?: never;
        };
        /** Tracks to add to the playlist */
        get: operations["recommendations_playlists__playlist_id__recommendations_get"];
        put?: never;
        post?: never;
        delete?: never;
        options?: never;
        head?: never;
        patch?: never;
        trace?: never;
    };
    "/playlists/{playlist_id}/continuation": {
        parameters: {
            query?: never;
            header?: never;
            path?: never;
            cookie?: never;
        };
        /** What to play after a playlist: for any signed-in listener */
        get: operations["continuation_playlists__playlist_id__continuation_get"];
        put?: never;
        post?: never;
        delete?: never;
        options?: never;
        head?: never;
        patch?: never;
        trace?: never;
    };
    "/playlists/{playlist_id}": {
        parameters: {
            query?: never;
            header?: never;
            path?: never;
            cookie?: never;
        };
        /** The playlist and its tracks in order */
        get: operations["read_playlists__playlist_id__get"];
        put?: never;
        post?: never;
        /** Delete the playlist, its items and its dismissals */
        delete: operations["delete_playlists__playlist_id__delete"];
        options?: never;
        head?: never;
        /** Rename the playlist */
        patch: operations["change_playlists__playlist_id__patch"];
        trace?: never;
    };
    "/playlists": {
        parameters: {
            query?: never;
            header?: never;
            path?: never;
            cookie?: never;
        };
        get?: never;
        put?: never;
        /** Create a playlist */
        post: operations["create_playlists_post"];
        delete?: never;
        options?: never;
        head?: never;
        patch?: never;
        trace?: never;
    };
    "/playlists/{playlist_id}/tracks": {
        parameters: {
            query?: never;
            header?: never;
            path?: never;
            cookie?: never;
        };
        get?: never;
        /** Set the order of the tracks (same set) */
        put: operations["set_order_playlists__playlist_id__tracks_put"];
        /** Append a track */
        post: operations["add_track_playlists__playlist_id__tracks_post"];
        delete?: never;
        options?: never;
        head?: never;
        patch?: never;
        trace?: never;
    };
    "/playlists/{playlist_id}/tracks/{track_id}": {
        parameters: {
            query?: never;
            header?: never;
            path?: never;
            cookie?: never;
        };
        get?: never;
        put?: never;
        post?: never;
        /** Remove a track */
        delete: operations["delete_track_playlists__playlist_id__tracks__track_id__delete"];
        options?: never;
        head?: never;
        patch?: never;
        trace?: never;
    };
    "/playlists/{playlist_id}/recommendations/dismissed": {
        parameters: {
            query?: never;
            header?: never;
            path?: never;
            cookie?: never;
        };
        get?: never;
        put?: never;
        /** Dismiss a suggestion: not for this playlist */
        post: operations["dismiss_playlists__playlist_id__recommendations_dismissed_post"];
        delete?: never;
        options?: never;
        head?: never;
        patch?: never;
        trace?: never;
    };
    "/playlists/{playlist_id}/recommendations/dismissed/{track_id}": {
        parameters: {
            query?: never;
            header?: never;
            path?: never;
            cookie?: never;
        };
        get?: never;
        put?: never;
        post?: never;
        /** Undo a dismissal: the track may be suggested again */
        delete: operations["undismiss_playlists__playlist_id__recommendations_dismissed__track_id__delete"];
        options?: never;
        head?: never;
        patch?: never;
        trace?: never;
    };
    "/tracks": {
        parameters: {
            query?: never;
            header?: never;
            path?: never;
            cookie?: never;
        };
        /** Search tracks by title or artist */
        get: operations["search_tracks_get"];
        put?: never;
        post?: never;
        delete?: never;
        options?: never;
        head?: never;
        patch?: never;
        trace?: never;
    };
    "/tracks/{track_id}/similar": {
        parameters: {
            query?: never;
            header?: never;
            path?: never;
            cookie?: never;
        };
        /** Tracks that sound like this one */
        get: operations["similar_tracks__track_id__similar_get"];
        put?: never;
        post?: never;
        delete?: never;
        options?: never;
        head?: never;
        patch?: never;
        trace?: never;
    };
    "/.well-known/did.json": {
        parameters: {
            query?: never;
            header?: never;
            path?: never;
            cookie?: never;
        };
        /** Segue's DID document (SEGUE_SERVICE_DID, when it is a did:web) */
        get: operations["did_document__well_known_did_json_get"];
        put?: never;
        post?: never;
        delete?: never;
        options?: never;
        head?: never;
        patch?: never;
        trace?: never;
    };
    "/metrics": {
        parameters: {
            query?: never;
            header?: never;
            path?: never;
            cookie?: never;
        };
        /** Prometheus metrics (text format); labels carry route templates, never ids */
        get: operations["metrics_metrics_get"];
        put?: never;
        post?: never;
        delete?: never;
        options?: never;
        head?: never;
        patch?: never;
        trace?: never;
    };
}
export type webhooks = Record<string, never>;
export interface components {
    schemas: {
        /**
         * BecauseOut
         * @description The playlist track a suggestion sounds most like.
         */
        BecauseOut: {
            /** Track Id */
            track_id: number;
            /** Title */
            title: string;
        };
        /** DependencyOut */
        DependencyOut: {
            /** Ok */
            ok: boolean;
            /** Required */
            required: boolean;
            /** Status */
            status: string;
            /** Vectors */
            vectors?: number | null;
        };
        /**
         * Dismissal
         * @description A suggestion that is not for this playlist. Strict: ``"12"`` or ``true`` is a 422,
         *     not track 12 or 1.
         */
        Dismissal: {
            /**
             * Track Id
             * @description Track id, at most 2**53 - 1
             */
            track_id: number;
        };
        /**
         * ErrorOut
         * @description Every error's body: ``{"error": "not_found", "detail": "no playlist 'x'"}``.
         */
        ErrorOut: {
            /**
             * Error
             * @description A stable name for the kind of error
             */
            error: string;
            /**
             * Detail
             * @description What went wrong, for people
             */
            detail: string;
        };
        /** NewPlaylist */
        NewPlaylist: {
            /** Name */
            name: string;
        };
        /** NewTrack */
        NewTrack: {
            /**
             * Track Id
             * @description Track id, at most 2**53 - 1
             */
            track_id: number;
        };
        /**
         * PlaylistChange
         * @description ``PATCH /playlists/{id}``: what to change (the name, for now).
         */
        PlaylistChange: {
            /** Name */
            name: string;
        };
        /** PlaylistList */
        PlaylistList: {
            /** Playlists */
            playlists: components["schemas"]["PlaylistSummaryOut"][];
            /** Next Cursor */
            next_cursor?: string | null;
        };
        /** PlaylistOut */
        PlaylistOut: {
            /** Id */
            id: string;
            /** Name */
            name: string;
            /** Owner Did */
            owner_did: string;
            /** Record Cid */
            record_cid: string;
            /** Tracks */
            tracks: components["schemas"]["TrackOut"][];
        };
        /** PlaylistSummaryOut */
        PlaylistSummaryOut: {
            /** Id */
            id: string;
            /** Name */
            name: string;
            /** Owner Did */
            owner_did: string;
            /** Record Cid */
            record_cid: string;
            /** Track Count */
            track_count: number;
        };
        /** ReadinessOut */
        ReadinessOut: {
            /**
             * Status
             * @enum {string}
             */
            status: "ok" | "unavailable";
            /** Dependencies */
            dependencies: {
                [key: string]: components["schemas"]["DependencyOut"];
            };
        };
        /**
         * Recommendations
         * @description Tracks to add, best first. ``available: false`` tells the UI to hide the section.
         */
        Recommendations: {
            /** Tracks */
            tracks: components["schemas"]["SuggestionOut"][];
            /** Available */
            available: boolean;
            /**
             * More
             * @description The next page (offset + limit) would show more of the same ranking
             */
            more: boolean;
        };
        /**
         * SuggestionOut
         * @description A track to add: the track's fields, why it is suggested, and its preview if any.
         */
        SuggestionOut: {
            /** Id */
            id: number;
            /** Title */
            title: string;
            /** Artist Handle */
            artist_handle: string;
            /** Artist Display Name */
            artist_display_name: string | null;
            /**
             * Image Url
             * @description The cover: a path here, or a URL of SEGUE_IMAGE_ORIGINS; none: the placeholder
             */
            image_url: string | null;
            /** @description The playlist track it sounds most like (closest by cosine) */
            because: components["schemas"]["BecauseOut"] | null;
            /**
             * Audio Url
             * @description An http(s) preview to play (of SEGUE_AUDIO_ORIGINS), if there is one
             */
            audio_url: string | null;
        };
        /** TrackList */
        TrackList: {
            /** Tracks */
            tracks: components["schemas"]["TrackOut"][];
        };
        /** TrackOrder */
        TrackOrder: {
            /** Track Ids */
            track_ids: number[];
        };
        /** TrackOut */
        TrackOut: {
            /** Id */
            id: number;
            /** Title */
            title: string;
            /** Artist Handle */
            artist_handle: string;
            /** Artist Display Name */
            artist_display_name: string | null;
            /**
             * Image Url
             * @description The cover: a path here, or a URL of SEGUE_IMAGE_ORIGINS; none: the placeholder
             */
            image_url: string | null;
        };
        /** UserOut */
        UserOut: {
            /** Did */
            did: string;
            /** Handle */
            handle: string;
            /** Display Name */
            display_name: string | null;
        };
    };
    responses: never;
    parameters: never;
    requestBodies: never;
    headers: never;
    pathItems: never;
}
export type BecauseOut = components['schemas']['BecauseOut'];
export type DependencyOut = components['schemas']['DependencyOut'];
export type Dismissal = components['schemas']['Dismissal'];
export type ErrorOut = components['schemas']['ErrorOut'];
export type NewPlaylist = components['schemas']['NewPlaylist'];
export type NewTrack = components['schemas']['NewTrack'];
export type PlaylistChange = components['schemas']['PlaylistChange'];
export type PlaylistList = components['schemas']['PlaylistList'];
export type PlaylistOut = components['schemas']['PlaylistOut'];
export type PlaylistSummaryOut = components['schemas']['PlaylistSummaryOut'];
export type ReadinessOut = components['schemas']['ReadinessOut'];
export type Recommendations = components['schemas']['Recommendations'];
export type SuggestionOut = components['schemas']['SuggestionOut'];
export type TrackList = components['schemas']['TrackList'];
export type TrackOrder = components['schemas']['TrackOrder'];
export type TrackOut = components['schemas']['TrackOut'];
export type UserOut = components['schemas']['UserOut'];
export type $defs = Record<string, never>;
export interface operations {
    logout_auth_logout_post: {
        parameters: {
            query?: never;
            header?: never;
            path?: never;
            cookie?: never;
        };
        requestBody?: never;
        responses: {
            /** @description Successful Response */
            204: {
                headers: {
                    [name: string]: unknown;
                };
                content?: never;
            };
            /** @description Missing, malformed, unknown or revoked token */
            401: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/json": components["schemas"]["ErrorOut"];
                };
            };
            /** @description A platform token: its actors do not sign it out, its operator revokes it */
            403: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/json": components["schemas"]["ErrorOut"];
                };
            };
            /** @description The database is unavailable */
            503: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/json": components["schemas"]["ErrorOut"];
                };
            };
        };
    };
    healthz_healthz_get: {
        parameters: {
            query?: never;
            header?: never;
            path?: never;
            cookie?: never;
        };
        requestBody?: never;
        responses: {
            /** @description Successful Response */
            200: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/json": {
                        [key: string]: string;
                    };
                };
            };
        };
    };
    readyz_readyz_get: {
        parameters: {
            query?: never;
            header?: never;
            path?: never;
            cookie?: never;
        };
        requestBody?: never;
        responses: {
            /** @description Successful Response */
            200: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/json": components["schemas"]["ReadinessOut"];
                };
            };
            /** @description A required dependency is unusable */
            503: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/json": components["schemas"]["ReadinessOut"];
                };
            };
        };
    };
    me_me_get: {
        parameters: {
            query?: never;
            header?: {
                /** @description With a platform token (only): the DID of the user it acts for */
                "X-Segue-Actor"?: string | null;
            };
            path?: never;
            cookie?: never;
        };
        requestBody?: never;
        responses: {
            /** @description Successful Response */
            200: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/json": components["schemas"]["UserOut"];
                };
            };
            /** @description Missing, malformed, unknown or revoked token */
            401: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/json": components["schemas"]["ErrorOut"];
                };
            };
            /** @description Malformed input */
            422: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/json": components["schemas"]["ErrorOut"];
                };
            };
            /** @description The token spent its budget of requests (SEGUE_RATE_LIMIT_*); the Retry-After header says in how many seconds to try again */
            429: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/json": components["schemas"]["ErrorOut"];
                };
            };
            /** @description The database is unavailable */
            503: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/json": components["schemas"]["ErrorOut"];
                };
            };
        };
    };
    my_playlists_me_playlists_get: {
        parameters: {
            query?: {
                /** @description Playlists per page */
                limit?: number;
                /** @description The previous page's next_cursor */
                cursor?: string | null;
            };
            header?: {
                /** @description With a platform token (only): the DID of the user it acts for */
                "X-Segue-Actor"?: string | null;
            };
            path?: never;
            cookie?: never;
        };
        requestBody?: never;
        responses: {
            /** @description Successful Response */
            200: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/json": components["schemas"]["PlaylistList"];
                };
            };
            /** @description Missing, malformed, unknown or revoked token */
            401: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/json": components["schemas"]["ErrorOut"];
                };
            };
            /** @description Malformed input */
            422: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/json": components["schemas"]["ErrorOut"];
                };
            };
            /** @description The token spent its budget of requests (SEGUE_RATE_LIMIT_*); the Retry-After header says in how many seconds to try again */
            429: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/json": components["schemas"]["ErrorOut"];
                };
            };
            /** @description The database is unavailable */
            503: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/json": components["schemas"]["ErrorOut"];
                };
            };
        };
    };
    recommendations_playlists__playlist_id__recommendations_get: {
        parameters: {
            query?: {
                /** @description How many tracks */
                limit?: number;
                /** @description How many of the ranking to skip (the next page) */
                offset?: number;
            };
            header?: {
                /** @description With a platform token (only): the DID of the user it acts for */
                "X-Segue-Actor"?: string | null;
            };
            path: {
                /** @description Playlist id */
                playlist_id: string;
            };
            cookie?: never;
        };
        requestBody?: never;
        responses: {
            /** @description Successful Response */
            200: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/json": components["schemas"]["Recommendations"];
                };
            };
            /** @description Missing, malformed, unknown or revoked token */
            401: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/json": components["schemas"]["ErrorOut"];
                };
            };
            /** @description Not the playlist's owner */
            403: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/json": components["schemas"]["ErrorOut"];
                };
            };
            /** @description No such playlist */
            404: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/json": components["schemas"]["ErrorOut"];
                };
            };
            /** @description Malformed input */
            422: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/json": components["schemas"]["ErrorOut"];
                };
            };
            /** @description The token spent its budget of requests (SEGUE_RATE_LIMIT_*); the Retry-After header says in how many seconds to try again */
            429: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/json": components["schemas"]["ErrorOut"];
                };
            };
            /** @description The database is unavailable */
            503: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/json": components["schemas"]["ErrorOut"];
                };
            };
        };
    };
    continuation_playlists__playlist_id__continuation_get: {
        parameters: {
            query?: {
                /** @description How many tracks */
                limit?: number;
                /** @description How many of the ranking to skip (the next page) */
                offset?: number;
            };
            header?: {
                /** @description With a platform token (only): the DID of the user it acts for */
                "X-Segue-Actor"?: string | null;
            };
            path: {
                /** @description Playlist id */
                playlist_id: string;
            };
            cookie?: never;
        };
        requestBody?: never;
        responses: {
            /** @description Successful Response */
            200: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/json": components["schemas"]["Recommendations"];
                };
            };
            /** @description Missing, malformed, unknown or revoked token */
            401: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/json": components["schemas"]["ErrorOut"];
                };
            };
            /** @description No such playlist, or a hidden one */
            404: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/json": components["schemas"]["ErrorOut"];
                };
            };
            /** @description Malformed input */
            422: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/json": components["schemas"]["ErrorOut"];
                };
            };
            /** @description The token spent its budget of requests (SEGUE_RATE_LIMIT_*); the Retry-After header says in how many seconds to try again */
            429: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/json": components["schemas"]["ErrorOut"];
                };
            };
            /** @description The database is unavailable */
            503: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/json": components["schemas"]["ErrorOut"];
                };
            };
        };
    };
    read_playlists__playlist_id__get: {
        parameters: {
            query?: never;
            header?: {
                /** @description With a platform token (only): the DID of the user it acts for */
                "X-Segue-Actor"?: string | null;
            };
            path: {
                /** @description Playlist id */
                playlist_id: string;
            };
            cookie?: never;
        };
        requestBody?: never;
        responses: {
            /** @description Successful Response */
            200: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/json": components["schemas"]["PlaylistOut"];
                };
            };
            /** @description Missing, malformed, unknown or revoked token */
            401: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/json": components["schemas"]["ErrorOut"];
                };
            };
            /** @description Not the playlist's owner */
            403: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/json": components["schemas"]["ErrorOut"];
                };
            };
            /** @description No such playlist */
            404: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/json": components["schemas"]["ErrorOut"];
                };
            };
            /** @description Malformed input */
            422: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/json": components["schemas"]["ErrorOut"];
                };
            };
            /** @description The token spent its budget of requests (SEGUE_RATE_LIMIT_*); the Retry-After header says in how many seconds to try again */
            429: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/json": components["schemas"]["ErrorOut"];
                };
            };
            /** @description The database is unavailable */
            503: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/json": components["schemas"]["ErrorOut"];
                };
            };
        };
    };
    delete_playlists__playlist_id__delete: {
        parameters: {
            query?: never;
            header?: {
                /** @description With a platform token (only): the DID of the user it acts for */
                "X-Segue-Actor"?: string | null;
            };
            path: {
                /** @description Playlist id */
                playlist_id: string;
            };
            cookie?: never;
        };
        requestBody?: never;
        responses: {
            /** @description Successful Response */
            204: {
                headers: {
                    [name: string]: unknown;
                };
                content?: never;
            };
            /** @description Missing, malformed, unknown or revoked token */
            401: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/json": components["schemas"]["ErrorOut"];
                };
            };
            /** @description Not the playlist's owner */
            403: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/json": components["schemas"]["ErrorOut"];
                };
            };
            /** @description No such playlist */
            404: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/json": components["schemas"]["ErrorOut"];
                };
            };
            /** @description The playlist is a followed ATProto record: edit it there */
            409: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/json": components["schemas"]["ErrorOut"];
                };
            };
            /** @description Malformed input */
            422: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/json": components["schemas"]["ErrorOut"];
                };
            };
            /** @description The token spent its budget of requests (SEGUE_RATE_LIMIT_*); the Retry-After header says in how many seconds to try again */
            429: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/json": components["schemas"]["ErrorOut"];
                };
            };
            /** @description The database is unavailable */
            503: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/json": components["schemas"]["ErrorOut"];
                };
            };
        };
    };
    change_playlists__playlist_id__patch: {
        parameters: {
            query?: never;
            header?: {
                /** @description With a platform token (only): the DID of the user it acts for */
                "X-Segue-Actor"?: string | null;
            };
            path: {
                /** @description Playlist id */
                playlist_id: string;
            };
            cookie?: never;
        };
        requestBody: {
            content: {
                "application/json": components["schemas"]["PlaylistChange"];
            };
        };
        responses: {
            /** @description Successful Response */
            200: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/json": components["schemas"]["PlaylistOut"];
                };
            };
            /** @description The body could not be read (not UTF-8 JSON) */
            400: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/json": components["schemas"]["ErrorOut"];
                };
            };
            /** @description Missing, malformed, unknown or revoked token */
            401: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/json": components["schemas"]["ErrorOut"];
                };
            };
            /** @description Not the playlist's owner */
            403: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/json": components["schemas"]["ErrorOut"];
                };
            };
            /** @description No such playlist */
            404: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/json": components["schemas"]["ErrorOut"];
                };
            };
            /** @description The playlist is a followed ATProto record: edit it there */
            409: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/json": components["schemas"]["ErrorOut"];
                };
            };
            /** @description The body is larger than SEGUE_MAX_BODY_BYTES */
            413: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/json": components["schemas"]["ErrorOut"];
                };
            };
            /** @description Malformed input */
            422: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/json": components["schemas"]["ErrorOut"];
                };
            };
            /** @description The token spent its budget of requests (SEGUE_RATE_LIMIT_*); the Retry-After header says in how many seconds to try again */
            429: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/json": components["schemas"]["ErrorOut"];
                };
            };
            /** @description The database is unavailable */
            503: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/json": components["schemas"]["ErrorOut"];
                };
            };
        };
    };
    create_playlists_post: {
        parameters: {
            query?: never;
            header?: {
                /** @description With a platform token (only): the DID of the user it acts for */
                "X-Segue-Actor"?: string | null;
            };
            path?: never;
            cookie?: never;
        };
        requestBody: {
            content: {
                "application/json": components["schemas"]["NewPlaylist"];
            };
        };
        responses: {
            /** @description Successful Response */
            201: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/json": components["schemas"]["PlaylistOut"];
                };
            };
            /** @description The body could not be read (not UTF-8 JSON) */
            400: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/json": components["schemas"]["ErrorOut"];
                };
            };
            /** @description Missing, malformed, unknown or revoked token */
            401: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/json": components["schemas"]["ErrorOut"];
                };
            };
            /** @description The user has SEGUE_MAX_PLAYLISTS_PER_USER playlists already */
            409: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/json": components["schemas"]["ErrorOut"];
                };
            };
            /** @description The body is larger than SEGUE_MAX_BODY_BYTES */
            413: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/json": components["schemas"]["ErrorOut"];
                };
            };
            /** @description Malformed input */
            422: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/json": components["schemas"]["ErrorOut"];
                };
            };
            /** @description The token spent its budget of requests (SEGUE_RATE_LIMIT_*); the Retry-After header says in how many seconds to try again */
            429: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/json": components["schemas"]["ErrorOut"];
                };
            };
            /** @description The database is unavailable */
            503: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/json": components["schemas"]["ErrorOut"];
                };
            };
        };
    };
    set_order_playlists__playlist_id__tracks_put: {
        parameters: {
            query?: never;
            header?: {
                /** @description With a platform token (only): the DID of the user it acts for */
                "X-Segue-Actor"?: string | null;
            };
            path: {
                /** @description Playlist id */
                playlist_id: string;
            };
            cookie?: never;
        };
        requestBody: {
            content: {
                "application/json": components["schemas"]["TrackOrder"];
            };
        };
        responses: {
            /** @description Successful Response */
            200: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/json": components["schemas"]["PlaylistOut"];
                };
            };
            /** @description The body could not be read (not UTF-8 JSON) */
            400: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/json": components["schemas"]["ErrorOut"];
                };
            };
            /** @description Missing, malformed, unknown or revoked token */
            401: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/json": components["schemas"]["ErrorOut"];
                };
            };
            /** @description Not the playlist's owner */
            403: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/json": components["schemas"]["ErrorOut"];
                };
            };
            /** @description No such playlist */
            404: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/json": components["schemas"]["ErrorOut"];
                };
            };
            /** @description The playlist is a followed ATProto record: edit it there */
            409: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/json": components["schemas"]["ErrorOut"];
                };
            };
            /** @description The body is larger than SEGUE_MAX_BODY_BYTES */
            413: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/json": components["schemas"]["ErrorOut"];
                };
            };
            /** @description Malformed input */
            422: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/json": components["schemas"]["ErrorOut"];
                };
            };
            /** @description The token spent its budget of requests (SEGUE_RATE_LIMIT_*); the Retry-After header says in how many seconds to try again */
            429: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/json": components["schemas"]["ErrorOut"];
                };
            };
            /** @description The database is unavailable */
            503: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/json": components["schemas"]["ErrorOut"];
                };
            };
        };
    };
    add_track_playlists__playlist_id__tracks_post: {
        parameters: {
            query?: never;
            header?: {
                /** @description With a platform token (only): the DID of the user it acts for */
                "X-Segue-Actor"?: string | null;
            };
            path: {
                /** @description Playlist id */
                playlist_id: string;
            };
            cookie?: never;
        };
        requestBody: {
            content: {
                "application/json": components["schemas"]["NewTrack"];
            };
        };
        responses: {
            /** @description Successful Response */
            200: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/json": components["schemas"]["PlaylistOut"];
                };
            };
            /** @description The body could not be read (not UTF-8 JSON) */
            400: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/json": components["schemas"]["ErrorOut"];
                };
            };
            /** @description Missing, malformed, unknown or revoked token */
            401: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/json": components["schemas"]["ErrorOut"];
                };
            };
            /** @description Not the playlist's owner */
            403: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/json": components["schemas"]["ErrorOut"];
                };
            };
            /** @description No such playlist */
            404: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/json": components["schemas"]["ErrorOut"];
                };
            };
            /** @description The track is already in the playlist, or the playlist is a followed ATProto record (edited where it was made) */
            409: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/json": components["schemas"]["ErrorOut"];
                };
            };
            /** @description The body is larger than SEGUE_MAX_BODY_BYTES */
            413: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/json": components["schemas"]["ErrorOut"];
                };
            };
            /** @description Malformed input */
            422: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/json": components["schemas"]["ErrorOut"];
                };
            };
            /** @description The token spent its budget of requests (SEGUE_RATE_LIMIT_*); the Retry-After header says in how many seconds to try again */
            429: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/json": components["schemas"]["ErrorOut"];
                };
            };
            /** @description The database is unavailable */
            503: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/json": components["schemas"]["ErrorOut"];
                };
            };
        };
    };
    delete_track_playlists__playlist_id__tracks__track_id__delete: {
        parameters: {
            query?: never;
            header?: {
                /** @description With a platform token (only): the DID of the user it acts for */
                "X-Segue-Actor"?: string | null;
            };
            path: {
                /** @description Playlist id */
                playlist_id: string;
                /** @description Track id, at most 2**53 - 1 */
                track_id: number;
            };
            cookie?: never;
        };
        requestBody?: never;
        responses: {
            /** @description Successful Response */
            200: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/json": components["schemas"]["PlaylistOut"];
                };
            };
            /** @description Missing, malformed, unknown or revoked token */
            401: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/json": components["schemas"]["ErrorOut"];
                };
            };
            /** @description Not the playlist's owner */
            403: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/json": components["schemas"]["ErrorOut"];
                };
            };
            /** @description No such playlist */
            404: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/json": components["schemas"]["ErrorOut"];
                };
            };
            /** @description The playlist is a followed ATProto record: edit it there */
            409: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/json": components["schemas"]["ErrorOut"];
                };
            };
            /** @description Malformed input */
            422: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/json": components["schemas"]["ErrorOut"];
                };
            };
            /** @description The token spent its budget of requests (SEGUE_RATE_LIMIT_*); the Retry-After header says in how many seconds to try again */
            429: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/json": components["schemas"]["ErrorOut"];
                };
            };
            /** @description The database is unavailable */
            503: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/json": components["schemas"]["ErrorOut"];
                };
            };
        };
    };
    dismiss_playlists__playlist_id__recommendations_dismissed_post: {
        parameters: {
            query?: never;
            header?: {
                /** @description With a platform token (only): the DID of the user it acts for */
                "X-Segue-Actor"?: string | null;
            };
            path: {
                /** @description Playlist id */
                playlist_id: string;
            };
            cookie?: never;
        };
        requestBody: {
            content: {
                "application/json": components["schemas"]["Dismissal"];
            };
        };
        responses: {
            /** @description Successful Response */
            204: {
                headers: {
                    [name: string]: unknown;
                };
                content?: never;
            };
            /** @description The body could not be read (not UTF-8 JSON) */
            400: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/json": components["schemas"]["ErrorOut"];
                };
            };
            /** @description Missing, malformed, unknown or revoked token */
            401: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/json": components["schemas"]["ErrorOut"];
                };
            };
            /** @description Not the playlist's owner */
            403: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/json": components["schemas"]["ErrorOut"];
                };
            };
            /** @description No such playlist or track */
            404: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/json": components["schemas"]["ErrorOut"];
                };
            };
            /** @description The track is in the playlist */
            409: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/json": components["schemas"]["ErrorOut"];
                };
            };
            /** @description The body is larger than SEGUE_MAX_BODY_BYTES */
            413: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/json": components["schemas"]["ErrorOut"];
                };
            };
            /** @description Malformed input, or the playlist already has the most dismissals it keeps */
            422: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/json": components["schemas"]["ErrorOut"];
                };
            };
            /** @description The token spent its budget of requests (SEGUE_RATE_LIMIT_*); the Retry-After header says in how many seconds to try again */
            429: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/json": components["schemas"]["ErrorOut"];
                };
            };
            /** @description The database is unavailable */
            503: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/json": components["schemas"]["ErrorOut"];
                };
            };
        };
    };
    undismiss_playlists__playlist_id__recommendations_dismissed__track_id__delete: {
        parameters: {
            query?: never;
            header?: {
                /** @description With a platform token (only): the DID of the user it acts for */
                "X-Segue-Actor"?: string | null;
            };
            path: {
                /** @description Playlist id */
                playlist_id: string;
                /** @description Track id, at most 2**53 - 1 */
                track_id: number;
            };
            cookie?: never;
        };
        requestBody?: never;
        responses: {
            /** @description Successful Response */
            204: {
                headers: {
                    [name: string]: unknown;
                };
                content?: never;
            };
            /** @description Missing, malformed, unknown or revoked token */
            401: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/json": components["schemas"]["ErrorOut"];
                };
            };
            /** @description Not the playlist's owner */
            403: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/json": components["schemas"]["ErrorOut"];
                };
            };
            /** @description No such playlist or track */
            404: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/json": components["schemas"]["ErrorOut"];
                };
            };
            /** @description Malformed input */
            422: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/json": components["schemas"]["ErrorOut"];
                };
            };
            /** @description The token spent its budget of requests (SEGUE_RATE_LIMIT_*); the Retry-After header says in how many seconds to try again */
            429: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/json": components["schemas"]["ErrorOut"];
                };
            };
            /** @description The database is unavailable */
            503: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/json": components["schemas"]["ErrorOut"];
                };
            };
        };
    };
    search_tracks_get: {
        parameters: {
            query: {
                /** @description Words to look for */
                q: string;
                limit?: number;
            };
            header?: {
                /** @description With a platform token (only): the DID of the user it acts for */
                "X-Segue-Actor"?: string | null;
            };
            path?: never;
            cookie?: never;
        };
        requestBody?: never;
        responses: {
            /** @description Successful Response */
            200: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/json": components["schemas"]["TrackList"];
                };
            };
            /** @description Missing, malformed, unknown or revoked token */
            401: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/json": components["schemas"]["ErrorOut"];
                };
            };
            /** @description Malformed input */
            422: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/json": components["schemas"]["ErrorOut"];
                };
            };
            /** @description The token spent its budget of requests (SEGUE_RATE_LIMIT_*); the Retry-After header says in how many seconds to try again */
            429: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/json": components["schemas"]["ErrorOut"];
                };
            };
            /** @description The database is unavailable */
            503: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/json": components["schemas"]["ErrorOut"];
                };
            };
        };
    };
    similar_tracks__track_id__similar_get: {
        parameters: {
            query?: {
                /** @description How many tracks */
                limit?: number;
                /** @description How many of the ranking to skip (the next page) */
                offset?: number;
            };
            header?: {
                /** @description With a platform token (only): the DID of the user it acts for */
                "X-Segue-Actor"?: string | null;
            };
            path: {
                /** @description Track id, at most 2**53 - 1 */
                track_id: number;
            };
            cookie?: never;
        };
        requestBody?: never;
        responses: {
            /** @description Successful Response */
            200: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/json": components["schemas"]["Recommendations"];
                };
            };
            /** @description Missing, malformed, unknown or revoked token */
            401: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/json": components["schemas"]["ErrorOut"];
                };
            };
            /** @description No such track, or a hidden or deleted one */
            404: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/json": components["schemas"]["ErrorOut"];
                };
            };
            /** @description Malformed input */
            422: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/json": components["schemas"]["ErrorOut"];
                };
            };
            /** @description The token spent its budget of requests (SEGUE_RATE_LIMIT_*); the Retry-After header says in how many seconds to try again */
            429: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/json": components["schemas"]["ErrorOut"];
                };
            };
            /** @description The database is unavailable */
            503: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/json": components["schemas"]["ErrorOut"];
                };
            };
        };
    };
    did_document__well_known_did_json_get: {
        parameters: {
            query?: never;
            header?: never;
            path?: never;
            cookie?: never;
        };
        requestBody?: never;
        responses: {
            /** @description Successful Response */
            200: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/json": {
                        [key: string]: unknown;
                    };
                };
            };
            /** @description SEGUE_SERVICE_DID is not a did:web, or not set */
            404: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/json": components["schemas"]["ErrorOut"];
                };
            };
        };
    };
    metrics_metrics_get: {
        parameters: {
            query?: never;
            header?: never;
            path?: never;
            cookie?: never;
        };
        requestBody?: never;
        responses: {
            /** @description Successful Response */
            200: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "text/plain; version=1.0.0; charset=utf-8": unknown;
                };
            };
        };
    };
}
