"""Make the shared fixtures available here even before ``tests/conftest.py`` lists the plugin.

``pytest_plugins`` is only honoured in the top-level conftest, which another change owns. Until it
says ``pytest_plugins = ["tests.support.fixtures"]`` this registers the same plugin (once, under the
same name, so its session-scoped server is shared); afterwards it does nothing and can be deleted.
"""

from __future__ import annotations

import pytest

PLUGIN = "tests.support.fixtures"


def pytest_configure(config: pytest.Config) -> None:
    if not config.pluginmanager.has_plugin(PLUGIN):
        config.pluginmanager.import_plugin(PLUGIN)
