// tidewatch console: the little behaviour plain HTML lacks. No inline scripts anywhere (CSP).
(function () {
  "use strict";
  document.addEventListener("click", function (ev) {
    var btn = ev.target.closest("[data-reveal]");
    if (!btn) return;
    var fig = btn.closest(".media");
    var on = fig.classList.toggle("revealed");
    btn.textContent = on ? "Hide image" : "Reveal image";
    btn.setAttribute("aria-pressed", on ? "true" : "false");
  });
  document.addEventListener("change", function (ev) {
    if (!ev.target.matches("[data-select-all]")) return;
    var boxes = document.querySelectorAll('input[name="item"][form="bulk"]');
    for (var i = 0; i < boxes.length; i++) boxes[i].checked = ev.target.checked;
  });
})();
