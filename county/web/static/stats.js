// The statistics page's charts: drawn with the vendored ECharts from the JSON block the page carries (no inline
// script). The tables beside them hold the figures; a chart is only a picture of its table.
(function () {
  function draw() {
    var source = document.getElementById("stats-data");
    if (!source || !window.echarts) { return; }
    var data = JSON.parse(source.textContent);
    var charts = [];
    document.querySelectorAll("[data-chart]").forEach(function (box) {
      var table = data[box.getAttribute("data-chart")];
      if (!table) { return; }
      var line = box.getAttribute("data-kind") === "line";
      var chart = window.echarts.init(box, null, { renderer: "canvas" });
      chart.setOption({
        animation: false,
        color: ["#0b5cad", "#c77700", "#1d6b2f", "#7a3e9d", "#5c4033", "#b0306a"],
        textStyle: { fontFamily: getComputedStyle(document.body).fontFamily },
        tooltip: { trigger: "axis" },
        legend: { top: 4, type: "scroll" },
        grid: { left: 8, right: 8, top: 40, bottom: 8, containLabel: true },
        xAxis: { type: "category", data: table.labels, axisLabel: { hideOverlap: true, width: 120, overflow: "truncate" } },
        yAxis: { type: "value", minInterval: 1 },
        series: table.series.map(function (s) {
          return { name: s.name, type: line ? "line" : "bar", data: s.data };
        })
      });
      box.setAttribute("data-drawn", "true");
      charts.push(chart);
    });
    window.addEventListener("resize", function () { charts.forEach(function (c) { c.resize(); }); });
  }
  if (document.readyState === "loading") { document.addEventListener("DOMContentLoaded", draw); } else { draw(); }
})();
