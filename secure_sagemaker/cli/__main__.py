"""``python -m secure_sagemaker.cli``: the same as ``secure-sagemaker``."""

from __future__ import annotations

import sys

from secure_sagemaker.cli import main

sys.exit(main())
