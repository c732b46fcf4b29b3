#!/usr/bin/env bash
# Installs everything the test suite needs on a fresh Debian machine, then runs the whole suite.
# Usage: bash scripts/test.sh [pytest args]
set -euo pipefail
cd "$(dirname "$0")/.."

# System packages: the headless desktop rig (X server, audio server, input and clipboard tools).
apt_packages=(xvfb xauth pulseaudio pulseaudio-utils libasound2-plugins xdotool xclip xsel xterm libportaudio2 python3-tk tk)
# Tray and overlay tests: Qt's X11 libraries, a session D-Bus with gdbus, tray hosts (Xfce panel: StatusNotifierItem
# and XEmbed; trayer: XEmbed only) and ImageMagick for screenshots.
apt_packages+=(libxcb-cursor0 libxcb-icccm4 libxcb-keysyms1 libxcb-image0 libxcb-render-util0 libxcb-randr0 libxcb-shape0
  libxcb-xinerama0 libxcb-xkb1 libxkbcommon-x11-0 libegl1 libfontconfig1 fonts-dejavu-core dbus libglib2.0-bin
  xfce4-panel trayer imagemagick)
missing=()
for pkg in "${apt_packages[@]}"; do
  dpkg-query -W -f='${Status}' "$pkg" 2>/dev/null | grep -q "install ok installed" || missing+=("$pkg")
done
if [ ${#missing[@]} -gt 0 ]; then
  sudo_cmd=""; [ "$(id -u)" -ne 0 ] && sudo_cmd="sudo"
  $sudo_cmd apt-get update -qq
  DEBIAN_FRONTEND=noninteractive $sudo_cmd apt-get install -y -qq --no-install-recommends "${missing[@]}" >/dev/null
fi

pip_install=(python3 -m pip install -q --disable-pip-version-check)
# torch first and pinned: the CPU build of 2.13.0 (an unpinned torch would pull a multi-GB CUDA build).
"${pip_install[@]}" "torch==2.13.0"
"${pip_install[@]}" -e ".[test]"
# qwen-asr without its web-demo requirements (gradio, flask, ...); keyvox[qwen] above holds what inference needs.
"${pip_install[@]}" --no-deps "qwen-asr==0.0.6"
exec python3 -m pytest "$@"
