"""Controlled vocabularies of the catalogue: languages, CEFR levels, ISCED-F 2013 fields, days, methods."""

from __future__ import annotations

__all__ = [
    "ASSESSMENT_METHODS",
    "CEFR_LEVELS",
    "DAYS",
    "ISCED_BROAD",
    "ISCED_DETAILED",
    "ISCED_NARROW",
    "LANGUAGES",
    "TEACHING_METHODS",
    "cefr_rank",
    "isced_label",
    "isced_problem",
    "language_problem",
]

#: ISO 639-1 language codes.
LANGUAGES = frozenset(
    """aa ab ae af ak am an ar as av ay az ba be bg bh bi bm bn bo br bs ca ce ch co cr cs cu cv
    cy da de dv dz ee el en eo es et eu fa ff fi fj fo fr fy ga gd gl gn gu gv ha he hi ho hr
    ht hu hy hz ia id ie ig ii ik io is it iu ja jv ka kg ki kj kk kl km kn ko kr ks ku kv kw
    ky la lb lg li ln lo lt lu lv mg mh mi mk ml mn mr ms mt my na nb nd ne ng nl nn no nr nv
    ny oc oj om or os pa pi pl ps pt qu rm rn ro ru rw sa sc sd se sg si sk sl sm sn so sq sr
    ss st su sv sw ta te tg th ti tk tl tn to tr ts tt tw ty ug uk ur uz ve vi vo wa wo xh yi
    yo za zh zu""".split()  # noqa: SIM905 - a compact list of codes reads best as text
)

CEFR_LEVELS = ("A1", "A2", "B1", "B2", "C1", "C2")

DAYS = ("mon", "tue", "wed", "thu", "fri", "sat", "sun")

TEACHING_METHODS = frozenset(
    {"lecture", "tutorial", "practical", "seminar", "project", "fieldwork", "online", "blended", "internship"}
)
ASSESSMENT_METHODS = frozenset(
    {"written_exam", "oral_exam", "continuous", "project", "report", "presentation", "practical", "portfolio"}
)

# ISCED-F 2013 fields of education and training: broad (2 digits), narrow (3), detailed (4).
ISCED_BROAD: dict[str, tuple[str, str]] = {
    "00": ("Generic programmes and qualifications", "Programmes et certifications génériques"),
    "01": ("Education", "Éducation"),
    "02": ("Arts and humanities", "Arts et humanités"),
    "03": ("Social sciences, journalism and information", "Sciences sociales, journalisme et information"),
    "04": ("Business, administration and law", "Commerce, administration et droit"),
    "05": ("Natural sciences, mathematics and statistics", "Sciences naturelles, mathématiques et statistiques"),
    "06": ("Information and communication technologies", "Technologies de l'information et de la communication"),
    "07": ("Engineering, manufacturing and construction", "Ingénierie, industries de transformation et construction"),
    "08": ("Agriculture, forestry, fisheries and veterinary", "Agriculture, sylviculture, halieutique et vétérinaire"),
    "09": ("Health and welfare", "Santé et protection sociale"),
    "10": ("Services", "Services"),
    "99": ("Field unknown", "Domaine inconnu"),
}
ISCED_NARROW: dict[str, tuple[str, str]] = {
    "001": ("Basic programmes and qualifications", "Programmes de base"),
    "002": ("Literacy and numeracy", "Alphabétisation et calcul"),
    "003": ("Personal skills and development", "Compétences personnelles"),
    "011": ("Education", "Éducation"),
    "021": ("Arts", "Arts"),
    "022": ("Humanities (except languages)", "Lettres et sciences humaines (sauf langues)"),
    "023": ("Languages", "Langues"),
    "031": ("Social and behavioural sciences", "Sciences sociales et comportementales"),
    "032": ("Journalism and information", "Journalisme et information"),
    "041": ("Business and administration", "Commerce et administration"),
    "042": ("Law", "Droit"),
    "051": ("Biological and related sciences", "Sciences biologiques et apparentées"),
    "052": ("Environment", "Environnement"),
    "053": ("Physical sciences", "Sciences physiques"),
    "054": ("Mathematics and statistics", "Mathématiques et statistiques"),
    "061": ("Information and communication technologies", "Technologies de l'information et de la communication"),
    "071": ("Engineering and engineering trades", "Ingénierie et techniques apparentées"),
    "072": ("Manufacturing and processing", "Industries de transformation et de traitement"),
    "073": ("Architecture and construction", "Architecture et bâtiment"),
    "081": ("Agriculture", "Agriculture"),
    "082": ("Forestry", "Sylviculture"),
    "083": ("Fisheries", "Halieutique"),
    "084": ("Veterinary", "Sciences vétérinaires"),
    "091": ("Health", "Santé"),
    "092": ("Welfare", "Protection sociale"),
    "101": ("Personal services", "Services aux particuliers"),
    "102": ("Hygiene and occupational health services", "Hygiène et santé au travail"),
    "103": ("Security services", "Services de sécurité"),
    "104": ("Transport services", "Services de transport"),
    "999": ("Field unknown", "Domaine inconnu"),
}
ISCED_DETAILED = frozenset(
    """0011 0021 0031 0111 0112 0113 0114 0211 0212 0213 0214 0215 0221 0222 0223 0231 0232 0311 0312 0313
    0314 0321 0322 0411 0412 0413 0414 0415 0416 0417 0421 0511 0512 0521 0522 0531 0532 0533 0541 0542
    0611 0612 0613 0711 0712 0713 0714 0715 0716 0721 0722 0723 0724 0731 0732 0811 0812 0821 0831 0841
    0911 0912 0913 0914 0915 0916 0917 0921 0922 0923 1011 1012 1013 1014 1015 1021 1022 1031 1032 1041
    9999""".split()  # noqa: SIM905 - a compact list of codes reads best as text
)


def cefr_rank(level: str | None) -> int:
    """0 for no requirement, then 1 (A1) to 6 (C2)."""
    return 0 if level is None else CEFR_LEVELS.index(level) + 1


def language_problem(code: str) -> str | None:
    if code not in LANGUAGES:
        return f"'{code}' is not an ISO 639-1 language code (such as 'fr' or 'en')"
    return None


def isced_problem(code: str) -> str | None:
    """Why ``code`` is not an ISCED-F 2013 detailed field (4 digits), or ``None`` if it is one."""
    if len(code) != 4 or not code.isdigit():
        return f"'{code}' is not an ISCED-F code: 4 digits expected, such as 0421 (law)"
    broad, narrow = code[:2], code[:3]
    known = (
        code in ISCED_DETAILED
        or (broad in ISCED_BROAD and code[2:] in {"00", "88"})  # broad field: not further defined, interdisciplinary
        or (narrow in ISCED_NARROW and code[3] in {"0", "8", "9"})  # narrow: n.f.d., interdisciplinary, n.e.c.
    )
    return None if known else f"'{code}' is not a field of ISCED-F 2013"


def isced_label(prefix: str, lang: str) -> str | None:
    """Name of a broad (2 digits) or narrow (3 digits) field in ``lang`` (fr, else English)."""
    names = ISCED_BROAD.get(prefix) if len(prefix) == 2 else ISCED_NARROW.get(prefix)
    if names is None:
        return None
    return names[1] if lang == "fr" else names[0]
