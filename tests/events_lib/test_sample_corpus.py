"""One source for the sample events: the corpus payloads are the payloads of ``openevent.events.sample_data``.

``openevent events sample`` and :func:`openevent.events.sample_event` read the module; the files
in ``tests/events`` carry the same payloads inside hand-written envelopes (see
``tests/events/README.md``). When the two drift apart these tests fail;
``python tests/events_lib/sample_corpus.py`` rewrites the files from the module.
"""

from __future__ import annotations

import json
import shutil
from pathlib import Path

import pytest
from sample_corpus import EVENTS_DIR, HAND_WRITTEN, SOURCES, payload_slots, regenerate

from openevent.events import REGISTRY, sample_event


def test_every_corpus_file_has_its_payload_source_declared_or_is_hand_written() -> None:
    files = {str(p.relative_to(EVENTS_DIR)) for p in EVENTS_DIR.rglob("*") if p.is_file() and p.suffix != ".md"}

    assert files == set(SOURCES) | HAND_WRITTEN


@pytest.mark.parametrize("relative", sorted(SOURCES))
def test_the_payloads_of_a_corpus_file_are_the_sample_data_payloads(relative: str) -> None:
    doc = json.loads((EVENTS_DIR / relative).read_text(encoding="utf-8"))

    payloads = [event[key] for event, key in payload_slots(doc)]

    assert payloads == [source.payload() for source in SOURCES[relative]]


def test_regenerating_an_unchanged_corpus_rewrites_no_file(tmp_path: Path) -> None:
    corpus = tmp_path / "events"
    shutil.copytree(EVENTS_DIR, corpus)

    assert regenerate(corpus) == []


def test_regenerating_restores_a_payload_edited_in_a_file_byte_for_byte(tmp_path: Path) -> None:
    corpus = tmp_path / "events"
    shutil.copytree(EVENTS_DIR, corpus)
    drifted = corpus / "variants" / "gson_escaped_DqcCheckFinishedEvent.json"
    doc = json.loads(drifted.read_text(encoding="utf-8"))
    doc["data"]["checkResult"] = 2
    drifted.write_text(json.dumps(doc, indent=2), encoding="utf-8")

    assert regenerate(corpus) == [drifted]
    assert drifted.read_bytes() == (EVENTS_DIR / drifted.relative_to(corpus)).read_bytes()
    assert "\\u003d" in drifted.read_text(encoding="utf-8")


def test_sample_event_gives_the_payload_of_the_corpus_file_of_every_type() -> None:
    for event_type, spec in REGISTRY.items():
        corpus = json.loads((EVENTS_DIR / f"{spec.name}.json").read_text(encoding="utf-8"))

        assert sample_event(event_type)["data"] == corpus["data"], spec.name
