"""What a user of the official Huawei Cloud Python SDK (3.1.219) writes to list every image
server: an offset/limit loop by hand, one request at a time, retrying a 429 after 200 ms, as the
SDK leaves both to the caller (its exception does not expose `Retry-After`).

Usage: official_sdk_loop.py BASE_URL AK SK PROJECT_ID PAGE_SIZE
Prints one line: `items=N requests=N throttled=N elapsed_ms=N`. Run by the Rust `flow` bench
against the same fake, where the SDK is installed (`.ci/venv`).
"""

import sys
import time

from huaweicloudsdkcore.auth.credentials import BasicCredentials
from huaweicloudsdkcore.exceptions.exceptions import ClientRequestException
from huaweicloudsdkworkspaceapp.v1 import ListImageServersRequest, WorkspaceAppClient


def main():
    base_url, ak, sk, project_id, page_size = sys.argv[1:6]
    page_size = int(page_size)
    client = (
        WorkspaceAppClient.new_builder()
        .with_credentials(BasicCredentials(ak, sk, project_id))
        .with_endpoints([base_url])
        .build()
    )
    items = requests = throttled = 0
    offset = 0
    started = time.monotonic()
    while True:
        requests += 1
        try:
            page = client.list_image_servers(ListImageServersRequest(offset=offset, limit=page_size))
        except ClientRequestException as e:
            if e.status_code != 429:
                raise
            # The SDK's exception carries no Retry-After; the fake's is below a second anyway.
            throttled += 1
            time.sleep(0.2)
            continue
        got = len(page.items or [])
        items += got
        offset += got
        if got < page_size:
            break
    elapsed_ms = (time.monotonic() - started) * 1000
    print(f"items={items} requests={requests} throttled={throttled} elapsed_ms={elapsed_ms:.0f}")


if __name__ == "__main__":
    main()
