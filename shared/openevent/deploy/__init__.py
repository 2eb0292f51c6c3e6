"""Deployment helpers: read ``s.yaml``, match EventBridge event patterns, check, plan and apply rules.

Modules: ``pattern`` (the event-pattern matcher, stdlib only), ``template`` (functions, their
default-bus triggers, custom-bus rules and timers from an ``s.yaml``), ``routing`` (which rule on
which bus an event matches), ``schema`` (the fc3 props schema and a validator for it), ``check``
(``openevent check``), ``rules`` (plan/apply/remove the custom-bus rules through the EventBridge
OpenAPI), ``build`` (code packages), ``remote`` (fc2 invoke).
"""
