"""Ship the project's templates/, assets/ and the data files' JSON Schema inside the package,
as report/_project/.

Everything else is in pyproject.toml. A source checkout uses the top-level folders directly;
an installed package (`pip install .`) finds its copy here (see `report.PROJECT_ROOT`).
"""

import shutil
from pathlib import Path

from setuptools import setup
from setuptools.command.build_py import build_py

PROJECT_FILES = ("templates", "assets", "briefing.schema.json")


class BuildWithProjectFiles(build_py):
    """The usual build, plus a copy of the PROJECT_FILES below report/_project/."""

    def run(self):
        super().run()
        for name in PROJECT_FILES:
            source = Path(__file__).parent / name
            target = Path(self.build_lib, "report", "_project", name)
            shutil.rmtree(target, ignore_errors=True)
            if source.is_dir():
                shutil.copytree(source, target)
            else:
                shutil.copy2(source, target)


setup(cmdclass={"build_py": BuildWithProjectFiles})
