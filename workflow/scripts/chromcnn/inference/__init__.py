"""Use a trained model file: load it and predict on one-hot arrays or split files."""
