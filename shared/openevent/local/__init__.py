"""Local stand-ins for cloud services and the FC runtime, for development and tests.

Importing it registers the fakes' demo key for loopback DataWorks endpoints
(:mod:`openevent.local.demo_keys`); function packages never contain this package.
"""

from openevent.local import demo_keys as _demo_keys

_demo_keys.register()
