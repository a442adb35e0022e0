pytest_plugins = ["smile_common.testing.plugin"]
