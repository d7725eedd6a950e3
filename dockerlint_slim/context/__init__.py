"""The build context: `.dockerignore` semantics and a one-pass, lstat-only scan of what BuildKit would send."""

from dockerlint_slim.context.dockerignore import DockerignoreError, IgnoreMatcher, load_dockerignore, parse_dockerignore
from dockerlint_slim.context.scan import BuildContext, ContextError, Entry, scan_context

__all__ = [
    "BuildContext",
    "ContextError",
    "DockerignoreError",
    "Entry",
    "IgnoreMatcher",
    "load_dockerignore",
    "parse_dockerignore",
    "scan_context",
]
