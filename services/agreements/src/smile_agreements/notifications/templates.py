"""Email templates, French and English. ``{name}`` fields come from the notification's params; a missing
one renders as ``-`` rather than failing."""

from __future__ import annotations

from string import Formatter
from typing import Any

#: template -> language -> (subject, body)
TEMPLATES: dict[str, dict[str, tuple[str, str]]] = {
    "nomination_received": {
        "fr": (
            "Nouvelle nomination : {student}",
            "{sending_hei} a nommé {student} pour {term}.\nDossier : {mobility_id}",
        ),
        "en": ("New nomination: {student}", "{sending_hei} nominated {student} for {term}.\nFile: {mobility_id}"),
    },
    "nomination_updated": {
        "fr": ("Nomination modifiée : {student}", "{sending_hei} a modifié la nomination de {student} ({term})."),
        "en": ("Nomination changed: {student}", "{sending_hei} changed the nomination of {student} ({term})."),
    },
    "nomination_accepted": {
        "fr": (
            "Votre candidature est acceptée",
            "Bonjour {student},\n\nVotre nomination pour {term} est acceptée. Votre dossier de candidature est "
            "ouvert : connectez-vous pour le compléter.\n\nLe service des relations internationales",
        ),
        "en": (
            "Your application is accepted",
            "Dear {student},\n\nYour nomination for {term} is accepted. Your application file is open: sign in "
            "to complete it.\n\nThe international relations office",
        ),
    },
    "mobility_cancelled": {
        "fr": ("Mobilité annulée : {student}", "La mobilité de {student} ({term}) est annulée. Motif : {reason}"),
        "en": ("Mobility cancelled: {student}", "The mobility of {student} ({term}) is cancelled. Reason: {reason}"),
    },
    "decision_not_delivered": {
        "fr": (
            "Décision non transmise : {student}",
            "Le partenaire a refusé la décision ({reason}). Décidez à nouveau.",
        ),
        "en": (
            "Decision not delivered: {student}",
            "The partner refused the decision ({reason}). Please decide again.",
        ),
    },
    "step_to_do": {
        "fr": (
            "Dossier de {student} : étape « {next_step} »",
            "L'étape « {step} » est validée. À faire : « {next_step} ».",
        ),
        "en": ("File of {student}: step '{next_step}'", "Step '{step}' is validated. Next: '{next_step}'."),
    },
    "step_denied": {
        "fr": (
            "Dossier de {student} : à reprendre",
            "L'étape « {step} » est refusée : {reason}\nÀ reprendre : « {next_step} ».",
        ),
        "en": ("File of {student}: please revise", "Step '{step}' was denied: {reason}\nPlease revise: '{next_step}'."),
    },
    "file_completed": {
        "fr": ("Dossier de {student} complet", "Toutes les étapes du dossier de {student} sont validées."),
        "en": ("File of {student} complete", "Every step of the file of {student} is validated."),
    },
    "document_uploaded": {
        "fr": ("Document déposé : {student}", "{student} a déposé « {document} » ({filename})."),
        "en": ("Document uploaded: {student}", "{student} uploaded '{document}' ({filename})."),
    },
    "document_accepted": {
        "fr": ("Document accepté : {document}", "Votre document « {document} » ({filename}) est accepté."),
        "en": ("Document accepted: {document}", "Your document '{document}' ({filename}) is accepted."),
    },
    "document_refused": {
        "fr": (
            "Document refusé : {document}",
            "Votre document « {document} » ({filename}) est refusé : {reason}\nDéposez-en un nouveau.",
        ),
        "en": (
            "Document refused: {document}",
            "Your document '{document}' ({filename}) was refused: {reason}\nPlease upload another one.",
        ),
    },
    "message_posted": {
        "fr": ("Nouveau message sur le dossier de {student}", "{message}"),
        "en": ("New message on the file of {student}", "{message}"),
    },
    "la_to_sign": {
        "fr": (
            "Contrat d'études de {student} à signer",
            "La version {version} du contrat d'études attend votre signature.",
        ),
        "en": (
            "Learning agreement of {student} to sign",
            "Version {version} of the learning agreement awaits your signature.",
        ),
    },
    "la_approved": {
        "fr": ("Contrat d'études de {student} approuvé", "La version {version} est signée par les trois parties."),
        "en": ("Learning agreement of {student} approved", "Version {version} is signed by all three parties."),
    },
    "la_rejected": {
        "fr": ("Contrat d'études de {student} refusé", "La version {version} est refusée : {reason}"),
        "en": ("Learning agreement of {student} rejected", "Version {version} was rejected: {reason}"),
    },
}


class _Defaulting(dict[str, Any]):
    def __missing__(self, key: str) -> str:
        return "-"


def render(template: str, language: str, params: dict[str, str]) -> tuple[str, str]:
    """(subject, body) of ``template`` in ``language`` (English when that language is missing)."""
    variants = TEMPLATES.get(template)
    if variants is None:
        return template, "\n".join(f"{k}: {v}" for k, v in sorted(params.items()))
    subject, body = variants.get(language) or variants["en"]
    values = _Defaulting(params)
    return Formatter().vformat(subject, (), values), Formatter().vformat(body, (), values)
