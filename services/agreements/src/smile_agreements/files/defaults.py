"""The built-in programme configuration, copied for a university the first time it is needed."""

from __future__ import annotations

from typing import Any

PDF_OR_IMAGE = ["application/pdf", "image/jpeg", "image/png"]

DEFAULT_STEPS: list[dict[str, Any]] = [
    {"code": "registration", "label": {"fr": "Inscription", "en": "Registration"}, "role": "student"},
    {"code": "course_choice", "label": {"fr": "Choix des cours", "en": "Course choice"}, "role": "student"},
    {"code": "referent_approval", "label": {"fr": "Avis du référent", "en": "Referent approval"}, "role": "referent"},
    {
        "code": "coordinator_approval",
        "label": {"fr": "Validation des relations internationales", "en": "International office approval"},
        "role": "coordinator",
    },
    {"code": "student_approval", "label": {"fr": "Accord de l'étudiant", "en": "Student approval"}, "role": "student"},
    {"code": "contract", "label": {"fr": "Contrat d'études", "en": "Learning agreement"}, "role": "coordinator"},
]

DEFAULT_DOCUMENT_TYPES: list[dict[str, Any]] = [
    {
        "code": "identity",
        "label": {"fr": "Pièce d'identité ou passeport", "en": "Identity card or passport"},
        "required": True,
        "needed_before_step": "coordinator_approval",
        "content_types": PDF_OR_IMAGE,
        "max_bytes": 5 * 1024 * 1024,
    },
    {
        "code": "transcript",
        "label": {"fr": "Relevé de notes", "en": "Transcript of records"},
        "required": True,
        "needed_before_step": "referent_approval",
        "content_types": ["application/pdf"],
        "max_bytes": 5 * 1024 * 1024,
    },
    {
        "code": "language_certificate",
        "label": {"fr": "Certificat de langue", "en": "Language certificate"},
        "required": False,
        "needed_before_step": None,
        "content_types": PDF_OR_IMAGE,
        "max_bytes": 5 * 1024 * 1024,
    },
    {
        "code": "photo",
        "label": {"fr": "Photo d'identité", "en": "ID photo"},
        "required": True,
        "needed_before_step": "contract",
        "content_types": ["image/jpeg", "image/png"],
        "max_bytes": 2 * 1024 * 1024,
    },
]

DEFAULT_NAMES = {
    "erasmus": {"fr": "Erasmus+", "en": "Erasmus+"},
    "exchange": {"fr": "Accord bilatéral", "en": "Bilateral exchange"},
}
