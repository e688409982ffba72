#!/usr/bin/env bash
# Makes the container test's base image available to podman. The test machines reach no
# container registry, so by default a stand-in of the same Debian release is built from Debian's
# packages (debootstrap), with Python 3.11 and venv as the real image has, and tagged with the
# real image's name. With RELMON_TEST_PULL_BASE=1 the real image is pulled first.
#
#   tests/container/standin-base.sh [IMAGE]
#
# The root file system is cached as a tarball under $RELMON_TEST_CACHE (/var/cache/relmon-test),
# so only the first run on a machine pays for debootstrap.
set -euo pipefail

image=${1:-docker.io/library/python:3.11-slim-bookworm}
cache=${RELMON_TEST_CACHE:-/var/cache/relmon-test}
podman=(podman --runtime runc)

if "${podman[@]}" image exists "$image"; then
  exit 0
fi
if [ "${RELMON_TEST_PULL_BASE:-0}" = 1 ] && timeout 120 "${podman[@]}" pull -q "$image" >/dev/null; then
  exit 0
fi

# The Debian mirror apt already uses on this machine, else Debian's own.
mirror=$(sed -n 's/^URIs: *\(http[^ ]*debian\)$/\1/p' /etc/apt/sources.list.d/debian.sources 2>/dev/null | head -n 1)
mirror=${mirror:-http://deb.debian.org/debian}

mkdir -p "$cache"
tarball=$cache/python-3.11-bookworm.tar
if [ ! -s "$tarball" ]; then
  rootfs=$(mktemp -d "$cache/rootfs.XXXXXX")
  trap 'rm -rf "$rootfs"' EXIT
  debootstrap --variant=minbase \
    --include=python3,python3-venv,python-is-python3,ca-certificates \
    bookworm "$rootfs" "$mirror" >"$cache/debootstrap.log" 2>&1 \
    || { tail -n 20 "$cache/debootstrap.log" >&2; exit 1; }
  rm -rf "$rootfs"/var/cache/apt/archives/*.deb "$rootfs"/var/lib/apt/lists/*
  tar -C "$rootfs" -cf "$tarball.part" .
  mv "$tarball.part" "$tarball"
fi
"${podman[@]}" import -q \
  --change 'ENV PATH=/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin' \
  --change 'ENV LANG=C.UTF-8' \
  --change 'CMD ["python3"]' \
  "$tarball" "$image" >/dev/null
