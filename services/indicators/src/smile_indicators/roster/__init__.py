"""The crisis roster: which incoming students are here, where they study and how to reach them."""
