"""The plugin API: everything a linkresolver plugin needs, from one module.

A plugin is a module (or an object) with hook implementations, installed through the
``linkresolver`` entry-point group (or named in ``LINKRESOLVER_PLUGINS``)::

    from linkresolver.api import HosterSpec, Provider, ProviderKind, ResolvedLink, get_json, hookimpl


    class MyDebrid(Provider):
        name = "mydebrid"  # its [providers.mydebrid] table, LINKRESOLVER_MYDEBRID_KEY...
        kind = ProviderKind.DEBRID
        default_api_base = "https://api.mydebrid.example/v1"

        def hosters(self, ctx):
            return [HosterSpec("rapidgator", (r"https?://(?:www\\.)?rapidgator\\.net/file/\\S+",))]

        def resolve(self, url, hoster, ctx):
            answer = get_json(
                ctx.session, self.api_base + "/unlock", params={"link": url}, provider=self.name
            )
            return ResolvedLink(url, answer["download"], self.name, hoster)


    @hookimpl
    def register_providers(register, config):
        register(MyDebrid(config.provider(MyDebrid.name)))

The hooks (:mod:`resolver_core.hookspecs` documents each):

- ``register_providers(register, config)``: the providers the plugin offers.
- ``solve_captcha(challenge)``: answer a captcha (the first answer wins).
- ``link_resolved(link)``: observe each resolved link.
- ``package_ended(package, config)``: observe a package of ``linkresolver serve`` that
  ended, done or failed (its summary; the notifications plugin sends it on).
- ``register_commands(commands)``: command-line commands, through a :class:`CommandGroup`;
  the helpers :func:`common_options`, :func:`emit`, :func:`confirm`... give them the
  built-in commands' options and output, and :func:`command_client` a provider's API client.
- ``sandbox_routes(sandbox)``: emulate the service's API in the local :class:`Sandbox`,
  so that ``linkresolver demo`` and end-to-end tests run without an account (a device
  login's emulation subclasses :class:`DeviceFlowEmulation`: codes entered after a few
  polls, tokens that lapse, renewal, revocation). An emulation that serves a hoster list
  also lists ``sandbox.extra_hosters.get(ITS_NAME, ())`` (:class:`ExtraHoster`: name,
  domains, pattern), written in its API's format, so that tests and benchmarks can give it
  a real-sized list.
- ``demo_samples()``: the :class:`DemoSample` links ``linkresolver demo`` shows the
  provider with, resolved against that emulation.

A provider never sleeps, prompts or prints: it announces a wait with
``ctx.report_wait(Wait.lasting(seconds, provider=..., reason=...))`` and sits it out with
``ctx.wait_until(deadline)`` (other links go on meanwhile), makes a call of a flow of
several again by itself when it got no answer (:func:`patiently`), asks
``ctx.solve_captcha(challenge)``, reports long steps with ``ctx.report(message)``, and
raises the :class:`ResolverError` subclass that says what went wrong (also reachable as
``errors.X``). The HTTP helpers (:func:`get_json`, :func:`expect_object`...) turn transport
and JSON failures into those errors.

A service that logs people in with the OAuth device flow instead of an API key gives
:func:`run_device_login` three callables (start the flow, poll once, and, for its provider,
renew a token); the core shows the code, polls at the service's pace, and keeps the token in
a mode-600 file of the user's state directory (:class:`TokenStore`);
:func:`add_device_login_commands` gives it ``linkresolver NAME login`` and ``logout``. A
service that follows RFC 8628 subclasses :class:`DeviceFlowCalls` for those callables (its
paths and fields; the answers are read the RFC's way) and finds its endpoints and client id
with :func:`configured_endpoint` and :func:`configured_client_id`. The provider asks
:func:`valid_access_token` for the token to send, which renews it once when it lapsed (or
the service refused it: pass it as ``refused``), and raises :class:`LoginRequired`
(advice: run ``linkresolver NAME login``) when there is none. A provider that takes a
configured key as well composes a :class:`StoredLogin` (the key first, else the stored
login, renewed through the service's :data:`Renewal`), and its client sends a
:class:`RenewingToken` (renewed once when the service refuses it). Its emulation in the
sandbox subclasses :class:`DeviceFlowEmulation`.

A debrid service whose API says which hosters are down now, or what a link of a hoster
costs (a fair-use factor, a daily quota), says so in :meth:`Provider.hoster_terms` as
:class:`HosterTerms` (kept for minutes, never asked per link): among providers of equal
priority the core tries first one that does not say the hoster is down and costs least, and
``linkresolver hosts`` shows it.

Importing this module is cheap: each name is imported from the core when first used, so a
plugin's ``__init__`` may import :data:`hookimpl` without making ``linkresolver --help``
load ``requests``.
"""

from __future__ import annotations

import importlib
from typing import TYPE_CHECKING, Any, Final

if TYPE_CHECKING:
    from hostermatch.analysis import export_analyses, remember_analyses
    from hostermatch.untrusted import (
        MAX_HOSTERS,
        MAX_PATTERNS,
        HosterPatterns,
        confined_patterns,
        listed_hoster,
        read_hosters,
        texts_of,
    )
    from resolver_core import errors
    from resolver_core.arguments import add_config_options, whole_number
    from resolver_core.cache import HosterListCache
    from resolver_core.config import (
        Config,
        ProviderSettings,
        default_config_path,
        load_config,
        warn_about_unknown_keys,
    )
    from resolver_core.demo_samples import DemoPart, DemoSample
    from resolver_core.device_flow import DeviceFlowCalls, configured_client_id, configured_endpoint
    from resolver_core.device_login import (
        PENDING,
        DeviceCode,
        LoginRequired,
        PollAnswer,
        SlowDown,
        StoredToken,
        TokenStore,
        answer_words,
        checked_endpoint,
        device_code_from_answer,
        page_to_show,
        run_device_login,
        sendable_token,
        state_dir,
        token_from_answer,
        valid_access_token,
    )
    from resolver_core.envelope import expect_object, provider_words, short_repr, unwrap_envelope
    from resolver_core.errors import (
        AuthFailed,
        BadLink,
        CaptchaWrong,
        ConfigError,
        FileOffline,
        HosterUnavailable,
        LegalUnavailable,
        NoDownloadApi,
        PaymentRequired,
        PermissionDenied,
        ProviderOutage,
        QuotaExhausted,
        Refused,
        ResolverError,
        TicketExpired,
        UnsupportedLink,
        UnsupportedOperation,
    )
    from resolver_core.groups import (
        App,
        CommandGroup,
        command_client,
        common_options,
        confirm,
        destructive_options,
        emit,
        human_size,
    )
    from resolver_core.hookspecs import hookimpl
    from resolver_core.http import (
        get_json,
        get_json_response,
        get_text,
        make_session,
        post_json,
        post_json_response,
        read_json_answer,
        send_json,
    )
    from resolver_core.login_commands import DeviceFlow, add_device_login_commands
    from resolver_core.magnets import info_hash, magnet_name
    from resolver_core.models import (
        AccountInfo,
        CaptchaChallenge,
        DownloadLimits,
        FileLink,
        HosterQuota,
        LinkState,
        LinkStatus,
        ProviderKind,
        ResolvedLink,
        Wait,
    )
    from resolver_core.output import shown
    from resolver_core.planning import quotas_if_told
    from resolver_core.provider import HosterSpec, HosterTerms, Provider, ResolveContext
    from resolver_core.redact import redact, register_secrets
    from resolver_core.retrying import patiently, short_rest
    from resolver_core.sandbox.captcha import new_answer, render_png
    from resolver_core.sandbox.device_codes import (
        DeviceFlowEmulation,
        PollState,
        bearer_token,
        json_answer,
    )
    from resolver_core.sandbox.extra_hosters import ExtraHoster
    from resolver_core.sandbox.files import Behaviour, SandboxFile
    from resolver_core.sandbox.server import Sandbox
    from resolver_core.stored_login import Renewal, RenewingToken, StoredLogin
    from resolver_core.values import loose_float, loose_int

#: Where each name of the API lives in the core, grouped as a plugin author meets them.
_SOURCES: Final[dict[str, str]] = {
    # Hooks.
    "hookimpl": "resolver_core.hookspecs",
    # Providers: the class to subclass, what the core lends each call, the hosters served.
    "Provider": "resolver_core.provider",
    "ResolveContext": "resolver_core.provider",
    "HosterSpec": "resolver_core.provider",
    "HosterTerms": "resolver_core.provider",
    "HosterListCache": "resolver_core.cache",
    # What a provider answers with.
    "ResolvedLink": "resolver_core.models",
    "FileLink": "resolver_core.models",
    "LinkStatus": "resolver_core.models",
    "LinkState": "resolver_core.models",
    "AccountInfo": "resolver_core.models",
    "HosterQuota": "resolver_core.models",
    "quotas_if_told": "resolver_core.planning",
    "DownloadLimits": "resolver_core.models",
    "ProviderKind": "resolver_core.models",
    "CaptchaChallenge": "resolver_core.models",
    "Wait": "resolver_core.models",
    # A provider's own hoster list: read as untrusted (bounded, patterns that name no host
    # confined to the hoster's domains), and cached with its patterns' analyses.
    "HosterPatterns": "hostermatch.untrusted",
    "read_hosters": "hostermatch.untrusted",
    "listed_hoster": "hostermatch.untrusted",
    "confined_patterns": "hostermatch.untrusted",
    "texts_of": "hostermatch.untrusted",
    "MAX_HOSTERS": "hostermatch.untrusted",
    "MAX_PATTERNS": "hostermatch.untrusted",
    "export_analyses": "hostermatch.analysis",
    "remember_analyses": "hostermatch.analysis",
    # Configuration: a provider's table and the environment applied to it.
    "Config": "resolver_core.config",
    "ProviderSettings": "resolver_core.config",
    "load_config": "resolver_core.config",
    "default_config_path": "resolver_core.config",
    "warn_about_unknown_keys": "resolver_core.config",
    # Errors: the module, and each class a provider raises.
    "errors": "resolver_core.errors",
    "ResolverError": "resolver_core.errors",
    "ConfigError": "resolver_core.errors",
    "UnsupportedLink": "resolver_core.errors",
    "BadLink": "resolver_core.errors",
    "AuthFailed": "resolver_core.errors",
    "PaymentRequired": "resolver_core.errors",
    "PermissionDenied": "resolver_core.errors",
    "FileOffline": "resolver_core.errors",
    "LegalUnavailable": "resolver_core.errors",
    "HosterUnavailable": "resolver_core.errors",
    "QuotaExhausted": "resolver_core.errors",
    "ProviderOutage": "resolver_core.errors",
    "CaptchaWrong": "resolver_core.errors",
    "TicketExpired": "resolver_core.errors",
    "Refused": "resolver_core.errors",
    "NoDownloadApi": "resolver_core.errors",
    "UnsupportedOperation": "resolver_core.errors",
    # HTTP: one session, JSON answers read into the errors above, the service's words.
    "make_session": "resolver_core.http",
    "get_json": "resolver_core.http",
    "get_json_response": "resolver_core.http",
    "post_json": "resolver_core.http",
    "post_json_response": "resolver_core.http",
    "get_text": "resolver_core.http",
    "read_json_answer": "resolver_core.http",
    "send_json": "resolver_core.http",
    # A call in the middle of a flow of several (a poll, a file's link), asked again by
    # itself when it gets no answer or a short rest: the flow is not redone from its start.
    "patiently": "resolver_core.retrying",
    "short_rest": "resolver_core.retrying",
    # Magnets: the torrent's info hash and name, for every provider that takes them.
    "info_hash": "resolver_core.magnets",
    "magnet_name": "resolver_core.magnets",
    "unwrap_envelope": "resolver_core.envelope",
    "expect_object": "resolver_core.envelope",
    "provider_words": "resolver_core.envelope",
    "short_repr": "resolver_core.envelope",
    "loose_int": "resolver_core.values",
    "loose_float": "resolver_core.values",
    # Secrets: values never shown, text with them masked.
    "register_secrets": "resolver_core.redact",
    "redact": "resolver_core.redact",
    # Device login (OAuth device flow): start, poll and renew are the plugin's; showing the
    # code, polling, the token file (mode 600, in the state directory) and renewal are here.
    "run_device_login": "resolver_core.device_login",
    "valid_access_token": "resolver_core.device_login",
    "TokenStore": "resolver_core.device_login",
    "StoredToken": "resolver_core.device_login",
    "DeviceCode": "resolver_core.device_login",
    "SlowDown": "resolver_core.device_login",
    "PENDING": "resolver_core.device_login",
    "PollAnswer": "resolver_core.device_login",
    "LoginRequired": "resolver_core.device_login",
    "token_from_answer": "resolver_core.device_login",
    "device_code_from_answer": "resolver_core.device_login",
    "checked_endpoint": "resolver_core.device_login",
    "page_to_show": "resolver_core.device_login",
    "state_dir": "resolver_core.device_login",
    "DeviceFlowCalls": "resolver_core.device_flow",
    "configured_endpoint": "resolver_core.device_flow",
    "configured_client_id": "resolver_core.device_flow",
    "StoredLogin": "resolver_core.stored_login",
    "Renewal": "resolver_core.stored_login",
    "RenewingToken": "resolver_core.stored_login",
    "add_device_login_commands": "resolver_core.login_commands",
    "DeviceFlow": "resolver_core.login_commands",
    "sendable_token": "resolver_core.device_login",
    "answer_words": "resolver_core.device_login",
    # Commands: the group a plugin adds to, the shared options and output, the app.
    "CommandGroup": "resolver_core.groups",
    "common_options": "resolver_core.groups",
    "command_client": "resolver_core.groups",
    "destructive_options": "resolver_core.groups",
    "emit": "resolver_core.groups",
    "confirm": "resolver_core.groups",
    "human_size": "resolver_core.groups",
    "shown": "resolver_core.output",
    "whole_number": "resolver_core.arguments",
    "add_config_options": "resolver_core.arguments",
    "App": "resolver_core.groups",
    # The sandbox: the emulated API, its files and captchas, and the demo's samples.
    "Sandbox": "resolver_core.sandbox.server",
    "SandboxFile": "resolver_core.sandbox.files",
    "Behaviour": "resolver_core.sandbox.files",
    "new_answer": "resolver_core.sandbox.captcha",
    "render_png": "resolver_core.sandbox.captcha",
    "DeviceFlowEmulation": "resolver_core.sandbox.device_codes",
    "PollState": "resolver_core.sandbox.device_codes",
    "bearer_token": "resolver_core.sandbox.device_codes",
    "json_answer": "resolver_core.sandbox.device_codes",
    "ExtraHoster": "resolver_core.sandbox.extra_hosters",
    "DemoSample": "resolver_core.demo_samples",
    "DemoPart": "resolver_core.demo_samples",
}

#: Names that are a module of the core, not a name in one.
_MODULES: Final = frozenset({"errors"})

__all__ = [  # noqa: RUF022 (grouped as _SOURCES is, not sorted)
    "hookimpl",
    "Provider",
    "ResolveContext",
    "HosterSpec",
    "HosterTerms",
    "HosterListCache",
    "ResolvedLink",
    "FileLink",
    "LinkStatus",
    "LinkState",
    "AccountInfo",
    "HosterQuota",
    "quotas_if_told",
    "DownloadLimits",
    "ProviderKind",
    "CaptchaChallenge",
    "Wait",
    "HosterPatterns",
    "read_hosters",
    "listed_hoster",
    "confined_patterns",
    "texts_of",
    "MAX_HOSTERS",
    "MAX_PATTERNS",
    "export_analyses",
    "remember_analyses",
    "Config",
    "ProviderSettings",
    "load_config",
    "default_config_path",
    "warn_about_unknown_keys",
    "errors",
    "ResolverError",
    "ConfigError",
    "UnsupportedLink",
    "BadLink",
    "AuthFailed",
    "PaymentRequired",
    "PermissionDenied",
    "FileOffline",
    "LegalUnavailable",
    "HosterUnavailable",
    "QuotaExhausted",
    "ProviderOutage",
    "CaptchaWrong",
    "TicketExpired",
    "Refused",
    "NoDownloadApi",
    "UnsupportedOperation",
    "make_session",
    "get_json",
    "get_json_response",
    "post_json",
    "post_json_response",
    "get_text",
    "read_json_answer",
    "send_json",
    "patiently",
    "short_rest",
    "info_hash",
    "magnet_name",
    "unwrap_envelope",
    "expect_object",
    "provider_words",
    "short_repr",
    "loose_int",
    "loose_float",
    "register_secrets",
    "redact",
    "run_device_login",
    "valid_access_token",
    "TokenStore",
    "StoredToken",
    "DeviceCode",
    "SlowDown",
    "PENDING",
    "PollAnswer",
    "LoginRequired",
    "token_from_answer",
    "device_code_from_answer",
    "checked_endpoint",
    "page_to_show",
    "state_dir",
    "DeviceFlowCalls",
    "configured_endpoint",
    "configured_client_id",
    "StoredLogin",
    "Renewal",
    "RenewingToken",
    "add_device_login_commands",
    "DeviceFlow",
    "sendable_token",
    "answer_words",
    "CommandGroup",
    "common_options",
    "command_client",
    "destructive_options",
    "emit",
    "confirm",
    "human_size",
    "shown",
    "whole_number",
    "add_config_options",
    "App",
    "Sandbox",
    "SandboxFile",
    "Behaviour",
    "new_answer",
    "render_png",
    "DeviceFlowEmulation",
    "PollState",
    "bearer_token",
    "json_answer",
    "ExtraHoster",
    "DemoSample",
    "DemoPart",
]


def __getattr__(name: str) -> Any:
    """Import ``name`` from the core on first use (PEP 562), and keep it here."""
    source = _SOURCES.get(name)
    if source is None:
        raise AttributeError(f"module {__name__!r} has no attribute {name!r}")
    module = importlib.import_module(source)
    value = module if name in _MODULES else getattr(module, name)
    globals()[name] = value
    return value


def __dir__() -> list[str]:
    return sorted({*globals(), *__all__})
