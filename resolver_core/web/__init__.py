"""linkresolver serve: the JSON API (and, later, the paste page) over the same library calls."""
