"""Rural-tourism experiences: their unit types and prices, dated sessions with one seat pool,
bookings, tickets and check-in."""
