"""Offline knowledge the rules read: package managers, build tools, base images and their tags, measured sizes."""
