"""Fixed texts of the diploma supplement: section titles and section 8 (the French higher education system)."""

from __future__ import annotations

SECTIONS = {
    1: {
        "fr": "1. Informations sur le titulaire du diplôme",
        "en": "1. Information identifying the holder of the qualification",
    },
    2: {"fr": "2. Informations sur le diplôme", "en": "2. Information identifying the qualification"},
    3: {
        "fr": "3. Informations sur le niveau du diplôme",
        "en": "3. Information on the level and duration of the qualification",
    },
    4: {
        "fr": "4. Informations sur le contenu et les résultats obtenus",
        "en": "4. Information on the programme completed and the results obtained",
    },
    5: {
        "fr": "5. Informations sur la fonction du diplôme",
        "en": "5. Information on the function of the qualification",
    },
    6: {"fr": "6. Informations complémentaires", "en": "6. Additional information"},
    7: {"fr": "7. Certification de l'annexe descriptive", "en": "7. Certification of the supplement"},
    8: {
        "fr": "8. Informations sur le système national d'enseignement supérieur",
        "en": "8. Information on the national higher education system",
    },
}

PREAMBLE = {
    "fr": (
        "Cette annexe descriptive au diplôme suit le modèle élaboré par la Commission européenne, le Conseil de "
        "l'Europe et l'UNESCO/CEPES. Elle vise à fournir des données indépendantes et suffisantes pour améliorer la "
        "transparence internationale et la juste reconnaissance académique et professionnelle des qualifications."
    ),
    "en": (
        "This Diploma Supplement model was developed by the European Commission, the Council of Europe and "
        "UNESCO/CEPES. Its purpose is to provide sufficient independent data to improve the international "
        "transparency and fair academic and professional recognition of qualifications."
    ),
}

FRENCH_SYSTEM = {
    "fr": (
        "L'enseignement supérieur français est organisé en trois cycles (licence, master, doctorat) mesurés en "
        "crédits européens (ECTS) : la licence (180 crédits, niveau 6 du cadre européen des certifications) "
        "s'obtient en trois ans après le baccalauréat, le master (120 crédits, niveau 7) en deux ans après la "
        "licence, le doctorat (niveau 8) en trois ans environ après le master. Les diplômes nationaux sont délivrés "
        "par les établissements accrédités par l'État. Les notes vont de 0 à 20 ; un enseignement est validé à "
        "partir de 10 sur 20. Les tables de distribution des notes (section 4) situent chaque note parmi celles "
        "obtenues par les étudiants d'un même domaine et d'un même niveau."
    ),
    "en": (
        "French higher education is organised in three cycles (licence, master, doctorat) measured in ECTS "
        "credits: the licence (180 credits, European Qualifications Framework level 6) takes three years after "
        "the baccalauréat, the master (120 credits, level 7) two years after the licence, the doctorate (level 8) "
        "about three years after the master. National degrees are awarded by institutions accredited by the "
        "State. Grades range from 0 to 20; a course is passed from 10 out of 20. The grade distribution tables "
        "(section 4) place each grade among those given to students of the same field and level."
    ),
}
