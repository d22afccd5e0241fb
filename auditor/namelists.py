"""Given names and surnames from Faker's person providers: one list for detection and inversion.

Faker (MIT licence, a dependency) ships names for about 80 locales. Name detection folds them
into lookup keys (`detect.names`); oracle-guided inversion proposes them as values
(`inversion.attack.lexicon`). Both read them here, from the installed package, never a download.
"""

from __future__ import annotations

import functools
import importlib
import pkgutil

_GIVEN_ATTRS: tuple[str, ...] = (
    "first_names",
    "first_names_male",
    "first_names_female",
    "first_names_nonbinary",
    "first_romanized_names",
)
_SURNAME_ATTRS = ("last_names", "last_names_male", "last_names_female", "last_romanized_names")


@functools.cache
def faker_names() -> tuple[frozenset[str], frozenset[str]]:
    """(given names, surnames) of every Faker person provider, as written there (any script)."""
    import faker.providers.person as person

    given: set[str] = set()
    surnames: set[str] = set()
    for module in pkgutil.iter_modules(person.__path__):
        if not module.ispkg:
            continue
        provider = importlib.import_module(f"{person.__name__}.{module.name}").Provider
        for attrs, into in ((_GIVEN_ATTRS, given), (_SURNAME_ATTRS, surnames)):
            for attr in attrs:
                # Class attributes only: some locales define a list as a property.
                value = next((c.__dict__[attr] for c in provider.__mro__ if attr in c.__dict__), None)
                if isinstance(value, tuple | list | dict | set | frozenset):
                    into.update(str(v) for v in value)
    return frozenset(given), frozenset(surnames)
