// Draws the dashboards' charts with the vendored Chart.js. No inline script (CSP): each
// <canvas data-chart="ID"> reads its data from the <script type="application/json" id="ID">
// that Django's json_script wrote; the numbers are also in the table under the chart.
(function () {
  "use strict";
  if (typeof window.Chart === "undefined") { return; }
  var COLORS = ["#c8102e", "#1f5fa8", "#2f7d32", "#b26a00", "#5b2a86", "#6b7785"];
  var GOLD = "#b8860b";

  function color(i) { return COLORS[i % COLORS.length]; }

  function base(extra) {
    var options = {
      responsive: true,
      maintainAspectRatio: false,
      animation: false,
      plugins: { legend: { position: "bottom" } },
      scales: { y: { beginAtZero: true } }
    };
    return Object.assign(options, extra || {});
  }

  function bar(spec) {
    var datasets = spec.datasets.map(function (d, i) {
      var set = { label: d.label, data: d.data, backgroundColor: color(i), borderColor: color(i) };
      if (d.kind === "line") { set.type = "line"; set.yAxisID = "y"; set.backgroundColor = GOLD; set.borderColor = GOLD; }
      if (d.axis === "money") { set.yAxisID = "money"; }
      return set;
    });
    var scales = { y: { beginAtZero: true, ticks: { precision: 0 } } };
    if (spec.datasets.some(function (d) { return d.axis === "money"; })) {
      scales.money = { beginAtZero: true, position: "right", grid: { drawOnChartArea: false } };
    }
    if (spec.line) {
      datasets.push({
        type: "line", label: spec.line.label, data: spec.labels.map(function () { return spec.line.value; }),
        borderColor: GOLD, borderDash: [6, 4], pointRadius: 0, fill: false
      });
    }
    return { type: "bar", data: { labels: spec.labels, datasets: datasets }, options: base({ scales: scales }) };
  }

  function line(spec) {
    return {
      type: "line",
      data: {
        labels: spec.labels,
        datasets: spec.datasets.map(function (d, i) {
          return { label: d.label, data: d.data, borderColor: i ? color(i) : GOLD, backgroundColor: i ? color(i) : GOLD, tension: 0.2 };
        })
      },
      options: base({ scales: { y: { beginAtZero: true, ticks: { precision: 0 } } } })
    };
  }

  function pareto(spec) {
    var datasets = [{
      label: spec.datasets[0].label, data: spec.datasets[0].data, borderColor: color(0),
      backgroundColor: color(0), pointRadius: 0, borderWidth: 2, showLine: true, fill: false
    }];
    spec.marks.forEach(function (mark, i) {
      datasets.push({
        label: mark.label, data: [{ x: 0, y: mark.value }, { x: 100, y: mark.value }],
        borderColor: color(i + 1), borderDash: [6, 4], pointRadius: 0, borderWidth: 1, showLine: true, fill: false
      });
    });
    return {
      type: "scatter",
      data: { datasets: datasets },
      options: base({
        scales: {
          x: { type: "linear", min: 0, max: 100, title: { display: true, text: spec.x } },
          y: { min: 0, max: 100, title: { display: true, text: spec.y } }
        }
      })
    };
  }

  var BUILDERS = { bar: bar, line: line, pareto: pareto };

  document.querySelectorAll("canvas[data-chart]").forEach(function (canvas) {
    var source = document.getElementById(canvas.getAttribute("data-chart"));
    if (!source) { return; }
    var spec = JSON.parse(source.textContent);
    var build = BUILDERS[spec.type];
    if (!build) { return; }
    canvas.chart = new window.Chart(canvas, build(spec));
    canvas.setAttribute("data-drawn", "true");
  });
})();
