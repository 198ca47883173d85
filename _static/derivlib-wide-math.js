/* An inline formula wider than its line scrolls inside its own box (with the scroll cue of
 * .derivlib-scroll in derivlib.css) instead of widening the page; on a phone a few long
 * inline formulas would otherwise make every page scroll sideways. Formulas that fit keep
 * their place on the baseline.
 *
 * A derivation chain whose expressions do not all fit beside their reasons is stacked
 * (class derivation-stacked: each reason under its expression), so that an expression uses
 * the whole text column; only one wider than the column still scrolls.
 * Runs after MathJax has typeset the page, and on resize. */
(function () {
  "use strict";
  function fit() {
    document.querySelectorAll("mjx-container:not([display='true'])").forEach(function (m) {
      var parent = m.parentElement;
      if (!parent || m.closest(".derivation-expr, .derivation-start")) { return; }
      var wide = m.classList.contains("derivlib-scroll");
      if (wide) { m.classList.remove("derivlib-scroll"); }
      var room = parent.getBoundingClientRect().width;
      if (m.getBoundingClientRect().width > room + 1) {
        m.classList.add("derivlib-scroll", "derivlib-wide-inline");
      } else {
        m.classList.remove("derivlib-wide-inline");
      }
    });
  }
  function stack() {
    document.querySelectorAll(".derivlib-derivation").forEach(function (chain) {
      chain.classList.remove("derivation-stacked");
      var cut = Array.prototype.some.call(
        chain.querySelectorAll(".derivation-expr, .derivation-start"),
        function (e) { return e.scrollWidth > e.clientWidth + 1; });
      if (cut) { chain.classList.add("derivation-stacked"); }
    });
  }
  function all() { stack(); fit(); }
  function start() {
    var mj = window.MathJax;
    if (mj && mj.startup && mj.startup.promise) {
      mj.startup.promise.then(all);
    } else {
      setTimeout(start, 100);
    }
  }
  var timer = null;
  window.addEventListener("resize", function () {
    clearTimeout(timer);
    timer = setTimeout(all, 150);
  });
  if (document.readyState === "loading") {
    document.addEventListener("DOMContentLoaded", start);
  } else {
    start();
  }
})();
