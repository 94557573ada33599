"""SecureEstimator: SageMaker training with the 2.x ``Estimator`` arguments, secure by default.

``from secure_sagemaker import SecureEstimator as Estimator`` keeps the common
script working: the constructor takes the 2.x arguments people use, builds the
``CreateTrainingJob`` request it will send, lets the policy fill the secure values
(VPC, network isolation, inter-container encryption, customer KMS keys) and judges
it with the guard's rules - so an insecure argument raises
:class:`~secure_sagemaker.InsecureRequestError` at construction, not minutes later.

Inputs are S3 URIs or version-pinned artifact references (``ArtifactRef``).  A
training channel cannot name an S3 object *version*, so right before
``CreateTrainingJob`` each pinned input is checked to still be the pinned version
(and checksum), and no other object shares its key prefix; the version and checksum
are recorded in the job's tags as provenance.  An overwrite after that check and
before SageMaker reads the object is not detected: protect input prefixes with S3
Object Lock or a bucket policy that denies overwrites.

No import of the ``sagemaker`` package.
"""

from __future__ import annotations

from secure_sagemaker.artifacts._pinning import (
    PinnedInput,
    verify_pinned_directory,
    verify_pinned_input,
)
from secure_sagemaker.training._estimator import SecureEstimator, TrainingJob

__all__ = [
    "PinnedInput",
    "SecureEstimator",
    "TrainingJob",
    "verify_pinned_directory",
    "verify_pinned_input",
]
