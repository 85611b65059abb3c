/* geokg viz page: the network from the embedded JSON, with search, filters, legend, tooltips
 * and a details panel.
 *
 * Every string that comes from the graph (labels, aliases, sentences, titles) is inserted with
 * textContent or as an option's value/label, never parsed as HTML; vis-network draws labels on
 * a canvas. window.geokg exposes the network and its DataSets (tests and the benchmark read
 * them) and load timings.
 */
(function () {
  "use strict";

  var geokg = (window.geokg = {
    timing: { start: performance.now() },
    errors: [],
    cspViolations: [],
    ready: false,
  });
  window.addEventListener("error", function (e) {
    geokg.errors.push(String(e.message || e));
  });
  document.addEventListener("securitypolicyviolation", function (e) {
    geokg.cspViolations.push(e.violatedDirective + " " + e.blockedURI);
  });

  var DATA = JSON.parse(document.getElementById("geokg-data").textContent);
  var meta = DATA.meta;
  var MAX_TIP_SENTENCES = 5; // the details panel (click) lists them all

  // ---- small DOM helpers (text only) -----------------------------------------------------

  function h(tag, className, children) {
    var el = document.createElement(tag);
    if (className) el.className = className;
    (children || []).forEach(function (child) {
      if (child === null || child === undefined || child === "") return;
      el.appendChild(typeof child === "string" ? document.createTextNode(child) : child);
    });
    return el;
  }

  function kv(key, value) {
    return h("div", "kv", [h("b", null, [key + ": "]), value]);
  }

  function plural(n, one, many) {
    return n.toLocaleString("en") + " " + (n === 1 ? one : many);
  }

  var SVG = "http://www.w3.org/2000/svg";
  function shapeIcon(shape, fill, stroke) {
    var svg = document.createElementNS(SVG, "svg");
    svg.setAttribute("width", "16");
    svg.setAttribute("height", "16");
    svg.setAttribute("viewBox", "0 0 16 16");
    svg.setAttribute("class", "shape");
    var el;
    var polys = {
      hexagon: "8,1 14,4.5 14,11.5 8,15 2,11.5 2,4.5",
      triangle: "8,1.5 15,14 1,14",
      diamond: "8,1 15,8 8,15 1,8",
      star: "8,1 10,6 15.5,6.2 11.2,9.6 12.8,15 8,11.8 3.2,15 4.8,9.6 0.5,6.2 6,6",
    };
    if (shape === "square") {
      el = document.createElementNS(SVG, "rect");
      el.setAttribute("x", "2");
      el.setAttribute("y", "2");
      el.setAttribute("width", "12");
      el.setAttribute("height", "12");
    } else if (polys[shape]) {
      el = document.createElementNS(SVG, "polygon");
      el.setAttribute("points", polys[shape]);
    } else {
      el = document.createElementNS(SVG, "circle");
      el.setAttribute("cx", "8");
      el.setAttribute("cy", "8");
      el.setAttribute("r", "6.5");
    }
    el.setAttribute("fill", fill);
    el.setAttribute("stroke", stroke);
    el.setAttribute("stroke-width", "1.3");
    svg.appendChild(el);
    return svg;
  }

  function lineSwatch(color, dashed) {
    var el = h("span", "swatch-line" + (dashed ? " dashed" : ""));
    el.style.borderTopColor = color;
    return el;
  }

  // ---- data ------------------------------------------------------------------------------

  var nodeById = {};
  DATA.nodes.forEach(function (n) {
    nodeById[n.id] = n;
  });
  var edgeById = {};
  DATA.edges.forEach(function (e) {
    edgeById[e.id] = e;
  });
  var quadByKey = {};
  meta.quads.forEach(function (q) {
    quadByKey[q.key] = q;
  });

  var nodes = new vis.DataSet(DATA.nodes);
  var edges = new vis.DataSet(DATA.edges);
  var state = {
    quads: new Set(meta.quads.map(function (q) { return q.key; })),
    relations: new Set(meta.relations.map(function (r) { return r.key; })),
    types: new Set(meta.types.map(function (t) { return t.key; })),
  };
  var shownNode = {};
  var shownEdge = {};

  function typeOn(id) {
    return state.types.has(nodeById[id].ntype);
  }

  function computeVisibility() {
    var degree = {};
    DATA.edges.forEach(function (e) {
      var on = state.quads.has(e.quad) && state.relations.has(e.relation) &&
        typeOn(e.from) && typeOn(e.to);
      shownEdge[e.id] = on;
      if (on) {
        degree[e.from] = (degree[e.from] || 0) + 1;
        degree[e.to] = (degree[e.to] || 0) + 1;
      }
    });
    DATA.nodes.forEach(function (n) {
      shownNode[n.id] = state.types.has(n.ntype) && (degree[n.id] > 0 || n.degree === 0);
    });
  }
  computeVisibility();

  var nodeView = new vis.DataView(nodes, { filter: function (n) { return shownNode[n.id]; } });
  var edgeView = new vis.DataView(edges, { filter: function (e) { return shownEdge[e.id]; } });
  geokg.timing.data = performance.now();

  // ---- cards (tooltip and details) ---------------------------------------------------------

  function nodeCard(n, inTip) {
    var card = h("div", "card", [
      h(inTip ? "h3" : "h2", null, [n.label]),
      h("div", "kind", [n.typeLabel + " · " + plural(n.degree, "relation", "relations")]),
    ]);
    if (n.aliases && n.aliases.length) card.appendChild(kv("Also", n.aliases.join(", ")));
    (n.roles || []).forEach(function (r) {
      card.appendChild(kv(r[0], r[1]));
    });
    (n.details || []).forEach(function (d) {
      card.appendChild(kv(d[0], d[1]));
    });
    return card;
  }

  function edgeTitle(e) {
    var a = nodeById[e.from].label;
    var b = nodeById[e.to].label;
    return e.symmetric ? a + " — " + e.label + " — " + b : a + " → " + e.label + " → " + b;
  }

  function evidenceItem(ev) {
    var source = [ev.d || "undated", ev.p, ev.t].filter(Boolean).join(" · ");
    var li = h("li", null, [h("div", "sentence", ["“" + ev.s + "”"])]);
    var src = h("div", "source", [source]);
    if (ev.m && ev.m !== "asserted") src.appendChild(h("span", "modality", [ev.m]));
    li.appendChild(src);
    if (ev.u) li.appendChild(h("div", "source", [ev.u]));
    return li;
  }

  function edgeCard(e, limit) {
    var quad = quadByKey[e.quad];
    var card = h("div", "card", [
      h(limit ? "h3" : "h2", null, [edgeTitle(e)]),
      h("div", "kind", [quad.label + " · " + plural(e.weight, "sentence", "sentences")]),
    ]);
    var list = h("ul", "evidence");
    var shown = limit ? e.evidence.slice(0, limit) : e.evidence;
    shown.forEach(function (ev) {
      list.appendChild(evidenceItem(ev));
    });
    card.appendChild(list);
    if (shown.length < e.evidence.length) {
      var rest = e.evidence.length - shown.length;
      card.appendChild(h("div", "more", [
        "+ " + plural(rest, "more sentence", "more sentences") + ": click the relation to read all",
      ]));
    }
    return card;
  }
  geokg.nodeCard = function (id) { return nodeCard(nodeById[id], false); };
  geokg.edgeCard = function (id) { return edgeCard(edgeById[id], 0); };

  // ---- tooltip -----------------------------------------------------------------------------

  var tip = document.getElementById("tip");
  var container = document.getElementById("network");
  var lastPointer = { x: 0, y: 0 };

  function placeTip(x, y) {
    var pad = 14;
    var w = tip.offsetWidth;
    var hgt = tip.offsetHeight;
    var left = x + pad;
    var top = y + pad;
    if (left + w > window.innerWidth - 4) left = Math.max(4, x - w - pad);
    if (top + hgt > window.innerHeight - 4) top = Math.max(4, window.innerHeight - hgt - 4);
    tip.style.left = left + "px";
    tip.style.top = top + "px";
  }

  function showTip(content, params) {
    var rect = container.getBoundingClientRect();
    if (params && params.pointer) {
      lastPointer = { x: rect.left + params.pointer.DOM.x, y: rect.top + params.pointer.DOM.y };
    }
    tip.replaceChildren(content);
    tip.hidden = false;
    placeTip(lastPointer.x, lastPointer.y);
  }

  function hideTip() {
    tip.hidden = true;
    tip.replaceChildren();
  }
  container.addEventListener("mousemove", function (ev) {
    lastPointer = { x: ev.clientX, y: ev.clientY };
    if (!tip.hidden) placeTip(ev.clientX, ev.clientY);
  });
  container.addEventListener("mouseleave", hideTip);

  // ---- the network -------------------------------------------------------------------------

  var network = new vis.Network(container, { nodes: nodeView, edges: edgeView }, DATA.options);
  geokg.network = network;
  geokg.nodes = nodes;
  geokg.edges = edges;
  geokg.nodeView = nodeView;
  geokg.edgeView = edgeView;
  geokg.timing.network = performance.now();

  var statusEl = document.getElementById("status");
  function markReady() {
    if (geokg.ready) return;
    geokg.ready = true;
    geokg.timing.ready = performance.now();
    statusEl.textContent = "";
    if (meta.focus && shownNode[meta.focus]) selectNode(meta.focus, false);
  }
  network.once("afterDrawing", function () {
    geokg.timing.firstDraw = performance.now();
    if (!meta.physics) markReady();
  });
  if (meta.physics && DATA.nodes.length) {
    statusEl.textContent = "Laying out…";
    network.on("stabilizationProgress", function (p) {
      statusEl.textContent = "Laying out… " + Math.round((100 * p.iterations) / p.total) + "%";
    });
    network.once("stabilizationIterationsDone", function () {
      geokg.timing.stabilized = performance.now();
      markReady();
    });
  } else if (!DATA.nodes.length) {
    container.appendChild(h("div", "empty-note", ["No relation matches these options."]));
    markReady();
  }

  network.on("hoverNode", function (p) {
    showTip(nodeCard(nodeById[p.node], true), p);
  });
  network.on("hoverEdge", function (p) {
    showTip(edgeCard(edgeById[p.edge], MAX_TIP_SENTENCES), p);
  });
  network.on("blurNode", hideTip);
  network.on("blurEdge", hideTip);
  network.on("dragStart", hideTip);
  network.on("zoom", hideTip);

  // ---- details panel -----------------------------------------------------------------------

  var details = document.getElementById("details");
  var detailsPanel = document.getElementById("details-panel");

  function openDetails(card) {
    details.replaceChildren(card);
    detailsPanel.hidden = false;
    detailsPanel.scrollTop = 0;
  }

  function closeDetails() {
    detailsPanel.hidden = true;
    details.replaceChildren();
  }
  document.getElementById("details-close").addEventListener("click", function () {
    closeDetails();
    network.unselectAll();
  });

  function relationButton(e, fromId) {
    var other = nodeById[e.from === fromId ? e.to : e.from].label;
    var text;
    if (e.symmetric) text = "— " + e.label + " " + other;
    else if (e.from === fromId) text = "→ " + e.label + " " + other;
    else text = "← " + other + " " + e.label;
    text += " (" + e.weight + ")";
    var btn = h("button", "link", [text]);
    btn.type = "button";
    btn.addEventListener("click", function () {
      network.selectEdges([e.id]);
      showEdgeDetails(e.id);
    });
    return h("li", null, [btn]);
  }

  function showNodeDetails(id) {
    var n = nodeById[id];
    var card = nodeCard(n, false);
    var mine = DATA.edges.filter(function (e) {
      return shownEdge[e.id] && (e.from === id || e.to === id);
    });
    if (mine.length) {
      var list = h("ul");
      mine.sort(function (a, b) {
        return (a.from === id ? 0 : 1) - (b.from === id ? 0 : 1) || b.weight - a.weight;
      });
      mine.forEach(function (e) {
        list.appendChild(relationButton(e, id));
      });
      card.appendChild(list);
    }
    openDetails(card);
  }

  function showEdgeDetails(id) {
    openDetails(edgeCard(edgeById[id], 0));
  }

  network.on("click", function (p) {
    hideTip();
    if (p.nodes.length) showNodeDetails(p.nodes[0]);
    else if (p.edges.length) showEdgeDetails(p.edges[0]);
    else closeDetails();
  });

  // ---- search ------------------------------------------------------------------------------

  var search = document.getElementById("search");
  var searchStatus = document.getElementById("search-status");
  var datalist = document.getElementById("entity-list");
  var seenOption = new Set();
  DATA.nodes
    .slice()
    .sort(function (a, b) { return b.degree - a.degree || a.label.localeCompare(b.label); })
    .forEach(function (n) {
      [n.label].concat(n.aliases || []).forEach(function (name) {
        if (seenOption.has(name)) return;
        seenOption.add(name);
        var opt = document.createElement("option");
        opt.value = name;
        if (name !== n.label) opt.label = n.label;
        datalist.appendChild(opt);
      });
    });

  function fold(s) {
    return s.normalize("NFKD").replace(/[\u0300-\u036f]/g, "").toLowerCase().trim();
  }

  function findNode(query) {
    var q = fold(query);
    if (!q) return null;
    var tests = [
      function (n) { return fold(n.label) === q; },
      function (n) { return (n.aliases || []).some(function (a) { return fold(a) === q; }); },
      function (n) { return fold(n.label).indexOf(q) === 0; },
      function (n) { return fold(n.label).indexOf(q) >= 0; },
      function (n) { return (n.aliases || []).some(function (a) { return fold(a).indexOf(q) >= 0; }); },
    ];
    for (var i = 0; i < tests.length; i++) {
      var hits = DATA.nodes.filter(tests[i]);
      if (hits.length) {
        hits.sort(function (a, b) { return b.degree - a.degree; });
        return hits[0];
      }
    }
    return null;
  }
  geokg.findNode = function (q) {
    var n = findNode(q);
    return n ? n.id : null;
  };

  function selectNode(id, animate) {
    network.selectNodes([id]);
    network.focus(id, {
      scale: Math.max(network.getScale(), 1.1),
      animation: animate ? { duration: 450, easingFunction: "easeInOutQuad" } : false,
    });
    showNodeDetails(id);
  }

  function runSearch() {
    var n = findNode(search.value);
    if (!n) {
      searchStatus.textContent = search.value.trim() ? "No entity matches “" + search.value + "”." : "";
      return;
    }
    if (!shownNode[n.id]) {
      searchStatus.textContent = n.label + " is hidden by the current filters.";
      showNodeDetails(n.id);
      return;
    }
    searchStatus.textContent = "";
    selectNode(n.id, true);
  }
  search.addEventListener("keydown", function (ev) {
    if (ev.key === "Enter") runSearch();
  });
  search.addEventListener("change", runSearch);
  document.getElementById("search-go").addEventListener("click", runSearch);

  // ---- filters and legend ------------------------------------------------------------------

  function applyFilters(initial) {
    computeVisibility();
    if (initial !== true) {
      nodeView.refresh();
      edgeView.refresh();
    }
    var n = 0;
    var m = 0;
    for (var k in shownNode) if (shownNode[k]) n++;
    for (var j in shownEdge) if (shownEdge[j]) m++;
    geokg.shown = { nodes: n, edges: m };
    updateStats(n, m);
  }
  geokg.applyFilters = applyFilters;
  geokg.state = state;

  function filterRow(set, key, icon, name, count) {
    var box = document.createElement("input");
    box.type = "checkbox";
    box.checked = set.has(key);
    var label = h("label", set.has(key) ? null : "off", [box, icon, h("span", "name", [name]),
      h("span", "count", [String(count)])]);
    box.addEventListener("change", function () {
      if (box.checked) set.add(key);
      else set.delete(key);
      label.classList.toggle("off", !box.checked);
      applyFilters();
    });
    label.geokgSet = function (on) {
      box.checked = on;
      label.classList.toggle("off", !on);
      if (on) set.add(key);
      else set.delete(key);
    };
    return label;
  }

  var quadBox = document.getElementById("quad-filters");
  meta.quads.forEach(function (q) {
    if (!q.count) return;
    quadBox.appendChild(filterRow(state.quads, q.key, lineSwatch(q.color, q.key === "Structural"),
      q.label, q.count));
  });
  var relBox = document.getElementById("relation-filters");
  var relRows = meta.relations.map(function (r) {
    var row = filterRow(state.relations, r.key, lineSwatch(r.color, r.quad === "Structural"),
      r.label + (r.symmetric ? " (mutual)" : ""), r.count);
    relBox.appendChild(row);
    return row;
  });
  var typeBox = document.getElementById("type-filters");
  var typeRows = meta.types.map(function (t) {
    var row = filterRow(state.types, t.key, shapeIcon(t.shape, t.color, t.border), t.label, t.count);
    typeBox.appendChild(row);
    return row;
  });
  document.getElementById("rel-all").addEventListener("click", function () {
    relRows.forEach(function (r) { r.geokgSet(true); });
    applyFilters();
  });
  document.getElementById("rel-none").addEventListener("click", function () {
    relRows.forEach(function (r) { r.geokgSet(false); });
    applyFilters();
  });
  document.getElementById("reset-view").addEventListener("click", function () {
    quadBox.querySelectorAll("label").forEach(function (l) { l.geokgSet(true); });
    relRows.concat(typeRows).forEach(function (r) { r.geokgSet(true); });
    applyFilters();
    network.unselectAll();
    search.value = "";
    searchStatus.textContent = "";
    closeDetails();
    network.fit({ animation: { duration: 400 } });
  });

  // ---- header ------------------------------------------------------------------------------

  function updateStats(n, m) {
    var text = plural(n, "actor", "actors") + " · " + plural(m, "relation", "relations") +
      " · " + plural(meta.sentences, "sentence", "sentences");
    if (meta.totalNodes !== DATA.nodes.length || meta.totalEdges !== DATA.edges.length) {
      text += " (graph: " + plural(meta.totalNodes, "actor", "actors") + ", " +
        plural(meta.totalEdges, "relation", "relations") + ")";
    }
    document.getElementById("stats").textContent = text;
  }
  document.getElementById("title").textContent = meta.title;
  document.getElementById("subtitle").textContent = meta.subtitle;
  applyFilters(true);
  geokg.timing.ui = performance.now();
})();
