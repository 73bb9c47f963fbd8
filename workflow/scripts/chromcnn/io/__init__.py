"""The contract layer: atomic writes, format sniffing, the split-HDF5 reader, provenance."""
