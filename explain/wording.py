"""The words of a sentence as the support check reads them (explain.support): content words, words that
mean the same as a quote's (a shared stem, one slip, a plain paraphrase) and the sides of opposite levels
a text takes ("fast" or "slow", "less realistic" on the blurry side)."""
from __future__ import annotations

import re

STOP_WORDS = """a an the and or but if then than that this these those it its it's is are was were be been being
of for to in on at by with from as into about over under so such not no nor very more most less least can
could should would will may might must do does did done have has had you your yours we our they their them
he she his her which who whom what when where why how also only just both each other any all some there
here one well much many because while since per via using use used choose choice pick recommend
recommended best good option fit fits fitting suited suitable right model models family families approach
approaches source sources cited cite according says say said rated rate rating level levels make makes
need needs want wants like based known go goes instead runner runner-up top priority priorities were
expect cost costs trade-off tradeoff aware matter matters asked ask care case between named name names
gives give situation rule here there accept among list lists listed mention mentions mentioned describe
describes described include includes included including example examples given guide decision advice table
matrix comparison summary words works points appears applied calls calling flags notes keep mind ready
headline meaning means another latter former things type kind get gets come comes out i.e e.g full toward
towards recommends recommending citing alternative alternatives too guides side notably suggests suggest
suggested reaching reach appear tools tool commonly aim itself"""
STOP = frozenset(STOP_WORDS.split())
OPPOSITES = [({"fast", "faster", "fastest", "quick", "quickly", "rapid", "real-time"},
              {"slow", "slower", "slowest", "sluggish"}),
             ({"high", "higher", "highest", "excellent", "strong", "good", "great"},
              {"low", "lower", "lowest", "poor", "weak", "limited"}),
             ({"stable", "stability", "easy", "easier", "simple", "simpler"},
              {"unstable", "instability", "hard", "harder", "difficult", "tricky", "complex"}),
             ({"cheap", "efficient", "lightweight", "light", "modest", "little", "few", "small"},
              {"expensive", "costly", "heavy", "large", "intensive", "huge"}),
             ({"sharp", "crisp", "realistic", "photorealistic", "detailed"},
              {"blurry", "blurred", "fuzzy", "unrealistic", "smeared"})]
PARAPHRASES = [        # words a sentence may use for a quote's: plain English paraphrase, not levels (OPPOSITES)
    "generate generates generated generating generation produce produces produced producing create creates "
    "created creating build builds make makes synthesize synthesise synthesizes synthesises synthesis output "
    "outputs sample samples sampled drawn yield yields",
    "require requires required requiring needing demand demands demanding depend depends",
    "image images picture pictures photo photos photograph photographs",
    "priority first critical important goal main matters",
    "best optimal ideal",
    "each every",
    "increase increases increasing raise raises raising boost improve improves",
    "maintain maintains maintaining keeping preserve preserves preserving retain retaining",
    "identify identifies identifying spot spotting detect detects detecting flag flagging find finding",
    "large big huge lots lot plenty many massive",
    "weakness weaknesses drawback drawbacks downside downsides limitation limitations cons disadvantage",
    "strength strengths advantage advantages benefit benefits pros plus",
    "straightforward uncomplicated simple simpler easy easier",
    "blurry fuzzy blurred",
    "step-by-step sequential sequentially one-by-one point-by-point"]
SAME = {w: frozenset(group.split()) for group in PARAPHRASES for w in group.split()}
POLE_WORDS = frozenset().union(*(side for pair in OPPOSITES for side in pair))
FLIPS = frozenset({"less", "not", "non", "never", "hardly", "un"})

def words(text: str) -> list[str]:
    return re.findall(r"[a-z0-9][a-z0-9\-]*", text.lower().replace("’", "'").replace("'s ", " "))


def content(text: str) -> set[str]:
    return {w for w in words(text) if w not in STOP and len(w) > 1 and not w.isdigit()}


def found(word: str, pool: set[str]) -> bool:
    """The word, or one sharing its stem ("sample", "sampling"; "stable", "stability") or spelt one letter
    apart ("modelling", "modeling"), is in the pool."""
    if word in pool or SAME.get(word, frozenset()) & pool:
        return True
    for other in pool:
        if len(word) >= 6 and _one_edit(word, other):
            return True
        shared = next((i for i, (a, b) in enumerate(zip(word, other, strict=False)) if a != b),
                      min(len(word), len(other)))
        if shared >= 4 and shared >= min(len(word), len(other)) - 2:
            return True
    return False


def _one_edit(a: str, b: str) -> bool:
    if abs(len(a) - len(b)) > 1:
        return False
    if len(a) == len(b):
        return sum(x != y for x, y in zip(a, b, strict=True)) <= 1
    short, long = sorted((a, b), key=len)
    return any(long[:i] + long[i + 1:] == short for i in range(len(long)))


def poles(text: str) -> set[tuple[int, int]]:
    """The (pair, side) of OPPOSITES a text's words take; a word after "less", "not", … takes the other side
    ("less realistic" is on the blurry side)."""
    tokens = words(text)
    found_poles = set()
    for i, word in enumerate(tokens):
        flipped = i > 0 and tokens[i - 1] in FLIPS
        for pair, sides in enumerate(OPPOSITES):
            for side in (0, 1):
                if word in sides[side]:
                    found_poles.add((pair, 1 - side if flipped else side))
    return found_poles


__all__ = ["STOP", "OPPOSITES", "PARAPHRASES", "SAME", "POLE_WORDS", "FLIPS", "words", "content", "found", "poles"]
