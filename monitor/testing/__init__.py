"""The simulated web (``web.SimWeb``): a real HTTP/1.1 server on loopback that misbehaves
on request. The demo, the test suite and the benchmark all point the real fetcher at it;
nothing in the product imports it."""
