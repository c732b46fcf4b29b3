"""The manifest reader: real clips read back, and every bad line named by file and line number."""

import json
import shutil

import pytest

from keyvox.bench.manifest import ManifestError, read_manifest
from keyvox.cli.main import main
from tests.conftest import SPEECH_DIR


def write_manifest(tmp_path, lines):
    path = tmp_path / "manifest.jsonl"
    path.write_text("\n".join(lines) + "\n", encoding="utf-8")
    return path


@pytest.fixture
def clip_dir(tmp_path, manifest):
    """A folder with one real clip in it, next to a manifest written by the test."""
    first = next(row for row in manifest if row["lang"] == "en")
    shutil.copy(first["path"], tmp_path / "a.wav")
    return tmp_path


def test_reads_the_shared_manifest(manifest):
    clips = read_manifest(SPEECH_DIR / "manifest.jsonl")
    assert len(clips) == len(manifest)
    assert all(clip.audio.is_file() and clip.audio.is_absolute() for clip in clips)
    assert clips[0].line == 1 and clips[0].entry == manifest[0]["audio"]
    english = read_manifest(SPEECH_DIR / "manifest.jsonl", lang="en")
    assert english and all(clip.lang == "en" for clip in english)
    assert len(english) == sum(1 for row in manifest if row["lang"] == "en")
    assert [c.line for c in read_manifest(SPEECH_DIR / "manifest.jsonl", lang="en", limit=3)] == [
        c.line for c in english[:3]
    ]
    two = read_manifest(SPEECH_DIR / "manifest.jsonl", lang="fr,de")
    assert {clip.lang for clip in two} == {"fr", "de"}


def test_optional_fields_and_comments(clip_dir):
    path = write_manifest(clip_dir, ["# clips for a quick check", "", '{"audio": "a.wav", "text": "hello"}'])
    (clip,) = read_manifest(path)
    assert (clip.line, clip.lang, clip.duration_s, clip.text) == (3, "", 0.0, "hello")


@pytest.mark.parametrize(
    "bad_line, message",
    [
        ('{"audio": "a.wav", "text": "hi"', "not valid JSON"),
        ('["a.wav", "hi"]', "expected a JSON object, got list"),
        ('{"text": "hi"}', 'missing "audio"'),
        ('{"audio": "a.wav"}', 'missing "text"'),
        ('{"audio": "a.wav", "text": 3}', '"text" must be a string, got 3'),
        ('{"audio": "", "text": "hi"}', '"audio" is empty'),
        ('{"audio": "a.wav", "text": "hi", "lang": 1}', '"lang" must be a language code'),
        (
            '{"audio": "a.wav", "text": "hi", "duration_s": "long"}',
            '"duration_s" must be a number of seconds',
        ),
    ],
)
def test_bad_line_names_file_and_line(clip_dir, bad_line, message):
    path = write_manifest(clip_dir, ['{"audio": "a.wav", "text": "fine", "lang": "en"}', bad_line])
    with pytest.raises(ManifestError) as caught:
        read_manifest(path)
    text = str(caught.value)
    assert text.startswith(f"{path}:2: ") and message in text
    assert "\n" not in text


def test_missing_audio_file_names_the_line(clip_dir):
    path = write_manifest(
        clip_dir,
        ['{"audio": "a.wav", "text": "x", "lang": "en"}', '{"audio": "gone.wav", "text": "x", "lang": "en"}'],
    )
    with pytest.raises(ManifestError, match=r"manifest.jsonl:2: audio file .*gone.wav not found"):
        read_manifest(path)
    # Only chosen clips must exist: filtering the missing one out is fine.
    assert len(read_manifest(path, limit=1)) == 1


def test_missing_manifest_and_empty_selection(tmp_path, clip_dir):
    with pytest.raises(ManifestError, match="manifest not found"):
        read_manifest(tmp_path / "nope.jsonl")
    path = write_manifest(clip_dir, [json.dumps({"audio": "a.wav", "text": "x", "lang": "en"})])
    with pytest.raises(ManifestError, match="no clips with lang fr"):
        read_manifest(path, lang="fr")


def test_cli_reports_a_bad_manifest_in_one_line(clip_dir, capsys):
    path = write_manifest(clip_dir, ['{"audio": "a.wav", "text": "x"}', "not json"])
    assert main(["bench", "--manifest", str(path)]) == 2
    err = capsys.readouterr().err.strip()
    assert err.startswith("keyvox: error: ") and f"{path}:2: not valid JSON" in err and "\n" not in err


def test_cli_checks_arguments_before_loading_a_model(clip_dir, capsys):
    path = write_manifest(clip_dir, ['{"audio": "a.wav", "text": "x"}'])
    assert main(["bench", "--manifest", str(path), "--limit", "0"]) == 2
    assert "--limit 0 is not valid" in capsys.readouterr().err
    assert main(["bench", "--manifest", str(path), "--json", str(clip_dir / "no" / "out.json")]) == 2
    assert "does not exist" in capsys.readouterr().err
    assert main(["bench", "--manifest", str(path), "--plot", str(clip_dir / "out.txt")]) == 2
    assert "name a .png, .svg or .pdf file" in capsys.readouterr().err


def test_cli_refuses_a_missing_vs_config(clip_dir, capsys):
    path = write_manifest(clip_dir, ['{"audio": "a.wav", "text": "x"}'])
    assert main(["bench", "--manifest", str(path), "--vs", str(clip_dir / "other.toml")]) == 2
    err = capsys.readouterr().err
    assert f"--vs {clip_dir / 'other.toml'}: no such config file" in err
