"""Questions asked of trained models: attention walk-through and head search, and measurements."""
