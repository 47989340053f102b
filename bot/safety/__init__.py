"""Safety: how Lantern recognises danger and hands people to human help."""
