"""End to end: a batch planned before it starts (``resolve --summary``, ``-v``): calls and
time per account at its provider's pace, what its account API says is left of a limited
hoster, a warning when the batch needs more than that today, and the summary line after
the links' (``{"summary": ...}``), over real sockets against the sandbox.

In the sandbox, TorBox has 3 of gofile.io's 25 daily links left.
"""

from __future__ import annotations

from resolver_core.sandbox import Sandbox

from .conftest import CLI

GOFILE = [f"https://gofile.io/d/Pl4n{n}/Part{n}.bin" for n in range(5)]
KATFILE = [f"https://katfile.com/{n:012d}/k{n}.bin" for n in range(3)]


def test_the_summary_plans_calls_and_quotas_and_warns_of_what_is_not_left(cli: CLI, sandbox: Sandbox) -> None:
    before = sandbox.request_counts.copy()
    run = cli("resolve", "--summary", "--json", *GOFILE, *KATFILE, "https://nobody.invalid/x.bin")
    *links, last = run.json_lines()
    assert [line["input"] for line in links] == [*GOFILE, *KATFILE, "https://nobody.invalid/x.bin"]
    summary = last["summary"]
    plan = {row["provider"]: row for row in summary["plan"]}
    torbox = plan["torbox"]
    assert (torbox["account"], torbox["links"], torbox["calls"]) == (None, 5, 20)  # 4 calls a link
    assert torbox["hosters"] == [{"hoster": "gofile.io", "links": 5, "links_left": 3, "bytes_left": None}]
    assert (plan["realdebrid"]["links"], plan["realdebrid"]["calls"]) == (3, 3)
    assert summary["warnings"] == [
        "torbox: the batch has 5 gofile.io link(s); the accounts have 3 left today"
    ]
    assert summary["links"] == 9 and summary["ok"] + summary["error"] + summary["unsupported"] == 9
    # The plan asked each involved account once, and no other.
    asked = {path for path, count in sandbox.request_counts.items() if count > before.get(path, 0)}
    assert any(path.endswith("/torbox/v1/api/user/me") for path in asked)
    assert not any(
        path.endswith(("/alldebrid/v4/user", "/debridlink/api/v2/account/infos")) for path in asked
    )
    # Without -v or --summary no plan is made (no account calls); with -v a person sees it.
    quiet = cli("resolve", *GOFILE)
    assert "the batch may not finish today: torbox: the batch has 5 gofile.io link(s)" not in quiet.stderr
    person = cli("resolve", "-v", *GOFILE)
    assert "plan: torbox: 5 link(s), about 20 call(s)" in person.stderr
    assert "gofile.io: 5 of 3 links left" in person.stderr
    assert "the batch may not finish today: torbox: the batch has 5 gofile.io link(s)" in person.stderr


def test_no_summary_unless_asked(cli: CLI) -> None:
    lines = cli("resolve", "--json", *KATFILE).json_lines()
    assert all("summary" not in line for line in lines) and len(lines) == 3
