# Beam's --setup_file needs a setup.py; everything is declared in pyproject.toml.
from setuptools import setup

setup()
