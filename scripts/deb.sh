#!/usr/bin/env bash
# Builds the Debian package target/debian/agents-janitor_<version>-1_<arch>.deb: the
# binary, the desktop entry and icons, the systemd user units, the shell completions and
# the man pages (what goes where: [package.metadata.deb] in Cargo.toml).
#   scripts/deb.sh
# Needs cargo-deb (`cargo install cargo-deb --locked`) and dpkg-dev (dpkg-shlibdeps works
# out the package's library dependencies). Not run in CI: it builds the release binary.
set -euo pipefail
cd "$(dirname "$0")/.."

cargo build --release --locked
# Where cargo put the binary: target/ unless CARGO_TARGET_DIR or a config moves it.
target_dir="$(cargo metadata --format-version 1 --no-deps --locked |
    sed -n 's/.*"target_directory":"\([^"]*\)".*/\1/p')"
release="$target_dir/release"

# The completions and man pages come from the binary itself; cargo deb takes them from
# target/release/dist/ (its "target/release" stands for the real target dir).
dist="$release/dist"
rm -rf "$dist"
mkdir -p "$dist"
"$release/agents-janitor" completions bash >"$dist/agents-janitor.bash"
"$release/agents-janitor" completions zsh >"$dist/_agents-janitor"
"$release/agents-janitor" completions fish >"$dist/agents-janitor.fish"
"$release/agents-janitor" man --out-dir "$dist/man" >/dev/null
# Debian ships man pages gzipped; cargo deb compresses only files it did not build.
gzip -9n "$dist"/man/*.1

cargo deb --no-build --locked
