// Bar chart of the coverage table: villages and households covered, per area, in percent.
(function () {
  "use strict";
  const box = document.getElementById("coverage-chart");
  const source = document.getElementById("coverage-chart-data");
  if (!box || !source || !window.echarts) return;
  const data = JSON.parse(source.textContent);
  const chart = window.echarts.init(box);
  chart.setOption({
    animation: false,
    tooltip: { trigger: "axis", valueFormatter: (value) => value + "%" },
    legend: { top: 0 },
    grid: { left: 48, right: 16, top: 36, bottom: data.names.length > 8 ? 96 : 48 },
    xAxis: {
      type: "category",
      data: data.names,
      axisLabel: { interval: 0, rotate: data.names.length > 8 ? 40 : 0 },
    },
    yAxis: { type: "value", min: 0, max: 100, axisLabel: { formatter: "{value}%" } },
    series: [
      { name: data.labels.villages, type: "bar", data: data.villages },
      { name: data.labels.households, type: "bar", data: data.households },
    ],
  });
  box.dataset.ready = "true";
  window.addEventListener("resize", () => chart.resize());
})();
