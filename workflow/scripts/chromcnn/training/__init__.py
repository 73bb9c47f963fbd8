"""Training one model: loop, checkpoints, validation."""
