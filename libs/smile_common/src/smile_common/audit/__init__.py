"""The audit trail: who (user, partner university, service, system) did what to which object, when,
from which request or event, recorded in the owning service's schema in the same transaction as the change.

* Models mix in :class:`Audited` and are audited on every flush (created / updated / deleted, with the
  fields that changed); :func:`annotate` names a business action (``published``) instead of ``updated``.
* :func:`record` writes an entry explicitly (Core statements, exports, notifications);
  :func:`record_read` logs reads of sensitive data (grades, documents, health data, crisis roster).
* :func:`act_as` says who acts when the session cannot tell (a partner through EWP, a job).

There is no API to change or delete entries; the database refuses updates (and, on PostgreSQL, deletes
other than the retention job's purge).
"""

from smile_common.audit.actor import Actor, ActorType, act_as, actor_of_session
from smile_common.audit.capture import Audited, annotate
from smile_common.audit.guard import allow_purge, install_append_only, remove_append_only
from smile_common.audit.recorder import MASK, changes_between, jsonable, record, record_read
from smile_common.audit.table import audit_table, audit_table_for

__all__ = [
    "MASK",
    "Actor",
    "ActorType",
    "Audited",
    "act_as",
    "actor_of_session",
    "allow_purge",
    "annotate",
    "audit_table",
    "audit_table_for",
    "changes_between",
    "install_append_only",
    "jsonable",
    "record",
    "record_read",
    "remove_append_only",
]
