"""Byte-level BPE training as the paper ablates it: knobs, data split, sweeps, extension."""
