"""Provider secrets at rest: each secret is stored as `{"$fernet": token}`, encrypted with a
key derived from REMIT_SECRET_KEY, so the database and its backups hold no readable secret.

The Fernet key is derived with HKDF-SHA256 rather than PBKDF2: REMIT_SECRET_KEY is already a
random key (generated, or chosen by the operator), not a password, so a slow stretching
function adds nothing but start-up time; HKDF's `info` keeps this key apart from anything
else the same secret signs. Several keys are accepted (MultiFernet): the first encrypts,
every one decrypts, so a key can be rotated by listing the old one until rows are rewritten."""

import base64
from collections.abc import Sequence
from typing import Any

from cryptography.fernet import Fernet, InvalidToken, MultiFernet
from cryptography.hazmat.primitives import hashes
from cryptography.hazmat.primitives.kdf.hkdf import HKDF
from pydantic import SecretStr

MARK = "$fernet"
_INFO = b"remit provider settings"


def fernet_key(secret: str, info: bytes = _INFO) -> bytes:
    """A Fernet key from `secret`, for the use `info` names: each use its own key."""
    derived = HKDF(algorithm=hashes.SHA256(), length=32, salt=None, info=info).derive(
        secret.encode()
    )
    return base64.urlsafe_b64encode(derived)


def fernet(secrets: Sequence[str], info: bytes) -> MultiFernet:
    """Encrypts with a key from the first of `secrets`, decrypts with a key from any."""
    if not secrets:
        raise ValueError("sealing needs at least one secret key")
    return MultiFernet([Fernet(fernet_key(secret, info)) for secret in secrets])


class Sealer:
    """Encrypts with the first of `secrets`, decrypts with any of them."""

    def __init__(self, secrets: Sequence[str]) -> None:
        self._fernet = fernet(secrets, _INFO)

    def seal(self, value: str) -> dict:
        return {MARK: self._fernet.encrypt(value.encode()).decode()}

    def open(self, sealed: dict) -> str:
        try:
            return self._fernet.decrypt(sealed[MARK].encode()).decode()
        except InvalidToken:
            raise ValueError("a stored secret was sealed with a key no longer configured") from None


def is_sealed(value: Any) -> bool:
    return isinstance(value, dict) and set(value) == {MARK} and isinstance(value[MARK], str)


def sealed(value: Any, sealer: Sealer) -> Any:
    """A model dump (python mode) ready to store: every SecretStr sealed."""
    if isinstance(value, SecretStr):
        return sealer.seal(value.get_secret_value())
    if isinstance(value, dict):
        return {key: sealed(item, sealer) for key, item in value.items()}
    if isinstance(value, list):
        return [sealed(item, sealer) for item in value]
    return value


def opened(value: Any, sealer: Sealer) -> Any:
    """Stored settings with every sealed secret decrypted; plain values pass unchanged."""
    if is_sealed(value):
        return sealer.open(value)
    if isinstance(value, dict):
        return {key: opened(item, sealer) for key, item in value.items()}
    if isinstance(value, list):
        return [opened(item, sealer) for item in value]
    return value
