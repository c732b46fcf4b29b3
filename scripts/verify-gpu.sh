#!/usr/bin/env bash
# Verifies the GPU code paths on a Linux machine with an NVIDIA GPU and access to PyPI:
#   1. faster-whisper tiny.en in float16 on CUDA (tests/engines/test_gpu_whisper.py),
#   2. qwen-asr on CUDA with the tiny Qwen3-ASR checkpoint (tests/engines/test_qwen_asr.py, KEYVOX_TEST_DEVICE=cuda),
#   3. qwen-asr-vllm in a real vLLM engine on the GPU (tests/engines/test_qwen_vllm.py, KEYVOX_VLLM_PYTHON).
# vLLM needs transformers 5 and qwen-asr pins 4.57.6, so each gets its own virtual environment.
# Usage: bash scripts/verify-gpu.sh   (environments go to $KEYVOX_GPU_ENVS, default /tmp/keyvox-gpu)
set -euo pipefail
cd "$(dirname "$0")/.."
envs="${KEYVOX_GPU_ENVS:-/tmp/keyvox-gpu}"
nvidia-smi --query-gpu=name,memory.total --format=csv,noheader

if [ ! -x "$envs/main/bin/python" ]; then
  python3 -m venv "$envs/main"
  # On Linux, PyPI's torch 2.13.0 is the CUDA build; pinned so nothing newer sneaks in.
  "$envs/main/bin/pip" install -q "torch==2.13.0"
  "$envs/main/bin/pip" install -q ".[test]"
  "$envs/main/bin/pip" install -q --no-deps "qwen-asr==0.0.6"
fi
if [ ! -x "$envs/vllm/bin/python" ]; then
  python3 -m venv "$envs/vllm"
  # keyvox itself runs from the checkout (PYTHONPATH); these are its core needs beside vLLM.
  "$envs/vllm/bin/pip" install -q "vllm>=0.32" numpy platformdirs soundfile huggingface_hub tqdm
fi

export HF_HUB_OFFLINE=1 KEYVOX_TEST_DEVICE=cuda KEYVOX_VLLM_PYTHON="$envs/vllm/bin/python"
# The tests import keyvox from the checkout, not from the installed copy.
PYTHONPATH="$PWD" "$envs/main/bin/python" -m pytest -v -rs \
  tests/engines/test_gpu_whisper.py tests/engines/test_qwen_asr.py tests/engines/test_qwen_vllm.py "$@"
