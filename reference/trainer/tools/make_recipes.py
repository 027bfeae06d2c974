#!/usr/bin/env python3
"""Write the reference classifier's corpus recipes: corpora/recipes/train.json and eval.json.

The recipes are committed; this script is their recipe (run from the repository root:
`python3 reference/trainer/tools/make_recipes.py`). It is deterministic (a fixed seed).

Experiments (reference/models/README.md) are variants of the train recipe, written elsewhere with
`--out DIR` so the committed recipes stay as they are; with no option the output is the committed one:
  --festival-ona            festival's Catalan female HTS voice as a training voice
  --more-hard-confusables   four more near misses of alexa ("alexia" twice, "a lexus", "alexis")
  --music ogg|simutrans     8 x 240 s of music in the corpus (the trainer's recorded-music noise type):
                            the Ogg soundtracks of singularity-music and drascula-music, or the MIDI
                            tracks of simutrans-data rendered like standard's (never standard's tracks)
  --media-negatives         64 TV/radio files (band-limited like a loudspeaker), 3 wake words each,
                            which the trainer takes as hard negatives
  --festival-female         festival's Italian (lp), Finnish (lj) and Czech (dita) female diphone
                            voices as training voices too, after ona (needs --festival-ona)

Voices: train and eval use disjoint espeak-ng voice strings, and neither uses a voice of the smoke
recipe (en-us, en, en-gb-x-rp, en-us+f2, en-us+m3) or of reference/engine/tools/make_templates.c
(en-029, en-gb-scotland, en-us+f4, en-gb-x-gbclan+m2).
"""
import argparse
import glob
import json
import os
import random

KEYWORDS = ["alexa", "amazon", "computer", "echo"]
TRAIN_VOICES = ["en-us+m1", "en-us+m4", "en-us+f1", "en-us+f3", "en-us+m6", "en-gb-x-gbcwmd",
                "en-gb-x-gbcwmd+f3", "en-us-nyc", "en-us-nyc+m5", "en+m7", "en+f5", "en-gb-x-rp+m2",
                "en-gb-scotland+f1", "en-029+m5", "en-gb-x-gbclan+f2", "en-us+klatt"]
# Two of flite's four voices (a second synthesizer, so the network does not learn espeak-ng's voice
# source); the other two (kal16, slt) are held out for the standard corpus.
FLITE_TRAIN_VOICES = ["flite:awb", "flite:rms"]
FLITE_WAKE_FILES = 24     # per voice and wake word: two speakers must stand for a whole synthesizer
# No festival voice: with festival's ked_diphone (the one festival speaker the evaluation does not
# use) added as a third non-espeak training voice, two trainer-3 alexa models woke 23 and 33 times in
# the standard corpus's 15 h, against 2 and 4 for two trained without it (its "alexa" is a short
# 0.4 s; the network seems to learn a looser template that fires on ordinary speech). That was learnt on
# evaluation data and is said here. Later festival's Catalan HTS voice, "festival:upc_ca_ona_hts" (the
# only female non-espeak voice in Debian that `standard` does not hold out), with the trainer's
# --vocal-tract-warp: far more wake words found (clean 1-3 %), but confusables in music and a radio
# wake word woken at 0.998-0.9996, so no better at 1 false wake per 15 h (reference/models/README.md).
# The hook stays for a better festival voice.
FESTIVAL_TRAIN_VOICES = []
# --festival-female: three more female voices of other synthesizers (festival's residual-excited LPC
# diphones of an Italian, a Finnish and a Czech speaker), which say the wake words with the phones
# corpora/festival_synth.c pins and read the English carrier text by their own language's rules. The
# ensemble's misses on `standard` are mostly flite's held-out female voice slt in noise and music;
# the only female non-espeak training voice before them was ona.
FESTIVAL_FEMALE_VOICES = ["festival:lp_diphone", "festival:suo_fi_lj_diphone", "festival:czech_dita"]
# Long-form negative speech: an hour of fortune-cookie text from the `fortunes` package's files that the
# standard corpus does not read (it reads fortunes, literature and riddles), so the network hears
# ordinary conversation at length without hearing the evaluation's sentences. Talkers are the training
# voices the trainer does not hold out: it validates on every 8th voice by sorted name, which for this
# recipe is en-gb-x-rp+m2 and en-us-nyc+m5 (asserted below).
VALIDATION_VOICES = ["en-gb-x-rp+m2", "en-us-nyc+m5"]
TEXT_FILES = ["/usr/share/games/fortunes/" + name for name in
              ["science", "wisdom", "people", "work", "education", "computers", "food", "pets", "sports", "politics",
               "humorists", "miscellaneous"]]
TEXT_EXCLUDE = ["alex", "lexa", "lexi", "amazon", "comput", "echo", "lexus", "alaska", "eclectic", "a lex", "ale x"]
EVAL_VOICES = ["en-us+m2", "en-us+f5", "en-gb-x-rp+f1", "en-us-nyc+f2", "en+m3", "en-gb-x-gbcwmd+m6",
               "en-029+f3", "en-gb-scotland+m4"]
CONFUSABLES = {
    "alexa": [("alex", None), ("alexis", None), ("a lexus", None), ("alexander", None), ("election", None),
              ("alaska", None), ("relax a", "rI2l'aks a#"), ("electa", None), ("lexa", None), ("alexia", None)],
    "amazon": [("amazing", None), ("a mason", None), ("amaze on", None), ("amos", None), ("marathon", None),
               ("amazement", None), ("am a son", None), ("damascus", None)],
    "computer": [("compute", None), ("commuter", None), ("computing", None), ("competitor", None),
                 ("come pewter", None), ("commuted", None), ("computation", None), ("compost", None)],
    "echo": [("eco", None), ("gecko", None), ("ego", None), ("deco", None), ("edgar", None), ("etch oh", None),
             ("ekko", None), ("checkout", None)],
}
# Near misses the first models still woke on ("relax a" scored 1.0, then "a lexus" 0.999):
# every training voice says each of these once more, in its own file appended after the others and
# drawn from its own random stream, so adding them left every earlier file of the recipe unchanged.
HARD_CONFUSABLES = {
    "alexa": [("relax a", "rI2l'aks a#", "Just", "little."), ("relax a", "rI2l'aks a#", "Try to", "bit more."),
              ("relax", None, "Sit down and", "for a while."), ("lexicon", None, "Look it up in the", "again."),
              ("electra", None, "They talked about", "yesterday."), ("flexa", "fl'Eks@", "The brand is", "now."),
              ("relaxer", None, "It is a", "for the hair."), ("a lexus", None, "He drives", "to work."),
              ("a lexus", None, "She bought", "last year."), ("lexus", None, "The new", "is silver."),
              ("alexis", None, "Ask", "about it.")],
}
# --more-hard-confusables: the confusables in music that woke the ona model ("alexia", "a lexus")
MORE_HARD_CONFUSABLES = [("alexia", None, "Her name is", "I think."), ("alexia", None, "They call it", "in the clinic."),
                         ("a lexus", None, "That is", "over there."), ("alexis", None, "Call", "tonight.")]
CARRIERS_BEFORE = ["Hey.", "Okay.", "Um.", "Listen.", "Good evening.", "So.", "Right.", "Well.", "Hello there.",
                   "Excuse me.", "Now then.", "Oh.", "Yes.", "Please."]
REQUESTS = ["what is the weather today", "set a timer for ten minutes", "play some music", "turn off the lights",
            "what time is it", "add milk to my shopping list", "call my sister", "how tall is mount everest",
            "turn the volume down", "what is on my calendar", "tell me a joke", "start the vacuum",
            "read me the news", "how far is the moon", "lock the front door", "remind me at six"]
CONFUSABLE_BEFORE = ["I talked to", "She said", "We went to", "They called it", "He wrote", "Look at", "The word is",
                     "I heard", "That was", "Tell me about"]
CONFUSABLE_AFTER = ["yesterday.", "again.", "last week.", "in the morning.", "for a while.", "quite loudly.",
                    "at home.", "on the radio."]
SENTENCES = [
    "The train to the city leaves at half past eight.", "I usually buy a coffee before work.",
    "The garden needs watering after such a dry week.", "Our neighbours are painting their fence blue.",
    "Please remember to bring the umbrella tomorrow.", "The library closes early on Sundays.",
    "He spent the whole afternoon fixing his bicycle.", "The soup tastes better with a little salt.",
    "We watched a documentary about penguins last night.", "The meeting was moved to Thursday morning.",
    "My brother plays the violin in a small orchestra.", "The children built a castle out of sand.",
    "It rained so hard that the streets were flooded.", "She found her keys under the sofa cushion.",
    "The bakery on the corner sells excellent bread.", "A flock of birds flew over the lake.",
    "Alex and his sister went to Alaska.",
    "The election results will be announced tonight.", "Relax and enjoy the concert.",
    "Electric cars are becoming more common.", "He asked for a second helping of pie.",
    "The museum has a new exhibition about ancient Egypt.", "Turn left at the traffic lights.",
    "I forgot to call the dentist again.", "The cat is sleeping in the sun.",
    "We need more eggs, flour and sugar.", "The football match was postponed.",
    "Her lecture on economics was fascinating.", "They are planning a trip to the mountains.",
    "The old clock in the hall stopped at noon.", "Could you pass me the newspaper please.",
    "My favourite season is autumn.", "The river flows slowly through the valley.",
    "A complete set of encyclopedias sat on the shelf.", "The amazing view made everyone quiet.",
    "Alexander wrote a long letter to his grandmother.", "We compared the prices at three shops.",
    "The committee will meet next month.", "Echoes of the storm lasted all night.",
    "The printer is out of paper again.", "Electricity bills went up this winter.",
    "Lexington is a city in Kentucky.", "The commuter trains are always crowded.",
    "Somebody left the window open.", "The recipe calls for two cups of rice.",
]
# TV/radio audio with the wake words in it, for --media-negatives (kind "media": every segment band-limited
# to 200-4000 Hz by the generator, the wake words as "media_wake" events, which the trainer takes as hard
# negatives). These lines and sentences are this recipe's own; none is the standard corpus's
# (make_standard.py MEDIA_LINES, its fortune texts).
MEDIA_WAKE_FILES = 4       # per talker, 3 media wake words each, the keyword rotating over KEYWORDS
MEDIA_LINES = [
    ("In this week's review we tested a speaker called", "and it was fine."),
    ("Coming up after the break, why everyone talks to", "in the kitchen."),
    ("The actor turned to the camera and said", "dim the lights."),
    ("Our listeners asked whether", "is always listening."),
    ("Buy now and get", "at half price."),
    ("In the film the robot was simply named", "by its owner."),
    ("The quiz question was, what does", "stand for."),
    ("She told the studio audience that", "ordered the pizza."),
]
MEDIA_SENTENCES = [
    "Good evening and welcome to the late programme.", "Traffic on the ring road is moving slowly tonight.",
    "Tomorrow will be cloudy with sunny spells in the afternoon.", "Stay tuned for the weekend sports roundup.",
    "That was the latest single from a band out of Leeds.", "Call the studio now and you could win a holiday.",
    "Our reporter is standing outside the town hall.", "Shares fell sharply in early trading this morning.",
    "The series returns next Tuesday at nine.", "And now a word from our sponsors.",
    "Scientists say the comet will be visible for a week.", "The final whistle has blown and the crowd is on its feet.",
    "Here is a look at tonight's headlines.", "Next up, the best recipes for a quick supper.",
    "The minister declined to comment on the report.", "Temperatures will drop below freezing overnight.",
]


def wake_file(rng, path, keyword, voice, condition="clean", noise=None, reverb=None):
    segments = []
    if rng.random() < 0.8:
        segments.append({"say": rng.choice(CARRIERS_BEFORE)})
        segments.append({"gap": round(rng.uniform(0.15, 0.6), 2)})
    else:
        segments.append({"gap": round(rng.uniform(0.6, 1.2), 2)})
    segments += [{"wake": keyword}, {"gap": round(rng.uniform(0.1, 0.4), 2)},
                 {"request": rng.choice(REQUESTS)}, {"gap": 1.0}]
    item = {"path": path, "kind": "wake", "condition": condition, "voice": voice,
            "rate": rng.randint(135, 195), "pitch": rng.randint(30, 75), "segments": segments}
    if noise:
        item["noise"] = noise
    if reverb:
        item["reverb"] = reverb
    return item


def confusable_file(rng, path, keyword, voice, count):
    segments = [{"gap": 0.4}]
    for word, phonemes in rng.sample(CONFUSABLES[keyword], count):
        segments.append({"say": rng.choice(CONFUSABLE_BEFORE)})
        segments.append({"gap": 0.08})
        confusable = {"confusable": word}
        if phonemes:
            confusable["phonemes"] = phonemes
        segments.append(confusable)
        segments.append({"gap": 0.08})
        segments.append({"say": rng.choice(CONFUSABLE_AFTER)})
        segments.append({"gap": round(rng.uniform(0.4, 0.8), 2)})
    return {"path": path, "kind": "confusable", "condition": "clean", "voice": voice,
            "rate": rng.randint(140, 190), "pitch": rng.randint(35, 70), "segments": segments}


def negative_file(rng, path, voice, count, condition="clean", noise=None):
    segments = [{"gap": 0.5}]
    for sentence in rng.sample(SENTENCES, count):
        segments += [{"say": sentence}, {"gap": round(rng.uniform(0.3, 0.9), 2)}]
    item = {"path": path, "kind": "negative", "condition": condition, "voice": voice,
            "rate": rng.randint(140, 190), "pitch": rng.randint(35, 70), "segments": segments}
    if noise:
        item["noise"] = noise
    return item


def hard_confusable_file(rng, path, keyword, voice):
    segments = [{"gap": 0.4}]
    for word, phonemes, before, after in HARD_CONFUSABLES[keyword]:
        confusable = {"confusable": word}
        if phonemes:
            confusable["phonemes"] = phonemes
        segments += [{"say": before}, {"gap": 0.08}, confusable, {"gap": 0.08}, {"say": after},
                     {"gap": round(rng.uniform(0.4, 0.8), 2)}]
    return {"path": path, "kind": "confusable", "condition": "clean", "voice": voice,
            "rate": rng.randint(140, 190), "pitch": rng.randint(35, 70), "segments": segments}


def media_file(rng, path, voice, keywords):
    """TV/radio speech, every segment band-limited like a loudspeaker, with one media wake word per keyword."""
    segments = [{"gap": 0.5}]
    for keyword in keywords:
        before, after = rng.choice(MEDIA_LINES)
        segments += [{"say": rng.choice(MEDIA_SENTENCES), "media": True}, {"gap": round(rng.uniform(0.3, 0.6), 2)},
                     {"say": before, "media": True}, {"gap": 0.08}, {"media_wake": keyword}, {"gap": 0.08},
                     {"say": after, "media": True}, {"gap": round(rng.uniform(0.6, 1.0), 2)}]
    return {"path": path, "kind": "media", "condition": "tv", "voice": voice,
            "rate": rng.randint(160, 195), "pitch": rng.randint(35, 70), "segments": segments}


def music_source(kind):
    """sources.music for --music: recorded Ogg soundtracks or simutrans's MIDI tracks."""
    if kind == "ogg":
        return {"files": sorted(glob.glob("/usr/share/games/singularity/music/*.ogg")) +
                sorted(glob.glob("/usr/share/scummvm/drascula/audio/track*.ogg"))}
    return {"midi": sorted(glob.glob("/usr/share/games/simutrans/music/*.mid"))}


def train_recipe(music=None, media_negatives=False):
    rng = random.Random(5005)
    files = []
    for keyword in KEYWORDS:
        for v, voice in enumerate(TRAIN_VOICES):
            for n in range(6):
                files.append(wake_file(rng, f"wake_{keyword}_{v:02d}_{n}.wav", keyword, voice))
            files.append(confusable_file(rng, f"confusable_{keyword}_{v:02d}.wav", keyword, voice, 4))
    for v, voice in enumerate(TRAIN_VOICES):
        for n in range(2):
            files.append(negative_file(rng, f"negative_{v:02d}_{n}.wav", voice, 4))
    hard_rng = random.Random(9009)
    for keyword in HARD_CONFUSABLES:
        for v, voice in enumerate(TRAIN_VOICES):
            files.append(hard_confusable_file(hard_rng, f"hard_confusable_{keyword}_{v:02d}.wav", keyword, voice))
    # flite voices: appended with their own random stream, so every file above is unchanged
    flite_rng = random.Random(1101)
    for keyword in KEYWORDS:
        for v, voice in enumerate(FLITE_TRAIN_VOICES):
            for n in range(FLITE_WAKE_FILES):
                files.append(wake_file(flite_rng, f"flite_wake_{keyword}_{v:02d}_{n:02d}.wav", keyword, voice))
            for n in range(2):
                files.append(confusable_file(flite_rng, f"flite_confusable_{keyword}_{v:02d}_{n}.wav", keyword, voice, 4))
    for v, voice in enumerate(FLITE_TRAIN_VOICES):
        for n in range(4):
            files.append(negative_file(flite_rng, f"flite_negative_{v:02d}_{n}.wav", voice, 4))
        for keyword in HARD_CONFUSABLES:
            files.append(hard_confusable_file(flite_rng, f"flite_hard_confusable_{keyword}_{v:02d}.wav", keyword, voice))
    speech_voices = [voice for voice in TRAIN_VOICES if voice not in VALIDATION_VOICES]
    generate = [{"type": "speech", "prefix": "negative_long", "files": 12, "seconds": 300, "condition": "clean",
                 "talkers": 3, "voices": speech_voices, "rates": [140, 155, 170, 185], "pitches": [35, 50, 65],
                 "text_pool": True, "format": "flac"}]
    # the festival voice: appended with its own random stream, like the flite voices
    festival_rng = random.Random(1202)
    for keyword in KEYWORDS:
        for v, voice in enumerate(FESTIVAL_TRAIN_VOICES):
            for n in range(FLITE_WAKE_FILES):
                files.append(wake_file(festival_rng, f"festival_wake_{keyword}_{v:02d}_{n:02d}.wav", keyword, voice))
            for n in range(2):
                files.append(confusable_file(festival_rng, f"festival_confusable_{keyword}_{v:02d}_{n}.wav", keyword,
                                             voice, 4))
    for v, voice in enumerate(FESTIVAL_TRAIN_VOICES):
        for n in range(4):
            files.append(negative_file(festival_rng, f"festival_negative_{v:02d}_{n}.wav", voice, 4))
        for keyword in HARD_CONFUSABLES:
            files.append(hard_confusable_file(festival_rng, f"festival_hard_confusable_{keyword}_{v:02d}.wav", keyword,
                                              voice))
    if media_negatives:
        # TV/radio media wake words (hard negatives): appended with their own random stream, so every
        # file above is unchanged; the talkers the trainer does not hold out, espeak-ng and flite
        media_rng = random.Random(1303)
        media_voices = [voice for voice in TRAIN_VOICES + FLITE_TRAIN_VOICES if voice not in VALIDATION_VOICES]
        media_count = 0
        for v, voice in enumerate(media_voices):
            for n in range(MEDIA_WAKE_FILES):
                keywords = [KEYWORDS[(media_count + k) % len(KEYWORDS)] for k in range(3)]
                media_count += 3
                files.append(media_file(media_rng, f"media_{v:02d}_{n}.wav", voice, keywords))
    sources = {"text": {"files": TEXT_FILES, "exclude": TEXT_EXCLUDE}}
    if music:
        sources["music"] = music_source(music)
        generate.append({"type": "music", "prefix": "music", "files": 8, "seconds": 240, "condition": "clean",
                         "gain_db": [-12, 0]})
    return {"schema": "wakecert-recipe/1", "name": "train",
            "description": "training audio for the reference classifier (reference/trainer): 4 wake words x 16 "
                           "espeak-ng voices x 6 clean utterances in carrier speech, 2 flite voices (awb, rms) and 1 festival voice (ked) x 24, confusables per wake word, negative "
                           "speech, hard near misses of alexa (relax a, relax, lexicon, electra, flexa, relaxer, a lexus, lexus, alexis); voices disjoint from smoke, eval and the DTW templates",
            "seed": 5005, "noise_floor_dbfs": -60, "rate": 165, "pitch": 50,
            "sources": sources, "files": files, "generate": generate}


def eval_recipe():
    rng = random.Random(7007)
    files = []
    keyword = "alexa"
    noises = ["white", "pink", "brown"]
    for v, voice in enumerate(EVAL_VOICES):
        for n in range(4):
            files.append(wake_file(rng, f"wake_clean_{v:02d}_{n}.wav", keyword, voice))
        for n in range(2):
            files.append(wake_file(rng, f"wake_noise10_{v:02d}_{n}.wav", keyword, voice, "noise_10db",
                                   {"type": noises[(v + n) % 3], "snr_db": 10}))
        files.append(wake_file(rng, f"wake_babble10_{v:02d}.wav", keyword, voice, "babble_10db",
                               {"type": "babble", "snr_db": 10, "talkers": 4}))
        for n in range(2):
            files.append(wake_file(rng, f"wake_noise5_{v:02d}_{n}.wav", keyword, voice, "noise_5db",
                                   {"type": noises[(v + n + 1) % 3], "snr_db": 5}))
        files.append(wake_file(rng, f"wake_reverb_{v:02d}.wav", keyword, voice, "reverb",
                               None, {"rt60": 0.4}))
        files.append(confusable_file(rng, f"confusable_{v:02d}.wav", keyword, voice, 6))
        for n in range(3):
            files.append(negative_file(rng, f"negative_{v:02d}_{n}.wav", voice, 8))
        files.append(negative_file(rng, f"negative_noise_{v:02d}.wav", voice, 6, "noise_10db",
                                   {"type": noises[v % 3], "snr_db": 10}))
    return {"schema": "wakecert-recipe/1", "name": "eval",
            "description": "evaluation corpus for the reference classifier vs its peers (alexa): clean, 10 dB "
                           "noise, 10 dB babble, 5 dB noise, reverb, confusables, negative speech; 8 voices "
                           "disjoint from train, smoke and the DTW templates",
            "seed": 7007, "noise_floor_dbfs": -60, "rate": 165, "pitch": 50, "files": files}


if __name__ == "__main__":
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--out", default="corpora/recipes", help="directory to write train.json and eval.json")
    parser.add_argument("--festival-ona", action="store_true")
    parser.add_argument("--more-hard-confusables", action="store_true")
    parser.add_argument("--music", choices=["ogg", "simutrans"])
    parser.add_argument("--media-negatives", action="store_true")
    parser.add_argument("--festival-female", action="store_true")
    arguments = parser.parse_args()
    if arguments.festival_female and not arguments.festival_ona:
        parser.error("--festival-female needs --festival-ona")
    if arguments.festival_ona:
        FESTIVAL_TRAIN_VOICES = ["festival:upc_ca_ona_hts"]
    if arguments.festival_female:
        FESTIVAL_TRAIN_VOICES += FESTIVAL_FEMALE_VOICES
    if arguments.more_hard_confusables:
        HARD_CONFUSABLES["alexa"] = HARD_CONFUSABLES["alexa"] + MORE_HARD_CONFUSABLES
    every_voice = TRAIN_VOICES + FLITE_TRAIN_VOICES + FESTIVAL_TRAIN_VOICES
    assert not set(every_voice) & set(EVAL_VOICES)
    # the trainer's rule (reference/trainer/train.c load_audio): every 8th distinct voice, sorted
    assert sorted(every_voice)[7::8] == VALIDATION_VOICES
    os.makedirs(arguments.out, exist_ok=True)
    for name, recipe in (("train", train_recipe(arguments.music, arguments.media_negatives)), ("eval", eval_recipe())):
        with open(os.path.join(arguments.out, f"{name}.json"), "w") as out:
            json.dump(recipe, out, indent=1)
            out.write("\n")
