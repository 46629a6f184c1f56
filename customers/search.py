"""Finding customers by what staff type: every word, any order, accents and case aside.

One stored column, ``Customer.search_text``, holds the customer's words folded by
``core.text`` (no accents, case-folded), each preceded by a space:

    " belen bermejo cespedes b.cespedes@x.es b cespedes @x.es 34600123456"

that is the first and last names' words, the e-mail whole, the words of its local
part and its "@domain", and the digits of the phone and of the mobile. The typed text
is folded the same way and each of its words must start a word of the column
(``search_text LIKE '% belen%'``); a number is found anywhere in the column
(``LIKE '%600123%'``), and a text made only of digits and phone punctuation
("+34 600-123 456") is one number. On PostgreSQL a pg_trgm GIN index on the column
serves both patterns (migration 0015); on SQLite the LIKE scans the table.

Everything that searches customers by name, e-mail or phone goes through
``customer_search_q``; everything that writes a customer's names, e-mail or phone
without ``Customer.save()`` (COPY, ``bulk_create``, ``bulk_update``,
``QuerySet.update``) fills the column with ``customer_search_text``.
"""

import re
from dataclasses import dataclass

from django.db.models import Q

from core.text import search_text_normalise, text_fold

# The customer fields the column is built from (their attribute names).
SEARCH_TEXT_SOURCES = ("first_name", "last_name", "email", "phone", "mobile")
# What the search boxes accept (longer text gets the form's "at most" message).
SEARCH_MAX_LENGTH = 200
# Words after these are ignored: each word is one more LIKE on every candidate row.
SEARCH_MAX_TERMS = 8
# A number shorter than this is matched as the start of a word, like any word: a
# pattern "%12%" gives the trigram index nothing to look up.
NUMBER_ANYWHERE_MIN_DIGITS = 3

_PHONE_TEXT = re.compile(r"[0-9\s+\-().\/]+")
_NOT_DIGIT = re.compile(r"[^0-9]")


def _digits(text: str) -> str:
    # Folding first turns full-width and other compatibility digits into ASCII.
    return _NOT_DIGIT.sub("", text_fold(text))


def customer_search_text(
    *,
    first_name: str = "",
    last_name: str = "",
    email: str = "",
    phone: str = "",
    mobile: str = "",
) -> str:
    """The value of ``Customer.search_text`` for these fields."""
    words = search_text_normalise(first_name, last_name).split()
    address = text_fold(email.strip())
    if address:
        words.append(address)
        local_part, at, domain = address.rpartition("@")
        if at:
            # "b.cespedes" is found by "cespedes" too.
            words.extend(search_text_normalise(local_part.replace(".", " ")).split())
            if domain:
                words.append(f"@{domain}")
    words.extend(number for number in (_digits(phone), _digits(mobile)) if number)
    unique = list(dict.fromkeys(words))
    return "".join(f" {word}" for word in unique)


@dataclass(frozen=True)
class SearchTerm:
    text: str
    anywhere: bool  # False: must start a word

    @property
    def pattern(self) -> str:
        """What ``search_text`` must contain (Django's ``contains`` escapes it)."""
        return self.text if self.anywhere else f" {self.text}"


def _number_term(digits: str) -> SearchTerm:
    return SearchTerm(digits, anywhere=len(digits) >= NUMBER_ANYWHERE_MIN_DIGITS)


def search_terms(value: str) -> list[SearchTerm]:
    """The terms that a typed search means, at most ``SEARCH_MAX_TERMS``."""
    value = value.strip()
    if not value:
        return []
    if _PHONE_TEXT.fullmatch(value) and _digits(value):
        return [_number_term(_digits(value))]
    terms: list[SearchTerm] = []
    for token in value.split():
        if "@" in token:
            # An e-mail (or its start, or "@domain"): matched whole, as typed.
            terms.append(SearchTerm(text_fold(token), anywhere=False))
        elif _PHONE_TEXT.fullmatch(token) and _digits(token):
            terms.append(_number_term(_digits(token)))
        else:
            for word in search_text_normalise(token).split():
                if word.isascii() and word.isdigit():
                    terms.append(_number_term(word))
                else:
                    terms.append(SearchTerm(word, anywhere=False))
    unique = list(dict.fromkeys(terms))
    # "be belen": a word starting with "belen" starts with "be" too.
    needed = [
        term
        for term in unique
        if term.anywhere
        or not any(
            other != term and not other.anywhere and other.text.startswith(term.text)
            for other in unique
        )
    ]
    return needed[:SEARCH_MAX_TERMS]


def customer_search_q(value: str, *, prefix: str = "") -> Q:
    """Customers matching every term of ``value`` (everybody for a blank one).

    ``prefix`` reaches the customer through a relation: ``"customer__"`` for orders.
    """
    terms = search_terms(value)
    if value.strip() and not terms:
        # Only separators typed ("-", "%"): nobody matches, rather than everybody.
        return Q(pk__in=[])
    condition = Q()
    for term in terms:
        condition &= Q(**{f"{prefix}search_text__contains": term.pattern})
    return condition
