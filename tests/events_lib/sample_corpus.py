"""The ``tests/events`` corpus from its one source, :mod:`openevent.events.sample_data`.

Every ``data`` payload of the corpus (``messageBody`` in the Function Compute extension shape)
is a payload of ``SAMPLE_DATA`` or ``SAMPLE_VARIANTS``, sometimes transformed (numbers sent as
strings, one field broken on purpose). :data:`SOURCES` says which, file by file; the envelopes
around the payloads are written by hand and kept as they are. ``test_sample_corpus.py`` fails
when a file and the module drift apart; :func:`regenerate` rewrites the payloads of every file
from the module (run ``python tests/events_lib/sample_corpus.py`` after changing a payload).

"""

from __future__ import annotations

import copy
import json
import sys
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from openevent.events.registry import REGISTRY
from openevent.events.sample_data import SAMPLE_DATA, SAMPLE_VARIANTS

EVENTS_DIR = Path(__file__).resolve().parents[1] / "events"

INSTANCE_STATUS = "dataworks:InstanceStatusChanges:InstanceStatusChanges"
MONITOR_ALERT = "dataworks:MonitorAlert:WorkbenchMonitorAlert"
DQ_FINISHED = "dataworks:DqcCheck:DqcCheckFinishedEvent"
GSON_ESCAPED = {"<": "\\u003c", ">": "\\u003e", "&": "\\u0026", "=": "\\u003d", "'": "\\u0027"}


@dataclass(frozen=True)
class Source:
    """Where one payload of the corpus comes from: a type's sample (or one of its variants), transformed."""

    event_type: str
    variant: str | None = None
    numbers_as_strings: bool = False
    overrides: tuple[tuple[str, Any], ...] = ()

    def payload(self) -> Any:
        data = SAMPLE_DATA[self.event_type] if self.variant is None else SAMPLE_VARIANTS[self.event_type][self.variant]
        data = copy.deepcopy(data)
        if self.numbers_as_strings:
            data = _numbers_as_strings(data)
        data.update(dict(self.overrides))
        return data


def _type(name: str) -> str:
    return next(t for t, spec in REGISTRY.items() if spec.name == name)


def _sources() -> dict[str, tuple[Source, ...]]:
    out: dict[str, tuple[Source, ...]] = {f"{spec.name}.json": (Source(t),) for t, spec in REGISTRY.items()}
    variants: dict[str, Source | tuple[Source, ...]] = {
        "aliyunpublishtime_PRC": Source(INSTANCE_STATUS, "failure"),
        "approval_created": Source(_type("ApprovalChangeCreated")),
        "approval_finished": Source(_type("ApprovalChangeFinished")),
        "approval_created_data_service": Source(_type("ApprovalChangeCreated"), "data_service"),
        "approval_finished_data_service": Source(_type("ApprovalChangeFinished"), "data_service"),
        "batch_InstanceStatusChanges": tuple(Source(INSTANCE_STATUS, v) for v in ("failure", "success", "running")),
        "di_start_v1": Source(_type("StartDiJob"), "v1"),
        "di_start_v2_no_mapping": Source(_type("StartDiJob"), "v2_no_table_mapping"),
        "di_start_v2_regex_mapping": Source(_type("StartDiJob"), "v2_regex_table_mapping"),
        "dqc_critical_DqcCheckFinishedEvent": Source(DQ_FINISHED, "critical"),
        "eventcode_mismatch_BatchUpdateDataQualityRules": Source(_type("BatchUpdateDataQualityRules"),
                                                                 "docs_single_rule_copy"),
        "fc_extension_DownloadResources": Source(_type("DownloadResources")),
        "fc_extension_UploadDataToTable": Source(_type("UploadDataToTable")),
        "gson_escaped_DqcCheckFinishedEvent": Source(DQ_FINISHED),
        "missing_eventcode_TopicAlert": Source(MONITOR_ALERT, "TOPIC_ALERT_without_event_code"),
        "missing_eventcode_RemindAlertNode": Source(MONITOR_ALERT, "REMIND_ALERT_NODE_without_event_code"),
        "numbers_as_strings_InstanceStatusChanges": Source(INSTANCE_STATUS, "failure", numbers_as_strings=True),
        "numbers_as_strings_DqcCheckFinishedEvent": Source(DQ_FINISHED, numbers_as_strings=True),
        "status_failure": Source(INSTANCE_STATUS, "failure"),
        "status_not_run_zero": Source(INSTANCE_STATUS, "not_run_zero"),
        "status_not_run_one": Source(INSTANCE_STATUS, "not_run_one"),
        "tenant_envelope_as_docs_DownloadResourcesExecute": Source(_type("DownloadResourcesExecute")),
    }
    for name in ("NodeChangeDeleted", "UndeployNode", "ApprovalChangeBeforeCreate", "CommitTable",
                 "DqcCheckFeedbackEvent"):
        variants[f"missing_eventcode_{name}"] = Source(_type(name), "without_event_code")
    for alarm in ("TOPIC_ALERT", "REMIND_ALERT_NODE", "REMIND_ALERT_GATEWAY_RES", "REMIND_ALERT_DI_RES"):
        variants[f"monitor_alert_{alarm}"] = Source(MONITOR_ALERT, alarm)
    for name, src in variants.items():
        out[f"variants/{name}.json"] = src if isinstance(src, tuple) else (src,)
    failure = Source(INSTANCE_STATUS, "failure")
    out.update({
        "invalid/missing_id.json": (failure,),
        "invalid/missing_type.json": (failure,),
        "invalid/wrong_source.json": (failure,),
        "invalid/bad_payload_InstanceStatusChanges.json": (
            Source(INSTANCE_STATUS, "failure", overrides=(("status", "failed-ish"),)),),
        "invalid/array_with_scalar.json": (Source(INSTANCE_STATUS, "success"),),
    })
    return out


SOURCES: dict[str, tuple[Source, ...]] = _sources()
"""Corpus file (relative to ``tests/events``) → the sources of its payloads, in file order."""

HAND_WRITTEN = frozenset({
    "variants/unknown_type_from_dataworks.json",  # a type DataWorks has not published: no sample exists
    "invalid/not_json.txt", "invalid/json_scalar.json", "invalid/empty_array.json",  # no payload at all
})
"""Corpus files with no payload from the module."""


def payload_slots(doc: Any) -> Iterator[tuple[dict[str, Any], str]]:
    """``(event, key)`` of every payload in a corpus document (``data``, or ``messageBody``), in order."""
    for event in doc if isinstance(doc, list) else [doc]:
        if isinstance(event, dict):
            yield event, "messageBody" if "messageBody" in event else "data"


def render(relative: str, doc: Any) -> str:
    """The file text of a corpus document: 2-space JSON, UTF-8 kept; the gson variant escapes as gson does."""
    text = json.dumps(doc, indent=2, ensure_ascii=False) + "\n"
    if Path(relative).stem.startswith("gson_escaped_"):
        head, sep, payload = text.partition('\n  "data": ')
        for char, escape in GSON_ESCAPED.items():
            payload = payload.replace(char, escape)
        text = head + sep + payload
    return text


def regenerate(events_dir: Path = EVENTS_DIR) -> list[Path]:
    """Rewrite every corpus payload from :mod:`openevent.events.sample_data`; returns the files that changed."""
    changed = []
    for relative, sources in SOURCES.items():
        path = events_dir / relative
        doc = json.loads(path.read_text(encoding="utf-8"))
        slots = list(payload_slots(doc))
        if len(slots) != len(sources):
            raise ValueError(f"{relative}: {len(slots)} payloads in the file, {len(sources)} sources declared")
        for (event, key), source in zip(slots, sources, strict=True):
            event[key] = source.payload()
        text = render(relative, doc)
        if text != path.read_text(encoding="utf-8"):
            path.write_text(text, encoding="utf-8")
            changed.append(path)
    return changed


def _numbers_as_strings(value: Any) -> Any:
    if isinstance(value, bool):
        return value
    if isinstance(value, int | float):
        return str(value)
    if isinstance(value, dict):
        return {k: _numbers_as_strings(v) for k, v in value.items()}
    if isinstance(value, list):
        return [_numbers_as_strings(v) for v in value]
    return value


if __name__ == "__main__":  # python tests/events_lib/sample_corpus.py
    for changed_path in regenerate():
        print(f"rewrote {changed_path.relative_to(EVENTS_DIR.parent.parent)}", file=sys.stderr)
