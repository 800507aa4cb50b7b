# pyLoad (pyload-ng) multi-downloader: links resolved through linkresolver's providers.
# Installed by `linkresolver pyload install`; the work is in resolver_core.pyload_bridge.

from ..base.multi_downloader import MultiDownloader


class LinkResolver(MultiDownloader):
    __name__ = "LinkResolver"
    __type__ = "downloader"
    __version__ = "0.3"
    __status__ = "testing"

    __pattern__ = r"^unmatchable$"
    __config__ = [
        ("enabled", "bool", "Activated", True),
        ("use_premium", "bool", "Use premium account if available", True),
        ("fallback", "bool", "Fallback to free download if premium fails", False),
        ("chk_filesize", "bool", "Check file size", True),
        ("max_wait", "int", "Reconnect if waiting time is greater than minutes", 10),
        ("revert_failed", "bool", "Revert to standard download if fails", True),
    ]

    __description__ = """linkresolver: debrid services, Offcloud and file hosts' own APIs"""
    __license__ = "MIT"
    __authors__ = [("linkresolver", "")]

    DIRECT_LINK = False

    def handle_premium(self, pyfile):
        from resolver_core.pyload_bridge import CaptchaRelay, resolve_for_pyload

        # Captchas linkresolver's own solvers cannot answer go to pyLoad's captcha queue.
        relay = CaptchaRelay(self._ask_pyload)
        # The package's password (pyLoad's package settings) unlocks password-protected
        # links at the providers whose API takes one; ExtractArchive uses it too.
        answer = resolve_for_pyload(pyfile.url, captcha_prompt=relay, password=self.get_password() or None)
        relay.raise_pending()  # pyLoad gave up waiting for an answer: its own outcome
        if answer.kind == "download":
            if relay.answered:
                self.captcha.correct()
            if answer.name:
                pyfile.name = answer.name
            if answer.size:
                pyfile.size = answer.size
            # What pyLoad's Checksum addon verifies once the file is in.
            self.check_data = {
                key: value for key, value in (("size", answer.size), ("sha1", answer.sha1)) if value
            }
            self.download(answer.url)
        elif answer.kind == "offline":
            self.offline(answer.message)
        elif answer.kind == "temp_offline":
            self.temp_offline(answer.message)
        elif answer.kind == "retry":
            self.retry(attempts=3, wait=answer.wait, msg=answer.message)
        elif answer.kind == "captcha":
            self.retry_captcha(msg=answer.message)
        else:
            self.fail(answer.message)

    def handle_free(self, pyfile):
        # linkresolver's own configuration holds the credentials: no pyLoad account needed.
        self.handle_premium(pyfile)

    def _ask_pyload(self, image, image_type, timeout):
        return self.captcha.decrypt_image(
            image, input_type=image_type, output_type="textual", ocr=False, timeout=timeout
        )
