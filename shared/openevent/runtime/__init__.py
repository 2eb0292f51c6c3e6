"""Runtime helpers shared by every function: context, credentials, config, logging, redaction."""
