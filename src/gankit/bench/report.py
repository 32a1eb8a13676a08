"""The benchmark's JSON document (results plus the facts of the machine they came from) and
its table for the terminal."""

from __future__ import annotations

import datetime
import os
from typing import Any

from gankit.machine import machine_facts


def document(device: str) -> dict[str, Any]:
    """The JSON skeleton: when, where, and how busy the machine was when measuring started."""
    return {
        "date": datetime.datetime.now().astimezone().isoformat(timespec="seconds"),
        "machine": {
            **machine_facts(device),
            "load_average_start": list(os.getloadavg()),
            # OpenMP's waiting policy decides how badly busy cores hurt (performance.md)
            "omp_wait_policy": os.environ.get("OMP_WAIT_POLICY", "default"),
        },
        "presets": {},
    }


def finish(doc: dict[str, Any]) -> dict[str, Any]:
    # Other jobs on a shared machine skew timings: the load average says how much.
    doc["machine"]["load_average_end"] = list(os.getloadavg())
    return doc


def _settings(perf: dict[str, Any]) -> str:
    """The speed settings a measurement ran with, as this machine chose them."""
    return (
        f"amp={perf['amp']} channels_last={perf['channels_last']} gemm={perf['gemm_conv']} "
        f"subpixel={perf.get('subpixel_conv', 'none')}"
    )


def format_table(doc: dict[str, Any]) -> str:
    m = doc["machine"]
    cpu = f"{m['cpu']} [{m['cpu_id']}]" if m.get("cpu_id") else m["cpu"]
    lines = [
        f"{cpu} ({m.get('capability', '?')}), {m['cpu_count']} cores, "
        f"{m['torch_threads']} torch threads, "
        f"torch {m['torch']}, device {m['device']}; load average "
        f"{m['load_average_start'][0]:.2f} -> {m['load_average_end'][0]:.2f}; "
        f"OMP_WAIT_POLICY {m['omp_wait_policy']}"
    ]
    if doc["presets"]:
        width = max(len("preset"), *map(len, doc["presets"]))
        lines += [
            "",
            f"{'preset':<{width}} {'gankit it/s':>12} {'reference it/s':>15} {'speedup':>8}  "
            "settings",
        ]
        for name, r in doc["presets"].items():
            lines.append(
                f"{name:<{width}} {r['gankit_it_s']:>12.2f} {r['reference_it_s']:>15.2f} "
                f"{r['speedup']:>7.2f}x  {_settings(r['perf'])}"
            )
    if doc.get("pace"):
        width = max(len("benchmark model"), *map(len, doc["pace"]))
        lines += ["", f"{'benchmark model':<{width}} {'s/it':>8} {'it/s':>8}  settings"]
        for label, r in doc["pace"].items():
            lines.append(
                f"{label:<{width}} {r['s_per_it']:>8.4f} {1 / r['s_per_it']:>8.2f}  "
                f"{_settings(r['perf'])}"
            )
    for q in doc.get("time_to_quality", []):
        lines += [
            "",
            f"time to quality ({q['preset']}; FID floor {q['fid_floor']:.2f}, real test images, "
            f"{q['eval_samples']} samples; training seconds, evaluation excluded):",
        ]
        for t in q["targets"]:
            when = (
                f"step {t['step']}, {t['train_seconds']:.1f} s"
                if t["reached"]
                else f"NOT reached in {q['step']} steps"
            )
            lines.append(f"  {t['target']:<22} {when}")
        lines.append(
            f"  last: step {q['step']}, IS {q['is_mean']:.2f}, FID {q['fid']:.2f} "
            f"({q['wall_seconds']:.1f} s wall with evaluation)"
        )
    if "eval" in doc:
        e = doc["eval"]
        calls = ", ".join(f"{s:.1f}" for s in e["suite_seconds"])
        lines += [
            "",
            f"full metric suite on {e['n_samples']} samples: {calls} s "
            f"(first call, then warm); sampling {e['sample_seconds']:.1f} s",
        ]
    return "\n".join(lines)
