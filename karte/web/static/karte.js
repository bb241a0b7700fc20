// Karte web UI: small progressive enhancements only; every page works without JavaScript.
"use strict";
document.addEventListener("DOMContentLoaded", () => {
  // Ask before rejecting a proposal or disabling a user.
  document.querySelectorAll("button.reject, button[value=disable], button[value=key-revoke]").forEach((button) => {
    button.addEventListener("click", (event) => {
      if (!window.confirm("この操作を行いますか？")) event.preventDefault();
    });
  });
  // Hovering a proposal outlines its evidence in the text.
  document.querySelectorAll(".proposal").forEach((card) => {
    const cls = Array.from(card.classList).find((c) => c.startsWith("ev-"));
    if (!cls) return;
    const marks = document.querySelectorAll("mark." + cls);
    card.addEventListener("mouseenter", () => marks.forEach((m) => m.classList.add("focus")));
    card.addEventListener("mouseleave", () => marks.forEach((m) => m.classList.remove("focus")));
  });
});
