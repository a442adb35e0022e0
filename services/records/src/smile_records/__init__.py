"""SMILE records: students, ESI, SIS enrolment, results, transcripts."""
