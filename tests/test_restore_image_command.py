import io

import pytest
from django.core.management import CommandError, call_command
from PIL import Image

from tests import images
from tests.fakes.picwish_server import FakePicWish


def test_it_restores_one_photo_with_the_embedded_engine(tmp_path):
    source = tmp_path / "in.png"
    source.write_bytes(images.png(200, 150))
    output = tmp_path / "out.jpg"
    out = io.StringIO()
    call_command("restore_image", str(source), str(output), "--provider", "local", stdout=out)
    with Image.open(output) as result:
        assert result.format == "JPEG" and result.size == (200, 150)
    assert "Restored in.png" in out.getvalue()


def test_it_removes_a_prints_toning_when_asked(tmp_path):
    import numpy as np

    source = tmp_path / "sepia.jpg"
    source.write_bytes(images.sepia_jpeg())
    output = tmp_path / "out.jpg"
    out = io.StringIO()
    call_command(
        "restore_image", str(source), str(output), "--provider", "local",
        "--remove-toning", "1", stdout=out,
    )  # fmt: skip
    with Image.open(output) as result:
        rgb = np.asarray(result.convert("RGB"), dtype=np.int16)
    assert np.percentile(rgb.max(axis=2) - rgb.min(axis=2), 95) <= 3
    assert "The toning was removed to leave a neutral black-and-white print." in out.getvalue()
    assert "toning removed" not in out.getvalue()  # the label says what was asked
    assert "remove toning, local" in out.getvalue()


@pytest.mark.django_db
def test_it_restores_through_picwish_with_one_task(tmp_path, settings):
    source = tmp_path / "in.jpg"
    source.write_bytes(images.jpeg(300, 200))
    output = tmp_path / "out.jpg"
    with FakePicWish(latency=0.3) as fake:
        settings.PICWISH_API_KEY = fake.api_key
        settings.PICWISH_API_URL = fake.url
        settings.PICWISH_ALLOWED_RESULT_HOSTS = [fake.result_host]
        settings.PICWISH_POLL_INTERVAL = 0.1
        call_command(
            "restore_image",
            str(source),
            str(output),
            "--provider",
            "picwish",
            "--restoration-type",
            "2",
            "--model-type",
            "3",
            "--change-color",
            "1",
            stdout=io.StringIO(),
        )
        assert fake.create_count() == 1
        assert fake.creates[0].params["change_color"] == "1"
        assert fake.creates[0].params["model_type"] == "3"
    with Image.open(output) as result:
        assert result.size == (300, 200)


def test_bad_files_get_clear_errors(tmp_path):
    text = tmp_path / "notes.txt"
    text.write_text("hello")
    with pytest.raises(CommandError, match="notes.txt is not a picture"):
        call_command("restore_image", str(text), str(tmp_path / "o.jpg"), "--provider", "local")
    with pytest.raises(CommandError, match="does not exist"):
        call_command("restore_image", str(tmp_path / "missing.jpg"), str(tmp_path / "o.jpg"))
    truncated = tmp_path / "cut.jpg"
    truncated.write_bytes(images.truncated_jpeg())
    with pytest.raises(CommandError, match="damaged or incomplete"):
        call_command(
            "restore_image", str(truncated), str(tmp_path / "o.jpg"), "--provider", "local"
        )


def test_picwish_without_a_key_is_a_clear_error(tmp_path, settings):
    settings.PICWISH_API_KEY = ""
    source = tmp_path / "in.jpg"
    source.write_bytes(images.jpeg())
    with pytest.raises(CommandError, match="PICWISH_API_KEY is not set"):
        call_command("restore_image", str(source), str(tmp_path / "o.jpg"), "--provider", "picwish")
