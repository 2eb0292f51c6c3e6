"""Size limits of the channels and truncation that respects them."""
