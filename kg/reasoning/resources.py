"""Resource words beyond "small" and "large": hardware named instead of a compute budget, and data
given as a count ("~300 images", "2M rows", "a few hundred photos") instead of a size."""
from __future__ import annotations

import re

_NUMBER_WORDS = {"thousand": 1e3, "k": 1e3, "million": 1e6, "m": 1e6, "mm": 1e6, "billion": 1e9, "b": 1e9}
SMALL_DATA_BELOW = 10_000          # items; fewer is a small dataset (the corpus's own convention)
LARGE_DATA_FROM = 20_000

SMALL_HARDWARE = re.compile(
    r"\b(laptops?|notebook|macbook( air| pro)?|ipad|iphone|(smart)?phones?|tablets?|raspberry pi|jetson|"
    r"microcontrollers?|edge (device|pc|box|hardware|gpu)s?|on[- ]device|on the device|cpu[- ]only|"
    r"(just|only) (a )?cpu|consumer (gpu|card|hardware|graphics card)s?|gaming (gpu|card|pc|laptop)|"
    r"(single|one|a) (workstation|older gpu|small gpu|modest gpu|cheap gpu|gpu box|gpu|card)|"
    r"modest hardware|weak hardware|older gpus?|(rtx|gtx)[ -]?\d{3,4}\w*|(30|40|50)[5-9]0( ti)?|"
    r"t4|a10g?|m[1-4] (mac|chip|ipad|macbook)|consoles?|console hardware|colab|free tier|in the browser|"
    r"no (big|large|real) gpus?|without a gpu|no gpus?|(4|6|8|10|11|12|16|24) ?gb( of)? (card|gpu|vram|graphics card)|"
    r"(gpu|card|budget|compute) is (puny|tiny|minuscule|weak|small)|smart ?speakers?|earbuds?|hearing aids?|"
    r"wearables?|smart ?watch(es)?|(dont|don'?t|do not|doesn'?t|didn'?t) (have|own|got) (a |any )?"
    r"(gpus?|graphics cards?)|handsets?|embedded (chips?|boards?|devices?|systems?|hardware|cpus?)|"
    r"on-?board (computers?|cpus?|chips?)|(tiny|itty[- ]bitty|low[- ]power) (chips?|boards?|computers?|devices?|"
    r"cpus?)|models? (must|has to|needs to|should) be (tiny|small|lightweight|light))\b", re.I)
LARGE_HARDWARE = re.compile(
    r"\b((gpu |compute |training )?clusters?|supercomputer|tpu[ -]?(v\d )?pods?|data ?cent(er|re)s?|dgx|gpu farm|"
    r"\d+ ?(x|×) ?(gpus?|h100s?|a100s?|v100s?|h200s?|tpus?)|(\d{2,}|eight|sixteen|dozens of|hundreds of|"
    r"thousands of|many|lots of|plenty of) (gpus|h100s|a100s|v100s|tpus|nodes)|\d+-gpu|"
    r"unlimited compute|(a lot of|lots of|plenty of|deep) (money|budget|pockets?)|"
    r"(sizeable|sizable|large|big|generous) (gpu|compute) (allocation|budget)|"
    r"(a )?(couple|few|several) (of )?gpu nodes|"
    r"compute is (fine|cheap|plentiful|abundant)|compute isn'?t (a problem|an issue|scarce|limited))\b", re.I)
_ITEMS = (r"images?|photos?|pictures?|pics|samples?|examples?|rows|records?|recordings?|clips?|tiles|scans|"
          r"sketches|icons|compounds|molecules|structures|documents|docs|texts|sentences|pairs|tokens|patients|"
          r"songs|tracks|frames|shots|series|runs|transactions|drawings|illustrations|faces|selfies|videos|"
          r"views|renders|utterances|speakers|hours|minutes|mins|cases|items|products|designs|logs|letters|"
          r"sequences|proteins|entries|labels|files|slides|meshes|scenes|spectra|signals|readings|events|plans|"
          r"loops|curves|posters|patterns|photographs|paintings|artworks|volumes|traces|trials|profiles")
_COUNT = re.compile(r"(?<![\w.])(\d[\d,]*(?:\.\d+)?)\s*(k|m|mm|b|thousand|million|billion)?\+?\s+"
                    r"(?:[a-z][\w-]*\s+){0,3}?(" + _ITEMS + r")\b", re.I)
# A count of whatever the person has, in words the item list does not know ("we only have 2k claims").
_HAVE_COUNT = re.compile(r"\b(?:have|got|collected|gathered|own)\s+(?:only |just |about |around |roughly |maybe |~)?"
                         r"(\d[\d,]*(?:\.\d+)?)\s*(k|m|thousand|million)?\+?\s+(?:[a-z][\w-]*\s+){0,2}?"
                         r"(?!(?:gpus|cards|cores|machines|nodes|servers|people|engineers|devs|developers|teammates|colleagues|"
                         r"kids|children|friends|users|customers|dollars|euros|bucks|days|weeks|months|years|"
                         r"gb|tb|mb)\b)([a-z]+s)\b", re.I)
_FEW = re.compile(r"\b(a few|a handful of|handful of|(?:a )?few hundred|(?:a )?couple(?: of)? hundred|few|a couple of|"
                  r"a couple|a few dozen|"
                  r"several hundred|(?:only|just) (?:a dozen|dozens of|hundreds of|one|two|three|four|five|six|seven|"
                  r"eight|nine|ten|twenty|thirty|forty|fifty))\s+(?!(?:thousand|million|billion|hundred thousand)\b)"
                  r"(?:[a-z][\w-]*\s+){0,3}?(" + _ITEMS + r")\b", re.I)
_MANY = re.compile(r"\b(tens of thousands|hundreds of thousands|millions|billions|thousands and thousands)\s+of\b|"
                   r"\b(a few|several|many|multiple) (million|billion)\b|"
                   r"\b(huge|massive|enormous|vast|web-scale|internet-scale)\s+(\w+\s+){0,2}?"
                   r"(dataset|corpus|archive|collection|table|amount of data)\b", re.I)


LIFTED = re.compile(r"\b(forget|ignore|drop|remove|lift|scrap|scratch|never mind|no more|without)\s+(about\s+)?"
                    r"(the\s+|my\s+|our\s+|any\s+|that\s+)?(compute|gpu|vram|memory|hardware|budget|data|dataset)\s+"
                    r"(limits?|constraints?|budget|caps?|restrictions?|problem|issue|thing|part|requirements?)\b", re.I)


# More of a resource than before ("what if we had way more data?", "with 10x more GPUs").
MORE = re.compile(r"\b(had|have|get|got|with|given)\s+(way |much |far |a lot |lots |ten times |10x |many )?more\s+"
                  r"(training |labelled |labeled )?(data|images|examples|samples|photos|recordings|compute|gpus?)\b",
                  re.I)


def lifted(text: str) -> set[str]:
    """Resources whose limit the text lifts ("forget the compute limit", "what if we had way more data?"):
    {"compute"} or {"data"}."""
    kinds = set()
    for match in LIFTED.finditer(text):
        kinds.add("data" if match.group(4).lower().startswith("data") else "compute")
    for match in MORE.finditer(text):
        kinds.add("compute" if match.group(4).lower().startswith(("compute", "gpu")) else "data")
    return kinds


_CUES = {
    "compute": re.compile(r"\b(compute|computational|computing|gpus?|tpus?|hardware|budget|clusters?|cloud|"
                          r"cpus?|servers?|machines?|workstation|accelerators?|resources|money|afford|cheap|"
                          r"expensive)\b", re.I),
    "data": re.compile(r"\b(data|dataset|datasets|examples?|samples?|records?|rows|corpus|archive|collection|"
                       r"training set|labelled|labeled|few|handful|millions|billions|thousands|hundreds|huge|"
                       r"tiny|scarce|rare|limited|plenty|lots)\b", re.I),
    "pretrained": re.compile(r"\b(pre-?train(?:ed)?|checkpoints?|foundation|fine-?tun\w*|off-the-shelf|existing|"
                             r"base model|lora|from scratch|public (model|weights)|weights|open[- ]weights?|llama|"
                             r"stable diffusion|sdxl|gpt|bert|wavenet|stylegan|nothing (out there|available)|"
                             r"no model)\b", re.I),
    "latency": re.compile(r"\b(real[- ]?time|latency|fast|faster|instant\w*|ms|fps|on the fly|interactive|live|"
                          r"seconds?|quick\w*|speed|immediate\w*|delay|responsive|on-device|mobile|phones?|"
                          r"streaming|per second|milliseconds?)\b", re.I),
}


def states_resource(text: str, kind: str) -> bool:
    """Whether the text says anything about a resource (compute, data, pretrained, latency) at all: a
    constraint is only read where the person states it, never inferred from the topic alone."""
    if kind == "compute" and hardware_size(text):
        return True
    if kind == "data" and data_size(text):
        return True
    return bool(_CUES[kind].search(text)) or (kind in ("compute", "data") and bool(LIFTED.search(text)))


def hardware_size(text: str) -> str:
    """'small' or 'large' when the text names hardware that implies a compute budget, else ''."""
    large, small = LARGE_HARDWARE.search(text), SMALL_HARDWARE.search(text)
    if large and not small:
        return "large"
    if small and not large:
        return "small"
    if small and large:                 # the later mention wins ("one GPU now, a cluster next year")
        return "large" if large.start() > small.start() else "small"
    return ""


def _amount(number: str, scale: str | None, unit: str) -> float:
    value = float(number.replace(",", ""))
    value *= _NUMBER_WORDS.get((scale or "").lower(), 1.0)
    unit = unit.lower()
    if unit in ("hours",):
        value *= 200                     # an hour of speech or video is many training items
    elif unit in ("minutes", "mins"):
        value *= 4
    return value


def data_size(text: str) -> str:
    """'small' or 'large' when the text counts its training data, else ''."""
    if _MANY.search(text):
        return "large"
    sizes = []
    for match in [*_COUNT.finditer(text)] or [*_HAVE_COUNT.finditer(text)]:
        value = _amount(match.group(1), match.group(2), match.group(3))
        if value < SMALL_DATA_BELOW:
            sizes.append("small")
        elif value >= LARGE_DATA_FROM:
            sizes.append("large")
    if sizes:
        return sizes[-1]
    return "small" if _FEW.search(text) else ""





# A pre-trained model named, and whether the words right around it deny it ("nothing pretrained exists",
# "no public checkpoint", "can't use anyone's pretrained weights") or state it ("a pretrained model exists",
# "we can fine-tune an existing pretrained model", "open weights we may adapt").
_PRETRAINED_CUE = re.compile(
    r"\b(pre-?train(?:ed)?|checkpoints?|foundation models?|off-the-shelf|open[- ]weights?|"
    r"open[- ](?:source )?(?:models?|llms?|checkpoints?)|"
    r"public (?:\w+ ){0,2}?(?:models?|checkpoints?|weights|generators?)|"
    r"existing (?:open[- ]?\w* |\w+ )?(?:models?|checkpoints?|weights|networks?)|fine-?tun\w*|lora|sdxl|"
    r"base models?|released (?:a |an )?(?:\w+ ){0,2}?(?:models?|generators?)|"
    r"(?:somebody|someone|anybody|anyone) else'?s (?:\w+ )?(?:models?|weights|checkpoints?))\b", re.I)
_DENIED_BEFORE = re.compile(r"\b(no|nothing|nobody|none|not|never|without|no one|lack\w*|\w+n't|cannot|"
                            r"forbid\w*|prohibit\w*|bans?|banned|disallow\w*|not allowed|"
                            r"dont|doesnt|cant|wont|isnt|arent|havent)\b[^,;.:()]{0,30}$", re.I)
_DENIED_AFTER = re.compile(r"^[^,;.]{0,30}?\b((doesn'?t|don'?t|does not|do not|won'?t) (exist|fit|cover|apply)|"
                           r"unavailable|not available|isn'?t available)", re.I)
_CONTRAST = re.compile(r"\b(but|though|although|however|yet|whereas|while)\b", re.I)
_FROM_SCRATCH = re.compile(r"\b(own domain|from scratch|niche domain)\b", re.I)


def pretrained_stated(text: str) -> str:
    """'available' or 'unavailable' when the text says whether a pre-trained model exists for the task, else
    ''. The last mention wins; "from scratch" alone means none, unless a model is named as available."""
    said = ""
    for match in _PRETRAINED_CUE.finditer(text):
        before = _CONTRAST.split(text[max(0, match.start() - 40):match.start()])[-1]
        denied = _DENIED_BEFORE.search(before) or _DENIED_AFTER.search(text[match.end():match.end() + 40])
        said = "unavailable" if denied else "available"
    if said:
        return said
    return "unavailable" if _FROM_SCRATCH.search(text) else ""
_RESOURCE_SPANS = (SMALL_HARDWARE, LARGE_HARDWARE, _COUNT, _FEW, _MANY, _PRETRAINED_CUE)
_FILLER = re.compile(r"\b(we|i|our|my|have|has|had|got|only|just|about|around|roughly|approx\w*|maybe|some|a|an|"
                     r"the|of|on|with|and|is|are|there|total|in|use|using|at|most|least|max|per|each|\w+n't)\b|"
                     r"[^\w\s]", re.I)
# The patterns whose literal words the reading listens for: a misspelling is corrected towards them.
LEXICON = (SMALL_HARDWARE, LARGE_HARDWARE, _COUNT, _FEW, _MANY, LIFTED, MORE, *_CUES.values(), _PRETRAINED_CUE,
           _DENIED_BEFORE, _DENIED_AFTER, _CONTRAST, _FROM_SCRATCH, _FILLER)
RESOURCE_ONLY_WORDS = 2            # a clause with no more words than this beside its resource names no task


def resource_only(clause: str) -> bool:
    """Whether a clause only states a resource ("~300 images", "one consumer GPU", "a pretrained
    checkpoint exists"): such a clause names no task, so it must not pull a use case by its nouns."""
    rest, found = clause, False
    for pattern in _RESOURCE_SPANS:
        rest, n = pattern.subn(" ", rest)
        found = found or n > 0
    return found and len(_FILLER.sub(" ", rest).split()) <= RESOURCE_ONLY_WORDS


__all__ = ["hardware_size", "data_size", "lifted", "states_resource", "pretrained_stated", "resource_only"]
