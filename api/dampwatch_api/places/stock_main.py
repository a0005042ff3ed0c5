"""`dampwatch stock import FILE`: the console entry of the stock facts import."""

from __future__ import annotations

import sys

from dampwatch_api.places.main import stock_main as main

__all__ = ["main"]

if __name__ == "__main__":
    sys.exit(main())
