(function () {
  "use strict";
  // Compiled graphs, generated code, guard trees and metrics are packed in gzip chunks
  // (base64 in <script type="application/x-dynotrace-gzip" id="kN">): a chunk is unpacked
  // (DecompressionStream) the first time a section that needs it is opened.
  var chunks = {};

  function unpack(k) {
    if (!chunks[k]) {
      var el = document.getElementById("k" + k);
      var bin = atob(el.textContent.trim());
      var bytes = new Uint8Array(bin.length);
      for (var i = 0; i < bin.length; i++) bytes[i] = bin.charCodeAt(i);
      var stream = new Blob([bytes]).stream().pipeThrough(new DecompressionStream("gzip"));
      chunks[k] = new Response(stream).text().then(JSON.parse);
    }
    return chunks[k];
  }

  function lineCount(text) {
    var n = 1;
    for (var i = 0; i < text.length; i++) if (text.charCodeAt(i) === 10) n++;
    return n;
  }

  function fill(d) {
    if (d.dataset.filled) return;
    d.dataset.filled = "1";
    var body = d.querySelector(".artbody");
    body.textContent = "Unpacking\u2026";
    unpack(d.dataset.k).then(function (data) {
      var items = data[d.dataset.a] || [];
      body.textContent = "";
      items.forEach(function (item, n) {
        var det = document.createElement("details");
        det.className = "item";
        det.open = n === 0 || d.dataset.open === "all";
        var summary = document.createElement("summary");
        summary.textContent = item[0] + " (" + lineCount(item[1]) + " lines)";
        var pre = document.createElement("pre");
        pre.textContent = item[1];
        det.appendChild(summary);
        det.appendChild(pre);
        body.appendChild(det);
      });
      if (!items.length) body.textContent = "Nothing of this was logged.";
      d.dataset.ready = "1";
    }).catch(function (err) {
      body.textContent = "Could not unpack this section: " + err;
    });
  }

  // "toggle" does not bubble; a capturing listener sees every <details>.
  document.addEventListener("toggle", function (ev) {
    var d = ev.target;
    if (d.open && d.classList && d.classList.contains("lazy")) fill(d);
  }, true);

  // #0/2 (or #r1/0/2 in a job's page) opens that compile, its graphs included.
  function go() {
    var id = decodeURIComponent(location.hash.slice(1));
    if (!id) return;
    var el = document.getElementById(id);
    if (!el) return;
    for (var p = el; p; p = p.parentElement) if (p.tagName === "DETAILS") p.open = true;
    var lazy = el.classList.contains("compile") ? el.querySelector("details.lazy") : null;
    if (lazy) { lazy.open = true; fill(lazy); }
    document.querySelectorAll(".target").forEach(function (t) { t.classList.remove("target"); });
    el.classList.add("target");
    el.scrollIntoView();
  }
  window.addEventListener("hashchange", go);

  var box = document.getElementById("search");
  if (box) {
    box.hidden = false;
    var hide = "hidden-by-search";
    box.addEventListener("input", function () {
      var q = box.value.trim().toLowerCase();
      document.querySelectorAll("details.fn").forEach(function (fn) {
        var head = fn.querySelector("summary").textContent.toLowerCase();
        var headHit = !q || head.indexOf(q) >= 0;
        var any = headHit;
        fn.querySelectorAll(".compile").forEach(function (c) {
          var hit = headHit || c.textContent.toLowerCase().indexOf(q) >= 0;
          c.classList.toggle(hide, !hit);
          any = any || hit;
        });
        fn.classList.toggle(hide, !any);
        if (q && any) fn.open = true;
      });
      document.querySelectorAll("[data-s]").forEach(function (el) {
        el.classList.toggle(hide, !!q && el.textContent.toLowerCase().indexOf(q) < 0);
      });
    });
    // page.html?q=dtype opens the page searched: a search can be shared as a link.
    var asked = new URLSearchParams(location.search).get("q");
    if (asked) {
      box.value = asked;
      box.dispatchEvent(new Event("input"));
    }
  }

  document.documentElement.setAttribute("data-js", "ready");
  go();
  window.addEventListener("load", function () {
    document.documentElement.setAttribute("data-load-ms", String(Math.round(performance.now())));
  });
})();
