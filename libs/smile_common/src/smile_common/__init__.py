"""Shared plumbing of the SMILE suite. No domain logic lives here.

Modules: :mod:`~smile_common.settings`, :mod:`~smile_common.db`, :mod:`~smile_common.events`,
:mod:`~smile_common.security`, :mod:`~smile_common.errors`, :mod:`~smile_common.logging`,
:mod:`~smile_common.observability`, :mod:`~smile_common.http`, :mod:`~smile_common.service`,
:mod:`~smile_common.cli`, :mod:`~smile_common.testing`.
"""

__version__ = "0.1.0"
