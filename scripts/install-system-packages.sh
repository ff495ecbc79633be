#!/usr/bin/env bash
# Installs the Debian packages the test suite drives as independent peers (kcat: a Kafka client
# that is not ours). Does nothing when they are already there.
set -euo pipefail

packages=(kcat)
missing=()
for pkg in "${packages[@]}"; do
    command -v "$pkg" >/dev/null || missing+=("$pkg")
done
[[ ${#missing[@]} -eq 0 ]] && exit 0

if [[ $(id -u) -ne 0 ]]; then
    sudo=sudo
    command -v sudo >/dev/null || {
        echo "install-system-packages: need root to apt-get install ${missing[*]}" >&2
        exit 1
    }
else
    sudo=
fi
echo "install-system-packages: apt-get install ${missing[*]}"
$sudo apt-get update -qq
DEBIAN_FRONTEND=noninteractive $sudo apt-get install -y -qq --no-install-recommends "${missing[@]}" >/dev/null
