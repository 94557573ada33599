"""Resource views: documents the audit assembles from Describe/Get calls, judged by
the rules whose operation names start with ``@`` (never API requests).

(see :mod:`secure_sagemaker.audit`), never API requests.

* ``@Account`` (one per account and region)::

    {"AccountId": "...", "Region": "...",
     "Trails": [{"Name", "IsLogging", "IsMultiRegionTrail", "LogFileValidationEnabled",
                 "ManagementEvents": "All" | "ReadOnly" | "WriteOnly" | None}],
     "GuardDuty": {"Status": "ENABLED", "S3Protection": "ENABLED"},   # absent: no detector
     "Macie": {"Status": "ENABLED"}}                                  # absent: not enabled

* ``@Endpoint``: ``DescribeEndpoint`` plus ``MonitoringSchedules`` (names of the
  schedules watching it) and ``ApiGatewayStages`` (``[{"Api", "Stage",
  "AccessLogging": bool, "WebAcl": bool}]`` for each REST API stage that invokes it).
* ``@KmsKey``: ``DescribeKey``'s ``KeyMetadata`` plus ``KeyRotationEnabled`` and
  ``Policy`` (the key policy JSON); customer-managed keys only.
* ``@Bucket``: ``{"Bucket": name, "Logging": GetBucketLogging's LoggingEnabled}``.
"""

from __future__ import annotations

__all__ = ["ACCOUNT", "BUCKET", "ENDPOINT", "KMS_KEY"]

ACCOUNT = "@Account"
ENDPOINT = "@Endpoint"
KMS_KEY = "@KmsKey"
BUCKET = "@Bucket"
