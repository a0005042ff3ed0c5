"""Open data: protected aggregates of damp, cold and heat by area, deprivation and stock."""
