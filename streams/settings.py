"""Settings of every qrstream process: one frozen object read from `QR_*` environment variables
(and command-line flags that override them), built once and passed down."""

from __future__ import annotations

from pathlib import Path
from typing import Literal

from pydantic import Field
from pydantic_settings import BaseSettings, SettingsConfigDict

__all__ = ["Settings"]


class Settings(BaseSettings):
    model_config = SettingsConfigDict(env_prefix="QR_", frozen=True, extra="forbid")

    var_dir: Path = Field(Path("var"), description="runtime state: broker data, logs, reports")
    cache_dir: Path = Field(Path(".cache"), description="downloaded jars and built libraries")
    log_level: Literal["DEBUG", "INFO", "WARNING", "ERROR"] = "INFO"
    log_format: Literal["text", "json"] = Field(
        "text", description="json gives one structured record per line for log shippers"
    )
