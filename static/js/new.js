// The new-workshop form: the question box follows the chosen plan's suggestion (in the
// chosen language) until the facilitator writes their own question.
const suggestions = JSON.parse(document.getElementById("question-suggestions")?.textContent || "{}");
const plan = document.getElementById("plan");
const language = document.getElementById("language");
const question = document.getElementById("question");

function suggestion() {
  const texts = suggestions[plan?.value] || {};
  return texts[language?.value] || Object.values(texts)[0] || "";
}

if (plan && question) {
  let offered = question.value === suggestion() ? question.value : null;
  const follow = () => {
    // Only replace what the page put there (or nothing): never the facilitator's own words.
    if (offered === null && question.value.trim()) return;
    if (offered !== null && question.value !== offered) return;
    offered = suggestion();
    question.value = offered;
  };
  plan.addEventListener("change", follow);
  language?.addEventListener("change", follow);
}
