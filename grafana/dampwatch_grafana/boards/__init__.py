"""The dampwatch boards, each a function building one dashboard."""
