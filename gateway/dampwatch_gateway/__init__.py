"""In-home gateway: decoders for cheap sensors, store-and-forward queue, MQTT uplink."""
