"""Speech-to-text: model resolution, language codes, the faster-whisper transcriber, the job."""
