"""Whether a question asks for a generative model at all: the words of generation, of prediction and
classification, and of questions about the families themselves (general knowledge)."""
from __future__ import annotations

import re

OUT_OF_SCOPE_MARGIN = 0.08   # closer to a kind of request not served than to any use case by this much: declined
OUT_OF_SCOPE_NEAR = 0.4   # similarity from which a declined question is told its out-of-scope kind's reason
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
NO_NEED = ("this question states no need to generate, reconstruct or model data; whichmodel only recommends "
           "generative model families")
_DISCRIMINATIVE_JOB = "a job for a discriminative model ({}), not for a generative model family"
# Requests that are not for a generative model, by kind: a reason, and texts that stand for the kind. The
# learned decline head weighs a question's similarity with them against its similarity with the use cases,
# and a declined question closest to one kind is told that kind's reason.
OUT_OF_SCOPE: dict[str, tuple[str, tuple[str, ...]]] = {
    "prediction": ("this asks to predict or classify labels or values from data, which is "
                   + _DISCRIMINATIVE_JOB.format("a classifier or regressor"),
                   ("predict a label or a number from data", "classify records or images into categories",
                    "churn, conversion or risk prediction", "sentiment analysis", "spam filtering")),
    "detection": ("this asks to detect or recognise things in data, which is "
                  + _DISCRIMINATIVE_JOB.format("a detector or classifier"),
                  ("object detection with bounding boxes", "tell whether an image or video is real or fake",
                   "recognise which landmark, song or person this is")),
    "segmentation": ("this asks to mark which pixels or regions belong to what, which is "
                     + _DISCRIMINATIVE_JOB.format("a segmentation network"),
                     ("image segmentation masks", "segment regions in medical scans", "cut out the foreground")),
    "estimation": ("this asks to measure or estimate something from data, which is "
                   + _DISCRIMINATIVE_JOB.format("an estimator or regressor"),
                   ("pose estimation of body keypoints", "depth estimation from a single image",
                    "estimate the tempo and key of a song")),
    "transcription": ("this asks to recognise or transcribe what is said or written, which is "
                      + _DISCRIMINATIVE_JOB.format("a recogniser"),
                      ("speech recognition and transcription", "optical character recognition of handwriting",
                       "recognise the speaker's emotion from their voice")),
    "software": ("this asks about software, tools or hardware, not about which generative model family fits "
                 "a need", ("choose a software tool, library or framework", "which app, IDE or code editor to use",
                            "docker, deployment, testing and experiment tracking", "which GPU or computer to buy",
                            "make a game engine or app run faster")),
    "knowledge": ("this asks a general-knowledge question, not for a model for a need; whichmodel only "
                  "recommends generative model families",
                  ("explain a machine learning concept", "what does this term or acronym mean",
                   "what an abbreviation stands for", "who invented it and when", "a science homework question")),
    "chat": ("this message states no need; whichmodel recommends generative model families for a need",
             ("hello there", "thanks a lot, that's all", "small talk", "compliments about the answers")),
    "errand": ("this asks whichmodel to do a task itself; whichmodel recommends which generative model family "
               "to use, it does not generate", ("write a poem for me now", "translate this sentence for me",
                                                  "summarize this article for me", "make me a picture now")),
}


# The patterns whose literal words the reading listens for: a misspelling is corrected towards them.
LEXICON = (_DISCRIMINATIVE, GENERATIVE, _DEFINITION, _ABOUT, _OWN_NEED)


def plainly_out_of_scope(scores: dict[str, float], best_use_case: float) -> str:
    """The out-of-scope kind a question is plainly closer to than to any generative use case, or "". (On the
    need corpus's train and dev splits, a margin of OUT_OF_SCOPE_MARGIN held no generative need.)"""
    kind = max(scores, key=scores.get, default="")
    return kind if kind and scores[kind] - best_use_case >= OUT_OF_SCOPE_MARGIN else ""


def nearest_kind(scores: dict[str, float]) -> str:
    """The out-of-scope kind of request a declined question is plainly closest to, or ""."""
    kind = max(scores, key=scores.get, default="")
    return kind if kind and scores[kind] >= OUT_OF_SCOPE_NEAR else ""


def reason_of(kind: str) -> str:
    """What a decline of this kind of request (an OUT_OF_SCOPE key, or "" for none plain) tells the person."""
    return OUT_OF_SCOPE[kind][0] if kind else NO_NEED


def asks_about(text: str) -> bool:
    """Whether the text asks about the model families rather than for one (general knowledge: "what does NeRF
    stand for?", "why do GANs mode-collapse?"). Every such question of the need corpus is a decline."""
    return bool(_ABOUT.search(text) or _DEFINITION.search(text)) and not _OWN_NEED.search(text) \
        and not GENERATIVE.search(text)


def decline_kind(text: str, wanted: str, *, best_use_case: float, stated: bool, unwanted: bool) -> str | None:
    """Whether a question asks for no generation: None when it does ask for some; else the kind of request it
    is (an OUT_OF_SCOPE key), or "" when no kind is plain. `wanted` is its text without the clauses that say
    what is not wanted ("I don't want to generate anything, just predict churn" asks for none); `stated`: it
    states priorities or constraints; `unwanted`: some clause says what is not wanted."""
    generative = bool(GENERATIVE.search(wanted))
    refused = unwanted and not generative        # "I don't want to generate anything, just …"
    if asks_about(text):
        return "knowledge"
    if _DISCRIMINATIVE.search(text) and not generative and (best_use_case < 0.6 or refused):
        return "prediction"
    if ((best_use_case < DECLINE_BELOW and not stated) or refused) and not generative:
        return ""
    return None


__all__ = ["GENERATIVE", "DECLINE_BELOW", "NO_NEED", "OUT_OF_SCOPE", "nearest_kind", "reason_of",
           "plainly_out_of_scope", "asks_about", "decline_kind"]
