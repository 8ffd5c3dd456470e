"""Small pieces shared by every app: the domain error type."""
