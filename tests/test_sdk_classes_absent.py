"""secure_sagemaker.sagemaker without the SageMaker Python SDK installed.

The package imports (it imports no SDK); each SDK-named module raises an
ImportError that names the extra to install.  The classes themselves are tested in
the SDK suites (tests/sdk_v2/test_dropin.py, tests/sdk_v3/test_dropin.py).
"""

from __future__ import annotations

import importlib.util
import subprocess
import sys

import pytest

pytestmark = pytest.mark.skipif(
    importlib.util.find_spec("sagemaker") is not None,
    reason="the SageMaker SDK is installed here; these tests need it absent",
)

V2 = ["estimator", "pytorch", "xgboost", "sklearn", "sklearn.processing", "huggingface",
      "tensorflow", "model", "tuner", "processing", "workflow"]  # fmt: skip
V3 = ["train", "serve"]


def test_the_package_imports_without_the_sdk_and_imports_none() -> None:
    code = (
        "import sys, secure_sagemaker.sagemaker as s\n"
        "assert s.__all__ == []\n"
        "assert not any(m == 'sagemaker' or m.startswith('sagemaker.') for m in sys.modules)\n"
    )
    subprocess.run([sys.executable, "-c", code], check=True)


@pytest.mark.parametrize(
    ("module", "extra"),
    [(m, "v2") for m in V2] + [(m, "v3") for m in V3] + [("transformer", "v2")],
)
def test_each_sdk_named_module_says_which_extra_to_install(module: str, extra: str) -> None:
    name = f"secure_sagemaker.sagemaker.{module}"
    sys.modules.pop(name, None)
    with pytest.raises(ImportError) as info:
        importlib.import_module(name)
    message = str(info.value)
    assert name in message
    assert f"pip install 'secure-sagemaker[{extra}]'" in message
    assert "no sagemaker SDK installed" in message
    assert name not in sys.modules


def test_the_transformer_accepts_either_sdk() -> None:
    with pytest.raises(ImportError) as info:
        importlib.import_module("secure_sagemaker.sagemaker.transformer")
    assert "2.x or 3.x" in str(info.value) and "[v3]" in str(info.value)
