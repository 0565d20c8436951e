"""moto server, as `moto_server` starts it, with one speed-up that changes no answer.

moto's EventBridge fills each matched target's event template by parsing eight JSONPath
expressions (moto/events/utils.py, EventTemplateParser.parse), and jsonpath-ng rebuilds its
whole parser on every parse (jsonpath_ng/ext/parser.py: a new LALR table each call). That is
~0.2 s of pure Python per matched event, under the GIL, so every other request to moto waits
too: PutEvents to a matching rule ran at ~4 calls/s however many callers there were. The
parsed expressions are immutable, so remembering them (functools.lru_cache) returns the same
results: one matched PutEvents takes ~14 ms. local/emulators.ts starts moto through this file
when python3 can import moto, else `moto_server` as it is.
"""
import functools
import sys

import jsonpath_ng.ext

jsonpath_ng.ext.parse = functools.lru_cache(maxsize=1024)(jsonpath_ng.ext.parse)

from moto.server import main  # noqa: E402  (after the patch, so moto binds the cached parse)

if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
