"""Tests of ``helpers.infra.versions``."""

from __future__ import annotations

import re
from pathlib import Path

import pytest

from helpers.infra import versions

ROOT = Path(__file__).resolve().parent.parent


def requirement_bounds(path: Path, package: str) -> tuple[str, str]:
    text = path.read_text(encoding="utf-8")
    match = re.search(rf"^{package}>=([\d.]+),<([\d.]+)\s*$", text, re.M)
    assert match, f"{path.name} must give {package} as '{package}>=X.Y,<X.Z'"
    return match.group(1), match.group(2)


def test_major_minor():
    assert versions.major_minor("2.20.0") == (2, 20)
    assert versions.major_minor("3.13.2") == (3, 13)
    assert versions.major_minor("2.21.0rc1") == (2, 21)
    assert versions.major_minor("3") == (3, 0)


def test_untested_versions_names_only_the_packages_outside_the_range():
    low_tf, high_tf = versions.TESTED_VERSIONS["tensorflow"]
    low_k, _ = versions.TESTED_VERSIONS["keras"]
    assert versions.untested_versions({"tensorflow": f"{low_tf}.0", "keras": f"{low_k}.2"}) == []
    assert versions.untested_versions({"tensorflow": f"{high_tf}.9", "keras": f"{low_k}.0"}) == []
    outside = versions.untested_versions({"tensorflow": "2.19.1", "keras": "4.0.0"})
    assert outside == [f"tensorflow 2.19.1 (tested {low_tf}-{high_tf})",
                       f"keras 4.0.0 (tested {low_k}-{versions.TESTED_VERSIONS['keras'][1]})"]


def test_report_versions_prints_one_line_and_one_warning_line(monkeypatch, capsys):
    import keras

    versions.report_versions()
    line = capsys.readouterr().out
    assert line.startswith("Python ") and f"Keras {keras.__version__}" in line
    monkeypatch.setattr(keras, "__version__", "2.15.0")
    versions.report_versions()
    printed = capsys.readouterr().out.splitlines()
    warnings = [p for p in printed if p.startswith("WARNING")]
    assert len(warnings) == 1 and "keras 2.15.0 (tested" in warnings[0]


@pytest.mark.parametrize("package", sorted(versions.TESTED_VERSIONS))
def test_requirements_admit_exactly_the_tested_range(package):
    low, below = requirement_bounds(ROOT / "requirements.txt", package)
    tested_low, tested_high = versions.TESTED_VERSIONS[package]
    assert low == tested_low
    major, minor = versions.major_minor(tested_high)
    assert below == f"{major}.{minor + 1}"


def test_colab_constraints_pin_the_lowest_tested_versions_and_every_lower_bound():
    pins = dict(re.findall(r"^([A-Za-z0-9_.-]+)==([\w.]+)", (ROOT / ".ci" / "constraints-colab.txt").read_text(), re.M))
    for package, (low, _) in versions.TESTED_VERSIONS.items():
        assert versions.major_minor(pins[package]) == versions.major_minor(low), package
    lower_bounds = dict(re.findall(r"^([A-Za-z0-9_.-]+)>=([\d.]+)", (ROOT / "requirements.txt").read_text(), re.M))
    for package, bound in lower_bounds.items():
        assert package in pins, f".ci/constraints-colab.txt does not pin {package}: its lower bound is untested"
        assert versions.major_minor(pins[package]) == versions.major_minor(bound), package
