"""Stand-in for the public example's ``scikit_learn_iris.py``: uploaded by the SDK, never run in tests."""

if __name__ == "__main__":
    print("scikit_learn_iris")
