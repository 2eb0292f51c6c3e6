"""The instance-status notifier's pipeline: select → dedup → enrich → filter → route → noise → render → send.

Modelled on Prometheus Alertmanager's notification pipeline, for DataWorks instance status,
workflow status and monitor-alert events:

* :mod:`~openevent.alerting.config` — the function's config (routes, filters, owners, noise, quiet hours);
* :mod:`~openevent.alerting.alert` — :class:`Alert`, the facts one event is about;
* :mod:`~openevent.alerting.select` — which events alert at all (status, dagType, alarm type);
* :mod:`~openevent.alerting.enrich` — node name, owner, bizdate, log excerpt via the DataWorks OpenAPI;
* :mod:`~openevent.alerting.match` / :mod:`~openevent.alerting.route` — matchers and the ordered routes;
* :mod:`~openevent.alerting.noise` — repeat window, daily cap, rate budgets, quiet hours, recovery memory;
* :mod:`~openevent.alerting.digest` — collapsing the surplus into digest messages, flushed later;
* :mod:`~openevent.alerting.render` — :class:`~openevent.notify.Message` building;
* :mod:`~openevent.alerting.pipeline` — :class:`Notifier`, the stages put together on the delivery core
  (event claims, per-receiver completion, retries inside the invocation budget); ``build`` is the
  factory of ``functions/instance_status_notifier``.

Nothing here is imported by ``import openevent.alerting``; import the modules you need.

Example:
    >>> from openevent.alerting.pipeline import Notifier          # doctest: +SKIP
    >>> Notifier.from_environment().handle_raw(event_bytes)        # doctest: +SKIP
    {'event_id': '…', 'notifications': [{'receiver': 'dingtalk', 'kind': 'dingtalk', 'status': 'sent', …}]}
"""
