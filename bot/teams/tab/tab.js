// seatwarden's personal tab in Teams. Teams gives the page a token for the
// person (single sign-on); every request carries it, and the server
// answers with the HTML to show. Clicks and forms do what the same
// buttons do in the bot's messages.
"use strict";
(function () {
  const main = document.getElementById("sw-main");

  function page() {
    const root = document.getElementById("sw-content");
    return root ? Number(root.dataset.page) || 1 : 1;
  }

  function fail(text) {
    const p = document.createElement("p");
    p.className = "error";
    p.setAttribute("role", "alert");
    p.textContent = text;
    main.prepend(p);
  }

  async function call(path, body) {
    let token;
    try {
      token = await microsoftTeams.authentication.getAuthToken();
    } catch (e) {
      fail("Teams could not sign you in to seatwarden (" + e + "). Ask your admin to grant the app consent.");
      return;
    }
    const resp = await fetch(path, {
      method: body ? "POST" : "GET",
      headers: Object.assign({ Authorization: "Bearer " + token }, body ? { "Content-Type": "application/json" } : {}),
      body: body ? JSON.stringify(body) : undefined,
    });
    if (!resp.ok) {
      fail((await resp.text()) || "seatwarden answered " + resp.status + ". Try again in a minute.");
      return;
    }
    main.innerHTML = await resp.text();
  }

  function ask(button) {
    const d = button.dataset;
    const box = document.createElement("div");
    box.className = "confirm";
    const title = document.createElement("b");
    title.textContent = d.confirmTitle;
    const text = document.createElement("p");
    text.textContent = d.confirmText;
    const yes = document.createElement("button");
    yes.className = "danger";
    yes.textContent = d.confirmYes || "Yes";
    const no = document.createElement("button");
    no.textContent = d.confirmNo || "Cancel";
    box.append(title, text, yes, no);
    no.addEventListener("click", () => box.remove());
    yes.addEventListener("click", () => { box.remove(); click(button); });
    button.parentElement.after(box);
  }

  function click(button) {
    button.disabled = true;
    call("/teams/home/click", { id: button.dataset.action, value: button.dataset.value, page: page() });
  }

  document.addEventListener("click", (e) => {
    const button = e.target.closest("button[data-action]");
    if (button) {
      e.preventDefault();
      if (button.dataset.confirmTitle) ask(button); else click(button);
      return;
    }
    const cancel = e.target.closest("button[data-cancel]");
    if (cancel) {
      const form = cancel.closest("form");
      call("/teams/home/form", { form: form.dataset.form, record: form.dataset.record, cancelled: true, page: page() });
    }
  });

  document.addEventListener("submit", (e) => {
    const form = e.target.closest("form[data-form]");
    if (!form) return;
    e.preventDefault();
    const values = {};
    for (const [k, v] of new FormData(form)) values[k] = String(v);
    call("/teams/home/form", { form: form.dataset.form, record: form.dataset.record, values: values, page: page() });
  });

  microsoftTeams.app.initialize().then(() => call("/teams/home/view?page=1"), (e) => {
    main.textContent = "";
    fail("This page is seatwarden's tab in Microsoft Teams; open it there. (" + e + ")");
  });
})();
