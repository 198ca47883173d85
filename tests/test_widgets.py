"""Tests of derivlib.widgets: live control in a kernel, precomputed slider on the site."""

import base64
import json
import re

import matplotlib
import pytest

matplotlib.use("Agg")
import matplotlib.pyplot as plt  # noqa: E402

from derivlib import widgets  # noqa: E402


def line(slope, intercept=0.0):
    x = [0.0, 1.0]
    plt.plot(x, [intercept, slope + intercept])
    plt.title(f"slope {slope}")


def test_static_html_has_one_frame_per_value_and_a_slider():
    ex = widgets.explore(line, slope=[1, 2, 3], static=True)
    bundle = ex._repr_mimebundle_()
    page = bundle["text/html"]
    assert page.count('type="range"') == 1
    frames = json.loads(re.search(r'class="derivlib-explore-frames">(.*?)</script>', page)[1])
    assert len(frames) == 3
    assert len(set(frames)) == 3  # each value draws a different figure
    for f in frames:
        assert base64.b64decode(f)[:8] == b"\x89PNG\r\n\x1a\n"
    # the middle value is shown first, with its alt text
    assert f'src="data:image/png;base64,{frames[1]}"' in page
    assert 'alt="slope = 2"' in page


def test_two_parameters_give_the_product_of_frames_in_c_order():
    ex = widgets.explore(line, slope=[1, 2], intercept=[0.0, 0.5, 1.0], static=True)
    frames = ex.frames()
    assert len(frames) == 6
    page = ex.static_html("x")
    assert page.count('type="range"') == 2


def test_live_mode_returns_an_ipywidgets_control():
    ex = widgets.explore(line, slope=[1, 2, 3], static=False)
    w = ex.widget()
    assert [c.description for c in w.children[:-1]] == ["slope"]
    bundle = ex._repr_mimebundle_()
    assert "application/vnd.jupyter.widget-view+json" in bundle
    plt.close("all")


def test_moving_a_live_slider_redraws_the_figure():
    ex = widgets.explore(line, slope=[1, 2, 3], static=False, description="a line")
    box = ex.widget()
    slider, image = box.children[1], box.children[-1]
    assert box.children[0].value == "<p>a line</p>"
    assert slider.value == 2 and image.value == ex.render(slope=2)
    slider.value = 3
    assert image.value == ex.render(slope=3)
    assert image.value != ex.render(slope=2)


def test_live_bundle_has_a_static_fallback_for_viewers_without_a_kernel():
    ex = widgets.explore(line, slope=[1, 2, 3], static=False)
    bundle = ex._repr_mimebundle_()
    assert base64.b64decode(bundle["image/png"]) == ex.render(slope=2)
    assert bundle["text/plain"] == "Explorer(slope in [1 .. 3] (3 values))"


def test_render_is_deterministic():
    ex = widgets.explore(line, slope=[1, 2], static=True)
    assert ex.render(slope=1) == ex.render(slope=1)
    assert ex.frames() == ex.frames()


def test_static_mode_follows_the_environment(monkeypatch):
    monkeypatch.setenv(widgets.STATIC_ENV, "1")
    assert widgets.explore(line, slope=[1, 2]).static
    monkeypatch.setenv(widgets.STATIC_ENV, "0")
    assert not widgets.explore(line, slope=[1, 2]).static


@pytest.mark.parametrize(
    ("kwargs", "error", "match"),
    [
        ({}, ValueError, "one or two parameters"),
        ({"a": [1, 2], "b": [1, 2], "c": [1, 2]}, ValueError, "one or two parameters"),
        ({"slope": [1]}, ValueError, "at least 2 values"),
        ({"slope": "abc"}, TypeError, "sequence of values"),
        ({"slope": list(range(100))}, ValueError, "frames"),
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
    widgets.explore(line, slope=[1, 2], static=True).frames()
    widgets.explore(detached, slope=[1, 2], static=True).frames()
    assert plt.get_fignums() == []
    with pytest.raises(ValueError, match="plot must draw a pyplot figure"):
        widgets.explore(lambda slope: None, slope=[1, 2], static=True).frames()
