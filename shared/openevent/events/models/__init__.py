"""Typed ``data`` payload models, one module per DataWorks module (family of events).

Import a module directly (``openevent.events.models.operation``); the registry does it
lazily so that a function pays only for the models of the events it handles.
"""
