/* BHARATPOL task forms: add and remove array rows (charges, nationalities, ...).
 *
 * An array is a [data-array="dotted.path"] element holding [data-rows] and a <template data-row-template>
 * whose field names use "__index__" for the row number. Rows are renumbered 0..n-1 after every change so
 * names, ids, labels and aria references stay unique and in order. Without this script the form still
 * works: the rows the server rendered are submitted as they are.
 */
(function () {
  "use strict";

  var NAME_ATTRS = ["name", "data-array"];
  var ID_ATTRS = ["id", "for", "aria-describedby", "aria-labelledby"];

  function escapeRegExp(text) {
    return text.replace(/[.*+?^${}()|[\]\\]/g, "\\$&");
  }

  function ownRows(container) {
    var rows = container.querySelector(":scope > [data-rows]");
    return rows ? Array.prototype.filter.call(rows.children, function (el) { return el.matches("[data-row]"); }) : [];
  }

  /* Every element under root, including those inside nested <template>s (their content is a separate tree). */
  function eachElement(root, visit) {
    visit(root);
    Array.prototype.forEach.call(root.querySelectorAll("*"), function (el) {
      visit(el);
      if (el.tagName === "TEMPLATE") {
        Array.prototype.forEach.call(el.content.children, function (child) { eachElement(child, visit); });
      }
    });
  }

  function renumberRow(row, path, index) {
    var idBase = path.replace(/\./g, "-");
    var namePattern = new RegExp("^" + escapeRegExp(path) + "\\.(\\d+|__index__)(?=\\.|$)");
    var idPattern = new RegExp("^" + escapeRegExp(idBase) + "-(\\d+|__index__)(?=-|$)");
    eachElement(row, function (el) {
      NAME_ATTRS.forEach(function (attr) {
        var value = el.getAttribute(attr);
        if (value !== null) { el.setAttribute(attr, value.replace(namePattern, path + "." + index)); }
      });
      ID_ATTRS.forEach(function (attr) {
        var value = el.getAttribute(attr);
        if (value === null) { return; }
        el.setAttribute(attr, value.split(/\s+/).map(function (token) {
          return token.replace(idPattern, idBase + "-" + index);
        }).join(" "));
      });
    });
    Array.prototype.forEach.call(row.querySelectorAll("[data-row-number]"), function (el) {
      if (el.closest("[data-row]") === row) { el.textContent = String(index + 1); }
    });
  }

  function renumber(container) {
    var path = container.getAttribute("data-array");
    ownRows(container).forEach(function (row, index) { renumberRow(row, path, index); });
  }

  function reveal(root) {
    Array.prototype.forEach.call(root.querySelectorAll("[data-add-row], [data-remove-row]"), function (button) {
      button.hidden = false;
    });
  }

  function clearRow(row) {
    Array.prototype.forEach.call(row.querySelectorAll("input, select, textarea"), function (field) {
      if (field.tagName === "SELECT") { field.selectedIndex = 0; } else { field.value = ""; }
      field.removeAttribute("aria-invalid");
    });
    Array.prototype.forEach.call(row.querySelectorAll(".error"), function (el) { el.remove(); });
  }

  function firstField(root) {
    return root.querySelector("input, select, textarea");
  }

  function addRow(container) {
    var template = container.querySelector(":scope > template[data-row-template]");
    var rows = container.querySelector(":scope > [data-rows]");
    if (!template || !rows) { return; }
    var row = template.content.firstElementChild.cloneNode(true);
    rows.appendChild(row);
    renumber(container);
    reveal(row);
    var field = firstField(row);
    if (field) { field.focus(); }
  }

  function removeRow(row) {
    var container = row.parentElement.closest("[data-array]");
    var rows = ownRows(container);
    if (rows.length <= 1) {
      clearRow(row); // an array always shows at least one row
      var field = firstField(row);
      if (field) { field.focus(); }
      return;
    }
    var position = rows.indexOf(row);
    row.remove();
    renumber(container);
    var next = ownRows(container)[Math.max(position - 1, 0)];
    var target = next && firstField(next);
    if (target) { target.focus(); }
  }

  document.addEventListener("click", function (event) {
    var add = event.target.closest("[data-add-row]");
    if (add) {
      event.preventDefault();
      addRow(add.closest("[data-array]"));
      return;
    }
    var remove = event.target.closest("[data-remove-row]");
    if (remove) {
      event.preventDefault();
      removeRow(remove.closest("[data-row]"));
    }
  });

  reveal(document);
  var summary = document.getElementById("error-summary");
  if (summary) { summary.focus(); }
})();
