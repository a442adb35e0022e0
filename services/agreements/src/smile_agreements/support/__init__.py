"""Support needs: what an incoming student with a disability or a health condition asks for (exam
arrangements, accessible housing...). Health data (GDPR art. 9): read only by the student and the
disability office, every read by staff audited, kept for a short time."""
