"""CloudWatch Logs: unknown operations are logged (SM001), refused only with
``block_at = "low"``.

Allowed: writing log events and streams, tags, saved queries, stopping a query or an export.
Deleting log groups or streams, retention, KMS association, subscription filters,
destinations, exports, account and resource policies, data protection, deliveries and
anomaly suppression are unknown.  Searching and testing filters only read
(``FilterLogEvents``, ``StartQuery``, ``StartLiveTail``, ``Test*``).
"""

from __future__ import annotations

from secure_sagemaker._operations import ServiceOperations, names

SERVICE = ServiceOperations(
    service="logs",
    stance="log",
    allowed={
        **dict.fromkeys(names("""CreateLogStream PutLogEvents"""), "writes log data"),
        **dict.fromkeys(
            names("""TagLogGroup TagResource UntagLogGroup UntagResource"""), "tags only"
        ),
        **dict.fromkeys(
            names("""DeleteQueryDefinition PutQueryDefinition"""),
            "a saved Logs Insights query; changes no log group",
        ),
        "StopQuery": "stops a running query",
        "CancelExportTask": "stops an export of log data",
    },
    read=names("""
        FilterLogEvents StartLiveTail StartQuery TestMetricFilter TestTransformer
    """),
    unknown=names("""
        AssociateKmsKey AssociateSourceToS3TableIntegration CancelImportTask CreateDelivery
        CreateExportTask CreateImportTask CreateLogAnomalyDetector CreateLookupTable
        CreateScheduledQuery DeleteAccountPolicy DeleteDataProtectionPolicy DeleteDelivery
        DeleteDeliveryDestination DeleteDeliveryDestinationPolicy DeleteDeliverySource
        DeleteDestination DeleteIndexPolicy DeleteIntegration DeleteLogAnomalyDetector
        DeleteLogGroup DeleteLogStream DeleteLookupTable DeleteMetricFilter DeleteResourcePolicy
        DeleteRetentionPolicy DeleteScheduledQuery DeleteSubscriptionFilter
        DeleteSyslogConfiguration DeleteTransformer DisassociateKmsKey
        DisassociateSourceFromS3TableIntegration PutAccountPolicy PutBearerTokenAuthentication
        PutDataProtectionPolicy PutDeliveryDestination PutDeliveryDestinationPolicy
        PutDeliverySource PutDestination PutDestinationPolicy PutIndexPolicy PutIntegration
        PutLogGroupDeletionProtection PutMetricFilter PutResourcePolicy PutRetentionPolicy
        PutStorageTierPolicy PutSubscriptionFilter PutSyslogConfiguration PutTransformer
        UpdateAnomaly UpdateDeliveryConfiguration UpdateLogAnomalyDetector UpdateLookupTable
        UpdateScheduledQuery
    """),
)
