(function () {
  "use strict";
  // Charts past the first few wait in <template> elements; stamp each as it nears the viewport.
  var lazy = Array.prototype.slice.call(document.querySelectorAll("div.lazy, td.spark"));
  function stamp(el) {
    var t = el.querySelector("template");
    if (!t) { return; }
    el.replaceChildren(t.content.cloneNode(true));
    el.classList.remove("lazy");
  }
  if ("IntersectionObserver" in window) {
    var io = new IntersectionObserver(function (entries) {
      entries.forEach(function (e) {
        if (e.isIntersecting) { stamp(e.target); io.unobserve(e.target); }
      });
    }, { rootMargin: "600px 0px" });
    lazy.forEach(function (el) { io.observe(el); });
  } else {
    lazy.forEach(stamp);
  }
  window.addEventListener("beforeprint", function () { lazy.forEach(stamp); });

  // A link to a finding inside a closed section opens the section first.
  function reveal(id) {
    var el = id && document.getElementById(id);
    for (var p = el; p; p = p.parentElement) {
      if (p.tagName === "DETAILS") { p.open = true; }
    }
  }
  function fragment(text) {
    try { return decodeURIComponent(text); } catch (e) { return text; }
  }
  // Links within the page are followed here: inside a notebook's iframe (srcdoc) the browser
  // would resolve "#f2" against the notebook's own address and load the notebook in the frame.
  document.addEventListener("click", function (ev) {
    var a = ev.target.closest && ev.target.closest("a[href^='#']");
    if (!a) { return; }
    var id = fragment(a.getAttribute("href").slice(1));
    var el = document.getElementById(id);
    if (!el) { return; }
    ev.preventDefault();
    if (el.closest("[hidden]")) { clearFindingFilter(); }  // a link to a finding the filter hides
    reveal(id);
    el.scrollIntoView();
  });
  if (location.hash) { reveal(fragment(location.hash.slice(1))); }

  // Findings: keep those at or above a severity whose text matches. While a filter is on, each
  // section counts "k of n", a fold of further findings opens when it holds matches and hides
  // when it holds none, and a section left empty hides.
  var severity = document.getElementById("finding-severity");
  var words = document.getElementById("finding-filter");
  var clearFindingFilter = function () {};
  if (severity && words) {
    var cards = Array.prototype.slice.call(document.querySelectorAll("article.finding"));
    var sections = Array.prototype.slice.call(document.querySelectorAll("section.mode"));
    var findingCount = document.getElementById("finding-count");
    var texts = cards.map(function (c) {  // the card's words, not its charts' (drawn lazily, or not yet)
      return Array.prototype.map.call(c.querySelectorAll("header, .msg, .rec, .evidence"), function (e) {
        return e.textContent;
      }).join(" ").toLowerCase();
    });
    var folds = Array.prototype.slice.call(document.querySelectorAll("details.more"));
    folds.forEach(function (d) { d.setAttribute("data-label", d.querySelector(":scope > summary").textContent); });
    var applyFindings = function () {
      var least = parseInt(severity.value, 10) || 0;
      var q = words.value.trim().toLowerCase();
      var active = least > 0 || q !== "";
      var shown = 0;
      cards.forEach(function (c, i) {
        var ok = parseInt(c.getAttribute("data-rank"), 10) >= least && (!q || texts[i].indexOf(q) !== -1);
        c.hidden = !ok;
        if (ok) { shown += 1; }
      });
      folds.forEach(function (d) {
        var inside = d.querySelectorAll("article.finding:not([hidden])").length;
        var summary = d.querySelector(":scope > summary");
        if (!active) {
          d.hidden = false;
          summary.textContent = d.getAttribute("data-label");
          return;
        }
        d.hidden = inside === 0;
        summary.textContent = inside + " more matching";
        if (inside > 0) { d.open = true; }
      });
      sections.forEach(function (s) {
        var all = s.querySelectorAll("article.finding").length;
        var visible = s.querySelectorAll("article.finding:not([hidden])").length;
        s.hidden = visible === 0;
        var n = s.querySelector("h2 .n");
        if (n) { n.textContent = active ? visible + " of " + all : String(all); }
      });
      findingCount.textContent = shown + " of " + cards.length + " findings";
    };
    clearFindingFilter = function () {
      severity.value = "0";
      words.value = "";
      applyFindings();
    };
    severity.addEventListener("change", applyFindings);
    words.addEventListener("input", applyFindings);
    applyFindings();
  }

  // The per-column table: sort by a header, filter by text or by "has findings".
  var table = document.querySelector("table.columns");
  if (!table) { return; }
  var body = table.tBodies[0];
  var rows = Array.prototype.slice.call(body.rows);
  var heads = Array.prototype.slice.call(table.tHead.rows[0].cells);
  heads.forEach(function (th, col) {
    var kind = th.getAttribute("data-sort");
    if (!kind) { return; }
    function sortBy() {
      var asc = th.getAttribute("aria-sort") !== "ascending";
      heads.forEach(function (h) { if (h.hasAttribute("data-sort")) { h.setAttribute("aria-sort", "none"); } });
      th.setAttribute("aria-sort", asc ? "ascending" : "descending");
      var keyed = rows.map(function (r, i) {
        var c = r.cells[col];
        var v = kind === "number" ? parseFloat(c.getAttribute("data-v")) : c.textContent.toLowerCase();
        return { r: r, v: v, i: i };
      });
      keyed.sort(function (a, b) {
        var an = kind === "number" ? isNaN(a.v) : a.v === "";
        var bn = kind === "number" ? isNaN(b.v) : b.v === "";
        if (an || bn) { return an === bn ? a.i - b.i : (an ? 1 : -1); }  // blanks last, either way
        var d = kind === "number" ? a.v - b.v : a.v.localeCompare(b.v);
        return (asc ? d : -d) || a.i - b.i;
      });
      keyed.forEach(function (k) { body.appendChild(k.r); });
    }
    th.addEventListener("click", sortBy);
    th.addEventListener("keydown", function (ev) {
      if (ev.key === "Enter" || ev.key === " ") { ev.preventDefault(); sortBy(); }
    });
  });
  var filter = document.getElementById("column-filter");
  var flagged = document.getElementById("column-flagged");
  var count = document.getElementById("column-count");
  function apply() {
    var q = filter.value.trim().toLowerCase();
    var shown = 0;
    rows.forEach(function (r) {
      var text = (r.cells[0].textContent + " " + r.cells[2].textContent + " " + r.cells[3].textContent).toLowerCase();
      var ok = (!q || text.indexOf(q) !== -1) && (!flagged.checked || r.getAttribute("data-flag") === "1");
      r.hidden = !ok;
      if (ok) { shown += 1; }
    });
    count.textContent = shown + " of " + rows.length + " columns";
  }
  filter.addEventListener("input", apply);
  flagged.addEventListener("change", apply);
  apply();
})();
