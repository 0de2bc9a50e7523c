"""The setup cell's version report, the tested range kept equal to requirements.txt, and the quick setting."""

from __future__ import annotations

import re
from pathlib import Path

import pytest

from helpers import experiments, runtime

ROOT = Path(__file__).resolve().parent.parent


def test_major_minor():
    assert runtime.major_minor("2.20.0") == (2, 20)
    assert runtime.major_minor("3.13.2") == (3, 13)
    assert runtime.major_minor("2.21.0rc1") == (2, 21)
    assert runtime.major_minor("3") == (3, 0)


def test_untested_versions_names_only_the_packages_outside_the_range():
    low_tf, high_tf = runtime.TESTED_VERSIONS["tensorflow"]
    low_k, _ = runtime.TESTED_VERSIONS["keras"]
    assert runtime.untested_versions({"tensorflow": f"{low_tf}.0", "keras": f"{low_k}.2"}) == []
    assert runtime.untested_versions({"tensorflow": f"{high_tf}.9", "keras": f"{low_k}.0"}) == []
    outside = runtime.untested_versions({"tensorflow": "2.19.1", "keras": "4.0.0"})
    assert outside == [f"tensorflow 2.19.1 (tested {low_tf}-{high_tf})",
                       f"keras 4.0.0 (tested {low_k}-{runtime.TESTED_VERSIONS['keras'][1]})"]


def test_report_versions_prints_one_line_and_one_warning_line(monkeypatch, capsys):
    import keras

    line = runtime.report_versions()
    assert line.startswith("Python ") and f"Keras {keras.__version__}" in line
    monkeypatch.setattr(keras, "__version__", "2.15.0")
    runtime.report_versions()
    printed = capsys.readouterr().out.splitlines()
    warnings = [p for p in printed if p.startswith("WARNING")]
    assert len(warnings) == 1 and "keras 2.15.0 (tested" in warnings[0]


def requirement_bounds(path: Path, package: str) -> tuple[str, str]:
    text = path.read_text(encoding="utf-8")
    match = re.search(rf"^{package}>=([\d.]+),<([\d.]+)\s*$", text, re.M)
    assert match, f"{path.name} must give {package} as '{package}>=X.Y,<X.Z'"
    return match.group(1), match.group(2)


@pytest.mark.parametrize("package", sorted(runtime.TESTED_VERSIONS))
def test_requirements_admit_exactly_the_tested_range(package):
    low, below = requirement_bounds(ROOT / "requirements.txt", package)
    tested_low, tested_high = runtime.TESTED_VERSIONS[package]
    assert low == tested_low
    major, minor = runtime.major_minor(tested_high)
    assert below == f"{major}.{minor + 1}"


def test_colab_constraints_pin_the_lowest_tested_versions_and_every_lower_bound():
    pins = dict(re.findall(r"^([A-Za-z0-9_.-]+)==([\w.]+)", (ROOT / ".ci" / "constraints-colab.txt").read_text(), re.M))
    for package, (low, _) in runtime.TESTED_VERSIONS.items():
        assert runtime.major_minor(pins[package]) == runtime.major_minor(low), package
    lower_bounds = dict(re.findall(r"^([A-Za-z0-9_.-]+)>=([\d.]+)", (ROOT / "requirements.txt").read_text(), re.M))
    for package, bound in lower_bounds.items():
        assert package in pins, f".ci/constraints-colab.txt does not pin {package}: its lower bound is untested"
        assert runtime.major_minor(pins[package]) == runtime.major_minor(bound), package


@pytest.mark.parametrize(("quick", "env", "expected"), [(None, "1", True), (None, "0", False), (None, None, False),
                                                         (True, "0", True), (False, "1", False)])
def test_quick_setting(monkeypatch, quick, env, expected):
    if env is None:
        monkeypatch.delenv(runtime.QUICK_ENV, raising=False)
    else:
        monkeypatch.setenv(runtime.QUICK_ENV, env)
    assert runtime.quick_setting(quick) is expected


def test_epochs_cap():
    assert runtime.epochs_cap(True) == runtime.QUICK_EPOCHS
    assert runtime.epochs_cap(True, 30) == runtime.QUICK_EPOCHS
    assert runtime.epochs_cap(False) is None and runtime.epochs_cap(False, 30) == 30


def test_a_quick_model_is_never_taken_for_the_full_one(real_photos_dir):
    full = experiments.final_model_fingerprint(real_photos_dir, 23, "D+ens2+tta")
    quick = experiments.final_model_fingerprint(real_photos_dir, 23, "D+ens2+tta", epochs_cap=runtime.QUICK_EPOCHS)
    assert full != quick and quick["recipe"]["epochs"] == runtime.QUICK_EPOCHS
    assert experiments.final_model_fingerprint(real_photos_dir, 23, "D+ens2+tta", epochs_cap=None) == full


def test_the_installed_kagglehub_downloads_as_the_loader_calls_it():
    """The loader calls ``kagglehub.dataset_download(slug)``: the installed kagglehub (Colab's in the pinned leg)
    must offer it with the dataset handle as its first parameter (no network is used here)."""
    import inspect

    import kagglehub

    parameters = list(inspect.signature(kagglehub.dataset_download).parameters)
    assert parameters[0] == "handle"
