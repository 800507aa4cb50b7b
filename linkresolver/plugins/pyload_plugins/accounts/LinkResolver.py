# pyLoad (pyload-ng) account plugin for linkresolver: its hosters are linkresolver's.
# Installed by `linkresolver pyload install`; credentials stay in linkresolver's configuration.

import re

from ..base.multi_account import MultiAccount


class LinkResolver(MultiAccount):
    __name__ = "LinkResolver"
    __type__ = "account"
    __version__ = "0.2"
    __status__ = "testing"

    __config__ = [
        ("mh_mode", "all;listed;unlisted", "Filter downloaders to use", "all"),
        ("mh_list", "str", "Downloader list (comma separated)", ""),
        ("mh_interval", "int", "Reload interval in hours", 12),
    ]

    __description__ = """linkresolver account: the hosters of linkresolver's providers"""
    __license__ = "MIT"
    __authors__ = [("linkresolver", "")]

    def grab_hosters(self, user, password, data):
        from resolver_core.pyload_bridge import hoster_domains

        return hoster_domains()

    def _override(self):
        # pyLoad sends LinkResolver the links of its hosters that no pyLoad plugin knows by
        # a pattern that finds a domain anywhere in a link; narrowed to the link's host, so
        # that every other link stays pyLoad's own.
        super()._override()
        from resolver_core.pyload_bridge import narrowed

        plugin = self.pyload.plugin_manager.plugins.get(self.plugintype, {}).get(self.classname)
        pattern = narrowed(plugin.get("pattern", "")) if plugin else None
        if pattern is not None:
            self.log_debug(f"Pattern narrowed to the hosts: {pattern}")
            plugin["pattern"] = pattern
            plugin["re"] = re.compile(pattern)

    def grab_info(self, user, password, data):
        return {"validuntil": None, "trafficleft": -1, "premium": True}

    def signin(self, user, password, data):
        pass  # linkresolver's configuration holds the providers' credentials
