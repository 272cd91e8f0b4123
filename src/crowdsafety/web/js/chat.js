// The passenger chat (/chat): sends messages to POST /api/v1/chat, shows the replies, and with
// ?ref=CODE the status of a filed report (GET /api/v1/public/incidents/CODE). No inline script.

const WORDS = {
  nl: { title: "Veilig onderweg", send: "Verstuur", label: "Uw bericht", lang: "Taal",
        note: "Anoniem: laat geen naam, telefoonnummer of e-mailadres achter.",
        status: "Status van melding", statuses: { new: "nieuw", assigned: "in behandeling", resolved: "afgehandeld" },
        answer: "Antwoord van de meldkamer", noanswer: "Nog geen antwoord.", again: "Nieuw gesprek",
        failed: "Versturen lukte niet. Probeer het opnieuw; bij direct gevaar: bel 112." },
  en: { title: "Safe travel", send: "Send", label: "Your message", lang: "Language",
        note: "Anonymous: please leave no name, phone number or e-mail address.",
        status: "Status of report", statuses: { new: "new", assigned: "being handled", resolved: "resolved" },
        answer: "Control room's answer", noanswer: "No answer yet.", again: "New conversation",
        failed: "Sending failed. Please try again; in immediate danger: call 112." },
  it: { title: "Viaggia sicuro", send: "Invia", label: "Il tuo messaggio", lang: "Lingua",
        note: "Anonimo: non lasciare nome, numero di telefono o e-mail.",
        status: "Stato della segnalazione", statuses: { new: "nuova", assigned: "in gestione", resolved: "risolta" },
        answer: "Risposta della centrale", noanswer: "Ancora nessuna risposta.", again: "Nuova conversazione",
        failed: "Invio non riuscito. Riprova; in caso di pericolo immediato chiama il 112." },
};

const $ = (id) => document.getElementById(id);
let conversationId = null;
let done = false;

function language() {
  const chosen = $("lang").value;
  if (chosen) return chosen;
  const browser = (navigator.language || "nl").slice(0, 2);
  return WORDS[browser] ? browser : "nl";
}

function translate() {
  const w = WORDS[language()];
  document.documentElement.lang = language();
  $("title").textContent = w.title;
  $("send").textContent = done ? w.again : w.send;
  $("text-label").textContent = w.label;
  $("lang-label").textContent = w.lang;
  $("note").textContent = w.note;
}

function add(text, who) {
  const item = document.createElement("li");
  item.className = who;
  item.textContent = text;
  $("messages").append(item);
  item.scrollIntoView({ block: "end" });
}

function showError(text) {
  $("error").textContent = text;
  $("error").hidden = !text;
}

async function send(event) {
  event.preventDefault();
  if (done) { restart(); return; }
  const text = $("text").value.trim();
  if (!text) return;
  const body = { text };
  if (conversationId) body.conversation_id = conversationId;
  if ($("lang").value) body.language = $("lang").value;
  $("send").disabled = true;
  add(text, "me");
  $("text").value = "";
  try {
    const response = await fetch("/api/v1/chat", {
      method: "POST", headers: { "Content-Type": "application/json" }, body: JSON.stringify(body),
    });
    const data = await response.json();
    if (!response.ok) throw new Error(data.detail || response.statusText);
    showError("");
    conversationId = data.conversation_id;
    add(data.reply, "bot");
    if (data.done) { done = true; translate(); }
  } catch (error) {
    showError(`${WORDS[language()].failed} (${error.message})`);
    if (String(error.message).includes("conversation")) conversationId = null;
  } finally {
    $("send").disabled = false;
  }
}

function restart() {
  conversationId = null;
  done = false;
  $("messages").replaceChildren();
  translate();
}

async function showStatus(ref) {
  const box = $("status");
  box.hidden = false;
  const w = WORDS[language()];
  try {
    const response = await fetch(`/api/v1/public/incidents/${encodeURIComponent(ref)}`);
    const data = await response.json();
    if (!response.ok) throw new Error(data.detail || response.statusText);
    const title = document.createElement("strong");
    title.textContent = `${w.status} ${data.ref}: ${w.statuses[data.status] || data.status}`;
    const answer = document.createElement("p");
    answer.textContent = data.answer ? `${w.answer}: ${data.answer}` : w.noanswer;
    box.replaceChildren(title, answer);
  } catch (error) {
    box.textContent = `${ref}: ${error.message}`;
  }
}

$("form").addEventListener("submit", send);
$("text").addEventListener("keydown", (event) => {
  if (event.key === "Enter" && !event.shiftKey) { event.preventDefault(); $("form").requestSubmit(); }
});
$("lang").addEventListener("change", translate);
translate();
const ref = new URLSearchParams(location.search).get("ref");
if (ref) showStatus(ref);
