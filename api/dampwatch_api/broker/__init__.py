"""The API's MQTT side: the broker link, registry messages and dynamic-security provisioning."""
