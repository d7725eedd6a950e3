"""Autofix: what a fix's text edits do to a text (`apply`), and the edit builders rules call to make them (`edits`).

A rule never builds replacement text by hand: it asks a builder (append a command to a RUN, insert a flag after a
package manager's subcommand, join RUNs, remove an instruction, change a FROM image, ...) for the edits of its
`Fix`. Applying edits is a pure function of a text (`apply.apply_edits`), so the command line's `--fix` and an
editor's quick fix produce the same result. `engine/fixer.py` runs the passes over a file.
"""
