"""API Gateway: unknown operations are logged (SM001), refused only with
``block_at = "low"``.

Methods and stages are judged (SM8xx); every other change to APIs, resources, integrations,
authorizers, deployments, stages, keys, usage plans, domains and VPC links is unknown.
Allowed: tags, documentation, flushing caches.  Test invocations are unknown: they call the
authorizer or backend.
"""

from __future__ import annotations

from secure_sagemaker._operations import ServiceOperations, names

_DOCUMENTATION = names("""
    CreateDocumentationPart CreateDocumentationVersion DeleteDocumentationPart
    DeleteDocumentationVersion ImportDocumentationParts UpdateDocumentationPart
    UpdateDocumentationVersion
""")

SERVICE = ServiceOperations(
    service="apigateway",
    stance="log",
    allowed={
        **dict.fromkeys(names("""TagResource UntagResource"""), "tags only"),
        **dict.fromkeys(
            _DOCUMENTATION, "API documentation only; changes no route, authorizer or stage"
        ),
        **dict.fromkeys(
            names("""FlushStageAuthorizersCache FlushStageCache"""),
            "flushes a cache; changes no configuration",
        ),
    },
    unknown=names("""
        CreateApiKey CreateAuthorizer CreateBasePathMapping CreateDeployment CreateDomainName
        CreateDomainNameAccessAssociation CreateModel CreateRequestValidator CreateResource
        CreateRestApi CreateStage CreateUsagePlan CreateUsagePlanKey CreateVpcLink DeleteApiKey
        DeleteAuthorizer DeleteBasePathMapping DeleteClientCertificate DeleteDeployment
        DeleteDomainName DeleteDomainNameAccessAssociation DeleteGatewayResponse
        DeleteIntegration DeleteIntegrationResponse DeleteMethod DeleteMethodResponse
        DeleteModel DeleteRequestValidator DeleteResource DeleteRestApi DeleteStage
        DeleteUsagePlan DeleteUsagePlanKey DeleteVpcLink GenerateClientCertificate ImportApiKeys
        ImportRestApi PutGatewayResponse PutIntegration PutIntegrationResponse PutMethodResponse
        PutRestApi RejectDomainNameAccessAssociation TestInvokeAuthorizer TestInvokeMethod
        UpdateAccount UpdateApiKey UpdateAuthorizer UpdateBasePathMapping
        UpdateClientCertificate UpdateDeployment UpdateDomainName UpdateGatewayResponse
        UpdateIntegration UpdateIntegrationResponse UpdateMethodResponse UpdateModel
        UpdateRequestValidator UpdateResource UpdateRestApi UpdateUsage UpdateUsagePlan
        UpdateVpcLink
    """),
)
