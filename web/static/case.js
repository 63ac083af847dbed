/* The case page's diagram: draw the BPMN of the case's version with bpmn-js and mark done and current steps.
   Reads everything from data attributes (the CSP allows no inline script). */
(function () {
  "use strict";

  function ids(container, name) {
    try {
      var value = JSON.parse(container.getAttribute(name) || "[]");
      return Array.isArray(value) ? value : [];
    } catch (e) {
      return [];
    }
  }

  function fail(container, text) {
    container.textContent = "";
    var p = document.createElement("p");
    p.className = "bp-message bp-error";
    p.setAttribute("role", "alert");
    p.textContent = text + " The steps are listed in text below the diagram.";
    container.appendChild(p);
    container.setAttribute("data-rendered", "false");
    container.setAttribute("data-error", text);
  }

  function legend(done, current) {
    var list = document.createElement("ul");
    list.className = "bp-legend";
    list.setAttribute("aria-label", "Legend");
    [["bp-swatch-done", "Done (" + done + ")"], ["bp-swatch-current", "Current (" + current + ")"],
     ["bp-swatch-todo", "Not reached"]].forEach(function (item) {
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

  function toolbar(canvas) {
    var bar = document.createElement("div");
    bar.className = "bp-toolbar";
    [["Fit", function () { canvas.zoom("fit-viewport", "auto"); }],
     ["+", function () { canvas.zoom(canvas.zoom() * 1.2); }],
     ["−", function () { canvas.zoom(canvas.zoom() / 1.2); }]].forEach(function (item) {
      var button = document.createElement("button");
      button.type = "button";
      button.textContent = item[0];
      button.setAttribute("aria-label", item[0] === "Fit" ? "Fit the diagram" : item[0] === "+" ? "Zoom in" : "Zoom out");
      button.addEventListener("click", item[1]);
      bar.appendChild(button);
    });
    return bar;
  }

  function mark(viewer, completed, current) {
    var canvas = viewer.get("canvas");
    var registry = viewer.get("elementRegistry");
    var counts = { done: 0, current: 0 };
    current.forEach(function (id) {
      if (registry.get(id)) { canvas.addMarker(id, "bp-current"); counts.current += 1; }
    });
    completed.forEach(function (id) {
      // A step that is done and open again (a returned draft) shows as current.
      if (registry.get(id) && current.indexOf(id) < 0) { canvas.addMarker(id, "bp-done"); counts.done += 1; }
    });
    return counts;
  }

  function draw(container) {
    var url = container.getAttribute("data-diagram-url");
    if (typeof window.BpmnJS !== "function") {
      fail(container, "The diagram viewer could not be loaded.");
      return;
    }
    container.textContent = "";
    var canvasEl = document.createElement("div");
    canvasEl.className = "bp-canvas";
    container.appendChild(canvasEl);
    var viewer = new window.BpmnJS({ container: canvasEl });
    fetch(url, { credentials: "same-origin", headers: { Accept: "application/xml" } })
      .then(function (response) {
        if (!response.ok) { throw new Error("The diagram could not be fetched (HTTP " + response.status + ")."); }
        return response.text();
      })
      .then(function (xml) { return viewer.importXML(xml); })
      .then(function () {
        var canvas = viewer.get("canvas");
        canvas.zoom("fit-viewport", "auto");
        var counts = mark(viewer, ids(container, "data-completed"), ids(container, "data-current"));
        container.appendChild(toolbar(canvas));
        container.appendChild(legend(counts.done, counts.current));
        container.setAttribute("data-rendered", "true");
      })
      .catch(function (error) {
        viewer.destroy();
        var text = error && /^The diagram/.test(error.message) ? error.message : "The diagram could not be drawn.";
        fail(container, text);
      });
  }

  document.addEventListener("DOMContentLoaded", function () {
    document.querySelectorAll(".bp-diagram[data-diagram-url]").forEach(draw);
  });
})();
