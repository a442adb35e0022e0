"""Transcripts of records: ELMO XML for EWP (with grade conversion tables), PDF in French and English,
issued, corrected and re-issued with versions."""
