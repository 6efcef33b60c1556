"""Neural recommenders (PyTorch, the ``neural`` extra): embedding+MLP, NCF, Mult-VAE, SASRec."""
