"""FC function: forwards Data Quality results to chat, a signed webhook and an SLS logstore.

Each destination is delivered once; one that fails makes the handler raise so FC retries,
and the retry delivers only what is missing. See ``config.yaml``.
"""

from openevent.delivery.app import FunctionApp

app = FunctionApp(
    "dq_result_forwarder", directory=__file__,
    handles=("dataworks:DqcCheck:DqcCheckFinishedEvent", "dataworks:DqcCheck:DqcCheckFeedbackEvent"),
    factory="openevent.quality.forward:build", config="openevent.quality.config:QualityConfig",
)
handler = app.handler
initialize = app.initialize
reset = app.reset
