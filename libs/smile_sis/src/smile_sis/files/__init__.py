"""The files adapter (Apogée and any SIS without an API): CSV exports read, CSV imports written."""

from smile_sis.files.adapter import FilesConfig, FilesSIS
from smile_sis.files.formats import COLUMNS

__all__ = ["COLUMNS", "FilesConfig", "FilesSIS"]
