"""`gankit bench`: gankit's training speed against a plain eager PyTorch loop of the same
algorithm, time to quality, and evaluation throughput."""
