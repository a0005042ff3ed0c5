#!/bin/sh
# Build Mosquitto 2.1.2 with its persist-sqlite and dynamic-security plugins from Debian's pinned
# source tarball into a private directory (default: .cache/mosquitto-2.1.2 in the checkout).
#
# Why: Debian bookworm ships 2.0.11, whose built-in persistence forgets shared subscriptions
# across a restart; 2.1 with persist-sqlite keeps them. Only the broker and the two plugins are
# built, nothing is installed system-wide. Run again: a no-op once the build is there.
# Usage: deploy/mosquitto/build-2.1.sh [DEST]
set -eu

VERSION=2.1.2
URL=http://deb.debian.org/debian/pool/main/m/mosquitto/mosquitto_${VERSION}.orig.tar.gz
SHA256=a8e37cc4c1d4141e56c5a8729c5fa36b1f0b1ca95378a12131d68f0509de122a
BUILD_PACKAGES="cmake gcc make libc6-dev libcjson-dev libsqlite3-dev libssl-dev curl ca-certificates"
TARGETS="mosquitto mosquitto_persist_sqlite mosquitto_dynamic_security"

root=$(cd "$(dirname "$0")/../.." && pwd)
dest=${1:-$root/.cache/mosquitto-$VERSION}
binary=$dest/bin/mosquitto
persist_plugin=$dest/lib/mosquitto_persist_sqlite.so
dynsec_plugin=$dest/lib/mosquitto_dynamic_security.so

if [ -x "$binary" ] && [ -f "$persist_plugin" ] && [ -f "$dynsec_plugin" ] &&
  [ "$(cat "$dest/SOURCE_SHA256" 2>/dev/null)" = "$SHA256" ]; then
  echo "mosquitto $VERSION with persist-sqlite present: $binary"
  exit 0
fi

missing=""
for package in $BUILD_PACKAGES; do
  dpkg -s "$package" >/dev/null 2>&1 || missing="$missing $package"
done
if [ -n "$missing" ]; then
  if [ "$(id -u)" = 0 ]; then
    sudo=""
  elif command -v sudo >/dev/null 2>&1 && sudo -n true 2>/dev/null; then
    sudo="sudo -n"
  else
    echo "missing to build mosquitto $VERSION:$missing. Install with: sudo apt-get install -y$missing" >&2
    exit 1
  fi
  $sudo apt-get update -q >/dev/null
  # shellcheck disable=SC2086 # one word per package
  $sudo env DEBIAN_FRONTEND=noninteractive apt-get install -y -q --no-install-recommends $missing >/dev/null
fi

echo "building mosquitto $VERSION with persist-sqlite into $dest (about a minute, once)"
mkdir -p "$(dirname "$dest")"
work=$(mktemp -d "$dest.work.XXXXXX")
trap 'rm -rf "$work"' EXIT
log=$work/build.log
fail() {
  echo "mosquitto $VERSION build failed: $1" >&2
  [ -f "$log" ] && tail -n 30 "$log" >&2
  exit 1
}

curl -fsS --retry 3 -o "$work/source.tar.gz" "$URL" || fail "cannot download $URL"
actual=$(sha256sum "$work/source.tar.gz" | cut -d' ' -f1)
if [ "$actual" != "$SHA256" ]; then
  fail "checksum mismatch for $URL: expected $SHA256, got $actual"
fi
mkdir "$work/source"
tar -xzf "$work/source.tar.gz" -C "$work/source" --strip-components=1 || fail "cannot unpack"

build=$work/build
mkdir "$build"
jobs=$(nproc 2>/dev/null || echo 2)
{
  cmake -S "$work/source" -B "$build" -DCMAKE_BUILD_TYPE=Release \
    -DWITH_CLIENTS=OFF -DWITH_APPS=OFF -DWITH_DOCS=OFF -DWITH_TESTS=OFF -DWITH_HTTP_API=OFF \
    -DWITH_WEBSOCKETS=OFF -DWITH_CTRL_SHELL=OFF -DWITH_LTO=OFF -DWITH_SOCKS=OFF &&
    # shellcheck disable=SC2086 # one word per target
    cmake --build "$build" --parallel "$jobs" --target $TARGETS
} >"$log" 2>&1 || fail "cmake"

# Assemble next to the destination, then swap it in: a half-built cache is never "present".
staged=$work/staged
mkdir -p "$staged/bin" "$staged/lib"
cp "$build/src/mosquitto" "$staged/bin/"
cp "$build/plugins/persist-sqlite/mosquitto_persist_sqlite.so" "$staged/lib/"
cp "$build/plugins/dynamic-security/mosquitto_dynamic_security.so" "$staged/lib/"
echo "$SHA256" >"$staged/SOURCE_SHA256"
rm -rf "$dest"
mv "$staged" "$dest"
