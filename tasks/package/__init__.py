"""Packaging a built module: `#| export` cells into the tinytorch package (`exports`) and deterministic
per-module archives (`archive`)."""
