// Counted strings on the phone, console and projector read right in Spanish and
// English: "1 nota", "2 notas", "0 notas"; "1 participant has voted".
import assert from "node:assert/strict";
import { test } from "node:test";

import { pluralForm, translator } from "../../static/js/strings.js";

// As the server renders them (workshop.audiences.strings; tests/audiences/test_plural_strings.py).
const ES = {
  notes_count: { one: "{count} nota", other: "{count} notas" },
  voters: { one: "{count} participante votó", other: "{count} participantes votaron" },
  chars_left: { one: "Queda {count} carácter", other: "Quedan {count} caracteres" },
  stage_of: "Etapa {index} de {count}",
  sent: "Enviada",
};
const EN = {
  notes_count: { one: "{count} note", other: "{count} notes" },
  voters: { one: "{count} participant has voted", other: "{count} participants have voted" },
};

test("Spanish: one for 1, other for 0, 2 and many", () => {
  const t = translator(ES, "es");
  assert.equal(t("notes_count", { count: 1 }), "1 nota");
  assert.equal(t("notes_count", { count: 0 }), "0 notas");
  assert.equal(t("notes_count", { count: 2 }), "2 notas");
  assert.equal(t("notes_count", { count: 1_000_000 }), "1000000 notas"); // "many" falls back on other
  assert.equal(t("voters", { count: 1 }), "1 participante votó");
  assert.equal(t("voters", { count: 12 }), "12 participantes votaron");
  assert.equal(t("chars_left", { count: 1 }), "Queda 1 carácter");
  assert.equal(t("chars_left", { count: 500 }), "Quedan 500 caracteres");
});

test("English: one for 1 only", () => {
  const t = translator(EN, "en");
  assert.equal(t("notes_count", { count: 1 }), "1 note");
  assert.equal(t("notes_count", { count: 0 }), "0 notes");
  assert.equal(t("voters", { count: 1 }), "1 participant has voted");
  assert.equal(t("voters", { count: 3 }), "3 participants have voted");
});

test("strings without a count and unknown keys are as before", () => {
  const t = translator(ES, "es");
  assert.equal(t("stage_of", { index: 2, count: 8 }), "Etapa 2 de 8");
  assert.equal(t("sent"), "Enviada");
  assert.equal(t("missing_key"), "missing_key");
});

test("a counted string without a count, or without plural rules, takes the other form", () => {
  assert.equal(translator(ES, "es")("notes_count"), "{count} notas".replace("{count}", ""));
  assert.equal(pluralForm(ES.notes_count, 1, null), "{count} notas");
  assert.equal(pluralForm({ other: "x" }, 1, new Intl.PluralRules("es")), "x");
});
