// Drag and drop on the board, which htmx does not do. Each card also has a
// "Move to" menu (and, without JavaScript, a link to the hypothesis page's move
// form); a drop has htmx post the board's shared form to the card's move URL with
// the column's status, so the server applies the same rules and the re-rendered
// board is swapped in as after a move from the menu.
(function () {
  "use strict";

  var dragged = null;

  function board() {
    return document.getElementById("board");
  }

  function movable() {
    var element = board();
    return element && element.hasAttribute("data-board-movable");
  }

  function clearTargets() {
    document.querySelectorAll(".board-column.drop-target").forEach(function (column) {
      column.classList.remove("drop-target");
    });
  }

  function announce(text) {
    var region = document.getElementById("board-announcer");
    if (region) region.textContent = text;
  }

  function focusOutcome() {
    var fresh = board();
    var card =
      fresh.querySelector(".board-card.refused") ||
      fresh.querySelector(".board-card.just-moved");
    var link = card && card.querySelector("a");
    if (link) link.focus();
  }

  function move(card, status) {
    var form = document.getElementById("board-drop");
    var url = card.getAttribute("data-move-url");
    if (!form || !url || !window.htmx) return;
    var errors = ["htmx:responseError", "htmx:sendError"];
    function failed() {
      errors.forEach(function (name) {
        form.removeEventListener(name, failed);
      });
      card.classList.remove("moving");
      announce("The card could not be moved. Reload the page and try again.");
    }
    // htmx swaps in only a successful answer, which replaces the form too.
    errors.forEach(function (name) {
      form.addEventListener(name, failed);
    });
    card.classList.add("moving");
    announce("Moving…");
    window.htmx
      .ajax("POST", url, {
        source: form,
        target: "#board",
        swap: "outerHTML",
        values: { to_status: status },
      })
      .then(function () {
        if (!card.isConnected) focusOutcome();
      });
  }

  document.addEventListener("dragstart", function (event) {
    var card = event.target.closest && event.target.closest(".board-card[draggable]");
    if (!card || !movable()) return;
    dragged = card;
    card.classList.add("dragging");
    event.dataTransfer.effectAllowed = "move";
    event.dataTransfer.setData("text/plain", card.getAttribute("data-hypothesis"));
  });

  document.addEventListener("dragend", function () {
    if (dragged) dragged.classList.remove("dragging");
    dragged = null;
    clearTargets();
  });

  document.addEventListener("dragover", function (event) {
    if (!dragged) return;
    var column = event.target.closest && event.target.closest(".board-column");
    if (!column) return;
    event.preventDefault();
    event.dataTransfer.dropEffect = "move";
    if (!column.classList.contains("drop-target")) {
      clearTargets();
      column.classList.add("drop-target");
    }
  });

  document.addEventListener("drop", function (event) {
    if (!dragged) return;
    var column = event.target.closest && event.target.closest(".board-column");
    if (!column) return;
    event.preventDefault();
    var card = dragged;
    clearTargets();
    if (column.contains(card)) return;
    move(card, column.getAttribute("data-status"));
  });
})();
