// The report page's and the dashboard's charts: Chart.js (static/vendor/chartjs)
// draws the figures each <canvas data-chart-data="ID"> names: a json_script
// element {kind, stacked, labels, series: [{label, values}]} (values are
// decimal texts). No inline script: the Content-Security-Policy allows none.
(function () {
  "use strict";
  // The same colours as the PDF's chart (reports/svg.py).
  const PALETTE = [
    "#2346c8", "#e07b00", "#1f9d55", "#c53030", "#6b46c1",
    "#2c7a7b", "#b7791f", "#d53f8c", "#4a5568", "#3182ce",
  ];

  function draw(canvas) {
    if (canvas.dataset.chartDrawn) {
      return;
    }
    const source = document.getElementById(canvas.dataset.chartData);
    if (!source || typeof window.Chart === "undefined") {
      return;
    }
    canvas.dataset.chartDrawn = "1";
    const chart = JSON.parse(source.textContent);
    const lines = chart.kind === "line";
    new window.Chart(canvas, {
      type: lines ? "line" : "bar",
      data: {
        labels: chart.labels,
        datasets: chart.series.map(function (series, index) {
          const colour = PALETTE[index % PALETTE.length];
          return {
            label: series.label,
            data: series.values.map(Number),
            backgroundColor: colour,
            borderColor: colour,
            fill: lines && chart.stacked,
          };
        }),
      },
      options: {
        animation: false,
        locale: document.documentElement.lang || undefined,
        aspectRatio: 3,
        scales: {
          x: { stacked: chart.stacked },
          y: { stacked: chart.stacked, beginAtZero: true },
        },
      },
    });
  }

  function drawAll() {
    document.querySelectorAll("canvas[data-chart-data]").forEach(draw);
  }

  if (document.readyState === "loading") {
    document.addEventListener("DOMContentLoaded", drawAll);
  } else {
    drawAll();
  }
})();
