"""The demo's "outside Python" step: a notebook made the way the console makes it (a
raw call, no guard), and the CloudTrail event EventBridge would hand the detector.

moto records no CloudTrail events: the event is built here in the shape CloudTrail
writes (lower camel case fields, the caller's assumed-role session) - emulation,
labelled as such where the demo prints it.
"""

from __future__ import annotations

from typing import Any

import secure_sagemaker as ss

NAME = "console-notebook"


def console_notebook(session: Any, role: str) -> None:
    """Create an insecure notebook with the guard off, as a console user would."""
    installed = ss.guard.installed_policy()
    ss.uninstall()
    try:
        session.client("sagemaker").create_notebook_instance(
            NotebookInstanceName=NAME, InstanceType="ml.t3.medium", RoleArn=role
        )
    finally:
        if installed is not None:
            ss.install(installed)


def cloudtrail_event(account: str, region: str) -> dict[str, Any]:
    """The EventBridge event for that CreateNotebookInstance call."""
    issuer = f"arn:aws:iam::{account}:role/ConsoleAdmin"
    return {
        "version": "0",
        "detail-type": "AWS API Call via CloudTrail",
        "source": "aws.sagemaker",
        "account": account,
        "region": region,
        "detail": {
            "eventVersion": "1.09",
            "userIdentity": {
                "type": "AssumedRole",
                "arn": f"arn:aws:sts::{account}:assumed-role/ConsoleAdmin/alice",
                "accountId": account,
                "sessionContext": {"sessionIssuer": {"type": "Role", "arn": issuer}},
            },
            "eventSource": "sagemaker.amazonaws.com",
            "eventName": "CreateNotebookInstance",
            "awsRegion": region,
            "userAgent": "AWS Internal",
            "requestParameters": {"notebookInstanceName": NAME, "instanceType": "ml.t3.medium"},
            "responseElements": {
                "notebookInstanceArn": (
                    f"arn:aws:sagemaker:{region}:{account}:notebook-instance/{NAME}"
                )
            },
            "readOnly": False,
            "eventType": "AwsApiCall",
            "managementEvent": True,
            "recipientAccountId": account,
        },
    }


def detect(session: Any, policy: Any, account: str, region: str) -> tuple[dict[str, Any], str]:
    """Run the detector (remediation of SM103 on) on the event; returns its summary
    and the notebook's status afterwards."""
    from secure_sagemaker.watch import Settings, Watcher

    watcher = Watcher(policy, settings=Settings(remediate=("SM103",)), session=session)
    summary = watcher.handle(cloudtrail_event(account, region))
    status = session.client("sagemaker").describe_notebook_instance(NotebookInstanceName=NAME)
    return summary, str(status["NotebookInstanceStatus"])
