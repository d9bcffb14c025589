"""Function words per language: the roles of plain text (no gold UPOS) and the ``adv_split``
mapping's split of adverbs.

* ``en``: the engine's own list and rules (:func:`afn_widget.words.word_role`).
* ``de``, ``fr``: the closed classes of Universal Dependencies — determiners, pronouns,
  adpositions, coordinating and subordinating conjunctions, auxiliaries and particles (UPOS
  ``DET PRON ADP CCONJ SCONJ AUX PART``). A lower-cased form is listed when the UD GSD dev
  treebank of the language tags it with one of those classes at least twice and in at least
  half of its occurrences (the derivation is :func:`closed_class_forms`), joined by the
  contracted preposition + article forms the treebank writes as multi-word tokens (``zum``,
  ``im``, ``du``, ``au`` ...; see :mod:`.conllu_reader`) and a few closed-class forms the dev
  split happens not to hold twice (``du``/``dich``/``dir``, ``jene``, ``te``/``toi`` ...).

Any other language has no list: :func:`has_function_words` is false, plain text in it gets no
function words (a warning says so, :mod:`.roles`) and ``adv_split`` is refused
(:class:`NoFunctionWordsError`).
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Callable, Iterable
from typing import Any

from ..errors import AFNInputError, AFNTypeError
from ..words import CONTENT, FUNCTION, PUNCTUATION, is_punctuation, word_role

CLOSED_UPOS = frozenset({"DET", "PRON", "ADP", "CCONJ", "SCONJ", "AUX", "PART"})

_DE = """
's ab aber all alle allem alles als an andere anderem anderen anderer auf aufgrund aus bei bin
bis das dass daß dem den denn der deren des die dies diese diesem diesen dieser dieses doch
durch ein eine einem einen einer eines einig einige einigen er es etlichen euch für gegen
gewesen hab habe haben hat hatte hatten hätte hätten ich ihm ihn ihnen ihr ihre ihren in ist
jedem jeden jeder kann kein keine keinen keines konnte konnten könne können laut man mehrere
mein meine meinem meinen meiner meines meisten mich mir mit muss musste muß mußten möchte
müssen nach nicht nichts niemand ob obwohl oder ohne per sei seien sein seine seinen seiner
seines seit selben sich sie sind solche soll sollen sollte sollten sondern sowohl statt um und
uns unser unsere unserem unseren unseres unter viel viele vielen von vor war waren was weder
wegen weil wenig wenn wer werde werden wie will wir wird wollen wollte wollten worden wurde
wurden während wären würde würden zu zufolge zwischen über
im am zum zur vom beim ins ans aufs fürs ums
du dich dir dein deine deinem deinen deiner jene jenem jenen jener jenes ihrem ihrer ihres
einem jede jedes wird wirst bist seid habt hast darf dürfen kannst musst sollst willst
"""
_FR = """
-ce -il -ils -je -nous -t-elle -t-il a ai après av. aucun aucune auraient aurait avaient avait
avec avoir avons ayant c' c'est-à-dire car ce ceci cela celle celle-ci celles celui celui-ci
certaines certains ces cet cette ceux ceux-ci chaque chez comme concernant contre d d' dans de
depuis des devant divers dont du durant dès elle elle-même elles en entre envers es est et
faisant furent fut il ils j' je jusqu' l l' l'on la laquelle le lequel les lesquelles lesquels
leur leurs lorsqu' lorsque lui lui-même m' mais malgré moi mon ni nos notre nous on ont ou où
par parmi pendant plusieurs pour puis puisqu' puisque qu' quand que quelques qui quoi rien s'
sa sans se selon sera serait seront ses si soient soit sommes son sont sous suis sur telle tu
un une uns vers via voire vos votre vous y à ça étaient était étant étions été êtes être
au aux auquel auxquels duquel desquels desquelles
te toi ton ta tes me ma mes t' n' ne pas as avez eu suis sera
"""

FUNCTION_WORDS_BY_LANG: dict[str, frozenset[str]] = {
    "de": frozenset(_DE.split()),
    "fr": frozenset(_FR.split()),
}


class NoFunctionWordsError(AFNInputError):
    """A language the project has no function-word list for."""


def has_function_words(lang: str) -> bool:
    """Whether roles can be told from word forms in ``lang`` (``en``, ``de``, ``fr``)."""
    return lang == "en" or lang in FUNCTION_WORDS_BY_LANG


def form_role(word: str, lang: str) -> str:
    """The role of a word from its form in ``lang``: ``en`` by :func:`~afn_widget.words.
    word_role`; else punctuation, ``function`` when the lower-cased form (``’`` read as ``'``)
    is in the language's list, ``content`` otherwise (every word of a language without a
    list)."""
    if lang == "en":
        return word_role(word)
    if is_punctuation(word):
        return PUNCTUATION
    bare = word.strip().lower().replace("\u2019", "'")
    return FUNCTION if bare in FUNCTION_WORDS_BY_LANG.get(lang, ()) else CONTENT


def check_adv_split(lang: str) -> None:
    """``adv_split`` tells function adverbs from content ones by the language's list: a
    :class:`NoFunctionWordsError` for a language without one."""
    if not has_function_words(lang):
        raise NoFunctionWordsError(
            f"adv_split needs a function-word list and lang={lang!r} has none (there are lists "
            "for 'en', 'de' and 'fr'); read the upos mapping instead."
        )


def closed_class_forms(words: Iterable[tuple[str, str]], min_count: int = 2) -> set[str]:
    """The lower-cased forms of ``(form, upos)`` pairs tagged with a class of
    :data:`CLOSED_UPOS` at least ``min_count`` times and in at least half of their
    occurrences (how the ``de`` and ``fr`` lists were derived from UD treebanks)."""
    total: Counter[str] = Counter()
    closed: Counter[str] = Counter()
    for form, upos in words:
        w = form.lower()
        total[w] += 1
        closed[w] += upos in CLOSED_UPOS
    return {w for w, n in closed.items() if n >= min_count and 2 * n >= total[w]}


def role_rule(lang: str, roles: Any = None) -> Callable[[str], str]:
    """How a plain-text word's role is told: ``roles`` when given — a function of the word
    form returning ``"content"``, ``"function"`` or ``"punctuation"``, or a collection of
    function words (lower-cased forms; punctuation by its characters, everything else content)
    — else :func:`form_role` in ``lang``."""
    if roles is None:
        return lambda w: form_role(w, lang)
    if callable(roles):
        return _checked(roles)
    if isinstance(roles, (str, bytes)) or not isinstance(roles, Iterable):
        raise AFNTypeError(
            "roles must be a function of a word giving its role, or a collection of function "
            f"words such as {{'der', 'die', 'und'}}, not {type(roles).__name__}."
        )
    listed = frozenset(str(w).lower() for w in roles)

    def listed_role(w: str) -> str:
        if is_punctuation(w):
            return PUNCTUATION
        return FUNCTION if w.strip().lower() in listed else CONTENT

    return listed_role


def _checked(rule: Callable[[str], str]) -> Callable[[str], str]:
    def role(w: str) -> str:
        r = rule(w)
        if r not in (CONTENT, FUNCTION, PUNCTUATION):
            raise AFNInputError(
                f"roles({w!r}) gave {r!r}; it must give 'content', 'function' or 'punctuation'."
            )
        return r

    return role
