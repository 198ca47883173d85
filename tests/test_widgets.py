"""Tests of derivlib.widgets: live control in a kernel, the frames and slider of the site."""

import base64
import io

import matplotlib
import pytest

matplotlib.use("Agg")
import matplotlib.pyplot as plt  # noqa: E402

from derivlib import widgets  # noqa: E402


def line(slope, intercept=0.0):
    x = [0.0, 1.0]
    plt.plot(x, [intercept, slope + intercept])
    plt.title(f"slope {slope}")


def test_the_site_description_has_one_frame_per_combination_in_c_order():
    ex = widgets.explore(line, slope=[1, 2], intercept=[0.0, 0.5, 1.0],
                         labels={"slope": "the slope a"}, description="A line.")
    site = ex._repr_mimebundle_()[widgets.MIME]
    index = widgets.Explorer._count
    assert site["frames"] == [f"explore-{index}-{k:02d}.png" for k in range(6)]
    assert site["params"] == [
        {"name": "slope", "label": "the slope a", "values": ["1", "2"], "initial": 1},
        {"name": "intercept", "label": "intercept", "values": ["0", "0.5", "1"], "initial": 1},
    ]
    assert site["description"] == "A line." and site["scale"] == 2
    assert [c for c in ex.combinations()][1] == {"slope": 1, "intercept": 0.5}
    plt.close("all")


def test_frames_are_written_only_where_the_environment_says(tmp_path, monkeypatch):
    monkeypatch.delenv(widgets.FRAMES_ENV, raising=False)
    ex = widgets.explore(line, slope=[1, 2, 3])
    ex._repr_mimebundle_()
    assert list(tmp_path.iterdir()) == []
    monkeypatch.setenv(widgets.FRAMES_ENV, str(tmp_path / "frames"))
    site = ex._repr_mimebundle_()[widgets.MIME]
    files = sorted((tmp_path / "frames").iterdir())
    assert [f.name for f in files] == site["frames"]
    images = [f.read_bytes() for f in files]
    assert all(b[:8] == b"\x89PNG\r\n\x1a\n" for b in images)
    assert len(set(images)) == 3  # each value draws a different figure
    from PIL import Image

    with Image.open(files[1]) as frame, Image.open(io.BytesIO(ex.render(slope=2))) as shown:
        assert frame.mode == "P"  # reduced to a palette
        # twice the resolution of the notebook's figure (within the few pixels by which
        # bbox_inches="tight" crops differently at another resolution)
        assert abs(frame.size[0] / shown.size[0] - 2) < 0.02
        assert abs(frame.size[1] / shown.size[1] - 2) < 0.02
    plt.close("all")


def test_writing_frames_is_deterministic(tmp_path):
    ex = widgets.explore(line, slope=[1, 2])
    first = [p.read_bytes() for p in ex.write_frames(tmp_path / "a", 1)]
    again = [p.read_bytes() for p in ex.write_frames(tmp_path / "b", 1)]
    assert first == again


def test_live_mode_returns_an_ipywidgets_control():
    ex = widgets.explore(line, slope=[1, 2, 3], labels={"slope": "slope a"})
    w = ex.widget()
    assert [c.description for c in w.children[:-1]] == ["slope a"]
    bundle = ex._repr_mimebundle_()
    assert "application/vnd.jupyter.widget-view+json" in bundle
    plt.close("all")


def test_moving_a_live_slider_redraws_the_figure():
    ex = widgets.explore(line, slope=[1, 2, 3], description="a line")
    box = ex.widget()
    slider, image = box.children[1], box.children[-1]
    assert box.children[0].value == "<p>a line</p>"
    assert slider.value == 2 and image.value == ex.render(slope=2)
    slider.value = 3
    assert image.value == ex.render(slope=3)
    assert image.value != ex.render(slope=2)


def test_live_bundle_has_a_static_fallback_for_viewers_without_a_kernel():
    ex = widgets.explore(line, slope=[1, 2, 3])
    bundle = ex._repr_mimebundle_()
    assert base64.b64decode(bundle["image/png"]) == ex.render(slope=2)
    assert bundle["text/plain"] == "Explorer(slope in [1 .. 3] (3 values))"


def test_render_is_deterministic():
    ex = widgets.explore(line, slope=[1, 2])
    assert ex.render(slope=1) == ex.render(slope=1)


@pytest.mark.parametrize(
    ("kwargs", "error", "match"),
    [
        ({}, ValueError, "one or two parameters"),
        ({"a": [1, 2], "b": [1, 2], "c": [1, 2]}, ValueError, "one or two parameters"),
        ({"slope": [1]}, ValueError, "at least 2 values"),
        ({"slope": "abc"}, TypeError, "sequence of values"),
        ({"slope": list(range(100))}, ValueError, "frames"),
        ({"slope": [1, 2], "labels": {"intercept": "b"}}, ValueError, "intercept"),
        ({"slope": [1, 2], "labels": {"slope": ""}}, TypeError, "labels"),
        ({"slope": [1, 2], "labels": ["slope"]}, TypeError, "mapping"),
        ({"slope": [1, 2], "description": 3}, TypeError, "description"),
    ],
)
def test_validation(kwargs, error, match):
    with pytest.raises(error, match=match):
        widgets.explore(line, **kwargs)


def test_plot_must_be_callable():
    with pytest.raises(TypeError, match="plot must be callable"):
        widgets.explore(3, slope=[1, 2])


def test_render_leaves_no_open_figure_and_needs_a_figure():
    from matplotlib.figure import Figure

    def detached(slope):
        fig = Figure()
        fig.subplots().plot([0, 1], [0, slope])
        return fig

    plt.close("all")
    widgets.explore(line, slope=[1, 2]).render(slope=1)
    widgets.explore(detached, slope=[1, 2]).render(slope=1)
    assert plt.get_fignums() == []
    with pytest.raises(ValueError, match="plot must draw a pyplot figure"):
        widgets.explore(lambda slope: None, slope=[1, 2]).render(slope=1)
