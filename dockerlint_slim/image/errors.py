"""The one error every image reader raises for input it cannot read."""


class ImageError(Exception):
    """The input cannot be read as an image (missing, malformed, unsupported, not verified): the command exits 2
    with this one-line message."""
