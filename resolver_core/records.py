"""Results as records: the one place an outcome, a check, an account, a hoster row and the
files of a resolved link become plain data.

Every output reads these: the command line's JSON Lines and its text, the web API, the
aria2 and JDownloader hand-offs, Click'n'Load's printout and the demo. A field added here
shows everywhere at once, and the web and the command line cannot drift apart. The keys
keep the order of the JSON contracts (DESIGN.md): JSON Lines are compared byte for byte.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any, TypedDict

from .models import FileLink, ResolvedLink
from .outcomes import CheckOutcome, Outcome

if TYPE_CHECKING:
    from .accounts import Account
    from .cooldowns import Cooldowns
    from .errors import ResolverError
    from .models import AccountInfo
    from .pipeline import Resolver
    from .provider import HosterTerms


class FileRecord(TypedDict):
    url: str
    filename: str | None
    size: int | None


class OutcomeRecord(TypedDict):
    """``resolve --json``'s object, one per input link."""

    input: str
    status: str
    provider: str | None
    hoster: str | None
    url: str | None
    filename: str | None
    size: int | None
    sha1: str | None
    error: str | None
    code: int | None
    files: list[FileRecord]
    #: The label of the provider's account that served the link; null for its only account.
    account: str | None
    #: Of mirrors of one file: the input link that served it (status "mirror": this one was
    #: not needed); null otherwise.
    mirror_of: str | None


class CheckRecord(TypedDict):
    """``check --json``'s object, one per input link."""

    input: str
    status: str
    provider: str | None
    hoster: str | None
    filename: str | None
    size: int | None
    sha1: str | None
    cached: bool | None
    #: For a magnet: every provider asked that has it in its cache.
    cached_at: list[str]
    error: str | None
    code: int | None


class RestRecord(TypedDict):
    """A provider's own "stop" (509, 503, 429...), remembered across runs."""

    hoster: str | None
    until: int
    reason: str
    code: int | None


class AccountRecord(TypedDict):
    """``accounts --json``'s object and ``GET /api/accounts``' row, one per account (one
    per provider for providers with a single account: ``account`` null)."""

    provider: str
    #: The account's label, for a provider with several; null for the single-account form.
    account: str | None
    kind: str
    login: str | None
    type: str | None
    can_download: bool | None
    expires: int | None
    fair_use_left: float | None
    error: str | None
    code: int | None
    resting: list[RestRecord]


class HosterRecord(TypedDict):
    """``hosts --json``'s object and ``GET /api/hosts``' row: a hoster of a provider's
    lists (``claim`` null), or what it serves beyond them (``claim``: ``"magnet"``,
    ``"any_link"`` or ``"other"``, with empty domains and patterns); what the provider says
    about it now (``up``, ``cost``, ``terms``: null when it does not say)."""

    provider: str
    hoster: str | None
    domains: list[str]
    patterns: list[str]
    claim: str | None
    up: bool | None
    cost: float | None
    terms: str | None


# -- the files of a resolved link -------------------------------------------------------------


def link_files(link: ResolvedLink) -> list[FileLink]:
    """Every file of ``link``: its files when it holds several (a torrent, an unpacked
    archive; the link to the whole is not one of them), else the link itself."""
    return list(link.files) or [FileLink(link.url, link.filename, link.size)]


def link_urls(link: ResolvedLink) -> list[str]:
    """The direct URLs of ``link``, one per file, as ``resolve`` prints them."""
    return [item.url for item in link_files(link)]


# -- outcomes ---------------------------------------------------------------------------------


def outcome_json(outcome: Outcome | CheckOutcome) -> dict[str, Any]:
    """The JSON Lines object of ``resolve --json`` or ``check --json`` (DESIGN.md): every
    field, null if unknown."""
    if isinstance(outcome, CheckOutcome):
        return {**check_record(outcome)}
    return {**outcome_record(outcome)}


def outcome_record(outcome: Outcome) -> OutcomeRecord:
    """How a link ended, every field present (null when unknown)."""
    link, error = outcome.link, outcome.error
    return {
        "input": outcome.input,
        "status": outcome.status,
        "provider": outcome.provider,
        "hoster": outcome.hoster,
        "url": link.url if link else None,
        "filename": link.filename if link else None,
        "size": link.size if link else None,
        "sha1": link.sha1 if link else None,
        "error": error.for_person() if error else None,
        "code": error.code if error else None,
        "files": [{"url": item.url, "filename": item.filename, "size": item.size} for item in link.files]
        if link
        else [],
        "account": outcome.account,
        "mirror_of": outcome.mirror_of,
    }


def check_record(outcome: CheckOutcome) -> CheckRecord:
    """What a check learned about a link, every field present (null when unknown)."""
    info, error = outcome.info, outcome.error
    return {
        "input": outcome.input,
        "status": outcome.status,
        "provider": outcome.provider,
        "hoster": outcome.hoster,
        "filename": info.filename if info else None,
        "size": info.size if info else None,
        "sha1": info.sha1 if info else None,
        "cached": info.cached if info else None,
        "cached_at": list(outcome.cached_at),
        "error": error.for_person() if error else None,
        "code": error.code if error else None,
    }


def failure_reason(outcome: Outcome, error: ResolverError | None = None) -> str:
    """Why a link has no direct link, in words: its error's, else its status."""
    error = error or outcome.error
    if error is None and outcome.status == "mirror":
        return f"not needed: its mirror {outcome.mirror_of} served the file"
    return error.for_person() if error else outcome.status


# -- accounts ---------------------------------------------------------------------------------


def account_record(
    account: Account, info: AccountInfo | None, error: ResolverError | None, cooldowns: Cooldowns
) -> AccountRecord:
    """An account's state, with the rests it asked for: its own, and its provider's (an
    outage, a hoster down there), which keep it from serving too."""
    provider = account.provider
    return {
        "provider": provider.name,
        "account": account.label,
        "kind": provider.kind.value,
        "login": info.login if info else None,
        "type": info.type if info else None,
        "can_download": info.can_download if info else None,
        "expires": info.expires if info else None,
        "fair_use_left": info.fair_use_left if info else None,
        "error": error.for_person() if error else None,
        "code": error.code if error else None,
        "resting": [
            {"hoster": rest.hoster, "until": int(rest.until), "reason": rest.reason, "code": rest.code}
            for rest in cooldowns.all()
            if rest.provider in (provider.name, account.key)
        ],
    }


def account_records(resolver: Resolver) -> list[tuple[AccountRecord, bool]]:
    """Every provider's account record, and whether an account API answered."""
    return [
        (account_record(account, info, error, resolver.cooldowns), info is not None)
        for account, info, error in resolver.accounts()
    ]


# -- hosters ----------------------------------------------------------------------------------

#: What ``hosts`` asks a provider's ``claims`` about, to say what it serves beyond its
#: patterns: a magnet (a well-formed info hash) and a link to a host nobody lists.
_PROBE_MAGNET = "magnet:?xt=urn:btih:" + "0123456789abcdef0123" * 2
_PROBE_LINK = "https://any-host.invalid/file/linkresolver-hosts-probe"

#: A claim's kind in words, as ``hosts`` prints it.
CLAIM_WORDS = {
    "magnet": "magnet links (BitTorrent)",
    "any_link": "any http(s) link (a catch-all, tried in priority order)",
    "other": "links it recognises itself, beyond hoster lists",
}


@dataclass(frozen=True)
class _Claim:
    provider: str
    hoster: str | None  # the hoster its outcomes name; None when it is the link's own host
    kind: str


def hoster_records(resolver: Resolver) -> list[HosterRecord]:
    """Every hoster each provider's patterns name (its lists fetched when needed: see
    ``resolver.problems`` for those that could not be had), then what providers serve
    beyond patterns, which no list shows; each with what its provider says about it now."""
    said = {provider.name: resolver.terms.of(provider) for provider in resolver.providers}
    rows = [
        _hoster_record(info.owner, info.hoster, list(info.domains), list(info.patterns), None, said)
        for info in resolver.index().hosters()
    ]
    rows += [
        _hoster_record(claim.provider, claim.hoster, [], [], claim.kind, said) for claim in _claims(resolver)
    ]
    return rows


def _hoster_record(
    provider: str,
    hoster: str | None,
    domains: list[str],
    patterns: list[str],
    claim: str | None,
    said: Mapping[str, Mapping[str, HosterTerms]],
) -> HosterRecord:
    terms = said.get(provider, {}).get(hoster) if hoster is not None else None
    return {
        "provider": provider,
        "hoster": hoster,
        "domains": domains,
        "patterns": patterns,
        "claim": claim,
        "up": terms.up if terms else None,
        "cost": terms.cost if terms else None,
        "terms": terms.terms if terms else None,
    }


@dataclass(frozen=True)
class HosterGroup:
    """One hoster (or one kind of claim: magnets, any link) and the rows of the providers
    that serve it, in the order ``resolve`` tries them."""

    #: The hoster's name; for a claim without one, its kind in brackets ("(any link)").
    name: str
    claim: str | None
    #: Every domain any of its providers names, in order, once.
    domains: tuple[str, ...]
    rows: tuple[HosterRecord, ...]


#: The order of the claims' groups, after the hosters of the lists.
_CLAIM_ORDER = {"magnet": 0, "any_link": 1, "other": 2}


def _shown_name(row: HosterRecord) -> str:
    """The name a hoster is listed under: its own when it is a domain (most lists name a
    hoster by its first domain), else its first domain ("uptobox" is uptobox.com), so that
    every provider of a hoster is listed under one name."""
    hoster = row["hoster"] or ""
    return hoster if "." in hoster or not row["domains"] else row["domains"][0]


def hoster_groups(resolver: Resolver, rows: list[HosterRecord]) -> list[HosterGroup]:
    """``rows`` (:func:`hoster_records`) per hoster: the hosters of the lists by name, then
    the claims (magnets, any link, other); in each, the providers in the order of trying."""
    grouped: dict[tuple[int, str], list[HosterRecord]] = {}
    for row in rows:
        claim = row["claim"]
        key = (-1, _shown_name(row)) if claim is None else (_CLAIM_ORDER.get(claim, 9), claim)
        grouped.setdefault(key, []).append(row)
    groups = []
    for key in sorted(grouped):
        members = grouped[key]
        by_provider = {row["provider"]: row for row in members}
        found = [
            (resolver.provider(row["provider"]), row["hoster"] or "", row["claim"] is not None)
            for row in members
        ]
        ordered = tuple(by_provider[provider.name] for provider, _ in resolver.ranked(found))
        claim = members[0]["claim"]
        name = key[1] if claim is None else (members[0]["hoster"] or f"({claim.replace('_', ' ')})")
        domains = tuple(dict.fromkeys(domain for row in ordered for domain in row["domains"]))
        groups.append(HosterGroup(name, claim, domains, ordered))
    return groups


def _claims(resolver: Resolver) -> list[_Claim]:
    """What each provider claims beyond its patterns, learned from ``Provider.claims``
    itself (so that a configured ``catch_all = false`` shows): there is no list to print."""
    from .provider import Provider  # noqa: PLC0415

    found: list[_Claim] = []
    for provider in resolver.providers:
        if type(provider).claims is Provider.claims:
            continue
        magnet = provider.claims(_PROBE_MAGNET)
        if magnet is not None:
            found.append(_Claim(provider.name, magnet, "magnet"))
        if provider.claims(_PROBE_LINK) is not None:
            found.append(_Claim(provider.name, None, "any_link"))
        elif magnet is None:
            found.append(_Claim(provider.name, None, "other"))
    return found
