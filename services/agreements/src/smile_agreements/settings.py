from __future__ import annotations

from pathlib import Path
from typing import ClassVar

from pydantic import Field, SecretStr

from smile_common.settings import ServiceSettings


class AgreementsSettings(ServiceSettings):
    service_name: ClassVar[str] = "agreements"

    #: SMTP server for notification emails; empty = the dev outbox (messages are stored, never sent).
    smtp_host: str | None = None
    smtp_port: int = Field(default=587, ge=1, le=65535)
    smtp_starttls: bool = True
    smtp_username: str | None = None
    smtp_password: SecretStr | None = None
    mail_from: str = "SMILE <no-reply@smile.invalid>"
    #: mailbox of each university's international office, by SCHAC code; default ``international@<hei>``
    office_emails: dict[str, str] = Field(default_factory=dict)
    #: where uploaded documents are kept (outside the database); default ``<data_dir>/documents``
    documents_dir: str | None = None
    #: largest document accepted, unless a programme's document type says less
    document_max_bytes: int = Field(default=10 * 1024 * 1024, ge=1024)
    #: request bodies of this service may carry a document (the suite-wide default is 2 MiB)
    max_body_bytes: int = Field(default=12 * 1024 * 1024, ge=1024)

    #: bounds of table A's ECTS credits per term of mobility (a whole year counts two terms)
    la_min_ects_per_term: int = Field(default=10, ge=0, le=60)
    la_max_ects_per_term: int = Field(default=45, ge=1, le=120)

    def documents_root(self) -> Path:
        return Path(self.documents_dir) if self.documents_dir else self.data_dir / "documents"

    def office_email(self, tenant: str) -> str:
        return self.office_emails.get(tenant, f"international@{tenant}")
