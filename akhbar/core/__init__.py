"""The ground floor: configuration, names, contracts and text utilities that every stage shares.

Nothing here imports the stages (crawler/, workers/, index/) or the interfaces (the rest of akhbar/);
tests/unit/test_layers.py enforces it.
"""
