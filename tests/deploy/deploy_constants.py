"""Constants shared by the deploy tests and their fixtures (a uniquely named module, not conftest)."""

from pathlib import Path

FIXTURES = Path(__file__).parent / "fixtures"
ACCESS_KEY_ID = "test-access-key-id"
ACCESS_KEY_SECRET = "test-access-key-secret-value"
ACCOUNT_ID = "1234567890123456"
BUS = "openevent"
