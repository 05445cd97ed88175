"""`segue recommend --strategy` and SEGUE_STRATEGY pick the strategy; together is the
default, and without a catalog (no co-occurrence list) it ranks as blend."""

import json

import numpy as np
from typer.testing import CliRunner

from segue.cli import app
from segue.ingest import synthetic_catalog


def setup_store(tmp_path):
    cat = synthetic_catalog(500, dim=8, n_styles=3, n_artists=30)
    np.save(tmp_path / "v.npy", cat.vectors)
    (tmp_path / "ids.txt").write_text("\n".join(map(str, cat.ids)))
    data = tmp_path / "data"
    runner = CliRunner()
    args = ["import", "vectors", str(tmp_path / "v.npy"), "--ids", str(tmp_path / "ids.txt")]
    assert runner.invoke(app, [*args, "--data-dir", str(data)]).exit_code == 0
    return runner, data, cat


def ids_for(runner, data, *extra, env=None):
    playlist = [str(i) for i in range(1, 13)]
    args = ["recommend", *playlist, "-n", "8", "--json", "--data-dir", str(data), *extra]
    res = runner.invoke(app, args, env=env)
    assert res.exit_code == 0, res.output
    return [r["id"] for r in json.loads(res.stdout)]


def test_strategy_option_and_setting(tmp_path):
    runner, data, _ = setup_store(tmp_path)
    default = ids_for(runner, data)
    assert ids_for(runner, data, "--strategy", "blend") == default
    adaptive = ids_for(runner, data, "--strategy", "adaptive")
    assert adaptive != default  # the two strategies rank differently here
    assert ids_for(runner, data, env={"SEGUE_STRATEGY": "adaptive"}) == adaptive
    # The option wins over the setting.
    assert ids_for(runner, data, "--strategy", "blend", env={"SEGUE_STRATEGY": "adaptive"}) == (
        default
    )
    assert not set(default) & set(range(1, 13))


def test_unknown_strategy_is_an_error(tmp_path):
    runner, data, _ = setup_store(tmp_path)
    res = runner.invoke(app, ["recommend", "1", "--strategy", "nope", "--data-dir", str(data)])
    assert res.exit_code == 2
    assert "unknown strategy 'nope'" in res.stderr


def test_adaptive_skips_zero_vectors_end_to_end(tmp_path):
    # Imports accept zero vectors (`segue check` reports them); no strategy queries them.
    cat = synthetic_catalog(500, dim=8, n_styles=3, n_artists=30)
    vectors = cat.vectors.copy()
    zero_ids = [int(i) for i in cat.ids[:12]]
    vectors[:12] = 0.0
    np.save(tmp_path / "v.npy", vectors)
    (tmp_path / "ids.txt").write_text("\n".join(map(str, cat.ids)))
    data = tmp_path / "data"
    runner = CliRunner()
    args = ["import", "vectors", str(tmp_path / "v.npy"), "--ids", str(tmp_path / "ids.txt")]
    assert runner.invoke(app, [*args, "--data-dir", str(data)]).exit_code == 0
    for name in ("adaptive", "blend"):
        res = runner.invoke(
            app,
            [
                "recommend",
                *map(str, zero_ids),
                "--json",
                "--strategy",
                name,
                "--data-dir",
                str(data),
            ],
        )
        assert res.exit_code == 0, res.output
        assert json.loads(res.stdout) == [], name
    check = runner.invoke(app, ["check", "--json", "--data-dir", str(data)])
    assert check.exit_code == 1
    assert json.loads(check.stdout)["invalid_vectors"] == sorted(zero_ids)
