"""The demo university's offer: Université de Caen Normandie's faculties and courses (FR/EN).

Real faculty names; the courses are plausible, not the real syllabus. ``demo.py`` turns them into
several hundred courses with terms, languages, timetables and capacities.
"""

from __future__ import annotations

# ruff: noqa: E501  (tables of names read best one per line)

# code, parent, kind, city, name fr, name en
# fmt: off
UNITS: list[tuple[str, str | None, str, str, str, str]] = [
    ("DROIT", None, "faculty", "Caen", "UFR de droit, AES et administration publique", "Faculty of Law and Public Administration"),
    ("SEGGAT", None, "faculty", "Caen", "UFR SEGGAT (économie, gestion, géographie)", "Faculty of Economics, Management and Geography"),
    ("HSS", None, "faculty", "Caen", "UFR Humanités et sciences sociales", "Faculty of Humanities and Social Sciences"),
    ("LVE", None, "faculty", "Caen", "UFR Langues vivantes étrangères", "Faculty of Modern Languages"),
    ("SCI", None, "faculty", "Caen", "UFR des Sciences", "Faculty of Science"),
    ("SCI-MATH", "SCI", "department", "Caen", "Département de mathématiques", "Department of Mathematics"),
    ("SCI-INFO", "SCI", "department", "Caen", "Département d'informatique", "Department of Computer Science"),
    ("SCI-PHYS", "SCI", "department", "Caen", "Département de physique", "Department of Physics"),
    ("SCI-BIO", "SCI", "department", "Caen", "Département de biologie et sciences de la Terre", "Department of Biology and Earth Sciences"),
    ("SANTE", None, "faculty", "Caen", "UFR Santé", "Faculty of Health"),
    ("STAPS", None, "faculty", "Caen", "UFR STAPS", "Faculty of Sport Sciences"),
    ("IAE", None, "school", "Caen", "IAE Caen - École universitaire de management", "IAE Caen School of Management"),
    ("IUT-CHERBOURG", None, "institute", "Cherbourg-en-Cotentin", "IUT Grand Ouest Normandie - Cherbourg", "Institute of Technology, Cherbourg"),
]
# fmt: on

# unit, code prefix, isced, topics [(fr, en)]
TOPICS: list[tuple[str, str, str, list[tuple[str, str]]]] = [
    (
        "DROIT",
        "DRT",
        "0421",
        [
            ("Droit constitutionnel", "Constitutional law"),
            ("Droit des contrats", "Contract law"),
            ("Droit de l'Union européenne", "European Union law"),
            ("Droit international public", "Public international law"),
            ("Droit pénal", "Criminal law"),
            ("Droit administratif", "Administrative law"),
            ("Droit des affaires", "Business law"),
            ("Droit du travail", "Labour law"),
            ("Droit de l'environnement", "Environmental law"),
            ("Droit du numérique", "Digital law"),
            ("Libertés fondamentales", "Fundamental rights"),
            ("Histoire du droit", "Legal history"),
        ],
    ),
    (
        "SEGGAT",
        "ECO",
        "0311",
        [
            ("Microéconomie", "Microeconomics"),
            ("Macroéconomie", "Macroeconomics"),
            ("Économétrie", "Econometrics"),
            ("Économie internationale", "International economics"),
            ("Économie de l'environnement", "Environmental economics"),
            ("Finance d'entreprise", "Corporate finance"),
            ("Géographie des territoires", "Regional geography"),
            ("Aménagement et urbanisme", "Urban planning"),
            ("Économie du travail", "Labour economics"),
            ("Histoire économique", "Economic history"),
        ],
    ),
    (
        "HSS",
        "HSS",
        "0222",
        [
            ("Histoire de la Normandie médiévale", "History of medieval Normandy"),
            ("Archéologie", "Archaeology"),
            ("Histoire contemporaine", "Contemporary history"),
            ("Philosophie morale", "Moral philosophy"),
            ("Sociologie urbaine", "Urban sociology"),
            ("Histoire de l'art", "Art history"),
            ("Épistémologie", "Philosophy of science"),
            ("Anthropologie", "Anthropology"),
            ("Histoire du Débarquement et de la Seconde Guerre mondiale", "D-Day and Second World War history"),
        ],
    ),
    (
        "LVE",
        "LVE",
        "0232",
        [
            ("Littérature anglaise", "English literature"),
            ("Civilisation américaine", "American civilisation"),
            ("Traduction anglais-français", "English-French translation"),
            ("Linguistique allemande", "German linguistics"),
            ("Littérature hispanique", "Hispanic literature"),
            ("Études nordiques", "Nordic studies"),
            ("Français langue étrangère", "French as a foreign language"),
            ("Interprétation", "Interpreting"),
        ],
    ),
    (
        "SCI-MATH",
        "MAT",
        "0541",
        [
            ("Analyse réelle", "Real analysis"),
            ("Algèbre linéaire", "Linear algebra"),
            ("Probabilités", "Probability"),
            ("Statistique", "Statistics"),
            ("Géométrie différentielle", "Differential geometry"),
            ("Optimisation", "Optimisation"),
            ("Équations aux dérivées partielles", "Partial differential equations"),
        ],
    ),
    (
        "SCI-INFO",
        "INF",
        "0613",
        [
            ("Algorithmique et structures de données", "Algorithms and data structures"),
            ("Bases de données", "Databases"),
            ("Programmation fonctionnelle", "Functional programming"),
            ("Réseaux", "Computer networks"),
            ("Apprentissage automatique", "Machine learning"),
            ("Sécurité informatique", "Computer security"),
            ("Compilation", "Compilers"),
            ("Génie logiciel", "Software engineering"),
            ("Systèmes distribués", "Distributed systems"),
        ],
    ),
    (
        "SCI-PHYS",
        "PHY",
        "0533",
        [
            ("Mécanique quantique", "Quantum mechanics"),
            ("Physique nucléaire", "Nuclear physics"),
            ("Thermodynamique", "Thermodynamics"),
            ("Électromagnétisme", "Electromagnetism"),
            ("Physique des matériaux", "Materials physics"),
            ("Optique", "Optics"),
        ],
    ),
    (
        "SCI-BIO",
        "BIO",
        "0511",
        [
            ("Biologie marine", "Marine biology"),
            ("Écologie", "Ecology"),
            ("Génétique", "Genetics"),
            ("Biologie cellulaire", "Cell biology"),
            ("Géologie de la Normandie", "Geology of Normandy"),
            ("Biochimie", "Biochemistry"),
            ("Neurosciences", "Neuroscience"),
        ],
    ),
    (
        "SANTE",
        "SAN",
        "0912",
        [
            ("Santé publique", "Public health"),
            ("Pharmacologie", "Pharmacology"),
            ("Épidémiologie", "Epidemiology"),
            ("Imagerie médicale", "Medical imaging"),
            ("Éthique médicale", "Medical ethics"),
        ],
    ),
    (
        "STAPS",
        "STA",
        "1014",
        [
            ("Physiologie de l'exercice", "Exercise physiology"),
            ("Sociologie du sport", "Sociology of sport"),
            ("Entraînement sportif", "Sports training"),
            ("Activités physiques adaptées", "Adapted physical activity"),
        ],
    ),
    (
        "IAE",
        "IAE",
        "0413",
        [
            ("Management stratégique", "Strategic management"),
            ("Marketing international", "International marketing"),
            ("Contrôle de gestion", "Management control"),
            ("Gestion des ressources humaines", "Human resource management"),
            ("Entrepreneuriat", "Entrepreneurship"),
            ("Management interculturel", "Cross-cultural management"),
        ],
    ),
    (
        "IUT-CHERBOURG",
        "IUT",
        "0714",
        [
            ("Électronique embarquée", "Embedded electronics"),
            ("Automatismes industriels", "Industrial automation"),
            ("Énergies marines renouvelables", "Marine renewable energy"),
            ("Génie thermique", "Thermal engineering"),
        ],
    ),
]

# level suffix, eqf, name fr, name en
LEVELS: list[tuple[str, int, str, str]] = [
    ("1", 6, "initiation", "introduction"),
    ("2", 6, "approfondissement", "intermediate"),
    ("3", 6, "fondamentaux avancés", "advanced foundations"),
    ("4", 7, "séminaire de master", "master seminar"),
    ("5", 7, "recherche et pratique", "research and practice"),
]

CONTACTS = ["Claire Martin", "Julien Lefèvre", "Sophie Durand", "Thomas Moreau", "Camille Laurent", "Nicolas Girard"]
