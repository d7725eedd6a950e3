"""tree-sitter's Parser is not safe to share between threads (it releases the GIL while parsing): the language
server parses on worker threads while other code parses on the main thread."""

import threading

from dockerlint_slim.shell.script import _get_parser, parse_script


def test_each_thread_parses_with_its_own_parser():
    main_parser, main_query = _get_parser()
    seen = {}

    def work():
        seen["parser"], seen["query"] = _get_parser()
        seen["commands"] = [c.argv for c in parse_script("apt-get update && rm -rf /x", lambda o: (1, o + 1))]

    thread = threading.Thread(target=work)
    thread.start()
    thread.join()
    assert seen["parser"] is not main_parser
    assert seen["query"] is main_query
    assert seen["commands"] == [("apt-get", "update"), ("rm", "-rf", "/x")]
    assert _get_parser()[0] is main_parser
