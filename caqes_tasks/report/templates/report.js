// The campaign report's one script: every figure is already in the page, this only chooses
// what is shown. Without it (print, PDF) the summary and every EJ page follow one another.
(function () {
  "use strict";
  var body = document.body;
  var pages = Array.prototype.slice.call(document.querySelectorAll("section.ej"));
  var summary = document.getElementById("vue-synthese");
  body.classList.add("pagine");

  // one page at a time: #ej-<FINESS> shows that EJ's page, any other address the summary
  function show() {
    var id = decodeURIComponent(window.location.hash.slice(1));
    var target = id ? document.getElementById(id) : null;
    var page = target && target.classList.contains("ej") ? target : null;
    pages.forEach(function (p) { p.classList.toggle("courante", p === page); });
    body.classList.toggle("vue-ej", page !== null);
    if (page) {
      window.scrollTo(0, 0);
      document.title = page.querySelector("h2").firstChild.textContent.trim() + " – " + baseTitle;
    } else if (target && summary.contains(target)) {
      target.scrollIntoView();
    }
  }
  var baseTitle = document.title;
  function showAndTitle() { document.title = baseTitle; show(); }
  window.addEventListener("hashchange", showAndTitle);

  // the list of EJs: name or FINESS number, département, category, at risk
  function plain(text) {
    return (text || "").normalize("NFD").replace(/[\u0300-\u036f]/g, "").toLowerCase().replace(/\s+/g, " ").trim();
  }
  var rows = Array.prototype.slice.call(document.querySelectorAll("#liste-ej tr.ligne-ej"));
  rows.forEach(function (tr) {
    tr.searchText = plain(tr.getAttribute("data-nom") + " " + tr.getAttribute("data-finess"));
    tr.departements = (tr.getAttribute("data-departements") || "").split(" ");
    tr.categories = (tr.getAttribute("data-categories") || "").split("|");
  });
  var nom = document.getElementById("filtre-nom");
  var departement = document.getElementById("filtre-departement");
  var categorie = document.getElementById("filtre-categorie");
  var risque = document.getElementById("filtre-risque");
  var compte = document.getElementById("filtre-compte");
  function filter() {
    var words = plain(nom.value).split(" ").filter(Boolean);
    var shown = 0;
    rows.forEach(function (tr) {
      var ok = words.every(function (w) { return tr.searchText.indexOf(w) >= 0; }) &&
        (!departement.value || tr.departements.indexOf(departement.value) >= 0) &&
        (!categorie.value || tr.categories.indexOf(categorie.value) >= 0) &&
        (!risque.checked || tr.getAttribute("data-risque") === "1");
      tr.hidden = !ok;
      if (ok) { shown += 1; }
    });
    compte.textContent = String(shown);
  }
  [nom, departement, categorie, risque].forEach(function (el) {
    el.addEventListener("input", filter);
    el.addEventListener("change", filter);
  });
  filter();
  showAndTitle();
})();
