"""Deployment helpers: read ``s.yaml``, match EventBridge event patterns, plan and apply rules.

Modules: ``pattern`` (the event-pattern matcher, stdlib only), ``template`` (functions and their
EventBridge trigger patterns from an ``s.yaml``), ``rules`` (plan/apply one rule per function on a
custom bus through the EventBridge OpenAPI).
"""
