#!/usr/bin/env python3
"""Write standard.json, the recipe of the `standard` corpus, from the tables below.

The recipe is committed (it is what is built and hashed); this script is how it was designed, kept so
a change is a reviewed edit of a table rather than of 2,000 lines of JSON. Run it from this folder:
    python3 make_standard.py > standard.json
Deterministic: no randomness here (the generator's noise is seeded from the recipe's seed).

Design (what the standard corpus measures):
  wake words    18 clean files, 9 voices x 2 rates, a different request each, lead-ins of speech or quiet
  noise         white, pink, brown and babble at 20, 10, 5 and 0 dB SNR (16 files, one per pair)
  reverb        RT60 0.3, 0.6 and 0.9 s, image-source rooms (6 files)
  early wake    wake word < 500 ms into the file (3 files)
  controls      microphone off (2), action button (2), follow-up without the wake word (2)
  confusable    4 files, 6 near-miss words each (alex, election, a lexus, relax a, alexis, lexicon)
  media         3 files of TV-like (band-limited) speech that says the wake word
  negative      12 files of ~30 s everyday speech: 6 clean, 4 in noise, 2 reverberant
Only "alexa" is used as the wake word; the other table words (amazon, computer, echo) are available to
recipes through the generator's phoneme table.
"""
import json

VOICES = ["en-us", "en", "en-gb-x-rp", "en-us+m3", "en-us+f2", "en-us+f4", "en-gb-scotland", "en-029",
          "en-us+m1"]
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
CONFUSABLES = [
    ("I talked to", {"confusable": "alex"}, "yesterday."),
    ("The", {"confusable": "election"}, "is in November."),
    ("She drives", {"confusable": "a lexus"}, "to work."),
    ("Just", {"confusable": "relax a", "phonemes": "rI2l'aks a#"}, "little."),
    ("My friend", {"confusable": "alexis"}, "lives in Boston."),
    ("This", {"confusable": "lexicon"}, "is very old."),
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


def negative_file(path, voice, rate, first, count=8, condition="clean", **extra):
    segments = [{"gap": 0.5}]
    for i in range(count):
        segments += [{"say": SENTENCES[(first + i) % len(SENTENCES)]}, {"gap": 0.5}]
    segments.append({"gap": 0.5})
    entry = {"path": path, "kind": "negative", "condition": condition, "voice": voice, "rate": rate,
             "segments": segments}
    entry.update(extra)
    return entry


def main():
    files = []
    n = 0
    for v, voice in enumerate(VOICES):
        for r in range(2):
            rate = RATES[(v + 2 * r) % len(RATES)]
            lead_in = LEAD_INS[(v + r) % len(LEAD_INS)] if (v + r) % 3 else None
            files.append(wake_file("wake_clean_%02d.wav" % n, voice, rate, lead_in, REQUESTS[n % len(REQUESTS)],
                                   pad_to=1.2 + 0.1 * ((v + r) % 6), gap=0.15 + 0.05 * ((v + r) % 3)))
            n += 1
    for t, noise in enumerate(["white", "pink", "brown", "babble"]):
        for s, snr in enumerate([20, 10, 5, 0]):
            k = 4 * t + s
            files.append(wake_file("wake_%s_%ddb.wav" % (noise, snr), VOICES[k % len(VOICES)], RATES[k % 4],
                                   LEAD_INS[k % len(LEAD_INS)], REQUESTS[k % len(REQUESTS)],
                                   condition="%s_%ddb" % (noise, snr), noise={"type": noise, "snr_db": snr}))
    for i, rt60 in enumerate([0.3, 0.3, 0.6, 0.6, 0.9, 0.9]):
        room = [[4.0, 3.5, 2.6], [6.0, 4.5, 3.0], [8.0, 5.0, 3.2]][i // 2]
        files.append(wake_file("wake_reverb_%02d.wav" % i, VOICES[(i + 3) % len(VOICES)], RATES[i % 4],
                               LEAD_INS[i % len(LEAD_INS)], REQUESTS[(i + 5) % len(REQUESTS)],
                               condition="reverb_%.1f" % rt60, reverb={"rt60": rt60, "room": room}))
    for i in range(3):
        files.append(wake_file("wake_early_%02d.wav" % i, VOICES[(i * 2) % len(VOICES)], RATES[(i + 1) % 4],
                               None, REQUESTS[(i + 7) % len(REQUESTS)], pad_to=0.1 + 0.1 * i))
    for i in range(2):
        voice = VOICES[i + 4]
        files.append({"path": "wake_mic_off_%02d.wav" % i, "kind": "wake", "condition": "clean", "voice": voice,
                      "rate": 165, "segments": [
                          {"say": "Mute the microphone."}, {"pad_to": 1.5}, {"mic_off": True}, {"gap": 0.3},
                          {"wake": "alexa"}, {"gap": 0.2}, {"request": REQUESTS[i + 2]}, {"gap": 1.0},
                          {"mic_on": True}, {"gap": 1.0}, {"wake": "alexa"}, {"gap": 0.2},
                          {"request": REQUESTS[i + 4]}, {"gap": 1.0}]})
    for i in range(2):
        files.append({"path": "wake_button_%02d.wav" % i, "kind": "wake", "condition": "clean",
                      "voice": VOICES[i + 1], "rate": 160, "segments": [
                          {"say": "Let me press the button."}, {"pad_to": 1.5}, {"button": True}, {"gap": 0.3},
                          {"request": REQUESTS[i + 9]}, {"gap": 1.0}]})
    for i in range(2):
        files.append({"path": "wake_follow_up_%02d.wav" % i, "kind": "wake", "condition": "clean",
                      "voice": VOICES[i + 6], "rate": 165, "segments": [
                          {"say": "Okay."}, {"pad_to": 1.2}, {"wake": "alexa"}, {"gap": 0.2},
                          {"request": REQUESTS[i + 11]}, {"gap": 2.0},
                          {"follow_up": REQUESTS[i + 13]}, {"gap": 1.0}]})
    for i in range(4):
        segments = [{"gap": 0.5}]
        for j, (before, word, after) in enumerate(CONFUSABLES):
            segments += [{"say": before}, {"gap": 0.08}, dict(word), {"gap": 0.08}, {"say": after}, {"gap": 0.6}]
        files.append({"path": "confusable_%02d.wav" % i, "kind": "confusable", "condition": "clean",
                      "voice": VOICES[(i * 2 + 1) % len(VOICES)], "rate": RATES[i], "segments": segments})
    for i, (before, after) in enumerate(MEDIA_LINES):
        segments = [{"gap": 0.5}]
        for j in range(3):
            line_before, line_after = MEDIA_LINES[(i + j) % len(MEDIA_LINES)]
            segments += [{"say": SENTENCES[(i * 5 + j) % len(SENTENCES)], "media": True}, {"gap": 0.4},
                         {"say": line_before, "media": True}, {"gap": 0.08}, {"media_wake": "alexa"},
                         {"gap": 0.08}, {"say": line_after, "media": True}, {"gap": 0.8}]
        files.append({"path": "media_%02d.wav" % i, "kind": "media", "condition": "tv",
                      "voice": VOICES[(i + 5) % len(VOICES)], "rate": 175, "segments": segments})
    for i in range(6):
        files.append(negative_file("negative_clean_%02d.wav" % i, VOICES[i % len(VOICES)], RATES[i % 4], i * 6))
    for i, (noise, snr) in enumerate([("babble", 10), ("pink", 5), ("white", 10), ("brown", 5)]):
        files.append(negative_file("negative_%s_%ddb.wav" % (noise, snr), VOICES[(i + 6) % len(VOICES)],
                                   RATES[(i + 1) % 4], i * 7 + 3, condition="%s_%ddb" % (noise, snr),
                                   noise={"type": noise, "snr_db": snr}))
    for i, rt60 in enumerate([0.4, 0.8]):
        files.append(negative_file("negative_reverb_%02d.wav" % i, VOICES[(i + 2) % len(VOICES)], RATES[i],
                                   i * 9 + 1, condition="reverb_%.1f" % rt60,
                                   reverb={"rt60": rt60, "room": [6.0, 4.5, 3.0]}))
    recipe = {
        "schema": "wakecert-recipe/1",
        "name": "standard",
        "description": "~12 min: 49 wake files (9 voices; noise white/pink/brown/babble at 20/10/5/0 dB; "
                       "reverb; early; mic-off; button; follow-up), 4 confusable, 3 media, 12 negative",
        "seed": 20240612,
        "noise_floor_dbfs": -60,
        "files": files,
    }
    print(json.dumps(recipe, indent=1))


if __name__ == "__main__":
    main()
