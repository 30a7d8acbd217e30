import hashlib
import io

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from PIL import Image

from albums.models import Photo
from tests import images
from tests.helpers import app_answer, stored_files

pytestmark = pytest.mark.django_db


def upload(client, album, *files, json=True):
    payload = {"photos": [SimpleUploadedFile(name, data) for name, data in files]}
    headers = {"Accept": "application/json"} if json else {}
    return client.post(f"/albums/{album.code}/upload/", payload, headers=headers)


def assert_nothing_kept(media_root):
    assert Photo.objects.count() == 0
    assert stored_files(media_root) == []


def test_it_stores_a_jpeg_with_renditions(alice_client, album, media_root):
    data = images.jpeg(300, 200)
    response = upload(alice_client, album, ("porch.jpg", data))
    assert response.status_code == 200
    [entry] = response.json()["photos"]
    assert entry["name"] == "porch.jpg"
    photo = Photo.objects.get(code=entry["code"])
    assert photo.album == album
    assert photo.sha256 == hashlib.sha256(data).hexdigest()
    assert photo.size == len(data)
    assert (photo.width, photo.height) == (300, 200)
    assert photo.mime_type == "image/jpeg"
    assert photo.preparation == Photo.Preparation.READY
    assert photo.original_name == "porch.jpg"
    # The original is kept byte for byte, under a random name.
    assert photo.original.read() == data
    assert "porch" not in photo.original.name
    assert len(stored_files(media_root)) == 3
    with Image.open(photo.thumbnail) as thumb:
        assert thumb.format == "JPEG"
        assert (thumb.width, thumb.height) == (photo.thumbnail_width, photo.thumbnail_height)


def test_it_takes_many_files_in_one_request_and_reports_each(alice_client, album):
    response = upload(
        alice_client,
        album,
        ("one.jpg", images.jpeg(seed=1)),
        ("notes.txt", b"just some text"),
        ("two.png", images.png(seed=2)),
    )
    entries = response.json()["photos"]
    assert [e["name"] for e in entries] == ["one.jpg", "notes.txt", "two.png"]
    assert "code" in entries[0] and "code" in entries[2]
    assert "notes.txt is not a picture" in entries[1]["error"]
    codes = list(album.photos.values_list("code", flat=True))
    assert codes == [entries[0]["code"], entries[2]["code"]]


def test_it_refuses_a_non_image(alice_client, album, media_root):
    response = upload(alice_client, album, ("letter.pdf", b"%PDF-1.4 not a photo at all"))
    [entry] = response.json()["photos"]
    assert entry["error"] == (
        "letter.pdf is not a picture in a format we accept (JPEG, PNG, WebP, TIFF, BMP or HEIC)."
    )
    assert_nothing_kept(media_root)


def test_it_refuses_a_truncated_jpeg(alice_client, album, media_root):
    response = upload(alice_client, album, ("cut.jpg", images.truncated_jpeg()))
    [entry] = response.json()["photos"]
    assert entry["error"].startswith("cut.jpg is damaged or incomplete")
    assert_nothing_kept(media_root)


def test_it_refuses_a_decompression_bomb(alice_client, album, media_root):
    response = upload(alice_client, album, ("bomb.png", images.bomb_png()))
    [entry] = response.json()["photos"]
    assert entry["error"] == (
        "bomb.png is 12000 x 12000 pixels (144 megapixels); the limit is 100 megapixels."
    )
    assert_nothing_kept(media_root)


def test_it_refuses_an_oversized_file(alice_client, album, media_root, settings):
    settings.MAX_UPLOAD_SIZE = 20 * 1024
    data = images.noise_jpeg(200, 200)
    assert len(data) > settings.MAX_UPLOAD_SIZE
    response = upload(alice_client, album, ("huge.jpg", data))
    [entry] = response.json()["photos"]
    expected_kb = round(len(data) / 1024)
    assert entry["error"] == f"huge.jpg is {expected_kb} KB; the limit is 20 KB a file."
    assert_nothing_kept(media_root)


def test_it_refuses_html_named_png(alice_client, album, media_root):
    response = upload(alice_client, album, ("cute-cat.png", images.HTML))
    [entry] = response.json()["photos"]
    assert "is not a picture" in entry["error"]
    assert_nothing_kept(media_root)


def test_a_polyglot_png_is_only_ever_served_as_an_image(alice_client, album):
    response = upload(alice_client, album, ("poly.png", images.polyglot_png()))
    [entry] = response.json()["photos"]
    photo = Photo.objects.get(code=entry["code"])
    original = alice_client.get(entry["original_url"])
    assert original["Content-Type"] == "image/png"
    assert app_answer(original)["X-Content-Type-Options"] == "nosniff"
    assert original["Content-Disposition"].startswith("attachment")
    if app_answer(original) is original:
        # Served from this site's origin: sandboxed. (On S3 it comes from the bucket's.)
        assert "sandbox" in original["Content-Security-Policy"]
    # What browsers are shown inline is re-encoded from pixels: the markup is gone.
    for kind in ("thumb", "display"):
        served = b"".join(alice_client.get(f"{photo.get_absolute_url()}file/{kind}/"))
        assert b"<script" not in served
        assert served.startswith(b"\xff\xd8")


def test_it_never_uses_the_uploaded_name_as_a_path(alice_client, album, media_root):
    response = upload(alice_client, album, ("../../x.png", images.png()))
    [entry] = response.json()["photos"]
    photo = Photo.objects.get(code=entry["code"])
    assert photo.original_name == "x.png"
    assert not (media_root.parent.parent / "x.png").exists()
    assert all(name.startswith(("originals/", "renditions/")) for name in stored_files(media_root))
    assert photo.original.name.endswith(".png") and "x.png" not in photo.original.name


def test_it_applies_exif_orientation(alice_client, album):
    data = images.rotated_jpeg(orientation=6)  # stored 120x80, shown turned 90 degrees
    response = upload(alice_client, album, ("turned.jpg", data))
    photo = Photo.objects.get(code=response.json()["photos"][0]["code"])
    assert (photo.width, photo.height) == (80, 120)
    assert photo.original.read() == data  # the original keeps its own EXIF, untouched
    with Image.open(photo.display) as shown:
        assert shown.size == (80, 120)
        assert not shown.getexif()
        # Orientation 6 turns the picture clockwise: the red block moves to the top right.
        red = shown.convert("RGB").getpixel((shown.width - 5, 5))
        assert red[0] > 180 and red[1] < 80


def test_it_accepts_heic(alice_client, album):
    response = upload(alice_client, album, ("IMG_0001.HEIC", images.heic()))
    photo = Photo.objects.get(code=response.json()["photos"][0]["code"])
    assert photo.mime_type == "image/heic"
    assert photo.original.name.endswith(".heic")
    assert (photo.width, photo.height) == (120, 80)
    assert photo.preparation == Photo.Preparation.READY


def test_it_accepts_tiff(alice_client, album):
    response = upload(alice_client, album, ("scan.tif", images.tiff()))
    photo = Photo.objects.get(code=response.json()["photos"][0]["code"])
    assert photo.mime_type == "image/tiff"
    served = alice_client.get(f"{photo.get_absolute_url()}file/original/")
    assert served["Content-Type"] == "image/tiff"


@pytest.mark.parametrize("fmt", ["WEBP", "BMP"])
def test_it_accepts_webp_and_bmp(alice_client, album, fmt):
    data = images.encode(images.picture(), fmt)
    response = upload(alice_client, album, (f"pic.{fmt.lower()}", data))
    assert "code" in response.json()["photos"][0]


def test_it_refuses_formats_outside_the_list(alice_client, album, media_root):
    data = images.encode(images.picture(), "GIF")
    response = upload(alice_client, album, ("anim.gif", data))
    assert "is not a picture in a format we accept" in response.json()["photos"][0]["error"]
    assert_nothing_kept(media_root)


def test_it_tells_when_a_file_is_already_in_the_album(alice_client, album, media_root):
    data = images.jpeg(seed=9)
    first = upload(alice_client, album, ("a.jpg", data)).json()["photos"][0]
    files_after_first = stored_files(media_root)
    second = upload(alice_client, album, ("copy of a.jpg", data)).json()["photos"][0]
    assert second["error"] == "copy of a.jpg is already in this album."
    assert second["duplicate_of"] == first["code"]
    assert album.photos.count() == 1
    assert stored_files(media_root) == files_after_first


def test_the_same_file_may_go_in_two_albums(alice_client, album, alice):
    from albums.models import Album

    other = Album.objects.create(owner=alice, title="Copies")
    data = images.jpeg(seed=4)
    upload(alice_client, album, ("a.jpg", data))
    response = upload(alice_client, other, ("a.jpg", data))
    assert "code" in response.json()["photos"][0]


def test_an_empty_file_is_refused(alice_client, album, media_root):
    response = upload(alice_client, album, ("empty.jpg", b""))
    assert response.json()["photos"][0]["error"] == "empty.jpg is empty."
    assert_nothing_kept(media_root)


def test_no_files_is_a_clear_error(alice_client, album):
    response = alice_client.post(
        f"/albums/{album.code}/upload/", {}, headers={"Accept": "application/json"}
    )
    assert response.status_code == 400
    assert response.json()["error"] == "No files were sent. Choose photos to upload."


def test_without_javascript_the_form_redirects_with_messages(alice_client, album):
    response = upload(alice_client, album, ("a.jpg", images.jpeg()), ("b.txt", b"nope"), json=False)
    assert response.status_code == 302
    assert response["Location"] == f"/albums/{album.code}/"
    page = alice_client.get(response["Location"])
    assert b"1 photo uploaded." in page.content
    assert b"b.txt is not a picture" in page.content


def test_large_pictures_get_renditions_in_the_worker(
    alice_client, album, settings, sync_tasks, django_capture_on_commit_callbacks
):
    settings.UPLOAD_INLINE_MAX_PIXELS = 100 * 100
    with django_capture_on_commit_callbacks(execute=True):
        response = upload(alice_client, album, ("big.jpg", images.jpeg(300, 200)))
    entry = response.json()["photos"][0]
    assert entry["thumbnail_url"] is None  # not made during the request
    photo = Photo.objects.get(code=entry["code"])
    assert photo.preparation == Photo.Preparation.READY
    assert photo.thumbnail and photo.display


def test_a_damaged_large_picture_is_marked_unreadable_by_the_worker(
    alice_client, album, settings, sync_tasks, django_capture_on_commit_callbacks
):
    settings.UPLOAD_INLINE_MAX_PIXELS = 10
    with django_capture_on_commit_callbacks(execute=True):
        response = upload(alice_client, album, ("cut.jpg", images.truncated_jpeg()))
    photo = Photo.objects.get(code=response.json()["photos"][0]["code"])
    assert photo.preparation == Photo.Preparation.FAILED
    assert photo.error.startswith("This file is damaged or incomplete")
    status = alice_client.get(f"/albums/{album.code}/status.json").json()["photos"][0]
    assert status["state"] == "failed"
    assert status["error"].startswith("This photo is damaged or incomplete")


def test_a_storage_failure_leaves_nothing_behind(alice_client, album, media_root, monkeypatch):
    from albums.models import Photo as PhotoModel

    def broken_save(self, *args, **kwargs):
        raise OSError("disk full")

    monkeypatch.setattr(PhotoModel, "save", broken_save)
    with pytest.raises(OSError):
        upload(alice_client, album, ("a.jpg", images.jpeg()))
    assert stored_files(media_root) == []


def test_uploads_keep_their_order(alice_client, album):
    for seed in range(3):
        upload(alice_client, album, (f"{seed}.jpg", images.jpeg(seed=seed)))
    names = list(album.photos.values_list("original_name", flat=True))
    assert names == ["0.jpg", "1.jpg", "2.jpg"]


def test_rgba_and_16_bit_scans_get_renditions(alice_client, album):
    rgba = Image.new("RGBA", (50, 40), (10, 20, 30, 0))
    sixteen = Image.new("I;16", (50, 40), 40000)
    for name, image, fmt in (("alpha.png", rgba, "PNG"), ("deep.png", sixteen, "PNG")):
        data = io.BytesIO()
        image.save(data, fmt)
        response = upload(alice_client, album, (name, data.getvalue()))
        assert "code" in response.json()["photos"][0], response.json()


@pytest.mark.parametrize(
    "name, data",
    [
        ("big.png", images.png(300, 200)),
        ("exif.png", images.encode(images.picture(300, 200), "PNG", exif=b"Exif\x00\x00MM")),
        ("big.jpg", images.jpeg(300, 200)),
        ("big.tif", images.tiff(300, 200)),
        ("big.webp", images.encode(images.picture(300, 200), "WEBP")),
        ("big.bmp", images.encode(images.picture(300, 200), "BMP")),
        ("big.heic", images.heic(300, 200)),
    ],
)
def test_the_upload_request_reads_only_the_header_of_a_large_picture(
    alice_client, album, settings, monkeypatch, name, data
):
    # The attack: PNGs of up to 100 MP were decoded whole inside the upload request
    # (Pillow's getexif() loads a PNG's pixels), so a few uploads at once took every web
    # worker down. Above UPLOAD_INLINE_MAX_PIXELS the request must not decode anything.
    from PIL import ImageFile

    settings.UPLOAD_INLINE_MAX_PIXELS = 100 * 100
    decoded = []
    plain_load = ImageFile.ImageFile.load

    def load(self):
        decoded.append(self.format)
        return plain_load(self)

    monkeypatch.setattr(ImageFile.ImageFile, "load", load)
    response = upload(alice_client, album, (name, data))
    entry = response.json()["photos"][0]
    assert "code" in entry, entry
    assert decoded == []
    photo = Photo.objects.get(code=entry["code"])
    assert (photo.width, photo.height) == (300, 200)
    assert photo.preparation == Photo.Preparation.PENDING


def test_a_png_turned_by_exif_behind_its_pixels_gets_its_size_from_the_worker(
    alice_client, album, settings, sync_tasks, django_capture_on_commit_callbacks
):
    # The upload request reads only what comes before the pixels; an orientation stored
    # after them is applied by the worker, which also records the upright size.
    from tests.images import _chunk

    exif = Image.Exif()
    exif[0x0112] = 6
    plain = images.png(300, 200)
    iend = plain.rindex(b"IEND") - 4
    data = plain[:iend] + _chunk(b"eXIf", exif.tobytes()) + plain[iend:]
    settings.UPLOAD_INLINE_MAX_PIXELS = 100 * 100
    with django_capture_on_commit_callbacks(execute=True):
        response = upload(alice_client, album, ("late.png", data))
    photo = Photo.objects.get(code=response.json()["photos"][0]["code"])
    assert photo.preparation == Photo.Preparation.READY
    assert (photo.width, photo.height) == (200, 300)
    assert (photo.display_width, photo.display_height) == (200, 300)
