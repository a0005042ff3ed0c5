"""`dampwatch predict`: risk for homes without sensors, scored and stored; its routes read it."""
