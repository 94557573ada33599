"""Stand-in for the public example's ``train.py``: uploaded by the SDK, never run in tests."""

if __name__ == "__main__":
    print("train")
