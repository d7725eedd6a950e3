"""Built-in slimlint rules, one module per rule (installed as `dockerlint_slim.rules`)."""
