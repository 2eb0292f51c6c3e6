"""Guards: policies, decisions and always-answer callbacks for extension point events."""
