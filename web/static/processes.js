/* Process pages: draw a version's diagram (fetched) or an uploaded one (from the deploy form's hidden field)
   with bpmn-js; number the steps where cases wait; mark the steps an upload adds or changes.
   Reads everything from data attributes (the CSP allows no inline script). */
(function () {
  "use strict";

  function parsed(container, name, fallback) {
    try {
      var value = JSON.parse(container.getAttribute(name) || "null");
      return value === null ? fallback : value;
    } catch (e) {
      return fallback;
    }
  }

  function fail(container, text) {
    container.textContent = "";
    var p = document.createElement("p");
    p.className = "bp-message bp-error";
    p.setAttribute("role", "alert");
    p.textContent = text;
    container.appendChild(p);
    container.setAttribute("data-rendered", "false");
    container.setAttribute("data-error", text);
  }

  function decode(base64) {
    var binary = window.atob(base64);
    var bytes = new Uint8Array(binary.length);
    for (var i = 0; i < binary.length; i += 1) { bytes[i] = binary.charCodeAt(i); }
    return new TextDecoder("utf-8").decode(bytes);
  }

  function source(container) {
    var inputId = container.getAttribute("data-diagram-input");
    if (inputId) {
      var input = document.getElementById(inputId);
      return input ? Promise.resolve(decode(input.value)) : Promise.reject(new Error("The diagram is missing."));
    }
    return fetch(container.getAttribute("data-diagram-url"), { credentials: "same-origin" })
      .then(function (response) {
        if (!response.ok) { throw new Error("The diagram could not be fetched (HTTP " + response.status + ")."); }
        return response.text();
      });
  }

  function toolbar(canvas) {
    var bar = document.createElement("div");
    bar.className = "bp-toolbar";
    [["Fit", "Fit the diagram", function () { canvas.zoom("fit-viewport", "auto"); }],
     ["+", "Zoom in", function () { canvas.zoom(canvas.zoom() * 1.2); }],
     ["−", "Zoom out", function () { canvas.zoom(canvas.zoom() / 1.2); }]].forEach(function (item) {
      var button = document.createElement("button");
      button.type = "button";
      button.textContent = item[0];
      button.setAttribute("aria-label", item[1]);
      button.addEventListener("click", item[2]);
      bar.appendChild(button);
    });
    return bar;
  }

  function waitingBadges(viewer, waiting) {
    var overlays = viewer.get("overlays");
    var registry = viewer.get("elementRegistry");
    Object.keys(waiting).forEach(function (id) {
      if (!registry.get(id)) { return; }
      var badge = document.createElement("span");
      badge.className = "bp-waiting";
      badge.textContent = String(waiting[id]);
      badge.title = waiting[id] + " open case(s) waiting here";
      overlays.add(id, "bp-waiting", { position: { top: -11, right: 11 }, html: badge });
    });
  }

  function mark(viewer, ids, marker) {
    var canvas = viewer.get("canvas");
    var registry = viewer.get("elementRegistry");
    var count = 0;
    ids.forEach(function (id) {
      if (registry.get(id)) { canvas.addMarker(id, marker); count += 1; }
    });
    return count;
  }

  function legend(added, changed) {
    var list = document.createElement("ul");
    list.className = "bp-legend";
    list.setAttribute("aria-label", "Legend");
    [["bp-swatch-added", "Added (" + added + ")"], ["bp-swatch-changed", "Changed (" + changed + ")"]]
      .forEach(function (item) {
        var li = document.createElement("li");
        var swatch = document.createElement("span");
        swatch.className = "bp-swatch " + item[0];
        swatch.setAttribute("aria-hidden", "true");
        li.appendChild(swatch);
        li.appendChild(document.createTextNode(item[1]));
        list.appendChild(li);
      });
    return list;
  }

  function decorate(container, viewer) {
    var canvas = viewer.get("canvas");
    canvas.zoom("fit-viewport", "auto");
    waitingBadges(viewer, parsed(container, "data-waiting", {}));
    if (container.hasAttribute("data-added")) {
      var added = mark(viewer, parsed(container, "data-added", []), "bp-added");
      var changed = mark(viewer, parsed(container, "data-changed", []), "bp-changed");
      container.appendChild(legend(added, changed));
    }
    container.appendChild(toolbar(canvas));
    container.setAttribute("data-rendered", "true");
  }

  function draw(container) {
    if (typeof window.BpmnJS !== "function") {
      fail(container, "The diagram viewer could not be loaded.");
      return;
    }
    container.textContent = "";
    var canvasEl = document.createElement("div");
    canvasEl.className = "bp-canvas";
    container.appendChild(canvasEl);
    var viewer = new window.BpmnJS({ container: canvasEl });
    source(container)
      .then(function (xml) { return viewer.importXML(xml); })
      .then(function () { decorate(container, viewer); })
      .catch(function (error) {
        viewer.destroy();
        var text = error && /^The diagram/.test(error.message) ? error.message : "The diagram could not be drawn.";
        fail(container, text);
      });
  }

  document.addEventListener("DOMContentLoaded", function () {
    document.querySelectorAll(".bp-diagram[data-diagram-url], .bp-diagram[data-diagram-input]").forEach(draw);
  });
})();
