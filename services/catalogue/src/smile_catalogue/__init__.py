"""SMILE catalogue service: the courses a university opens to exchange students."""
