"""Source text → Dockerfile model: instructions with typed fields and spans, stages, ARG/ENV scoping, shell commands.

`lexer` splits the text exactly as BuildKit does; this module types each instruction, applies variable
substitution where BuildKit applies it, builds the stages and reads RUN scripts into shell commands.
"""

from __future__ import annotations

from dockerlint_slim.parser.build import decode_source, parse_dockerfile

__all__ = ["parse_dockerfile", "decode_source"]
