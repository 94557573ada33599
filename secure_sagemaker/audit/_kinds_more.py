"""More resource types the audit inventories (data only; :mod:`._kinds` builds them).

One entry per kind: ``(name, noun, options)``.  ``noun`` gives the operation names
(``List<noun>s``, ``Describe<noun>``, ``Create<noun>``), the ``<noun>Name`` /
``<noun>Arn`` fields and the resource type ``AWS::SageMaker::<noun>``; ``options``
override them (``plural``: the List operation's noun; ``describe``: the Describe
operation's noun; ``operation``: the request whose rules judge the resource) or
are :class:`._kinds.Kind` fields (``list_key``, ``ids``, ``arn_field``,
``renames``, ``recent``, ``envelope``).
"""

from __future__ import annotations

from typing import Any

__all__ = ["MORE_KINDS"]

_ARN = {"ids": {"Arn": "Arn"}, "arn_field": "Arn"}

MORE_KINDS: tuple[tuple[str, str, dict[str, Any]], ...] = (
    # ListAutoMLJobs lists V1 and V2 jobs; DescribeAutoMLJobV2 answers both in the
    # V2 request's shape (SecurityConfig at the top, ModelDeployConfig)
    (
        "automl-job",
        "AutoMLJob",
        {
            "list_key": "AutoMLJobSummaries",
            "describe": "AutoMLJobV2",
            "operation": "CreateAutoMLJobV2",
            "recent": True,
        },
    ),
    ("labeling-job", "LabelingJob", {"list_key": "LabelingJobSummaryList", "recent": True}),
    ("studio-lifecycle-config", "StudioLifecycleConfig", {}),
    ("feature-group", "FeatureGroup", {"list_key": "FeatureGroupSummaries"}),
    (
        "edge-packaging-job",
        "EdgePackagingJob",
        {"list_key": "EdgePackagingJobSummaries", "recent": True},
    ),
    # Describe carries no OutputConfig: SM281 is not audited for these jobs
    (
        "inference-recommendations-job",
        "InferenceRecommendationsJob",
        {"ids": {"JobName": "JobName"}, "arn_field": "JobArn", "recent": True},
    ),
    (
        "inference-experiment",
        "InferenceExperiment",
        {"ids": {"Name": "Name"}, "arn_field": "Arn"},
    ),
    ("algorithm", "Algorithm", {"list_key": "AlgorithmSummaryList"}),
    ("partner-app", "PartnerApp", {"list_key": "Summaries", **_ARN}),
    (
        "project",
        "Project",
        {
            "list_key": "ProjectSummaryList",
            "renames": {
                "TemplateProviderDetails": "TemplateProviders",
                "TemplateProviders[].CfnTemplateProviderDetail": (
                    "TemplateProviders[].CfnTemplateProvider"
                ),
            },
        },
    ),
    ("mlflow-app", "MlflowApp", {"list_key": "Summaries", **_ARN}),
    ("hub", "Hub", {"list_key": "HubSummaries"}),  # ListHubs pages without a paginator
    ("model-card", "ModelCard", {"list_key": "ModelCardSummaries"}),
    (
        "code-repository",
        "CodeRepository",
        {"plural": "CodeRepositories", "list_key": "CodeRepositorySummaryList"},
    ),
    ("device-fleet", "DeviceFleet", {"list_key": "DeviceFleetSummaries"}),
    ("flow-definition", "FlowDefinition", {"list_key": "FlowDefinitionSummaries"}),
    ("workteam", "Workteam", {"envelope": "Workteam"}),
    ("image", "Image", {}),
    ("inference-router", "InferenceRouter", {}),
    ("ai-benchmark-job", "AIBenchmarkJob", {"recent": True}),
    ("ai-recommendation-job", "AIRecommendationJob", {"recent": True}),
    ("ai-workload-config", "AIWorkloadConfig", {}),
)
