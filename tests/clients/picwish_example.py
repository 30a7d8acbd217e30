"""A client written the way PicWish's published examples are: requests, the X-API-KEY header,
a poll every second. It reads only fields named in PicWish's documents (status, data.task_id,
data.state, data.progress, data.image / data.image_url) and knows nothing of this project.

    python picwish_example.py BASE_URL KEY async IMAGE OUT
    python picwish_example.py BASE_URL KEY sync-base64 IMAGE OUT
    python picwish_example.py BASE_URL KEY expect-failure FILE

It prints one JSON line saying what happened and exits 0 when it got what it expected.
"""

import base64
import json
import sys
import time

import requests


def create_task(base_url, api_key, image_path, **fields):
    headers = {"X-API-KEY": api_key}
    data = {"sync": "0", "restoration_type": "1", "model_type": "1", "change_color": "0"}
    data.update({name: str(value) for name, value in fields.items()})
    with open(image_path, "rb") as image:
        files = {"image_file": image}
        response = requests.post(
            f"{base_url}/api/tasks/visual/restoration-old-photo",
            headers=headers,
            data=data,
            files=files,
            timeout=120,
        )
    response.raise_for_status()
    result = response.json()
    if result["status"] != 200:
        raise RuntimeError(f"create failed: {result}")
    return result["data"]


def poll_task(base_url, api_key, task_id, give_up_after=180):
    headers = {"X-API-KEY": api_key}
    polls = 0
    for _ in range(give_up_after):
        time.sleep(1)
        response = requests.get(
            f"{base_url}/api/tasks/visual/restoration-old-photo/{task_id}",
            headers=headers,
            timeout=30,
        )
        polls += 1
        response.raise_for_status()
        result = response.json()
        if result["status"] != 200:
            raise RuntimeError(f"poll failed: {result}")
        data = result["data"]
        if data["state"] < 0:
            return data, polls
        if data["state"] == 1:
            return data, polls
    raise TimeoutError("task did not finish in time")


def main():
    base_url, api_key, mode, image_path = sys.argv[1:5]
    report = {"mode": mode}
    if mode == "async":
        created = create_task(base_url, api_key, image_path)
        report["task_id"] = created["task_id"]
        data, polls = poll_task(base_url, api_key, created["task_id"])
        report.update(state=data["state"], progress=data["progress"], polls=polls)
        image = data.get("image_url") or data.get("image")
        report["image_is_url"] = image.startswith("http")
        download = requests.get(image, timeout=60)  # no key: PicWish's result links need none
        report["download_status"] = download.status_code
        with open(sys.argv[5], "wb") as out:
            out.write(download.content)
        ok = data["state"] == 1 and download.status_code == 200 and download.content
    elif mode == "sync-base64":
        data = create_task(base_url, api_key, image_path, sync=1, return_type=2)
        report.update(state=data["state"], progress=data["progress"])
        image = data.get("image") or data.get("image_url")
        report["image_is_url"] = image.startswith("http")
        picture = base64.b64decode(image)
        with open(sys.argv[5], "wb") as out:
            out.write(picture)
        ok = data["state"] == 1 and len(picture) > 0
    elif mode == "expect-failure":
        created = create_task(base_url, api_key, image_path)
        data, polls = poll_task(base_url, api_key, created["task_id"])
        report.update(state=data["state"], polls=polls)
        ok = data["state"] < 0
    else:
        raise SystemExit(f"unknown mode {mode}")
    print(json.dumps(report))
    sys.exit(0 if ok else 1)


if __name__ == "__main__":
    main()
