"""What a measurement records of the machine it was made on."""

from __future__ import annotations

from pathlib import Path

import pytest

from gankit import machine
from gankit.report.run_report import machine_label, machines_label

# Two processors of a 2-core Zen 4 VM, as its /proc/cpuinfo lists them (fields trimmed).
CPUINFO = """processor\t: 0
vendor_id\t: AuthenticAMD
cpu family\t: 25
model\t\t: 17
model name\t: AMD EPYC
stepping\t: 1
flags\t\t: fpu avx2 avx512f avx512_bf16

processor\t: 1
vendor_id\t: AuthenticAMD
cpu family\t: 26
model\t\t: 2
model name\t: another CPU
stepping\t: 0
"""


def test_the_cpu_is_named_by_family_and_model_besides_its_name(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    (tmp_path / "cpuinfo").write_text(CPUINFO)
    monkeypatch.setattr(machine, "CPUINFO", tmp_path / "cpuinfo")
    assert machine.cpu_model() == "AMD EPYC"  # the first processor's, not the last one's
    assert machine.cpu_id() == "AuthenticAMD family 25 model 17 stepping 1"
    facts = machine.machine_facts()
    assert facts["cpu_id"] == machine.cpu_id()
    assert machine_label(facts).startswith(
        "AMD EPYC [AuthenticAMD family 25 model 17 stepping 1] ("
    )


def test_without_cpuinfo_the_id_is_empty_and_labels_stay_as_before(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(machine, "CPUINFO", tmp_path / "absent")
    assert machine.cpu_id() == ""
    assert machine.cpu_model()  # platform's answer
    old_record = {"cpu": "AMD EPYC", "capability": "AVX2", "torch_threads": 2, "torch": "2.13.0"}
    assert machine_label(old_record) == "AMD EPYC (AVX2, 2 threads, torch 2.13.0)"


def test_a_machine_recorded_again_with_more_detail_is_named_once() -> None:
    older = {"cpu": "AMD EPYC", "capability": "AVX512", "torch_threads": 2, "torch": "2.13.0"}
    newer = {**older, "cpu_id": "AuthenticAMD family 25 model 17 stepping 1"}
    other = {**older, "capability": "AVX2"}
    assert machines_label([older, newer]) == machine_label(newer)
    both = f"{machine_label(newer)}; {machine_label(other)}"
    assert machines_label([older, newer, other]) == both
    assert machines_label([older]) == machine_label(older)
