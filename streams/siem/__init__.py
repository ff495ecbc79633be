"""The SIEM forwarder (`qrstream siem forward`): verified alerts from Kafka to SIEMs, as ECS,
OCSF, CEF, LEEF or Splunk HEC events, over syslog, HEC, files or Kafka."""

from __future__ import annotations

from streams.siem.errors import DestinationError, DestinationUnavailable, ForwarderError
from streams.siem.forwarder import Forwarder, ForwarderConfig, ForwarderStats
from streams.siem.run import forwarder_group, run_forwarder

__all__ = [
    "DestinationError",
    "DestinationUnavailable",
    "Forwarder",
    "ForwarderConfig",
    "ForwarderError",
    "ForwarderStats",
    "forwarder_group",
    "run_forwarder",
]
