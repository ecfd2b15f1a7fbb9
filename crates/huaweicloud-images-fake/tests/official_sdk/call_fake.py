"""The official Huawei Cloud Python SDK (3.1.219) against the fake: every operation, signed with
AK/SK by the official signer, must be accepted and answered as documented.

Usage: call_fake.py BASE_URL AK SK PROJECT_ID
Prints one line per check and exits non-zero on the first failure. Run by .ci/run against the
fake's binary; the Rust tests verify the official signer's vectors offline as well.
"""

import json
import sys
import time
import urllib.request

from huaweicloudsdkcore.auth.credentials import BasicCredentials
from huaweicloudsdkcore.exceptions.exceptions import ClientRequestException, ServerResponseException
from huaweicloudsdkmodelarts.v1 import GetDevServerImageRequest, ModelArtsClient
from huaweicloudsdkworkspace.v2 import ListImagesRequest, WorkspaceClient
from huaweicloudsdkworkspaceapp.v1 import (
    AttachImageServerAppRequest,
    AttachServerAppReq,
    BatchDeleteImageServerReq,
    BatchDeleteImageServerRequest,
    CreateImageServerReq,
    CreateImageServerRequest,
    ListImageServersRequest,
    ShowImageJobRequest,
    ShowImageServerRequest,
    UpdateImageServerReq,
    UpdateImageServerRequest,
    WorkspaceAppClient,
)


def control(base_url, method, path, body=None):
    """The fake's control API (no authentication; JSON in and out)."""
    return control_json(base_url, method, path, body)[0]


def control_json(base_url, method, path, body=None):
    """The fake's control API: (status, decoded JSON body or None)."""
    data = None if body is None else json.dumps(body).encode()
    request = urllib.request.Request(f"{base_url}/__fake{path}", data=data, method=method,
                                     headers={"Content-Type": "application/json"})
    with urllib.request.urlopen(request) as response:
        text = response.read()
        return response.status, (json.loads(text) if text else None)


def until(label, probe, seconds=30):
    """Polls probe() until it is truthy (the fake's lifecycle runs on its clock)."""
    deadline = time.monotonic() + seconds
    while time.monotonic() < deadline:
        value = probe()
        if value:
            return value
        time.sleep(0.05)
    check(label, False, f"not within {seconds} s")


def lifecycle(apps, base_url):
    """An image server's life through the official SDK, remembered by the fake."""
    created = apps.create_image_server(CreateImageServerRequest(body=CreateImageServerReq(
        name="official-sdk-1", flavor_id="workspace.appstream.general.xlarge.2",
        vpc_id="vpc-1", subnet_id="subnet-1")))
    check("CreateImageServer answers a job", bool(created.job_id), created.job_id)
    job = until("the create's job succeeds", lambda: (
        lambda j: j if j.status == "SUCCESS" else None)(
            apps.show_image_job(ShowImageJobRequest(job_id=created.job_id))))
    check("ShowImageJob follows the create's job", job.id == created.job_id, job.status)
    listed = apps.list_image_servers(ListImageServersRequest(server_name="official-sdk-1"))
    check("the created image server is listed", len(listed.items) == 1, listed.count)
    server_id = listed.items[0].id
    built = until("the image server is built", lambda: (
        lambda s: s if s.status == "BUILT" else None)(
            apps.show_image_server(ShowImageServerRequest(server_id=server_id))))
    check("the image server went CREATING to BUILT", built.status == "BUILT", server_id)
    apps.update_image_server(UpdateImageServerRequest(
        server_id=server_id, body=UpdateImageServerReq(name="official-sdk-renamed")))
    renamed = apps.show_image_server(ShowImageServerRequest(server_id=server_id))
    check("UpdateImageServer renames it", renamed.name == "official-sdk-renamed", renamed.name)
    attached = apps.attach_image_server_app(AttachImageServerAppRequest(
        server_id=server_id, body=AttachServerAppReq(items=["app-1"])))
    check("AttachImageServerApp is answered", bool(attached.uri), attached.uri)
    try:
        apps.create_image_server(CreateImageServerRequest(body=CreateImageServerReq(name="has spaces")))
        check("a create whose name breaks the pattern is refused", False)
    except ClientRequestException as e:
        check("a create whose name breaks the pattern is refused with 400 naming the field",
              e.status_code == 400 and "name" in e.error_msg, e.error_msg)
    deleting = apps.batch_delete_image_server(BatchDeleteImageServerRequest(
        body=BatchDeleteImageServerReq(items=[server_id])))
    check("BatchDeleteImageServer answers a job", bool(deleting.job_id), deleting.job_id)

    def gone():
        try:
            apps.show_image_server(ShowImageServerRequest(server_id=server_id))
            return None
        except ClientRequestException as e:
            return e if e.status_code == 404 else None
    check("the deleted image server is 404", until("the image server is deleted", gone) is not None)
    status, items = control_json(base_url, "GET", "/collections/image_servers")
    check("the control API lists the collection without it",
          status == 200 and all(item["id"] != server_id for item in items), len(items))


def build(client_class, base_url, credentials):
    return (
        client_class.new_builder()
        .with_credentials(credentials)
        .with_endpoints([base_url])
        .build()
    )


PASSED = []


def check(label, condition, detail=""):
    print(("ok   " if condition else "FAIL ") + label + (f": {detail}" if detail else ""))
    if not condition:
        print(f"{len(PASSED)} passed, 1 failed")
        sys.exit(1)
    PASSED.append(label)


def main():
    base_url, ak, sk, project_id = sys.argv[1:5]
    credentials = BasicCredentials(ak, sk, project_id)

    apps = build(WorkspaceAppClient, base_url, credentials)
    servers = apps.list_image_servers(
        ListImageServersRequest(limit=5, offset=0, server_name="test instance")
    )
    # Accepted at all means the official signer's query (with a space) verified; no name matches.
    check("ListImageServers with a space in a filter is accepted", servers.count == 0, f"count={servers.count}")
    page = apps.list_image_servers(ListImageServersRequest(limit=100))
    check("ListImageServers", page.count >= len(page.items) > 0, f"{len(page.items)} of {page.count}")
    one = apps.show_image_server(ShowImageServerRequest(server_id=page.items[0].id))
    check("ShowImageServer", one.id == page.items[0].id, one.id)
    try:
        apps.show_image_server(ShowImageServerRequest(server_id="no-such-server"))
        check("ShowImageServer of an unknown id is 404", False)
    except ClientRequestException as e:
        check("ShowImageServer of an unknown id is 404", e.status_code == 404, e.error_code)

    workspace = build(WorkspaceClient, base_url, credentials)
    images = workspace.list_images(
        ListImagesRequest(os_type="Linux", sort_field="created_at", sort_type="desc", limit=10)
    )
    check("ListImages filtered and sorted", all(i.os_type == "Linux" for i in images.images),
          f"{len(images.images)} of {images.total_count}")

    modelarts = build(ModelArtsClient, base_url, credentials)
    # A well-formed id the fake does not hold is a 404 (the UUID check passed); a known id may be
    # given as the fifth argument.
    try:
        modelarts.get_dev_server_image(
            GetDevServerImageRequest(id="00000000-0000-4000-8000-000000000000")
        )
        check("GetDevServerImage of an unknown id is 404", False)
    except ClientRequestException as e:
        check("GetDevServerImage of an unknown id is 404", e.status_code == 404, e.error_code)
    if len(sys.argv) > 5:
        image = modelarts.get_dev_server_image(GetDevServerImageRequest(id=sys.argv[5]))
        check("GetDevServerImage", image.image_id == sys.argv[5], image.name)

    # A fault injected through the control API reaches the official SDK (which does not retry).
    check("the control API injects a fault", control(base_url, "POST", "/faults",
                                                       {"fault": "503:next=1:op=ListImages"}) == 201)
    try:
        workspace.list_images(ListImagesRequest(limit=1))
        check("the injected 503 reaches the official SDK", False)
    except ServerResponseException as e:
        check("the injected 503 reaches the official SDK", e.status_code == 503, e.error_code)
    check("the next call is answered again", len(workspace.list_images(ListImagesRequest(limit=1)).images) == 1)

    lifecycle(apps, base_url)

    wrong = BasicCredentials(ak, sk + "x", project_id)
    try:
        build(WorkspaceClient, base_url, wrong).list_images(ListImagesRequest())
        check("a wrong SK is refused", False)
    except ClientRequestException as e:
        check("a wrong SK is refused with 401 APIGW.0301", e.status_code == 401 and e.error_code == "APIGW.0301", e.error_code)


if __name__ == "__main__":
    main()
    print(f"{len(PASSED)} passed, 0 failed")
