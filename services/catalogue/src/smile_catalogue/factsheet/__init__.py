"""The institution's factsheet for incoming students (it feeds the EWP Factsheet API)."""
