"""Debrid-Link: client, provider, command group and sandbox emulation."""
