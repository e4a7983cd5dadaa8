"""PyTorch trainer for prnet-train's networks on a CUDA GPU (see ../README.md).

The network is read from and written back to the tfjs layers-model files that `@prnet/core`
loads, so a model trained here runs unchanged in the browser and in Node.
"""
