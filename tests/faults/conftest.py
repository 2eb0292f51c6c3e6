"""Fixtures of the fault suite: a :class:`~rig.Rig` per function, the fakes behind their switches."""

from rig_fixtures import _isolated_env, make_rig

__all__ = ["_isolated_env", "make_rig"]
