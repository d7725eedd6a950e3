"""Real podman builds of Dockerfiles, measured and compared with slimlint's predictions (see run.py)."""
