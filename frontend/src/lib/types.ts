// Shapes of the Segue API's JSON (issue 3). Field names mirror the server exactly.

export interface Track {
  id: number;
  title: string;
  artist_handle: string;
  artist_display_name: string | null;
  image_url: string | null;
}

export interface Playlist {
  id: string;
  name: string;
  owner_did: string;
  record_cid: string;
  tracks: Track[];
}

export interface PlaylistSummary {
  id: string;
  name: string;
  owner_did: string;
  record_cid: string;
  track_count: number;
}

export interface Me {
  did: string;
  handle: string;
  display_name: string | null;
}

export interface Recommendations {
  tracks: Track[];
  available: boolean;
}

/** How a TrackCard looks: recommendations are dashed and faded until hovered or focused. */
export type TrackCardVariant = 'playlist' | 'recommendation' | 'search';
