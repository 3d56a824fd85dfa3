"""The synthetic evaluation set of ``bench/diarize.py``: two- and three-speaker interview
dialogues spoken by espeak-ng voices, with the reference written from the script.

Deterministic for a seed. Each dialogue has one pause length between all its turns (0, 0.2,
0.5 or 1 s), one-word backchannels of the listener («Yes.», «Right.») in the middle of some
answers, and one overlapping stretch (a turn that starts 0.6 s before the previous one ends).
Two splits: ``dev`` (the settings were tuned on it) and ``heldout`` (other seeds, other
texts' order and partly other voices; never tuned on).
"""

from __future__ import annotations

import random
from dataclasses import dataclass

from kvali.pipelines.diarize.synthetic import Utterance, Voice

PAUSES_MS = (0, 200, 500, 1000)
OVERLAP_MS = 600
QUESTIONS = [
    "Could you tell me how long you have worked as a principal at this school?",
    "What does a professional learning community mean for you and your staff?",
    "How do you organise the meetings between the teams during a normal week?",
    "What role does the regional network play in this development?",
    "How do the teachers share experience from their own classrooms?",
    "Who decides which topics the teams work on each term?",
    "What was the hardest part of starting this work?",
    "How do you know whether the students learn more?",
    "Can you describe a meeting that went really well?",
    "What support do you get from the school owner?",
    "How do new teachers become part of the community?",
    "What would you do differently if you started again?",
]
ANSWERS = [
    "I have led this school for seven years now.",
    "Before that I taught mathematics in a secondary school for a long time.",
    "For me it means that teachers meet regularly and improve together.",
    "Every Tuesday afternoon the team leaders plan the work for the week.",
    "Everyone brings one example from practice to the meeting.",
    "The network gives us new ideas and we learn from other principals.",
    "We visit each other's classrooms and give feedback afterwards.",
    "The teams choose their topics together with the leadership group.",
    "At first many teachers felt that it was just another meeting.",
    "We look at the results from the national tests together.",
    "Trust takes time, and it is built in small steps.",
    "The school owner gives us time, but not much money.",
    "New teachers get a mentor during their first year with us.",
    "I would involve the teachers earlier in the planning.",
    "Sometimes the discussions are critical, but never unkind.",
    "We try to keep the focus on what the students actually learn.",
]
BACKCHANNELS = ["Yes.", "Right.", "Okay.", "Sure.", "Exactly."]
VOICES_DEV = ["en-us", "en-gb+m3", "en-us+f3", "en-gb-scotland", "en-029", "en+f2"]
VOICES_HELDOUT = ["en-us-nyc", "en-gb-x-rp", "en-us+m5", "en+f4", "en-gb", "en-gb-scotland+f3"]


@dataclass
class Dialogue:
    name: str
    split: str
    speakers: int
    pause_ms: int
    voices: list[Voice]
    script: list[Utterance]


def _voices(rng: random.Random, pool: list[str], n: int) -> list[Voice]:
    names = rng.sample(pool, n)
    return [Voice(v, pitch=rng.randint(30, 70), speed=rng.randint(145, 185)) for v in names]


def make_dialogue(
    seed: int, *, split: str, speakers: int, pause_ms: int, exchanges: int = 5
) -> Dialogue:
    """An interviewer (speaker 0) asks, the participants answer in turn; now and then the
    interviewer says a one-word backchannel in the middle of an answer; one turn overlaps."""
    rng = random.Random(seed)
    pool = VOICES_DEV if split == "dev" else VOICES_HELDOUT
    questions = rng.sample(QUESTIONS, exchanges)
    answers = rng.sample(ANSWERS, len(ANSWERS))
    script: list[Utterance] = []
    a = 0
    for k, q in enumerate(questions):
        script.append(Utterance(0, q, pause_ms))
        who = 1 + k % (speakers - 1)
        first, second = answers[a % len(answers)], answers[(a + 1) % len(answers)]
        a += 2
        if rng.random() < 0.5:  # a backchannel between the answer's two sentences
            script.append(Utterance(who, first, pause_ms))
            script.append(Utterance(0, rng.choice(BACKCHANNELS), pause_ms))
            script.append(Utterance(who, second, pause_ms))
        else:
            script.append(Utterance(who, f"{first} {second}", pause_ms))
        if speakers == 3 and rng.random() < 0.5:  # the other participant adds a sentence
            other = 3 - who
            script.append(Utterance(other, answers[a % len(answers)], pause_ms))
            a += 1
    # one overlapping stretch: a question that starts before the answer has ended
    at = next(i for i in range(len(script) // 2, len(script)) if script[i].speaker == 0)
    script[at] = Utterance(0, script[at].text, -OVERLAP_MS)
    return Dialogue(
        f"{split}-{speakers}spk-{pause_ms}ms-{seed}",
        split,
        speakers,
        pause_ms,
        _voices(rng, pool, speakers),
        script,
    )


def evaluation_set(split: str, *, per_cell: int = 2) -> list[Dialogue]:
    """``per_cell`` two-speaker and one three-speaker dialogue per pause length."""
    base = 1 if split == "dev" else 101
    out = []
    for p, pause in enumerate(PAUSES_MS):
        for k in range(per_cell):
            out.append(make_dialogue(base + 10 * p + k, split=split, speakers=2, pause_ms=pause))
        out.append(make_dialogue(base + 10 * p + 9, split=split, speakers=3, pause_ms=pause))
    return out
