"""A job queue in the project database: long work (transcribing an hour of audio) runs as a job
that reports progress, survives being killed, and resumes from its last checkpoint."""
