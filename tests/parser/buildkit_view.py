"""Our lexer's instructions in the shape of the `dockerfile` package (BuildKit's parser), for parity tests."""

from dockerlint_slim.parser.lexer import lex


def buildkit_view(text: str) -> list[tuple]:
    view = []
    for raw in lex(text).instructions:
        node = raw.sub if raw.sub is not None else raw
        # The oracle shows a node's own heredocs only: those of `ONBUILD RUN <<EOF` sit on the trigger (BuildKit's
        # child node), which it does not expose, so compare the ONBUILD node's own (none) for it.
        heredocs = tuple((h.name, h.file_descriptor, h.content) for h in raw.heredocs)
        view.append(
            (
                raw.written_keyword or None,
                raw.sub.written_keyword if raw.sub else None,
                node.json_form,
                raw.start_line,
                raw.end_line,
                tuple(f.text for f in raw.flags),
                tuple(node.values),
                heredocs,
            )
        )
    return view


def _utf8(flag: str) -> str:
    """BuildKit's flag extractor walks bytes, not runes, so non-ASCII flag text comes back as Latin-1 mojibake.
    We keep the real text; compare against the oracle's flags decoded back."""
    try:
        return flag.encode("latin-1").decode("utf-8")
    except UnicodeError:
        return flag


def oracle_view(text: str) -> list[tuple]:
    import dockerfile

    view = []
    for c in dockerfile.parse_string(text):
        heredocs = tuple((h.name, h.file_descriptor, h.content) for h in c.heredocs)
        view.append((c.cmd, c.sub_cmd, c.json, c.start_line, c.end_line, tuple(_utf8(f) for f in c.flags), tuple(c.value), heredocs))
    return view
