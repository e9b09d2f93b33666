// amplify report: draw the embedded plotly figures and make tables sortable.
// No external code beyond plotly.min.js, which sits beside this file.
(function () {
  "use strict";

  function drawFigures() {
    var divs = document.querySelectorAll("div[data-figure]");
    for (var i = 0; i < divs.length; i++) {
      var div = divs[i];
      var source = document.getElementById(div.getAttribute("data-figure"));
      if (!source || typeof Plotly === "undefined") { continue; }
      var figure = JSON.parse(source.textContent);
      Plotly.newPlot(div, figure.data, figure.layout, {
        responsive: true,
        displaylogo: false
      });
    }
  }

  // Members table (amplify.report.tables.member_rows): {channels: [[label, id, username]],
  // rows: [[channel, date, views, subscribers, kind, depth, text, message_id, is_root,
  // same_as_root]]}. Every value goes in as textContent, never as HTML; links are built
  // from a valid public username or the numeric channel id only (as post_link does).
  var SAME_AS_ROOT = "(same text as the root)";
  var USERNAME = /^[A-Za-z][A-Za-z0-9_]{3,31}$/;

  function postLink(username, channelId, messageId) {
    var where = (typeof username === "string" && USERNAME.test(username))
      ? username : "c/" + Math.abs(Math.trunc(Number(channelId)));
    return "https://t.me/" + where + "/" + Math.trunc(Number(messageId));
  }

  function cell(tr, text, sortValue) {
    var td = document.createElement("td");
    td.textContent = text;
    if (sortValue !== undefined) { td.setAttribute("data-sort", sortValue === null ? "" : String(sortValue)); }
    tr.appendChild(td);
    return td;
  }

  function count(n) { return n === null ? "\u2013" : n.toLocaleString("en-US"); }

  function memberRow(channels, r) {
    var channel = channels[r[0]];
    var tr = document.createElement("tr");
    if (r[8]) { tr.className = "is-root"; }
    var name = document.createElement("bdi");
    name.textContent = channel[0];
    cell(tr, "").appendChild(name);
    cell(tr, String(channel[1]), channel[1]);
    cell(tr, r[1]);
    cell(tr, count(r[2]), r[2]);
    cell(tr, count(r[3]), r[3]);
    cell(tr, r[4]);
    cell(tr, r[5] === null ? "" : String(r[5]), r[5]);
    var text = cell(tr, r[9] ? SAME_AS_ROOT : r[6]);
    text.dir = "auto";
    if (r[9]) { text.className = "same"; }
    var a = document.createElement("a");
    a.href = postLink(channel[2], channel[1], r[7]);
    a.rel = "noopener noreferrer";
    a.target = "_blank";
    a.textContent = String(r[7]);
    cell(tr, "", r[7]).appendChild(a);
    return tr;
  }

  function fillTables() {
    var tables = document.querySelectorAll("table[data-rows]");
    Array.prototype.forEach.call(tables, function (table) {
      var source = document.getElementById(table.getAttribute("data-rows"));
      if (!source) { return; }
      var data = JSON.parse(source.textContent);
      var fragment = document.createDocumentFragment();
      data.rows.forEach(function (r) { fragment.appendChild(memberRow(data.channels, r)); });
      table.tBodies[0].appendChild(fragment);
    });
  }

  function value(row, index, numeric) {
    var cell = row.cells[index];
    if (!cell) { return numeric ? NaN : ""; }
    var raw = cell.hasAttribute("data-sort") ? cell.getAttribute("data-sort") : cell.textContent;
    // "1,234", "7.5×", "–" (unknown): keep digits, sign and point; unknown sorts last.
    return numeric ? parseFloat(raw.replace(/[^0-9.eE+-]/g, "")) : raw.trim().toLowerCase();
  }

  function sortTable(table, index, header) {
    var numeric = header.getAttribute("data-type") === "number";
    var ascending = header.getAttribute("aria-sort") !== "ascending";
    var body = table.tBodies[0];
    var rows = Array.prototype.slice.call(body.rows);
    var keyed = rows.map(function (row, position) {
      return { row: row, key: value(row, index, numeric), position: position };
    });
    keyed.sort(function (a, b) {
      var x = a.key, y = b.key, order = 0;
      if (numeric) {
        var xn = isNaN(x), yn = isNaN(y);
        if (xn || yn) { return xn === yn ? a.position - b.position : (xn ? 1 : -1); }
        order = x - y;
      } else {
        order = x < y ? -1 : (x > y ? 1 : 0);
      }
      if (!ascending) { order = -order; }
      return order || a.position - b.position;
    });
    var headers = table.tHead.rows[0].cells;
    for (var i = 0; i < headers.length; i++) { headers[i].removeAttribute("aria-sort"); }
    header.setAttribute("aria-sort", ascending ? "ascending" : "descending");
    var fragment = document.createDocumentFragment();
    keyed.forEach(function (item) { fragment.appendChild(item.row); });
    body.appendChild(fragment);
  }

  function makeSortable() {
    var tables = document.querySelectorAll("table.sortable");
    Array.prototype.forEach.call(tables, function (table) {
      var headers = table.tHead.rows[0].cells;
      Array.prototype.forEach.call(headers, function (header, index) {
        var button = document.createElement("button");
        button.type = "button";
        while (header.firstChild) { button.appendChild(header.firstChild); }
        header.appendChild(button);
        button.addEventListener("click", function () { sortTable(table, index, header); });
      });
    });
  }

  document.addEventListener("DOMContentLoaded", function () {
    // Figures first: plotly measures the page while drawing, which is cheap before the
    // members table (up to thousands of rows) is in it.
    drawFigures();
    fillTables();
    makeSortable();
  });
})();
