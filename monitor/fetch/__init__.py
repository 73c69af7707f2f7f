"""The network, as the pipeline sees it: URL in, ``FetchResult`` out (sockets: ``wire``).

``Fetcher`` owns everything between a URL and a ``FetchResult``: the connection pools
(``wire.HostPools``), the global and per-host limits, retries with backoff and
``Retry-After``, redirects followed one hop at a time, body caps (on decoded bytes, so a
gzip bomb stops early), the private-address guard for links, and the mapping of every
transport failure to a ``FetchError``. It never raises for a network problem: failures
are data.

The package, stage by stage: ``client`` (the ``Fetcher``: requests, redirects, retries,
caps, the guard), ``limits`` (slots and lanes), ``failures`` (exceptions -> ``FetchError``),
``guard`` (which addresses a link may not reach), ``archive`` (Wayback-style lookups) and
``wire`` (connection pools on asyncio sockets).
"""

from monitor.fetch.client import MAX_REDIRECTS, Fetcher
from monitor.fetch.limits import Lane
from monitor.fetch.requests import FetchStats, default_transport

__all__ = ["MAX_REDIRECTS", "FetchStats", "Fetcher", "Lane", "default_transport"]
