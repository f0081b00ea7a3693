"""Arabic text handling shared by training, export and the reference predictor.

The C++ inference (src/text/) mirrors these rules: the mark classes, the character vocabulary
(stored in the exported weights file), the constraint rules for marks already in the input and
the order in which added marks are written.
"""

import hashlib
import os

MARK_FIRST, MARK_LAST = 0x064B, 0x0652
FATHATAN, DAMMATAN, KASRATAN, FATHA, DAMMA, KASRA, SHADDA, SUKUN = range(0x064B, 0x0653)

# The 15 classes of the benchmark, in this order (index = class id).
CLASS_MARKS = [
    (),
    (FATHA,), (FATHATAN,), (DAMMA,), (DAMMATAN,), (KASRA,), (KASRATAN,), (SUKUN,), (SHADDA,),
    (SHADDA, FATHA), (SHADDA, FATHATAN), (SHADDA, DAMMA), (SHADDA, DAMMATAN), (SHADDA, KASRA),
    (SHADDA, KASRATAN),
]
NUM_CLASSES = len(CLASS_MARKS)
VOWELS = (FATHA, FATHATAN, DAMMA, DAMMATAN, KASRA, KASRATAN)
_SINGLE = {marks[0]: i for i, marks in enumerate(CLASS_MARKS) if len(marks) == 1}
_WITH_SHADDA = {marks[1]: i for i, marks in enumerate(CLASS_MARKS) if len(marks) == 2}
SHADDA_CLASS = _SINGLE[SHADDA]


def is_mark(cp):
    return MARK_FIRST <= cp <= MARK_LAST


def is_letter(cp):
    """One of the 36 letters the benchmark scores (U+0621..U+063A, U+0641..U+064A)."""
    return 0x0621 <= cp <= 0x063A or 0x0641 <= cp <= 0x064A


def class_of(marks):
    """Benchmark class of the marks written after a letter: shadda with a vowel (either order)
    is a combined class; any other pair counts as its first mark; a third mark is ignored."""
    if not marks:
        return 0
    if len(marks) >= 2:
        a, b = marks[0], marks[1]
        if a == SHADDA and b in VOWELS:
            return _WITH_SHADDA[b]
        if b == SHADDA and a in VOWELS:
            return _WITH_SHADDA[a]
    return _SINGLE[marks[0]]


def allowed_classes(given):
    """Classes the model may choose for a letter that already carries `given` marks, each with
    the marks to append after the given ones."""
    if not given:
        return [(c, CLASS_MARKS[c]) for c in range(NUM_CLASSES)]
    if len(given) == 1:
        m = given[0]
        if m == SHADDA:
            return [(SHADDA_CLASS, ())] + [(_WITH_SHADDA[v], (v,)) for v in VOWELS]
        if m in VOWELS:
            return [(_SINGLE[m], ()), (_WITH_SHADDA[m], (SHADDA,))]
    return [(class_of(given), ())]


# Character vocabulary of the model input. Id 0 pads, id 1 is any character not listed.
PAD_ID, OTHER_ID = 0, 1


def build_vocab():
    """Code point -> input id. Stored in the weights file, so C++ needs no copy of this."""
    vocab = {}
    next_id = 2

    def add(cps):
        nonlocal next_id
        for cp in cps:
            vocab[cp] = next_id
        next_id += 1

    add([0x20, 0x09, 0xA0])  # spaces
    add(list(range(0x30, 0x3A)) + list(range(0x0660, 0x066A)) + list(range(0x06F0, 0x06FA)))
    add(list(range(0x41, 0x5B)) + list(range(0x61, 0x7B)))  # Latin letters
    for ch in "،.():/؛-؟{}[]\"«»,;!'*":
        add([ord(ch)])
    add([0x0640])  # tatweel
    add([0x0671])  # alef wasla
    for cp in list(range(0x0621, 0x063B)) + list(range(0x0641, 0x064B)):
        add([cp])
    return vocab, next_id


# Word ids of the model input (models with word embeddings): 0 for a character that is not one
# of the 36 letters, 1 for a word (run of letters) not in the model's word list, then the list.
NO_WORD_ID, UNKNOWN_WORD_ID, FIRST_WORD_ID = 0, 1, 2


_W, _F, _B, _L, _K, _S = "\u0648", "\u0641", "\u0628", "\u0644", "\u0643", "\u0633"
_AL = "\u0627\u0644"  # the article
# The clitics a word is split into around its stem, tried in this order (lexicon.py's stem
# backoff and a word_stems model's word ids; src/text/stem_splits.h has the same lists).
STEM_PREFIXES = ["", _W, _F, _B, _L, _K, _S, _AL, _W + _AL, _F + _AL, _B + _AL, _K + _AL,
                 _L + _L, _W + _L + _L, _F + _L + _L, _W + _B, _W + _L, _W + _K, _F + _B, _F + _L,
                 _W + _S, _F + _S, _W + _B + _AL, _W + _K + _AL, _F + _B + _AL]
STEM_SUFFIXES = ["", "\u0647", "\u0647\u0627", "\u0647\u0645\u0627", "\u0647\u0645",
                 "\u0647\u0646", "\u0643", "\u0643\u0645\u0627", "\u0643\u0645", "\u0643\u0646",
                 "\u064a", "\u0646\u064a", "\u0646\u0627", "\u0629", "\u0627\u062a",
                 "\u0648\u0646", "\u064a\u0646", "\u0627\u0646"]
TA, TA_MARBUTA = "\u062a", "\u0629"


def stem_splits(word):
    """(prefix, stem) of each split of `word` into a prefix of STEM_PREFIXES, a stem of two
    letters or more and a suffix of STEM_SUFFIXES, not both clitics empty, in the lists' order;
    before a suffix, a stem ending in ta' is also given with ta' marbuta (right after it)."""
    for prefix in STEM_PREFIXES:
        if not word.startswith(prefix):
            continue
        for suffix in STEM_SUFFIXES:
            if not (prefix or suffix) or not word.endswith(suffix) \
                    or len(word) - len(prefix) - len(suffix) < 2:
                continue
            stem = word[len(prefix):len(word) - len(suffix)]
            yield prefix, stem
            if suffix and stem.endswith(TA):
                yield prefix, stem[:-1] + TA_MARBUTA


class WordIndex(dict):
    """Word -> id of a model's word list (in id order). With `stems` (a model trained with
    --word-stems), a word not in the list takes the id of its stem (stem_splits) when the list
    has one: the longest such stem, then the most frequent (the lowest id), then the first split;
    else UNKNOWN_WORD_ID."""

    def __init__(self, words, stems=False):
        super().__init__((w, FIRST_WORD_ID + k) for k, w in enumerate(words))
        self.stems = stems

    def stem_id(self, word):
        """The id of `word`'s best stem in the list (see the class), UNKNOWN_WORD_ID when none."""
        best, best_key = UNKNOWN_WORD_ID, None
        for _, stem in stem_splits(word):
            wid = self.get(stem)
            if wid is not None and (best_key is None or (len(stem), -wid) > best_key):
                best, best_key = wid, (len(stem), -wid)
        return best

    def id_of(self, word):
        """The input id of `word`: its own, else (with stems) its stem's, else unknown."""
        wid = self.get(word)
        if wid is not None:
            return wid
        return self.stem_id(word) if self.stems else UNKNOWN_WORD_ID


def word_index(words, stems=False):
    """The WordIndex of a model's word list."""
    return WordIndex(words, stems)


def word_runs(bases):
    """[start, end) of each run of letters (a word) of `bases`."""
    runs, i, n = [], 0, len(bases)
    while i < n:
        if is_letter(bases[i]):
            j = i
            while j < n and is_letter(bases[j]):
                j += 1
            runs.append((i, j))
            i = j
        else:
            i += 1
    return runs


def word_ids(bases, index):
    """The word id of each base character (NO_WORD_ID outside words)."""
    ids = [NO_WORD_ID] * len(bases)
    for start, end in word_runs(bases):
        word = "".join(chr(cp) for cp in bases[start:end])
        wid = (index.id_of(word) if isinstance(index, WordIndex)
               else index.get(word, UNKNOWN_WORD_ID))
        ids[start:end] = [wid] * (end - start)
    return ids


def is_other_mark(cp):
    """An Arabic combining mark other than the eight (Quranic and honorific signs, madda and
    hamza above / below, the superscript alef U+0670, ...): kept in place with the base it
    follows; the model reads past it (parse_line_folded)."""
    return (0x0610 <= cp <= 0x061A or 0x0653 <= cp <= 0x065F or cp == 0x0670
            or 0x06D6 <= cp <= 0x06DC or 0x06DF <= cp <= 0x06E4 or cp in (0x06E7, 0x06E8)
            or 0x06EA <= cp <= 0x06ED)


def compose_hamza(base, mark):
    """The letter `base` followed by the combining madda / hamza `mark`, composed (آ أ إ ؤ ئ);
    `base` when they do not compose."""
    if base == 0x0627:
        return {0x0653: 0x0622, 0x0654: 0x0623, 0x0655: 0x0625}.get(mark, base)
    if mark != 0x0654:
        return base
    return {0x0648: 0x0624, 0x064A: 0x0626, 0x0649: 0x0626}.get(base, base)


TATWEEL = 0x0640


def parse_line_folded(line):
    """parse_line for inference on any text: the other Arabic combining marks (is_other_mark)
    after a base stay with it instead of being bases, and a letter followed by a combining
    madda or hamza is read as the composed letter (the first such mark only). A tatweel (kashida,
    U+0640) after a letter stretches it: not a base (the letters around it are one word), and
    marks added to the letter go before it. Returns (bases, marks, leading, texts): texts[i] is
    [base i as written with the marks after it, the tatweels after those]; added marks go
    between the two."""
    bases, marks, leading, texts, folded = [], [], [], [], []
    for ch in line:
        cp = ord(ch)
        if is_mark(cp):
            if marks:
                marks[-1].append(cp)
                texts[-1] = [texts[-1][0] + texts[-1][1] + ch, ""]
            else:
                leading.append(cp)
        elif is_other_mark(cp) and bases:
            if not folded[-1]:
                composed = compose_hamza(bases[-1], cp)
                folded[-1] = composed != bases[-1]
                bases[-1] = composed
            texts[-1] = [texts[-1][0] + texts[-1][1] + ch, ""]
        elif cp == TATWEEL and bases and is_letter(bases[-1]):
            texts[-1][1] += ch
        else:
            bases.append(cp)
            marks.append([])
            texts.append([ch, ""])
            folded.append(False)
    return bases, marks, leading, texts


def parse_line(line):
    """Splits a line into base characters (code points that are not marks) and, for each, the
    marks written right after it. Marks before the first base character are attached to a
    pseudo position -1 and returned separately."""
    bases, marks, leading = [], [], []
    for ch in line:
        cp = ord(ch)
        if is_mark(cp):
            (marks[-1] if marks else leading).append(cp)
        else:
            bases.append(cp)
            marks.append([])
    return bases, marks, leading


def segment_bounds(bases, max_len):
    """[start, end) ranges of at most max_len characters covering `bases`, cut at spaces (the
    space at a cut belongs to no range), preferring a space right after a non-letter (such as
    punctuation) in the second half of the range. max_len 0: one range."""
    bounds, start, n = [], 0, len(bases)
    while start < n:
        end = n
        if max_len and end - start > max_len:
            cut = None
            for j in range(start + max_len, start + max_len // 2, -1):
                if bases[j] == 0x20:
                    if cut is None:
                        cut = j
                    if not is_letter(bases[j - 1]):
                        cut = j
                        break
            end = cut if cut is not None else start + max_len
        bounds.append((start, end))
        start = end + 1 if end < n and bases[end] == 0x20 else end
    return bounds


DEV_MOD = 50


def is_dev_line(line, mod=DEV_MOD):
    """True for the lines of the dev split carved from all.txt: those whose text without marks
    hashes (SHA-1, first 8 bytes little-endian) to 0 modulo `mod` (about 1 line in `mod`).
    Hashing the text without marks keeps repeated lines on one side of the split."""
    bare = "".join(ch for ch in line if not is_mark(ord(ch))).strip().encode("utf-8")
    return int.from_bytes(hashlib.sha1(bare).digest()[:8], "little") % mod == 0


def find_data_dir(repo):
    """The default directory of the training data (all.txt, val.txt) when no path is given: the
    workplace's data directory (the path joined below) beside the checkout `repo` or beside one
    of its parent directories (a worktree may sit deeper than the main checkout); that path
    beside `repo` if none has it."""
    here = os.path.abspath(repo)
    while True:
        parent = os.path.dirname(here)
        candidate = os.path.join(parent, "shared", "data", "arabic")
        if os.path.isdir(candidate) or parent == here:
            break
        here = parent
    if os.path.isdir(candidate):
        return candidate
    return os.path.join(os.path.dirname(os.path.abspath(repo)), "shared", "data", "arabic")
