"""Real-Debrid: client, provider, command group and sandbox emulation."""

from __future__ import annotations

from typing import Final

#: The providers this plugin registers: their configuration tables and environment
#: variables are known even when the plugin is disabled.
PROVIDER_NAMES: Final = ("realdebrid",)
