"""Quality surveys: questionnaires defined by staff, sent after the mobility ends, answered once per
student, results aggregated (never individual answers when anonymous) and exported."""
