#!/usr/bin/env bash
# Takes a screenshot of the app on a fresh demo data dir, under Xvfb.
#   scripts/screenshot.sh [OUTPUT.png] [WIDTHxHEIGHT]
# Defaults: assets/screenshot.png at 1280x800; PROFILE=debug uses the debug build. Needs Xvfb, xdotool and ImageMagick
# (installed with apt-get when missing and running as root) and Mesa's software GL.
set -euo pipefail
cd "$(dirname "$0")/.."
out="${1:-assets/screenshot.png}"
size="${2:-1280x800}"

need=()
command -v Xvfb >/dev/null || need+=(xvfb)
command -v xdotool >/dev/null || need+=(xdotool)
[ -x /usr/bin/import ] || need+=(imagemagick)
[ -e /usr/lib/x86_64-linux-gnu/dri/swrast_dri.so ] || [ -e /usr/lib/aarch64-linux-gnu/dri/swrast_dri.so ] || need+=(libgl1-mesa-dri libglx-mesa0 libegl1)
if [ ${#need[@]} -gt 0 ]; then
    if [ "$(id -u)" -ne 0 ]; then
        echo "missing: ${need[*]} (install them with apt-get)" >&2
        exit 1
    fi
    apt-get update -qq && apt-get install -y -qq --no-install-recommends "${need[@]}" >/dev/null
fi

profile="${PROFILE:-release}"
if [ "$profile" = release ]; then
    cargo build --release --quiet
else
    cargo build --quiet
fi
bin="${CARGO_TARGET_DIR:-target}/$profile/agents-janitor"
work="$(mktemp -d)"
display=":$((90 + RANDOM % 9))"
cleanup() {
    kill "${app_pid:-}" "${xvfb_pid:-}" 2>/dev/null || true
    rm -rf "$work"
}
trap cleanup EXIT

Xvfb "$display" -screen 0 "${size}x24" -nolisten tcp >/dev/null 2>&1 &
xvfb_pid=$!
export DISPLAY="$display"
# A private home: no saved window state or folder choice leaks into the picture.
export HOME="$work/home" XDG_CONFIG_HOME="$work/home/.config" XDG_DATA_HOME="$work/home/.local/share"
mkdir -p "$HOME"
"$bin" demo "$work/agents-runner" >/dev/null
"$bin" --data-dir "$work/agents-runner" >"$work/app.log" 2>&1 &
app_pid=$!

for _ in $(seq 1 100); do
    window="$(xdotool search --name '^agents-janitor$' 2>/dev/null | head -n1 || true)"
    [ -n "$window" ] && break
    sleep 0.2
done
if [ -z "${window:-}" ]; then
    echo "the window did not appear; app log:" >&2
    cat "$work/app.log" >&2
    exit 1
fi
width="${size%x*}"
height="${size#*x}"
xdotool windowmove "$window" 0 0 windowsize "$window" "$width" "$height"
# Let the scan and the git inspection finish, then select a task to fill the details pane.
sleep 6
xdotool mousemove 700 202 click 1
sleep 2
/usr/bin/import -window root "$out"
echo "wrote $out ($size)"
