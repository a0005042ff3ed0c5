"""Open data: the publish job over SQL and InfluxDB, its files and the routes serving them."""
