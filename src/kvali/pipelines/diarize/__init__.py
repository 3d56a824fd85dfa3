"""Speaker turns: voice embeddings + clustering offline, or diarization made elsewhere."""
