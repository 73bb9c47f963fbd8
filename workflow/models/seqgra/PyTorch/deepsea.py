"""seqgra external module: the DeepSEA architecture, for the data's window and task count."""

from chromcnn.models.deepsea import DeepSEA


class TorchModel(DeepSEA):
    """Built by chromcnn with the dataset's task count and window length."""

    def __init__(self, n_tasks: int = 5, seq_len: int = 300) -> None:
        super().__init__(n_tasks, seq_len)
