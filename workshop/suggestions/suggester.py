"""Suggested groups: notes that say similar things, offered to the facilitator at a cluster stage.

`suggest_groups` is a pure function from notes to groups: no database, no I/O,
no network, no model; the same notes give the same groups. The facilitator
accepts, adjusts or ignores what it returns; it never changes anything itself.

How it works (each choice measured on the labelled notes in
tests/data/suggestions with bench/suggestions.py; the figures are in the README):

1. Words: lower case, accents folded (vacunación = vacunacion), split on
   anything that is not a letter or a digit; Spanish stop words dropped, with
   the shorthand people type on phones (q, xq, pa …) and a few Guaraní
   particles of Jopara; light verbs and fillers (viene, llega, dice, día …)
   dropped too, since in one-line notes they link unrelated topics.
2. Typos: a long word is read as the word it is with one letter dropped or
   doubled, when that word is also in the notes (domicilarias → domiciliarias).
3. Stems: the Snowball Spanish stemmer (snowballstemmer, which uses the C
   PyStemmer when it is installed), so plural, singular and most inflections
   meet (vacunaciones, vacunación → vacun; visitamos → visit).
4. Word families: synonyms and derivations of this domain (turno/cita,
   remedio/medicamento, sueldo/salario, confianza/confiar) add a shared term.
5. Each note becomes a TF-IDF vector (terms in many notes count less);
   similarity is the cosine of two vectors.
6. Average-linkage agglomerative clustering: the two groups with the highest
   mean pairwise similarity merge while that mean reaches `threshold`. A note
   that joins nothing is left out rather than forced into a group.
"""

from __future__ import annotations

import heapq
import re
import unicodedata
from collections import Counter, defaultdict
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from math import log, sqrt
from typing import NamedTuple

import snowballstemmer

NoteId = int | str

DEFAULT_THRESHOLD = 0.125
TITLE_WORDS = 3
# Only words longer than this are read as typos of one another: among short words a
# letter more or less is often another word (cada/casa, pago/pagó).
TYPO_MIN_LENGTH = 7

# The Snowball stemmer packages ship no stop-word list, so here is a short one: the
# function words of written Spanish (accents already folded), the shorthand of phone
# messages (q, xq, pq, x, d, pa, tb, tmb, ok, jaja) and a few Guaraní particles common in Jopara.
_SPANISH = """
a al algo algun alguna algunas alguno algunos ante antes aqui asi aun aunque bajo bien cada casi
como con contra cual cuales cualquier cuando cuanto de del desde donde dos durante e el ella ellas
ellos en encima entre era eran es esa esas ese eso esos esta estaba estamos estan estar estas este
esto estos estoy fue fueron ha hace hacen hacer hacia han hasta hay hoy la las le les lo los mas me
mi mis mismo misma mucho muchos mucha muchas muy nada nadie ni no nos nosotros nuestra nuestras
nuestro nuestros nunca o os otra otras otro otros para pero poco por porque que quien quienes se
sea segun ser si siempre sin sobre solo son su sus tambien tan tanto te tenemos tener tiene tienen
todo todos toda todas tu tus u un una unas uno unos usted ustedes va van vez veces y ya yo
"""
_PHONE_SHORTHAND = "q xq pq porq x d pa tb tmb k xa ok okay dale bueno listo idem jaja jajaja jeje"
_GUARANI_PARTICLES = "ha pe ko niko katu hina voi ningo ko'aga upeicha"
# Light verbs and fillers: in short notes "viene", "llega", "dice", "pasa" … link notes on
# unrelated topics. Their stems are dropped too, so every form of them goes.
_LIGHT = """
venir viene vienen vino venimos ir fuimos vamos vaya llegar llega llegan llego llegamos dar da dan
damos dio decir dice dicen dijo poder puede pueden podemos pudo querer quiere quieren queremos
saber sabe saben sabemos pasar pasa pasan paso quedar queda quedan dejar deja dejan tuvimos hacemos
hizo hicimos haber habia ver ve ven vemos poner pone ponen seguir sigue siguen cosa cosas parece
gente usf dia dias semana semanas mes meses ano anos vez
"""
STOP_WORDS = frozenset((_SPANISH + _PHONE_SHORTHAND + " " + _GUARANI_PARTICLES).split())
LIGHT_WORDS = frozenset(_LIGHT.split())

# Word families of this domain: synonyms (turno/cita, remedio/medicamento, sueldo/salario)
# and derivations the stemmer keeps apart (confianza/confiar, supervisión/supervisar). Each
# line is one family; a note with any member also gets the family as a term, so synonyms
# meet and the words of the domain weigh more than everyday words. General vocabulary of
# primary care in Paraguay, not the topics of any one workshop.
WORD_FAMILIES = """
medicamento remedio medicación medicina fármaco pastilla
turno cita
fila cola
sueldo salario remuneración pago cobro cobrar
contrato contratado contratación
médico doctor doctora
enfermera enfermero licenciada
embarazada gestante embarazo prenatal
parto parturienta
diabetes diabético
hipertensión hipertenso presión
confianza confiar desconfianza desconfiar
capacitación capacitar curso formación formar entrenamiento
planilla formulario
papeleo burocracia trámite
ambulancia móvil traslado trasladar
supervisión supervisor supervisora supervisar
internet conexión señal wifi conectividad
vacuna vacunación vacunar vacunatorio vacunadora
visita visitar domicilio domiciliaria
derivación derivar referencia referir contrarreferencia
laboratorio análisis
reconocimiento reconocer valorar
agradecimiento agradecer gracias
felicitar felicitación
seguridad inseguridad
asalto asaltar robo robar
reunión reunir
compañero compañerismo
guaraní jopara
castellano español
agotamiento agotado cansancio cansado
niño chico
abuelo anciano
escuela colegio
político política partido
insumo material
"""

# Letters and digits; an apostrophe between letters belongs to the word, as the Guaraní
# glottal stop does (ko'ãga, oñemombe'u).
_WORD = re.compile(r"[^\W_]+(?:['’][^\W_]+)*")


class NoteText(NamedTuple):
    """A note to consider: its id (returned as given) and its text."""

    id: NoteId
    text: str


@dataclass(frozen=True)
class SuggestedGroup:
    """A suggestion: the notes (in input order) and a short title made of their key words.

    `cohesion` is the mean cosine similarity between the group's notes (0–1): how alike
    they are, to order suggestions or show a confidence.
    """

    note_ids: tuple[NoteId, ...]
    title: str
    cohesion: float


def fold(text: str) -> str:
    """Lower case without accents or other diacritics (Vacunación → vacunacion, ñ → n)."""
    decomposed = unicodedata.normalize("NFKD", text.casefold())
    return "".join(ch for ch in decomposed if not unicodedata.combining(ch))


def _snowball() -> Callable[[Sequence[str]], list[str]]:
    # A new stemmer per call: stemmer objects keep state and are not safe to share
    # between threads, and making one costs microseconds.
    return snowballstemmer.stemmer("spanish").stemWords


def suggest_groups(
    notes: Sequence[NoteText],
    *,
    max_groups: int | None = None,
    min_size: int = 2,
    threshold: float = DEFAULT_THRESHOLD,
) -> list[SuggestedGroup]:
    """Group notes that say similar things; notes that fit no group are left out.

    Pass the notes still to be grouped (for instance the stage's notes that no
    cluster holds yet): suggestions only ever contain the ids given. A repeated id
    counts once (its first text). Groups come largest first, then most cohesive,
    then by their first note's position; at most `max_groups` of them, each with at
    least `min_size` notes. A higher `threshold` (0–1) asks for fewer, tighter
    groups. Raises ValueError for a `min_size` below 2, a negative `max_groups` or
    a threshold outside (0, 1].
    """
    return _suggest(
        notes, max_groups=max_groups, min_size=min_size, threshold=threshold, stem_words=_snowball()
    )


def _suggest(
    notes: Sequence[NoteText],
    *,
    max_groups: int | None,
    min_size: int,
    threshold: float,
    stem_words: Callable[[Sequence[str]], list[str]] | None,
    fold_typos: bool = True,
    families: bool = True,
    light_words: bool = True,
) -> list[SuggestedGroup]:
    """`suggest_groups` with the choices the benchmark compares (stemmer, typos, families …)."""
    if min_size < 2:
        raise ValueError("min_size must be at least 2")
    if max_groups is not None and max_groups < 0:
        raise ValueError("max_groups must not be negative")
    if not 0 < threshold <= 1:
        raise ValueError("threshold must be above 0 and at most 1")

    unique: dict[NoteId, str] = {}
    for note in notes:
        unique.setdefault(note.id, note.text)
    ids = list(unique)
    words = [_content_words(text) for text in unique.values()]
    stems, extra, family = _terms(
        words, stem_words, fold_typos=fold_typos, families=families, light_words=light_words
    )
    vectors = _tfidf(
        [[term for term in note if term] + more for note, more in zip(stems, extra, strict=True)]
    )
    similarity = _similarities(vectors)
    clusters = _average_linkage(len(ids), similarity, threshold)

    groups = []
    for members in clusters:
        if len(members) < min_size:
            continue
        cohesion = _cohesion(members, similarity)
        title = _title(members, words, stems, family, vectors, similarity)
        groups.append((members, SuggestedGroup(tuple(ids[i] for i in members), title, cohesion)))
    groups.sort(key=lambda item: (-len(item[0]), -item[1].cohesion, item[0][0]))
    chosen = [group for _, group in groups]
    return chosen if max_groups is None else chosen[:max_groups]


# Words and terms ------------------------------------------------------------------------------


def _content_words(text: str) -> list[tuple[str, str]]:
    """(folded, as typed) for each content word, in order."""
    pairs = []
    for typed in _WORD.findall(text):
        folded = fold(typed).replace("’", "'")
        if len(folded) > 1 and folded not in STOP_WORDS and not folded.isdigit():
            pairs.append((folded, typed.lower()))
    return pairs


def _terms(
    words: list[list[tuple[str, str]]],
    stem_words: Callable[[Sequence[str]], list[str]] | None,
    *,
    fold_typos: bool,
    families: bool,
    light_words: bool,
) -> tuple[list[list[str]], list[list[str]], dict[str, str]]:
    """Each note's stems, one per content word ("" for a light word), its family terms, and
    the family term of each stem that has one.

    Typos are read as the frequent stem they are one letter from. Family terms start
    with "=", which no stem can, and never appear in titles.
    """
    light = sorted(fold(word) for word in LIGHT_WORDS) if light_words else []
    family_lines = [[fold(word) for word in line.split()] for line in WORD_FAMILIES.split("\n") if line]
    spelling = (
        _typo_map(
            Counter(folded for note in words for folded in {word for word, _ in note})
            + Counter(word for line in family_lines for word in line)
        )
        if fold_typos
        else {}
    )
    vocabulary = sorted(
        {spelling.get(folded, folded) for note in words for folded, _ in note}
        | set(light)
        | {word for line in family_lines for word in line}
    )
    stems = (
        dict(zip(vocabulary, stem_words(vocabulary), strict=True))
        if stem_words
        else {word: word for word in vocabulary}
    )
    light_stems = {stems[word] for word in light}
    terms = [[stems[spelling.get(folded, folded)] for folded, _ in note] for note in words]
    terms = [[term if term not in light_stems else "" for term in note] for note in terms]
    family: dict[str, str] = {}
    if families:
        for line in family_lines:
            for word in line:
                family.setdefault(stems[word], "=" + stems[line[0]])
    extra = [[family[term] for term in note if term in family] for note in terms]
    return terms, extra, family


def _typo_map(frequency: Counter[str]) -> dict[str, str]:
    """Read a long word as the word it is with one letter missing or one letter too many.

    Typing on a phone mostly drops or doubles a letter (domicilarias, ambulacia,
    whatsap). Only words of TYPO_MIN_LENGTH letters or more are matched, and only
    when deleting one letter of the longer gives the shorter exactly, which keeps
    distinct words apart far better than any one-edit rule (distinto/distrito).
    The more frequent form wins, then the alphabetically first: deterministic.
    """
    rank = {word: (-count, word) for word, count in frequency.items()}
    mapping: dict[str, str] = {}
    for word in sorted(frequency):
        if len(word) <= TYPO_MIN_LENGTH:
            continue
        for position in range(len(word)):
            shorter = word[:position] + word[position + 1 :]
            if shorter in rank:
                low, high = sorted((word, shorter), key=rank.__getitem__)
                if high not in mapping or rank[low] < rank[mapping[high]]:
                    mapping[high] = low
    # Follow chains (a → b → c) to their end so every form maps to one word.
    for word in list(mapping):
        seen = {word}
        target = mapping[word]
        while target in mapping and target not in seen:
            seen.add(target)
            target = mapping[target]
        mapping[word] = target
    return mapping


def _tfidf(terms: list[list[str]]) -> list[dict[str, float]]:
    """Unit-length TF-IDF vectors (smoothed IDF, so a term in every note still counts a little)."""
    count = len(terms)
    document_frequency = Counter(term for note in terms for term in set(note))
    vectors = []
    for note in terms:
        weights = {
            term: tf * (log((1 + count) / (1 + document_frequency[term])) + 1)
            for term, tf in Counter(note).items()
        }
        norm = sqrt(sum(weight * weight for weight in weights.values()))
        vectors.append({term: weight / norm for term, weight in weights.items()} if norm else {})
    return vectors


def _similarities(vectors: list[dict[str, float]]) -> dict[int, dict[int, float]]:
    """Cosine similarity of every pair of notes that share a term, through an inverted index."""
    postings: dict[str, list[tuple[int, float]]] = defaultdict(list)
    for index, vector in enumerate(vectors):
        for term, weight in vector.items():
            postings[term].append((index, weight))
    similarity: dict[int, dict[int, float]] = defaultdict(dict)
    for entries in postings.values():
        for position, (i, weight_i) in enumerate(entries):
            row = similarity[i]
            for j, weight_j in entries[position + 1 :]:
                row[j] = row.get(j, 0.0) + weight_i * weight_j
    # Symmetric, both directions, for the clustering and the titles.
    for i in list(similarity):
        for j, value in similarity[i].items():
            similarity[j][i] = value
    return similarity


# Clustering -----------------------------------------------------------------------------------


def _average_linkage(
    count: int, similarity: dict[int, dict[int, float]], threshold: float
) -> list[list[int]]:
    """Merge the two groups with the highest mean pairwise similarity while it reaches threshold.

    Sparse: only groups that share a term are ever compared (the others' mean is 0).
    Sums of similarities between groups are kept, so a merge costs the number of
    neighbours. Ties go to the pair with the lowest note positions: deterministic.
    Returns groups of positions, each sorted.
    """
    members: dict[int, list[int]] = {i: [i] for i in range(count)}
    links: dict[int, dict[int, float]] = {i: dict(similarity.get(i, {})) for i in range(count)}
    heap = [
        (-total, i, j) for i in range(count) for j, total in links[i].items() if i < j and total >= threshold
    ]
    heapq.heapify(heap)
    while heap:
        negative_mean, i, j = heapq.heappop(heap)
        if i not in members or j not in members:
            continue
        mean = links[i].get(j, 0.0) / (len(members[i]) * len(members[j]))
        if abs(mean + negative_mean) > 1e-12:
            continue  # stale entry: a newer one for this pair is on the heap
        # The merged group keeps the lower key, so keys stay the first position of a group.
        keep, gone = (i, j) if i < j else (j, i)
        members[keep] = sorted(members[keep] + members.pop(gone))
        gone_links = links.pop(gone)
        gone_links.pop(keep, None)
        links[keep].pop(gone, None)
        for other, total in gone_links.items():
            links[other].pop(gone, None)
            links[keep][other] = links[keep].get(other, 0.0) + total
            links[other][keep] = links[keep][other]
        size = len(members[keep])
        for other, total in links[keep].items():
            mean = total / (size * len(members[other]))
            if mean >= threshold:
                heapq.heappush(heap, (-mean, min(keep, other), max(keep, other)))
    return sorted(members.values())


def _cohesion(members: list[int], similarity: dict[int, dict[int, float]]) -> float:
    pairs = len(members) * (len(members) - 1) / 2
    total = sum(similarity.get(i, {}).get(j, 0.0) for a, i in enumerate(members) for j in members[a + 1 :])
    return round(total / pairs, 4) if pairs else 0.0


# Titles ---------------------------------------------------------------------------------------


def _title(
    members: list[int],
    words: list[list[tuple[str, str]]],
    terms: list[list[str]],
    family: dict[str, str],
    vectors: list[dict[str, float]],
    similarity: dict[int, dict[int, float]],
) -> str:
    """A few key words of the group, as people wrote them, in the order of its most central note.

    Key words are the ideas most of the group's notes share (a word family counts
    as one idea: salario, sueldo and cobran give one word), then the heavier in
    TF-IDF; when only one idea is shared, the central note's weightiest other word
    joins it. Each is
    shown in the form most often typed for it, preferring a form with accents
    (vacunación over vacunacion), and the words follow their order in the most
    central note (the one most similar to the others), so the title reads like a phrase.
    """
    coverage: Counter[str] = Counter()
    weight: Counter[str] = Counter()
    forms: dict[str, Counter[str]] = defaultdict(Counter)
    for i in members:
        concepts = [family.get(term, term) if term else "" for term in terms[i]]
        coverage.update({concept for concept in concepts if concept})
        for concept, (_, typed) in zip(concepts, words[i], strict=True):
            if concept:
                forms[concept][typed] += 1
        for term, value in vectors[i].items():
            weight[family.get(term, term)] += value
    ranked = sorted(coverage, key=lambda concept: (-coverage[concept], -round(weight[concept], 9), concept))
    key = [concept for concept in ranked if coverage[concept] > 1][:TITLE_WORDS]
    central = max(members, key=lambda i: (sum(similarity.get(i, {}).get(j, 0.0) for j in members), -i))
    if len(key) < 2:
        # One shared idea says little on its own: add the central note's weightiest other word.
        own = {family.get(term, term): value for term, value in vectors[central].items()}
        key += sorted((c for c in own if c in coverage and c not in key), key=lambda c: (-own[c], c))[:1]
    key = key or ranked[:1]
    position: dict[str, int] = {}
    for index, term in enumerate(terms[central]):
        position.setdefault(family.get(term, term), index)
    key.sort(key=lambda concept: (position.get(concept, len(terms[central])), ranked.index(concept)))
    shown = [
        max(forms[concept], key=lambda form: (forms[concept][form], form != fold(form), form))
        for concept in key
    ]
    title = " ".join(shown)
    return title[:1].upper() + title[1:]
