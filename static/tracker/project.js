/* Project page: weekly progress history and monthly plan against actual (data from json_script). */
(function () {
  "use strict";
  var data = JSON.parse(document.getElementById("project-chart").textContent);
  var weekly = echarts.init(document.getElementById("chart-weekly"));
  weekly.setOption({
    tooltip: { trigger: "axis" }, legend: { top: 0 }, grid: { left: 50, right: 50, top: 40, bottom: 40 },
    xAxis: { type: "category", data: data.weeks },
    yAxis: [{ type: "value", name: "形象进度(%)", min: 0, max: 100 }, { type: "value", name: "投资(万元)" }],
    series: [
      { name: "形象进度", type: "line", data: data.progress, itemStyle: { color: "#2e9e44" } },
      { name: "累计完成投资", type: "bar", yAxisIndex: 1, data: data.investment, itemStyle: { color: "#9db7d9" } }
    ]
  });
  var monthly = echarts.init(document.getElementById("chart-monthly"));
  monthly.setOption({
    tooltip: { trigger: "axis" }, legend: { top: 0 }, grid: { left: 50, right: 20, top: 40, bottom: 40 },
    xAxis: { type: "category", data: data.months },
    yAxis: { type: "value", name: "形象进度(%)", min: 0, max: 100 },
    series: [
      { name: "计划", type: "line", data: data.planned, itemStyle: { color: "#e0a800" }, lineStyle: { type: "dashed" } },
      { name: "实际", type: "line", data: data.actual, itemStyle: { color: "#2e9e44" } }
    ]
  });
  window.addEventListener("resize", function () { weekly.resize(); monthly.resize(); });
}());
