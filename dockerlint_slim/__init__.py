"""slimlint: find what makes container images fat, before the build."""

__version__ = "0.1.0"

# Rule pages live at f"{DOCS_URL}rules/<id>-<name>/" (SARIF helpUri).
DOCS_URL = "https://slimlint.github.io/slimlint/"
