"""The need parser: resource words, families named, follow-ups, the learned heads and their figures on the
frozen test splits (measured here, never tuned on)."""
from __future__ import annotations

import hashlib
import shutil
from pathlib import Path

import numpy as np
import pytest

from kg.reasoning.conversation import is_follow_up, merge, read_intent
from kg.reasoning.declines import OUT_OF_SCOPE
from kg.reasoning.families import candidates, named_families, ruled_out, tool_choice
from kg.reasoning.needs import Needs, map_needs
from kg.reasoning.parser import PARSER_FILE, NeedParser
from kg.reasoning.resources import data_size, hardware_size, lifted, pretrained_stated, resource_only
from kg.reasoning.spelling import edit_distance

ROOT = Path(__file__).resolve().parent.parent
TEST_SPLIT = ROOT / "tests" / "data" / "needs-test.yaml"
TEST_SPLIT_SHA256 = "a2801229d7a4c6d724456c3f70dee57a1ddef230294721cc44ab85d3b6bc1756"
TEST_SPLIT_2 = ROOT / "tests" / "data" / "needs-test-2.yaml"
TEST_SPLIT_2_SHA256 = "a1b5d7348620742ac623abb9371b56930baaef083b4d43c9277b2813766678a3"
TEST_SPLIT_3 = ROOT / "tests" / "data" / "needs-test-3.yaml"
TEST_SPLIT_3_SHA256 = "fdd55c5678a4e6f2ef90aaea7855eaeee023ce419861882fab2a48bddff49bc6"
TEST_SPLIT_4 = ROOT / "tests" / "data" / "needs-test-4.yaml"
TEST_SPLIT_4_SHA256 = "65bef0550d2da575687d8d584b664d9dee1dbfbd3764155cb6974fc0b4ba773c"
TEST_SPLIT_5 = ROOT / "tests" / "data" / "needs-test-5.yaml"
TEST_SPLIT_5_SHA256 = "eacd58b3927cc829e96360eda1a2b06012edacee0705b56916a4a918661d79e6"


@pytest.mark.parametrize("text, size", [
    ("one RTX 3060 in my desktop", "small"), ("it runs on a Raspberry Pi", "small"), ("on my laptop", "small"),
    ("we rent a 64-GPU cluster", "large"), ("8x A100 nodes", "large"), ("a TPU pod", "large"),
    ("compute isn't cheap", ""), ("we like GPUs", "")])
def test_hardware_names_a_compute_budget(text, size):
    assert hardware_size(text) == size


@pytest.mark.parametrize("text, size", [
    ("about 300 images of sonar", "small"), ("~800 compounds", "small"), ("2M rows of transactions", "large"),
    ("tens of thousands of photos", "large"), ("a few hundred scans", "small"), ("40,000 patients", "large"),
    ("20 minutes of recordings", "small"), ("the 3 families", ""), ("only ~300 recordings", "small"),
    ("just fifty images", "small"), ("we have only the normal samples", ""),
    ("trained only on benign traffic records", "")])
def test_counts_name_a_data_size(text, size):
    assert data_size(text) == size


@pytest.mark.parametrize("clause, only", [
    ("~300 images", True), ("one consumer GPU", True), ("a pretrained checkpoint exists", True),
    ("only 40 photos", True), ("train on good welds only and flag defects", False),
    ("300 images of faces to generate", False), ("Must train on a laptop with 16GB RAM", False)])
def test_a_clause_that_only_states_a_resource(clause, only):
    """"~300 images" names no task: it must not pull "high-resolution image generation" by its noun."""
    assert resource_only(clause) is only


def test_a_resource_clause_pulls_no_task(knowledge):
    needs = knowledge.understand("visual inspection of weld seams: train on good welds only and flag defects via "
                                 "reconstruction error. ~300 images, one consumer GPU")
    assert "high-resolution-image-generation" not in needs.use_cases


@pytest.mark.parametrize("typed, meant", [
    ("nueral radiance feild for scanning my apartment?", "neural radiance field for scanning my apartment?"),
    ("genrate pictures from a text prompt, automaticly", "generate pictures from a text prompt, automaticly"),
    ("difusion or gan for relaistic faces", "diffusion or gan for realistic faces"),
    ("sythetic tabular data, anomoly detection", "synthetic tabular data, anomaly detection"),
    ("pretrianed checkpoint availble", "pretrained checkpoint available"),
    ("Difusion for faces", "Diffusion for faces")])
def test_misspellings_are_read_as_the_words_meant(knowledge, typed, meant):
    assert knowledge.matcher.speller.correct(typed) == meant


@pytest.mark.parametrize("text", [
    "semantic segmentation of liver tumours with nnU-Net or SegFormer", "an Instagram caption writer",
    "tweets, sprites and doodles", "LoRA finetune sdxl on our Figma exports", "SCADA logs from CIFAR",
    "training must not diverge", "a learned codec for upscaling", "monocular depth"])
def test_real_words_and_names_are_left_as_typed(knowledge, text):
    assert knowledge.matcher.speller.correct(text) == text


def test_a_misspelt_need_is_read_and_shown_as_typed(knowledge):
    needs = knowledge.understand("nueral radiance feild for scanning my apartment?")
    assert needs.question == "nueral radiance feild for scanning my apartment?"
    assert not needs.declined and "3d" in needs.modalities
    assert knowledge.recommend("nueral radiance feild for scanning my apartment?").top.family == "nerf"


def test_edit_distance_counts_a_swap_as_one_slip():
    assert edit_distance("nueral", "neural", 2) == 1 and edit_distance("genrate", "generate", 2) == 1
    assert edit_distance("monocular", "molecular", 1) == 2


def test_lifted_limits():
    assert lifted("ok forget the compute limit") == {"compute"}
    assert lifted("ignore the data constraint") == {"data"}
    assert lifted("the compute limit is tight") == set()


@pytest.mark.parametrize("text, said", [
    ("a pretrained model exists and we only have small compute", "available"),
    ("we can fine-tune an existing pretrained model", "available"),
    ("pre-trained models exist, small compute available", "available"),
    ("I want a pretrained model", "available"),
    ("there are open models we could adapt", "available"),
    ("We can't train from scratch without a cluster. But there is a public Stable Diffusion checkpoint.", "available"),
    ("nothing pretrained exists for our detector geometry", "unavailable"),
    ("as far as we know nobody has released a pretrained generator for galaxy images", "unavailable"),
    ("for IP reasons we can't use anyone's pretrained weights", "unavailable"),
    ("no public model trained on this style", "unavailable"), ("no pretrain model exist for our domain", "unavailable"),
    ("train our own voice model from scratch", "unavailable"),
    ("generate cat pictures", "")])
def test_a_pretrained_model_stated_or_denied(text, said):
    assert pretrained_stated(text) == said


@pytest.mark.parametrize("question", [
    "generate synthetic chest x-ray images; a pretrained model exists and we only have small compute",
    "generate product images; we can fine-tune an existing pretrained model",
    "image generation: pre-trained models exist, small compute available"])
def test_the_learned_parser_reads_a_pretrained_model(knowledge, question):
    needs = knowledge.understand(question)
    assert "pretrained-available" in needs.constraints and "pretrained-unavailable" not in needs.constraints


def test_the_learned_parser_reads_nothing_pretrained(knowledge):
    needs = knowledge.understand("I've got a laptop and about 500 of my own sketches. Want something that makes "
                                 "new sketches in my style; nothing pretrained exists for this.")
    assert "pretrained-unavailable" in needs.constraints and "pretrained-available" not in needs.constraints


def test_a_secondary_priority_is_never_first(knowledge):
    needs = knowledge.understand("procedural textures generated at runtime on console, has to keep 60fps, "
                                 "quality is secondary")
    assert "latency-critical" in needs.constraints
    assert list(needs.priorities)[:1] == ["generation-speed"]
    alone = knowledge.understand("generate background textures for a game, quality is secondary")
    assert "sample-quality" not in alone.priorities


def test_the_lesser_side_of_a_comparison_is_secondary(knowledge):
    """"A over B", "A matters more than B": B is put below A, and said so."""
    needs = knowledge.understand("narrate our audiobooks, quality over speed")
    assert "generation-speed" in needs.demoted and list(needs.priorities)[:1] == ["sample-quality"]
    voice = knowledge.understand("spoken intros for our weekly podcast; natural-sounding voice matters more "
                                 "than speed")
    assert "generation-speed" in voice.demoted
    assert {"kind": "secondary"}.items() <= next(d for d in voice.as_list(knowledge.index)
                                                 if d["id"] == "generation-speed").items()


def test_speed_that_does_not_matter_is_indifferent(knowledge):
    needs = knowledge.understand("generate faces for a game, speed doesn't matter at all")
    assert "generation-speed" in needs.indifferent and "generation-speed" not in needs.priorities
    assert "latency-critical" not in needs.constraints


def test_a_task_said_not_to_be_wanted_is_not_the_need(knowledge):
    needs = knowledge.understand("denoise noisy microscopy images, we don't need to generate new images, "
                                 "just clean them")
    assert "denoising" in needs.use_cases and "image-generation" not in needs.use_cases
    fill = knowledge.understand("we dont need the latent space to be smooth, just fill in the missing parts of "
                                "old photos")
    assert "inpainting" in fill.use_cases and "representation-learning" not in fill.use_cases
    churn = knowledge.understand("I don't want to generate anything, I only need to predict which customers "
                                 "will churn next month from our CRM table.")
    assert churn.declined


def test_no_invented_constraints_or_priorities(knowledge):
    """A priority no word names, or a resource the question never speaks of, is not read into it."""
    ecg = knowledge.understand("flag anomalous ECG traces, we only have ~300 recordings and one laptop GPU")
    assert {"data-small", "compute-small"} <= ecg.constraints and not ecg.priorities
    xray = knowledge.understand("generate synthetic chest x-ray images; a pretrained model exists and we only "
                                "have small compute")
    assert not any(c.startswith("data-") for c in xray.constraints)
    fraud = knowledge.understand("synthetic data to augment our fraud-detection training set (data augmentation)")
    assert not fraud.constraints
    music = knowledge.understand("compose background music for an indie game soundtrack")
    assert "music-generation" in music.use_cases and "conditional-generation" not in music.use_cases


@pytest.mark.parametrize("question, tasks", [
    # writing captions is writing text: the corpus's labellers use either task (both point to Transformer)
    ("a caption writer for our product photos", {"image-captioning", "text-generation"}),
    ("which model for writing product descriptions for our shop?", {"text-generation"}),
    ("predict next month's electricity demand from three years of hourly readings", {"time-series-forecasting"})])
def test_writing_and_forecasting_are_generative(knowledge, question, tasks):
    needs = knowledge.understand(question)
    assert not needs.declined and tasks & set(needs.use_cases)
    assert knowledge.understand("predict which customers will churn").declined


@pytest.mark.parametrize("question,constraint", [
    ("we have not so much data, maybe 300 pictures, and no big GPU", "compute-small"),
    ("we have not so much data, maybe 300 pictures, and no big GPU", "data-small"),
    # the heads doubt the rules' compute-small here: a limit the rules read stands from RULED_CONSTRAINT
    ("not a lot of compute, but a big dataset of product photos", "compute-small"),
    ("from scratch only, licence rules forbid any pre-trained weights. ~600 sketches", "pretrained-unavailable"),
    ("TTS for chat messages during a live stream, it has to start speaking within a fraction of a second",
     "latency-critical"),
    ("game music generated on the fly by a model; it can never stall the game", "latency-critical"),
    ("we generate thousands of banner variants a minute", "latency-critical"),
    ("our compute budget is minuscule but we'd like some logo ideas", "compute-small"),
    ("we can fine-tune Stable Diffusion on our 8GB card", "compute-small"),
    ("around 2,000 floor plans from past projects to learn from", "data-small"),
    ("a couple hundred loops in an odd niche genre", "data-small"),
    ("few hundred annotated brightfield cell images", "data-small"),
    ("3D MRI volumes from a biobank and a sizeable GPU allocation", "compute-large"),
    ("synthetic insurance claims; we only have 2k claims", "data-small"),
    ("new poses of my character; i'd rather not start from somebody else's model", "pretrained-unavailable"),
    ("auto replies to customer emails; we dont have gpu at all, only a normal server", "compute-small"),
    ("a natural sounding voice, in real time on a smart speaker", "compute-small")])
def test_resources_in_other_words(knowledge, question, constraint):
    assert constraint in knowledge.understand(question).constraints


@pytest.mark.parametrize("question", ["we image live cells and want to denoise the movies",
                                      "it runs overnight, 3 images a minute is fine"])
def test_no_latency_where_none_is_asked(knowledge, question):
    assert "latency-critical" not in knowledge.understand(question).constraints


@pytest.mark.parametrize("question,priority", [
    ("we can't babysit training, need plausible face images for a mockup tool", "training-stability"),
    ("small team, we want to generate training images without fighting the training loop", "training-stability"),
    ("VAE vs GAN, which one is less of a pain to train? I want cartoon avatars", "training-stability"),
    ("flow-based model or GAN when I need the probability of every generated sample?", "exact-likelihood"),
    ("background music for my videos, it has to be as good as possible", "sample-quality"),
    ("paired semantic-map to RGB translation for driving-sim frames, want photoreal output", "sample-quality"),
    ("endless ambient forest sound for a VR app; it should sound real, not like a synth pad", "sample-quality"),
    ("synthetic sensor series for a dashboard; management wants something they can have explained to them",
     "interpretability"),
    ("a PixelCNN-like baseline for binarized MNIST where we report NLL in bits/dim", "exact-likelihood"),
    ("VAE vs flow for glitches in detector data, which one is less painful to train?", "training-stability"),
    ("a polished rendering from my rough massing sketch that actually respects the sketch", "controllability")])
def test_priorities_in_other_words(knowledge, question, priority):
    assert priority in knowledge.understand(question).priorities


def test_a_trouble_negated_is_wanted_and_fine_if_slow_is_waved_off(knowledge):
    assert "diversity" in knowledge.understand("hd faces, no mode collapse").priorities
    for question in ("it doesn't matter if it is slow, we want sharp product photos",
                     "sound effects for a game, rendered offline so it can take as long as it needs",
                     "slow generation is fine, we want sharp product photos",
                     "sharp product photos; I don't care if it renders slowly"):
        assert "generation-speed" in knowledge.understand(question).indifferent


def test_a_named_model_is_no_priority_and_a_secondary_latency_no_limit(knowledge):
    assert "training-stability" not in knowledge.understand("we can fine-tune Stable Diffusion on our card, is that "
                                                            "sensible for branded illustrations?").priorities
    assert "latency-critical" not in knowledge.understand("coherence over long passages is what we need; latency "
                                                          "is a secondary worry. Drafting contract clauses."
                                                          ).constraints


def test_waved_off_in_a_list_and_slow_that_is_fine(knowledge):
    both = knowledge.understand("No need for photorealism or speed. I teach design and need an interpretable "
                                "image model")
    assert {"sample-quality", "generation-speed"} <= both.indifferent
    assert list(both.priorities) == ["interpretability"]
    slow = knowledge.understand("concept art variations; we care about variety. it runs overnight so slow "
                                "generation is fine")
    assert "generation-speed" in slow.indifferent and "generation-speed" not in slow.priorities
    ranked = knowledge.understand("training a face generator on one RTX 3090; stable training matters more to "
                                  "me than speed or peak quality")
    assert list(ranked.priorities)[0] == "training-stability"


def test_wished_and_waved_off_are_not_required(knowledge):
    soft = knowledge.understand("natural sounding speech is the top goal; real-time would be nice but it's not "
                                "required")
    assert "latency-critical" not in soft.constraints and list(soft.priorities)[:1] != ["generation-speed"]
    off = knowledge.understand("we don't need the latent space to be interpretable. just fill in the missing "
                               "chunks of some scanned paintings")
    assert "interpretability" in off.indifferent and "interpretability" not in off.priorities


def test_a_quality_task_goes_with_quality_waved_off_or_second(knowledge):
    realistic = knowledge.understand("we want the most realistic product images possible")
    assert list(realistic.priorities)[:1] == ["sample-quality"] and "image-generation" in realistic.use_cases
    for question in ("The main thing is control over pose and layout. Realism comes second. We generate "
                     "catalogue images of shoes.",
                     "never mind photorealism, we need a 3D scene of our warehouse built from drone photos"):
        needs = knowledge.understand(question)
        assert "high-fidelity-generation" not in needs.use_cases
        assert list(needs.priorities)[:1] != ["sample-quality"]


@pytest.mark.parametrize("question, first", [
    ("priorities are stability > speed > quality. we need thumbnails generated", "training-stability"),
    ("first realism, then speed, diversity last. product photos", "sample-quality"),
    ("we generate faces and then upscale them, fast and sharp please", ""),
    ("fast and diverse anime faces", "")])
def test_a_ranked_list_puts_its_first_item_first(knowledge, question, first):
    """"A > B > C", "first A, then B": A is put first; a "then" between two tasks ranks nothing."""
    needs = knowledge.understand(question)
    assert needs.first == first
    if first:
        assert list(needs.priorities)[0] == first


def test_a_rule_the_corpus_refutes_gets_a_constant_head():
    """A label too rare for a head whose rule fires on many needs and is wrong on most keeps the rule's
    precision there, not its word; a rule right on most of them, or firing on few, stands."""
    from kg.reasoning.training import _refuted_rule

    fires = np.array([True] * 12 + [False] * 30)
    assert _refuted_rule(fires, np.array([True] + [False] * 41)) == pytest.approx(1 / 12)
    assert _refuted_rule(fires, np.array([True] * 8 + [False] * 34)) is None
    assert _refuted_rule(np.array([True] * 5 + [False] * 37), np.zeros(42, dtype=bool)) is None


def test_a_quality_wish_is_no_high_fidelity_task(knowledge):
    """The rules read "high-fidelity generation" as a task wherever quality is wanted; the corpus's labellers
    read a priority there (3 of 1,718 needs have the task). The heads, constant or fitted, keep it out."""
    parser = knowledge.parser
    j = parser.space["use_cases"].index("high-fidelity-generation")
    assert parser.learned["use_cases"][j]
    needs = knowledge.understand("photorealistic portraits, as sharp as possible")
    assert "high-fidelity-generation" not in needs.use_cases and "sample-quality" in needs.priorities


@pytest.mark.parametrize("question,choice", [
    ("krita or procreate for digital painting on a tablet?", True),
    ("should we use docker or conda?", True),
    ("GAN or diffusion for product photos?", False),
    ("images or audio?", False),
    ("SDXL or Midjourney for product shots?", False),
    ("I want to generate pictures of cats or dogs?", False),
    ("TimeGAN vs an autoregressive transformer for tick data?", False)])
def test_a_choice_between_tools_is_software(knowledge, question, choice):
    """Two named things, neither a family, a named model nor a word of the vocabulary, in a sentence that
    speaks of no generating: a choice of software, declined as such."""
    assert bool(tool_choice(question, knowledge.index)) is choice
    if choice:
        needs = knowledge.understand(question)
        assert needs.declined and needs.decline_reason == OUT_OF_SCOPE["software"][0]


@pytest.mark.parametrize("question,kind", [
    ("we want to count cars in drone footage with bounding boxes", "detection"),
    ("estimate the depth of every pixel from one dashcam image", "estimation"),
    ("hello there!", "chat")])
def test_a_request_plainly_nearer_a_kind_not_served_is_declined(knowledge, question, kind):
    """Nearer to a kind of request whichmodel does not serve than to any use case, by OUT_OF_SCOPE_MARGIN."""
    assert map_needs(question, knowledge.index, knowledge.matcher, keep_on_decline=True).out_of_scope == kind
    needs = knowledge.understand(question)
    assert needs.declined and needs.decline_reason == OUT_OF_SCOPE[kind][0]
    assert not map_needs("we want to generate synthetic drone footage of traffic", knowledge.index,
                         knowledge.matcher).out_of_scope


@pytest.mark.parametrize("question,kind", [
    ("which network should I use to transcribe our podcast interviews into text?", "transcription"),
    ("we need bounding boxes around every forklift in our warehouse camera feed", "detection"),
    ("segment the liver in abdominal CT scans, which architecture?", "segmentation"),
    ("estimate the 3D pose of people in a gym video", "estimation"),
    ("predict house prices from square metres and location", "prediction"),
    ("write me a haiku about the sea", "errand")])
def test_a_declined_request_is_told_what_kind_it_is(knowledge, question, kind):
    needs = knowledge.understand(question)
    assert needs.declined and needs.decline_reason == OUT_OF_SCOPE[kind][0]


@pytest.mark.parametrize("question", ["whats the difference between a GAN and a VAE?",
                                      "why do GANs suffer from mode collapse? just curious"])
def test_a_question_about_the_families_is_declined(knowledge, question):
    """General knowledge naming two families is no comparative need: declined, not answered."""
    assert knowledge.understand(question).declined


@pytest.mark.parametrize("question", ["what does GAN stand for?", "whats the difference between a VAE and an "
                                      "autoencoder, in plain words?"])
def test_general_knowledge_is_declined_whatever_the_heads_say(knowledge, question):
    """Every question of the need corpus that asks what a name stands for or how families differ, with no need
    of the asker's own, is a decline: the rule stands beside the decline head."""
    needs = knowledge.understand(question)
    assert needs.declined and needs.decline_reason == OUT_OF_SCOPE["knowledge"][0]


def test_a_comparison_with_a_need_of_ones_own_is_answered(knowledge):
    answer = knowledge.recommend("what are the differences between gans and vaes for generating faces for my game?")
    assert not answer.declined and {r.family for r in answer.recommendations[:2]} == {"gan", "vae"}


def test_what_nobody_needs_is_not_wanted(knowledge):
    needs = knowledge.understand("nobody on the team needs a latent space or interpolation or anything like "
                                 "that, just tell me which family writes the most fluent product descriptions")
    assert "latent-smoothness" not in needs.priorities and "interpolation" not in needs.use_cases
    assert "text-generation" in needs.use_cases


def test_families_named_weighed_and_ruled_out(knowledge):
    index = knowledge.index
    assert named_families("VAE or a normalizing flow?", index)[0] == "vae"
    assert candidates("GAN or diffusion for product shots?", index, set()) == ["gan", "diffusion"]
    assert candidates("Our GAN training collapsed", index, {"gan"}) == []
    assert ruled_out("anything but GANs please", index) == {"gan"}
    assert ruled_out("We've ruled out transformers, too data hungry", index) == {"transformer"}
    assert ruled_out("a GAN would be great", index) == set()


def test_comparative_question_ranks_the_named_families_first(knowledge):
    answer = knowledge.recommend("GAN or VAE for generating cartoon avatars?")
    assert not answer.declined and {r.family for r in answer.recommendations[:2]} == {"gan", "vae"}


def test_follow_up_keeps_what_it_does_not_change(knowledge):
    first = knowledge.recommend("Generate images on a single laptop GPU with about 300 training photos.")
    assert {"compute-small", "data-small"} <= first.needs.constraints
    follow = knowledge.follow_up(first, "and for audio instead?")
    assert follow is not None and not follow.declined
    assert {"compute-small", "data-small"} <= follow.needs.constraints
    assert any(m in follow.needs.modalities for m in ("audio", "speech", "music"))
    assert not any("image" in u for u in follow.needs.use_cases)
    more = knowledge.follow_up(first, "what if we had millions of photos?")
    assert "data-large" in more.needs.constraints and "data-small" not in more.needs.constraints
    assert "compute-small" in more.needs.constraints


def test_a_follow_up_that_names_no_task_keeps_the_task(knowledge):
    first = knowledge.recommend("which model for writing product descriptions for our shop?")
    assert "text-generation" in first.needs.use_cases
    follow = knowledge.follow_up(first, "if only quality matters, nothing else")
    assert follow is not None and set(follow.needs.use_cases) == set(first.needs.use_cases)
    assert list(follow.needs.priorities)[:1] == ["sample-quality"]
    assert follow.top.family in ("transformer", "autoregressive")


@pytest.mark.parametrize("message", ["and if GPUs were unlimited?", "anything faster? this is sloooow",
                                     "and if i dont care about speed"])
def test_a_follow_up_about_limits_or_wishes_is_no_decline(knowledge, message):
    """A short message that states a limit or a wish changes the need: never read as a question about hardware
    or small talk, however near those its words are."""
    first = knowledge.recommend("Generate realistic faces for a game.")
    follow = knowledge.follow_up(first, message)
    assert follow is not None and not follow.declined and follow.recommendations


def test_thanks_is_not_a_need(knowledge):
    first = knowledge.recommend("Generate realistic faces.")
    thanks = knowledge.follow_up(first, "thanks!")
    assert thanks is not None and thanks.declined


def test_a_long_new_question_is_not_a_follow_up(knowledge):
    assert not is_follow_up("Write product descriptions for our online shop from a list of features and "
                            "tags, in our brand voice, for about two thousand items", knowledge.index)
    assert not is_follow_up("generate speech for an audiobook", knowledge.index)    # a task of its own
    assert is_follow_up("and for audio instead?", knowledge.index)
    assert is_follow_up("quality over everything else", knowledge.index)            # no task named
    assert is_follow_up("can it run on the iPad itself? a lot of our users edit on flights with no connection, "
                        "and we don't want to ship their photos to a server anyway", knowledge.index)


@pytest.mark.parametrize("first, message, constraints", [
    ("I've got about 200 sketches of my own character and want a model to make new poses in my style.",
     "just my macbook air, no cloud, and i'd rather not start from somebody else's model",
     {"compute-small", "pretrained-unavailable"}),
    ("a model to write unit tests for our legacy java code?",
     "The code can't leave the building. All we have is one workstation with a 4090 and a pretrained code model "
     "we're allowed to fine-tune.", {"compute-small", "pretrained-available"})])
def test_a_long_follow_up_stating_limits_for_the_same_task_keeps_it(knowledge, first, message, constraints):
    """A long message that names no task but the one before (no "and …", no "it") is read as limits for it."""
    before = knowledge.recommend(first)
    assert is_follow_up(message, knowledge.index, before.needs)
    follow = knowledge.follow_up(before, message)
    assert follow is not None and set(follow.needs.use_cases) == set(before.needs.use_cases)
    assert constraints <= follow.needs.constraints


@pytest.mark.parametrize("message", ["quality over everything else",
                                     "our data team says stable training matters more than sharp outputs",
                                     "forgot to say: it would run on a tiny gateway box in a field, no GPU"])
def test_a_follow_up_wording_only_wishes_or_limits_keeps_the_task(knowledge, message):
    """The heads guess some task for any text; a follow-up that names none keeps the task asked before."""
    first = knowledge.recommend("which model to synthesize footstep and door-creak sound effects for a game?")
    follow = knowledge.follow_up(first, message)
    assert follow is not None and set(follow.needs.use_cases) == set(first.needs.use_cases)


def test_a_follow_up_waving_time_off_lifts_the_latency_limit(knowledge):
    first = knowledge.recommend("we need under 50 ms per 256px image on a single 4090, which model?")
    assert "latency-critical" in first.needs.constraints
    follow = knowledge.follow_up(first, "and if a few seconds per sample is fine but we want maximum diversity?")
    assert "latency-critical" not in follow.needs.constraints and "diversity" in follow.needs.priorities


@pytest.mark.parametrize("message, lifted", [("scratch the real-time part. if only the look matters, what then?",
                                              "latency-critical"), ("ignore the vram thing", "compute-small")])
def test_a_follow_up_lifts_the_limit_it_waves_off(knowledge, message, lifted):
    first = knowledge.recommend("text-to-image backdrops in real time for my indie game, I've only got a 6GB card")
    assert lifted in first.needs.constraints
    follow = knowledge.follow_up(first, message)
    assert follow is not None and not follow.declined and lifted not in follow.needs.constraints


def test_a_follow_up_asking_for_another_kind_of_task_is_declined(knowledge):
    first = knowledge.recommend("generating synthetic ECG traces for testing our monitor firmware, which model?")
    follow = knowledge.follow_up(first, "and what about predicting the diagnosis labels for each patient? we've got "
                                        "20k records labelled by cardiologists, which classifier is best?")
    assert follow is None or follow.declined


def test_a_follow_up_to_a_declined_question_is_a_question_of_its_own(knowledge):
    first = knowledge.recommend("What is the capital of France?")
    assert first.declined and knowledge.follow_up(first, "and for audio instead?") is None


@pytest.mark.parametrize("message, intent", [
    ("compare them", ("compare", ("gan", "vae"))), ("what's the tradeoff vs diffusion? compare them",
                                                     ("compare", ("gan", "diffusion"))),
    ("is a VAE any good for that?", ("why-not", ("vae",))), ("why not flow?", ("why-not", ("flow",))),
    ("what's the catch with that family, data-wise?", ("catch", ("gan",))),
    ("what would change your answer?", ("what-would-change", ())),
    ("ok but make it faster", ("need", ())), ("thanks!", ("need", ())),
    ("catch: 300 photos, a laptop, and nothing pretrained on these species", ("need", ()))])
def test_what_a_message_after_an_answer_asks_for(knowledge, message, intent):
    got = read_intent(message, named_families(message, knowledge.index), ["gan", "vae"])
    assert (got.kind, got.families) == intent
    assert read_intent("why not GAN?", ["gan"], []).kind == "ask-first"


def test_merge_puts_the_new_priority_first(knowledge):
    previous = Needs("q", use_cases={"image-generation": 0.9}, priorities={"generation-speed": 2.5},
                     constraints={"compute-small"})
    follow = Needs("quality matters most", priorities={"sample-quality": 2.5})
    combined = merge(previous, follow, "quality matters most", knowledge.index)
    assert list(combined.priorities)[:2] == ["sample-quality", "generation-speed"]
    assert combined.constraints == {"compute-small"} and combined.use_cases == {"image-generation": 0.9}


def test_top_priority_control_puts_it_first(knowledge):
    answer = knowledge.recommend("Generate images fast for a game.", priorities=["exact likelihood"])
    assert list(answer.needs.priorities)[0] == "exact-likelihood"
    assert answer.top.family == "flow"


def test_the_learned_parser_is_fitted_and_round_trips(knowledge, tmp_path):
    parser = knowledge.parser
    assert parser is not None and parser.learned["use_cases"].sum() > 20
    copy = tmp_path / PARSER_FILE
    shutil.copy(knowledge.folder / PARSER_FILE, copy)
    again = NeedParser.load(copy)
    assert again.fingerprint == parser.fingerprint and again.thresholds == parser.thresholds
    assert (again.weights["decline"] == parser.weights["decline"]).all()
    assert again.lexicon.terms == parser.lexicon.terms and (again.lexicon.idf == parser.lexicon.idf).all()


def test_a_stale_parser_is_not_used(knowledge, tmp_path):
    import kg

    folder = tmp_path / "build"
    shutil.copytree(knowledge.folder, folder, symlinks=True)
    stale = NeedParser.load(folder / PARSER_FILE)
    stale.fingerprint = "0" * 16
    stale.save(folder / PARSER_FILE)
    assert kg.open(folder).parser is None


def test_a_parser_of_an_older_format_is_stale_not_an_error(knowledge, tmp_path):
    """Weights saved before the word features existed (no terms in the file, another fingerprint) are refitted
    by `kg.open`, not refused as unreadable."""
    import io
    import json

    import kg

    folder = tmp_path / "build"
    shutil.copytree(knowledge.folder, folder, symlinks=True)
    with np.load(folder / PARSER_FILE, allow_pickle=False) as data:
        arrays = {k: data[k] for k in data.files if k not in ("terms", "idf")}
    meta = json.loads(str(arrays["meta"]))
    arrays["meta"] = np.array(json.dumps({**meta, "fingerprint": "f" * 16}))
    buffer = io.BytesIO()
    np.savez(buffer, **arrays)
    (folder / PARSER_FILE).write_bytes(buffer.getvalue())
    assert kg.open(folder).parser is None


@pytest.mark.parametrize("split, digest", [(TEST_SPLIT, TEST_SPLIT_SHA256), (TEST_SPLIT_2, TEST_SPLIT_2_SHA256),
                                           (TEST_SPLIT_3, TEST_SPLIT_3_SHA256), (TEST_SPLIT_4, TEST_SPLIT_4_SHA256),
                                           (TEST_SPLIT_5, TEST_SPLIT_5_SHA256)])
def test_test_split_is_frozen(split, digest):
    """Each test split is the one whose checksum the README gives; nothing may change it silently."""
    assert hashlib.sha256(split.read_bytes()).hexdigest() == digest


@pytest.mark.parametrize("split, count, margin", [(TEST_SPLIT, 170, 0.1), (TEST_SPLIT_2, 138, 0.1),
                                                   (TEST_SPLIT_3, 102, 0.1), (TEST_SPLIT_4, 55, 0.05),
                                                   (TEST_SPLIT_5, 55, 0.05)])
def test_figures_on_the_frozen_test_splits(knowledge, split, count, margin):
    """Measured, not tuned on: the README reports these figures. The floors only catch a collapse (tests 4 and
    5 are small, 43-44 generative needs, one of them 2.3 points, and test 4's embedding baseline is high: a lower
    margin)."""
    from app.needs_eval import evaluate_needs, report_lines

    result = evaluate_needs(split, knowledge)
    print("\n".join(report_lines(str(split.relative_to(ROOT)), result)))
    product, baseline = result["product"], result["baseline"]
    assert result["count"] == count
    assert product.rate("top1") > baseline.rate("top1") + margin
    assert product.rate("top1") >= 0.6 and product.rate("declines") >= 0.6


def test_no_need_is_in_two_splits():
    """Train, dev and the test splits share no need (by id or by text)."""
    from kg.sources.yamlsafe import load_yaml

    seen: dict[str, str] = {}
    for path in (ROOT / "ontology" / "needs" / "train.yaml", ROOT / "ontology" / "needs" / "dev.yaml",
                 TEST_SPLIT, TEST_SPLIT_2, TEST_SPLIT_3, TEST_SPLIT_4, TEST_SPLIT_5):
        for need in load_yaml(path)["needs"]:
            for key in (need["id"], " ".join(need["q"].lower().split())):
                assert seen.setdefault(key, path.name) == path.name, f"{key!r} in {seen[key]} and {path.name}"


def test_eval_says_when_the_parser_was_fitted_on_the_file(knowledge):
    """The kept parser has seen train and dev (after dev tuned it): eval on those is no measure, and says so."""
    from app.ask import fitted_on_file

    assert knowledge.parser.fitted_on == ["train", "dev"]
    assert fitted_on_file(knowledge, ROOT / "ontology" / "needs" / "dev.yaml")
    assert not any(fitted_on_file(knowledge, split) for split in (TEST_SPLIT, TEST_SPLIT_2, TEST_SPLIT_3,
                                                                             TEST_SPLIT_4, TEST_SPLIT_5))


def test_the_word_features_are_scikit_learns_tf_idf():
    """kg.reasoning.lexicon computes in numpy what TfidfVectorizer (unigrams and bigrams, min_df 2, sublinear
    tf) computes, so the parser needs no scikit-learn at run time; unseen words count for nothing."""
    from sklearn.feature_extraction.text import TfidfVectorizer

    from kg.reasoning.lexicon import Lexicon
    from kg.reasoning.parser import load_examples

    texts = [e.question for e in load_examples(ROOT / "ontology" / "needs" / "train.yaml")]
    lexicon = Lexicon.fit(texts, max_terms=100_000)
    reference = TfidfVectorizer(ngram_range=(1, 2), min_df=2, sublinear_tf=True).fit(texts)
    assert lexicon.terms == sorted(reference.vocabulary_)
    probe = texts[:50] + ["classify x-rays", "zzzz qqqq"]
    assert np.allclose(lexicon.transform(probe), reference.transform(probe).toarray())
    assert not lexicon.transform(["zzzz qqqq"]).any()
