// Live availability and territory check on the registration form. Without JavaScript the
// "Check availability" button does the same on the server.
(function () {
  var form = document.querySelector("form[data-availability]");
  if (!form) return;
  var out = document.getElementById("availability");
  var timer = null;
  function check() {
    var params = new URLSearchParams({
      company_name: form.company_name.value,
      website: form.website.value,
      contact_email: form.contact_email.value,
      country: form.country.value,
      industry: form.industry.value
    });
    fetch(form.dataset.availability + "?" + params.toString(), { credentials: "same-origin" })
      .then(function (r) { return r.ok ? r.text() : ""; })
      .then(function (html) { out.innerHTML = html; })
      .catch(function () {});
  }
  function later() {
    clearTimeout(timer);
    timer = setTimeout(check, 400);
  }
  ["company_name", "website", "contact_email"].forEach(function (name) {
    form[name].addEventListener("input", later);
  });
  // The territories decide by country and industry: a new choice is checked at once.
  ["country", "industry"].forEach(function (name) {
    form[name].addEventListener("change", check);
  });
})();
