from pathlib import Path

import pytest
from pydantic import ValidationError

from smile_common.settings import Profile, ServiceSettings


class DemoSettings(ServiceSettings):
    service_name = "demo"


def test_dev_profile_defaults_to_a_sqlite_file_and_the_in_process_bus(tmp_path: Path) -> None:
    settings = DemoSettings(data_dir=tmp_path)
    assert settings.resolved_database_url() == f"sqlite+aiosqlite:///{tmp_path.resolve()}/demo.db"
    assert settings.resolved_amqp_url() is None


def test_production_refuses_to_start_without_its_secrets() -> None:
    with pytest.raises(ValidationError) as err:
        DemoSettings(profile=Profile.PRODUCTION)
    message = str(err.value)
    for name in ("SMILE_DATABASE_URL", "SMILE_AMQP_URL", "SMILE_OIDC_ISSUER", "SMILE_OIDC_JWKS_URL"):
        assert name in message


def test_production_refuses_sqlite_and_the_dev_issuer() -> None:
    base = {
        "profile": Profile.PRODUCTION,
        "amqp_url": "amqp://u:p@mq/",
        "oidc_jwks_url": "https://idp.example/jwks",
    }
    with pytest.raises(ValidationError, match="PostgreSQL"):
        DemoSettings(database_url="sqlite+aiosqlite:///x.db", oidc_issuer="https://idp.example", **base)
    with pytest.raises(ValidationError, match="dev token issuer"):
        DemoSettings(database_url="postgresql+asyncpg://u:p@db/smile", oidc_issuer="smile-dev-issuer", **base)


def test_production_with_everything_given_starts(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("SMILE_PROFILE", "production")
    monkeypatch.setenv("SMILE_DATABASE_URL", "postgresql+asyncpg://u:p@db/smile")
    monkeypatch.setenv("SMILE_AMQP_URL", "amqp://u:p@mq/")
    monkeypatch.setenv("SMILE_OIDC_ISSUER", "https://idp.example/realms/smile")
    monkeypatch.setenv("SMILE_OIDC_JWKS_URL", "https://idp.example/realms/smile/certs")
    settings = DemoSettings()
    assert settings.profile is Profile.PRODUCTION
    assert settings.resolved_amqp_url() == "amqp://u:p@mq/"
    assert "p@db" not in repr(settings)  # secrets are not printed


def test_an_empty_variable_means_not_set(monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> None:
    # ConfigMaps and compose files list every setting; an empty value keeps the default
    monkeypatch.setenv("SMILE_DATABASE_POOL_SIZE", "")
    monkeypatch.setenv("SMILE_OIDC_ISSUER", "")
    monkeypatch.setenv("SMILE_CORS_ORIGINS", "")
    settings = DemoSettings(data_dir=tmp_path)
    assert settings.database_pool_size == 10
    assert settings.oidc_issuer is None
    assert settings.cors_origins == []


@pytest.mark.parametrize("value", ["catalogue", "/catalogue/", "/"])
def test_root_path_must_be_a_clean_prefix(value: str) -> None:
    with pytest.raises(ValidationError, match="SMILE_ROOT_PATH"):
        DemoSettings(root_path=value)


def test_root_path_accepts_a_prefix_or_nothing() -> None:
    assert DemoSettings(root_path="/smile/catalogue").root_path == "/smile/catalogue"
    assert DemoSettings().root_path == ""
