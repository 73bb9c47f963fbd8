"""Configuration: schema validation, regions, per-model training settings."""
