"""Emulation of what moto lacks, never of the product: SageMaker monitoring schedules.

moto 5.2 has no Create/Describe/List/DeleteMonitoringSchedule (it answers 500).
While an :class:`~secure_sagemaker.testing.EmbeddedAWS` runs, these four keep the
schedules as sent, per account and region, in the SageMaker backend; the schedule is
``Scheduled`` at once and never runs a job.  Its endpoint is read from the data
quality job definition it names, when moto knows that definition.
"""

from __future__ import annotations

from typing import Any

from secure_sagemaker.testing._patch import PatchSet


def _schedules(self: Any) -> dict[str, dict[str, Any]]:
    backend = self.sagemaker_backend
    if not hasattr(backend, "secure_sagemaker_schedules"):
        backend.secure_sagemaker_schedules = {}
    schedules: dict[str, dict[str, Any]] = backend.secure_sagemaker_schedules
    return schedules


def _get(self: Any) -> dict[str, Any]:
    from moto.sagemaker.exceptions import ValidationError

    name = self._get_param("MonitoringScheduleName")
    schedule = _schedules(self).get(name)
    if schedule is None:
        raise ValidationError(message=f"Could not find monitoring schedule {name!r}.")
    return schedule


def _create_monitoring_schedule(self: Any) -> Any:
    from moto.core.responses import ActionResult
    from moto.core.utils import utcnow

    name = self._get_param("MonitoringScheduleName")
    config = self._get_param("MonitoringScheduleConfig") or {}
    backend = self.sagemaker_backend
    where = f"{backend.region_name}:{self.current_account}"
    arn = f"arn:{self.partition}:sagemaker:{where}:monitoring-schedule/{name}"
    definitions = getattr(backend, "data_quality_job_definitions", {})
    definition = definitions.get(config.get("MonitoringJobDefinitionName"))
    endpoint_input = getattr(definition, "data_quality_job_input", None) or {}
    now = utcnow()
    _schedules(self)[name] = {
        "MonitoringScheduleName": name,
        "MonitoringScheduleArn": arn,
        "MonitoringScheduleStatus": "Scheduled",
        "MonitoringType": config.get("MonitoringType", "DataQuality"),
        "MonitoringScheduleConfig": config,
        "EndpointName": endpoint_input.get("EndpointInput", {}).get("EndpointName"),
        "CreationTime": now,
        "LastModifiedTime": now,
    }
    return ActionResult({"MonitoringScheduleArn": arn})


def _describe_monitoring_schedule(self: Any) -> Any:
    from moto.core.responses import ActionResult

    return ActionResult({k: v for k, v in _get(self).items() if v is not None})


def _delete_monitoring_schedule(self: Any) -> Any:
    from moto.core.responses import ActionResult

    _schedules(self).pop(_get(self)["MonitoringScheduleName"])
    return ActionResult({})


def _list_monitoring_schedules(self: Any) -> Any:
    from moto.core.responses import ActionResult

    keys = (
        "MonitoringScheduleName",
        "MonitoringScheduleArn",
        "MonitoringScheduleStatus",
        "MonitoringType",
        "EndpointName",
        "CreationTime",
        "LastModifiedTime",
    )
    wanted = self._get_param("EndpointName")
    return ActionResult(
        {
            "MonitoringScheduleSummaries": [
                {k: s[k] for k in keys if s.get(k) is not None}
                for s in _schedules(self).values()
                if wanted is None or s.get("EndpointName") == wanted
            ]
        }
    )


def _targets() -> dict[tuple[Any, str], Any]:
    from moto.sagemaker.responses import SageMakerResponse

    return {
        (SageMakerResponse, "create_monitoring_schedule"): _create_monitoring_schedule,
        (SageMakerResponse, "describe_monitoring_schedule"): _describe_monitoring_schedule,
        (SageMakerResponse, "delete_monitoring_schedule"): _delete_monitoring_schedule,
        (SageMakerResponse, "list_monitoring_schedules"): _list_monitoring_schedules,
    }


_PATCHES = PatchSet(_targets)
install = _PATCHES.install
uninstall = _PATCHES.uninstall
