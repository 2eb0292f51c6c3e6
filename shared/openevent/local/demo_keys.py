"""The well-known, non-secret key pair of the local fakes, registered for loopback endpoints.

Importing :mod:`openevent.local` registers it with
:func:`openevent.dataworks.client.use_loopback_credentials`, so a local run pointed at the fake
DataWorks (``DATAWORKS_ENDPOINT=http://127.0.0.1:…``) signs with it. Function packages do not
contain :mod:`openevent.local`, so on FC no demo key exists.

Example:
    >>> LOCAL_DEMO_ACCESS_KEY_ID
    'OpenEventLocalDemoKey01'
"""

LOCAL_DEMO_ACCESS_KEY_ID = "OpenEventLocalDemoKey01"
LOCAL_DEMO_ACCESS_KEY_SECRET = "local-demo-secret-not-a-real-key"


def register() -> None:
    """Let loopback endpoints use the demo key when no credentials are configured."""
    from openevent.dataworks.client import use_loopback_credentials
    from openevent.runtime.credentials import Credentials

    use_loopback_credentials(Credentials(LOCAL_DEMO_ACCESS_KEY_ID, LOCAL_DEMO_ACCESS_KEY_SECRET))
