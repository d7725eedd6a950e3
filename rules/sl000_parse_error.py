"""What it does
Reports what stops the Dockerfile from being read or built: an unknown instruction, an unterminated heredoc,
a malformed flag or `--mount`, a bad parser directive, a file that is not UTF-8 text.

Why is this bad?
BuildKit refuses the whole file. slimlint reports the problem and still lints the rest of the file.

Example
```dockerfile
FROM alpine
RUN <<EOF
apk add --no-cache curl
```

Use instead
```dockerfile
FROM alpine
RUN <<EOF
apk add --no-cache curl
EOF
```
"""

from dockerlint_slim.diagnostics import Finding

ID = "SL000"
NAME = "parse-error"
SEVERITY = "error"
SUMMARY = "The Dockerfile cannot be parsed or built as written"
TAGS = ("correctness",)


def check(target):
    for error in target.dockerfile.parse_errors:
        yield Finding(error.span, error.message)
