"""The data stage: genome, peaks, union windows, splits, negatives, one-hot HDF5."""
