"""``openevent demo`` replays the scripted day and every step behaves as scripted."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]


def test_the_demo_exits_0_with_every_scripted_step_passing(tmp_path: Path) -> None:
    proc = subprocess.run([sys.executable, "-m", "openevent", "demo", "--json", "--template", str(ROOT / "s.yaml")],
                          capture_output=True, text=True, cwd=ROOT, timeout=600)
    report = json.loads(proc.stdout)
    failed = [s for s in report["steps"] if not s["ok"]]
    assert proc.returncode == 0, (failed, report["failures"], proc.stderr[-2000:])
    functions = {s["function"] for s in report["steps"]}
    assert functions == {"workspace_delete_guard", "download_guard", "change_guard", "node_change_auditor",
                         "instance_status_notifier", "dq_result_forwarder"}
    assert len(report["steps"]) >= 20


def test_the_demo_summary_is_a_table_per_function(tmp_path: Path) -> None:
    proc = subprocess.run([sys.executable, "-m", "openevent", "demo", "--storm", "30"], capture_output=True,
                          text=True, cwd=ROOT, timeout=600)
    assert proc.returncode == 0, proc.stdout[-3000:]
    for function in ("workspace_delete_guard", "download_guard", "change_guard", "node_change_auditor",
                     "instance_status_notifier", "dq_result_forwarder"):
        assert f"\n{function}\n" in proc.stdout
    assert "steps behaved as scripted — OK" in proc.stdout
    assert "[##############################]" in proc.stderr  # the progress bar reached the end
