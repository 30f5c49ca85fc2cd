"""Packaging hook: compile the translation catalogues (.po → .mo) whenever the project is built
or installed (``pip install .`` and ``pip install -e .`` alike), so the app has them wherever it
is installed. Everything else about the package is in pyproject.toml."""

import importlib.util
from pathlib import Path

from setuptools import setup
from setuptools.command.build_py import build_py

ROOT = Path(__file__).resolve().parent


def _catalogues_module():
    # Loaded by path: importing the shop package would need Flask, absent at build time.
    spec = importlib.util.spec_from_file_location("_catalogues", ROOT / "shop" / "catalogues.py")
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


class BuildPyWithTranslations(build_py):
    def run(self):
        _catalogues_module().compile_catalogues(ROOT / "shop" / "translations")
        super().run()


setup(cmdclass={"build_py": BuildPyWithTranslations})
