#!/usr/bin/env python3
"""Write standard.json, the recipe of the `standard` corpus, from the tables below.

The recipe is committed (it is what is built and hashed); this script is how it was designed, kept so
a change is a reviewed edit of a table rather than of the JSON. Run it from this folder:
    python3 make_standard.py > standard.json
Deterministic: no randomness here (the generator's choices are seeded from the recipe's seed).

Design (what the standard corpus measures; the generator blocks expand in C, corpora/expand.c):
  wake words    1100 in generator blocks, 10 per file: clean (300), white/pink/brown/babble noise at
                20, 10, 5, 0 dB (400), music at 10 and 5 dB (200), reverberant rooms (100), far field
                (reverb + 16-26 dB quieter, 100); 13 voices (11 espeak-ng, 2 flite); plus explicit
                files: early wake (3), microphone off (2, 4 wake words), button (2), follow-up (2)
  confusable    3120 near-miss words in carrier sentences, 12 per file, clean / noise / music
  negative      15 files of 15 min conversational speech (fortune sentences, 3 talkers; clean, noise,
                ambient, reverb), 4 of TV/radio speech over music with a media wake word about once a
                minute, 13 of music (MIDI from openttd-openmsx and planetblupi-music-midi through
                fluidsynth), 10 of ambient sound (sonic-pi-samples and gcompris-qt-data recordings over
                room tone): > 10 h
Only "alexa" is used as the wake word; the other table words (amazon, computer, echo) are available to
recipes through the generator's phoneme table.
"""
import json

RATES = [150, 160, 170, 180]
REQUESTS = [
    "what is the weather today", "set a timer for ten minutes", "play some music",
    "turn off the kitchen lights", "what time is it", "add milk to my shopping list",
    "how tall is mount everest", "call my sister", "turn the volume down",
    "what is on my calendar today", "read me the news", "set an alarm for seven",
    "how far is the moon", "play the radio", "what is two plus two", "stop the music",
    "tell me a joke", "turn on the fan",
]
LEAD_INS = ["Good morning.", "Okay.", "Right then.", "Hey there.", "So.", "Hmm, let me see.",
            "Well.", "Hello.", "One moment."]
SENTENCES = [
    "The train to the city leaves at half past eight every morning.",
    "I usually buy a coffee at the station before it arrives.",
    "On rainy days the platform gets very crowded and noisy.",
    "Most people read the news on their phones during the journey.",
    "My grandmother grew tomatoes and beans in her garden.",
    "Every summer she made jars of sauce for the whole family.",
    "We would sit outside in the evening and talk for hours.",
    "The football match on Saturday was postponed because of the storm.",
    "Both teams will play again next week at the same stadium.",
    "Tickets bought for the first date are still valid.",
    "The museum has a new room full of old maps and globes.",
    "Children can draw their own map at a table near the door.",
    "Our kitchen tap has been dripping since last Tuesday.",
    "The plumber said he would come round on Thursday afternoon.",
    "I finally finished the book you lent me in the spring.",
    "The ending surprised me more than I expected.",
    "There is a small bakery on the corner that opens at six.",
    "Their bread sells out before nine on most weekends.",
    "The cat sleeps on the windowsill whenever the sun is out.",
    "In winter she moves to the rug beside the radiator.",
    "We are planning a trip to the coast at the end of June.",
    "The hotel is only a short walk from the beach.",
    "He practised the piano every evening for a month.",
    "At the concert his hands were shaking, but he played well.",
    "The council is repairing the road outside the school.",
    "Buses will stop on the next street until the work is done.",
    "Please remember to water the plants while we are away.",
    "The big one in the hall needs water twice a week.",
    "The river rose quickly after three days of heavy rain.",
    "Farmers moved their sheep to the higher fields.",
    "My brother is learning to bake sourdough bread.",
    "His first loaf was as flat as a pancake.",
    "The new bridge will open to cyclists next spring.",
    "It should cut the ride into town by ten minutes.",
    "She painted the garden fence a pale shade of green.",
    "The neighbours liked it so much they asked for the tin.",
]
MEDIA_LINES = [
    ("Tonight on the news, the smart speaker called", "is in millions of homes."),
    ("And in the advert, a woman says", "order more coffee."),
    ("The presenter laughed and said", "play my favourite song."),
]


def wake_file(path, voice, rate, lead_in, request, condition="clean", pad_to=1.5, gap=0.2, **extra):
    segments = []
    if lead_in:
        segments += [{"say": lead_in}, {"pad_to": pad_to}]
    else:
        segments += [{"gap": pad_to}]
    segments += [{"wake": "alexa"}, {"gap": gap}, {"request": request}, {"gap": 1.0}]
    entry = {"path": path, "kind": "wake", "condition": condition, "voice": voice, "rate": rate,
             "segments": segments}
    entry.update(extra)
    return entry


# Voices of the standard corpus: disjoint from the train and eval recipes' voice strings and from the
# reference engine's templates (en-029, en-gb-scotland, en-us+f4, en-gb-x-gbclan+m2), so a model trained
# on `train` is evaluated on voices it never heard. espeak-ng voices plus two flite voices (flite's other
# two, awb and rms, are training voices: reference/trainer/tools/make_recipes.py).
ESPEAK = ["en-us", "en", "en-gb-x-rp", "en-us+f2", "en-us+m3", "en-029+m2", "en-gb-scotland+f5", "en-us-nyc+m2",
          "en-gb-x-rp+m5", "en-gb-x-gbcwmd+f4", "en-gb-x-gbclan+m4"]
FLITE = ["flite:kal16", "flite:slt"]
ALL_VOICES = ESPEAK[:6] + FLITE[:1] + ESPEAK[6:] + FLITE[1:]   # interleaved: every block gets both engines
WAKE_LEAD_INS = [""] * 4 + LEAD_INS + ["Excuse me.", "Right, okay.", "Oh, by the way."]
CONFUSABLE_WORDS = [
    "alex", "alexis", "a lexus", "alexander", "alexandra", "election", "alaska", "electra",
    {"word": "relax a", "phonemes": "rI2l'aks a#"}, "computing", "echoes", "amazing", "lexicon", "alexia",
    "eclectic", "a texan",
]
BEFORE = ["I talked to", "Yesterday I saw", "She said", "Did you hear about", "We met", "They mentioned",
          "My brother likes", "Have you seen", "Tell me about", "I think", "The article was about", "Look at",
          "Someone called", "It was", "Maybe", "Honestly,", "We were discussing", "On the radio they said",
          "Write down", "I remember"]
AFTER = ["yesterday.", "at the party.", "last week.", "in the news.", "on Monday.", "again.", "is interesting.",
         "for a while.", "before lunch.", "after school.", "and then left.", "in the garden.", "with my friend.",
         "near the station.", "this morning.", "is not what I meant.", "all day.", "every summer.",
         "at work.", "on the phone."]
# The long-form text must not say the wake word or a confusable (those are measured, labelled, in the
# confusable files). "l ex" and "le ex" are "alex" across a word boundary ("trial except",
# "neurological exam", "national existential", "possible explanation"): trainer-3's alexa woke at
# 0.997-1.000 on the first two (three wakes; found from PocketSphinx transcripts of the spots and the
# fortune text), which a text filter that only knew "a lex" and "ale x" let through.
EXCLUDE = ["alex", "lexa", "lexi", "amazon", "amazing", "comput", "echo", "lexus", "elect", "alaska", "relax",
           "alexander", "alexandra", "eclectic", "texan", "a lex", "ale x", "l ex", "le ex"]
MIDI = ["/usr/share/games/openttd/baseset/openmsx/" + name + ".mid" for name in [
    "5432gone_redfarn", "be_sharp_bw_redfarn", "boogi_marabi_redfarn", "busy_schedule", "careless_perc_redfarn",
    "chemistry_lab", "chuggachugga", "city_blues_redfarn", "coconut_run2", "flying_scotsman", "harp_harmony",
    "keep_on_rolling", "linns_basket", "midnight_snow_run", "mighty_giant_run", "modern_motion", "moo_redfarn",
    "mosey_along_redfarn", "no_work_song_redfarn", "relax_song", "run_for_your_life", "say_what_redfarn",
    "slow_neasy_redfarn", "the_fast_route", "the_hobo_redfarn", "train_filled_with_cash", "ttsong_iii_imuh3",
    "ttsong_iv_imuh3", "tttheme2", "ultimate_run", "wood_whistles"]] + [
    "/usr/share/planetblupi/music/music%03d.mid" % i for i in range(10)]
AMBIENT = ["/usr/share/sonic-pi/samples/" + name + ".flac" for name in [
    "ambi_choir", "ambi_dark_woosh", "ambi_drone", "ambi_glass_hum", "ambi_glass_rub", "ambi_haunted_hum",
    "ambi_lunar_land", "ambi_sauna", "ambi_soft_buzz", "ambi_swoosh", "vinyl_hiss", "loop_3d_printer",
    "loop_industrial", "loop_drone_g_97", "misc_crow", "perc_door", "perc_till"]]
# Recordings inside gcompris-qt-data's Qt resource bundles (read by corpora/pools.c's rcc reader).
RCC = "/usr/share/gcompris-qt/rcc/"
AMBIENT += [RCC + "watercycle.rcc#/gcompris/src/activities/watercycle/resource/harbor1.wav",
            RCC + "watercycle.rcc#/gcompris/src/activities/watercycle/resource/harbor2.wav",
            RCC + "canal_lock.rcc#/gcompris/src/activities/canal_lock/resource/water_fill.wav",
            RCC + "core.rcc#/gcompris/src/core/resource/sounds/water.wav",
            RCC + "guessnumber.rcc#/gcompris/src/activities/guessnumber/resource/helicopter.wav",
            RCC + "railroad.rcc#/gcompris/src/activities/railroad/resource/sounds/train.wav",
            RCC + "traffic.rcc#/gcompris/src/activities/traffic/resource/car.wav"] + [
    RCC + "memory-sound.rcc#/gcompris/src/activities/memory-sound/resource/" + name for name in [
        "LRRain_in_garden_01_LA_cut.ogg", "LRTrain_slowing_down_01_LA_cut.ogg", "LRApplauses_1_LA_cut.ogg",
        "LRStartAndStopCarEngine1LACut.ogg", "LRFactory_noise_01_LA.ogg", "LRFactory_noise_02_LA.ogg",
        "LRFactory_noise_03_LA.ogg", "LRFactory_noise_04_LA.ogg", "LRFactory_noise_05_LA.ogg",
        "LRFactory_noise_06_LA.ogg"]]
FORTUNES = ["/usr/share/games/fortunes/" + name for name in ["fortunes", "literature", "riddles"]]
SOURCES = {
    "music": {"midi": MIDI, "soundfont": "/usr/share/sounds/sf2/FluidR3_GM.sf2"},
    "ambient": {"files": AMBIENT},
    "text": {"files": FORTUNES, "exclude": EXCLUDE},
}


def control_files():
    """The explicit files: early wake, microphone off, button, follow-up (device controls scripted on
    the timeline) -- few and special, so they stay explicit."""
    files = []
    for i in range(3):
        files.append(wake_file("wake_early_%02d.flac" % i, ALL_VOICES[i * 5 % len(ALL_VOICES)], RATES[(i + 1) % 4],
                               None, REQUESTS[(i + 7) % len(REQUESTS)], pad_to=0.1 + 0.1 * i))
    for i in range(2):
        files.append({"path": "wake_mic_off_%02d.flac" % i, "kind": "wake", "condition": "clean",
                      "voice": ESPEAK[i + 3], "rate": 165, "segments": [
                          {"say": "Mute the microphone."}, {"pad_to": 1.5}, {"mic_off": True}, {"gap": 0.3},
                          {"wake": "alexa"}, {"gap": 0.2}, {"request": REQUESTS[i + 2]}, {"gap": 1.0},
                          {"mic_on": True}, {"gap": 1.0}, {"wake": "alexa"}, {"gap": 0.2},
                          {"request": REQUESTS[i + 4]}, {"gap": 1.0}]})
    for i in range(2):
        files.append({"path": "wake_button_%02d.flac" % i, "kind": "wake", "condition": "clean",
                      "voice": FLITE[i], "rate": 160, "segments": [
                          {"say": "Let me press the button."}, {"pad_to": 1.8}, {"button": True}, {"gap": 0.3},
                          {"request": REQUESTS[i + 9]}, {"gap": 1.0}]})
    for i in range(2):
        files.append({"path": "wake_follow_up_%02d.flac" % i, "kind": "wake", "condition": "clean",
                      "voice": ESPEAK[i + 6], "rate": 165, "segments": [
                          {"say": "Okay."}, {"pad_to": 1.2}, {"wake": "alexa"}, {"gap": 0.2},
                          {"request": REQUESTS[i + 11]}, {"gap": 2.0},
                          {"follow_up": REQUESTS[i + 13]}, {"gap": 1.0}]})
    for i, (before, after) in enumerate(MEDIA_LINES):
        segments = [{"gap": 0.5}]
        for j in range(3):
            line_before, line_after = MEDIA_LINES[(i + j) % len(MEDIA_LINES)]
            segments += [{"say": SENTENCES[(i * 5 + j) % len(SENTENCES)], "media": True}, {"gap": 0.4},
                         {"say": line_before, "media": True}, {"gap": 0.08}, {"media_wake": "alexa"},
                         {"gap": 0.08}, {"say": line_after, "media": True}, {"gap": 0.8}]
        files.append({"path": "media_%02d.flac" % i, "kind": "media", "condition": "tv",
                      "voice": ESPEAK[(i + 5) % len(ESPEAK)], "rate": 175, "segments": segments})
    return files


def wake_block(prefix, files, condition, first_voice=0, **conditions):
    voices = [ALL_VOICES[(first_voice + k) % len(ALL_VOICES)] for k in range(len(ALL_VOICES))]
    block = {"type": "wake", "prefix": prefix, "files": files, "per_file": 10, "condition": condition,
             "voices": voices, "rates": [150, 165, 180], "pitches": [40, 50, 60], "lead_ins": WAKE_LEAD_INS,
             "requests": REQUESTS}
    block.update(conditions)
    return block


def confusable_block(prefix, files, condition, first_voice=0, **conditions):
    voices = [ALL_VOICES[(first_voice + k) % len(ALL_VOICES)] for k in range(len(ALL_VOICES))]
    block = {"type": "confusable", "prefix": prefix, "files": files, "per_file": 12, "condition": condition,
             "voices": voices, "rates": [150, 165, 180], "pitches": [40, 50, 60], "words": CONFUSABLE_WORDS,
             "before": BEFORE, "after": AFTER}
    block.update(conditions)
    return block


def speech_block(prefix, files, condition, **conditions):
    # Long-form speech: espeak-ng voices and flite kal16 only (the flite clustergen voices synthesize at
    # ~30x real time, too slow for hours of text), 2-3 talkers taking turns, fortune sentences.
    block = {"type": "speech", "prefix": prefix, "files": files, "seconds": 1000, "condition": condition,
             "talkers": 3, "voices": ESPEAK + ["flite:kal16"], "rates": [150, 160, 170, 180],
             "pitches": [40, 50, 60], "text_pool": True, "sentences": SENTENCES}
    block.update(conditions)
    return block


def main():
    rooms = [[4.0, 3.5, 2.6], [6.0, 4.5, 3.0], [8.0, 5.0, 3.2], [10.0, 7.0, 3.5]]
    generate = [
        # 1100 wake-word positives, 10 per file, every voice in every condition block.
        wake_block("wake_clean", 30, "clean"),
        wake_block("wake_noise_20db", 10, "noise_20db", 1, noise={"types": ["white", "pink", "brown", "babble"], "snr_db": 20}),
        wake_block("wake_noise_10db", 10, "noise_10db", 2, noise={"types": ["pink", "brown", "babble", "white"], "snr_db": 10}),
        wake_block("wake_noise_5db", 10, "noise_5db", 3, noise={"types": ["brown", "babble", "white", "pink"], "snr_db": 5}),
        wake_block("wake_noise_0db", 10, "noise_0db", 4, noise={"types": ["babble", "white", "pink", "brown"], "snr_db": 0}),
        wake_block("wake_music_10db", 10, "music_10db", 5, noise={"type": "music", "snr_db": 10}),
        wake_block("wake_music_5db", 10, "music_5db", 6, noise={"type": "music", "snr_db": 5}),
        wake_block("wake_reverb", 10, "reverb", 7, reverb={"rt60": [0.3, 0.9], "rooms": rooms}),
        wake_block("wake_far_field", 10, "far_field", 8, reverb={"rt60": [0.4, 0.8], "rooms": rooms[1:]},
                   gain_db=[-26, -16]),
        # 3120 confusables in carrier sentences.
        confusable_block("confusable_clean", 200, "clean"),
        confusable_block("confusable_noise_10db", 30, "noise_10db", 3,
                         noise={"types": ["pink", "babble", "white", "brown"], "snr_db": 10}),
        confusable_block("confusable_music_10db", 30, "music_10db", 6, noise={"type": "music", "snr_db": 10}),
        # > 10 h of negative audio: speech, TV/radio, music, ambient.
        speech_block("negative_speech_clean", 9, "clean"),
        speech_block("negative_speech_noise_10db", 2, "noise_10db", noise={"types": ["pink", "brown"], "snr_db": 10}),
        speech_block("negative_speech_ambient_10db", 2, "ambient_10db", noise={"type": "ambient", "snr_db": 10}),
        speech_block("negative_speech_reverb", 2, "reverb", reverb={"rt60": [0.4, 0.9], "rooms": rooms}),
        {"type": "media", "prefix": "media_radio", "files": 4, "seconds": 900, "condition": "tv",
         "voices": ESPEAK, "rates": [170, 180, 190], "talkers": 2, "text_pool": True, "wake_every": 60,
         "media_lines": [list(line) for line in MEDIA_LINES], "noise": {"type": "music", "snr_db": 12}},
        {"type": "music", "prefix": "music", "files": 13, "seconds": 900, "condition": "clean", "gain_db": [-12, 0]},
        {"type": "ambient", "prefix": "ambient", "files": 10, "seconds": 900, "condition": "clean", "gain_db": [-12, 0]},
    ]
    recipe = {
        "schema": "wakecert-recipe/1",
        "name": "standard",
        "description": "~15 h: 1100+ wake words (13 voices; clean, noise 20/10/5/0 dB, music 10/5 dB, reverb, "
                       "far field, early, mic-off, button, follow-up), 3120 confusables, 10+ h negative speech, "
                       "TV/radio, music, ambient",
        "seed": 20240612,
        "noise_floor_dbfs": -60,
        "resampler": "medium",
        "format": "flac",
        "sources": SOURCES,
        "files": control_files(),
        "generate": generate,
    }
    print(json.dumps(recipe, indent=1))


if __name__ == "__main__":
    main()
