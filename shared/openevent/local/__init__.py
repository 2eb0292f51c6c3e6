"""Local stand-ins for cloud services and the FC runtime, for development and tests."""
