"""JDownloader's Folder Watch: a ``.crawljob`` file of resolved links (its JSON array form).

JDownloader picks up ``*.crawljob`` files from its folder watch directory (``folderwatch``
in its installation) and adds each entry's ``text`` as a link, with the package, file name
and folder given. Values of its tri-state options are the strings ``TRUE``/``FALSE``/
``UNSET``, as JDownloader writes them.
"""

from __future__ import annotations

import json
from collections.abc import Iterable
from pathlib import Path
from typing import Any

from ..download.names import name_from_url, safe_name
from ..models import ResolvedLink
from ..records import link_files


def crawljob(
    links: Iterable[ResolvedLink],
    *,
    package: str,
    folder: Path | None,
    auto_start: bool = True,
    password: str | None = None,
) -> str:
    """The crawljob file's text: one entry per file of every link. ``password`` (the
    package's, as its post gave it) goes in ``extractPasswords``: JDownloader unpacks the
    archives with it."""
    entries: list[dict[str, Any]] = []
    for link in links:
        for item in link_files(link):
            entry: dict[str, Any] = {
                "text": item.url,
                "packageName": package,
                "filename": safe_name(item.filename, name_from_url(item.url)),
                "comment": f"resolved by linkresolver from {link.input} via {link.provider}",
                "autoStart": "TRUE" if auto_start else "FALSE",
                "autoConfirm": "TRUE",
                "forcedStart": "UNSET",
                "enabled": "TRUE",
                "extractAfterDownload": "UNSET",
                "priority": "DEFAULT",
                "overwritePackagizerEnabled": True,
                "deepAnalyseEnabled": False,
                "addOfflineLink": False,
            }
            if folder is not None:
                entry["downloadFolder"] = str(folder)
            if password is not None:
                entry["extractPasswords"] = [password]
            entries.append(entry)
    return json.dumps(entries, indent=2, ensure_ascii=False) + "\n"
