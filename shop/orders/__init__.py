"""Orders: the marketplace order, its producer parts, events and the order state machine."""
