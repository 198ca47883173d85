/* The Explore sliders of the website (_ext/explore.py writes their HTML): moving a slider
 * shows the frame of the chosen values, an image file fetched when first shown. */
(function () {
  "use strict";
  function setUp(root) {
    var meta = JSON.parse(root.querySelector("script.derivlib-explore-meta").textContent);
    var img = root.querySelector("img.derivlib-explore-frame");
    var inputs = root.querySelectorAll("input[type=range]");
    function show() {
      var k = 0, parts = [];
      inputs.forEach(function (input, i) {
        var p = meta.params[i], v = parseInt(input.value, 10), text = p.values[v];
        k = k * p.values.length + v;
        input.setAttribute("aria-valuetext", text);
        input.nextElementSibling.textContent = text;
        parts.push(p.label + " = " + text);
      });
      var lead = meta.description ? meta.description.replace(/[. ]+$/, "") : "Figure";
      img.src = meta.folder + meta.frames[k];
      img.alt = lead + " (" + parts.join(", ") + ")";
      root.dataset.frame = k;
    }
    inputs.forEach(function (input) { input.addEventListener("input", show); });
  }
  function init() { document.querySelectorAll(".derivlib-explore").forEach(setUp); }
  if (document.readyState === "loading") {
    document.addEventListener("DOMContentLoaded", init);
  } else {
    init();
  }
})();
