// The pages' translated strings (rendered by the server into #live-strings), pure so
// `node --test` covers it. A counted string comes with its plural forms by category,
// {"one": "{count} nota", "other": "{count} notas"}, the categories being those of
// Intl.PluralRules for the page's language (the server names them the same way).

/** The form of a counted string for `count`: by the language's plural rules, else "other". */
export function pluralForm(forms, count, rules) {
  const category = rules && Number.isFinite(Number(count)) ? rules.select(Number(count)) : "other";
  return forms[category] ?? forms.other ?? "";
}

/** A translator for one page: `t(key, {name: value})` fills in {name} placeholders. */
export function translator(strings, language) {
  const rules = typeof Intl !== "undefined" && Intl.PluralRules ? new Intl.PluralRules(language || "es") : null;
  return (key, values = {}) => {
    let text = strings[key] ?? key;
    if (text && typeof text === "object") text = pluralForm(text, values.count, rules);
    return String(text).replace(/\{(\w+)\}/g, (_, name) => String(values[name] ?? ""));
  };
}
