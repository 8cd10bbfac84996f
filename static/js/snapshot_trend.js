// The dashboard's trend lines, drawn from the JSON its box names (data-trend): an area's
// coverage and participation rates on the left axis, households visited in 30 days and open
// and overdue needs on the right, one point a day from the nightly snapshots.
(function () {
  "use strict";
  if (!window.echarts) return;
  document.querySelectorAll(".chart[data-trend]").forEach((box) => {
    const source = document.getElementById(box.dataset.trend);
    if (!source) return;
    const data = JSON.parse(source.textContent);
    const chart = window.echarts.init(box);
    const narrow = box.clientWidth < 600;
    const shown = (value) => (value === null || value === undefined ? "—" : value);
    chart.setOption({
      animation: false,
      tooltip: {
        trigger: "axis",
        formatter: (points) => {
          const lines = points.map((point) => {
            const unit = data.series[point.seriesIndex].axis === 0 && point.value != null ? "%" : "";
            return point.marker + point.seriesName + ": " + shown(point.value) + unit;
          });
          return [points.length ? points[0].axisValue : ""].concat(lines).join("<br>");
        },
      },
      // On a phone the legend of seven names scrolls rather than wrapping into the lines.
      legend: { top: 0, type: narrow ? "scroll" : "plain" },
      grid: { left: 48, right: 48, top: 64, bottom: 40 },
      xAxis: {
        type: "category",
        data: data.days,
        axisLabel: { formatter: (day) => day.slice(5) },
      },
      yAxis: [
        { type: "value", name: data.axes[0], min: 0, max: 100, axisLabel: { formatter: "{value}%" } },
        { type: "value", name: data.axes[1], min: 0, minInterval: 1, splitLine: { show: false } },
      ],
      series: data.series.map((series) => ({
        name: series.name,
        type: "line",
        yAxisIndex: series.axis,
        // A figure recorded only on a few days (the coverages before the nightly job has run
        // for long: the back-fill cannot tell them) shows its points, not an invisible line.
        showSymbol: data.days.length < 20 || series.data.filter((value) => value != null).length < 20,
        connectNulls: false,
        data: series.data,
      })),
    });
    box.dataset.ready = "true";
    window.addEventListener("resize", () => chart.resize());
  });
})();
