/* 挂图作战: draws the three wall maps and the timeline from the dashboard's data (fetched from
 * the URL in #dashboard-source: out of the page, revalidated by ETag, gzipped).
 * No inline scripts (CSP script-src 'self'); the county polygons come from our own static file. */
(function () {
  "use strict";
  var data = null;
  var dataUrl = document.getElementById("dashboard-source").dataset.url;
  var geoUrl = document.getElementById("geo-source").dataset.url;
  var charts = {};
  var LIGHT = { green: "绿灯", yellow: "黄灯", red: "红灯" };
  var HTML_ESCAPES = { "&": "&amp;", "<": "&lt;", ">": "&gt;", "\"": "&quot;", "'": "&#39;" };

  // Tooltips are HTML: every value from the data (names typed by users) is escaped before it
  // joins the markup, so a project called "<img src=x onerror=…>" shows as text.
  function esc(value) {
    return String(value === null || value === undefined ? "" : value).replace(/[&<>"']/g, function (c) {
      return HTML_ESCAPES[c];
    });
  }

  function geoBase() {
    return {
      map: "linfen", roam: true,
      // The county fills its box (the default leaves a fifth of it empty, wasted on a wall chart).
      layoutCenter: ["50%", "52%"], layoutSize: "96%",
      label: { show: true, color: "#555", fontSize: 11 },
      itemStyle: { areaColor: "#f4f1e8", borderColor: "#8a8a8a" },
      emphasis: { label: { show: true }, itemStyle: { areaColor: "#e6dfc8" } }
    };
  }

  function init(id) {
    var el = document.getElementById(id);
    var chart = echarts.init(el, null, { renderer: "canvas" });
    charts[id] = chart;
    return chart;
  }

  // Markers closer than CELL degrees would sit on each other (尧都区 and 侯马市 hold many
  // projects in a few streets): each such group is laid out on a small sunflower spiral around
  // its first marker, in the order of the project numbers, so the same data always gives the
  // same picture. Grid cells keep it linear at 10,000 markers.
  var CELL = 0.06;
  var GOLDEN_ANGLE = Math.PI * (3 - Math.sqrt(5));
  function spread(points) {
    var anchors = {};
    var groups = [];
    points.slice().sort(function (a, b) { return a.number - b.number; }).forEach(function (m) {
      var cx = Math.floor(m.lon / CELL), cy = Math.floor(m.lat / CELL);
      var found = null;
      for (var dx = -1; dx <= 1 && !found; dx++) {
        for (var dy = -1; dy <= 1 && !found; dy++) {
          (anchors[(cx + dx) + ":" + (cy + dy)] || []).forEach(function (g) {
            if (!found && Math.abs(g.lon - m.lon) < CELL && Math.abs(g.lat - m.lat) < CELL) { found = g; }
          });
        }
      }
      if (!found) {
        found = { lon: m.lon, lat: m.lat, members: [] };
        var key = cx + ":" + cy;
        (anchors[key] = anchors[key] || []).push(found);
        groups.push(found);
      }
      found.members.push(m);
    });
    groups.forEach(function (g) {
      g.members.forEach(function (m, i) {
        var r = CELL * 0.75 * Math.sqrt(i);
        m.plotLon = g.lon + r * Math.cos(i * GOLDEN_ANGLE) / Math.cos(g.lat * Math.PI / 180);
        m.plotLat = g.lat + r * Math.sin(i * GOLDEN_ANGLE);
      });
    });
    return points;
  }

  function progressMap() {
    var chart = init("map-progress");
    var columns = data.marker_columns;
    var points = data.markers.map(function (row) {
      var m = {};
      columns.forEach(function (name, i) { m[name] = row[i]; });
      var style = data.state_styles[m.state];
      m.state_label = style.label; m.colour = style.colour; m.symbol = style.symbol;
      m.url = "/projects/" + m.id + "/";
      return m;
    }).filter(function (m) { return m.lon !== null && m.lat !== null; });
    spread(points);
    chart.setOption({
      tooltip: {
        trigger: "item",
        formatter: function (p) {
          if (p.seriesType !== "scatter") { return esc(p.name); }
          var m = p.data.project;
          return esc(m.number) + "号 " + esc(m.name) + "<br>" + esc(m.code) + " · " + esc(m.unit) + " · " +
            esc(m.domain) + "<br>阶段：" + esc(m.state_label) + "　形象进度：" + esc(m.progress) + "%" +
            (m.start_light ? "<br>开工灯：" + esc(LIGHT[m.start_light]) : "") +
            (m.progress_light ? "　进度灯：" + esc(LIGHT[m.progress_light]) : "");
        }
      },
      geo: geoBase(),
      series: [{
        name: "项目", type: "scatter", coordinateSystem: "geo", symbolSize: 16,
        label: { show: true, formatter: function (p) { return String(p.data.project.number); },
                 color: "#fff", fontSize: 9, fontWeight: "bold" },
        labelLayout: { hideOverlap: true },
        data: points.map(function (m) {
          return { name: m.name, value: [m.plotLon, m.plotLat], symbol: m.symbol, project: m,
                   itemStyle: { color: m.colour, borderColor: "#fff", borderWidth: 1 } };
        })
      }]
    });
    chart.on("click", function (p) {
      if (p.seriesType === "scatter" && p.data && p.data.project) { window.location.href = p.data.project.url; }
    });
    var el = document.getElementById("map-progress");
    var colours = {};
    chart.getOption().series[0].data.forEach(function (d) {
      colours[d.itemStyle.color] = (colours[d.itemStyle.color] || 0) + 1;
    });
    el.dataset.markerCount = String(chart.getOption().series[0].data.length);
    el.dataset.markerColours = JSON.stringify(colours);
  }

  function distributionMap() {
    var chart = init("map-distribution");
    var polygons = data.units.filter(function (u) { return u.kind !== "zone"; });
    var zones = data.units.filter(function (u) { return u.kind === "zone" && u.lon !== null; });
    function unitText(u) {
      return esc(u.name) + "<br>任务 " + esc(u.projects) + " 个　投资 " + esc(u.investment) + " 万元<br>开工率 " +
        esc(u.started_rate) + "%　完工率 " + esc(u.completed_rate) + "%";
    }
    chart.setOption({
      tooltip: { trigger: "item", formatter: function (p) { return p.data && p.data.unit ? unitText(p.data.unit) : esc(p.name); } },
      visualMap: { min: 0, max: 100, left: 0, bottom: 0, itemWidth: 10, itemHeight: 80, textStyle: { fontSize: 10 },
                   text: ["完工率 100%", "0%"], calculable: false,
                   inRange: { color: ["#fde2c8", "#f5a15b", "#2e9e44"] }, seriesIndex: 0 },
      geo: geoBase(),
      series: [
        { name: "完工率", type: "map", geoIndex: 0,
          data: polygons.map(function (u) { return { name: u.name, value: Number(u.completed_rate), unit: u }; }) },
        { name: "开发区", type: "scatter", coordinateSystem: "geo", symbol: "pin", symbolSize: 34,
          itemStyle: { color: "#b5651d" },
          label: { show: true, position: "right", formatter: function (p) { return p.data.unit.name + " " + p.data.unit.projects + "项"; } },
          labelLayout: { hideOverlap: true },
          data: zones.map(function (u) { return { name: u.name, value: [u.lon, u.lat], unit: u }; }) },
        { name: "标注", type: "scatter", coordinateSystem: "geo", symbolSize: 0, silent: true,
          label: { show: true, color: "#222", fontSize: 10, formatter: function (p) { return p.data.text; } },
          labelLayout: { hideOverlap: true },
          data: polygons.filter(function (u) { return u.lon !== null && u.projects; }).map(function (u) {
            return { name: u.name, value: [u.lon, u.lat - 0.06], text: u.projects + "项 " + u.completed_rate + "%" };
          }) }
      ]
    });
    document.getElementById("map-distribution").dataset.zoneMarkers = String(zones.length);
  }

  function sectionsMap() {
    var chart = init("map-sections");
    function colour(s) { return s.water_class === null ? "#9e9e9e" : (s.meets_target ? "#2e9e44" : "#d7263d"); }
    chart.setOption({
      tooltip: {
        trigger: "item",
        formatter: function (p) {
          if (!p.data || !p.data.section) { return esc(p.name); }
          var s = p.data.section;
          return esc(s.name) + "（" + esc(s.level) + "，" + esc(s.river) + "）<br>" + esc(s.reading_month) + " 水质：" +
            esc(s.water_label) + "　目标：" + esc(s.target_label) + "<br>关联项目：" +
            (s.projects.length ? esc(s.projects.join("、")) + "号" : "无");
        }
      },
      geo: geoBase(),
      series: [{
        name: "断面", type: "scatter", coordinateSystem: "geo", symbol: "rect", symbolSize: 14,
        label: { show: true, position: "right", fontSize: 10, formatter: function (p) { return p.data.section.name; } },
        labelLayout: { hideOverlap: true },
        data: data.sections.map(function (s) {
          return { name: s.name, value: [s.lon, s.lat], section: s, itemStyle: { color: colour(s), borderColor: "#fff" } };
        })
      }]
    });
    document.getElementById("map-sections").dataset.sectionCount = String(data.sections.length);
  }

  function timelineChart() {
    var chart = init("chart-timeline");
    var t = data.timeline;
    var months = t.months.slice();
    t.targets.forEach(function (target) { if (months.indexOf(target.month) < 0 && target.month > (months[months.length - 1] || "")) {
      var last = months.length ? months[months.length - 1] : "2023-06";
      var y = Number(last.slice(0, 4)), m = Number(last.slice(5, 7));
      while ((y + "-" + String(m).padStart(2, "0")) < target.month) {
        m += 1; if (m > 12) { m = 1; y += 1; }
        months.push(y + "-" + String(m).padStart(2, "0"));
      }
    } });
    function targetPoints(key) {
      return t.targets.map(function (target) { return [target.month, target[key]]; });
    }
    chart.setOption({
      tooltip: { trigger: "axis" },
      legend: { top: 0 },
      grid: { left: 40, right: 20, top: 40, bottom: 40 },
      xAxis: { type: "category", data: months },
      yAxis: { type: "value", name: "项目数", minInterval: 1 },
      series: [
        { name: "已开工", type: "line", data: t.started, itemStyle: { color: "#2e9e44" } },
        { name: "已完工", type: "line", data: t.completed, itemStyle: { color: "#1f5fbf" } },
        { name: "已达效", type: "line", data: t.effective, itemStyle: { color: "#7b2cbf" } },
        { name: "开工目标", type: "scatter", symbol: "triangle", symbolSize: 14, data: targetPoints("started"), itemStyle: { color: "#2e9e44" } },
        { name: "完工目标", type: "scatter", symbol: "diamond", symbolSize: 14, data: targetPoints("completed"), itemStyle: { color: "#1f5fbf" } }
      ]
    });
  }

  function download(id, name) {
    var chart = charts[id];
    if (!chart) { return; }
    var link = document.createElement("a");
    link.href = chart.getDataURL({ type: "png", pixelRatio: 4, backgroundColor: "#ffffff" });
    link.download = name + "（截至" + data.as_of + "）.png";
    document.body.appendChild(link);
    link.click();
    link.remove();
  }

  document.querySelectorAll(".download-button").forEach(function (button) {
    button.addEventListener("click", function () { download(button.dataset.chart, button.dataset.name); });
  });
  // Printing: the one-sheet layout (tracker/wallchart.css) is switched on first, so the maps
  // are redrawn at the sheet's size before the browser lays out the page.
  function resizeAll() { Object.keys(charts).forEach(function (k) { charts[k].resize(); }); }
  function sheetOn(paper) {
    var root = document.documentElement;
    root.classList.add("printing");
    root.classList.toggle("paper-a4", paper === "a4");
    resizeAll();
  }
  function sheetOff() {
    document.documentElement.classList.remove("printing", "paper-a4");
    resizeAll();
  }
  window.wallchartSheet = { on: sheetOn, off: sheetOff };
  document.querySelectorAll(".print-button").forEach(function (button) {
    button.addEventListener("click", function () { sheetOn(button.dataset.paper || "a3"); window.print(); });
  });
  window.addEventListener("beforeprint", function () {
    if (!document.documentElement.classList.contains("printing")) { sheetOn("a3"); }
  });
  window.addEventListener("afterprint", sheetOff);
  var asOf = document.getElementById("as-of");
  if (asOf) { asOf.addEventListener("change", function () { document.getElementById("dashboard-filters").submit(); }); }
  window.addEventListener("resize", function () { Object.keys(charts).forEach(function (k) { charts[k].resize(); }); });

  function json(url) {
    return fetch(url, { credentials: "same-origin" }).then(function (r) {
      if (!r.ok) { throw new Error("HTTP " + r.status); }
      return r.json();
    });
  }

  var geojsonLoaded = json(geoUrl);  // both requests at once
  json(dataUrl).then(function (loaded) {
    data = loaded;
    timelineChart();
    return geojsonLoaded;
  }).then(function (geojson) {
    echarts.registerMap("linfen", geojson);
    progressMap();
    distributionMap();
    sectionsMap();
    document.body.dataset.mapsReady = "true";
  }).catch(function (error) {
    document.querySelectorAll(".chart").forEach(function (el) { el.textContent = "地图数据加载失败：" + error; });
  });
}());
