"""AllDebrid: client, provider, command group and sandbox emulation."""
