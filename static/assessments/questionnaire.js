// Questionnaire: evidence typed in the last second before the tab closes is sent
// anyway. Choices and evidence are otherwise saved by htmx as they change.
(function () {
  "use strict";

  var pending = new Set();

  document.addEventListener("input", function (event) {
    var point = event.target.closest("fieldset[hx-post]");
    if (point && event.target.tagName === "TEXTAREA") pending.add(point);
  });

  document.addEventListener("htmx:afterRequest", function (event) {
    if (event.detail.successful) pending.delete(event.detail.elt);
  });

  window.addEventListener("pagehide", function () {
    var form = document.querySelector("form.questionnaire");
    if (!form || !navigator.sendBeacon) return;
    var token = form.querySelector("input[name=csrfmiddlewaretoken]");
    pending.forEach(function (point) {
      var data = new FormData();
      if (token) data.append(token.name, token.value);
      point.querySelectorAll("input:checked, textarea").forEach(function (field) {
        data.append(field.name, field.value);
      });
      navigator.sendBeacon(point.getAttribute("hx-post"), data);
    });
    pending.clear();
  });
})();
