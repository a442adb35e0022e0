"""Documents stored outside the database: atomic files with a checksum, type read from the content,
served only through authorised endpoints, kept in step with the rows that reference them.

Typical upload::

    kind = sniff(content)                       # refuse when None, or not what the client declared
    if active_content(content): refuse          # scripts, launch actions, embedded files in a PDF
    stored = await store.store(tenant, document_id, content)
    discard_on_rollback(session, store, stored.key)
    ... add the row with stored.key, stored.sha256, stored.size ...

Download: ``download_response(await store.get(row.key, row.sha256), filename=…, content_type=…)`` after
checking the caller's rights (and ``audit.record_read``). Deletion: delete the row, then
``delete_after_commit(session, store, row.key)``.
"""

from smile_common.documents.http import download_response
from smile_common.documents.sniff import ACTIVE_PDF_MARKERS, EXTENSIONS, active_content, sniff
from smile_common.documents.store import CorruptedDocumentError, DocumentStore, StoredDocument
from smile_common.documents.transaction import delete_after_commit, discard_on_rollback

__all__ = [
    "ACTIVE_PDF_MARKERS",
    "EXTENSIONS",
    "CorruptedDocumentError",
    "DocumentStore",
    "StoredDocument",
    "active_content",
    "delete_after_commit",
    "discard_on_rollback",
    "download_response",
    "sniff",
]
