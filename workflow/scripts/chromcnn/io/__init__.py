"""The contract layer (imports only chromcnn.errors and third-party packages).

atomic (every output written via a temporary name), sniff (URL / gzip, open plain
or gzip), bed (the one BED-line parser), windows_table (windows.tsv.gz layout,
writer, reader), split_h5 (split HDF5 layout, writer, readers), onehot (channel
order, reverse complement, information content), batches, provenance.
"""
