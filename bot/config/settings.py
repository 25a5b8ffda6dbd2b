"""Settings from the environment and `.env`: secrets and locations, never domain rules."""

from __future__ import annotations

from pathlib import Path

from pydantic import AliasChoices, Field, SecretStr, field_validator
from pydantic_settings import BaseSettings, SettingsConfigDict


def _env(name: str) -> AliasChoices:
    return AliasChoices(name, name.lower())


class Settings(BaseSettings):
    """Read once by the CLI and handed to the app factory; nothing reads the environment later."""

    model_config = SettingsConfigDict(env_file=".env", extra="ignore", populate_by_name=True)

    database_url: str = Field("sqlite:///crebot.db", validation_alias=_env("CREBOT_DATABASE_URL"))
    config_path: Path = Field(Path("crebot.yaml"), validation_alias=_env("CREBOT_CONFIG"))
    playbooks_dir: Path = Field(Path("playbooks"), validation_alias=_env("CREBOT_PLAYBOOKS_DIR"))
    webhook_token: SecretStr | None = Field(None, validation_alias=_env("CREBOT_WEBHOOK_TOKEN"))
    api_token: SecretStr | None = Field(None, validation_alias=_env("CREBOT_API_TOKEN"))
    webhook_max_bytes: int = Field(
        1024 * 1024, validation_alias=_env("CREBOT_WEBHOOK_MAX_BYTES"), gt=0
    )
    slack_bot_token: SecretStr | None = Field(None, validation_alias=_env("SLACK_BOT_TOKEN"))
    slack_signing_secret: SecretStr | None = Field(
        None, validation_alias=_env("SLACK_SIGNING_SECRET")
    )
    slack_app_token: SecretStr | None = Field(None, validation_alias=_env("SLACK_APP_TOKEN"))
    slack_api_url: str = Field("https://slack.com/api/", validation_alias=_env("SLACK_API_URL"))
    log_level: str = Field("INFO", validation_alias=_env("CREBOT_LOG_LEVEL"))

    @field_validator(
        "webhook_token",
        "api_token",
        "slack_bot_token",
        "slack_signing_secret",
        "slack_app_token",
        mode="before",
    )
    @classmethod
    def _blank_is_unset(cls, value: object) -> object:
        # `FOO=` in a .env file means "not set", not "an empty secret that matches everything".
        if isinstance(value, str) and not value.strip():
            return None
        return value

    @field_validator("slack_api_url")
    @classmethod
    def _trailing_slash(cls, value: str) -> str:
        return value if value.endswith("/") else value + "/"

    @property
    def slack_configured(self) -> bool:
        """HTTP mode needs a bot token and the signing secret; Socket Mode needs the app token."""
        if self.slack_bot_token is None:
            return False
        return self.slack_signing_secret is not None or self.slack_app_token is not None
