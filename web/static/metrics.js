/* The heatmap: draw the process's newest diagram with bpmn-js, colour each step by its p90 lead time
   against its SLA, put its work in progress on a badge, and open the step's cases on click.
   Everything comes from data attributes (the CSP allows no inline script). */
(function () {
  "use strict";

  function nodes(container) {
    try {
      var value = JSON.parse(container.getAttribute("data-nodes") || "[]");
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
    p.textContent = text + " The figures are in the table below.";
    container.appendChild(p);
    container.setAttribute("data-rendered", "false");
  }

  function badge(node) {
    var link = document.createElement("a");
    link.className = "heat-badge heat-" + node.heat;
    link.href = node.url;
    link.textContent = String(node.wip);
    link.title = node.name + ": " + node.wip + " open; p90 lead time " + node.p90 + ", SLA " + node.sla;
    link.setAttribute("aria-label", link.title);
    return link;
  }

  function paint(viewer, list) {
    var canvas = viewer.get("canvas");
    var registry = viewer.get("elementRegistry");
    var overlays = viewer.get("overlays");
    var byId = {};
    list.forEach(function (node) {
      if (!registry.get(node.id)) { return; }
      byId[node.id] = node;
      canvas.addMarker(node.id, "hm-" + node.heat);
      overlays.add(node.id, "heat", { position: { top: -12, right: 14 }, html: badge(node) });
    });
    viewer.get("eventBus").on("element.click", function (event) {
      var node = byId[event.element.id];
      if (node) { window.location.assign(node.url); }
    });
    return Object.keys(byId).length;
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
    fetch(container.getAttribute("data-diagram-url"), { credentials: "same-origin", headers: { Accept: "application/xml" } })
      .then(function (response) {
        if (!response.ok) { throw new Error("The diagram could not be fetched (HTTP " + response.status + ")."); }
        return response.text();
      })
      .then(function (xml) { return viewer.importXML(xml); })
      .then(function () {
        viewer.get("canvas").zoom("fit-viewport", "auto");
        container.setAttribute("data-painted", String(paint(viewer, nodes(container))));
        container.setAttribute("data-rendered", "true");
      })
      .catch(function (error) {
        viewer.destroy();
        fail(container, error && /^The diagram/.test(error.message) ? error.message : "The diagram could not be drawn.");
      });
  }

  document.addEventListener("DOMContentLoaded", function () {
    document.querySelectorAll(".bp-heatmap[data-diagram-url]").forEach(draw);
  });
})();
