"""Which covers and previews a page may load: the second line of defence after the
network checks of ``segue.follow`` (docs/atproto.md, "Trust").

A cover or a preview loads in every listener's browser, and tells its host who is
looking. So an ``image_url`` or ``audio_url`` is served only when it is a path on Segue's
own server (the demo's covers) or an http(s) URL whose origin is in ``SEGUE_IMAGE_ORIGINS``
or ``SEGUE_AUDIO_ORIGINS``; with a list unset, none is (the page shows its placeholder
cover, and no preview). The stored value is kept: setting the origins later serves it.
The page's Content-Security-Policy names exactly the same origins beside ``'self'``.

    >>> policy = MediaPolicy(image_origins=("https://images.plyr.fm",))
    >>> policy.image("https://images.plyr.fm/c/1.jpg"), policy.image("https://evil.example/x")
    ('https://images.plyr.fm/c/1.jpg', None)
"""

from __future__ import annotations

from dataclasses import dataclass
from urllib.parse import urlsplit

from segue.settings import Settings

__all__ = ["MediaPolicy"]


def _origin(url: str) -> str | None:
    try:
        parts = urlsplit(url)
        port = parts.port
    except ValueError:
        return None
    if parts.scheme not in {"http", "https"} or not parts.hostname or parts.username:
        return None
    host = parts.hostname.lower()
    default = {"http": 80, "https": 443}[parts.scheme]
    return f"{parts.scheme}://{host}" + (f":{port}" if port not in (None, default) else "")


def _allowed(origins: tuple[str, ...]) -> frozenset[str]:
    # The settings keep an explicit default port if given: compare in one spelling.
    return frozenset(o for o in (_origin(origin) for origin in origins) if o is not None)


@dataclass(frozen=True, slots=True)
class MediaPolicy:
    """The origins covers (``image_origins``) and previews (``audio_origins``) may come
    from; built once per process from the settings (:meth:`from_settings`)."""

    audio_origins: tuple[str, ...] = ()
    image_origins: tuple[str, ...] = ()

    @classmethod
    def from_settings(cls, settings: Settings) -> MediaPolicy:
        return cls(settings.audio_origin_list, settings.image_origin_list)

    def image(self, url: str | None) -> str | None:
        """``url`` if the page may show it as a cover, else ``None`` (the placeholder)."""
        if url is not None and url.startswith("/") and not url.startswith("//"):
            return url  # a path on Segue's own server ('self'): the demo's covers
        return self._screen(url, self.image_origins)

    def audio(self, url: str | None) -> str | None:
        """``url`` if the page may play it as a preview, else ``None``."""
        return self._screen(url, self.audio_origins)

    def _screen(self, url: str | None, origins: tuple[str, ...]) -> str | None:
        if url is None or not origins:
            return None
        return url if _origin(url) in _allowed(origins) else None

    def content_security_policy(self) -> str:
        """The page's CSP: scripts and styles from itself only, covers and previews from
        itself and the allowed origins (``data:`` images: Swagger UI's icons)."""
        images = " ".join(("'self'", *self.image_origins, "data:"))
        media = " ".join(("'self'", *self.audio_origins))
        return "; ".join(
            (
                "default-src 'self'",
                "script-src 'self'",
                "style-src 'self'",
                f"img-src {images}",
                f"media-src {media}",
                "object-src 'none'",
                "base-uri 'none'",
                "form-action 'self'",
                "frame-ancestors 'none'",
            )
        )
