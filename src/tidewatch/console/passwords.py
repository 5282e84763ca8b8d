"""Password hashing (argon2id) and generated passwords."""
from __future__ import annotations

import secrets

from argon2 import PasswordHasher
from argon2.exceptions import InvalidHashError, VerificationError, VerifyMismatchError

MIN_LENGTH = 12
_ALPHABET = "abcdefghijkmnopqrstuvwxyzABCDEFGHJKLMNPQRSTUVWXYZ23456789"


def make_hasher(time_cost: int = 3, memory_kib: int = 65536) -> PasswordHasher:
    """argon2id with the library's recommended settings unless told otherwise (tests use cheap ones)."""
    return PasswordHasher(time_cost=time_cost, memory_cost=memory_kib, parallelism=4)


def check(hasher: PasswordHasher, stored: str, password: str) -> bool:
    try:
        return hasher.verify(stored, password)
    except (VerifyMismatchError, VerificationError, InvalidHashError):
        return False


def generate_password(length: int = 20) -> str:
    """A random password without look-alike characters (0/O, 1/l/I), to print once."""
    return "".join(secrets.choice(_ALPHABET) for _ in range(length))


def password_problem(password: str) -> str | None:
    """Why a chosen password is refused, or None."""
    if len(password) < MIN_LENGTH:
        return f"use at least {MIN_LENGTH} characters"
    if len(password) > 1024:
        return "use at most 1,024 characters"
    return None
