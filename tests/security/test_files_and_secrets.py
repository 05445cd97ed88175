"""Files and secrets (issue 13, point 7): the data dir is 0700 and its files 0600; the
database and Redis URLs never show their passwords; turbopuffer only over TLS, unless on
this machine."""

from __future__ import annotations

import os
import stat
import subprocess
from collections.abc import Iterator
from pathlib import Path

import numpy as np
import pytest
from pydantic import ValidationError

from segue.catalog import ensure_schema, normalize_url, open_database
from segue.engine import normalize
from segue.errors import Misconfigured
from segue.settings import Settings
from segue.vectors import LocalVectorStore

from ..support import free_port, segue_binary

PASSWORD = "hunter2-s3cret"


@pytest.fixture
def loose_umask() -> Iterator[None]:
    """The usual umask (022), under which files are created 0644 unless Segue says otherwise."""
    old = os.umask(0o022)
    try:
        yield
    finally:
        os.umask(old)


def mode(path: Path) -> int:
    return stat.S_IMODE(path.lstat().st_mode)


def assert_private(root: Path) -> None:
    assert mode(root) == 0o700, f"{root}: {mode(root):o}"
    for path in root.rglob("*"):
        if path.is_symlink():
            continue
        want = 0o700 if path.is_dir() else 0o600
        assert mode(path) == want, f"{path}: {mode(path):o}"


@pytest.mark.usefixtures("loose_umask")
async def test_the_catalog_and_its_data_dir_are_the_owners_only(tmp_path: Path):
    settings = Settings(data_dir=tmp_path / "data")
    async with open_database(settings) as database:
        await ensure_schema(database, migrate=True)  # creates segue.db, -wal and -shm
        assert (settings.data_dir / "segue.db-wal").exists()
        assert_private(settings.data_dir)
    assert_private(settings.data_dir)


@pytest.mark.usefixtures("loose_umask")
async def test_an_existing_loose_catalog_is_tightened(tmp_path: Path):
    data = tmp_path / "data"
    data.mkdir(mode=0o755)
    (data / "segue.db").touch(mode=0o644)  # as an earlier Segue left it
    os.chmod(data, 0o755)
    os.chmod(data / "segue.db", 0o644)
    async with open_database(Settings(data_dir=data)) as database:
        await ensure_schema(database, migrate=True)
    assert_private(data)


@pytest.mark.usefixtures("loose_umask")
async def test_a_sticky_directory_holding_the_catalog_keeps_its_mode(tmp_path: Path):
    """A database named in a sticky directory (as ``sqlite:////tmp/segue.db`` would be):
    the file is the owner's, the directory stays everyone's."""
    sticky = tmp_path / "sticky"
    sticky.mkdir()
    os.chmod(sticky, 0o1777)
    url = f"sqlite+aiosqlite:///{sticky / 'segue.db'}"
    settings = Settings(data_dir=tmp_path / "data", database_url=url)
    async with open_database(settings) as database:
        await ensure_schema(database, migrate=True)
    assert stat.S_IMODE(sticky.stat().st_mode) == 0o1777
    assert mode(sticky / "segue.db") == 0o600


@pytest.mark.usefixtures("loose_umask")
@pytest.mark.parametrize("dtype", ["f32", "bf16"])
async def test_the_index_files_are_the_owners_only(tmp_path: Path, dtype: str):
    data = tmp_path / "data"
    store = LocalVectorStore(data / "vectors.usearch", dtype=dtype)
    rng = np.random.default_rng(1)
    for batch in range(2):  # a first index, then a replacement
        ids = np.arange(batch * 50, batch * 50 + 50)
        await store.upsert(ids, normalize(rng.normal(size=(50, 8)).astype(np.float32)))
    assert list(data.iterdir())
    assert_private(data)


def test_a_segue_command_creates_nothing_others_can_read(tmp_path: Path):
    data = tmp_path / "data"
    result = subprocess.run(
        [segue_binary(), "db", "upgrade", "--data-dir", str(data)],
        capture_output=True,
        text=True,
        timeout=120,
        preexec_fn=lambda: os.umask(0o022),
        env={**os.environ, "SEGUE_DATABASE_URL": ""},
    )
    assert result.returncode == 0, result.stderr
    assert (data / "segue.db").exists()
    assert_private(data)


# -- secrets ---------------------------------------------------------------------------------


def test_urls_with_passwords_never_show_them(monkeypatch: pytest.MonkeyPatch):
    monkeypatch.setenv("SEGUE_DATABASE_URL", f"postgresql://segue:{PASSWORD}@db.internal/segue")
    monkeypatch.setenv("SEGUE_REDIS_URL", f"redis://:{PASSWORD}@cache.internal:6379/0")
    settings = Settings()
    for text in (repr(settings), str(settings), settings.model_dump_json(), f"{settings}"):
        assert PASSWORD not in text
    assert PASSWORD not in repr(settings.database_url)
    assert PASSWORD not in f"{settings.redis_url}"
    # ... and what connects still has them.
    assert PASSWORD in settings.catalog_url
    assert settings.redis_url is not None
    assert PASSWORD in settings.redis_url.get_secret_value()
    # Settings copied the way the tests and the demo copy them keep the real values.
    again = Settings.model_validate(settings.model_dump())
    assert again.catalog_url == settings.catalog_url


def test_an_empty_url_is_unset(monkeypatch: pytest.MonkeyPatch):
    monkeypatch.setenv("SEGUE_DATABASE_URL", "")
    monkeypatch.setenv("SEGUE_REDIS_URL", "  ")
    settings = Settings()
    assert settings.database_url is None
    assert settings.redis_url is None


def test_a_malformed_database_url_is_refused_without_quoting_it():
    with pytest.raises(Misconfigured) as caught:
        normalize_url(f"postgresql://segue:{PASSWORD}@db:notaport/segue")
    assert PASSWORD not in caught.value.detail


def test_the_cli_never_prints_the_database_password(tmp_path: Path):
    for url in (
        f"postgresql://segue:{PASSWORD}@127.0.0.1:{free_port()}/segue",  # nothing listens
        f"postgresql://segue:{PASSWORD}@127.0.0.1:notaport/segue",  # malformed
    ):
        result = subprocess.run(
            [segue_binary(), "db", "upgrade", "--data-dir", str(tmp_path)],
            capture_output=True,
            text=True,
            timeout=120,
            env={**os.environ, "SEGUE_DATABASE_URL": url, "SEGUE_DATABASE_CONNECT_TIMEOUT": "2"},
        )
        assert result.returncode != 0
        assert "error" in result.stderr
        assert PASSWORD not in result.stdout + result.stderr


# -- turbopuffer over TLS ----------------------------------------------------------------------


@pytest.mark.parametrize(
    "url",
    [
        "http://tpuf.example.com",
        "http://10.0.0.7:8080",
        "http://127.0.0.1.nip.io",
        "ftp://127.0.0.1",
        "https://",
        "gcp-us-central1.turbopuffer.com",
    ],
)
def test_turbopuffer_over_plain_http_is_refused(url: str):
    with pytest.raises(ValidationError, match="turbopuffer base URL"):
        Settings(turbopuffer_base_url=url)


@pytest.mark.parametrize(
    "url",
    [
        "https://byoc.example.com",
        "http://127.0.0.1:8123",
        "http://127.8.9.10",
        "http://[::1]:9000",
        "http://localhost:9000",
    ],
)
def test_turbopuffer_over_tls_or_loopback_is_accepted(url: str):
    assert Settings(turbopuffer_base_url=url).turbopuffer_base_url == url
