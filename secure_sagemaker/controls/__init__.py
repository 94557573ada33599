"""The catalog: every rule, as data, one table per ID range.

=========================  ==================================================
``sm0_operations``         SM0xx the guard's stance: unclassified operations,
                           requests it cannot judge
``sm1_notebooks``          SM1xx notebook instances, lifecycle configs, Studio
``sm2_jobs``               SM2xx training, processing, transform, tuning, AutoML,
                           labeling jobs; pipelines (SM250)
``sm3_inference``          SM3xx models, endpoint configs, monitoring
``sm3_endpoint_state``     SM34x endpoint state (audit views)
``sm4_storage``            SM4xx S3 artifact buckets, KMS keys, feature store
``sm4_key_bucket_state``   SM43x key, bucket and account state (audit views)
``sm5_secrets``            SM5xx Secrets Manager and credentials in requests
``sm6_iam``                SM6xx IAM policies and roles
``sm6_trails``             SM68x CloudTrail (audit views)
``sm7_network``            SM70x VPC subnets, security groups, endpoints, flow logs
``sm7_region``             SM701 allowed regions (derived from every other rule)
``sm8_exposure``           SM8xx API Gateway exposure of endpoints
``sm2_destinations``       SM26x S3 destinations of jobs and endpoints
``sm2_hyperpod``           SM27x HyperPod clusters
``sm2_more_jobs``          SM28x compilation, optimization, edge packaging,
                           recommendation jobs; model packages, algorithms
``sm1_studio_spaces``      SM12x Studio spaces, apps, Docker and remote access
``sm1_access``             SM13x workforces, MLflow, partner apps, remote sessions
``sm3_components``         SM36x inference components, config-level isolation
``sm3_resource_policies``  SM35x SageMaker resource policies
``sm2_pipeline_runs``      SM251 pipeline executions, judged with the values
                           they run with
``sm3_endpoint_use``       SM37x the endpoint config an endpoint serves from,
                           judged when the endpoint is created or switched
``sm2_runnable``           SM240 and (``sm3_runnable``) SM380 securing never
                           breaks a job: isolated jobs and models get their code
                           without the network
``sm4_bucket_guard``       SM44x-45x nothing weakens an artifact bucket
``sm4_key_guard``          SM46x-47x nothing weakens the policy's KMS keys
``sm5_secret_guard``       SM52x nothing weakens a protected secret
``sm5_secret_state``       SM54x secret state (audit views)
``sm1_partner_apps``       SM14x partner AI app arguments and identity
``sm2_provisioning``       SM21x projects, Service Catalog, cluster extensions
                           and network interfaces
``sm2_job_sources``        SM22x AutoML endpoints, transform data capture,
                           algorithms of other accounts
``sm3_gateways``           SM39x model packages of other accounts, global
                           gateways, hub URLs, edge devices, alerts
``operations/``            the operation registry: read / judged / allowed /
                           unknown, per watched service (:data:`REGISTRY`)
=========================  ==================================================

Each table writes every rule with its literal ``id="SMnnn"``; IDs are stable:
never reuse or renumber one.  The rule engine (:mod:`secure_sagemaker.rules`)
imports none of this: :data:`CATALOG` is what the guard, the wrappers and the audit
pass it.
"""

from __future__ import annotations

from collections.abc import Iterable
from types import ModuleType

from secure_sagemaker._operations import Registry
from secure_sagemaker.controls import (
    sm0_operations,
    sm1_access,
    sm1_notebooks,
    sm1_partner_apps,
    sm1_studio_spaces,
    sm2_destinations,
    sm2_hyperpod,
    sm2_job_sources,
    sm2_jobs,
    sm2_more_jobs,
    sm2_pipeline_runs,
    sm2_provisioning,
    sm2_remaining,
    sm2_runnable,
    sm3_components,
    sm3_endpoint_state,
    sm3_endpoint_use,
    sm3_gateways,
    sm3_inference,
    sm3_resource_policies,
    sm3_runnable,
    sm4_bucket_guard,
    sm4_key_bucket_state,
    sm4_key_guard,
    sm4_storage,
    sm5_secret_guard,
    sm5_secret_state,
    sm5_secrets,
    sm6_iam,
    sm6_trails,
    sm7_network,
    sm7_region,
    sm8_exposure,
)
from secure_sagemaker.controls.operations import SERVICES
from secure_sagemaker.rules import Catalog, Rule

__all__ = ["CATALOG", "PIPELINE_RULE_ID", "REGISTRY", "TABLES"]

PIPELINE_RULE_ID = "SM250"

TABLES = (
    sm0_operations,
    sm1_notebooks,
    sm1_access,
    sm1_studio_spaces,
    sm2_jobs,
    sm2_hyperpod,
    sm2_destinations,
    sm2_more_jobs,
    sm2_pipeline_runs,
    sm2_remaining,
    sm2_runnable,
    sm1_partner_apps,
    sm2_provisioning,
    sm2_job_sources,
    sm3_gateways,
    sm3_inference,
    sm3_components,
    sm3_endpoint_state,
    sm3_endpoint_use,
    sm3_resource_policies,
    sm3_runnable,
    sm4_storage,
    sm4_bucket_guard,
    sm4_key_guard,
    sm4_key_bucket_state,
    sm5_secrets,
    sm5_secret_guard,
    sm5_secret_state,
    sm6_iam,
    sm6_trails,
    sm7_network,
    sm8_exposure,
)
"""The table modules, each with a ``RULES`` tuple (the region rule is derived)."""


def _build(tables: Iterable[ModuleType]) -> Catalog:
    rules: list[Rule] = []
    origins: dict[str, str] = {}
    for table in tables:
        table_rules: tuple[Rule, ...] = table.RULES
        rules.extend(table_rules)
        origins.update(dict.fromkeys((r.id for r in table_rules), table.__name__))
    region = sm7_region.region_rule(rules)
    origins[region.id] = sm7_region.__name__
    return Catalog(
        (*rules, region),
        pipeline_rule=PIPELINE_RULE_ID,
        origins=origins,
        related={**sm2_pipeline_runs.RELATED, **sm3_endpoint_use.RELATED},
    )


CATALOG: Catalog = _build(TABLES)
"""Every rule of secure-sagemaker, the default of the guard, the wrappers and the audit."""

REGISTRY: Registry = Registry.build(SERVICES, CATALOG.judged_by_service())
"""Every operation of every watched service, classified (see :mod:`.operations`)."""
