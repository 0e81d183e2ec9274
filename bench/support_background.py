"""Writes the generated part of the support bot's out-of-scope background set (issue 17).

    .venv/bin/python bench/support_background.py   # rewrites "generated" in support_bot/data/oos_background.json

The hand-written questions ("questions") stay as they are; "generated" is rebuilt from the templates below,
deterministically (seeded sample), so the file can be regenerated and reviewed. Three kinds:
- other services' account chores (cancel, password, double charge, refund, data export...) for services
  and subscriptions that are not Marquee: the near misses that share the KB's intents but not its domain;
- devices other than a streaming screen (subtitles on a DVD player, resetting a router...);
- chit-chat a support bot hears (farewells, "are you there", jokes, small talk).
Any question that is word for word in the development or the benchmark set (support_bot/data/dev.json,
bench_test.json) is dropped, so that neither set is copied into training; nothing else is read from them.
"""

import json
import random
import re
from pathlib import Path

DATA = Path(__file__).resolve().parents[1] / "support_bot" / "data"

SERVICES = [
    "my gym membership", "the yoga studio", "my phone contract", "my mobile carrier", "my gmail account",
    "my outlook email", "my yahoo mail", "the app store", "google play", "my xbox account", "my playstation account",
    "my kindle", "audible", "my icloud storage", "dropbox", "my newspaper subscription", "my magazine subscription",
    "my meal kit box", "my car insurance", "my energy supplier", "my broadband", "my bank app", "paypal",
    "my credit card", "my library card", "my train season ticket", "uber", "my food delivery app", "my vpn",
    "my dating app", "the cinema loyalty card", "my council tax account", "my pharmacy app", "my airline account",
]
CHORES = [
    "how do i cancel {s}", "reset the password for {s}", "{s} charged me twice", "get a refund from {s}",
    "update the card on {s}", "download my data from {s}", "how do i delete {s}", "redeem a gift card on {s}",
    "{s} won't let me log in", "change the email address on {s}", "can i pause {s}", "how much is {s} a month",
    "{s} sent me a bill i don't recognise", "turn on two-step verification for {s}", "who do i call about {s}",
]
DEVICES = [
    "dvd player", "blu-ray player", "modem", "router", "printer", "smart speaker", "soundbar", "projector",
    "laptop", "tablet", "car stereo", "smart watch", "record player", "satellite dish", "baby monitor",
]
DEVICE_CHORES = [
    "turn on subtitles on my {d}", "how do i reset my {d}", "my {d} has no sound", "update the software on my {d}",
    "my {d} won't turn on", "connect my {d} to the wifi", "my {d} keeps restarting", "where do i buy a new {d}",
]
CHIT_CHAT = [
    "bye", "bye for now", "see you later", "talk to you later", "cheers, bye", "good night", "thanks, that's all",
    "never mind", "ok cool", "lol", "are you still there", "hello?", "anyone there", "is this thing on",
    "tell me something funny", "cheer me up", "you're funny", "what's your favourite colour", "do you dream",
    "how old are you", "where do you live", "i'm bored", "sing me a song", "tell me a riddle", "what's the meaning of life",
    "do you like me", "who made you", "what's your name", "can we be friends", "you're useless", "good morning",
    "happy birthday to me", "what should i have for dinner", "flip a coin", "pick a number between one and ten",
]


def norm(text: str) -> str:
    return re.sub(r"\s+", " ", text.lower()).strip()


def generate(seed: int = 17) -> list[str]:
    rng = random.Random(seed)
    chores = [c.format(s=s) for s in SERVICES for c in CHORES]
    devices = [c.format(d=d) for d in DEVICES for c in DEVICE_CHORES]
    return rng.sample(chores, 160) + rng.sample(devices, 50) + CHIT_CHAT


def main() -> None:
    path = DATA / "oos_background.json"
    data = json.loads(path.read_text(encoding="utf-8"))
    avoid = {norm(q) for q in data["questions"]}
    for name in ("dev.json", "bench_test.json"):
        avoid |= {norm(x["text"]) for part in ("in_scope", "out_of_scope")
                  for x in json.loads((DATA / name).read_text(encoding="utf-8"))[part]}
    seen, generated = set(), []
    for question in generate():
        if norm(question) not in avoid and norm(question) not in seen:
            seen.add(norm(question))
            generated.append(question)
    data["generated"] = generated
    data["generated_by"] = "bench/support_background.py (templates; see its docstring)"
    path.write_text(json.dumps(data, ensure_ascii=False, indent=1) + "\n", encoding="utf-8")
    print(f"{len(generated)} generated questions written to {path}")


if __name__ == "__main__":
    main()
