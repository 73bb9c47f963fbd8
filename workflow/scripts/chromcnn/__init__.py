"""chromcnn: learning regulatory DNA from sequence (library behind the Snakemake workflow)."""

__version__ = "0.1.0"
