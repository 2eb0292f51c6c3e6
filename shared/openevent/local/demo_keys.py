"""The well-known, non-secret key pair of the local fakes (used only against a loopback endpoint).

Example:
    >>> LOCAL_DEMO_ACCESS_KEY_ID
    'OpenEventLocalDemoKey01'
"""

LOCAL_DEMO_ACCESS_KEY_ID = "OpenEventLocalDemoKey01"
LOCAL_DEMO_ACCESS_KEY_SECRET = "local-demo-secret-not-a-real-key"
