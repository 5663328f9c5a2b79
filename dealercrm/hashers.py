"""Argon2id at a cost sized for the dealer's server (issue 19); settings.PASSWORD_HASHERS says why.

Same algorithm name as Django's hasher ("argon2"), so every stored hash, whatever its
parameters (they are written into the hash), still verifies; a hash made with other
parameters is rewritten at these on the user's next successful login (Django's
`must_update`), with no reset and nothing for the user to do.
"""

from __future__ import annotations

from django.contrib.auth.hashers import Argon2PasswordHasher as DjangoArgon2PasswordHasher


class Argon2PasswordHasher(DjangoArgon2PasswordHasher):
    # OWASP's first Argon2id configuration (Password Storage Cheat Sheet): 19 MiB, 2 passes,
    # one lane. Django's default is 100 MiB, 2 passes, 8 lanes.
    memory_cost = 19_456  # KiB
    time_cost = 2
    parallelism = 1
