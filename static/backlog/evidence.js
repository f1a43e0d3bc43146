// Selecting words in a feedback text copies them into the quote field of the link form.
(function () {
  "use strict";
  function copySelection() {
    var source = document.querySelector("[data-snippet-source]");
    var field = document.querySelector("textarea[name=snippet]");
    if (!source || !field) return;
    var selection = window.getSelection();
    if (!selection || selection.isCollapsed) return;
    var range = selection.getRangeAt(0);
    if (!source.contains(range.commonAncestorContainer)) return;
    var text = selection.toString().replace(/\s+/g, " ").trim();
    if (text) field.value = text;
  }
  document.addEventListener("mouseup", copySelection);
  document.addEventListener("keyup", copySelection);
  document.addEventListener("touchend", copySelection);
})();
