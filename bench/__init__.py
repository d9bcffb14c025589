"""Benchmarks of afn-widget: overhead over the forward pass, cache, corpus, browser, payload,
peers. Run on demand with ``python -m bench``; never part of the tests."""
