// Drag and drop on the board. Each card also has a "Move to" menu (and, without
// JavaScript, a link to the hypothesis page's move form); a drop posts the
// board's shared form to the card's move URL with the column's status, so the
// server applies the same rules and answers with the re-rendered board.
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

  function move(card, status) {
    var form = document.getElementById("board-drop");
    var url = card.getAttribute("data-move-url");
    if (!form || !url) return;
    var data = new FormData(form);
    data.set("to_status", status);
    card.classList.add("moving");
    announce("Moving…");
    fetch(url, {
      method: "POST",
      body: data,
      credentials: "same-origin",
      headers: { "HX-Request": "true", "HX-Target": "board" },
    })
      .then(function (response) {
        var redirect = response.headers.get("HX-Redirect");
        if (redirect) {
          window.location.assign(redirect);
          return null;
        }
        if (!response.ok) throw new Error("HTTP " + response.status);
        return response.text();
      })
      .then(function (html) {
        if (html === null) return;
        var current = board();
        var holder = document.createElement("div");
        holder.innerHTML = html.trim();
        var fresh = holder.firstElementChild;
        current.replaceWith(fresh);
        if (window.htmx) window.htmx.process(fresh);
        var refused = fresh.querySelector(".board-card.refused");
        var focus = refused || fresh.querySelector(".board-card.just-moved");
        if (focus) {
          var link = focus.querySelector("a");
          if (link) link.focus();
        }
      })
      .catch(function () {
        card.classList.remove("moving");
        announce("The card could not be moved. Reload the page and try again.");
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
