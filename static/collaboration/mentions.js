// Autocomplete of @mentions in comment fields (textarea[data-mention-url]).
// Typing "@" and the start of a name lists matching members; arrow keys move,
// Enter or Tab inserts "@username ", Escape closes. No inline code: CSP.
(function () {
  "use strict";

  var TRIGGER = /(^|[^\w@])@([\w.+\-]{0,40})$/u;
  var counter = 0;

  function setUp(field) {
    if (field.dataset.mentionReady) return;
    field.dataset.mentionReady = "1";
    counter += 1;
    var list = document.createElement("ul");
    list.id = "mention-list-" + counter;
    list.className = "mention-list";
    list.setAttribute("role", "listbox");
    list.setAttribute("aria-label", "People to mention");
    list.hidden = true;
    var status = document.createElement("div");
    status.className = "visually-hidden";
    status.setAttribute("role", "status");
    field.insertAdjacentElement("afterend", list);
    list.insertAdjacentElement("afterend", status);
    field.setAttribute("aria-controls", list.id);

    var people = [];
    var active = -1;
    var typedFrom = -1;
    var request = 0;

    function close() {
      list.hidden = true;
      list.textContent = "";
      people = [];
      active = -1;
      field.removeAttribute("aria-activedescendant");
    }

    function highlight(index) {
      var options = list.querySelectorAll("[role=option]");
      options.forEach(function (option, n) {
        option.setAttribute("aria-selected", n === index ? "true" : "false");
      });
      active = index;
      if (index >= 0 && options[index]) {
        field.setAttribute("aria-activedescendant", options[index].id);
      } else {
        field.removeAttribute("aria-activedescendant");
      }
    }

    function choose(index) {
      var person = people[index];
      if (!person) return;
      var caret = field.selectionStart;
      var before = field.value.slice(0, typedFrom);
      var after = field.value.slice(caret);
      var inserted = "@" + person.username + " ";
      field.value = before + inserted + after;
      var position = before.length + inserted.length;
      field.setSelectionRange(position, position);
      close();
      status.textContent = person.name + " will be mentioned.";
      field.focus();
    }

    function show(found) {
      people = found;
      list.textContent = "";
      if (!found.length) {
        close();
        status.textContent = "Nobody by that name.";
        return;
      }
      found.forEach(function (person, n) {
        var option = document.createElement("li");
        option.id = list.id + "-" + n;
        option.setAttribute("role", "option");
        option.setAttribute("aria-selected", "false");
        var name = document.createElement("span");
        name.textContent = person.name + " ";
        var detail = document.createElement("span");
        detail.className = "mention-team";
        detail.textContent = "@" + person.username + (person.team ? " · " + person.team : "");
        option.appendChild(name);
        option.appendChild(detail);
        option.addEventListener("mousedown", function (event) {
          event.preventDefault();
          choose(n);
        });
        list.appendChild(option);
      });
      list.hidden = false;
      highlight(0);
      status.textContent = found.length + (found.length === 1 ? " person" : " people") +
        " found; arrow keys to choose, Enter to insert.";
    }

    function lookUp() {
      var text = field.value.slice(0, field.selectionStart);
      var match = TRIGGER.exec(text);
      if (!match) {
        close();
        return;
      }
      typedFrom = text.length - match[2].length - 1;
      var mine = ++request;
      var url = field.dataset.mentionUrl + "?q=" + encodeURIComponent(match[2]);
      fetch(url, { headers: { Accept: "application/json" }, credentials: "same-origin" })
        .then(function (response) { return response.ok ? response.json() : { people: [] }; })
        .then(function (data) { if (mine === request) show(data.people || []); })
        .catch(close);
    }

    field.addEventListener("input", lookUp);
    field.addEventListener("blur", function () { setTimeout(close, 150); });
    field.addEventListener("keydown", function (event) {
      if (list.hidden) return;
      if (event.key === "ArrowDown") {
        event.preventDefault();
        highlight((active + 1) % people.length);
      } else if (event.key === "ArrowUp") {
        event.preventDefault();
        highlight((active - 1 + people.length) % people.length);
      } else if (event.key === "Enter" || event.key === "Tab") {
        if (active >= 0) {
          event.preventDefault();
          choose(active);
        }
      } else if (event.key === "Escape") {
        event.preventDefault();
        close();
      }
    });
  }

  function setUpAll() {
    document.querySelectorAll("textarea[data-mention-url]").forEach(setUp);
  }

  if (document.readyState === "loading") {
    document.addEventListener("DOMContentLoaded", setUpAll);
  } else {
    setUpAll();
  }
})();
