"""
The Spanish site speaks to the reader as "usted". `tu_forms` finds what would address
them as "tú" (or "vosotros") instead: the pronouns, second-person verbs and the
imperatives a customer is told to do things with.

A word list and a few patterns rather than a parser: Spanish verbs are ambiguous out of
context ("confirma" is "tú, confirm!" and "he/she confirms"), so the imperatives are
flagged only where an instruction starts (a sentence, "por favor", a negation).
"""

import re
from html.parser import HTMLParser

# Pronouns and possessives of "tú" and "vosotros". Whole words only: "te" inside
# "teléfono" or "este" is not a pronoun; "té" (tea) carries its accent. ("os" is left
# out: "Chrome OS" would match, and no sentence of ours says "vosotros" without "os" too.)
_PRONOUNS = """
tú tu tus te ti contigo tuyo tuya tuyos tuyas vosotros vosotras vuestro vuestra vuestros vuestras
"""

# Second-person verb forms an account page or email would use (present, present
# subjunctive, the preterite of the verbs that tell what the reader did), and "vos".
_VERBS = """
eres estás estés has hayas habías hubieras tienes tengas puedes puedas podrías quieres quieras
debes debas deberías necesitas necesites sabes sepas vas vayas haces hagas dices digas ves
veas vienes vengas deseas desees prefieres prefieras intentas recibes recibas olvidas olvides
usas uses utilizas utilices sigues sigas decides decidas confías confíes
fuiste hiciste pediste quisiste viste pudiste tuviste
sos podés tenés querés sabés
"""

# Affirmative "tú" imperatives; flagged where an instruction starts (see _INSTRUCTION).
_IMPERATIVES = """
introduce ingresa escribe teclea elige selecciona escoge haz ve ven pon di sal sé ten vuelve
intenta revisa comprueba verifica contacta confirma añade agrega escanea guarda descarga
cambia sigue recuerda inicia usa utiliza accede pulsa toca haz entra crea abre cierra olvida
espera envía solicita restablece establece activa desactiva elimina borra quita confía
regístrate conéctate asegúrate
"""

# "tú" imperatives with a pronoun attached that the patterns below cannot tell from the
# "usted" ones ("envíame" / "envíeme", "introdúcelo" / "introdúzcalo").
_ENCLITICS = """
envíame envíanos escríbenos llámanos contáctanos avísanos dinos dime introdúcelo introdúcela
ingrésalo ingrésala escríbelo escríbela inténtalo guárdalo guárdala guárdalos guárdalas
descárgalos cámbiala cámbialo actívala actívalo úsalo úsala elígela elígelo confírmalo
confírmala revísalo revísala ignóralo ignóralos hazlo dale vete
"""

# Words that end like a "tú" preterite ("-aste", "-iste") but are not one.
_NOT_PRETERITES = """
existe consiste insiste persiste resiste asiste subsiste desiste triste chiste quiste
contraste desgaste engaste traste baste
"""


def _words(text: str) -> str:
    return "|".join(sorted(set(text.split()), key=len, reverse=True))


_INSTRUCTION = r"(?:^|[.!?¡¿:;»\n(]\s*|\bpor favor,?\s+|\bluego,?\s+)"

# Words after "no" that end in -as or -es without being a verb.
_NOT_VERBS = "es las les los nos más tres todas otras muchas pocas algunas veces antes mientras"

_PATTERNS = [
    re.compile(rf"\b(?:{_words(_PRONOUNS)}|{_words(_VERBS)}|{_words(_ENCLITICS)})\b", re.I),
    re.compile(rf"{_INSTRUCTION}(?:{_words(_IMPERATIVES)})\b", re.I),
    # "regístrate", "suscríbete": a "tú" imperative with "te" attached ("usted": "-se").
    re.compile(r"\b\w*[áéíóú]\w*[ae]te\b", re.I),
    # "no compartas", "no confíes": the negative "tú" imperative ends in -as or -es.
    re.compile(rf"\bno\s+(?!(?:{_words(_NOT_VERBS)})\b)\w+(?:as|es)\b", re.I),
    # "recibiste", "solicitaste": the "tú" preterite.
    re.compile(rf"\b(?!(?:{_words(_NOT_PRETERITES)})\b)\w+(?:aste|iste)\b", re.I),
]


def tu_forms(text: str) -> list[str]:
    """Every "tú" or "vosotros" form in `text`: empty when it speaks as "usted" throughout."""
    found = [match.group(0).strip() for pattern in _PATTERNS for match in pattern.finditer(text)]
    # In capitals, "TI" and "TU" are abbreviations ("el equipo de TI"), not pronouns.
    return [words for words in found if not (words.isupper() and len(words) > 1)]


class _Visible(HTMLParser):
    """Collects what a reader sees or hears: text, and the words in labelling attributes."""

    SPOKEN = ("aria-label", "placeholder", "title", "alt")

    def __init__(self) -> None:
        super().__init__(convert_charrefs=True)
        self.parts: list[str] = []
        self._hidden = 0

    def handle_starttag(self, tag, attrs):
        if tag in ("script", "style"):
            self._hidden += 1
        self.parts += [value for name, value in attrs if name in self.SPOKEN and value]
        if tag == "input" and ("type", "submit") in attrs:
            self.parts += [value for name, value in attrs if name == "value" and value]

    def handle_endtag(self, tag):
        if tag in ("script", "style"):
            self._hidden -= 1

    def handle_data(self, data):
        if not self._hidden:
            self.parts.append(data)


def visible_text(html: str) -> str:
    """The words of a page a reader meets, one part a line."""
    parser = _Visible()
    parser.feed(html)
    return "\n".join(part.strip() for part in parser.parts if part.strip())
