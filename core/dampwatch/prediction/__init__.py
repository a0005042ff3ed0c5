"""Risk for homes without sensors: features, area rates, the model, reasons in words, placement."""
