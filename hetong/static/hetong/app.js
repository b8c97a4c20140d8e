// Hetong's own behaviour. Loaded as a file: the CSP allows no inline script.
document.addEventListener("click", (event) => {
  // <button data-confirm="Are you sure?"> asks before submitting its form.
  const button = event.target.closest("[data-confirm]");
  if (button && !window.confirm(button.dataset.confirm)) {
    event.preventDefault();
  }
});
document.addEventListener("htmx:configRequest", (event) => {
  const token = document.querySelector("input[name=csrfmiddlewaretoken]");
  if (token) event.detail.headers["X-CSRFToken"] = token.value;
});
