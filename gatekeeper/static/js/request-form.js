/* The request form (templates/requests/form.html), made quicker to use. The form works without it;
   only the live pre-check needs it.
   - as the officer types, a debounced dry run (POST /api/v1/precheck) shows the outcome, the findings
     with their citations and the communities and households the scope reaches; a 422 answer lists
     the fields still to fill in or correct;
   - the catalogue entry picker searches the entries of the kind chosen and fills in the code;
   - only the picker of the scope type chosen is shown; communities can be found by name;
   - the role of the community is asked only for duties.
   The body sent is built like the server builds it from the form (core.web.form_input and
   requests.page_form.RequestForm): dotted names nest, checkboxes are booleans, amounts in 元 → fen. */
(function () {
  "use strict";

  var form = document.getElementById("request-form");
  if (!form || !window.gatekeeper) {
    return;
  }
  var gk = window.gatekeeper;
  var words = JSON.parse(form.getAttribute("data-words") || "{}");
  var gate = form.getAttribute("data-gate");

  var BOOLEANS = [
    "demands.dedicated_premises",
    "demands.dedicated_staff",
    "demands.separate_ranking",
    "demands.veto",
    "demands.responsibility_letter",
  ];
  var INTEGERS = ["workload_hours", "demands.reports_per_year", "demands.premises_area_m2"];
  var MONEY = ["funding.amount_fen"];
  var SCOPE_LISTS = { streets: "scope.street_codes", communities: "scope.community_codes" };
  var TONES = {
    admissible: "good",
    refer: "attention",
    blocked: "bad",
    block: "bad",
    warn: "attention",
    info: "wait",
    permitted: "good",
    banned: "bad",
  };

  // --- small helpers ---------------------------------------------------------------------------

  function fmt(text, values) {
    return String(text || "").replace(/%\((\w+)\)s/g, function (whole, key) {
      return Object.prototype.hasOwnProperty.call(values, key) ? String(values[key]) : whole;
    });
  }

  function el(tag, className, text) {
    var node = document.createElement(tag);
    if (className) {
      node.className = className;
    }
    if (text !== undefined && text !== null) {
      node.textContent = text;
    }
    return node;
  }

  function badge(value, text) {
    return el("span", "badge badge--" + (TONES[value] || "neutral"), text);
  }

  function checked(name) {
    var input = form.querySelector('input[name="' + name + '"]:checked');
    return input ? input.value : "";
  }

  function grouped(number) {
    return Number(number || 0).toLocaleString();
  }

  function set(body, dotted, value) {
    var keys = dotted.split(".");
    var target = body;
    for (var i = 0; i < keys.length - 1; i++) {
      if (typeof target[keys[i]] !== "object" || target[keys[i]] === null) {
        target[keys[i]] = {};
      }
      target = target[keys[i]];
    }
    target[keys[keys.length - 1]] = value;
  }

  /* "9,500,000" / "8418.5" / "12 元" → integer fen, without floating point; anything else unchanged
     (the server then says what is wrong with it). */
  function fen(text) {
    var cleaned = text.replace(/[,，\s元¥]/g, "");
    var match = /^(\d+)(?:\.(\d{0,2}))?$/.exec(cleaned);
    if (!match) {
      return text;
    }
    var cents = ((match[2] || "") + "00").slice(0, 2);
    return parseInt(match[1], 10) * 100 + parseInt(cents, 10);
  }

  function requestBody() {
    var body = {};
    var data = new FormData(form);
    var skip = ["csrf_token", SCOPE_LISTS.streets, SCOPE_LISTS.communities].concat(BOOLEANS);
    data.forEach(function (raw, name) {
      if (skip.indexOf(name) >= 0 || typeof raw !== "string") {
        return;
      }
      var value = raw.trim();
      if (value === "") {
        return;
      }
      if (MONEY.indexOf(name) >= 0) {
        set(body, name, fen(value));
      } else if (INTEGERS.indexOf(name) >= 0 && /^-?\d+$/.test(value)) {
        set(body, name, parseInt(value, 10));
      } else {
        set(body, name, value);
      }
    });
    BOOLEANS.forEach(function (name) {
      var box = form.elements.namedItem(name);
      set(body, name, Boolean(box && box.checked));
    });
    var type = checked("scope.type");
    var list = SCOPE_LISTS[type];
    set(body, "scope.codes", list ? data.getAll(list) : []);
    body.gate = gate;
    return body;
  }

  // --- the live pre-check ------------------------------------------------------------------------

  var panel = document.getElementById("precheck");
  var outcome = document.getElementById("precheck-outcome");
  var reach = document.getElementById("precheck-reach");
  var problems = document.getElementById("precheck-problems");
  var findings = document.getElementById("precheck-findings");
  var scopeCount = document.getElementById("scope-count");
  var peek = document.getElementById("precheck-peek");
  var sequence = 0;
  var inFlight = null;

  function findingsList(items) {
    if (!items.length) {
      return el("p", "findings-none", words.none);
    }
    var list = el("ol", "findings");
    items.forEach(function (finding) {
      var item = el("li", "finding finding--" + finding.severity);
      var head = el("p", "finding-head");
      head.appendChild(badge(finding.severity, words.severities[finding.severity] || finding.severity));
      head.appendChild(document.createTextNode(" "));
      head.appendChild(el("code", "finding-code", finding.code));
      item.appendChild(head);
      item.appendChild(el("p", "finding-message", finding.message));
      if (finding.citation) {
        var citation = el("p", "finding-citation");
        citation.appendChild(el("span", "finding-citation-label", words.cites));
        citation.appendChild(document.createTextNode(" " + finding.citation));
        item.appendChild(citation);
      }
      list.appendChild(item);
    });
    return list;
  }

  function fieldName(name) {
    if (words.fields && words.fields[name]) {
      return words.fields[name];
    }
    var id = "f-" + name.replace(/[._]/g, "-");
    var label = form.querySelector('label[for="' + id + '"]');
    if (label) {
      return label.textContent.replace("*", "").trim();
    }
    var input = form.querySelector('[name="' + name + '"]');
    var legend = input && input.closest("fieldset") && input.closest("fieldset").querySelector("legend");
    return legend ? legend.textContent.replace("*", "").trim() : name;
  }

  /* The bar at the foot of a phone's screen: the outcome, the findings' count, a way to them. */
  function showPeek(node, count) {
    if (!peek) {
      return;
    }
    peek.textContent = "";
    peek.appendChild(node);
    if (count !== null) {
      peek.appendChild(el("span", null, fmt(words.findings_count, { num: count })));
    }
    peek.appendChild(el("span", "peek-more", words.see_findings));
    peek.hidden = false;
  }

  function showResult(answer) {
    outcome.textContent = "";
    outcome.appendChild(badge(answer.outcome, words.outcomes[answer.outcome] || answer.outcome));
    var text = fmt(words.reach, {
      communities: grouped(answer.communities),
      households: grouped(answer.households),
    });
    reach.textContent = text;
    if (scopeCount) {
      scopeCount.textContent = text;
    }
    problems.hidden = true;
    problems.textContent = "";
    findings.textContent = "";
    findings.appendChild(findingsList(answer.findings || []));
    showPeek(badge(answer.outcome, words.outcomes[answer.outcome] || answer.outcome), (answer.findings || []).length);
  }

  function showProblems(error) {
    var fields = (error && error.fields) || {};
    var names = Object.keys(fields);
    outcome.textContent = "";
    problems.textContent = "";
    if (!names.length) {
      problems.appendChild(el("p", null, (error && error.message) || words.failed));
    } else {
      problems.appendChild(el("p", null, words.incomplete));
      var list = el("ul");
      names.forEach(function (name) {
        var label = name === "_schema" ? "" : fieldName(name) + ": ";
        list.appendChild(el("li", null, label + fields[name].join(" ")));
      });
      problems.appendChild(list);
    }
    problems.hidden = false;
    findings.textContent = ""; // the findings of an earlier answer no longer hold
    showPeek(el("span", "meta", words.incomplete_short), null);
  }

  function showMessage(text) {
    outcome.textContent = "";
    outcome.appendChild(el("span", "meta", text));
  }

  function runCheck() {
    var mine = ++sequence;
    if (inFlight) {
      inFlight.abort();
    }
    inFlight = window.AbortController ? new AbortController() : null;
    panel.classList.add("precheck--busy"); // the last outcome stays, dimmed, until the new one
    if (!outcome.textContent.trim()) {
      outcome.appendChild(el("span", "meta", words.checking));
    }
    gk.api(form.getAttribute("data-precheck"), requestBody(), inFlight ? { signal: inFlight.signal } : undefined)
      .then(function (answer) {
        if (mine !== sequence) {
          return;
        }
        panel.classList.remove("precheck--busy");
        if (answer.status === 200) {
          showResult(answer.body);
        } else if (answer.status === 422) {
          showProblems(answer.body.error);
        } else if (answer.status === 403) {
          showMessage(words.forbidden);
        } else {
          showMessage(words.failed);
        }
      })
      .catch(function (error) {
        if (error && error.name === "AbortError") {
          return;
        }
        if (mine === sequence) {
          panel.classList.remove("precheck--busy");
          showMessage(words.failed);
        }
      });
  }

  var checkSoon = gk.debounce(runCheck, 450);

  function changed(event) {
    // The pickers' own search boxes have no name: they change nothing the gate would check.
    if (event.target && event.target.name) {
      checkSoon();
    }
  }

  form.addEventListener("input", changed);
  form.addEventListener("change", changed);

  // --- the role, asked only for duties ------------------------------------------------------------

  var roleField = form.querySelector(".role-field");
  var noRole = form.querySelector('input[name="role"][value=""]');

  function showRole() {
    if (!roleField) {
      return;
    }
    var duty = checked("kind") === "duty";
    roleField.hidden = !duty;
    if (noRole) {
      noRole.closest("label").hidden = duty;
      if (!duty) {
        noRole.checked = true;
      }
    }
  }

  // --- the scope pickers --------------------------------------------------------------------------

  var pickers = form.querySelectorAll("[data-scope]");
  var tools = form.querySelector(".community-tools");
  var filter = document.getElementById("community-filter");
  var picked = document.getElementById("community-picked");

  function showScope() {
    var type = checked("scope.type");
    pickers.forEach(function (picker) {
      picker.hidden = picker.getAttribute("data-scope") !== type;
    });
  }

  function countPicked() {
    if (picked) {
      var count = form.querySelectorAll('input[name="scope.community_codes"]:checked').length;
      picked.textContent = fmt(words.picked, { num: count });
    }
  }

  if (tools && filter) {
    tools.hidden = false;
    filter.addEventListener("input", function () {
      var query = filter.value.trim();
      form.querySelectorAll(".community-group").forEach(function (group) {
        var any = false;
        group.querySelectorAll(".choice").forEach(function (choice) {
          var show = !query || (choice.getAttribute("data-name") || "").indexOf(query) >= 0;
          choice.hidden = !show;
          any = any || show;
        });
        group.hidden = !any;
      });
    });
  }

  form.addEventListener("change", function (event) {
    var name = event.target && event.target.name;
    if (name === "kind") {
      showRole();
    } else if (name === "scope.type") {
      showScope();
    } else if (name === "scope.community_codes") {
      countPicked();
    }
  });

  // --- the catalogue entry picker ------------------------------------------------------------------

  var code = form.elements.namedItem("catalogue_entry");
  var searchBox = document.getElementById("entry-search-box");
  var search = document.getElementById("entry-search");
  var results = document.getElementById("entry-results");
  var status = document.getElementById("entry-status");
  var card = document.getElementById("entry-card");
  var entriesPath = form.getAttribute("data-entries");

  function entries(params) {
    var query = new URLSearchParams({ gate: gate, per_page: "10" });
    Object.keys(params).forEach(function (key) {
      if (params[key]) {
        query.set(key, params[key]);
      }
    });
    return gk.api(entriesPath + "?" + query.toString());
  }

  function showCard(entry) {
    card.textContent = "";
    card.className = "entry-card" + (entry.standing === "banned" ? " entry-card--banned" : "");
    var title = el("p", "entry-card-title");
    title.appendChild(el("code", null, entry.code));
    title.appendChild(document.createTextNode(" " + entry.title + " "));
    title.appendChild(badge(entry.standing, words.standings[entry.standing] || entry.standing));
    card.appendChild(title);
    var basis = el("p");
    basis.appendChild(el("span", "meta", words.legal_basis + ": "));
    basis.appendChild(document.createTextNode(entry.legal_basis || "—"));
    card.appendChild(basis);
    var standard = entry.funding_standard || {};
    var money = el("p");
    money.appendChild(el("span", "meta", words.funding_standard + ": "));
    var said = words.bases[standard.basis] || standard.basis || "—";
    if (standard.amount_fen) {
      said += ": " + fmt(words.yuan, { amount: standard.amount_yuan });
    }
    money.appendChild(document.createTextNode(said));
    card.appendChild(money);
    card.hidden = false;
  }

  function clearResults() {
    results.textContent = "";
    status.textContent = "";
  }

  function choose(entry) {
    code.value = entry.code;
    showCard(entry);
    clearResults();
    search.value = "";
    code.dispatchEvent(new Event("input", { bubbles: true }));
    code.focus();
  }

  function searchEntries() {
    var query = search.value.trim();
    if (!query) {
      clearResults();
      return;
    }
    status.textContent = words.searching;
    entries({ q: query, kind: checked("kind") }).then(function (answer) {
      if (search.value.trim() !== query) {
        return;
      }
      results.textContent = "";
      var items = (answer.status === 200 && answer.body.items) || [];
      status.textContent = items.length ? "" : words.no_entries;
      items.forEach(function (entry) {
        var item = el("li");
        var button = el("button", "entry-result");
        button.type = "button";
        button.appendChild(el("code", null, entry.code));
        button.appendChild(document.createTextNode(entry.title + " "));
        button.appendChild(badge(entry.standing, words.standings[entry.standing] || entry.standing));
        button.addEventListener("click", function () {
          choose(entry);
        });
        item.appendChild(button);
        results.appendChild(item);
      });
    });
  }

  function lookUpCode() {
    var typed = code.value.trim();
    if (!typed) {
      card.hidden = true;
      card.textContent = "";
      return;
    }
    entries({ q: typed }).then(function (answer) {
      if (code.value.trim() !== typed) {
        return;
      }
      var items = (answer.status === 200 && answer.body.items) || [];
      var found = items.filter(function (entry) {
        return entry.code.toLowerCase() === typed.toLowerCase();
      })[0];
      if (found) {
        showCard(found);
      } else {
        card.textContent = "";
        card.className = "entry-card entry-card--banned";
        card.appendChild(el("p", null, fmt(words.not_found, { code: typed })));
        card.hidden = false;
      }
    });
  }

  function moveFocus(step) {
    var buttons = Array.prototype.slice.call(results.querySelectorAll("button"));
    var at = buttons.indexOf(document.activeElement);
    var next = at + step;
    if (next < 0) {
      search.focus();
    } else if (next < buttons.length) {
      buttons[next].focus();
    }
  }

  if (code && searchBox && search) {
    searchBox.hidden = false;
    search.addEventListener("input", gk.debounce(searchEntries, 250));
    search.addEventListener("keydown", function (event) {
      if (event.key === "ArrowDown") {
        event.preventDefault();
        moveFocus(1);
      } else if (event.key === "Enter") {
        event.preventDefault(); // searching, not saving the form
        searchEntries();
      } else if (event.key === "Escape") {
        clearResults();
      }
    });
    results.addEventListener("keydown", function (event) {
      if (event.key === "ArrowDown" || event.key === "ArrowUp") {
        event.preventDefault();
        moveFocus(event.key === "ArrowDown" ? 1 : -1);
      } else if (event.key === "Escape") {
        clearResults();
        search.focus();
      }
    });
    code.addEventListener("input", gk.debounce(lookUpCode, 400));
  }

  // --- first state ---------------------------------------------------------------------------------

  showRole();
  showScope();
  countPicked();
  var title = form.elements.namedItem("title");
  if (title && title.value.trim()) {
    runCheck(); // an edit, or a form sent back: the findings as it stands now
  }
})();
