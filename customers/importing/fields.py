"""The customer fields a CSV column can fill, and the column names that mean them.

Names are compared normalised (accents, case, spaces and punctuation dropped), so
"Correo electrónico", "CORREO ELECTRONICO" and "correo_electronico" are one name.
"""

from __future__ import annotations

import re
import unicodedata
from dataclasses import dataclass
from typing import Any

from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy


@dataclass(frozen=True)
class ImportField:
    name: str
    label: Any
    kind: str = "text"  # text, email, date, country, sex, language, url
    max_length: int | None = None
    # Column names in English, Spanish, Italian and Portuguese, separated by "|".
    synonyms: str = ""


FIELDS: tuple[ImportField, ...] = (
    ImportField(
        "email",
        gettext_lazy("e-mail"),
        "email",
        254,
        "email|e-mail|e mail|mail|email address|e-mail address|correo"
        "|correo electrónico|correo-e|email de contacto|dirección de correo"
        "|dirección de correo electrónico|posta elettronica|indirizzo email"
        "|indirizzo e-mail|indirizzo di posta elettronica|correio eletrônico"
        "|correio electrónico|endereço de email|endereço de e-mail",
    ),
    ImportField(
        "first_name",
        gettext_lazy("first name"),
        max_length=150,
        synonyms="first name|firstname|given name|forename|nombre|nombre de pila"
        "|nome|nome proprio|primeiro nome",
    ),
    ImportField(
        "last_name",
        gettext_lazy("last name"),
        max_length=150,
        synonyms="last name|lastname|surname|family name|apellido|apellidos"
        "|primer apellido|cognome|sobrenome|apelido|último nome",
    ),
    ImportField(
        "phone",
        gettext_lazy("phone"),
        max_length=40,
        synonyms="phone|telephone|phone number|telephone number|tel|teléfono"
        "|número de teléfono|teléfono fijo|telefono|numero di telefono"
        "|telefono fisso|telefone|telefone fixo",
    ),
    ImportField(
        "mobile",
        gettext_lazy("mobile"),
        max_length=40,
        synonyms="mobile|mobile phone|mobile number|cell|cell phone|cellphone"
        "|móvil|teléfono móvil|celular|cellulare|telemóvel|telefone celular",
    ),
    ImportField(
        "website",
        gettext_lazy("website"),
        "url",
        200,
        "website|web site|web|url|homepage|sitio web|página web|sito web"
        "|sito internet|site",
    ),
    ImportField(
        "birth_date",
        gettext_lazy("birth date"),
        "date",
        synonyms="birth date|birthdate|date of birth|dob|birthday"
        "|fecha de nacimiento|fecha nacimiento|nacimiento|data di nascita"
        "|data nascita|data de nascimento|nascimento",
    ),
    ImportField(
        "sex",
        gettext_lazy("sex"),
        "sex",
        synonyms="sex|gender|sexo|género|sesso|genere|gênero",
    ),
    ImportField(
        "language",
        gettext_lazy("preferred language"),
        "language",
        synonyms="language|lang|preferred language|idioma|lengua|idioma preferido"
        "|lingua|lingua preferita",
    ),
    ImportField(
        "address",
        gettext_lazy("address"),
        max_length=255,
        synonyms="address|street|street address|address line 1|address 1"
        "|dirección|domicilio|calle|indirizzo|via|endereço|morada|rua|logradouro",
    ),
    ImportField(
        "city",
        gettext_lazy("city"),
        max_length=120,
        synonyms="city|town|ciudad|localidad|población|municipio|città|comune"
        "|località|cidade|concelho",
    ),
    ImportField(
        "region",
        gettext_lazy("region"),
        max_length=120,
        synonyms="region|state|province|county|state/province|región|provincia"
        "|comunidad autónoma|regione|região|estado|distrito|uf",
    ),
    ImportField(
        "postal_code",
        gettext_lazy("postal code"),
        max_length=20,
        synonyms="postal code|postcode|post code|zip|zip code|zipcode"
        "|código postal|cod. postal|cp|c.p.|cap|c.a.p.|codice postale|cep",
    ),
    ImportField(
        "country",
        gettext_lazy("country"),
        "country",
        2,
        "country|country code|país|nación|paese|nazione|stato",
    ),
    ImportField(
        "company_name",
        gettext_lazy("company name"),
        max_length=200,
        synonyms="company|company name|organisation|organization|business name"
        "|razón social|empresa|nombre de la empresa|compañía|ragione sociale"
        "|azienda|società|denominazione|razão social|nome da empresa",
    ),
    ImportField(
        "vat_number",
        gettext_lazy("VAT number"),
        max_length=40,
        synonyms="vat|vat number|vat no|vat id|cif|nif-iva|número de iva"
        "|partita iva|p. iva|piva|cnpj|nipc",
    ),
    ImportField(
        "fiscal_code",
        gettext_lazy("fiscal code"),
        max_length=40,
        synonyms="fiscal code|tax code|tax id|tax number|nif|dni|nie|código fiscal"
        "|codice fiscale|cf|c.f.|cpf|número de contribuinte|contribuinte",
    ),
    ImportField(
        "billing_address",
        gettext_lazy("billing address"),
        max_length=255,
        synonyms="billing address|invoice address|dirección de facturación"
        "|dirección fiscal|indirizzo di fatturazione|indirizzo fatturazione"
        "|endereço de cobrança|endereço de faturação|endereço de faturamento",
    ),
    ImportField(
        "billing_city",
        gettext_lazy("billing city"),
        max_length=120,
        synonyms="billing city|ciudad de facturación|città di fatturazione"
        "|cidade de cobrança|cidade de faturação",
    ),
    ImportField(
        "billing_region",
        gettext_lazy("billing region"),
        max_length=120,
        synonyms="billing region|billing state|billing province"
        "|provincia de facturación|provincia di fatturazione|estado de cobrança",
    ),
    ImportField(
        "billing_postal_code",
        gettext_lazy("billing postal code"),
        max_length=20,
        synonyms="billing postal code|billing postcode|billing zip"
        "|código postal de facturación|cap di fatturazione|cep de cobrança",
    ),
    ImportField(
        "billing_country",
        gettext_lazy("billing country"),
        "country",
        2,
        "billing country|país de facturación|paese di fatturazione|país de cobrança",
    ),
)
FIELDS_BY_NAME = {import_field.name: import_field for import_field in FIELDS}


def header_normalize(text: str) -> str:
    """Lower-case ASCII letters and digits only ("Código postal" → "codigopostal").

    A note in brackets ("E-mail (required)") and asterisks are dropped first.
    """
    text = re.sub(r"\(.*?\)|\[.*?\]|\*", "", text or "")
    decomposed = unicodedata.normalize("NFKD", text)
    ascii_text = "".join(c for c in decomposed if not unicodedata.combining(c))
    return re.sub(r"[^a-z0-9]", "", ascii_text.lower())


def _synonym_index() -> dict[str, str]:
    index: dict[str, str] = {}
    for import_field in FIELDS:
        names = [import_field.name, *import_field.synonyms.split("|")]
        for name in names:
            index.setdefault(header_normalize(name), import_field.name)
    return index


SYNONYMS = _synonym_index()


def mapping_propose(headers: list[str]) -> dict[str, str]:
    """Column index (as text, the way JSON keeps it) → customer field name.

    A field goes to the first column that names it; a column nobody recognises is
    left out (not imported).
    """
    mapping: dict[str, str] = {}
    taken: set[str] = set()
    for index, header in enumerate(headers):
        name = SYNONYMS.get(header_normalize(header))
        if name and name not in taken:
            mapping[str(index)] = name
            taken.add(name)
    return mapping


def mapping_problems(
    mapping: dict[str, str], headers: list[str]
) -> tuple[dict[str, str], list[str]]:
    """What is wrong with a mapping: (column index → message, general messages)."""
    by_column: dict[str, str] = {}
    general: list[str] = []
    first_column: dict[str, int] = {}
    for key, name in mapping.items():
        if not name:
            continue
        if not str(key).isascii() or not str(key).isdigit() or int(key) >= len(headers):
            general.append(_("The mapping names a column the file does not have."))
    columns = sorted(
        (int(index), name)
        for index, name in mapping.items()
        if name
        and str(index).isascii()
        and str(index).isdigit()
        and int(index) < len(headers)
    )
    for index, name in columns:
        import_field = FIELDS_BY_NAME.get(name)
        if import_field is None:
            by_column[str(index)] = _("“%(name)s” is not a customer field.") % {
                "name": name
            }
        elif name in first_column:
            by_column[str(index)] = _(
                "The %(field)s already comes from the column “%(column)s”; "
                "choose it for one column only."
            ) % {"field": import_field.label, "column": headers[first_column[name]]}
        else:
            first_column[name] = index
    if "email" not in first_column:
        general.append(
            _(
                "Choose the column that holds the e-mail: customers are matched "
                "by their e-mail address."
            )
        )
    return by_column, general
