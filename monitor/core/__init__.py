"""The analysis core: plain data in, plain data out, ``now`` passed in, no I/O."""
