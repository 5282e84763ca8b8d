// tidewatch network page: draws the network's graph with Cytoscape.js (vendored) from
// /networks/<id>/graph.json. No inline script (CSP), and no string from the server is ever parsed as
// HTML: it is hostile text and reaches the page only through textContent, option labels or canvas labels.
(function () {
  "use strict";

  var COLOURS = {
    post: "#9aa5b1", account: "#1f5fa8", phone: "#3b82f6", handle: "#8b5cf6", url: "#8b5cf6",
    image: "#10b981", template: "#eab308"
  };
  var KIND_NAMES = {
    post: "Post", account: "Account", phone: "Phone", handle: "Handle", url: "Link", image: "Image",
    template: "Text template"
  };
  var STATUS_NAMES = {
    active: "active", removed: "removed", recreated: "recreated after removal",
    restricted: "referred: restricted", declined: "referred: declined", open: "referred: open"
  };

  function el(tag, text, cls) {
    var e = document.createElement(tag);
    if (text !== undefined && text !== null) e.textContent = String(text);
    if (cls) e.className = cls;
    return e;
  }

  function row(dl, name, value) {
    if (value === undefined || value === null || value === "") return;
    dl.appendChild(el("dt", name));
    dl.appendChild(el("dd", value));
  }

  function showDetails(panel, data) {
    while (panel.firstChild) panel.removeChild(panel.firstChild);
    panel.appendChild(el("h3", KIND_NAMES[data.kind] || data.kind));
    var dl = el("dl");
    row(dl, "Label", data.label);
    if (data.title && data.title !== data.label) row(dl, data.kind === "post" ? "Text" : "Value", data.title);
    if (data.status) row(dl, "Status", STATUS_NAMES[data.status] || data.status);
    if (data.posts) row(dl, "Posts", Number(data.posts).toLocaleString("en-GB"));
    if (data.accounts) row(dl, "Accounts", Number(data.accounts).toLocaleString("en-GB"));
    panel.appendChild(dl);
    if (data.kind === "post" && typeof data.item === "number" && isFinite(data.item)) {
      var a = el("a", "Open item " + data.item);
      a.href = "/items/" + encodeURIComponent(String(Math.floor(data.item)));
      panel.appendChild(el("p")).appendChild(a);
    }
  }

  function style() {
    var s = [
      { selector: "node", style: {
        "label": "data(label)", "font-size": 9, "color": "#1d2330", "text-valign": "bottom", "text-margin-y": 3,
        "text-wrap": "ellipsis", "text-max-width": 140, "width": 14, "height": 14, "background-color": "#9aa5b1",
        "border-width": 1, "border-color": "#ffffff"
      } },
      { selector: "node[kind = 'account']", style: { "width": 22, "height": 22, "shape": "round-rectangle",
        "font-weight": "bold" } },
      { selector: "node[kind = 'account'][status = 'removed']", style: { "background-color": "#c0392b" } },
      { selector: "node[kind = 'account'][status = 'recreated']", style: { "background-color": "#e67e22" } },
      { selector: "node[kind = 'template']", style: { "shape": "rectangle" } },
      { selector: "node[kind = 'post'][status = 'removed']", style: { "border-color": "#c0392b", "border-width": 3 } },
      { selector: "node:selected", style: { "border-color": "#111827", "border-width": 3, "font-size": 11,
        "z-index": 10 } },
      { selector: "edge", style: { "width": 1, "line-color": "#c5ccd6", "curve-style": "haystack" } },
      { selector: "edge[kind = 'phone']", style: { "line-color": "#93c5fd" } },
      { selector: "edge[kind = 'template']", style: { "line-style": "dashed" } }
    ];
    Object.keys(COLOURS).forEach(function (k) {
      s.splice(1, 0, { selector: "node[kind = '" + k + "']", style: { "background-color": COLOURS[k] } });
    });
    return s;
  }

  function fillFinder(select, cy) {
    while (select.firstChild) select.removeChild(select.firstChild);
    select.appendChild(new Option("Choose a node…", ""));
    var nodes = cy.nodes().toArray().sort(function (a, b) {
      var ka = a.data("kind"), kb = b.data("kind");
      if (ka !== kb) return ka < kb ? -1 : 1;
      return String(a.data("label")).localeCompare(String(b.data("label")));
    });
    nodes.forEach(function (n) {
      select.appendChild(new Option((KIND_NAMES[n.data("kind")] || n.data("kind")) + ": " + n.data("label"), n.id()));
    });
    select.disabled = false;
  }

  function draw(container, data) {
    var panel = document.getElementById("graph-details");
    var finder = document.getElementById("graph-find");
    var status = document.getElementById("graph-status");
    var elements = (data.nodes || []).concat(data.edges || []);
    var cy = window.cytoscape({
      container: container, elements: elements, style: style(), minZoom: 0.1, maxZoom: 4,
      layout: { name: "cose", animate: false, randomize: true, fit: true, padding: 40, nodeDimensionsIncludeLabels: true,
                numIter: elements.length > 800 ? 400 : 1000, idealEdgeLength: function () { return 48; } }
    });
    function select(node) {
      cy.nodes().unselect();
      node.select();
      showDetails(panel, node.data());
    }
    cy.on("tap", "node", function (ev) { select(ev.target); if (finder) finder.value = ev.target.id(); });
    if (finder) {
      fillFinder(finder, cy);
      finder.addEventListener("change", function () {
        var n = finder.value ? cy.getElementById(finder.value) : null;
        if (n && n.nonempty()) {
          select(n);
          cy.animate({ center: { eles: n } }, { duration: 200 });
        }
      });
    }
    if (status) {
      status.textContent = cy.nodes().length.toLocaleString("en-GB") + " nodes, " +
        cy.edges().length.toLocaleString("en-GB") + " ties" +
        (data.truncated ? " (" + data.shown_posts + " of " + data.n_posts + " posts)" : "") + ".";
    }
    container.setAttribute("data-rendered", String(cy.nodes().length));
  }

  function start() {
    var container = document.getElementById("graph");
    if (!container) return;
    var status = document.getElementById("graph-status");
    if (typeof window.cytoscape !== "function") {
      if (status) status.textContent = "The graph library did not load.";
      return;
    }
    fetch(container.getAttribute("data-src"), { credentials: "same-origin", headers: { "Accept": "application/json" } })
      .then(function (r) {
        if (!r.ok) throw new Error("the server answered " + r.status);
        return r.json();
      })
      .then(function (data) { draw(container, data); })
      .catch(function (e) {
        if (status) status.textContent = "The graph could not be drawn: " + e.message;
        container.setAttribute("data-rendered", "error");
      });
  }

  if (document.readyState === "loading") document.addEventListener("DOMContentLoaded", start);
  else start();
})();
