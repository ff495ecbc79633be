"""`qrstream keys ...`: producer keys in the local store (QR_KEYS_DIR, encrypted with
QR_KEY_PASSPHRASE) and their entries in the key registry topic (DESIGN.md section 5)."""

from __future__ import annotations

import hashlib
from datetime import UTC, datetime, timedelta
from pathlib import Path

import click
import orjson

from streams import signing
from streams.cli.app import pass_settings
from streams.errors import KeyStoreError
from streams.kafka_config import librdkafka_config
from streams.keys.entry import entry_digest
from streams.keys.pem import public_pem
from streams.keys.publish import publish_keys
from streams.keys.store import KeyStore, StoredKey, now_us
from streams.settings import Settings
from topics.messages.base import MAX_SAFE_INTEGER

__all__ = ["keys"]

_EPOCH = datetime(1970, 1, 1, tzinfo=UTC)
_US_PER_HOUR = 3_600_000_000
_US_PER_DAY = 24 * _US_PER_HOUR


def _parse_time(ctx: click.Context, param: click.Parameter, value: str) -> int:
    """`now` or an ISO 8601 time (UTC when it names no offset), as microseconds."""
    if value.lower() == "now":
        return now_us()
    try:
        moment = datetime.fromisoformat(value)
    except ValueError:
        raise click.BadParameter(f"{value!r} is not 'now' or an ISO 8601 time") from None
    if moment.tzinfo is None:
        moment = moment.replace(tzinfo=UTC)
    micros = (moment - _EPOCH) // timedelta(microseconds=1)
    if not 0 <= micros <= MAX_SAFE_INTEGER:
        raise click.BadParameter(f"{value!r} is outside 1970 to 2255")
    return micros


def _time(us: int | None) -> str:
    if us is None:
        return "-"
    return datetime.fromtimestamp(us // 1_000_000, UTC).strftime("%Y-%m-%dT%H:%M:%SZ")


def _store(settings: Settings) -> KeyStore:
    return KeyStore(settings.keys_dir, settings.key_passphrase)


def _published(meta: StoredKey) -> str:
    if meta.root:
        return "n/a"
    if meta.published_sha256 is None:
        return "no"
    try:
        current = entry_digest(meta.key_info())
    except ValueError:  # metadata edited by hand into something no entry can carry
        return "invalid"
    return "yes" if meta.published_sha256 == current else "outdated"


def _publish(
    settings: Settings, store: KeyStore, kids: list[str], bootstrap: str | None, timeout: float
) -> None:
    servers = bootstrap or settings.bootstrap_servers
    published = publish_keys(
        store,
        kids,
        bootstrap=servers,
        root_kid=settings.root_key_id,
        topic=settings.keys_topic,
        timeout=timeout,
        root_public_key_file=settings.root_public_key_file,
        client_config=librdkafka_config(settings),
    )
    for meta in published:
        click.echo(f"published {meta.kid} to {settings.keys_topic} on {servers}")


_bootstrap_option = click.option(
    "--bootstrap",
    help="Kafka bootstrap servers (env QR_KAFKA_BOOTSTRAP, default the local dev broker).",
)
_timeout_option = click.option(
    "--timeout",
    type=click.FloatRange(min=1),
    default=30.0,
    show_default=True,
    help="Seconds to wait for delivery.",
)


@click.group()
def keys() -> None:
    """Producer signing keys: a local store of encrypted PKCS#8 files (QR_KEYS_DIR, passphrase
    from QR_KEY_PASSPHRASE) and the registry topic (QR_KEYS_TOPIC) that verifiers trust once
    the operator root key signed an entry."""


@keys.command()
@click.argument("kid", required=False)
@click.option(
    "--alg",
    type=click.Choice(signing.MLDSA_ALGORITHMS),
    default=signing.DEFAULT_ALGORITHM,
    show_default=True,
    help="ML-DSA parameter set.",
)
@click.option("--owner", help="Who holds the key (default: the key id up to its first '/').")
@click.option(
    "--valid-from",
    metavar="ISO|now",
    default="now",
    show_default=True,
    callback=_parse_time,
    help="Start of validity (ISO 8601, UTC unless it names an offset).",
)
@click.option("--valid-days", type=click.IntRange(min=1), help="Days until the key expires.")
@click.option("--root", is_flag=True, help="The operator root key (id QR_ROOT_KEY_ID).")
@pass_settings
def generate(
    settings: Settings,
    kid: str | None,
    alg: str,
    owner: str | None,
    valid_from: int,
    valid_days: int | None,
    root: bool,
) -> None:
    """Create key KID and store it; an existing key id is never overwritten."""
    if root:
        if kid not in (None, settings.root_key_id):
            raise click.BadParameter(
                f"the root key id is {settings.root_key_id!r} (QR_ROOT_KEY_ID)", param_hint="KID"
            )
        kid = settings.root_key_id
    elif kid is None:
        raise click.UsageError("missing KID (or --root for the operator root key)")
    elif kid == settings.root_key_id:
        raise click.BadParameter(f"{kid!r} is the root key id: use --root", param_hint="KID")
    store = _store(settings)
    meta = store.generate(
        kid,
        algorithm=alg,
        owner=owner or ("operator" if root else kid.split("/", 1)[0]),
        valid_from_us=valid_from,
        valid_to_us=valid_from + valid_days * _US_PER_DAY if valid_days else None,
        root=root,
    )
    click.echo(f"generated {meta.algorithm} key {meta.kid} (owner {meta.owner})")
    click.echo(f"  private key: {store.pem_path(kid)} (encrypted PKCS#8)")
    click.echo(f"  metadata:    {store.meta_path(kid)}")
    if root:
        click.echo(
            f"next: qrstream keys export-public {kid} --out root.pem, and set "
            "QR_ROOT_PUBLIC_KEY_FILE=root.pem wherever records are verified"
        )


@keys.command(name="list")
@click.option("--json", "as_json", is_flag=True, help="One JSON array instead of a table.")
@pass_settings
def list_keys(settings: Settings, as_json: bool) -> None:
    """Show the keys of the local store; PUBLISHED is `outdated` after a local change."""
    metas = _store(settings).list()
    if as_json:
        rows = [
            {
                "kid": m.kid,
                "algorithm": m.algorithm,
                "owner": m.owner,
                "root": m.root,
                "valid_from_us": m.valid_from_us,
                "valid_to_us": m.valid_to_us,
                "revoked_at_us": m.revoked_at_us,
                "created_us": m.created_us,
                "public_key_sha256": hashlib.sha256(m.public_key).hexdigest(),
                "published": _published(m),
            }
            for m in metas
        ]
        click.echo(orjson.dumps(rows, option=orjson.OPT_INDENT_2).decode())
        return
    header = ("KID", "ALG", "OWNER", "VALID FROM", "VALID TO", "REVOKED", "PUBLISHED")
    table = [header] + [
        (
            m.kid + (" (root)" if m.root else ""),
            m.algorithm,
            m.owner,
            _time(m.valid_from_us),
            _time(m.valid_to_us),
            _time(m.revoked_at_us),
            _published(m),
        )
        for m in metas
    ]
    widths = [max(len(row[i]) for row in table) for i in range(len(header))]
    for row in table:
        click.echo("  ".join(cell.ljust(w) for cell, w in zip(row, widths, strict=True)).rstrip())


@keys.command()
@click.argument("kid")
@click.option("--new-kid", required=True, help="Key id of the replacement key.")
@click.option(
    "--overlap-hours",
    type=click.FloatRange(min=0),
    default=24.0,
    show_default=True,
    help="How long the old key stays valid next to the new one.",
)
@click.option("--valid-days", type=click.IntRange(min=1), help="Days until the new key expires.")
@click.option("--publish", is_flag=True, help="Publish both entries to the registry.")
@_bootstrap_option
@_timeout_option
@pass_settings
def rotate(
    settings: Settings,
    kid: str,
    new_kid: str,
    overlap_hours: float,
    valid_days: int | None,
    publish: bool,
    bootstrap: str | None,
    timeout: float,
) -> None:
    """Replace KID by a new key valid from now; KID stays valid for the overlap."""
    store = _store(settings)
    old = store.get(kid)
    if old.root:
        raise KeyStoreError("the root key is replaced out of band, not rotated", kid)
    start = now_us()
    new = store.generate(
        new_kid,
        algorithm=old.algorithm,
        owner=old.owner,
        valid_from_us=start,
        valid_to_us=start + valid_days * _US_PER_DAY if valid_days else None,
    )
    end = start + round(overlap_hours * _US_PER_HOUR)
    # Rotation never extends a key's life beyond what it already had.
    if old.valid_to_us is None or end < old.valid_to_us:
        old = store.update(kid, valid_to_us=end)
    click.echo(f"generated {new.algorithm} key {new.kid}, valid from {_time(new.valid_from_us)}")
    click.echo(f"{old.kid} now valid until {_time(old.valid_to_us)}")
    if publish:
        _publish(settings, store, [kid, new_kid], bootstrap, timeout)


@keys.command()
@click.argument("kid")
@click.option(
    "--at",
    "at_us",
    metavar="ISO|now",
    default="now",
    show_default=True,
    callback=_parse_time,
    help="Start of the revocation (ISO 8601, UTC unless it names an offset).",
)
@click.option("--publish", is_flag=True, help="Publish the updated entry to the registry.")
@_bootstrap_option
@_timeout_option
@pass_settings
def revoke(
    settings: Settings,
    kid: str,
    at_us: int,
    publish: bool,
    bootstrap: str | None,
    timeout: float,
) -> None:
    """Revoke KID: records it signed stamped from then on are rejected."""
    store = _store(settings)
    meta = store.get(kid)
    if meta.root:
        raise KeyStoreError("the root key is revoked out of band, not in its own registry", kid)
    # A revocation can only move earlier: moving it later would re-admit records.
    if meta.revoked_at_us is None or at_us < meta.revoked_at_us:
        meta = store.update(kid, revoked_at_us=at_us)
    click.echo(f"{kid} revoked from {_time(meta.revoked_at_us)}")
    if publish:
        _publish(settings, store, [kid], bootstrap, timeout)


@keys.command()
@click.argument("kids", metavar="[KID]...", nargs=-1)
@click.option("--all", "all_keys", is_flag=True, help="Every key of the store but the root key.")
@_bootstrap_option
@_timeout_option
@pass_settings
def publish(
    settings: Settings, kids: tuple[str, ...], all_keys: bool, bootstrap: str | None, timeout: float
) -> None:
    """Sign the entries of KIDs with the root key and produce them to the registry topic."""
    if bool(kids) == all_keys:
        raise click.UsageError("name the keys to publish or give --all, not both")
    store = _store(settings)
    if all_keys:
        kids = tuple(m.kid for m in store.list() if not m.root and m.kid != settings.root_key_id)
        if not kids:
            raise KeyStoreError(f"no keys to publish in {store.directory}")
    _publish(settings, store, list(kids), bootstrap, timeout)


@keys.command(name="export-public")
@click.argument("kid")
@click.option(
    "--out", type=click.Path(dir_okay=False, path_type=Path), help="File (default stdout)."
)
@pass_settings
def export_public(settings: Settings, kid: str, out: Path | None) -> None:
    """Write KID's public key as PEM (SubjectPublicKeyInfo): the form QR_ROOT_PUBLIC_KEY_FILE
    takes, and that openssl and other X.509 tools read."""
    meta = _store(settings).get(kid)
    pem = public_pem(meta.algorithm, meta.public_key)
    if out is None:
        click.echo(pem.decode(), nl=False)
        return
    out.write_bytes(pem)
    click.echo(f"wrote the {meta.algorithm} public key of {kid} to {out}", err=True)
