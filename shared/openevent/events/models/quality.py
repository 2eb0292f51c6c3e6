"""Data Quality: check results and feedback (regular), rule and monitoring pre-events (§10).

Times and numbers disagree between the docs' tables and examples (``bizdate`` is a Long in
the table and ``"2023-02-09 00:00:00"`` in the example); both forms are accepted.
Enum-like strings (``databaseType``, ``metric``, ``checkingConfig.type``, ``channel``) stay
``str`` because their wire casing is uncertain.
"""

from __future__ import annotations

from pydantic import Field

from openevent.events.codes import DqCheckResult
from openevent.events.fields import CsvIds, Id, JsonIn, Stamp
from openevent.events.models.base import Payload, Wire


class DqSample(Wire):
    biz_date: Stamp | None = None
    discrete_property: str | None = None
    value: float | None = None
    single_check_result: int | None = None


class DqCheckFinishedPayload(Payload):
    """``DqcCheckFinishedEvent``: rule ``rule_id`` on ``table_name`` gave ``check_result``."""

    check_result: DqCheckResult
    rule_id: Id | None = None
    id: Id | None = None
    task_id: str | None = None
    entity_id: Id | None = None
    rule_name: str | None = None
    table_name: str | None = None
    project_name: str | None = None
    column: str | None = Field(default=None, alias="property")  # "-" for a table-level rule
    bizdate: Stamp | None = None
    date_type: str | None = None
    actual_expression: str | None = None
    match_expression: str | None = None
    block_type: int | None = None
    check_result_status: int | None = None
    method_name: str | None = None
    begin_time: Stamp | None = None
    end_time: Stamp | None = None
    time_consuming: str | None = None
    external_type: str | None = None
    external_id: str | None = None
    discrete: bool | None = None
    fixed_check: bool | None = None
    reference_value: list[DqSample] | None = None
    sample_value: list[DqSample] | None = None
    trend: str | None = None
    expect_value: float | None = None
    op: str | None = None
    template_id: int | None = None
    checker_type: int | None = None
    is_prediction: bool | None = None
    comment: str | None = None

    @property
    def is_strong_rule(self) -> bool:
        return self.block_type == 1


class DqCheckFeedbackPayload(Payload):
    """``DqcCheckFeedbackEvent``: ``create_user`` gave feedback on check ``rule_check_id``."""

    rule_id: Id
    rule_check_id: Id | None = None
    feedback_content: str | None = None
    create_user: str | None = None
    task_id: str | None = None
    begin_time: Stamp | None = None
    env_type: str | None = None
    project_name: str | None = None


class DqTarget(Wire):
    database_type: str | None = None
    table_guid: str | None = None


class DqThreshold(Wire):
    expression: str | None = None


class DqThresholds(Wire):
    expected: DqThreshold | None = None
    warned: DqThreshold | None = None
    critical: DqThreshold | None = None


class DqCheckingConfig(Wire):
    type: str | None = None
    thresholds: DqThresholds | None = None


class DqSamplingConfig(Wire):
    metric: str | None = None


class DqRule(Wire):
    id: Id | None = None
    name: str | None = None
    enabled: bool | None = None
    severity: str | None = None
    description: str | None = None
    template_code: str | None = None
    sampling_config: DqSamplingConfig | None = None
    checking_config: DqCheckingConfig | None = None


class DqRulesChangePayload(Payload):
    """``BatchCreateDataQualityRules`` and ``BatchUpdateDataQualityRules`` (real batch-update shape unknown)."""

    operation_time: Stamp | None = None
    data_quality_task_id: Id | None = None
    target: DqTarget | None = None
    rules: list[DqRule] | None = None


class DqRuleUpdatePayload(DqRule, Payload):
    """``UpdateDataQualityRule``: one rule body flattened at the top level, ``id`` the rule id."""

    operation_time: Stamp | None = None


class DqIdsPayload(Payload):
    """``BatchDeleteDataQualityRules`` / ``BatchDeleteDataQualityEvaluationTasks``: the ids deleted."""

    ids: CsvIds
    operation_time: Stamp | None = None


class DqTrigger(Wire):
    type: str | None = None
    task_ids: CsvIds | None = None


class DqHook(Wire):
    type: str | None = None
    condition: str | None = None


class DqNotificationReceiver(Wire):
    receiver_type: str | None = None
    receiver_values: list[str] | None = None
    extension: JsonIn = None


class DqNotification(Wire):
    channels: list[str] | None = None
    # the docs spell this key "notificaionReceivers"; accept the corrected spelling too
    notificaion_receivers: list[DqNotificationReceiver] | None = Field(
        default=None, alias="notificaionReceivers")


class DqNotifications(Wire):
    condition: str | None = None
    notifications: list[DqNotification] | None = None


class DqEvaluationTaskPayload(Payload):
    """``Create``/``UpdateDataQualityEvaluationTask`` (one documented example for both)."""

    id: Id | None = None
    name: str | None = None
    description: str | None = None
    target: DqTarget | None = None
    trigger: DqTrigger | None = None
    data_source_id: Id | None = None
    runtime_conf: JsonIn = None
    rules: list[DqRule] | None = None
    hooks: list[DqHook] | None = None
    notifications: DqNotifications | None = None
    operation_time: Stamp | None = None


class DqCloneEvaluationTaskPayload(Payload):
    """``CloneDataQualityEvaluationTask``: task ``id`` cloned onto ``targets``."""

    id: Id
    targets: list[DqTarget] | None = None
    operation_time: Stamp | None = None


class DqNotificationChangePayload(Payload):
    """Create / update / delete of a monitoring alert subscription (delete has no documented example)."""

    data_quality_evaluation_task_id: Id | None = None
    channel: str | None = None
    receiver_value: str | None = None
    current_channel: str | None = None
    current_receiver_value: str | None = None
    updated_channel: str | None = None
    updated_receiver_value: str | None = None
    operation_time: Stamp | None = None
