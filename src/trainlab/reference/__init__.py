"""Float64 NumPy implementations written the way the lectures write them: the oracle for tests."""
