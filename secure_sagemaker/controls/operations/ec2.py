"""EC2: unknown operations are logged (SM001), refused only with ``block_at = "low"``.

The rules judge the VPC settings of SageMaker requests, not EC2 itself; EC2 calls that
change networks, security groups, routes, endpoints, flow logs, instances, images, keys or
volumes are unknown, so they leave a trace.  Allowed: tags, rule descriptions, turning on
detailed monitoring and reachability analyses.  Exporting a client VPN or Verified Access
configuration only returns it (read).
"""

from __future__ import annotations

from secure_sagemaker._operations import ServiceOperations, names

_RULE_DESCRIPTIONS = names("""
    UpdateSecurityGroupRuleDescriptionsEgress UpdateSecurityGroupRuleDescriptionsIngress
""")
_ANALYSES = names("""
    StartNetworkInsightsAccessScopeAnalysis StartNetworkInsightsAnalysis
""")

SERVICE = ServiceOperations(
    service="ec2",
    stance="log",
    allowed={
        **dict.fromkeys(names("""CreateTags DeleteTags"""), "tags only"),
        **dict.fromkeys(
            _RULE_DESCRIPTIONS, "descriptions of existing rules only; adds or removes no rule"
        ),
        "MonitorInstances": "turns on detailed monitoring",
        **dict.fromkeys(_ANALYSES, "starts a reachability analysis; changes no network"),
    },
    read=names("""
        ConfirmProductInstance ExportClientVpnClientCertificateRevocationList
        ExportClientVpnClientConfiguration ExportVerifiedAccessInstanceClientConfiguration
    """),
    unknown=names("""
        AcceptAddressTransfer AcceptCapacityReservationBillingOwnership
        AcceptReservedInstancesExchangeQuote AcceptTransitGatewayClientVpnAttachment
        AcceptTransitGatewayMulticastDomainAssociations AcceptTransitGatewayPeeringAttachment
        AcceptTransitGatewayVpcAttachment AcceptVpcEndpointConnections
        AcceptVpcPeeringConnection AdvertiseByoipCidr AllocateAddress AllocateHosts
        AllocateIpamPoolCidr ApplySecurityGroupsToClientVpnTargetNetwork AssignIpv6Addresses
        AssignPrivateIpAddresses AssignPrivateNatGatewayAddress AssociateAddress
        AssociateApplicationStatusCheck AssociateCapacityReservationBillingOwner
        AssociateClientVpnTargetNetwork AssociateDhcpOptions AssociateEnclaveCertificateIamRole
        AssociateIamInstanceProfile AssociateInstanceEventWindow AssociateIpamByoasn
        AssociateIpamResourceDiscovery AssociateKmsKeyId AssociateNatGatewayAddress
        AssociateNetworkingFlexCostAllocationPolicy AssociateRouteServer AssociateRouteTable
        AssociateSecurityGroupVpc AssociateSubnetCidrBlock
        AssociateTransitGatewayMulticastDomain AssociateTransitGatewayPolicyTable
        AssociateTransitGatewayRouteTable AssociateTrunkInterface AssociateVpcCidrBlock
        AttachClassicLinkVpc AttachImageWatermark AttachInternetGateway AttachNetworkInterface
        AttachVerifiedAccessTrustProvider AttachVolume AttachVpnGateway
        AuthorizeClientVpnIngress AuthorizeSecurityGroupEgress AuthorizeSecurityGroupIngress
        BatchModifyIpamRoutingPolicyRegistrations BundleInstance CancelBundleTask
        CancelCapacityReservation CancelCapacityReservationFleets CancelConversionTask
        CancelDeclarativePoliciesReport CancelExportTask CancelImageLaunchPermission
        CancelImportTask CancelReservedInstancesListing CancelSpotFleetRequests
        CancelSpotInstanceRequests CopyFpgaImage CopyImage CopySnapshot CopyVolumes
        CreateApplicationStatusCheck CreateCapacityManagerDataExport CreateCapacityReservation
        CreateCapacityReservationBySplitting CreateCapacityReservationCancellationQuote
        CreateCapacityReservationDateChangeQuote CreateCapacityReservationFleet
        CreateCarrierGateway CreateClientVpnEndpoint CreateClientVpnRoute CreateCoipCidr
        CreateCoipPool CreateCustomerGateway CreateDefaultSubnet CreateDefaultVpc
        CreateDelegateMacVolumeOwnershipTask CreateDhcpOptions CreateEgressOnlyInternetGateway
        CreateFleet CreateFlowLogs CreateFpgaImage CreateImage CreateImageUsageReport
        CreateInstanceConnectEndpoint CreateInstanceEventWindow CreateInstanceExportTask
        CreateInternetGateway CreateInterruptibleCapacityReservationAllocation CreateIpam
        CreateIpamExternalResourceVerificationToken CreateIpamInternetRegistryAssociation
        CreateIpamPolicy CreateIpamPool CreateIpamPrefixListResolver
        CreateIpamPrefixListResolverTarget CreateIpamResourceDiscovery
        CreateIpamRoutingPolicyRegistration CreateIpamScope CreateKeyPair CreateLaunchTemplate
        CreateLaunchTemplateVersion CreateLocalGatewayRoute CreateLocalGatewayRouteTable
        CreateLocalGatewayRouteTableVirtualInterfaceGroupAssociation
        CreateLocalGatewayRouteTableVpcAssociation CreateLocalGatewayVirtualInterface
        CreateLocalGatewayVirtualInterfaceGroup
        CreateMacSystemIntegrityProtectionModificationTask CreateManagedPrefixList
        CreateMetricCategory CreateNatGateway CreateNetworkAcl CreateNetworkAclEntry
        CreateNetworkInsightsAccessScope CreateNetworkInsightsPath CreateNetworkInterface
        CreateNetworkInterfacePermission CreateNetworkingFlexCostAllocationPolicy
        CreatePlacementGroup CreatePublicIpv4Pool CreateReplaceRootVolumeTask
        CreateReservedInstancesListing CreateRestoreImageTask CreateRoute CreateRouteServer
        CreateRouteServerEndpoint CreateRouteServerPeer CreateRouteTable CreateSecondaryNetwork
        CreateSecondarySubnet CreateSecurityGroup CreateSnapshot CreateSnapshots
        CreateSpotDatafeedSubscription CreateStoreImageTask CreateSubnet
        CreateSubnetCidrReservation CreateTrafficMirrorFilter CreateTrafficMirrorFilterRule
        CreateTrafficMirrorSession CreateTrafficMirrorTarget CreateTransitGateway
        CreateTransitGatewayConnect CreateTransitGatewayConnectPeer
        CreateTransitGatewayMeteringPolicy CreateTransitGatewayMeteringPolicyEntry
        CreateTransitGatewayMulticastDomain CreateTransitGatewayNetworkFunctionAttachment
        CreateTransitGatewayPeeringAttachment CreateTransitGatewayPolicyTable
        CreateTransitGatewayPolicyTableEntry CreateTransitGatewayPrefixListReference
        CreateTransitGatewayRoute CreateTransitGatewayRouteTable
        CreateTransitGatewayRouteTableAnnouncement CreateTransitGatewayVpcAttachment
        CreateVerifiedAccessEndpoint CreateVerifiedAccessGroup CreateVerifiedAccessInstance
        CreateVerifiedAccessTrustProvider CreateVolume CreateVpc
        CreateVpcBlockPublicAccessExclusion CreateVpcEncryptionControl CreateVpcEndpoint
        CreateVpcEndpointConnectionNotification CreateVpcEndpointServiceConfiguration
        CreateVpcPeeringConnection CreateVpnConcentrator CreateVpnConnection
        CreateVpnConnectionRoute CreateVpnGateway DeleteApplicationStatusCheck
        DeleteCapacityManagerDataExport DeleteCarrierGateway DeleteClientVpnEndpoint
        DeleteClientVpnEndpointAuthorizationPolicy DeleteClientVpnRoute DeleteCoipCidr
        DeleteCoipPool DeleteCustomerGateway DeleteDhcpOptions DeleteEgressOnlyInternetGateway
        DeleteFleets DeleteFlowLogs DeleteFpgaImage DeleteImageUsageReport
        DeleteInstanceConnectEndpoint DeleteInstanceEventWindow DeleteInternetGateway DeleteIpam
        DeleteIpamExternalResourceVerificationToken DeleteIpamInternetRegistryAssociation
        DeleteIpamPolicy DeleteIpamPool DeleteIpamPrefixListResolver
        DeleteIpamPrefixListResolverTarget DeleteIpamResourceDiscovery
        DeleteIpamRoutingPolicyRegistration DeleteIpamScope DeleteKeyPair DeleteLaunchTemplate
        DeleteLaunchTemplateVersions DeleteLocalGatewayRoute DeleteLocalGatewayRouteTable
        DeleteLocalGatewayRouteTableVirtualInterfaceGroupAssociation
        DeleteLocalGatewayRouteTableVpcAssociation DeleteLocalGatewayVirtualInterface
        DeleteLocalGatewayVirtualInterfaceGroup DeleteManagedPrefixList DeleteMetricCategory
        DeleteNatGateway DeleteNetworkAcl DeleteNetworkAclEntry DeleteNetworkInsightsAccessScope
        DeleteNetworkInsightsAccessScopeAnalysis DeleteNetworkInsightsAnalysis
        DeleteNetworkInsightsPath DeleteNetworkInterface DeleteNetworkInterfacePermission
        DeleteNetworkingFlexCostAllocationPolicies DeletePlacementGroup DeletePublicIpv4Pool
        DeleteQueuedReservedInstances DeleteRoute DeleteRouteServer DeleteRouteServerEndpoint
        DeleteRouteServerPeer DeleteRouteTable DeleteSecondaryNetwork DeleteSecondarySubnet
        DeleteSecurityGroup DeleteSnapshot DeleteSpotDatafeedSubscription DeleteSubnet
        DeleteSubnetCidrReservation DeleteTrafficMirrorFilter DeleteTrafficMirrorFilterRule
        DeleteTrafficMirrorSession DeleteTrafficMirrorTarget DeleteTransitGateway
        DeleteTransitGatewayClientVpnAttachment DeleteTransitGatewayConnect
        DeleteTransitGatewayConnectPeer DeleteTransitGatewayMeteringPolicy
        DeleteTransitGatewayMeteringPolicyEntry DeleteTransitGatewayMulticastDomain
        DeleteTransitGatewayNetworkFunctionAttachment DeleteTransitGatewayPeeringAttachment
        DeleteTransitGatewayPolicyTable DeleteTransitGatewayPolicyTableEntry
        DeleteTransitGatewayPrefixListReference DeleteTransitGatewayRoute
        DeleteTransitGatewayRouteTable DeleteTransitGatewayRouteTableAnnouncement
        DeleteTransitGatewayVpcAttachment DeleteVerifiedAccessEndpoint DeleteVerifiedAccessGroup
        DeleteVerifiedAccessInstance DeleteVerifiedAccessTrustProvider DeleteVolume DeleteVpc
        DeleteVpcBlockPublicAccessExclusion DeleteVpcEncryptionControl
        DeleteVpcEndpointConnectionNotifications DeleteVpcEndpointServiceConfigurations
        DeleteVpcEndpoints DeleteVpcPeeringConnection DeleteVpnConcentrator DeleteVpnConnection
        DeleteVpnConnectionRoute DeleteVpnGateway DeprovisionByoipCidr DeprovisionIpamByoasn
        DeprovisionIpamPoolCidr DeprovisionPublicIpv4PoolCidr DeregisterImage
        DeregisterInstanceEventNotificationAttributes
        DeregisterTransitGatewayMulticastGroupMembers
        DeregisterTransitGatewayMulticastGroupSources DetachClassicLinkVpc DetachImageWatermark
        DetachInternetGateway DetachNetworkInterface DetachVerifiedAccessTrustProvider
        DetachVolume DetachVpnGateway DisableAddressTransfer DisableAllowedImagesSettings
        DisableApplicationStatusCheckSuppression DisableAwsNetworkPerformanceMetricSubscription
        DisableCapacityManager DisableEbsEncryptionByDefault DisableFastLaunch
        DisableFastSnapshotRestores DisableImage DisableImageBlockPublicAccess
        DisableImageDeprecation DisableImageDeregistrationProtection
        DisableInstanceSqlHaStandbyDetections DisableIpamOrganizationAdminAccount
        DisableIpamPolicy DisableRouteServerPropagation DisableSerialConsoleAccess
        DisableSnapshotBlockPublicAccess DisableTransitGatewayRouteTablePropagation
        DisableVgwRoutePropagation DisableVpcClassicLink DisableVpcClassicLinkDnsSupport
        DisassociateAddress DisassociateApplicationStatusCheck
        DisassociateCapacityReservationBillingOwner DisassociateClientVpnTargetNetwork
        DisassociateEnclaveCertificateIamRole DisassociateIamInstanceProfile
        DisassociateInstanceEventWindow DisassociateIpamByoasn DisassociateIpamResourceDiscovery
        DisassociateKmsKeyId DisassociateNatGatewayAddress
        DisassociateNetworkingFlexCostAllocationPolicy DisassociateRouteServer
        DisassociateRouteTable DisassociateSecurityGroupVpc DisassociateSubnetCidrBlock
        DisassociateTransitGatewayMulticastDomain DisassociateTransitGatewayPolicyTable
        DisassociateTransitGatewayRouteTable DisassociateTrunkInterface DisassociateVpcCidrBlock
        EnableAddressTransfer EnableAllowedImagesSettings
        EnableApplicationStatusCheckSuppression EnableAwsNetworkPerformanceMetricSubscription
        EnableCapacityManager EnableEbsEncryptionByDefault EnableFastLaunch
        EnableFastSnapshotRestores EnableImage EnableImageBlockPublicAccess
        EnableImageDeprecation EnableImageDeregistrationProtection
        EnableInstanceSqlHaStandbyDetections EnableIpamInternetRegistryAssociation
        EnableIpamOrganizationAdminAccount EnableIpamPolicy
        EnableReachabilityAnalyzerOrganizationSharing EnableRouteServerPropagation
        EnableSerialConsoleAccess EnableSnapshotBlockPublicAccess
        EnableTransitGatewayRouteTablePropagation EnableVgwRoutePropagation EnableVolumeIO
        EnableVpcClassicLink EnableVpcClassicLinkDnsSupport ExportImage
        ExportTransitGatewayRoutes ImportClientVpnClientCertificateRevocationList ImportImage
        ImportInstance ImportKeyPair ImportSnapshot ImportVolume LockSnapshot
        ModifyAccountVpcEncryptionControl ModifyAddressAttribute ModifyApplicationStatusCheck
        ModifyAvailabilityZoneGroup ModifyCapacityReservation ModifyCapacityReservationFleet
        ModifyClientVpnEndpoint ModifyClientVpnEndpointAuthorizationPolicy
        ModifyDefaultCreditSpecification ModifyEbsDefaultKmsKeyId ModifyFleet
        ModifyFpgaImageAttribute ModifyHosts ModifyIdFormat ModifyIdentityIdFormat
        ModifyImageAttribute ModifyInstanceAttribute ModifyInstanceCapacityReservationAttributes
        ModifyInstanceConnectEndpoint ModifyInstanceCpuOptions ModifyInstanceCreditSpecification
        ModifyInstanceEventStartTime ModifyInstanceEventWindow ModifyInstanceMaintenanceOptions
        ModifyInstanceMetadataDefaults ModifyInstanceMetadataOptions
        ModifyInstanceNetworkPerformanceOptions ModifyInstancePlacement ModifyIpam
        ModifyIpamPolicyAllocationRules ModifyIpamPool ModifyIpamPoolAllocation
        ModifyIpamPrefixListResolver ModifyIpamPrefixListResolverTarget ModifyIpamResourceCidr
        ModifyIpamResourceDiscovery ModifyIpamRoutingPolicyRegistration ModifyIpamScope
        ModifyLaunchTemplate ModifyLocalGatewayRoute ModifyManagedPrefixList
        ModifyManagedResourceVisibility ModifyMetricCategory ModifyNetworkInterfaceAttribute
        ModifyNetworkingFlexCostAllocationPolicy ModifyPrivateDnsNameOptions
        ModifyPublicIpDnsNameOptions ModifyReservedInstances ModifyRouteServer
        ModifySecurityGroupRules ModifySnapshotAttribute ModifySnapshotTier
        ModifySpotFleetRequest ModifySubnetAttribute ModifyTrafficMirrorFilterNetworkServices
        ModifyTrafficMirrorFilterRule ModifyTrafficMirrorSession ModifyTransitGateway
        ModifyTransitGatewayAttachmentNatConfiguration ModifyTransitGatewayMeteringPolicy
        ModifyTransitGatewayNetworkFunctionAttachment ModifyTransitGatewayPeeringAttachment
        ModifyTransitGatewayPolicyTableEntry ModifyTransitGatewayPrefixListReference
        ModifyTransitGatewayVpcAttachment ModifyVerifiedAccessEndpoint
        ModifyVerifiedAccessEndpointPolicy ModifyVerifiedAccessGroup
        ModifyVerifiedAccessGroupPolicy ModifyVerifiedAccessInstance
        ModifyVerifiedAccessInstanceLoggingConfiguration ModifyVerifiedAccessTrustProvider
        ModifyVolume ModifyVolumeAttribute ModifyVpcAttribute
        ModifyVpcBlockPublicAccessExclusion ModifyVpcBlockPublicAccessOptions
        ModifyVpcEncryptionControl ModifyVpcEndpoint ModifyVpcEndpointConnectionNotification
        ModifyVpcEndpointPayerResponsibility ModifyVpcEndpointServiceConfiguration
        ModifyVpcEndpointServicePayerResponsibility ModifyVpcEndpointServicePermissions
        ModifyVpcPeeringConnectionOptions ModifyVpcTenancy ModifyVpnConnection
        ModifyVpnConnectionOptions ModifyVpnTunnelCertificate ModifyVpnTunnelOptions
        MoveAddressToVpc MoveByoipCidrToIpam MoveCapacityReservationInstances ProvisionByoipCidr
        ProvisionIpamByoasn ProvisionIpamPoolCidr ProvisionPublicIpv4PoolCidr
        PurchaseCapacityBlock PurchaseCapacityBlockExtension PurchaseHostReservation
        PurchaseReservedInstancesOffering PurchaseScheduledInstances RebootInstances
        RegisterImage RegisterInstanceEventNotificationAttributes
        RegisterTransitGatewayMulticastGroupMembers RegisterTransitGatewayMulticastGroupSources
        RejectCapacityReservationBillingOwnership RejectTransitGatewayClientVpnAttachment
        RejectTransitGatewayMulticastDomainAssociations RejectTransitGatewayPeeringAttachment
        RejectTransitGatewayVpcAttachment RejectVpcEndpointConnections
        RejectVpcPeeringConnection ReleaseAddress ReleaseHosts ReleaseIpamPoolAllocation
        ReplaceIamInstanceProfileAssociation ReplaceImageCriteriaInAllowedImagesSettings
        ReplaceImageInstanceTypeSpecification ReplaceNetworkAclAssociation
        ReplaceNetworkAclEntry ReplaceRoute ReplaceRouteTableAssociation
        ReplaceTransitGatewayRoute ReplaceVpnTunnel ReportInstanceStatus RequestSpotFleet
        RequestSpotInstances ResetAddressAttribute ResetEbsDefaultKmsKeyId
        ResetFpgaImageAttribute ResetImageAttribute ResetInstanceAttribute
        ResetNetworkInterfaceAttribute ResetSnapshotAttribute RestoreAddressToClassic
        RestoreImageFromRecycleBin RestoreManagedPrefixListVersion RestoreSnapshotFromRecycleBin
        RestoreSnapshotTier RestoreVolumeFromRecycleBin RevokeClientVpnIngress
        RevokeSecurityGroupEgress RevokeSecurityGroupIngress RunInstances RunScheduledInstances
        SendDiagnosticInterrupt StartDeclarativePoliciesReport StartInstances
        StartVpcEndpointServicePrivateDnsVerification StopInstances
        TerminateClientVpnConnections TerminateInstances UnassignIpv6Addresses
        UnassignPrivateIpAddresses UnassignPrivateNatGatewayAddress UnlockSnapshot
        UnmonitorInstances UpdateCapacityManagerMonitoredTagKeys
        UpdateCapacityManagerOrganizationsAccess
        UpdateInterruptibleCapacityReservationAllocation WithdrawByoipCidr
    """),
)
