"""Run a trained model without the pipeline's config: :func:`load` a model file, then predict."""

from chromcnn.inference.model_file import LoadedModel, load

__all__ = ["LoadedModel", "load"]
