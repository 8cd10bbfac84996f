// Bar charts of the dashboard, each drawn from the JSON its box names (data-chart): per area,
// villages and households covered in percent; for a village, its households by responsible
// cadre; pooled funds by source; projects by status, stacked; villages by rating; and, as
// lines, satisfaction across survey rounds.
(function () {
  "use strict";
  if (!window.echarts) return;
  document.querySelectorAll(".chart[data-chart]").forEach((box) => {
    const source = document.getElementById(box.dataset.chart);
    if (!source) return;
    const data = JSON.parse(source.textContent);
    const chart = window.echarts.init(box);
    // Slanted labels when there are many bars, or too little room for each (a phone).
    const crowded = data.names.length > 8 || box.clientWidth / data.names.length < 90;
    chart.setOption({
      animation: false,
      tooltip: {
        trigger: "axis",
        valueFormatter: (value) => (value === null || value === undefined ? "—" : value + (data.percent ? "%" : "")),
      },
      // On a phone a legend of three or four long names would wrap into the bars: it scrolls.
      legend: { top: 0, type: box.clientWidth < 600 ? "scroll" : "plain" },
      grid: { left: 56, right: 16, top: 36, bottom: crowded ? 96 : 48 },
      xAxis: {
        type: "category",
        data: data.names,
        axisLabel: { interval: 0, rotate: crowded ? 40 : 0 },
      },
      yAxis: data.percent
        ? { type: "value", min: 0, max: 100, axisLabel: { formatter: "{value}%" } }
        : { type: "value", min: 0, minInterval: data.money ? 0 : 1 },
      series: data.series.map((series) => ({
        name: series.name,
        type: data.line ? "line" : "bar",
        connectNulls: false,
        stack: series.stack,
        data: series.data,
      })),
    });
    box.dataset.ready = "true";
    window.addEventListener("resize", () => chart.resize());
  });
})();
