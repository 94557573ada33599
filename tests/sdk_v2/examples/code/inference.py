"""Stand-in for the public example's ``inference.py``: uploaded by the SDK, never run in tests."""

if __name__ == "__main__":
    print("inference")
