"""Resource views: documents the audit assembles from Describe/Get calls, judged by
the rules whose operation names start with ``@`` (see :mod:`secure_sagemaker.audit`),
never API requests.

A field the audit could not read (a denied Get) is left out of the view and reported
as an ``error`` verdict of every rule that judges it; "nothing configured" has a value
of its own where a rule must pass it (``""``: no resource policy).

* ``@Account`` (one per account and region)::

    {"AccountId": "...", "Region": "...",
     "Trails": [{"Name", "IsLogging", "IsMultiRegionTrail", "LogFileValidationEnabled",
                 "ManagementEvents": "All" | "ReadOnly" | "WriteOnly" | None}],
     "GuardDuty": {"Status": "ENABLED", "S3Protection": "ENABLED"},   # absent: no detector
     "Macie": {"Status": "ENABLED"}}                                  # absent: not enabled

* ``@Endpoint``: ``DescribeEndpoint`` plus ``MonitoringSchedules`` (names of the
  schedules watching it) and ``ApiGatewayStages`` (``[{"Api", "Stage",
  "AccessLogging": bool, "WebAcl": bool}]`` for each REST API stage that invokes it).
* ``@KmsKey``: ``DescribeKey``'s ``KeyMetadata`` plus ``KeyRotationEnabled``,
  ``Policy`` (the key policy JSON) and ``Aliases`` (the key's alias names,
  ``["alias/ml"]``; absent when ``ListAliases`` could not be read); customer-managed
  keys only.
* ``@Bucket``: ``{"Bucket": name, "Logging": GetBucketLogging's LoggingEnabled}``
  (absent: logging off).  The rest of a bucket's state is judged, with the guard's own
  rules, as the requests that would set it: ``PutBucketVersioning``,
  ``PutBucketEncryption``, ``PutBucketPolicy``, ``PutPublicAccessBlock``,
  ``PutBucketOwnershipControls``, ``PutBucketAcl`` (``AccessControlPolicy``: the
  current owner and grants) and, when configured, ``PutBucketReplication`` and
  ``PutBucketLifecycleConfiguration``.  Every bucket the audit assesses counts as an
  artifact bucket.
* ``@Secret``: ``ListSecrets``' entry (what ``DescribeSecret`` returns) plus
  ``AssessedAt`` (when the audit read it) and ``ResourcePolicy`` (the JSON of
  ``GetResourcePolicy``; ``""``: the secret has no resource policy).

Execution roles need no view: the audit judges each role's trust policy as the
``CreateRole`` request that would create it (:func:`secure_sagemaker.iam.lint_role`),
with the guard's own SM6xx rules.
"""

from __future__ import annotations

__all__ = ["ACCOUNT", "BUCKET", "ENDPOINT", "KMS_KEY", "SECRET"]

ACCOUNT = "@Account"
ENDPOINT = "@Endpoint"
KMS_KEY = "@KmsKey"
BUCKET = "@Bucket"
SECRET = "@Secret"  # noqa: S105 - a view name, not a secret
