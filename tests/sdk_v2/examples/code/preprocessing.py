"""Stand-in for the public example's ``preprocessing.py``: uploaded by the SDK, never run in tests."""

if __name__ == "__main__":
    print("preprocessing")
