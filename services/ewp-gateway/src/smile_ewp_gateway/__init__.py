"""SMILE EWP gateway: the Erasmus Without Paper network."""
