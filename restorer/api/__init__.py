"""The PicWish-compatible restoration API this server offers to its own clients.

It answers PicWish's Old Photo Restoration endpoints (see ../../docs and the OpenAPI
document at /api/openapi.json) with the server's own keys, on top of `Restoration`:
a client's task is a restoration owned by the key's owner, run by the same pipeline.
"""
