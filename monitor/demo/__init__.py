"""The simulated partner web (``web.SimWeb``) and the offline demo built on it."""
