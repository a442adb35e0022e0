from __future__ import annotations

import uuid

import sqlalchemy as sa
from sqlalchemy.ext.asyncio import AsyncSession

from smile_agreements.files.models import ApplicationFile, Document, FileEntry, Message, Programme


class FileRepository:
    def __init__(self, session: AsyncSession) -> None:
        self.session = session

    async def programme(self, tenant: str, code: str) -> Programme | None:
        query = sa.select(Programme).where(Programme.tenant == tenant, Programme.code == code)
        return (await self.session.execute(query)).scalar_one_or_none()

    async def programmes(self, tenant: str) -> list[Programme]:
        query = sa.select(Programme).where(Programme.tenant == tenant).order_by(Programme.code)
        return list((await self.session.execute(query)).scalars())

    async def file(self, tenant: str, file_id: uuid.UUID, *, for_update: bool = False) -> ApplicationFile | None:
        query = sa.select(ApplicationFile).where(ApplicationFile.tenant == tenant, ApplicationFile.id == file_id)
        if for_update:
            query = query.with_for_update()
        return (await self.session.execute(query)).scalar_one_or_none()

    async def file_of(self, tenant: str, mobility_id: uuid.UUID) -> ApplicationFile | None:
        query = sa.select(ApplicationFile).where(
            ApplicationFile.tenant == tenant, ApplicationFile.mobility_id == mobility_id
        )
        return (await self.session.execute(query)).scalar_one_or_none()

    async def documents(self, file_id: uuid.UUID) -> list[Document]:
        query = sa.select(Document).where(Document.file_id == file_id).order_by(Document.uploaded_at, Document.id)
        return list((await self.session.execute(query)).scalars())

    async def document(
        self, file_id: uuid.UUID, document_id: uuid.UUID, *, for_update: bool = False
    ) -> Document | None:
        query = sa.select(Document).where(Document.file_id == file_id, Document.id == document_id)
        if for_update:
            query = query.with_for_update()
        return (await self.session.execute(query)).scalar_one_or_none()

    async def messages(self, file_id: uuid.UUID) -> list[Message]:
        query = sa.select(Message).where(Message.file_id == file_id).order_by(Message.created_at, Message.id)
        return list((await self.session.execute(query)).scalars())

    async def entries(self, file_id: uuid.UUID) -> list[FileEntry]:
        query = sa.select(FileEntry).where(FileEntry.file_id == file_id).order_by(FileEntry.id)
        return list((await self.session.execute(query)).scalars())

    def add(self, *rows: object) -> None:
        self.session.add_all(rows)
