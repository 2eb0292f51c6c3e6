"""The registry covers every event type of the reference table and loads payload models lazily."""

from __future__ import annotations

import json
import subprocess
import sys

from openevent.events import REGISTRY
from openevent.events.registry import BY_EVENT_CODE
from openevent.local.functions import types_for_function

CASING_TRAPS = {
    "dataworks:NodeChange:UnFreezeNode": "unfreeze-node",
    "dataworks:InstanceChange:UnfreezeInstance": "unfreeze-instance",
    "dataworks:NodeChange:StartDiJob": "start-diJob",
    "dataworks:NodeChange:BatchStartDiJob": "batch-start-diJob",
}


def test_the_registry_has_all_52_types_of_the_reference_table() -> None:
    assert len(REGISTRY) == 52
    assert all(t.startswith("dataworks:") and t.count(":") == 2 for t in REGISTRY)


def test_casing_traps_are_preserved_exactly() -> None:
    for etype, code in CASING_TRAPS.items():
        assert REGISTRY[etype].event_code == code


def test_tenant_level_types_are_the_five_console_and_transfer_events() -> None:
    tenant = {s.name for s in REGISTRY.values() if s.level == "tenant"}
    assert tenant == {"DeleteProject", "ProjectDeleted", "DownloadResources", "DownloadResourcesExecute",
                      "UploadDataToTable"}


def test_every_extension_point_has_a_callback_api_and_no_regular_event_has_one() -> None:
    for spec in REGISTRY.values():
        assert (spec.callback_api is not None) == spec.is_extension, spec.type


def test_callback_api_follows_the_module() -> None:
    assert REGISTRY["dataworks:FileChange:CommitFile"].callback_api == "UpdateIDEEventResult"
    assert REGISTRY["dataworks:NodeChange:FreezeNode"].callback_api == "UpdateWorkbenchEventResult"
    assert REGISTRY["dataworks:ProjectChange:DeleteProject"].callback_api == "CallbackExtension"


def test_event_codes_map_back_to_types_for_the_fc_extension_shape() -> None:
    assert BY_EVENT_CODE["download-resources"] == "dataworks:ResourcesDownload:DownloadResources"
    assert len(BY_EVENT_CODE) == len({s.event_code for s in REGISTRY.values() if s.event_code})


def test_the_review_file_type_is_marked_unverified() -> None:
    assert not REGISTRY["dataworks:FileChange:ReviewFile"].verified


def test_types_for_function_lists_what_a_function_declares() -> None:
    assert types_for_function("download_guard") == [
        "dataworks:ResourcesDownload:DownloadResources",
        "dataworks:ResourcesDownload:DownloadResourcesExecute",
        "dataworks:ResourcesUpload:UploadDataToTable",
    ]


def test_parsing_one_family_imports_only_that_familys_models() -> None:
    code = (
        "import json, sys\n"
        "from openevent.events import parse, sample_event\n"
        "before = set(sys.modules)\n"
        "parse(json.dumps(sample_event('dataworks:ProjectChange:DeleteProject')).encode())\n"
        "print(json.dumps(sorted(m for m in sys.modules if m.startswith('openevent.events.models.'))))\n"
    )
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True).stdout
    loaded = json.loads(out)
    assert loaded == ["openevent.events.models.base", "openevent.events.models.console"]
