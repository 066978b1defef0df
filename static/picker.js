// Long multi-selects (templates/macros.html, `picker`): a filter box over the checkboxes,
// "Choose shown" and "Clear shown" for what the filter left, and the chosen count kept
// current. Without JavaScript the checkboxes work as they are.
(function () {
  var LONG = 10;
  document.querySelectorAll("fieldset[data-picker]").forEach(function (set) {
    var list = set.querySelector(".picker-list");
    var count = set.querySelector(".picker-count");
    if (!list) return;
    var labels = Array.prototype.slice.call(list.querySelectorAll("label"));
    var boxes = labels.map(function (l) { return l.querySelector("input"); });
    function recount() {
      var n = boxes.filter(function (b) { return b.checked; }).length;
      count.textContent = "(" + n + " of " + boxes.length + " chosen)";
    }
    set.addEventListener("change", recount);
    if (labels.length <= LONG) return;

    var name = set.dataset.picker;
    // "Industries (vertical)" filters "industries".
    var legend = set.querySelector("legend").firstChild.textContent.replace(/\(.*\)/, "").trim();
    var tools = document.createElement("div");
    tools.className = "picker-tools";
    var label = document.createElement("label");
    label.htmlFor = name + "-filter";
    label.textContent = "Filter " + legend.toLowerCase();
    var input = document.createElement("input");
    input.type = "search";
    input.id = name + "-filter";
    input.autocomplete = "off";
    input.setAttribute("aria-controls", list.id);
    var shown = document.createElement("span");
    shown.className = "hint";
    shown.setAttribute("aria-live", "polite");
    var choose = button("Choose shown", true);
    var clear = button("Clear shown", false);
    var row = document.createElement("div");
    row.className = "picker-row";
    row.append(choose, clear, shown);
    tools.append(label, input, row);
    list.before(tools);

    function button(text, value) {
      var b = document.createElement("button");
      b.type = "button";
      b.className = "secondary";
      b.textContent = text;
      b.addEventListener("click", function () {
        labels.forEach(function (l, i) { if (!l.hidden) boxes[i].checked = value; });
        recount();
      });
      return b;
    }
    function filter() {
      var q = input.value.trim().toLowerCase();
      var n = 0;
      labels.forEach(function (l) {
        l.hidden = q !== "" && l.textContent.toLowerCase().indexOf(q) < 0;
        if (!l.hidden) n += 1;
      });
      shown.textContent = q === "" ? "" : n + " of " + labels.length + " shown";
    }
    input.addEventListener("input", filter);
    // Enter in the filter must not submit the territory form.
    input.addEventListener("keydown", function (e) { if (e.key === "Enter") e.preventDefault(); });
  });
})();
