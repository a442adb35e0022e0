"""Results per course enrolment: grade on the local scale, credits, passed or failed, date."""
