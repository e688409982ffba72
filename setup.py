"""Ships the example configuration and the systemd unit inside the package.

They live where people look for them in the repository (config/, deploy/); the build copies
them into ``monitor/examples/`` so that an installed relmon can print them
(``relmon config example``) and install the service (``relmon install-service``).
Everything else about the package is in pyproject.toml.
"""

from __future__ import annotations

import shutil
from pathlib import Path

from setuptools import setup
from setuptools.command.build_py import build_py

HERE = Path(__file__).resolve().parent
SHIPPED = ("config/relmon.example.toml", "deploy/relmon.service")


class BuildWithExamples(build_py):
    def run(self) -> None:
        super().run()
        target = Path(self.build_lib) / "monitor" / "examples"
        target.mkdir(parents=True, exist_ok=True)
        for name in SHIPPED:
            shutil.copyfile(HERE / name, target / Path(name).name)


setup(cmdclass={"build_py": BuildWithExamples})
