"""Bare FastAPI: the recommendations route answering a fixed JSON body, nothing else.

    uvicorn bench._apps.bare:app --port 8000

The ceiling of the stack (uvicorn + FastAPI + JSON) on this machine: no database, no
cache, no auth. The body has the shape and size of a real answer with three tracks.
"""

from __future__ import annotations

from fastapi import FastAPI

__all__ = ["BODY", "app"]

BODY = {
    "tracks": [
        {
            "id": 1000 + i,
            "title": f"Track {1000 + i}",
            "artist_handle": f"artist{i}.bench.test",
            "artist_display_name": f"Artist {i}",
            "image_url": f"https://img.bench.test/{1000 + i}.jpg",
        }
        for i in range(3)
    ],
    "available": True,
}

app = FastAPI()


@app.get("/readyz")
async def readyz() -> dict[str, str]:
    return {"status": "ready"}


@app.get("/playlists/{playlist_id}/recommendations")
async def recommendations(playlist_id: str, limit: int = 3) -> dict[str, object]:
    return BODY
