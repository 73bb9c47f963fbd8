"""What a model learned: interpretation methods (first-layer filters) and motif matching."""
