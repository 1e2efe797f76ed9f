"""Reading a seeds directory and checking the gold layers (segments, entities, groups)."""
