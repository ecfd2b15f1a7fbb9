#!/usr/bin/env bash
# Fails when a crate of .ci/refused-crates.txt is in the normal dependency tree of a published
# crate (the facade, the API crate, the fake), for the features given (default: the defaults).
# Usage: [PACKAGES="…"] .ci/refused_crates.sh [cargo tree feature arguments…]
set -euo pipefail
cd "$(dirname "$0")/.."
refused=$(sed -e 's/#.*//' -e 's/[[:space:]]//g' .ci/refused-crates.txt | grep -v '^$')
status=0
for package in ${PACKAGES:-huaweicloud-images huaweicloud-images-api huaweicloud-images-fake}; do
  # What users compile: normal and build dependencies, for every target platform.
  tree=$(cargo tree -p "$package" -e normal,build --target all --prefix none --format '{p}' "$@" | awk '{print $1}' | sort -u)
  # A listing that lost its content would pass vacuously: it must hold what the crates need.
  if ! grep -qx 'serde' <<<"$tree"; then
    echo "cannot read the dependency tree of $package" >&2
    exit 2
  fi
  found=0
  for name in $refused; do
    if grep -qx "$name" <<<"$tree"; then
      echo "refused crate $name in the dependency tree of $package:" >&2
      cargo tree -p "$package" -e normal,build --target all -i "$name" "$@" >&2 || true
      found=1
    fi
  done
  if [ "$found" = 1 ]; then
    status=1
  else
    echo "$package: $(wc -l <<<"$tree") crates, none refused"
  fi
done
exit $status
