// The signer's page: a drawing pad that writes a PNG data URL into its hidden input, and the choice of how to sign
// showing only the matching panel. Loaded as a file: the CSP allows no inline script.
(() => {
  const MAX_WIDTH = 2000; // the server refuses larger drawings
  const MAX_HEIGHT = 1000;

  function setUpPad(canvas) {
    const input = document.getElementById(canvas.dataset.signaturePad);
    const context = canvas.getContext("2d");
    let drawing = false;
    let ink = false;

    function resize() {
      // Keep the bitmap sharp on high-density screens, within the server's size limit.
      const rect = canvas.getBoundingClientRect();
      if (!rect.width || !rect.height) return;
      const ratio = Math.min(window.devicePixelRatio || 1, MAX_WIDTH / rect.width, MAX_HEIGHT / rect.height);
      const width = Math.floor(rect.width * ratio);
      const height = Math.floor(rect.height * ratio);
      if (canvas.width === width && canvas.height === height) return;
      canvas.width = width;
      canvas.height = height;
      context.setTransform(ratio, 0, 0, ratio, 0, 0);
      context.lineWidth = 2.5;
      context.lineCap = "round";
      context.lineJoin = "round";
      context.strokeStyle = "#1b2a6b";
      clear(); // resizing wipes the bitmap: start again rather than keep a drawing that is not shown
    }

    function clear() {
      context.clearRect(0, 0, canvas.width, canvas.height);
      ink = false;
      input.value = "";
      canvas.classList.remove("has-ink");
    }

    function point(event) {
      const rect = canvas.getBoundingClientRect();
      return [event.clientX - rect.left, event.clientY - rect.top];
    }

    canvas.addEventListener("pointerdown", (event) => {
      if (event.button !== 0 && event.pointerType === "mouse") return;
      event.preventDefault();
      canvas.setPointerCapture(event.pointerId);
      drawing = true;
      const [x, y] = point(event);
      context.beginPath();
      context.moveTo(x, y);
      context.lineTo(x + 0.01, y + 0.01); // a tap leaves a dot
      context.stroke();
    });
    canvas.addEventListener("pointermove", (event) => {
      if (!drawing) return;
      event.preventDefault();
      const events = event.getCoalescedEvents ? event.getCoalescedEvents() : [event];
      for (const each of events.length ? events : [event]) {
        const [x, y] = point(each);
        context.lineTo(x, y);
      }
      context.stroke();
      ink = true;
    });
    function finish(event) {
      if (!drawing) return;
      drawing = false;
      if (canvas.hasPointerCapture(event.pointerId)) canvas.releasePointerCapture(event.pointerId);
      if (ink) {
        input.value = canvas.toDataURL("image/png");
        canvas.classList.add("has-ink");
      }
    }
    canvas.addEventListener("pointerup", finish);
    canvas.addEventListener("pointercancel", finish);

    document.querySelectorAll(`[data-signature-clear="${canvas.dataset.signaturePad}"]`).forEach((button) => {
      button.addEventListener("click", clear);
    });
    let width = window.innerWidth;
    window.addEventListener("resize", () => {
      // Phones fire resize when the address bar hides; only a real width change redraws the pad.
      if (window.innerWidth !== width) {
        width = window.innerWidth;
        resize();
      }
    });
    resize();
    return resize;
  }

  function setUpMethods(form, resizers) {
    const radios = form.querySelectorAll("input[name=method]");
    function show() {
      const chosen = form.querySelector("input[name=method]:checked");
      form.querySelectorAll("[data-method-panel]").forEach((panel) => {
        panel.hidden = !chosen || panel.dataset.methodPanel !== chosen.value;
      });
      resizers.forEach((resize) => resize()); // a pad shown for the first time gets its size now
    }
    radios.forEach((radio) => radio.addEventListener("change", show));
    show();
    form.addEventListener("submit", () => {
      // Signing takes a few seconds: a second click must not post the form again.
      form.querySelectorAll("button[type=submit]").forEach((button) => {
        setTimeout(() => { button.disabled = true; }, 0);
      });
    });
  }

  document.addEventListener("DOMContentLoaded", () => {
    const resizers = Array.from(document.querySelectorAll("canvas[data-signature-pad]"), setUpPad);
    document.querySelectorAll("form[data-signing-form]").forEach((form) => setUpMethods(form, resizers));
  });
})();
