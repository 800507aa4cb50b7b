"""The demo's post, gathered from the built-in plugins' ``demo_samples``, is the post the demo
has always pasted: the same lines in the same order, the same outcomes, the same words."""

from __future__ import annotations

from typing import Final

from resolver_core.demo_samples import demo_post
from resolver_core.manager import make_plugin_manager

POST: Final = """\
New upload, 3 parts, pw: demo
From the trip: https://hitfile.net/h1tf1l3/Holiday.Video.mkv
Trailer: https://gofile.io/d/C4ch3d/Holiday.Video.Trailer.mkv
A film on a hoster Debrid-Link serves: https://uptobox.com/upt0b0xf1lm1/Evening.Film.mkv
The whole video in one file: https://katfile.com/k4t7f1l3m0v2/Holiday.Video.mkv
[url=https://rapidgator.net/file/a1b2c3d4/Holiday.Video.part1.rar.html]Part 1[/url]
Part 2: https://rg.to/file/e5f6a7b8/Holiday.Video.part2.rar.html
<a href="https://uploaded.net/file/k9x2m4">Part 3</a>
Mirror: nitroflare.com/view/7QX2P4Z/Holiday.Video.mkv
Also: https://1fichier.com/?q8w7e6r5t4 and https://turbobit.net/m3n4b5v6.html
Extras: https://openload.co/f/Hx7Lq2Wp0aZ/Holiday.Video.Extras.mkv
Subtitles: https://streamango.com/f/Zr4Tn8Ks1Qm/Holiday.Video.Subtitles.zip
Stream: https://highload.to/f/Vxj4mjsK4PX/Holiday.Video.mp4
Old link (deleted): https://rapidgator.net/file/status404
Hoster down at Premiumize (Offcloud takes over): https://filefactory.com/file/z8y7x6
Bonus (Offcloud fetches it into its cloud first): https://mediafire.com/file/cloudonly7q2/Holiday.Video.Bonus.mkv
Photos torrent, in Premiumize's cache:
magnet:?xt=urn:btih:9d9f1a7c5e2b8046f1d3c5a7e9b2d4f6a8c0e1b3&dn=Holiday.Photos.single.zip
Soundtrack torrent, in Offcloud's cache:
magnet:?xt=urn:btih:2c6b6858d61da9543d4231a71db4b1c9264b0685&dn=Holiday.Soundtrack.single.flac
Whole season torrent: magnet:?xt=urn:btih:a7f3e9d1c5b8024f6e1d3c9b7a5f2e8d4c6b1a09&dn=Holiday.Season.1
Not a hoster anyone serves: https://example.com/some/page
"""


def test_the_built_in_plugins_give_the_demos_post() -> None:
    post = demo_post(make_plugin_manager(load_entry_points=False, env={}))
    assert post.text == POST
    assert post.expected == ["ok"] * 13 + ["error"] + ["ok"] * 5 + ["unsupported"]
    assert post.explanations == [
        "The file hosts' own APIs go through the download-ticket flow: a ticket, its wait,"
        "\na captcha (answered here by the sandbox's demo solver), then the direct link.",
        "Offcloud gives instant links, or fetches a file (or a torrent) into its cloud first.",
    ]


def test_a_disabled_plugin_takes_its_lines_with_it() -> None:
    pm = make_plugin_manager(load_entry_points=False, env={"LINKRESOLVER_DISABLE_PLUGINS": "openload_family"})
    post = demo_post(pm)
    assert "openload.co" not in post.text and "rapidgator.net" in post.text
    assert post.expected == ["ok"] * 10 + ["error"] + ["ok"] * 5 + ["unsupported"]
