"""The built-in provider plugins, one module per API family (see ../shared/DESIGN.md)."""
