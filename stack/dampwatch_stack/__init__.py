"""The local platform: real servers, `dampwatch up`, its supervisor and `dampwatch demo`."""
