// Export buttons. A PDF takes a few seconds to make, so its link becomes a button
// that fetches the file, says "Preparing the report…" meanwhile (aria-busy,
// disabled) and then saves it under the name the server gave it. Without
// JavaScript the plain link downloads the same file.

function filenameFrom(response, fallback) {
  const header = response.headers.get("Content-Disposition") || "";
  const encoded = header.match(/filename\*\s*=\s*UTF-8''([^;]+)/i);
  if (encoded) {
    try { return decodeURIComponent(encoded[1].trim()); } catch { /* fall through */ }
  }
  const plain = header.match(/filename\s*=\s*"([^"]+)"|filename\s*=\s*([^;\s]+)/i);
  return plain ? (plain[1] || plain[2]) : fallback;
}

function save(blob, filename) {
  const url = URL.createObjectURL(blob);
  const link = document.createElement("a");
  link.href = url;
  link.download = filename;
  link.hidden = true;
  document.body.append(link);
  link.click();
  link.remove();
  // Some browsers read the blob after click() returns: free it a little later.
  setTimeout(() => URL.revokeObjectURL(url), 60_000);
}

async function errorMessage(response, fallback) {
  if ((response.headers.get("Content-Type") || "").includes("application/json")) {
    const body = await response.json().catch(() => null);
    if (body && body.message) return body.message;
  }
  return fallback;
}

function enhance(link) {
  const href = link.href;
  const label = link.textContent;
  const { busyLabel, doneLabel, errorLabel } = link.dataset;
  const status = link.closest("[data-downloads]")?.querySelector("[data-download-status]");
  const button = document.createElement("button");
  button.type = "button";
  button.className = link.className;
  button.textContent = label;
  link.replaceWith(button);

  const say = (text) => { if (status) status.textContent = text || ""; };

  button.addEventListener("click", async () => {
    if (button.disabled) return;
    button.disabled = true;
    button.setAttribute("aria-busy", "true");
    button.textContent = busyLabel || label;
    say(busyLabel);
    try {
      // JSON first so that a failure comes back as {message} (the app's error handler
      // answers JSON to whoever prefers it), the PDF itself otherwise.
      const response = await fetch(href, {
        credentials: "same-origin",
        headers: { Accept: "application/json, application/pdf;q=0.9" },
      });
      const type = response.headers.get("Content-Type") || "";
      if (response.ok && type.startsWith("application/pdf")) {
        save(await response.blob(), filenameFrom(response, "report.pdf"));
        say(doneLabel);
      } else if (response.ok) {
        // Not a PDF (the login page after the session expired, say): let the browser go there.
        window.location.assign(href);
      } else {
        say(await errorMessage(response, errorLabel));
      }
    } catch {
      say(errorLabel);
    } finally {
      button.disabled = false;
      button.removeAttribute("aria-busy");
      button.textContent = label;
      button.focus();
    }
  });
}

document.querySelectorAll("a[data-fetch-download]").forEach(enhance);
