// The dashboard's charts (Apache ECharts, served from our own static files). The figures come from the page as JSON;
// clicking a bar, a slice or a funnel step opens the contract list with exactly the contracts it counts.
(function () {
  "use strict";
  var dataNode = document.getElementById("dashboard-data");
  if (!dataNode || !window.echarts) { return; }
  var data = JSON.parse(dataNode.textContent);
  var labels = JSON.parse(document.getElementById("dashboard-labels").textContent);
  var charts = [];

  var language = document.documentElement.lang || undefined;
  var compactFormat = new Intl.NumberFormat(language, { notation: "compact", maximumFractionDigits: 1 });
  var fullFormat = new Intl.NumberFormat(language, { maximumFractionDigits: 2 });
  function compact(value) { return compactFormat.format(Number(value || 0)); }  // axes: 1.2亿, 3500万, 1.2M
  function money(value) { return fullFormat.format(Number(value || 0)); }  // tooltips: every digit

  function make(id, option) {
    var node = document.getElementById(id);
    if (!node) { return; }
    var chart = window.echarts.init(node, null, { renderer: "canvas" });
    chart.setOption(Object.assign({ animation: false, tooltip: { trigger: "item", confine: true } }, option));
    chart.on("click", function (event) {
      var url = event.data && event.data.url;
      if (url) { window.location.href = url; }
    });
    charts.push(chart);
  }

  function bars(id, rows, valueOf, horizontal) {
    var names = rows.map(function (r) { return r.label; });
    var values = rows.map(function (r) { return { value: valueOf(r), url: r.url || null }; });
    var category = { type: "category", data: names,
                     axisLabel: horizontal ? { interval: 0, width: 110, overflow: "truncate" }
                                           : { interval: 0, rotate: 30, width: 90, overflow: "truncate" } };
    var value = { type: "value", axisLabel: { formatter: compact } };
    make(id, {
      tooltip: { trigger: "item", confine: true, valueFormatter: money },
      grid: { left: horizontal ? 120 : 50, right: 30, top: 20, bottom: 20, containLabel: !horizontal },
      xAxis: horizontal ? value : category,
      yAxis: horizontal ? Object.assign({ inverse: true }, category) : value,
      series: [{ type: "bar", data: values, cursor: "pointer" }],
    });
  }

  var months = data.signed_by_month.map(function (m) { return String(m.month); });
  make("chart-months", {
    tooltip: { trigger: "axis", valueFormatter: money },
    legend: { top: 0 },
    grid: { left: 10, right: 20, top: 35, bottom: 10, containLabel: true },
    xAxis: { type: "category", data: months },
    yAxis: { type: "value", axisLabel: { formatter: compact } },
    series: [
      { name: labels.last_year, type: "bar", data: data.signed_by_month.map(function (m) { return { value: Number(m.last_year.amount), url: m.last_year.url }; }) },
      { name: labels.this_year, type: "bar", data: data.signed_by_month.map(function (m) { return { value: Number(m.this_year.amount), url: m.this_year.url }; }) },
    ],
  });

  make("chart-status", {
    series: [{
      type: "funnel", sort: "none", left: 10, right: 10, top: 10, bottom: 10, minSize: "25%",
      label: { position: "inside", formatter: "{b} {c}", color: "#fff", textBorderColor: "rgba(0,0,0,.45)", textBorderWidth: 2 },
      data: data.status.filter(function (r) { return r.funnel; }).map(function (r) {
        return { name: r.label, value: r.count, url: r.url };
      }),
    }],
  });

  make("chart-types", {
    tooltip: { trigger: "item", confine: true, valueFormatter: money },
    legend: { type: "scroll", bottom: 0 },
    series: [{
      type: "pie", radius: ["35%", "65%"], center: ["50%", "45%"], label: { show: false },
      data: data.signed_by_type.map(function (r) { return { name: r.label, value: Number(r.amount), url: r.url }; }),
    }],
  });

  bars("chart-ending", data.ending, function (r) { return r.count; }, false);
  bars("chart-aging", data.aging, function (r) { return Number(r.amount); }, false);
  bars("chart-departments", data.signed_by_department.slice(0, 12), function (r) { return Number(r.amount); }, true);
  bars("chart-owners", data.signed_by_owner.slice(0, 12), function (r) { return Number(r.amount); }, true);
  bars("chart-approvals", data.approval_cycle.map(function (r) { return { label: r.node, hours: r.avg_business_hours, url: r.url }; }),
       function (r) { return Number(r.hours); }, true);

  window.addEventListener("resize", function () { charts.forEach(function (c) { c.resize(); }); });
})();
