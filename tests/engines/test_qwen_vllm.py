"""qwen-asr-vllm: everything up to the engine here, and the real engine when a vLLM environment is named.

vLLM needs transformers 5 while qwen-asr pins 4.57.6, so vLLM cannot live in the test environment.
Point KEYVOX_VLLM_PYTHON at the python of an environment holding vLLM (scripts/vllm-cpu-env.sh makes a
CPU one, scripts/verify-gpu.sh a GPU one) and the last test loads the tiny checkpoint into a real vLLM
engine there (about 80 s on 2 CPU cores).
"""

from __future__ import annotations

import importlib.util
import json
import os
import subprocess
import sys
import textwrap

import pytest

from keyvox.config.load import parse_config
from keyvox.config.schema import Config
from keyvox.engines.factory import create_transcriber
from keyvox.engines.qwen_asr_vllm import build_prompt, check_device, engine_arguments, require_linux
from keyvox.engines.registry import BACKENDS, check_platform
from keyvox.errors import BackendUnavailable, ConfigError
from tests.helpers.paths import REPO

VLLM_PYTHON = os.environ.get("KEYVOX_VLLM_PYTHON") or (
    sys.executable if importlib.util.find_spec("vllm") else None
)


def test_prompt_matches_the_qwen_sdk_format():
    assert build_prompt("", None) == (
        "<|im_start|>user\n<|audio_start|><|audio_pad|><|audio_end|><|im_end|>\n<|im_start|>assistant\n"
    )
    prompt = build_prompt("GitHub, Node.js", "English")
    assert prompt.startswith("<|im_start|>system\nGitHub, Node.js<|im_end|>\n<|im_start|>user\n")
    assert prompt.endswith("<|im_start|>assistant\nlanguage English<asr_text>")


def test_engine_arguments_carry_the_memory_share():
    args = engine_arguments("/models/qwen", "bfloat16", 0.45)
    assert args["gpu_memory_utilization"] == 0.45 and args["dtype"] == "bfloat16"
    assert args["limit_mm_per_prompt"] == {"audio": 1}


def test_gpu_memory_utilization_option(tmp_path):
    path = tmp_path / "config.toml"
    loaded = parse_config('[model]\nbackend = "qwen-asr-vllm"\ngpu_memory_utilization = 0.5\n', path)
    assert loaded.config.model.gpu_memory_utilization == 0.5
    assert Config().model.gpu_memory_utilization == 0.6
    with pytest.raises(
        ConfigError, match=r"gpu_memory_utilization = 1.5 is out of range \(choose 0.05 to 0.98\)"
    ):
        parse_config("[model]\ngpu_memory_utilization = 1.5\n", path)


def test_device_must_match_the_vllm_build():
    assert check_device("auto", "cuda") == "cuda"
    assert check_device("cpu", "cpu") == "cpu"
    with pytest.raises(BackendUnavailable, match="installed vLLM build runs on cpu"):
        check_device("cuda", "cpu")
    with pytest.raises(ConfigError, match="CUDA_VISIBLE_DEVICES"):
        check_device("cuda:1", "cuda")


@pytest.mark.parametrize("platform", ["win32", "darwin"])
def test_linux_only_with_a_one_line_hint(platform):
    for check in (
        lambda: require_linux(platform),
        lambda: check_platform(BACKENDS["qwen-asr-vllm"], platform),
    ):
        with pytest.raises(BackendUnavailable) as caught:
            check()
        message = str(caught.value)
        assert (
            "only on linux" in message.lower() and 'backend = "qwen-asr"' in message and "\n" not in message
        )
    require_linux("linux")


@pytest.mark.skipif(importlib.util.find_spec("vllm") is not None, reason="vLLM is installed here")
def test_missing_vllm_says_how_to_install():
    config = Config()
    config.model.backend = "qwen-asr-vllm"
    with pytest.raises(BackendUnavailable, match=r'needs the vllm package.*pip install "keyvox\[vllm\]"'):
        create_transcriber(config, announce=lambda line: None)


ENGINE_PROGRAM = textwrap.dedent("""
    import json, sys
    import numpy as np
    from keyvox.audio.files import load_audio
    from keyvox.engines.factory import create_transcriber
    from keyvox.config.load import load_config

    lines = []
    transcriber = create_transcriber(load_config(sys.argv[1]).config, announce=lines.append)
    clips = [load_audio(path) for path in sys.argv[2:]]
    single = transcriber.transcribe_detailed(clips[0], vocabulary=["GitHub"])
    batch = transcriber.transcribe_batch([clips[0], np.zeros(0, np.float32), clips[1]])
    print(json.dumps({"announce": lines, "description": transcriber.description,
                      "single": [single.language, single.duration_s, type(single.text).__name__],
                      "batch": [[r.language, r.duration_s, r.speech_found] for r in batch]}))
""")


@pytest.mark.slow
@pytest.mark.skipif(VLLM_PYTHON is None, reason="no vLLM environment (set KEYVOX_VLLM_PYTHON)")
def test_real_vllm_engine(tmp_path, manifest):
    pytest.importorskip("qwen_asr", reason="the tiny checkpoint is built with qwen-asr's classes")
    from tests.helpers.qwen_tiny import build_tiny_qwen3_asr

    model = build_tiny_qwen3_asr(tmp_path / "tiny")
    device = os.environ.get("KEYVOX_TEST_DEVICE", "auto")
    config = tmp_path / "config.toml"
    config.write_text(
        f'[model]\nbackend = "qwen-asr-vllm"\nname = "{model}"\ncompute_type = "float32"\n'
        f'device = "{device}"\nlanguage = "en"\ngpu_memory_utilization = 0.55\n'
    )
    clips = [str(row["path"]) for row in manifest if row["lang"] == "en"][:2]
    env = {**os.environ, "PYTHONPATH": str(REPO), "HF_HUB_OFFLINE": "1"}
    done = subprocess.run(
        [VLLM_PYTHON, "-c", ENGINE_PROGRAM, str(config), *clips],
        capture_output=True,
        text=True,
        env=env,
        timeout=540,
        cwd=tmp_path,
    )
    assert done.returncode == 0, done.stderr[-3000:]
    rows = [line for line in done.stdout.splitlines() if line.startswith('{"announce"')]
    assert rows, done.stdout[-2000:] + done.stderr[-2000:]
    result = json.loads(rows[-1])
    assert result["description"].startswith(f"qwen-asr-vllm {model} float32 on ")
    assert "'gpu_memory_utilization': 0.55" in done.stdout + done.stderr  # vLLM logs the arguments it got
    assert result["single"][0] == "en" and result["single"][2] == "str"
    assert [row[0] for row in result["batch"]] == ["en", "en", "en"]
    assert result["batch"][1] == ["en", 0.0, False]
