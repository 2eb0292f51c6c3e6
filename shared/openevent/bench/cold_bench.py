"""``openevent bench cold``: a function's cold start as FC pays it, against the floor of its stack.

For each function the bench builds its package with :func:`openevent.deploy.build.build` (or
takes an already built one, ``packages``), copies it to a temporary folder and makes it
read-only, like FC's ``/code``. A package that ships no bytecode is compiled there first
(``compileall``, unchecked-hash pycs, with the target interpreter) and the figures say so
(``"compiled_by_bench": true``): without it, every cold start would compile every module.

Then, in fresh interpreters of the target Python (FC's ``python3.10`` by default), run
alternately, ``rounds`` times each:

* the *anchor*: ``import pydantic, structlog`` from the package folder — what any function
  written with this stack pays before it does anything;
* the *floor*: the anchor + building and validating one small pydantic model — ``import
  pydantic`` loads its model machinery lazily, so this is the least any function that validates
  with pydantic pays (``floor_ratio_cpu_best`` = floor / anchor; ``subject_vs_floor_cpu_best``);
* the *subject*: ``import index`` and the first call of ``index.handler`` with a realistic
  sample event (a guard's callback goes to a fake DataWorks, a consumer sends to the fake chat
  inbox; state is ``memory://``), the FC way: the package folder first on ``sys.path``, an
  FC-like ``context``, ``FC_FUNCTION_NAME`` set, credentials in the environment.

The fakes run in this process (:class:`~openevent.local.stack.LocalStack`, a fresh one each
round, so the chat robots' per-minute limits never bite); the child reaches them through its environment
only — packages contain no :mod:`openevent.local`. Each child measures itself from before its
first import to the end: CPU time (``getrusage``, user + system) and wall time. Reported per
function: best and median of each, ``ratio`` = subject / anchor (CPU and wall, best and median;
``target_ratio`` is the issue's bound, 1.6), and what the subject imports beyond the anchor, by
top-level package (``imports``: ``-X importtime``, the least of up to 3 runs; indicative only).

Example:
    >>> SAMPLES["download_guard"][0]  # the first call's event type
    'dataworks:ResourcesDownload:DownloadResources'
    >>> run(functions=["download_guard"], rounds=1)["functions"]["download_guard"]["ratio"]  # doctest: +SKIP
    {'cpu_best': 4.69, 'cpu_median': 4.39, 'wall_best': 4.87, 'wall_median': 4.51}
"""

from __future__ import annotations

import inspect
import json
import os
import shutil
import stat
import statistics
import subprocess
import tempfile
from collections.abc import Sequence
from pathlib import Path
from typing import Any

from openevent.local.stack import DEMO_MAX_PT_DEPLOY

DEFAULT_PYTHON = "/root/.pyenv/versions/3.10.13/bin/python3.10"
TARGET_RATIO = 1.6
ANCHOR = "import pydantic, structlog"

# function -> (event type, sample variant, overrides): a first call that does the function's real work
SAMPLES: dict[str, tuple[str, str | None, dict[str, Any]]] = {
    "workspace_delete_guard": ("dataworks:ProjectChange:DeleteProject", None, {}),
    "download_guard": ("dataworks:ResourcesDownload:DownloadResources", None, {"data.dataRowSize": "2000000"}),
    "change_guard": ("dataworks:FileChange:DeployFile", None, {"id": DEMO_MAX_PT_DEPLOY}),  # SQL to read
    "node_change_auditor": ("dataworks:NodeChange:NodeChangeUpdated", None, {}),
    "instance_status_notifier": ("dataworks:InstanceStatusChanges:InstanceStatusChanges", "failure", {}),
    "dq_result_forwarder": ("dataworks:DqcCheck:DqcCheckFinishedEvent", "critical", {}),
}

# The child: no openevent import before the clock starts; the last stdout line is its figures.
_CHILD = r"""
import resource, sys, time
def _cpu():
    r = resource.getrusage(resource.RUSAGE_SELF)
    return r.ru_utime + r.ru_stime
c0, w0 = _cpu(), time.perf_counter()
sys.path.insert(0, sys.argv[1])
if sys.argv[2] == "anchor":
    import pydantic, structlog
    c1, w1, summary = _cpu(), time.perf_counter(), None
elif sys.argv[2] == "floor":
    import pydantic, structlog
    class _First(pydantic.BaseModel):
        name: str
        size: int = 0
    _First.model_validate({"name": "x", "size": 1})
    c1, w1, summary = _cpu(), time.perf_counter(), None
else:
    import index
    c1, w1 = _cpu(), time.perf_counter()
    class _Function:
        name, handler, memory, timeout = sys.argv[3], "index.handler", 512, 60
    class _Context:
        request_id, region, account_id, credentials = "cold-bench-1", "cn-hangzhou", "1234567890000000", None
        function, service = _Function(), None
    out = index.handler(sys.stdin.buffer.read(), _Context())
    summary = {k: out.get(k) for k in ("decision", "notifications", "sinks", "forwarded", "callback") if k in out}
c2, w2 = _cpu(), time.perf_counter()
import json
print("\n" + json.dumps({"import_cpu": c1 - c0, "import_wall": w1 - w0, "cpu": c2 - c0, "wall": w2 - w0,
                         "result": summary}, default=str))
"""


def target_version(python: str) -> str:
    """``major.minor`` of an interpreter.

    Example:
        >>> import sys
        >>> target_version(sys.executable) == f"{sys.version_info.major}.{sys.version_info.minor}"
        True
    """
    code = "import sys; print('%d.%d' % sys.version_info[:2])"
    return subprocess.run([python, "-c", code], check=True, capture_output=True, text=True).stdout.strip()


def sample_for(function: str) -> bytes:
    """The event of the first call: :data:`SAMPLES`, else the first type the function declares.

    Example:
        >>> import json
        >>> json.loads(sample_for("download_guard"))["data"]["dataRowSize"]
        '2000000'
    """
    from openevent.events.samples import sample_event

    if function in SAMPLES:
        etype, variant, overrides = SAMPLES[function]
    else:
        from openevent.local.functions import types_for_function

        etype, variant, overrides = types_for_function(function)[0], None, {}
    return json.dumps(sample_event(etype, overrides, variant=variant)).encode()


def has_bytecode(folder: Path) -> bool:
    """Whether a package ships compiled modules (any ``__pycache__/*.pyc`` in it).

    Example:
        >>> has_bytecode(Path(tempfile.mkdtemp()))
        False
    """
    return any(folder.rglob("__pycache__/*.pyc"))


def prepare(package: Path, dest: Path, python: str) -> bool:
    """Copy ``package`` to ``dest``, compile it when it ships no bytecode, make it read-only.

    Returns whether this bench compiled it.
    """
    shutil.copytree(package, dest, symlinks=True)
    compiled = False
    if not has_bytecode(dest):
        # without PYTHON* variables: a PYTHONPYCACHEPREFIX would put the pycs outside the package
        env = {key: value for key, value in os.environ.items() if not key.startswith("PYTHON")}
        subprocess.run([python, "-m", "compileall", "-q", "-j", "0", "--invalidation-mode", "unchecked-hash",
                        str(dest)], check=True, capture_output=True, env=env)
        compiled = True
    _set_writable(dest, False)
    return compiled


def _set_writable(folder: Path, writable: bool) -> None:
    bits = stat.S_IWUSR | stat.S_IWGRP | stat.S_IWOTH
    for path in [folder, *folder.rglob("*")]:
        if path.is_symlink():
            continue
        mode = path.stat().st_mode
        os.chmod(path, (mode | stat.S_IWUSR) if writable else (mode & ~bits))


def child_env(function: str, folder: Path, stack_env: dict[str, str]) -> dict[str, str]:
    """The environment FC would give the function, pointed at the local fakes."""
    from openevent.local.demo_keys import LOCAL_DEMO_ACCESS_KEY_ID, LOCAL_DEMO_ACCESS_KEY_SECRET

    base = {k: os.environ[k] for k in ("PATH", "HOME", "LANG", "TZ") if k in os.environ}
    return {**base, **stack_env, "OPENEVENT_STATE_URL": "memory://",
            "OPENEVENT_CONFIG": str(folder / "config.yaml"), "FC_FUNCTION_NAME": function,
            "FC_REGION": "cn-hangzhou", "ALIBABA_CLOUD_ACCESS_KEY_ID": LOCAL_DEMO_ACCESS_KEY_ID,
            "ALIBABA_CLOUD_ACCESS_KEY_SECRET": LOCAL_DEMO_ACCESS_KEY_SECRET,
            # FC's /code is a read-only mount; the mode bits alone do not stop root writing pycs
            "PYTHONDONTWRITEBYTECODE": "1"}


def _child(python: str, folder: Path, kind: str, function: str, env: dict[str, str], event: bytes) -> dict[str, Any]:
    done = subprocess.run([python, "-s", "-c", _CHILD, str(folder), kind, function], input=event,
                          env=env, cwd=str(folder), capture_output=True, check=False)
    lines = done.stdout.decode("utf-8", "replace").strip().splitlines()
    if done.returncode != 0 or not lines:
        tail = done.stderr.decode("utf-8", "replace").strip().splitlines()[-6:]
        raise RuntimeError(f"{function} {kind} run failed (exit {done.returncode}): " + "\n".join(tail))
    figures: dict[str, Any] = json.loads(lines[-1])
    return figures


def parse_importtime(stderr: str) -> dict[str, int]:
    """Self time (microseconds) of each module in ``python -X importtime`` output.

    Example:
        >>> parse_importtime("import time:       120 |        300 |   yaml.reader")
        {'yaml.reader': 120}
    """
    out: dict[str, int] = {}
    for line in stderr.splitlines():
        if not line.startswith("import time:") or "self [us]" in line:
            continue
        self_us, _cumulative, name = line[len("import time:"):].split("|", 2)
        out[name.strip()] = out.get(name.strip(), 0) + int(self_us)
    return out


def import_breakdown(python: str, folder: Path, function: str, env: dict[str, str], event: bytes,
                     top: int = 12, runs: int = 3) -> dict[str, Any]:
    """What the subject imports beyond the anchor, by top-level package (``-X importtime``, each
    module's least self time over ``runs`` runs: indicative, importtime adds its own overhead)."""
    def modules(kind: str) -> dict[str, int]:
        least: dict[str, int] = {}
        for _ in range(max(1, runs)):
            done = subprocess.run([python, "-s", "-X", "importtime", "-c", _CHILD, str(folder), kind, function],
                                  input=event, env=env, cwd=str(folder), capture_output=True, check=True)
            for name, self_us in parse_importtime(done.stderr.decode("utf-8", "replace")).items():
                least[name] = min(self_us, least.get(name, self_us))
        return least

    anchor, subject = modules("anchor"), modules("subject")
    by_package: dict[str, int] = {}
    for name, self_us in subject.items():
        if name not in anchor:
            by_package[name.split(".")[0]] = by_package.get(name.split(".")[0], 0) + self_us
    ranked = sorted(by_package.items(), key=lambda item: -item[1])
    return {"beyond_anchor_import_ms": round(sum(by_package.values()) / 1000, 1),
            "beyond_anchor_modules": sum(1 for name in subject if name not in anchor),
            "beyond_anchor_by_package_ms": {name: round(us / 1000, 1) for name, us in ranked[:top]}}


def _ms(values: list[float]) -> dict[str, float]:
    return {"best": round(min(values) * 1000, 1), "median": round(statistics.median(values) * 1000, 1)}


def measure(function: str, folder: Path, python: str, rounds: int) -> dict[str, Any]:
    """Interleaved anchor / subject runs of one prepared package; the figures of one function."""
    from openevent.local.stack import LocalStack

    runs: dict[str, list[dict[str, Any]]] = {"anchor": [], "floor": [], "subject": []}
    for i in range(rounds):  # fresh fakes each round: the chat robots' per-minute limits never bite
        with LocalStack() as stack:
            env = child_env(function, folder, stack.env)
            for kind in ("anchor", "floor", "subject") if i % 2 == 0 else ("subject", "floor", "anchor"):
                runs[kind].append(_child(python, folder, kind, function, env, sample_for(function)))
    with LocalStack() as stack:
        breakdown = import_breakdown(python, folder, function, child_env(function, folder, stack.env),
                                     sample_for(function), runs=min(3, rounds))
    anchor, subject = runs["anchor"], runs["subject"]
    fig: dict[str, Any] = {
        "anchor_cpu_ms": _ms([r["cpu"] for r in anchor]), "anchor_wall_ms": _ms([r["wall"] for r in anchor]),
        "subject_cpu_ms": _ms([r["cpu"] for r in subject]), "subject_wall_ms": _ms([r["wall"] for r in subject]),
        "subject_import_cpu_ms": _ms([r["import_cpu"] for r in subject]),
        "first_call_cpu_ms": _ms([r["cpu"] - r["import_cpu"] for r in subject]),
    }

    def ratio(key: str, stat_name: str) -> float:
        subject_ms, anchor_ms = float(fig[f"subject_{key}_ms"][stat_name]), float(fig[f"anchor_{key}_ms"][stat_name])
        return round(subject_ms / max(anchor_ms, 1e-3), 3)

    fig["ratio"] = {"cpu_best": ratio("cpu", "best"), "cpu_median": ratio("cpu", "median"),
                    "wall_best": ratio("wall", "best"), "wall_median": ratio("wall", "median")}
    floor_ms = _ms([r["cpu"] for r in runs["floor"]])
    fig["floor_cpu_ms"] = floor_ms
    fig["floor_ratio_cpu_best"] = round(floor_ms["best"] / max(fig["anchor_cpu_ms"]["best"], 1e-3), 3)
    fig["subject_vs_floor_cpu_best"] = round(fig["subject_cpu_ms"]["best"] / max(floor_ms["best"], 1e-3), 3)
    fig["meets_target"] = fig["ratio"]["cpu_best"] <= TARGET_RATIO
    fig["first_result"] = subject[0]["result"]
    fig["imports"] = breakdown
    return fig


def run(functions: Sequence[str] = (), rounds: int = 7, python: str = DEFAULT_PYTHON,
        packages: str | None = None, root: str | None = None) -> dict[str, Any]:
    """Build (or take from ``packages``), prepare and measure each function; the figures as a dict."""
    from openevent.local.functions import list_functions
    from openevent.runtime.logging import configure_logging

    configure_logging("null", force=True)
    names = list(functions) or list_functions()
    version = target_version(python)
    out: dict[str, Any] = {"python": python, "python_version": version, "rounds": rounds, "anchor": ANCHOR,
                           "target_ratio": TARGET_RATIO, "functions": {}}
    with tempfile.TemporaryDirectory(prefix="openevent-cold-") as scratch:
        base = Path(scratch)
        if packages is None:
            from openevent.deploy.build import build

            source = base / "build"
            options: dict[str, Any] = {}
            if "interpreter" in inspect.signature(build).parameters:  # builds that ship bytecode
                options["interpreter"] = python
            build(root or _project_root(), source, functions=names, python_version=version, **options)
        else:
            source = Path(packages)
        try:
            for name in names:
                folder = base / "code" / name
                compiled = prepare(source / name, folder, python)
                fig = measure(name, folder, python, rounds)
                out["functions"][name] = {"compiled_by_bench": compiled, **fig}
        finally:
            if (base / "code").exists():
                _set_writable(base / "code", True)
    ratios = [f["ratio"]["cpu_best"] for f in out["functions"].values()]
    out["worst_ratio_cpu_best"] = max(ratios) if ratios else None
    out["all_meet_target"] = all(f["meets_target"] for f in out["functions"].values())
    return out


def _project_root() -> str:
    from openevent.local.functions import functions_dir

    return str(functions_dir().parent)


__all__ = ["ANCHOR", "DEFAULT_PYTHON", "SAMPLES", "TARGET_RATIO", "child_env", "has_bytecode", "import_breakdown",
           "measure", "parse_importtime", "prepare", "run", "sample_for", "target_version"]
