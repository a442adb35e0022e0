"""SIS synchronisation per mobility: learner, administrative enrolment, course enrolments from table A."""
