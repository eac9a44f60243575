// Task form: mark invalid fields before sending (the server checks again and is the authority).
"use strict";
document.getElementById("task-form")?.addEventListener("submit", (e) => {
  const form = e.currentTarget;
  form.querySelectorAll(".field-error.client").forEach((n) => n.remove());
  let first = null;
  form.querySelectorAll("input, select, textarea").forEach((input) => {
    if (input.type === "hidden" || input.checkValidity()) { input.removeAttribute("aria-invalid"); return; }
    input.setAttribute("aria-invalid", "true");
    const note = document.createElement("div");
    note.className = "field-error client";
    note.setAttribute("role", "alert");
    note.textContent = input.validationMessage;
    input.closest(".field")?.classList.add("has-error");
    input.insertAdjacentElement("afterend", note);
    first = first || input;
  });
  if (first) { e.preventDefault(); first.focus(); }
});
