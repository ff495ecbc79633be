"""`qrstream version`."""

from __future__ import annotations

import click

from streams import __version__, signing

__all__ = ["version"]


@click.command()
def version() -> None:
    """Print the qrstream version and the native crypto module's build."""
    info = signing.native_info()
    click.echo(f"qrstream {__version__}")
    click.echo(f"native {info.version} (libcrux-ml-dsa, {info.simd} code path)")
