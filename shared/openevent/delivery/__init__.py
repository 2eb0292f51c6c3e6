"""The one delivery core every function runs on.

* :mod:`~openevent.delivery.budget` — one deadline per invocation, with a reserve for the answer;
* :mod:`~openevent.delivery.retry` — one retry loop and one outcome classification;
* :mod:`~openevent.delivery.idempotency` — claim → complete | release, per destination;
* :mod:`~openevent.delivery.app` — the function template (``functions/<name>/index.py``).

Example:
    >>> from openevent.delivery import Budget
    >>> Budget(timeout_s=10, reserve_s=4, margin_s=0).available() <= 6
    True
"""

from openevent.delivery.app import FunctionApp, open_bounded_store
from openevent.delivery.budget import Budget, activate, call_timeout, current_budget
from openevent.delivery.idempotency import Claim, Idempotency, InProgressError, payload_hash
from openevent.delivery.retry import Attempt, RetryPolicy, Undelivered, retry, retry_call

__all__ = [
    "Attempt",
    "Budget",
    "Claim",
    "FunctionApp",
    "Idempotency",
    "InProgressError",
    "RetryPolicy",
    "Undelivered",
    "activate",
    "call_timeout",
    "current_budget",
    "open_bounded_store",
    "payload_hash",
    "retry",
    "retry_call",
]
