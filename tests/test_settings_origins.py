"""SEGUE_AUDIO_ORIGINS and SEGUE_IMAGE_ORIGINS: exact origins, normalised, or a clear error."""

from __future__ import annotations

import pytest
from pydantic import ValidationError

from segue.settings import Settings


def test_origins_are_normalised_and_split() -> None:
    settings = Settings(audio_origins=" https://CDN.Example.com/ ,http://127.0.0.1:9000,")
    assert settings.audio_origin_list == ("https://cdn.example.com", "http://127.0.0.1:9000")
    assert Settings().audio_origin_list == ()
    assert Settings(image_origins="").image_origin_list == ()


@pytest.mark.parametrize(
    "value",
    [
        "cdn.example.com",
        "ftp://cdn.example.com",
        "https://cdn.example.com/audio",
        "https://cdn.example.com?x=1",
        "https://user:pw@cdn.example.com",
        "javascript:alert(1)",
    ],
)
def test_anything_but_an_origin_is_refused(value: str) -> None:
    with pytest.raises(ValidationError, match="is not an origin"):
        Settings(image_origins=value)
