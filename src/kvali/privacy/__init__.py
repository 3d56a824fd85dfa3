"""Pseudonymization: detect names, review them, replace them consistently, keep the key apart."""
