"""Names of account holders, companies and merchants, by country, for later sanctions
screening: common given names and surnames of each language area, and company names built
from a surname or a neutral word plus the country's legal form. All synthetic."""

from __future__ import annotations

import numpy as np

__all__ = ["company_name", "merchant_name", "person_name"]

_GIVEN = {
    "de": "Anna Lena Julia Sarah Laura Katharina Maria Sophie Lukas Jonas Felix Leon Maximilian "
    "Paul Tobias Jan Florian Stefan Andreas Michael Thomas Sabine Petra Monika Jürgen Uwe",
    "fr": "Camille Léa Manon Chloé Inès Julie Marie Claire Lucas Hugo Louis Gabriel Arthur "
    "Thomas Nicolas Antoine Julien Pierre Mathieu Sophie Isabelle Nathalie Philippe Olivier",
    "nl": "Emma Sanne Lotte Fleur Anouk Sophie Eva Femke Daan Sem Lucas Bram Thijs Jesse Ruben "
    "Lars Stijn Pieter Jeroen Maarten Willem Henk Ingrid Marieke",
    "es": "Lucía María Paula Carmen Laura Marta Sara Ana Hugo Daniel Pablo Alejandro Álvaro "
    "Javier Carlos Diego Sergio Jorge Miguel Antonio José Isabel Rosa Elena",
    "it": "Giulia Sofia Chiara Francesca Sara Martina Alessia Elena Marco Luca Matteo Andrea "
    "Francesco Alessandro Lorenzo Davide Simone Giuseppe Giovanni Paolo Roberta Silvia",
    "en": "Olivia Emily Amelia Isla Jessica Charlotte Sophie Grace Oliver Jack Harry George "
    "James William Thomas Daniel Samuel Michael David Sarah Rachel Helen Andrew Matthew",
    "pt": "Maria Ana Beatriz Mariana Inês Joana Sofia Rita João Francisco Tiago Rodrigo Pedro "
    "Diogo Miguel Rui Nuno Paulo Luís Carla",
    "pl": "Anna Zofia Maja Julia Katarzyna Agnieszka Magdalena Jakub Kacper Szymon Piotr "
    "Tomasz Paweł Michał Krzysztof Marcin Andrzej Ewa",
    "sv": "Elsa Alice Maja Ebba Linnea Saga Astrid Erik Lars Anders Johan Oskar Lucas Hugo "
    "Karl Nils Per Ingrid Karin",
}
# Comma-separated: some surnames are several words (de Vries, De Luca).
_FAMILY = {
    "de": "Müller, Schmidt, Schneider, Fischer, Weber, Meyer, Wagner, Becker, Schulz, "
    "Hoffmann, Schäfer, Koch, Bauer, Richter, Klein, Wolf, Schröder, Neumann, Schwarz, "
    "Zimmermann, Braun, Krüger, Hofmann, Hartmann, Lange, Werner, Krause, Lehmann, "
    "Huber, Gruber",
    "fr": "Martin, Bernard, Dubois, Thomas, Robert, Richard, Petit, Durand, Leroy, Moreau, "
    "Simon, Laurent, Lefebvre, Michel, Garcia, David, Bertrand, Roux, Vincent, Fournier, "
    "Morel, Girard, Andre, Mercier",
    "nl": "de Jong, Jansen, de Vries, van den Berg, van Dijk, Bakker, Janssen, Visser, Smit, "
    "Meijer, de Boer, Mulder, de Groot, Bos, Vos, Peters, Hendriks, van Leeuwen, Dekker, "
    "Brouwer",
    "es": "García, Rodríguez, González, Fernández, López, Martínez, Sánchez, Pérez, Gómez, "
    "Martín, Jiménez, Ruiz, Hernández, Díaz, Moreno, Muñoz, Álvarez, Romero, Alonso, "
    "Gutiérrez, Navarro",
    "it": "Rossi, Russo, Ferrari, Esposito, Bianchi, Romano, Colombo, Ricci, Marino, Greco, "
    "Bruno, Gallo, Conti, De Luca, Mancini, Costa, Giordano, Rizzo, Lombardi, Moretti, "
    "Barbieri, Fontana",
    "en": "Smith, Jones, Williams, Taylor, Brown, Davies, Evans, Wilson, Thomas, Johnson, "
    "Roberts, Robinson, Thompson, Wright, Walker, White, Edwards, Hughes, Green, Hall, "
    "Wood, Harris, Clarke, Murphy",
    "pt": "Silva, Santos, Ferreira, Pereira, Oliveira, Costa, Rodrigues, Martins, Jesus, "
    "Sousa, Fernandes, Gonçalves, Gomes, Lopes, Marques, Alves, Almeida, Ribeiro, Pinto, "
    "Carvalho",
    "pl": "Nowak, Kowalski, Wiśniewski, Wójcik, Kowalczyk, Kamiński, Lewandowski, Zieliński, "
    "Szymański, Woźniak, Dąbrowski, Kozłowski, Jankowski, Mazur, Kwiatkowski",
    "sv": "Andersson, Johansson, Karlsson, Nilsson, Eriksson, Larsson, Olsson, Persson, "
    "Svensson, Gustafsson, Pettersson, Jonsson, Jansson, Hansson, Bengtsson, Lindberg",
}
_GIVEN_NAMES = {lang: tuple(text.split()) for lang, text in _GIVEN.items()}
_FAMILY_NAMES = {lang: tuple(text.split(", ")) for lang, text in _FAMILY.items()}

_LANGUAGE = {
    "DE": "de", "AT": "de", "CH": "de", "FR": "fr", "BE": "fr", "LU": "fr", "NL": "nl",
    "ES": "es", "IT": "it", "GB": "en", "IE": "en", "US": "en", "CA": "en", "AU": "en",
    "NZ": "en", "SG": "en", "PT": "pt", "BR": "pt", "PL": "pl", "SE": "sv", "DK": "sv",
    "NO": "sv", "FI": "sv",
}  # fmt: skip
_LEGAL_FORMS = {
    "DE": ("GmbH", "AG", "KG", "GmbH & Co. KG"), "AT": ("GmbH", "AG", "KG"),
    "CH": ("AG", "GmbH", "SA"), "FR": ("SARL", "SAS", "SA"), "BE": ("SRL", "SA", "BV"),
    "LU": ("S.à r.l.", "SA"), "NL": ("B.V.", "N.V."), "ES": ("S.L.", "S.A."),
    "IT": ("S.r.l.", "S.p.A."), "GB": ("Ltd", "PLC", "LLP"), "IE": ("Ltd", "DAC"),
    "PT": ("Lda", "S.A."), "PL": ("Sp. z o.o.", "S.A."), "SE": ("AB",), "DK": ("ApS", "A/S"),
    "NO": ("AS",), "FI": ("Oy",), "US": ("Inc.", "LLC", "Corp."), "CA": ("Inc.", "Ltd"),
    "JP": ("K.K.", "G.K."), "SG": ("Pte. Ltd.",), "HK": ("Limited",), "AE": ("LLC", "FZE"),
    "IN": ("Pvt. Ltd.",), "BR": ("Ltda.",), "MX": ("S.A. de C.V.",), "TR": ("A.Ş.",),
    "ZA": ("(Pty) Ltd",), "AU": ("Pty Ltd",), "CZ": ("s.r.o.", "a.s."),
}  # fmt: skip
_COMPANY_WORDS = (
    "Atlas", "Nordlicht", "Meridian", "Alpina", "Rhein", "Vertex", "Solaris", "Hanse", "Orion",
    "Aurora", "Baltic", "Cedar", "Delta", "Helios", "Iberia", "Lumen", "Nova", "Pioneer",
    "Quadrant", "Sterling", "Tessera", "Vega", "Zenith", "Harbor", "Summit", "Crescent",
)  # fmt: skip
_COMPANY_TRADES = (
    "Logistics", "Trading", "Consulting", "Engineering", "Foods", "Textiles", "Software",
    "Construction", "Medical", "Metals", "Energy", "Media", "Packaging", "Furniture", "Automotive",
    "Chemicals", "Imports", "Properties", "Services", "Electronics",
)  # fmt: skip
_MERCHANT_WORDS = {
    "5411": ("Frischmarkt", "Green Basket", "Daily Market", "Super Nord", "Marché Central"),
    "5812": ("Trattoria", "Bistro", "Brasserie", "Osteria", "Taverna", "Kitchen"),
    "5814": ("Burger Point", "Wrap & Go", "Pizza Express", "Noodle Bar", "Kebab Haus"),
    "5541": ("Tank", "Fuel Stop", "Station", "Petrol"),
    "5912": ("Apotheke", "Pharmacie", "Farmacia", "Pharmacy"),
    "5651": ("Mode", "Fashion", "Boutique", "Outlet"),
    "5732": ("Elektro", "Tech Store", "Digital", "Electronics"),
    "5942": ("Buchhandlung", "Librairie", "Books", "Libreria"),
    "4111": ("Transit", "Metro", "Rail"),
    "4121": ("Taxi", "Cab", "Ride"),
    "7011": ("Hotel", "Inn", "Suites"),
    "4814": ("Mobile", "Telecom", "Connect"),
    "4900": ("Stadtwerke", "Energie", "Power & Water", "Utilities"),
    "4899": ("Stream+", "Play", "TV Online", "Music"),
    "5999": ("Shop", "Store", "Market", "Emporium"),
}


def _language(country: str) -> str:
    return _LANGUAGE.get(country, "en")


def _pick(gen: np.random.Generator, options: tuple[str, ...]) -> str:
    return options[int(gen.integers(len(options)))]


def person_name(gen: np.random.Generator, country: str) -> str:
    lang = _language(country)
    return f"{_pick(gen, _GIVEN_NAMES[lang])} {_pick(gen, _FAMILY_NAMES[lang])}"


def company_name(gen: np.random.Generator, country: str) -> str:
    form = _pick(gen, _LEGAL_FORMS.get(country, ("Ltd",)))
    if gen.random() < 0.4:
        base = _pick(gen, _FAMILY_NAMES[_language(country)])
    else:
        base = _pick(gen, _COMPANY_WORDS)
    return f"{base} {_pick(gen, _COMPANY_TRADES)} {form}"


def merchant_name(gen: np.random.Generator, country: str, mcc: str) -> str:
    word = _pick(gen, _MERCHANT_WORDS.get(mcc, _MERCHANT_WORDS["5999"]))
    owner = _pick(gen, _FAMILY_NAMES[_language(country)])
    return f"{word} {owner}" if gen.random() < 0.5 else f"{owner} {word}"
