"""Data Quality results: normalise DataWorks DQ events and forward them to chat, webhooks and SLS.

Modules (imported lazily; importing this package loads nothing else):

* :mod:`~openevent.quality.result` — the normalised result ``openevent.dq_result/v1``;
* :mod:`~openevent.quality.config` — destinations, filters, environment-only mode;
* :mod:`~openevent.quality.render` — the chat message;
* :mod:`~openevent.quality.links` — console links;
* :mod:`~openevent.quality.webhook` / :mod:`~openevent.quality.sls` — the document destinations;
* :mod:`~openevent.quality.forward` — the pipeline the ``dq_result_forwarder`` function runs.

Example:
    >>> from openevent.quality.forward import Forwarder
    >>> from openevent.quality.config import load_quality_config
    >>> from openevent.state import open_store
    >>> fwd = Forwarder(load_quality_config(env={}), open_store("memory://"))
    >>> fwd.destinations
    {}
"""
