"""SageMaker: every operation no rule judges and none allows is refused (SM000).

``allowed`` is kept to what cannot weaken encryption, network isolation, logging,
monitoring, access or versioning: tags, lineage and experiment metadata, stopping
compute, deleting a resource nothing else relies on for its protection, capacity
and quotas, pipeline callbacks.  Deleting monitoring, registered (versioned) models,
model cards and resource policies is ``unknown``: each removes a protection.
"""

from __future__ import annotations

from secure_sagemaker._operations import ServiceOperations, names

_LINEAGE = names("""
    AddAssociation CreateAction CreateArtifact CreateContext DeleteAction DeleteArtifact
    DeleteAssociation DeleteContext UpdateAction UpdateArtifact UpdateContext
""")
_EXPERIMENTS = names("""
    AssociateTrialComponent CreateExperiment CreateTrial CreateTrialComponent DeleteExperiment
    DeleteTrial DeleteTrialComponent DisassociateTrialComponent UpdateExperiment UpdateTrial
    UpdateTrialComponent
""")
_STOP = names("""
    StopAIBenchmarkJob StopAIRecommendationJob StopAutoMLJob StopCompilationJob
    StopEdgePackagingJob StopHyperParameterTuningJob StopInferenceExperiment
    StopInferenceRecommendationsJob StopLabelingJob StopMlflowTrackingServer
    StopNotebookInstance StopOptimizationJob StopPipelineExecution StopProcessingJob
    StopTrainingJob StopTransformJob
""")
_DELETE = names("""
    DeleteAIBenchmarkJob DeleteAIRecommendationJob DeleteAIWorkloadConfig DeleteAlgorithm
    DeleteApp DeleteAppImageConfig DeleteCluster DeleteClusterSchedulerConfig
    DeleteCodeRepository DeleteCompilationJob DeleteDeviceFleet DeleteDomain
    DeleteEdgeDeploymentPlan DeleteEdgeDeploymentStage DeleteEndpoint DeleteEndpointConfig
    DeleteFeatureGroup DeleteFlowDefinition DeleteHub DeleteHubContent
    DeleteHubContentReference DeleteHumanTaskUi DeleteHyperParameterTuningJob DeleteImage
    DeleteImageVersion DeleteInferenceComponent DeleteInferenceExperiment DeleteMlflowApp
    DeleteMlflowTrackingServer DeleteModel DeleteNotebookInstance
    DeleteNotebookInstanceLifecycleConfig DeleteOptimizationJob DeletePartnerApp
    DeletePipeline DeleteProcessingJob DeleteProject DeleteSpace DeleteStudioLifecycleConfig
    DeleteTrainingJob DeleteUserProfile DeleteWorkforce DeleteWorkteam
""")
_CAPACITY = names("""
    CreateComputeQuota CreateTrainingPlan DeleteComputeQuota ExtendTrainingPlan
    UpdateComputeQuota
""")
_PIPELINE_RUNS = names("""
    RetryPipelineExecution SendPipelineExecutionStepFailure SendPipelineExecutionStepSuccess
    UpdatePipelineExecution
""")

SERVICE = ServiceOperations(
    service="sagemaker",
    stance="refuse",
    allowed={
        "AddTags": "tags only",
        "DeleteTags": "tags only",
        **dict.fromkeys(_LINEAGE, "lineage metadata; no compute, data or access"),
        **dict.fromkeys(_EXPERIMENTS, "experiment-tracking metadata; no compute or data"),
        **dict.fromkeys(_STOP, "stops compute; removes no protection"),
        **dict.fromkeys(
            _DELETE, "deletes a resource; no other resource relies on it for its protection"
        ),
        **dict.fromkeys(_CAPACITY, "capacity and quotas; no data, network or keys"),
        **dict.fromkeys(
            _PIPELINE_RUNS,
            "retries or steers an execution judged when it started (SM251: with its "
            "parameter values)",
        ),
        "StartNotebookInstance": "restarts an instance with the settings judged at creation",
        "StartMonitoringSchedule": "turns monitoring on",
        "StartInferenceExperiment": "starts an experiment judged at CreateInferenceExperiment",
        "StartClusterHealthCheck": "runs health checks on existing nodes",
        "UpdateEndpointWeightsAndCapacities": "traffic weights and instance counts only",
        "UpdateFeatureMetadata": "descriptions and parameters of features only",
        "RenderUiTemplate": "renders a labeling template preview; stores nothing",
        "UpdateClusterSoftware": "patches the nodes' image with a rolling deployment; changes "
        "no network, encryption, access or storage setting",
        "CreateModelPackageGroup": "a name and a description; each package is judged when "
        "registered",
        "UpdateCodeRepository": "changes only the Secrets Manager secret holding the repository's "
        "credentials",
        "UpdateImage": "description, display name and the role that reads the image; versions are "
        "judged (SM293)",
        "UpdateImageVersion": "aliases and descriptive metadata of a version whose image was "
        "judged",
        "UpdateFeatureGroup": "adds features, changes TTL and throughput; keys, role and offline "
        "store are fixed at creation",
        "StartMlflowTrackingServer": "starts a tracking server judged at its creation",
        "CreateEdgeDeploymentPlan": "names packaged models (judged, SM281-282) and device fleets "
        "(SM290-291)",
        "CreateEdgeDeploymentStage": "selects the devices of a plan's fleet; no data, keys or "
        "network",
        "StartEdgeDeploymentStage": "deploys a plan's packaged models to its fleet's devices",
        "CreateClusterSchedulerConfig": "scheduling priorities and fair share of a cluster's "
        "compute",
        "UpdateClusterSchedulerConfig": "scheduling priorities and fair share of a cluster's "
        "compute",
        "BatchAddClusterNodes": "adds nodes to an instance group judged at its creation (SM27x)",
        "BatchReplaceClusterNodes": "replaces nodes of an instance group judged at its creation "
        "(SM27x)",
        "BatchRebootClusterNodes": "reboots existing nodes",
        "BatchDeleteClusterNodes": "removes nodes; removes no protection",
        "MoveClusterNodes": "moves nodes into an instance group judged at its creation (SM27x)",
        "CreateHubContentReference": "references public SageMaker hub content from a private hub; "
        "stores no data",
        "UpdateHubContentReference": "changes the minimum version of a hub content reference",
        "UpdateHub": "description, display name and search keywords only",
        "UpdateHubContent": "display name, description, markdown, keywords and support status only",
        "UpdateInferenceComponentRuntimeConfig": "the number of copies of a component only",
        "UpdatePipelineVersion": "display name, description and aliases of a pipeline version",
        "AttachClusterNodeVolume": "attaches an existing EBS volume, whose encryption was set "
        "when it was created",
    },
    read=names("GetSearchSuggestions"),
    unknown=names("""
        DeleteClusterExtension DeleteDataQualityJobDefinition DeleteEndpointPolicy
        DeleteGlobalInferenceGateway DeleteInferenceRouter DeleteJob
        DeleteModelBiasJobDefinition DeleteModelCard
        DeleteModelExplainabilityJobDefinition DeleteModelPackage
        DeleteModelPackageGroup DeleteModelPackageGroupPolicy
        DeleteModelQualityJobDefinition DeleteMonitoringSchedule DeleteTrainingSession
        DeregisterDevices DetachClusterNodeVolume
        DisableSagemakerServicecatalogPortfolio RemoveInferenceGateway
        StopEdgeDeploymentStage StopJob StopMonitoringSchedule StopTrainingSession
    """),
)
