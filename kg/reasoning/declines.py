"""Whether a question asks for a generative model at all: the words of generation, of prediction and
classification, and of questions about the families themselves (general knowledge)."""
from __future__ import annotations

import re

DECLINE_BELOW = 0.45       # best use-case similarity under which a need is not generative

_DISCRIMINATIVE = re.compile(r"\b(classif\w*|regression|regressor|predicts?|prediction|labels?|"
                             r"sentiment|churn|spam|categori[sz]e|score|rank)\b", re.I)
GENERATIVE = re.compile(r"\b(generat\w*|synthe\w*|creat\w*|produc\w*|writ(e|es|er|ers|ing)|caption\w*|"
                        r"predict\w* (the )?(next|future|upcoming|coming)|compos\w*|render\w*|"
                        r"imagin\w*|fake|sample\w*|interpolat\w*|denois\w*|inpaint\w*|restor\w*|"
                        r"augment\w*|forecast\w*|translat\w*|upscal\w*|resolution|convert|turn \w+ into|"
                        r"draw|paint|design|likelihood|density|anomal\w*|detect\w*|reconstruct\w*|"
                        r"views?|latent)\b", re.I)
_DEFINITION = re.compile(r"\b(stand for|stands for|acronym|abbreviation|short for)\b", re.I)
# A question about the families themselves, not a need ("what's the difference between a GAN and a VAE?",
# "why do GANs mode-collapse?", "how does diffusion work?"), unless the person also says what they need.
_ABOUT = re.compile(r"^\W*(what('?s| is| are)( the)? (difference|differences|distinction)|why (do|does|is|are)|"
                    r"how (does|do) (a |an |the )?[\w-]+( models?)? work|explain|define|who (invented|created)|"
                    r"in (plain|simple) words)\b", re.I)
_OWN_NEED = re.compile(r"\b(i|we|my|our|us)\b.{0,40}\b(need|want|have|build|building|generate|make|use|train)\b|"
                       r"\bfor (my|our)\b", re.I)


def asks_about(text: str) -> bool:
    """Whether the text asks about the model families rather than for one (general knowledge)."""
    return bool(_ABOUT.search(text)) and not _OWN_NEED.search(text) and not GENERATIVE.search(text)


def decline_reason(text: str, wanted: str, *, best_use_case: float, stated: bool, unwanted: bool) -> str:
    """Why a question asks for no generation, or "" when it does. `wanted` is its text without the clauses
    that say what is not wanted ("I don't want to generate anything, just predict churn" asks for none);
    `stated`: it states priorities or constraints; `unwanted`: some clause says what is not wanted."""
    generative = bool(GENERATIVE.search(wanted))
    refused = unwanted and not generative        # "I don't want to generate anything, just …"
    if _DISCRIMINATIVE.search(text) and not generative and (best_use_case < 0.6 or refused):
        return ("this asks to predict or classify labels or values from data, which is a job for a "
                "discriminative model (a classifier or regressor), not for a generative model family")
    if ((best_use_case < DECLINE_BELOW and not stated) or refused or _DEFINITION.search(text)
            or asks_about(text)) and not generative:
        return ("this question states no need to generate, reconstruct or model data; whichmodel only "
                "recommends generative model families")
    return ""


__all__ = ["GENERATIVE", "DECLINE_BELOW", "asks_about", "decline_reason"]
