"""Public references: the only ids partners ever see (never database primary keys)."""

import secrets

# Crockford base32 without look-alikes: easy to read aloud over the phone to a customs broker.
_ALPHABET = "0123456789ABCDEFGHJKMNPQRSTVWXYZ"


def new_reference(prefix: str, length: int = 10) -> str:
    """A random public reference such as `DEC-7K2M9Q4XTB` (50 bits of entropy at length 10)."""
    return f"{prefix}-" + "".join(secrets.choice(_ALPHABET) for _ in range(length))
