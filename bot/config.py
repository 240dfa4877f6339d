"""Typed settings, read once from the environment and an optional `.env` file."""

from __future__ import annotations

from pathlib import Path
from typing import Literal

from pydantic import ValidationError
from pydantic_settings import BaseSettings, SettingsConfigDict

from bot.knowledge.paths import default_knowledge_dir


class ConfigError(Exception):
    """A setting is missing or wrong; the message names it and says what to do."""


class Settings(BaseSettings):
    model_config = SettingsConfigDict(env_file=".env", env_file_encoding="utf-8", extra="ignore")

    # Where conversations and results are kept. SQLite by default; PostgreSQL for several
    # processes (`postgres://`, `postgresql://` and the async forms are all accepted).
    database_url: str = "sqlite:///advisor.db"
    # Connections per process in the pool (PostgreSQL); None keeps SQLAlchemy's default.
    database_pool_size: int | None = None
    # The knowledge folder; the bundled knowledge when unset.
    knowledge_dir: Path | None = None
    log_level: Literal["DEBUG", "INFO", "WARNING", "ERROR"] = "WARNING"

    @property
    def knowledge_path(self) -> Path:
        return self.knowledge_dir or default_knowledge_dir()


def load_settings() -> Settings:
    try:
        return Settings()
    except ValidationError as error:
        problems = "; ".join(
            f"{'.'.join(str(part) for part in detail['loc']).upper()}: {detail['msg']}"
            for detail in error.errors()
        )
        raise ConfigError(f"invalid configuration: {problems}") from error
