"""moto server, as `moto_server` starts it, with one speed-up that changes no answer.

moto's EventBridge fills each matched target's event template by parsing eight JSONPath
expressions (moto/events/utils.py, EventTemplateParser.parse), and jsonpath-ng rebuilds its
whole parser on every parse (jsonpath_ng/ext/parser.py: a new LALR table each call). That is
~0.2 s of pure Python per matched event, under the GIL, so every other request to moto waits
too: PutEvents to a matching rule ran at ~4 calls/s however many callers there were. The
parsed expressions are immutable, so remembering them (functools.lru_cache) returns the same
results: one matched PutEvents takes ~14 ms.

Per request, moto's server also finds the backend for the request's host by listing its own
package directory (moto/backends.py, list_of_moto_modules: an isdir per entry) and then trying
its URL patterns one by one (moto_server/werkzeug_app.py, get_backend_for_host), and logs a
request line through werkzeug's logger. The directory and the patterns do not change while it
runs, so both lookups are remembered per host; request lines are not logged (exceptions
inside moto still are).
Under the local load benchmark these were moto's largest costs after the parser.

local/emulators.ts starts moto through this file when python3 can import moto, else
`moto_server` as it is.
"""
import functools
import sys

import jsonpath_ng.ext

jsonpath_ng.ext.parse = functools.lru_cache(maxsize=1024)(jsonpath_ng.ext.parse)

import logging  # noqa: E402

from moto import backends  # noqa: E402
from moto.moto_server.werkzeug_app import DomainDispatcherApplication  # noqa: E402

_moto_modules = tuple(backends.list_of_moto_modules())
backends.list_of_moto_modules = lambda: _moto_modules
DomainDispatcherApplication.get_backend_for_host = functools.lru_cache(maxsize=4096)(
    DomainDispatcherApplication.get_backend_for_host
)
logging.getLogger("werkzeug").setLevel(logging.WARNING)

from moto.server import main  # noqa: E402  (after the patches, so moto binds the cached functions)

if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
