"""Hypothesis settings of the hostile-input properties: bounded, reproducible, no deadline.

The ``ci`` profile (the default) is derandomized — every run tries the same examples, so CI is
stable and a failure reproduces — with ``max_examples`` set per test (100-200) and no deadline
(the handlers talk to local fakes over HTTP). ``HYPOTHESIS_PROFILE=explore`` runs random examples,
ten times as many (:func:`hostile.examples`), to hunt for new defects locally.
"""

from __future__ import annotations

import os
import sys
from pathlib import Path

from hypothesis import HealthCheck, settings

_FAULTS = str(Path(__file__).resolve().parents[1] / "faults")
if _FAULTS not in sys.path:  # the handler properties drive the functions through the fault suite's rig
    sys.path.insert(0, _FAULTS)

from rig_fixtures import _isolated_env, make_rig  # noqa: E402

__all__ = ["_isolated_env", "make_rig"]

settings.register_profile("ci", derandomize=True, deadline=None, print_blob=True,
                          suppress_health_check=[HealthCheck.too_slow, HealthCheck.data_too_large,
                                                 HealthCheck.function_scoped_fixture])
settings.register_profile("explore", deadline=None,
                          suppress_health_check=[HealthCheck.too_slow, HealthCheck.data_too_large,
                                                 HealthCheck.function_scoped_fixture])
settings.load_profile(os.environ.get("HYPOTHESIS_PROFILE", "ci"))
