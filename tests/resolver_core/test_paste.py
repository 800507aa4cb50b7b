"""The password and the mirrors a pasted forum post gives: prose, BBCode and HTML posts."""

from __future__ import annotations

import pytest

from resolver_core.paste import file_name_of, mirror_groups, password_in, same_size, sizes_in

# -- passwords -----------------------------------------------------------------------------

PASSWORD_CASES = [
    # prose
    ("Here you go:\nhttps://rapidgator.net/file/a1/x.rar.html\npw: forum2024", "forum2024"),
    ("Pass: s3cr3t!\nhttps://nitroflare.com/view/B2/x.rar", "s3cr3t!"),
    ("PASSWORD = Hunter2\nlinks below", "Hunter2"),
    ("Passwort: Geheim123\nhttps://ddownload.com/c3/x.rar", "Geheim123"),
    ("kennwort: abc_DEF", "abc_DEF"),
    ("pwd:nospace", "nospace"),
    ("Enjoy! The password is letmein.", "letmein"),
    ('Password: "with spaces inside"', "with spaces inside"),
    ("pass: 'single quoted.'", "single quoted."),
    ("Password — dash-separated", "dash-separated"),
    # BBCode
    ("[b]Password:[/b] xyz\n[url=https://rg.to/file/a]rg[/url]", "xyz"),
    ("[b]Pass[/b]: [color=red]RedPass[/color]", "RedPass"),
    ("[size=4]Password:[/size]\n[code]Code#Block$1[/code]", "Code#Block$1"),
    ("[quote]pw: QuotedInBox[/quote]", "QuotedInBox"),
    # HTML
    ("<p><b>Password:</b> a&amp;b</p><a href='https://k2s.cc/file/1/x.rar'>k2s</a>", "a&b"),
    ("<div>Pass: <code>&lt;tag&gt;pw</code></div>", "<tag>pw"),
    ("<table><tr><td>Password:</td><td>CellPw</td></tr></table>", "CellPw"),
    ("Password:<br>NextLine", "NextLine"),
    ("<b>Password</b>:&nbsp;Spaced&quot;Quote", 'Spaced"Quote'),
    ("Password (for all parts): AllParts", "AllParts"),
    # a password that looks like a link (a forum's own address) is a password
    ("Password: www.warez-forum.org\nhttps://rapidgator.net/file/1/x.rar", "www.warez-forum.org"),
    # a link after the label is not a password: the search goes on
    ("Pass: https://uploaded.net/file/abc\nPassword: RealOne", "RealOne"),
    # several: the first
    ("pw: first\n[quote]pw: second[/quote]", "first"),
]


@pytest.mark.parametrize(("text", "password"), PASSWORD_CASES)
def test_the_password_next_to_the_links(text: str, password: str) -> None:
    assert password_in(text) == password


NO_PASSWORD_CASES = [
    "https://rapidgator.net/file/a1/x.rar.html\nhttps://nitroflare.com/view/B2/x.rar",
    "Password: none",
    "[b]Pass:[/b] -",
    "pw: n/a",
    "Passwort: keins",
    "Pass: https://uploaded.net/file/abc",
    "I'll pass on this one, the password protected ones are broken",
    "https://host.example/get?pass=abc&pw=def",
    "bypass: xyz, passkey: abc",
    '<input type="password" value="x">',
    "",
]


@pytest.mark.parametrize("text", NO_PASSWORD_CASES)
def test_no_password_given(text: str) -> None:
    assert password_in(text) is None


# -- mirrors -------------------------------------------------------------------------------


def test_the_same_name_on_three_hosters_is_one_file() -> None:
    links = [
        "https://rapidgator.net/file/0a1b2c/Movie.2024.1080p.mkv.html",
        "https://nitroflare.com/view/D3E4F5/Movie.2024.1080p.mkv",
        "https://www.mediafire.com/file/g6h7i8/movie.2024.1080p.MKV/file",
    ]
    assert mirror_groups(links) == [links]


def test_parts_of_one_archive_are_not_mirrors() -> None:
    links = [
        "https://rapidgator.net/file/a/Album.part1.rar.html",
        "https://rapidgator.net/file/b/Album.part2.rar.html",
        "https://ddownload.com/c/Album.part1.rar",
        "https://ddownload.com/d/Album.part2.rar",
    ]
    assert mirror_groups(links) == [[links[0], links[2]], [links[1], links[3]]]


def test_similar_names_stay_apart() -> None:
    links = [
        "https://k2s.cc/file/1/Show.S01E01.mkv",
        "https://k2s.cc/file/2/Show.S01E10.mkv",
        "https://k2s.cc/file/3/Show.S01E01.mp4",
        "https://k2s.cc/file/4/Show.S01E01.mkv.001",
    ]
    assert mirror_groups(links) == [[link] for link in links]


def test_links_without_a_file_name_are_each_their_own_group() -> None:
    links = [
        "https://1fichier.com/?abcdef123",
        "https://uptobox.com/abc123def456",
        "https://1fichier.com/?abcdef123",
        "https://krakenfiles.com/view/AbCd/file.html",
        "https://czshare.com/download.php?id=7",
        "https://filer.net/folder/xyz",
    ]
    assert mirror_groups(links) == [[link] for link in links]


def test_groups_keep_the_order_of_appearance() -> None:
    links = [
        "https://a.example/1/one.zip",
        "https://b.example/2/two.zip",
        "https://c.example/3",
        "https://d.example/4/ONE.zip",
        "https://e.example/5/two.zip.html",
    ]
    assert mirror_groups(links) == [
        [links[0], links[3]],
        [links[1], links[4]],
        [links[2]],
    ]


def test_no_links_no_groups() -> None:
    assert mirror_groups([]) == []


FILE_NAME_CASES = [
    ("https://rapidgator.net/file/0a1b/Name.rar.html", "Name.rar"),
    ("https://turbobit.net/abc123/Name.rar.htm", "Name.rar"),
    ("https://www.mediafire.com/file/abc/Name.rar/file", "Name.rar"),
    ("https://host.example/abc/Name.rar_mirror2", "Name.rar"),
    ("https://host.example/abc/Name%20With%20Spaces.7z", "Name With Spaces.7z"),
    ("https://ddownload.com/abc/Name.part03.rar", "Name.part03.rar"),
    ("https://dropbox.com/s/abc/Name.zip?dl=0", "Name.zip"),
    ("https://host.example/abc/Name.r00/", "Name.r00"),
    ("https://uptobox.com/abc123", None),
    ("https://krakenfiles.com/view/AbCd/file.html", None),
    ("https://www.chip.de/video/Some-Title.html", None),
    ("https://host.example/index.php?file=Name.rar", None),
    ("https://host.example/", None),
    ("https://host.example/.htaccess", None),
    ("not a link at all", None),
    ("http://[::1", None),
    # shapes of real hosters' links (pyLoad's and ResolveURL's patterns)
    ("https://uploadgig.com/file/download/a1B2/Name.part1.rar", "Name.part1.rar"),
    ("https://www.multiup.org/en/mirror/abc123/Name.rar", "Name.rar"),
    ("https://drive.google.com/file/d/1AbCdEf/view", None),
    ("https://darkibox.com/embed-abc123.html", None),
    ("https://upfile.vn/abc/Name.mkv.html", "Name.mkv"),
    ("https://zippyshare.com/v/AbCd/file.html", None),
]


@pytest.mark.parametrize(("link", "name"), FILE_NAME_CASES)
def test_the_file_name_in_a_link(link: str, name: str | None) -> None:
    assert file_name_of(link) == name


def test_decorated_and_plain_links_of_one_file_are_mirrors() -> None:
    links = [
        "https://rapidgator.net/file/a/Backup.tar.gz.html",
        "https://mediafire.com/file/b/backup.tar.gz/file",
        "https://host.example/c/Backup.tar.gz_mirror",
        "https://other.example/d/Backup.tar",
    ]
    assert mirror_groups(links) == [links[:3], [links[3]]]


def test_a_link_without_its_scheme_is_no_password_but_a_bare_domain_is() -> None:
    """A forum's own address is a common archive password; a link written without its
    scheme (a domain and a path) is the label of the links below it, as a full link is."""
    assert password_in("Pass: rapidgator.net/file/abc/x.rar\npw: real1") == "real1"
    assert password_in("Passwort: www.forum.org") == "www.forum.org"
    assert password_in('Password: "www.forum.org/rules"') == "www.forum.org/rules"


def test_sizes_beside_links_split_a_name_into_files() -> None:
    post = """Movie.mkv (1.4 GB): https://a.example/1/Movie.mkv
https://b.example/2/Movie.mkv [1,40 GiB]
https://c.example/3/Movie.mkv - 700 MB (the small encode)
https://d.example/4/Movie.mkv
"""
    links = [f"https://{host}.example/{n}/Movie.mkv" for n, host in enumerate("abcd", 1)]
    sizes = sizes_in(post, links)
    assert sizes == {links[0]: int(1.4 * (1 << 30)), links[1]: int(1.4 * (1 << 30)), links[2]: 700 << 20}
    # d's size is unknown: it joins the name's first group.
    assert mirror_groups(links, sizes) == [[links[0], links[1], links[3]], [links[2]]]


def test_a_line_of_several_links_gives_no_size() -> None:
    post = "https://a.example/1/x.rar https://b.example/2/x.rar (350 MB)"
    links = ["https://a.example/1/x.rar", "https://b.example/2/x.rar"]
    assert sizes_in(post, links) == {}
    assert mirror_groups(links, sizes_in(post, links)) == [links]


def test_a_first_link_of_unknown_size_takes_the_size_of_the_next() -> None:
    links = ["https://a.example/1/x.rar", "https://b.example/2/x.rar", "https://c.example/3/x.rar"]
    sizes = {links[1]: 100 << 20, links[2]: 300 << 20}
    assert mirror_groups(links, sizes) == [[links[0], links[1]], [links[2]]]


@pytest.mark.parametrize(
    ("first", "second", "same"),
    [
        (None, 5, True),
        (1_400_000_000, int(1.4 * (1 << 30)), True),  # 1.4 GB in 1000s and in 1024s
        (100, 110, True),
        (100, 112, False),
        (700 << 20, 1400 << 20, False),
    ],
)
def test_sizes_agree_within_rounding(first: int | None, second: int | None, same: bool) -> None:
    assert same_size(first, second) is same
    assert same_size(second, first) is same
