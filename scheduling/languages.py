"""Languages people speak, as ISO 639-1 codes ("en", "ru", "uk").

People type languages as they say them ("English and Russian", "en-ru",
"русский, украинский"); `parse_languages` reads all of these into codes, and
refuses what it can't read instead of storing a language nobody matches.
"""

from __future__ import annotations

import re

# ISO 639-1: every two-letter code.
ISO_639_1 = frozenset(
    """aa ab ae af ak am an ar as av ay az ba be bg bi bm bn bo br bs ca ce ch co cr cs cu cv
    cy da de dv dz ee el en eo es et eu fa ff fi fj fo fr fy ga gd gl gn gu gv ha he hi ho hr
    ht hu hy hz ia id ie ig ii ik io is it iu ja jv ka kg ki kj kk kl km kn ko kr ks ku kv kw
    ky la lb lg li ln lo lt lu lv mg mh mi mk ml mn mr ms mt my na nb nd ne ng nl nn no nr nv
    ny oc oj om or os pa pi pl ps pt qu rm rn ro ru rw sa sc sd se sg si sk sl sm sn so sq sr
    ss st su sv sw ta te tg th ti tk tl tn to tr ts tt tw ty ug uk ur uz ve vi vo wa wo xh yi
    yo za zh zu""".split()  # noqa: SIM905 (a list literal of 184 strings reads worse)
)

# Names the office meets, in English and Russian (any case, also adjectives).
NAMES = {
    "english": "en", "английский": "en", "англ": "en",
    "russian": "ru", "русский": "ru", "рус": "ru",
    "ukrainian": "uk", "украинский": "uk", "укр": "uk",
    "german": "de", "немецкий": "de",
    "french": "fr", "французский": "fr",
    "spanish": "es", "испанский": "es",
    "italian": "it", "итальянский": "it",
    "polish": "pl", "польский": "pl",
    "portuguese": "pt", "португальский": "pt",
    "chinese": "zh", "китайский": "zh",
    "japanese": "ja", "японский": "ja",
    "hebrew": "he", "иврит": "he",
    "turkish": "tr", "турецкий": "tr",
    "dutch": "nl", "голландский": "nl",
    "belarusian": "be", "белорусский": "be",
    "kazakh": "kk", "казахский": "kk",
    "georgian": "ka", "грузинский": "ka",
    "romanian": "ro", "румынский": "ro",
    "swedish": "sv", "шведский": "sv",
    "finnish": "fi", "финский": "fi",
    "arabic": "ar", "арабский": "ar",
}  # fmt: skip
NOISE = {"and", "и", "or", "или", "with", "с", "to", "на"}


class UnknownLanguage(ValueError):
    def __init__(self, word: str):
        super().__init__(word)
        self.word = word


def parse_languages(text) -> tuple[str, ...]:
    """Codes in the order given, without repeats; raises UnknownLanguage."""
    if isinstance(text, list | tuple | set | frozenset):
        words = [str(w) for w in text]
    else:
        words = re.split(r"[\s,;/+&\-–—]+", str(text or ""))
    codes: list[str] = []
    for word in words:
        word = word.strip().strip(".").lower()
        if not word or word in NOISE:
            continue
        code = word if word in ISO_639_1 else NAMES.get(word)
        if code is None:
            raise UnknownLanguage(word)
        if code not in codes:
            codes.append(code)
    return tuple(codes)


def languages_text(codes) -> str:
    """The stored form: "en, ru"."""
    return ", ".join(codes)


def read_stored(text: str) -> frozenset[str]:
    """Codes from a stored field; a stored word that is no language is ignored."""
    out = set()
    for word in re.split(r"[\s,;/+&\-–—]+", text or ""):
        try:
            out.update(parse_languages(word))
        except UnknownLanguage:
            continue
    return frozenset(out)


def validate_language_codes(value: str) -> None:
    """A model validator: every word of the stored text is a language we can read."""
    from django.core.exceptions import ValidationError
    from django.utils.translation import gettext as _

    try:
        parse_languages(value)
    except UnknownLanguage as exc:
        raise ValidationError(
            _("“%(word)s” is not a language we know: write e.g. “en, ru”.") % {"word": exc.word}
        ) from exc
