"""Pipelines that turn recordings into transcripts: decoding, speech-to-text, speaker turns,
talk statistics. Heavy dependencies (faster-whisper, PyAV, numpy) come from the ``stt`` extra and
are imported lazily, so the core of kvali works without them."""
