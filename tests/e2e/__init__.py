"""End-to-end tests: the whole chain on real servers, under faults and attack."""
