"""Students' course baskets: choices checked rule by rule, submitted as the first draft of LA table A."""
