"""The OpenAPI 3 description of the served API, at /api/openapi.json."""

from __future__ import annotations

CREATE_PATH = "/api/tasks/visual/restoration-old-photo"

_TASK_DATA = {
    "type": "object",
    "description": "The task. On success `image` and `image_url` carry the result.",
    "properties": {
        "task_id": {"type": "string", "format": "uuid"},
        "created_at": {"type": "integer", "description": "Unix seconds."},
        "processed_at": {"type": "integer", "description": "Unix seconds; 0 until processing."},
        "completed_at": {"type": "integer", "description": "Unix seconds; 0 until it ends."},
        "progress": {"type": "integer", "minimum": 0, "maximum": 100},
        "state": {
            "type": "integer",
            "description": (
                "1 done; 2 preparing; 3 waiting; 4 processing; negative: failed (-1 failed, "
                "-3 image_url could not be downloaded, -5 image too large, -7 invalid image, "
                "-8 timeout)."
            ),
        },
        "state_detail": {"type": "string"},
        "return_type": {"type": "integer", "enum": [1, 2]},
        "download_time": {
            "type": "integer",
            "description": "Milliseconds spent receiving or downloading the image.",
        },
        "time_elapsed": {
            "type": "integer",
            "description": "Milliseconds from creation to completion (or to now).",
        },
        "image": {
            "type": "string",
            "description": (
                "The result: an absolute signed URL valid for one hour, fetched without the "
                "key (return_type 1), or the image in base64 (return_type 2)."
            ),
        },
        "image_url": {"type": "string", "description": "The same as `image`."},
        "image_width": {"type": "integer"},
        "image_height": {"type": "integer"},
    },
    "required": [
        "task_id",
        "created_at",
        "processed_at",
        "completed_at",
        "progress",
        "state",
        "state_detail",
        "return_type",
        "download_time",
        "time_elapsed",
    ],
}


def _envelope(data_schema: dict, status: int) -> dict:
    return {
        "type": "object",
        "properties": {
            "status": {"type": "integer", "enum": [status]},
            "message": {"type": "string"},
            "data": data_schema,
        },
        "required": ["status", "message", "data"],
    }


def _error(status: int, description: str, headers: dict | None = None) -> dict:
    response = {
        "description": description,
        "content": {"application/json": {"schema": _envelope({"type": "object"}, status)}},
    }
    if headers:
        response["headers"] = headers
    return response


_AUTH_ERRORS = {
    "401": _error(401, "Missing or invalid API key."),
    "429": _error(
        429,
        "Over the key's rate limit (API_QPS requests per second, polls included).",
        {"Retry-After": {"schema": {"type": "integer"}, "description": "Seconds to wait."}},
    ),
}

_TASK_ANSWER = {
    "description": "The task (read data.state: HTTP 200 does not mean it succeeded).",
    "content": {
        "application/json": {"schema": _envelope({"$ref": "#/components/schemas/Task"}, 200)}
    },  # fmt: skip
}


def _create_form() -> dict:
    return {
        "type": "object",
        "properties": {
            "image_file": {
                "type": "string",
                "format": "binary",
                "description": "JPG, JPEG or PNG, less than 20 MB, at most 2048 x 2048.",
            },
            "file": {"type": "string", "format": "binary", "description": "Same as image_file."},
            "image_url": {
                "type": "string",
                "maxLength": 512,
                "description": "An http(s) URL of a public address, fetched within 10 s.",
            },
            "sync": {"type": "integer", "enum": [0, 1], "default": 0},
            "restoration_type": {"type": "integer", "enum": [0, 1, 2], "default": 0},
            "model_type": {
                "type": "integer",
                "enum": [1, 2, 3],
                "default": 1,
                "description": "Used only when restoration_type > 0.",
            },
            "change_color": {"type": "integer", "enum": [0, 1], "default": 1},
            "return_type": {"type": "integer", "enum": [1, 2], "default": 1},
        },
    }


def openapi_document(server_url: str) -> dict:
    return {
        "openapi": "3.0.3",
        "info": {
            "title": "Old Photo Restoration API (PicWish-compatible)",
            "version": "1.0.0",
            "description": (
                "PicWish's Old Photo Restoration API, served by this site with its own keys. "
                "Code written for PicWish works when only its base URL and key change."
            ),
        },
        "servers": [{"url": server_url}],
        "security": [{"ApiKey": []}],
        "paths": {
            CREATE_PATH: {
                "post": {
                    "operationId": "createRestorationTask",
                    "summary": "Start restoring an old photo.",
                    "requestBody": {
                        "required": True,
                        "content": {"multipart/form-data": {"schema": _create_form()}},
                    },
                    "responses": {
                        "200": _TASK_ANSWER,
                        "400": _error(400, "A missing or invalid parameter, named."),
                        **_AUTH_ERRORS,
                        "402": _error(402, "The key owner's monthly quota is used up."),
                        "413": _error(413, "The file is too large."),
                    },
                }
            },
            CREATE_PATH + "/{task_id}": {
                "get": {
                    "operationId": "getRestorationTask",
                    "summary": "Read a task's state and, once done, its result.",
                    "parameters": [
                        {
                            "name": "task_id",
                            "in": "path",
                            "required": True,
                            "schema": {"type": "string", "format": "uuid"},
                        }
                    ],
                    "responses": {
                        "200": _TASK_ANSWER,
                        **_AUTH_ERRORS,
                        "404": _error(404, "No such task for this key."),
                    },
                }
            },
            "/api/results/{token}": {
                "get": {
                    "operationId": "getResult",
                    "summary": "A result image (the signed link in data.image), without a key.",
                    "security": [],
                    "parameters": [
                        {
                            "name": "token",
                            "in": "path",
                            "required": True,
                            "schema": {"type": "string"},
                        }
                    ],
                    "responses": {
                        "200": {
                            "description": "The image.",
                            "content": {
                                "image/jpeg": {"schema": {"type": "string", "format": "binary"}},
                                "image/png": {"schema": {"type": "string", "format": "binary"}},
                            },
                        },
                        "302": {"description": "On object storage: the image's presigned URL."},
                        "404": _error(404, "No such result."),
                        "410": _error(410, "The link expired, or the result was deleted."),
                    },
                }
            },
        },
        "components": {
            "securitySchemes": {"ApiKey": {"type": "apiKey", "in": "header", "name": "X-API-KEY"}},
            "schemas": {"Task": _TASK_DATA},
        },
    }
