"""resolver_core: the pluggy host that turns links into direct download links.

Its hookspecs, plugin manager, resolve pipeline and command line are built in the next
issue (see ../shared/DESIGN.md); today it only reserves the package name.
"""
