"""`segue eval` end to end through the real command line, on a tiny generated set."""

import json

import pytest
from typer.testing import CliRunner

from segue.cli import app
from segue.evaluation import METRICS


def args(d, *extra):
    return [
        "eval",
        "--vectors",
        str(d / "vectors.npy"),
        "--ids",
        str(d / "track_ids.txt"),
        "--playlists",
        str(d / "playlists.jsonl"),
        *extra,
    ]


def run_json(d, *extra):
    res = CliRunner().invoke(app, args(d, "--json", "--bootstrap", "200", *extra))
    assert res.exit_code == 0, res.output
    return [json.loads(line) for line in res.stdout.splitlines()]


def test_json_one_object_per_mode_and_strategy(eval_set):
    d, _, _ = eval_set
    rows = run_json(d)
    assert [(r["mode"], r["strategy"]) for r in rows] == [
        (m, s) for m in ("n=1", "n=3", "n=5", "n=10", "80%") for s in ("adaptive", "together")
    ]
    for row in rows:
        # 12 playlists of 10+ distinct tracks; the 9-track one is left out. n=10 skips
        # the playlists of exactly 10 tracks (nothing hidden).
        assert row["playlists"] <= 12
        assert row["playlists"] == 12 or row["mode"] == "n=10"
        for m in METRICS:
            assert 0.0 <= row[f"{m}_ci"][0] <= row[m] <= row[f"{m}_ci"][1] <= 1.0
        assert row["artist_cap"] is None
        if row["strategy"] == "together":
            assert row["HR@10_delta"] == pytest.approx(
                row["HR@10"]
                - next(
                    r["HR@10"]
                    for r in rows
                    if r["mode"] == row["mode"] and r["strategy"] == "adaptive"
                )
            )
    # The synthetic playlists are single styles, so the engine finds their tracks.
    # (the default, together: the evaluated playlists are its corpus here)
    default_80 = next(r for r in rows if r["mode"] == "80%" and r["strategy"] == "together")
    assert default_80["HR@50"] > 0.5


def test_deterministic_and_seeded(eval_set):
    d, _, _ = eval_set
    a = run_json(d, "--mode", "n=3", "--strategy", "blend")
    b = run_json(d, "--mode", "n=3", "--strategy", "blend")
    c = run_json(d, "--mode", "n=3", "--strategy", "blend", "--seed", "5")
    assert a == b
    assert [r["R@50"] for r in a] == [r["R@50"] for r in c]  # the means do not depend on it


def test_modes_and_strategies_are_selectable(eval_set):
    d, _, _ = eval_set
    rows = run_json(d, "--mode", "n=2", "--mode", "50%", "--strategy", "all")
    assert {r["mode"] for r in rows} == {"n=2", "50%"}
    assert {r["strategy"] for r in rows} == {
        "adaptive",
        "centroid",
        "clusters",
        "softmax",
        "blend",
        "together",
    }


def test_artist_cap(eval_set):
    d, _, _ = eval_set
    rows = run_json(d, "--mode", "80%", "--artists", str(d / "tracks.csv"), "--artist-cap", "1")
    assert {r["artist_cap"] for r in rows} == {1}


def test_table_output(eval_set):
    d, _, _ = eval_set
    res = CliRunner().invoke(app, args(d, "--mode", "n=5", "--bootstrap", "50"))
    assert res.exit_code == 0, res.output
    assert "adaptive" in res.stdout
    assert "together" in res.stdout  # the default strategy
    assert "HR@10" in res.stdout


@pytest.mark.parametrize(
    ("extra", "message"),
    [
        (["--mode", "n=0"], "mode"),
        (["--strategy", "nope"], "unknown strategy"),
        (["--artist-cap", "2"], "--artists"),
    ],
)
def test_bad_arguments_are_one_line_errors(eval_set, extra, message):
    d, _, _ = eval_set
    res = CliRunner().invoke(app, args(d, *extra))
    assert res.exit_code == 2
    assert message in res.output


def test_bad_files(eval_set):
    d, _, _ = eval_set
    (d / "track_ids.txt").write_text("a\nb\n")
    res = CliRunner().invoke(app, args(d))
    assert res.exit_code == 2
    assert "2 ids but" in res.output


def test_markdown_and_plot(eval_set, tmp_path):
    d, _, _ = eval_set
    png = tmp_path / "out" / "eval.png"
    res = CliRunner().invoke(
        app, args(d, "--mode", "n=5", "--bootstrap", "50", "--markdown", "--plot", str(png))
    )
    assert res.exit_code == 0, res.output
    lines = res.stdout.splitlines()
    # The costs of the co-occurrence signal follow the metrics (the evaluated playlists
    # are always a corpus).
    costs = ("pop@10", "cold@10", "coverage@10")
    assert lines[0] == "| mode | strategy | playlists | " + " | ".join((*METRICS, *costs)) + " |"
    assert lines[2].startswith("| n=5 | adaptive | 12 | ")
    assert lines[3].startswith("| n=5 | together | 12 | ")
    assert "HR@10 vs adaptive" in lines[5]
    assert lines[7].startswith("| n=5 | together | ")
    assert "x (" in lines[7]
    assert png.read_bytes()[:8] == b"\x89PNG\r\n\x1a\n"


def test_tracks_turn_on_the_rules_and_the_rates(eval_set):
    d, _, _ = eval_set
    rows = run_json(d, "--mode", "n=5", "--tracks", str(d / "tracks.csv"))
    for row in rows:
        assert row["dup@10"] == 0.0  # the rules leave none
        assert 0.0 <= row["repeat@10"] <= 0.5
        assert row["max_per_artist"] == 1
    off = run_json(d, "--mode", "n=5", "--tracks", str(d / "tracks.csv"), "--max-per-artist", "0")
    assert sum(r["repeat@10"] for r in off) > sum(r["repeat@10"] for r in rows)
    assert "dup@10" not in run_json(d, "--mode", "n=5")[0]
    measured = run_json(d, "--mode", "n=5", "--tracks", str(d / "tracks.csv"), "--no-rules")
    assert [r["repeat@10"] for r in measured] == [r["repeat@10"] for r in off]
    assert {r["max_per_artist"] for r in measured} == {None}


def test_feedback_mode(eval_set):
    d, _, _ = eval_set
    rows = run_json(d, "--mode", "n=3", "--strategy", "blend", "--feedback")
    assert [r["strategy"] for r in rows] == ["blend excluded", "blend negatives"]
    assert "R@50_delta" in rows[1]
    assert "R@50_delta" not in rows[0]
    res = CliRunner().invoke(
        app, args(d, "--mode", "n=3", "--strategy", "blend", "--feedback", "--markdown")
    )
    assert res.exit_code == 0, res.output
    assert "HR@10 vs reference" in res.stdout


def test_help_names_the_new_options():
    res = CliRunner().invoke(app, ["eval", "--help"])
    assert res.exit_code == 0
    for option in (
        "--tracks",
        "--max-per-artist",
        "--near-duplicate-distance",
        "--feedback",
        "--no-rules",
        "--corpus",
    ):
        assert option in res.output


def test_corpus_feeds_together_and_each_playlist_leaves_itself_out(eval_set, tmp_path):
    d, _, _ = eval_set
    lines = (d / "playlists.jsonl").read_text().splitlines()
    same = tmp_path / "same.jsonl"  # the evaluated playlists again, under their own ids
    same.write_text("\n".join(lines) + "\n")
    copies = tmp_path / "copies.jsonl"  # the same tracks under other ids: a leak, on purpose
    copies.write_text(
        "\n".join(json.dumps(json.loads(x) | {"id": "copy-" + json.loads(x)["id"]}) for x in lines)
        + "\n"
    )
    picked = ("--mode", "80%", "--strategy", "blend", "--strategy", "together")
    alone = run_json(d, *picked)
    assert run_json(d, *picked, "--corpus", str(same)) == alone
    leaked = run_json(d, *picked, "--corpus", str(copies), "--corpus", str(same))
    together = {r["strategy"]: r for r in alone}["together"]
    with_copies = {r["strategy"]: r for r in leaked}["together"]
    # The copies hold every hidden track with the seeds: the list finds them.
    assert with_copies["R@10"] > together["R@10"]
    assert with_copies["R@10"] > 0.5
    for row in alone:
        assert 0.0 <= row["pop@10"] <= 1.0
        assert 0.0 <= row["cold@10"] <= 1.0
        assert 0 < row["coverage@10"] <= 400
    # Blend never reads the corpus: the same answers with or without it.
    blend = {r["strategy"]: r for r in leaked}["blend"]
    assert blend["R@50"] == {r["strategy"]: r for r in alone}["blend"]["R@50"]


def test_baseline_option_compares_with_another_strategy(eval_set):
    d, _, _ = eval_set
    picked = ("--mode", "n=5", "--baseline", "blend", "--strategy", "blend")
    rows = run_json(d, *picked, "--strategy", "together")
    by = {r["strategy"]: r for r in rows}
    assert "HR@10_delta" not in by["blend"]
    assert by["together"]["R@50_delta"] == pytest.approx(
        by["together"]["R@50"] - by["blend"]["R@50"]
    )
    res = CliRunner().invoke(app, args(d, *picked, "--strategy", "together", "--markdown"))
    assert res.exit_code == 0, res.output
    assert "HR@10 vs blend" in res.stdout
