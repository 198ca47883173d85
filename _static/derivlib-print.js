/* Printing a chapter: a formula wider than the page is scaled down to fit (on screen it
 * scrolls in its box, which paper cannot do), down to a twentieth: an instance's expanded
 * Hessian can be several times the page's width. The scaling is undone after printing. */
(function () {
  "use strict";
  var SELECTOR = ".derivation-start, .derivation-expr, .derivation-premise, div.math";
  function fit() {
    document.querySelectorAll(SELECTOR).forEach(function (e) {
      e.style.zoom = "";
      var room = e.clientWidth, need = e.scrollWidth;
      if (room > 0 && need > room + 1) {
        e.style.zoom = String(Math.max(0.05, (room - 1) / need));
        e.dataset.printZoom = e.style.zoom;
      }
    });
  }
  function unfit() {
    document.querySelectorAll("[data-print-zoom]").forEach(function (e) {
      e.style.zoom = "";
      delete e.dataset.printZoom;
    });
  }
  window.addEventListener("beforeprint", fit);
  window.addEventListener("afterprint", unfit);
  var print = window.matchMedia && window.matchMedia("print");
  if (print && print.addEventListener) {
    print.addEventListener("change", function (m) { (m.matches ? fit : unfit)(); });
  }
})();
