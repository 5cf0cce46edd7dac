"""Chapter 00, a map of the mathematics: its exercises (:mod:`.exercises`)."""
