"""The run's judgement of itself: was a failure the partners' or this machine's?

Pure. ``HostTally`` collects what every watched page and link fetch of a run said, per
host; ``needs_probes`` says when so many hosts failed at the network level that the
fault may be ours; ``judge`` takes the control probes' answers and returns an
``Outage`` (the run is inconclusive: judge no partner) or None.

The rule: a run is inconclusive when more than half of the distinct hosts it tried failed
at the network level (no answer at all, and a DNS failure, refused or reset connection,
no route or TLS handshake failure among the tries) **and** every control probe failed
too. Timeouts alone never make a run inconclusive: a hanging partner is a partner's
problem, and a host that answered anything once in the run is not down. One host down is
a partner problem; every host down while the control hosts answer is too (the partners'
shared hosting); every host down and the control hosts with them is ours.
"""

from __future__ import annotations

import enum
from collections import Counter
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any

from monitor.models import FetchError, FetchResult, host_key


class NetFailure(enum.StrEnum):
    """How a host failed at the network level (the ``error`` of ``run.tried``)."""

    DNS = "dns"
    REFUSED = "refused"
    RESET = "reset"
    NO_ROUTE = "no_route"
    TLS = "tls"
    TIMEOUT = "timeout"  # only for control probes: a probe that timed out failed too


_NETWORK: Mapping[FetchError, NetFailure] = {
    FetchError.DNS: NetFailure.DNS,
    FetchError.REFUSED: NetFailure.REFUSED,
    FetchError.RESET: NetFailure.RESET,
    FetchError.NO_ROUTE: NetFailure.NO_ROUTE,
    FetchError.TLS: NetFailure.TLS,
}


def network_failure(result: FetchResult) -> NetFailure | None:
    """The network-level failure of one fetch, or None (it answered, timed out, or failed
    otherwise)."""
    return _NETWORK.get(result.error) if result.error is not None else None


@dataclass
class HostTally:
    """Per host of a run: did it ever answer, and how did its fetches fail."""

    answered: set[str] = field(default_factory=set)
    failures: dict[str, Counter[NetFailure]] = field(default_factory=dict)
    tried: set[str] = field(default_factory=set)

    def observe(self, result: FetchResult) -> None:
        """Count one fetch of a watched page or a link (not a probe of the self-check)."""
        host = host_key(result.url)
        if not host:
            return
        self.tried.add(host)
        if result.status_code is not None and result.error is None:
            self.answered.add(host)
            return
        kind = network_failure(result)
        if kind is not None:
            self.failures.setdefault(host, Counter())[kind] += 1

    def failed_hosts(self) -> dict[str, NetFailure]:
        """Hosts that never answered and failed at the network level, with their most
        frequent failure."""
        return {
            host: kinds.most_common(1)[0][0]
            for host, kinds in sorted(self.failures.items())
            if host not in self.answered
        }


def needs_probes(tally: HostTally) -> bool:
    """True when more than half of the distinct hosts tried failed at the network level."""
    return len(tally.failed_hosts()) * 2 > len(tally.tried)


@dataclass(frozen=True)
class Tried:
    """One host (or control probe) the run tried and how it failed."""

    host: str
    error: NetFailure
    probe: bool = False

    def to_json(self) -> dict[str, Any]:
        return {
            "host": self.host,
            "error": str(self.error),
            **({"probe": True} if self.probe else {}),
        }


@dataclass(frozen=True)
class Outage:
    """A run that could not reach the network: nothing it saw is held against a partner.

    ``failed`` of ``hosts`` partner hosts failed at the network level, ``kind`` the most
    common way; ``tried`` lists them, then the control probes.
    """

    hosts: int
    failed: int
    kind: NetFailure
    tried: tuple[Tried, ...]

    def to_json(self) -> dict[str, Any]:
        return {
            "hosts": self.hosts,
            "failed": self.failed,
            "kind": str(self.kind),
            "tried": [t.to_json() for t in self.tried],
        }

    @classmethod
    def from_json(cls, data: Mapping[str, Any]) -> Outage:
        tried = tuple(
            Tried(str(t["host"]), NetFailure(t["error"]), bool(t.get("probe", False)))
            for t in data.get("tried", ())
        )
        return cls(int(data["hosts"]), int(data["failed"]), NetFailure(data["kind"]), tried)


def probe_failure(result: FetchResult) -> NetFailure | None:
    """How a control probe failed, or None when it got any HTTP answer (even a 404: the
    internet was reached)."""
    if result.status_code is not None and result.error is None:
        return None
    if result.error is FetchError.TIMEOUT:
        return NetFailure.TIMEOUT
    return network_failure(result) or NetFailure.NO_ROUTE


def judge(tally: HostTally, probes: Sequence[FetchResult]) -> Outage | None:
    """The outage, when most hosts failed at the network level and so did every probe.

    ``probes`` empty (the self-check is off) never makes an outage.
    """
    failed = tally.failed_hosts()
    if not probes or len(failed) * 2 <= len(tally.tried):
        return None
    probe_kinds = [probe_failure(p) for p in probes]
    if any(kind is None for kind in probe_kinds):
        return None
    kind = Counter(failed.values()).most_common(1)[0][0]
    tried = [Tried(host, k) for host, k in failed.items()]
    tried += [
        Tried(host_key(p.url) or p.url, k, probe=True)
        for p, k in zip(probes, probe_kinds, strict=True)
        if k is not None
    ]
    return Outage(len(tally.tried), len(failed), kind, tuple(tried))


INCONCLUSIVE = "inconclusive"  # the runs table's state of such a run
