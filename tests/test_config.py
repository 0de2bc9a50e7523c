"""Tests of ``helpers.config``."""

from __future__ import annotations

import pytest

from helpers import config


@pytest.mark.parametrize(("quick", "env", "expected"), [(None, "1", True), (None, "0", False), (None, None, False),
                                                         (True, "0", True), (False, "1", False)])
def test_quick_setting(monkeypatch, quick, env, expected):
    if env is None:
        monkeypatch.delenv(config.QUICK_ENV, raising=False)
    else:
        monkeypatch.setenv(config.QUICK_ENV, env)
    assert config.quick_setting(quick) is expected

