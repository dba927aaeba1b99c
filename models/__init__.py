"""SPADE Canvas model pipeline: training, export and evaluation (run as python3 -m models.<part>.<script> from the repository root)."""
