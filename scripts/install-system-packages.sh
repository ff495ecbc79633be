#!/usr/bin/env bash
# Installs the Debian packages the test suite drives as independent peers (kcat: a Kafka client
# that is not ours; rsyslog: the syslog receiver of the SIEM forwarder's tests; prometheus: the
# server and promtool that check and scrape deploy/prometheus). Does nothing when they are already
# there.
set -euo pipefail

# package:command it provides (rsyslogd is in /usr/sbin, off the PATH of most users)
packages=(kcat:kcat rsyslog:rsyslogd prometheus:prometheus)
missing=()
for entry in "${packages[@]}"; do
    PATH="$PATH:/usr/sbin:/sbin" command -v "${entry#*:}" >/dev/null || missing+=("${entry%%:*}")
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
